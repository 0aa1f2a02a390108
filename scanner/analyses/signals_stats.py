"""Tail probabilities and multiple-testing control for the list-level signals.

scipy is not a dependency, so the two tails the signals need are computed here from
``math.lgamma`` with the classic continued fractions (Numerical Recipes §6.2, §6.4):

* Poisson: ``P(X >= k | mean)`` = the regularized lower incomplete gamma ``P(k, mean)``;
* negative binomial (gamma-Poisson, mean ``mu``, shape ``r``): ``P(X >= k)`` =
  ``I_x(k, r)`` with ``x = mu / (mu + r)`` (regularized incomplete beta).

Both are accurate to ~1e-12 relative where they matter (small tails) and return 0.0 when
the tail underflows a double, which only ever makes a test *more* significant.
"""

from __future__ import annotations

import math

_EPS = 1e-15
_TINY = 1e-300
_MAX_ITER = 20_000


def _gamma_series(a: float, x: float) -> float:
    """Regularized lower incomplete gamma P(a, x) by its series (x < a + 1)."""
    term = total = 1.0 / a
    ap = a
    for _ in range(_MAX_ITER):
        ap += 1.0
        term *= x / ap
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _gamma_cf(a: float, x: float) -> float:
    """Regularized upper incomplete gamma Q(a, x) by its continued fraction (x >= a + 1)."""
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_ITER):
        an = -i * (i - a)
        b += 2.0
        d, c = _lentz_step(d, c, an, b)
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def _lentz_step(d: float, c: float, a: float, b: float) -> tuple[float, float]:
    """One step of the modified Lentz method for a continued fraction term a/(b + ...):
    the updated (1/D, C), each guarded against division by zero."""
    d = b + a * d
    d = _TINY if abs(d) < _TINY else d
    c = b + a / c
    c = _TINY if abs(c) < _TINY else c
    return 1.0 / d, c


def poisson_sf(k: int, mean: float) -> float:
    """P(X >= k) for X ~ Poisson(mean)."""
    if k <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    if mean < k + 1:
        return min(1.0, _gamma_series(float(k), mean))
    return max(0.0, 1.0 - _gamma_cf(float(k), mean))


def _beta_cf(a: float, b: float, x: float) -> float:
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = _TINY if abs(d) < _TINY else d
    d = 1.0 / d
    h = d
    for m in range(1, _MAX_ITER):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d, c = _lentz_step(d, c, aa, 1.0)
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d, c = _lentz_step(d, c, aa, 1.0)
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_cf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_cf(b, a, 1.0 - x) / b


def negbin_sf(k: int, mean: float, shape: float) -> float:
    """P(X >= k) for a gamma-Poisson count with the given mean and gamma shape ``r``.

    Var = mean + mean^2 / r: ``r = 1`` is a geometric count (exponentially varying
    rates), ``r -> inf`` is Poisson.
    """
    if k <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    return betainc(float(k), float(shape), mean / (mean + shape))


def benjamini_hochberg(p_values: list[float], alpha: float, m: int | None = None) -> int:
    """How many of the hypotheses BH rejects at level ``alpha`` among ``m`` tests.

    ``p_values`` may hold only the smallest p-values (the untested ones are 1.0); ``m``
    is the total number of hypotheses. Under the global null BH keeps the chance of any
    rejection at or below ``alpha`` (independent tests), which is the signal's stated
    false-alarm rate.
    """
    m = len(p_values) if m is None else m
    if m == 0:
        return 0
    ordered = sorted(p_values)
    rejected = 0
    for i, p in enumerate(ordered, start=1):
        if p <= alpha * i / m:
            rejected = i
    return rejected


def occupancy_bins(n: int, distinct: int, cap: float = 1e9) -> float:
    """Estimate how many equally likely bins ``n`` draws came from, given ``distinct`` seen.

    Solves ``distinct = B * (1 - (1 - 1/B)^n)`` for ``B`` (bisection in log space); with
    no repeats at all the answer is ``cap``.
    """
    if n <= 0 or distinct <= 0:
        return 1.0
    if distinct >= n:
        return cap

    def expected(b: float) -> float:
        return b * -math.expm1(n * math.log1p(-1.0 / b)) if b > 1 else 1.0

    lo, hi = float(distinct), cap
    if expected(hi) < distinct:
        return cap
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        if expected(mid) < distinct:
            lo = mid
        else:
            hi = mid
        if hi / lo < 1 + 1e-9:
            break
    return hi


def chi2_sf(stat: float, dof: int) -> float:
    """P(X >= stat) for X ~ chi-square with ``dof`` degrees of freedom: Q(dof/2, stat/2)."""
    if dof <= 0 or stat <= 0:
        return 1.0
    a, x = dof / 2.0, stat / 2.0
    if x < a + 1:
        return max(0.0, 1.0 - _gamma_series(a, x))
    return min(1.0, _gamma_cf(a, x))


def normal_sf(z: float) -> float:
    """P(Z >= z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def beta_ppf(q: float, a: float, b: float) -> float:
    """The ``q`` quantile of Beta(a, b), by bisection on :func:`betainc` (for Clopper–Pearson)."""
    lo, hi = 0.0, 1.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if betainc(a, b, mid) < q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper–Pearson) two-sided interval for a binomial proportion ``k / n``."""
    if n == 0:
        return 0.0, 1.0
    alpha = 1 - level
    lo = 0.0 if k == 0 else beta_ppf(alpha / 2, k, n - k + 1)
    hi = 1.0 if k == n else beta_ppf(1 - alpha / 2, k + 1, n - k)
    return lo, hi

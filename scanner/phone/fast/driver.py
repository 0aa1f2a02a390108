""":func:`fast_parse`: the stages planned per group of rows that share a default region, a
calling code or a region, collected in rounds, and the rows no stage could decide named for
the fallback."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from scanner.phone import metadata as md
from scanner.phone.fast.codes import (
    FALLBACK_METADATA, FALLBACK_REASONS, FALLBACK_SMALL, FAST, MIN_GROUP, OUT_SCHEMA, STREAMING_MIN_ROWS,
    UNPARSED,
)
from scanner.phone.fast.stages import (
    metas_supported, stage0, stage_a_national, stage_a_plus, stage_b, stage_c,
)


@dataclass
class FastResult:
    """Rows the fast path decided (``decided``, with ``i``) and rows left for the fallback."""

    decided: pl.DataFrame  # OUT_SCHEMA
    fallback: pl.DataFrame  # i, s, r, reason (UInt8 status)
    counts: dict[str, int] = field(default_factory=dict)


_STATUS = pl.col("status")
_IS_FAST = _STATUS == FAST
_OUTPUTS = [c for c in OUT_SCHEMA if c != "i"]


def _collect(plans: list[tuple[int, pl.LazyFrame]]) -> list[pl.DataFrame]:
    """Collect (rows, plan) pairs, in order. Large plans run one after the other on the
    streaming engine (parallel over morsels; ``collect_all`` would run them on one thread),
    small ones together on the in-memory engine (far less fixed cost per plan)."""
    out: list[pl.DataFrame | None] = [None] * len(plans)
    small = [k for k, (n, _) in enumerate(plans) if n < STREAMING_MIN_ROWS]
    for k, (n, plan) in enumerate(plans):
        if n >= STREAMING_MIN_ROWS:
            out[k] = plan.collect(engine="streaming")
    if small:
        for k, frame in zip(small, pl.collect_all([plans[k][1] for k in small], engine="in-memory")):
            out[k] = frame
    return out  # type: ignore[return-value]


def _value_counts(values: pl.Series) -> dict:
    """value -> count (a constant column is checked without hashing)."""
    if len(values) == 0:
        return {}
    first = values[0]
    if values.eq_missing(pl.Series([first], dtype=values.dtype)).all():
        return {first: len(values)}
    return dict(values.value_counts().rows())


def _sizes(lf: pl.LazyFrame, keys: list[str]) -> list[tuple]:
    """(key..., count) per group."""
    return lf.group_by(keys).len().collect().rows()


def _terminal(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Rows that leave the pipeline (unparseable or for the fallback), in the output layout."""
    return lf.select("i", "status", *[pl.lit(None, dtype=OUT_SCHEMA[c]).alias(c) for c in _OUTPUTS])


def _demote(lf: pl.LazyFrame, keys: list[str], groups: list[tuple]) -> pl.LazyFrame:
    """Rows of the given groups (key..., reason) sent to the fallback with that reason."""
    table = pl.DataFrame(groups, schema={**{k: pl.String for k in keys}, "reason": pl.UInt8}, orient="row")
    joined = lf.join(table.lazy(), on=keys, how="inner", nulls_equal=True)
    return _terminal(joined.with_columns(pl.col("reason").alias("status")))


def _route(size: int, supported: bool, min_group: int) -> int:
    if not supported:
        return FALLBACK_METADATA
    return FALLBACK_SMALL if size < min_group else FAST


def _common(lf: pl.LazyFrame, region: str) -> pl.LazyFrame:
    """Plainly national rows in stage A's output layout (no IDD, no calling code to strip)."""
    m = md.meta_for_key(region)
    return lf.select(
        "i", "ext", "status", pl.lit(str(m.country_code)).alias("cc"), pl.col("D").alias("nn"),
        pl.lit(region, dtype=pl.String).alias("key"),
    )


def _plan_b(lf: pl.LazyFrame, cc_text: str, key: str, n: int, min_group: int,
            plans_b: list, pending: list, demoted: list) -> None:
    cc = int(cc_text)
    route = _route(n, metas_supported(cc, key), min_group)
    if route != FAST:
        demoted.append((cc_text, key, route))
        return
    plan, needs_type = stage_b(lf, cc, key)
    (pending if needs_type else plans_b).append((cc, n, plan))


def fast_parse(clean: pl.Series, region: pl.Series, min_group: int = MIN_GROUP) -> FastResult:
    """Decide what can be decided exactly; see the module docstring for the rest.

    ``min_group``: groups (default region, calling code) with fewer values go to the fallback.
    """
    plus, r_col, special = pl.col("plus"), pl.col("r"), pl.col("special")
    candidates = [
        r for r, n in _value_counts(region).items()
        if r is not None and n >= max(min_group, 1) and md.region_class(r) == "valid"
        and md.meta_for_key(r).supported
    ]
    s0 = stage0(clean, region, candidates)
    lf0 = s0.lazy()
    terminal = [_terminal(lf0.filter(~_IS_FAST))]

    # Round 1 (stage A). '+' rows need no default region. National rows, per default region:
    # plainly national ones go straight to stage B with the region's metadata; the others
    # (possible IDD or the region's calling code) through stage A.
    national = lf0.filter(_IS_FAST & ~plus)
    plans_a, plans_b, pending, demoted_b, demoted, demoted_common = [], [], [], [], [], []
    for r, is_plus, is_special, n in _sizes(lf0.filter(_IS_FAST), ["r", "plus", "special"]):
        if is_plus:
            continue
        if r not in candidates:
            demoted.append((r, _route(n, md.meta_for_key(r).supported, min_group)))
        elif is_special:
            plans_a.append((n, stage_a_national(national.filter((r_col == r) & special), r)))
        else:
            _plan_b(_common(national.filter((r_col == r) & ~special), r),
                    str(md.meta_for_key(r).country_code), r, n, min_group, plans_b, pending, demoted_common)
    n_plus = int((s0.get_column("plus") & (s0.get_column("status") == FAST)).sum())
    plans_a.append((n_plus, stage_a_plus(lf0.filter(_IS_FAST & plus))))
    if demoted:
        terminal.append(_demote(national, ["r"], demoted))
    if demoted_common:
        common = national.filter(~special)
        terminal.append(_demote(common, ["r"], [(key, reason) for _, key, reason in demoted_common]))
    # collect stage A together with the direct stage B plans
    first = _collect(plans_a + [(n, p) for _, n, p in plans_b])
    a = pl.concat(first[: len(plans_a)], how="vertical_relaxed").lazy()
    results = first[len(plans_a):]
    plans_b = []

    # Round 2 (stage B) for stage A's rows, per (calling code, metadata key).
    terminal.append(_terminal(a.filter(~_IS_FAST)))
    ok = a.filter(_IS_FAST)
    for cc_text, key, n in _sizes(ok, ["cc", "key"]):
        _plan_b(ok.filter((pl.col("cc") == cc_text) & (pl.col("key") == key)), cc_text, key, n,
                min_group, plans_b, pending, demoted_b)
    if demoted_b:
        terminal.append(_demote(ok, ["cc", "key"], demoted_b))
    results += _collect([(n, p) for _, n, p in plans_b])

    # Round 3 (stage C): type for shared calling codes, per (calling code, region).
    plans_c = []
    for (cc, _, _), frame in zip(pending, _collect([(n, p) for _, n, p in pending])):
        mid = frame.lazy()
        terminal.append(_terminal(mid.filter(~_IS_FAST)))
        good = mid.filter(_IS_FAST)
        demoted = []
        for r, n in _sizes(good, ["region"]):
            route = _route(n, True, min_group)
            if route == FAST:
                plans_c.append((n, stage_c(good.filter(pl.col("region").eq_missing(r)), cc, r)))
            else:
                demoted.append((r, route))
        if demoted:
            terminal.append(_demote(good, ["region"], demoted))
    results += _collect(plans_c)

    done = pl.concat(results, how="vertical_relaxed") if results else None
    ends = [_terminal(done.lazy().filter(~_IS_FAST))] if done is not None else []
    ends = pl.concat(terminal + ends, how="vertical_relaxed").collect()
    if done is None:
        parsed = ends.clear()
    elif done.get_column("status").eq(FAST).all():
        parsed = done
    else:
        parsed = done.filter(_IS_FAST)
    parsed = parsed.drop("status").cast(OUT_SCHEMA)  # a no-op when the plans produced these types
    unparsed = ends.filter(_STATUS == UNPARSED)
    unparsed = unparsed.drop("status").with_columns(pl.lit(False).alias("valid")).cast(OUT_SCHEMA)
    decided = pl.concat([parsed, unparsed], how="vertical")
    fallback = ends.filter(_STATUS > FAST).select("i", "status")
    idx = fallback.get_column("i")
    fallback = fallback.with_columns(
        s=clean.cast(pl.String).gather(idx), r=region.cast(pl.String).gather(idx)
    )
    counts = {"rows": len(clean), "parsed": parsed.height, "unparsed": unparsed.height}
    by_status = dict(fallback.group_by("status").len().rows())
    for code, name in FALLBACK_REASONS.items():
        counts["fallback_" + name] = by_status.get(code, 0)
    counts["fallback"] = fallback.height
    return FastResult(decided, fallback, counts)

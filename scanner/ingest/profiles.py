"""Value profiles: what a column's sampled values look like.

The sample is deterministic: the first :data:`HEAD_ROWS` readable records, then a seeded
sample of the records after them inside the window the layout is decided on (the first
records up to ``headers.SAMPLE_ROWS`` records or :data:`WINDOW_BYTES` of cell text, measured
on the records themselves), :data:`PROFILE_ROWS` records in all. The same file therefore
profiles the same way whatever the batch size.

Phone shares come from the project's exact normalizer (``phone.normalize.parse_distinct``)
on each column's distinct sampled values, so "valid" here means what it means in the scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
import polars as pl

from scanner.i18n import Text
from scanner.privacy.embedded import IPV4

HEAD_ROWS = 1000
PROFILE_ROWS = 4_000
WINDOW_BYTES = 4 << 20
MAX_CELLS = 2_000_000   # cells profiled at most (a wide file's sample is cut to fewer records)
_SEED = 20261122
# Number types a person's contact number has; others (toll-free, premium, shared cost,
# pager, UAN, voicemail) are not what a contact column holds.
PLAUSIBLE_TYPES = ("MOBILE", "FIXED_LINE_OR_MOBILE", "FIXED_LINE", "VOIP", "PERSONAL_NUMBER")
PHONEISH = r"^\+?[\d\s\-\u2010-\u2015().\u00b7/]{5,30}$"
_DATE = (r"^\s*(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"
         r"|\d{1,2}[\s-]?[A-Za-z]{3,9}[\s,-]+\d{4}|[A-Za-z]{3,9}\.?\s+\d{1,2},?\s+\d{4}"
         r"|\d{4}-\d{2}-\d{2}T)")
_EPOCH = r"^\s*1\d{9}(?:\d{3})?(?:\.\d+)?\s*$"
#: A value shaped like a date, a date-time or an epoch time.
TIME_SHAPE = f"{_DATE}|{_EPOCH}"
_EMAIL = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
# An address column (Mailchimp's OPTIN_IP) is not a column of numbers written with dots.
_IPV4 = rf"^{IPV4}$"
# Consent values that are plain booleans say nothing about consent on their own.
GENERIC_BOOLEANS = frozenset({
    "t", "f", "true", "false", "1", "0", "y", "n", "yes", "no", "是", "否", "on", "off", "✓", "✗",
    "对", "错", "有", "无", "1.0", "0.0", "√", "×",
})


@dataclass(frozen=True)
class Profile:
    """Shares are of the column's non-empty sampled values."""

    values: int          # non-empty sampled values
    distinct: int
    phoneish: float      # digits and separators only, 5 to 30 characters
    phone_valid: float   # valid numbers of any type
    phone_plausible: float  # valid numbers of a person's type, written as a number is dialled
    mobile: float
    consent: float       # in the consent vocabulary
    consent_specific: float  # in it and not a plain boolean
    channel: float
    purpose: float
    date: float
    epoch: float
    email: float
    region: float

    def looks_like(self, min_valid: float) -> str | None:
        """A few words on what the values look like, never a value."""
        return str(self.looks_like_text(min_valid))

    def looks_like_text(self, min_valid: float) -> Text:
        """:meth:`looks_like` as a message (shown in the reader's language)."""
        if not self.values:
            return Text("empty")
        if self.phone_plausible >= min_valid:
            return Text("phone numbers ({share:.0%} valid)", share=self.phone_plausible)
        if self.email >= 0.8:
            return Text("email addresses ({share:.0%})", share=self.email)
        if self.date >= 0.8:
            return Text("dates/times ({share:.0%})", share=self.date)
        if self.consent >= 0.8:
            return Text("consent values ({share:.0%})", share=self.consent)
        if self.phone_valid >= 0.2:
            return Text("some phone numbers ({share:.0%} valid)", share=self.phone_valid)
        if self.phoneish >= 0.8:
            return Text("numbers, not phone numbers ({share:.0%} valid)", share=self.phone_valid)
        return Text("text ({distinct} distinct of {values})", distinct=self.distinct, values=self.values)


EMPTY = Profile(0, 0, *([0.0] * 12))


def record_bytes(frame: pl.DataFrame) -> pl.Series:
    """Each record's size as the window counts it: its cells' bytes plus 16 per cell."""
    if frame.width == 0:
        return pl.Series("size", [0] * frame.height, dtype=pl.Int64)
    return frame.select(
        (pl.sum_horizontal(pl.all().str.len_bytes().fill_null(0)).cast(pl.Int64) + 16 * frame.width)
        .alias("size")).get_column("size")


def sample_indexes(frame: pl.DataFrame, bad: dict[int, str], window_rows: int) -> list[int]:
    """Indexes into ``frame`` of the profiled records (see the module docstring)."""
    sizes = record_bytes(frame.head(window_rows + len(bad)))
    within = int((sizes.cum_sum() <= WINDOW_BYTES).sum()) if len(sizes) else 0
    readable = [i for i in range(max(within, min(1, len(sizes)))) if i not in bad][:window_rows]
    if len(readable) <= PROFILE_ROWS:
        return readable
    head, rest = readable[:HEAD_ROWS], pl.Series("i", readable[HEAD_ROWS:], dtype=pl.Int64)
    # a seeded hash orders the rest; the lowest PROFILE_ROWS - HEAD_ROWS are taken
    # (polars' hash is stable for a given polars version, which constraints.txt pins)
    picked = pl.DataFrame({"i": rest, "h": rest.hash(seed=_SEED)}).sort("h") \
        .head(PROFILE_ROWS - HEAD_ROWS).get_column("i").sort()
    return head + picked.to_list()


def profile_columns(frame: pl.DataFrame, region: str, phone_hint: set[int] | frozenset = frozenset(),
                    ) -> list[Profile]:
    """One :class:`Profile` per column of ``frame`` (String columns, the sample).

    Columns are normalized as phone numbers when ``phone_hint`` names them or enough of
    their values are digits for them to be a phone column. The cells are profiled in one
    long table (column, value), so the cost follows the cells, not the column count; a
    wide sample is cut to :data:`MAX_CELLS` cells (its first records)."""
    if frame.width == 0:
        return []
    rows = max(1, min(frame.height, MAX_CELLS // frame.width))
    names = [f"c{i}" for i in range(frame.width)]
    long = (frame.head(rows).rename(dict(zip(frame.columns, names)))
            .with_row_index("r").unpivot(index="r", variable_name="c", value_name="v")
            .with_columns(pl.col("c").str.slice(1).cast(pl.UInt32), pl.col("v").str.strip_chars())
            .filter(pl.col("v").is_not_null() & (pl.col("v") != "")))
    vocab = _vocab()
    key = pl.col("v").str.normalize("NFKC").str.to_lowercase()
    stats = long.group_by("c").agg(
        pl.len().alias("n"), pl.col("v").n_unique().alias("d"),
        (pl.col("v").str.contains(PHONEISH) & ~pl.col("v").str.contains(_IPV4)).sum().alias("p"),
        pl.col("v").str.contains(_DATE).sum().alias("date"),
        pl.col("v").str.contains(_EPOCH).sum().alias("epoch"),
        pl.col("v").str.contains(_EMAIL).sum().alias("email"),
        pl.col("v").str.to_uppercase().is_in(vocab["regions"]).sum().alias("region"),
        *(key.is_in(vocab[kind]).sum().alias(kind) for kind in ("consent", "specific", "channel", "purpose")),
    )
    by_column = {row["c"]: row for row in stats.iter_rows(named=True)}
    phones = _phone_shares(long, [c for c, row in by_column.items()
                                  if c in phone_hint or row["p"] >= 0.2 * row["n"]], region, phone_hint)
    out = []
    for i in range(frame.width):
        row = by_column.get(i)
        if row is None:
            out.append(EMPTY)
            continue
        n = row["n"]
        valid, plausible, mobile = phones.get(i, (0.0, 0.0, 0.0))
        out.append(Profile(
            values=n, distinct=row["d"], phoneish=row["p"] / n,
            phone_valid=valid, phone_plausible=plausible, mobile=mobile,
            consent=row["consent"] / n, consent_specific=row["specific"] / n,
            channel=row["channel"] / n, purpose=row["purpose"] / n,
            date=row["date"] / n, epoch=row["epoch"] / n, email=row["email"] / n, region=row["region"] / n,
        ))
    return out


def _phone_shares(long: pl.DataFrame, columns: list[int], region: str,
                  hint: set[int] | frozenset) -> dict[int, tuple[float, float, float]]:
    """Per column index: the shares of its non-empty sampled values that are valid numbers,
    valid numbers of a plausible type written as dialled, and mobiles (with repeats).

    A column no header names is judged on its first :data:`HEAD_ROWS` sampled values
    (enough to tell a phone column at the 0.8 threshold from look-alike digits, at a
    quarter of the cost); a column named a phone column on all of them."""
    if not columns:
        return {}
    from scanner.phone.normalize import parse_distinct

    values = (long.filter(pl.col("c").is_in(columns))
              .filter(pl.col("c").is_in(sorted(hint)) | (pl.int_range(pl.len()).over("c") < HEAD_ROWS))
              .group_by("c", "v").len().rename({"v": "raw"}))
    distinct = values.select("raw").unique().with_columns(pl.lit(region).alias("region_hint"))
    parsed = parse_distinct(distinct).with_columns(
        pl.col("valid") & ~pl.col("raw").str.contains(_IPV4)).select(
        "raw", pl.col("valid").fill_null(False).alias("valid"),
        (pl.col("valid").fill_null(False) & pl.col("type").is_in(PLAUSIBLE_TYPES)
         & _dialled(pl.col("clean"), pl.col("type"), region)).alias("plausible"),
        (pl.col("valid").fill_null(False) & pl.col("type").is_in(["MOBILE", "FIXED_LINE_OR_MOBILE"]))
        .alias("mobile"))
    summed = values.join(parsed, on="raw", how="left").group_by("c").agg(
        pl.col("len").sum().alias("n"),
        *(pl.col("len").filter(pl.col(k)).sum().alias(k) for k in ("valid", "plausible", "mobile")))
    return {c: (v / n, p / n, m / n)
            for c, n, v, p, m in summed.select("c", "n", "valid", "plausible", "mobile").iter_rows()}


def _dialled(clean: pl.Expr, kind: pl.Expr, region: str) -> pl.Expr:
    """A fixed line counts only when written as it is dialled: in international form or
    with the national prefix (``010 8888 8888``, not ``1088888888``, which is as likely a
    QQ number or an ID). Mobiles count as written."""
    prefix = _national_prefix(region)
    written = clean.str.strip_chars().str.starts_with("+") | clean.str.strip_chars().str.starts_with("00")
    if prefix:
        written = written | clean.str.strip_chars().str.replace_all(r"[^\d]", "").str.starts_with(prefix)
    return kind.is_in(["MOBILE", "FIXED_LINE_OR_MOBILE"]) | written


@lru_cache(maxsize=64)
def _national_prefix(region: str) -> str | None:
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region or "")
    return meta.national_prefix if meta is not None else None


@lru_cache(maxsize=1)
def _vocab() -> dict[str, list[str]]:
    from scanner.policy import VocabularyPolicy, vocab_key

    vocabulary = VocabularyPolicy()
    booleans = {*vocabulary.booleans("yes"), *vocabulary.booleans("no")} | GENERIC_BOOLEANS
    consent = set(vocabulary.table("consent")) | booleans
    return {
        "consent": sorted(consent),
        "specific": sorted(consent - booleans),
        "channel": sorted({vocab_key(k) for k in vocabulary.table("channel")}),
        "purpose": sorted({vocab_key(k) for k in vocabulary.table("purpose")}),
        "regions": sorted(phonenumbers.SUPPORTED_REGIONS),
    }

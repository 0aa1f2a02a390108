"""Scan policy: frozen dataclasses loaded from TOML (docs/ARCHITECTURE.md).

Every documented top-level table is reserved; unknown tables and unknown keys are errors
that name the key. ``Policy.effective()`` is the policy with every default filled in, as
plain JSON data; ``Policy.sha256`` hashes its canonical JSON form.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tomllib
import zoneinfo
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

import phonenumbers

from scanner.errors import PolicyError
from scanner.i18n import N_, Text

CHANNELS = ("sms", "voice")
PURPOSES = ("marketing", "service", "notification")
SEVERITIES = ("error", "warning", "info")
CONSENT_CLASSES = ("granted", "refused", "withdrawn", "none")
CHANNEL_CLASSES = ("sms", "voice", "email", "all")
PURPOSE_CLASSES = ("marketing", "service", "all")
CANONICAL_COLUMNS = (
    "phone", "name", "email", "source", "consent", "consent_channel", "consent_purpose",
    "consent_time", "consent_evidence", "region", "collected_at",
)
#: Canonical columns that ``[columns] invert`` may name: read inverted, a yes says refused.
INVERTIBLE_COLUMNS = ("consent",)
TABLES = ("campaign", "consent", "sources", "columns", "vocabulary", "rules", "list",
          "detect", "privacy", "registry", "report", "review", "suppress")
#: Findings no reviewer can approve: a refusal or withdrawal, a do-not-contact entry, and a
#: value that is no phone number (docs/PRIVACY.md, "Review decisions").
NEVER_APPROVABLE = ("CN002", "SP001", "PH001", "PH002", "PH003")
#: What feeds the do-not-contact store automatically (``[suppress] auto``).
AUTO_SUPPRESS = ("withdrawn", "refused", "ledger", "decisions")


@lru_cache(maxsize=1)
def builtin_vocabulary() -> dict[str, Any]:
    text = resources.files("scanner").joinpath("data/vocabulary.toml").read_text("utf-8")
    return tomllib.loads(text)


def vocab_key(value: str) -> str:
    """How vocabulary values are compared: NFKC, trimmed, lower-cased."""
    import unicodedata

    return unicodedata.normalize("NFKC", value).strip().lower()


def _share(v) -> str | None:
    return None if 0.0 <= v <= 1.0 else N_("must be between 0 and 1")


def _alpha(v) -> str | None:
    return None if 0.0 < v < 0.5 else N_("must be above 0 and below 0.5")


def _positive(v) -> str | None:
    return None if v > 0 else N_("must be positive")


def _count(v) -> str | None:
    return None if v >= 1 else N_("must be at least 1")


_CHECKS = {
    "likely_score": _share, "min_rows": _count,
    "block_alpha": _alpha, "block_dispersion": _positive, "block_min_count": _count, "min_spread_blocks": _count,
    "run_alpha": _alpha, "run_min_excess": _count,
    "invalid_share": _share,
    "consent_min_rows": _count, "bulk_min_group": lambda v: None if v >= 2 else "must be at least 2",
    "bulk_share": _share, "regular_share": _share, "night_share": _share,
    "night_end_hour": lambda v: None if 1 <= v <= 12 else "must be between 1 and 12",
    "after_collection_share": _share, "before_source_share": _share,
    "missing_source_share": _share, "catch_all_share": _share, "template_name_share": _share,
    "volume_ordinary": _count, "volume_sensitive": _count, "volume_location_credit": _count,
    "overlap_containment": _share, "near_duplicate_jaccard": _share,
    "leaked_containment": _share, "leaked_min_shared": _count, "overlap_top": _count,
}


@dataclass(frozen=True)
class DetectPolicy:
    """The policy's ``[detect]`` table: thresholds of the purchased-list signals.

    Statistical signals state their false-alarm rate: ``block_alpha`` is the chance that a
    genuine list (under the block model) shows any dense block; ``run_alpha`` the same for
    consecutive runs.
    """

    likely_score: float = 0.6          # purchased.likely when score >= this
    min_rows: int = 50                 # share-based signals are not judged below this
    block_alpha: float = 0.001         # LS002/LS004 false-alarm rate (BH across blocks / time ticks)
    block_dispersion: float = 1.0      # gamma shape of block popularity (1 = exponential spread)
    block_min_count: int = 10          # a block must hold this many numbers to be called dense
    min_spread_blocks: int = 200       # a genuine list draws from at least this many 10^4-blocks
    run_alpha: float = 0.001           # LS003 false-alarm rate
    run_min_excess: int = 20           # LS003 needs this many consecutive pairs above expectation
    invalid_share: float = 0.2         # LS001
    consent_min_rows: int = 50         # consent-time signals need this many stamped rows
    bulk_min_group: int = 10           # LS004: identical stamps shared by at least this many rows
    bulk_share: float = 0.1            # LS004
    regular_share: float = 0.5         # LS005
    night_share: float = 0.15          # LS006
    night_end_hour: int = 6            # LS006: night is 00:00 to this hour, policy time zone
    after_collection_share: float = 0.2  # LS007
    before_source_share: float = 0.05  # LS008
    missing_source_share: float = 0.5  # LS009
    catch_all_share: float = 0.9       # LS010
    template_name_share: float = 0.5   # LS011
    volume_ordinary: int = 5000        # LS012 thresholds (SPC/SPP 2017 interpretation, Art. 5)
    volume_sensitive: int = 500
    volume_location_credit: int = 50
    overlap_containment: float = 0.5   # LS015
    near_duplicate_jaccard: float = 0.9  # LS014
    leaked_containment: float = 0.05   # LS016
    leaked_min_shared: int = 10        # LS016 also needs this many shared numbers
    overlap_top: int = 10              # how many matches list.overlaps keeps

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            kind = float if f.type in ("float", float) else int
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                    kind is int and not isinstance(value, int)):
                raise PolicyError("detect.{key}: {problem}", key=f.name,
                                  problem=Text("must be a number") if kind is float else Text("must be an integer"))
            if kind is float:
                object.__setattr__(self, f.name, float(value))
            problem = _CHECKS[f.name](value)
            if problem:
                raise PolicyError("detect.{key}: {problem}", key=f.name, problem=Text(problem))
        if not self.volume_location_credit <= self.volume_sensitive <= self.volume_ordinary:
            raise PolicyError("detect.volume_*: expected volume_location_credit <= volume_sensitive "
                              "<= volume_ordinary")

    @classmethod
    def from_dict(cls, table: Mapping[str, Any]) -> "DetectPolicy":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(table) - known)
        if unknown:
            raise PolicyError("detect.{key}: unknown key", key=unknown[0])
        return cls(**dict(table))


@dataclass(frozen=True)
class CampaignPolicy:
    channel: str = "sms"
    purpose: str = "marketing"
    region: str = "CN"
    allowed_regions: tuple[str, ...] = ("CN",)
    timezone: str = "Asia/Shanghai"


@dataclass(frozen=True)
class ConsentPolicy:
    max_age_days: int = 730
    require_evidence: bool = False
    #: without a consent column, a row's consent time records its opt-in (an export of
    #: subscribers with ``OPTIN_TIME`` or ``订阅时间`` and no status column)
    time_records_consent: bool = True


@dataclass(frozen=True)
class SourcePolicy:
    name: str
    aliases: tuple[str, ...] = ()
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    third_party: bool = False


@dataclass(frozen=True)
class ColumnsPolicy:
    # (frame name, header): canonical names, and ``phone_2``, ``phone_3``… for the further
    # headers of a ``phone`` list (the ingest's names for them)
    mapping: tuple[tuple[str, str], ...] = ()
    keep: tuple[str, ...] = ()
    #: kept columns written as they are (no masking of embedded numbers; they are kept
    #: even when ``keep`` leaves them out); the outputs' plaintext check still guards them
    keep_verbatim: tuple[str, ...] = ()
    #: canonical columns read inverted; None: as the headers say (an opt-out header)
    invert: tuple[str, ...] | None = None
    #: (time column, strftime format): only that format is read for the column
    formats: tuple[tuple[str, str], ...] = ()
    #: share of a column's non-empty sampled values that must be valid numbers of a
    #: person's type for its values alone to make it a phone column
    phone_min_valid: float = 0.8

    def effective_mapping(self) -> dict[str, str | list[str]]:
        """The mapping as the policy file gives it: ``phone`` a list when it names several."""
        out: dict[str, str | list[str]] = {}
        phones = [h for c, h in self.mapping if c == "phone" or c.startswith("phone_")]
        for canonical, header in self.mapping:
            if canonical == "phone":
                out["phone"] = phones if len(phones) > 1 else header
            elif not canonical.startswith("phone_"):
                out[canonical] = header
        return out


@dataclass(frozen=True)
class VocabularyPolicy:
    consent: tuple[tuple[str, str], ...] = ()
    channel: tuple[tuple[str, str], ...] = ()
    purpose: tuple[tuple[str, str], ...] = ()
    purchase_words: tuple[str, ...] = ()
    third_party_words: tuple[str, ...] = ()
    yes: tuple[str, ...] = ()
    no: tuple[str, ...] = ()
    #: False: these tables are the whole vocabulary, the built-in one left out (a policy
    #: rebuilt from a certificate made when the built-in vocabulary was another)
    builtin: bool = field(default=True, compare=False)

    def _builtin(self) -> dict:
        return builtin_vocabulary() if self.builtin else {
            "consent": {}, "channel": {}, "purpose": {}, "boolean": {"yes": (), "no": ()},
            "words": {"purchase": (), "third_party": ()}}

    def table(self, kind: str, *, inverted: bool = False) -> dict[str, str]:
        """Built-in entries overlaid with the policy's, keys normalized.

        The consent table starts from the yes/no words (granted/refused; the reverse when
        ``inverted``); status words and the policy's own entries are never inverted.
        """
        merged: dict[str, str] = {}
        if kind == "consent":
            yes, no = ("refused", "granted") if inverted else ("granted", "refused")
            merged.update((w, yes) for w in self.booleans("yes"))
            merged.update((w, no) for w in self.booleans("no"))
        merged.update(_with_separators({vocab_key(k): v for k, v in self._builtin()[kind].items()}))
        merged.update({vocab_key(k): v for k, v in getattr(self, kind)})
        return merged

    def booleans(self, answer: str) -> tuple[str, ...]:
        """The words that say yes (``answer="yes"``) or no: built-in, then the policy's."""
        return tuple(dict.fromkeys(vocab_key(w) for w in (*self._builtin()["boolean"][answer],
                                                           *getattr(self, answer))))

    def words(self, kind: str) -> tuple[str, ...]:
        extra = self.purchase_words if kind == "purchase" else self.third_party_words
        return tuple(vocab_key(w) for w in (*self._builtin()["words"][kind], *extra))


def _with_separators(table: dict[str, str]) -> dict[str, str]:
    """``table`` plus, for each key written with spaces, the same key with ``_`` and ``-``
    (exports spell one status ``opted in``, ``opted_in`` and ``OPTED-IN``)."""
    out = dict(table)
    for key, value in table.items():
        if " " in key:
            for sep in ("_", "-"):
                out.setdefault(key.replace(" ", sep), value)
    return out


@dataclass(frozen=True)
class RulesPolicy:
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ListPolicy:
    max_reject_share: float = 0.2


@dataclass(frozen=True)
class PrivacyPolicy:
    vault: bool = True
    vault_names: bool = False


@dataclass(frozen=True)
class RegistryPolicy:
    check: bool = True


@dataclass(frozen=True)
class ReportPolicy:
    top_findings: int = 5
    html: bool = True             # write report.html beside report.json
    lang: str | None = None       # en | zh; None: from the locale


#: How the report is shown, not what is judged: left out of the policy's hash, so a
#: policy read in another language certifies and verifies the same.
PRESENTATION_KEYS = ("html", "lang")


@dataclass(frozen=True)
class ReviewPolicy:
    #: error codes a reviewer may approve (warnings always can be)
    approvable: tuple[str, ...] = ()
    #: approvals older than this stop counting (None: they do not expire)
    approval_max_age_days: int | None = None


@dataclass(frozen=True)
class SuppressPolicy:
    #: scans check the state folder's do-not-contact store
    check: bool = True
    #: sources that add entries by themselves; only ``decisions`` by default, so a scan
    #: writes nothing to the store unless asked (a re-scan gives the same answer)
    auto: tuple[str, ...] = ("decisions",)


@dataclass(frozen=True)
class Policy:
    campaign: CampaignPolicy = field(default_factory=CampaignPolicy)
    consent: ConsentPolicy = field(default_factory=ConsentPolicy)
    sources: tuple[SourcePolicy, ...] = ()
    columns: ColumnsPolicy = field(default_factory=ColumnsPolicy)
    vocabulary: VocabularyPolicy = field(default_factory=VocabularyPolicy)
    rules: RulesPolicy = field(default_factory=RulesPolicy)
    list: ListPolicy = field(default_factory=ListPolicy)
    detect: DetectPolicy = field(default_factory=DetectPolicy)
    privacy: PrivacyPolicy = field(default_factory=PrivacyPolicy)
    registry: RegistryPolicy = field(default_factory=RegistryPolicy)
    report: ReportPolicy = field(default_factory=ReportPolicy)
    review: ReviewPolicy = field(default_factory=ReviewPolicy)
    suppress: SuppressPolicy = field(default_factory=SuppressPolicy)
    path: str | None = field(default=None, compare=False)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.campaign.timezone)

    def severity_of(self, code: str, default: str) -> str:
        return dict(self.rules.severity).get(code, default)

    def effective(self) -> dict[str, Any]:
        """The policy with defaults filled in, as canonical JSON-ready data."""

        def plain(value):
            if isinstance(value, (dt.date, dt.datetime)):
                return value.isoformat()
            if isinstance(value, tuple):
                return [plain(v) for v in value]
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            return value

        doc = {
            "campaign": plain(asdict(self.campaign)),
            # off is how consent was read before the setting existed: left out, older
            # policies keep their hash and their meaning
            "consent": {k: v for k, v in plain(asdict(self.consent)).items()
                        if k != "time_records_consent" or v},
            "sources": [plain(asdict(s)) for s in self.sources],
            "columns": {"mapping": self.columns.effective_mapping(), "keep": list(self.columns.keep),
                        "keep_verbatim": list(self.columns.keep_verbatim),
                        "invert": None if self.columns.invert is None else sorted(self.columns.invert),
                        "formats": dict(self.columns.formats),
                        "phone_min_valid": self.columns.phone_min_valid},
            "vocabulary": {
                "consent": dict(sorted(self.vocabulary.table("consent").items())),
                "yes": list(self.vocabulary.booleans("yes")),
                "no": list(self.vocabulary.booleans("no")),
                "channel": dict(sorted(self.vocabulary.table("channel").items())),
                "purpose": dict(sorted(self.vocabulary.table("purpose").items())),
                "purchase_words": list(self.vocabulary.words("purchase")),
                "third_party_words": list(self.vocabulary.words("third_party")),
            },
            "rules": {"ignore": sorted(self.rules.ignore), "severity": dict(sorted(self.rules.severity))},
            "list": plain(asdict(self.list)),
            "detect": plain(asdict(self.detect)),
            "privacy": plain(asdict(self.privacy)),
            "registry": plain(asdict(self.registry)),
            "report": {k: v for k, v in plain(asdict(self.report)).items() if k not in PRESENTATION_KEYS},
        }
        # (tables left at their defaults stay out: adding a table keeps older policies' hash)
        for name, value in (("review", self.review), ("suppress", self.suppress)):
            if value != type(value)():
                doc[name] = plain(asdict(value))
        return doc

    @property
    def sha256(self) -> str:
        canonical = json.dumps(self.effective(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------- loading

def _phone_mapping(r: "_Reader") -> tuple[tuple[str, str], ...]:
    """``[columns] phone``: one header, or a list of them (the primary first) mapped to the
    frame names ``phone``, ``phone_2``, ``phone_3``…"""
    value = r.table["phone"]
    if not isinstance(value, (str, list)):
        raise r.fail("phone", "must be a header or a list of headers")
    headers = (r.get("phone", str, None),) if isinstance(value, str) else r.get("phone", tuple, ())
    if not headers:
        raise r.fail("phone", "must be a header or a non-empty list of headers")
    if len(set(headers)) != len(headers):
        raise r.fail("phone", "names one header twice")
    return tuple(("phone" if i == 0 else f"phone_{i + 1}", h) for i, h in enumerate(headers))


class _Reader:
    """Reads one TOML table, tracking which keys were used so unknown keys can be named."""

    def __init__(self, where: str, table: Any, path: str | None):
        if not isinstance(table, dict):
            raise PolicyError("{where} must be a table", path=path, where=where)
        self.where, self.table, self.path, self.used = where, table, path, set()

    def fail(self, key: str, message: str | Text) -> PolicyError:
        # ``message``: a fixed complaint (marked for the catalog as fail's second argument) or a Text
        return PolicyError("{where}.{key}: {problem}", path=self.path, where=self.where, key=key,
                           problem=message if isinstance(message, Text) else Text(message))

    def get(self, key, kind, default, *, choices=None, check=None, fold=None):
        """``table[key]`` of ``kind``, or ``default``. Values of ``choices`` are matched
        whatever their case (``SMS`` is ``sms``); ``fold`` gives the value its canonical
        form (a region's upper case) before ``check``."""
        self.used.add(key)
        if key not in self.table:
            return default
        value = self.table[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if kind is tuple:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise self.fail(key, "must be a list of strings")
            value = tuple(value)
        elif kind is dict:
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise self.fail(key, "must be a table of strings")
        elif kind is dt.date:
            if isinstance(value, str):
                try:
                    value = dt.date.fromisoformat(value)
                except ValueError:
                    raise self.fail(key, "must be a date (YYYY-MM-DD)") from None
            if isinstance(value, dt.datetime):
                value = value.date()
            if not isinstance(value, dt.date):
                raise self.fail(key, "must be a date (YYYY-MM-DD)")
        elif not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(key, Text("must be {kind}, got {got}", kind=_kind(kind), got=_kind(type(value))))
        if fold is not None:
            value = fold(value)
        if choices is not None:
            named = {c.lower(): c for c in choices}
            value = (tuple(named.get(v.lower(), v) for v in value) if isinstance(value, tuple)
                     else named.get(value.lower(), value))
            bad = [v for v in (value if isinstance(value, tuple) else (value,)) if v not in choices]
            if bad:
                raise self.fail(key, Text("{value!r} is not one of {choices}", value=bad[0], choices=", ".join(choices)))
        if check is not None:
            problem = check(value)
            if problem:
                raise self.fail(key, problem)
        return value

    def done(self):
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            raise self.fail(unknown[0], "unknown key")


#: TOML's kinds of value in words.
_KINDS = {int: Text("an integer"), float: Text("a number"), str: Text("text"), bool: Text("true or false"),
          list: Text("a list"), dict: Text("a table")}


def _kind(kind: type) -> Text | str:
    return _KINDS.get(kind, kind.__name__)


def _upper(value):
    """Region and rule codes are upper case whatever the policy writes (``cn``, ``ph004``)."""
    return tuple(v.upper() for v in value) if isinstance(value, tuple) else value.upper()


def _lower_values(d: dict) -> dict:
    """Class and severity names are lower case whatever the policy writes (``Granted``)."""
    return {k: v.lower() for k, v in d.items()}


def _region_check(value):
    regions = value if isinstance(value, tuple) else (value,)
    for r in regions:
        if r not in phonenumbers.SUPPORTED_REGIONS:
            return Text("{region!r} is not a region phonenumbers knows (ISO 3166 alpha-2, e.g. CN)", region=r)
    return None


def _tz_check(value):
    try:
        zoneinfo.ZoneInfo(value)
    except Exception:
        return Text("{zone!r} is not an IANA time zone (e.g. Asia/Shanghai)", zone=value)
    return None


def policy_from_dict(doc: Mapping[str, Any], *, path: str | None = None) -> Policy:
    """Build and validate a Policy from parsed TOML data."""
    from scanner.rules import RULES  # late import: rules import policy constants

    unknown = sorted(set(doc) - set(TABLES))
    if unknown:
        raise PolicyError("unknown table [{table}] (known: {tables})", path=path, table=unknown[0], tables=", ".join(TABLES))

    r = _Reader("campaign", doc.get("campaign", {}), path)
    campaign = CampaignPolicy(
        channel=r.get("channel", str, "sms", choices=CHANNELS),
        purpose=r.get("purpose", str, "marketing", choices=PURPOSES),
        region=r.get("region", str, "CN", check=_region_check, fold=_upper),
        allowed_regions=r.get("allowed_regions", tuple, None, check=_region_check, fold=_upper),
        timezone=r.get("timezone", str, "Asia/Shanghai", check=_tz_check),
    )
    if campaign.allowed_regions is None:
        campaign = CampaignPolicy(campaign.channel, campaign.purpose, campaign.region,
                                  (campaign.region,), campaign.timezone)
    r.done()

    r = _Reader("consent", doc.get("consent", {}), path)
    consent = ConsentPolicy(
        max_age_days=r.get("max_age_days", int, 730, check=lambda v: None if v > 0 else Text("must be positive")),
        require_evidence=r.get("require_evidence", bool, False),
        time_records_consent=r.get("time_records_consent", bool, True),
    )
    r.done()

    raw_sources = doc.get("sources", [])
    if not isinstance(raw_sources, list):
        raise PolicyError("sources must be an array of tables ([[sources]])", path=path)
    sources, seen = [], set()
    for i, item in enumerate(raw_sources):
        r = _Reader(f"sources[{i}]", item, path)
        src = SourcePolicy(
            name=r.get("name", str, None),
            aliases=r.get("aliases", tuple, ()),
            valid_from=r.get("valid_from", dt.date, None),
            valid_until=r.get("valid_until", dt.date, None),
            third_party=r.get("third_party", bool, False),
        )
        r.done()
        if not src.name:
            raise PolicyError("sources[{i}].name: required", path=path, i=i)
        if src.valid_from and src.valid_until and src.valid_from > src.valid_until:
            raise PolicyError("sources[{i}].valid_until: before valid_from", path=path, i=i)
        for label in (src.name, *src.aliases):
            key = vocab_key(label)
            if key in seen:
                raise PolicyError("sources[{i}]: {label!r} names two sources", path=path, i=i, label=label)
            seen.add(key)
        sources.append(src)

    r = _Reader("columns", doc.get("columns", {}), path)
    mapping = tuple(pair for c in CANONICAL_COLUMNS if c in r.table
                    for pair in (_phone_mapping(r) if c == "phone" else ((c, r.get(c, str, None)),)))
    columns = ColumnsPolicy(mapping=mapping, keep=r.get("keep", tuple, ()),
                            keep_verbatim=r.get("keep_verbatim", tuple, ()),
                            invert=r.get("invert", tuple, None, choices=INVERTIBLE_COLUMNS),
                            formats=tuple(sorted(r.get("formats", dict, {}, check=_formats_check).items())),
                            phone_min_valid=r.get("phone_min_valid", float, 0.8,
                                                  check=lambda v: None if 0 < v <= 1 else Text("must be in (0, 1]")))
    unknown = sorted(set(r.table) - r.used - set(CANONICAL_COLUMNS))
    if unknown:
        raise r.fail(unknown[0], Text("unknown key (valid keys: {keys})", keys=", ".join(
            (*CANONICAL_COLUMNS, "keep", "invert", "formats", "phone_min_valid"))))
    r.done()

    r = _Reader("vocabulary", doc.get("vocabulary", {}), path)
    vocab = VocabularyPolicy(
        consent=tuple(r.get("consent", dict, {}, check=lambda d: _classes(d, CONSENT_CLASSES), fold=_lower_values).items()),
        channel=tuple(r.get("channel", dict, {}, check=lambda d: _classes(d, CHANNEL_CLASSES), fold=_lower_values).items()),
        purpose=tuple(r.get("purpose", dict, {}, check=lambda d: _classes(d, PURPOSE_CLASSES), fold=_lower_values).items()),
        purchase_words=r.get("purchase_words", tuple, ()),
        third_party_words=r.get("third_party_words", tuple, ()),
        yes=r.get("yes", tuple, ()),
        no=r.get("no", tuple, ()),
    )
    both = sorted(set(vocab.booleans("yes")) & set(vocab.booleans("no")))
    if both:
        raise PolicyError("vocabulary.yes: {word!r} also says no", path=path, word=both[0])
    r.done()

    r = _Reader("rules", doc.get("rules", {}), path)
    codes = tuple(RULES)
    ignore = r.get("ignore", tuple, (), check=lambda v: _codes(v, codes), fold=_upper)
    severity = r.get("severity", dict, {}, check=lambda d: _codes(tuple(d), codes) or _sev(d),
                     fold=lambda d: {k.upper(): v for k, v in _lower_values(d).items()})
    rules = RulesPolicy(ignore=ignore, severity=tuple(sorted(severity.items())))
    r.done()

    r = _Reader("list", doc.get("list", {}), path)
    list_policy = ListPolicy(
        max_reject_share=r.get("max_reject_share", float, 0.2,
                               check=lambda v: None if 0.0 <= v <= 1.0 else Text("must be between 0 and 1")),
    )
    r.done()

    detect = DetectPolicy()
    if "detect" in doc:
        if not isinstance(doc["detect"], dict):
            raise PolicyError("detect must be a table", path=path)
        try:  # from_dict raises PolicyError naming the key; values it cannot take raise these
            detect = DetectPolicy.from_dict(doc["detect"])
        except PolicyError as exc:  # named here with the policy file, like every other key
            raise PolicyError(exc.text, path=path) from None
        except (TypeError, ValueError) as exc:
            raise PolicyError("detect: {problem}", path=path, problem=str(exc)) from None

    r = _Reader("privacy", doc.get("privacy", {}), path)
    privacy = PrivacyPolicy(vault=r.get("vault", bool, True), vault_names=r.get("vault_names", bool, False))
    r.done()
    r = _Reader("registry", doc.get("registry", {}), path)
    registry = RegistryPolicy(check=r.get("check", bool, True))
    r.done()
    r = _Reader("report", doc.get("report", {}), path)
    report = ReportPolicy(top_findings=r.get("top_findings", int, 5,
                                             check=lambda v: None if v > 0 else Text("must be positive")),
                          html=r.get("html", bool, True),
                          lang=r.get("lang", str, None, choices=("en", "zh")))
    r.done()
    r = _Reader("review", doc.get("review", {}), path)
    review = ReviewPolicy(
        approvable=r.get("approvable", tuple, (), check=lambda v: _codes(v, codes) or _approvable(v), fold=_upper),
        approval_max_age_days=r.get("approval_max_age_days", int, None,
                                    check=lambda v: None if v > 0 else Text("must be positive")),
    )
    r.done()
    r = _Reader("suppress", doc.get("suppress", {}), path)
    suppress = SuppressPolicy(check=r.get("check", bool, True),
                              auto=r.get("auto", tuple, ("decisions",), choices=AUTO_SUPPRESS))
    r.done()

    return Policy(campaign=campaign, consent=consent, sources=tuple(sources), columns=columns,
                  vocabulary=vocab, rules=rules, list=list_policy, detect=detect, privacy=privacy,
                  registry=registry, report=report, review=review, suppress=suppress, path=path)


def _approvable(codes) -> str | None:
    never = [c for c in codes if c in NEVER_APPROVABLE]
    return Text("{code} can never be approved", code=never[0]) if never else None


def _formats_check(d: dict):
    from scanner.ingest.dates import TIME_COLUMNS, check_format

    for column, fmt in d.items():
        if column not in TIME_COLUMNS:
            return Text("{column!r} is not a time column ({columns})", column=column, columns=", ".join(TIME_COLUMNS))
        problem = check_format(fmt)
        if problem:
            return problem
    return None


def _classes(d: dict, allowed: tuple[str, ...]):
    bad = [v for v in d.values() if v not in allowed]
    return Text("{value!r} is not one of {choices}", value=bad[0], choices=", ".join(allowed)) if bad else None


def _codes(values, codes):
    bad = [v for v in values if v not in codes]
    return Text("unknown rule code {code!r}", code=bad[0]) if bad else None


def _sev(d):
    bad = [v for v in d.values() if v not in SEVERITIES]
    return Text("{value!r} is not one of {choices}", value=bad[0], choices=", ".join(SEVERITIES)) if bad else None


def load_policy(path: str | Path | None) -> Policy:
    """Load a policy file; ``None`` gives the built-in default policy."""
    if path is None:
        return policy_from_dict({})
    p = Path(path)
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise PolicyError("policy file not found", path=str(p)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError("cannot read policy: {error}", path=str(p), error=exc.__class__.__name__) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's words for the fault are in the catalog (scanner/i18n/messages.py LIBRARY)
        at = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", str(exc))
        if at:
            raise PolicyError("invalid TOML: {problem} (at line {at}, column {column})", path=str(p),
                              problem=Text(at.group(1)), at=int(at.group(2)), column=int(at.group(3))) from None
        raise PolicyError("invalid TOML: {problem}", path=str(p), problem=Text(str(exc))) from None
    return policy_from_dict(doc, path=str(p))

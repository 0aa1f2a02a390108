"""The policy's tables as frozen dataclasses (:class:`Policy` and one class per TOML table),
their defaults, ``Policy.effective()`` and ``Policy.sha256``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tomllib
import zoneinfo
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from scanner.policy.detect import DetectPolicy

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

"""Reading a policy: TOML → :class:`~scanner.policy.tables.Policy`, every key checked (unknown
tables and keys are errors that name the key)."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import zoneinfo
from pathlib import Path
from typing import Any, Mapping

import phonenumbers

from scanner.errors import PolicyError
from scanner.i18n import Text
from scanner.policy.detect import DetectPolicy
from scanner.policy.tables import (
    AUTO_SUPPRESS, CANONICAL_COLUMNS, CHANNELS, CHANNEL_CLASSES, CONSENT_CLASSES, CampaignPolicy,
    ColumnsPolicy, ConsentPolicy, INVERTIBLE_COLUMNS, ListPolicy, NEVER_APPROVABLE, PURPOSES, PURPOSE_CLASSES,
    Policy, PrivacyPolicy, RegistryPolicy, ReportPolicy, ReviewPolicy, RulesPolicy, SEVERITIES, SourcePolicy,
    SuppressPolicy, TABLES, VocabularyPolicy, vocab_key,
)

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
    from scanner.rules import RULES  # here: loading a policy alone needs no polars

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

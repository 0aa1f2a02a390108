"""Column roles from header meaning and value profiles together.

Each column gets at most one role. The policy's ``[columns]`` overrides come first; then
every column's header meaning (:mod:`header_words`) is weighed against its values
(:mod:`profiles`): values confirm a header (a consent header over consent values), redirect
it (a consent header over dates is a consent time) or contradict it (a phone header over
dates is no phone column). A column whose header names nothing is still found by its
values: a phone column when at least ``phone_min_valid`` of its non-empty sampled values
are valid numbers of a person's type, an email column by addresses, a consent column by
consent words that are not plain booleans.

Every column holding phone numbers is a phone column (primary first: mobile-heavy, then a
main rather than a backup column, then the better supported, then column order). Any other
role claimed by several columns goes to the better-supported one; the others are kept
as contenders so the mapping can show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.ingest.header_words import NONE, Meaning, meaning, split_words
from scanner.ingest.profiles import EMPTY, Profile
from scanner.i18n import Joined, Said, Text

SINGLE_ROLES = ("name", "email", "source", "consent", "consent_channel", "consent_purpose",
                "consent_time", "consent_evidence", "region", "collected_at")
# Roles whose column left unused deserves a column finding (the scan judges consent and
# provenance without it).
JUDGED_ROLES = ("consent", "consent_time", "source")
_PHONE_CHANNEL = frozenset({"sms", "text", "phone", "mobile", "call", "cell", "短信", "电话", "手机", "tel"})
_OTHER_CHANNEL = frozenset({"email", "mail", "fax", "邮件", "邮箱", "电子邮件", "post", "whatsapp"})
_NOT_A_PHONE = frozenset({"order", "qq", "zip", "postal", "postcode", "amount", "price", "total",
                          "count", "card", "id", "订单", "邮编", "金额", "价格", "身份证", "卡号", "数量",
                          "次数", "序号", "编号", "微信", "wechat", "uuid", "fax", "传真"})


@dataclass(frozen=True)
class Assignment:
    """One column's role, how sure, and why."""

    index: int
    role: str
    confidence: float
    basis: str                       # "policy", "header", "values" or "header+values"
    header_words: tuple[str, ...] = ()
    share: float | None = None       # share of sampled values supporting the role
    share_of: str | None = None      # what that share counts
    inverted: bool = False
    alternate: bool = False
    mobile: float = 0.0

    def evidence(self) -> str:
        """A few words on why (never a value)."""
        return str(self.evidence_text())

    def evidence_text(self) -> Text:
        """:meth:`evidence` as a message (shown in the reader's language)."""
        if self.basis == "policy":
            return Text("[columns] in the policy")
        parts: list[Text] = []
        if self.header_words:
            parts.append(Text("header says {words}", words=" ".join(self.header_words)))
        if self.share is not None and self.share_of:
            parts.append(Text("{share:.0%} {what}", share=self.share, what=Text(self.share_of)))
        if self.inverted:
            parts.append(Text("read inverted (states refusal)"))
        return Joined("; ", parts) if parts else Text(self.basis)


@dataclass(frozen=True)
class Unused:
    """A column no role took that looks like one."""

    index: int
    looks_like: Text     # in words (never a value)
    role: str | None     # the role a ``[columns]`` line would give it
    judged: bool         # looks like consent, consent time or source


@dataclass
class RoleMapping:
    roles: dict[str, int] = field(default_factory=dict)        # single roles and "phone"
    phones: list[int] = field(default_factory=list)            # every phone column, primary first
    assignments: dict[int, Assignment] = field(default_factory=dict)
    contenders: list[Assignment] = field(default_factory=list)  # lost a role to another column
    unused: list[Unused] = field(default_factory=list)
    inverted: frozenset[str] = frozenset()


def assign_roles(headers: list[str], profiles: list[Profile], *, has_header: bool,
                 forced: dict[str, list[int]], min_valid: float) -> RoleMapping:
    """Roles of the columns. ``forced`` maps roles to the column indexes the policy names."""
    out = RoleMapping()
    taken: set[int] = set()
    for role, indexes in forced.items():
        for index in indexes:
            forced_meaning = meaning(headers[index]) if has_header else NONE
            a = Assignment(index, role, 1.0, "policy",
                           inverted=role == "consent" and forced_meaning.inverted)
            out.assignments[index] = a
            taken.add(index)
        if role == "phone":
            out.phones.extend(indexes)
        else:
            out.roles[role] = indexes[0]

    claims: list[Assignment] = []
    for index, header in enumerate(headers):
        if index in taken:
            continue
        m = meaning(header) if has_header else NONE
        claim = _claim(index, m, profiles[index] if index < len(profiles) else EMPTY, header,
                       min_valid)
        if claim is not None:
            claims.append(claim)

    if "phone" not in forced:
        found = sorted((c for c in claims if c.role == "phone"),
                       key=lambda c: (-(c.mobile >= 0.5), c.alternate, -c.confidence, c.index))
        # (a phone header over a column the sample found empty, such as Outlook's "Car Phone",
        # names no numbers to scan while another phone column holds some)
        if any(_filled(profiles, c.index) for c in found):
            found = [c for c in found if _filled(profiles, c.index)]
        out.phones = [c.index for c in found]
        for c in found:
            out.assignments[c.index] = c
            taken.add(c.index)
    if out.phones:
        out.roles["phone"] = out.phones[0]

    # (a column holding values before one the sample found empty; at equal support the
    # column holding more values, then column order)
    for c in sorted((c for c in claims if c.role != "phone"),
                    key=lambda c: (not _filled(profiles, c.index), -_rank(c), -_filled(profiles, c.index),
                                   c.index)):
        if c.index in taken:
            continue
        if c.role in out.roles:
            out.contenders.append(c)
            continue
        out.roles[c.role] = c.index
        out.assignments[c.index] = c
        taken.add(c.index)
    consent = out.roles.get("consent")
    if consent is not None and out.assignments[consent].inverted:
        out.inverted = frozenset({"consent"})
    out.unused = _unused(headers, profiles, out, has_header, min_valid)
    return out


def _filled(profiles: list[Profile], index: int) -> int:
    """Non-empty sampled values of a column."""
    return profiles[index].values if index < len(profiles) else 0


def _rank(c: Assignment) -> float:
    """Support, with a column about phone/SMS contact before one about email or fax."""
    words = set(c.header_words)
    # (a column about the campaign's channels outweighs an exact synonym about none)
    bonus = 0.15 if words & _PHONE_CHANNEL else -0.1 if words & _OTHER_CHANNEL else 0.0
    if c.role == "name" and "名称" in words:
        bonus -= 0.25  # an entity's name (客户名称 in a B2B CRM) yields to a person's (联系人姓名)
    return c.confidence + bonus


def _claim(index: int, m: Meaning, p: Profile, header: str, min_valid: float) -> Assignment | None:
    """The role a column claims from its header and values, or None."""
    role, words = m.role, m.words
    if role is not None:
        words = tuple(w for w in split_words(header)) or words
    if role not in (None, "phone") and p.phone_plausible >= min_valid:
        # values that are phone numbers make a phone column whatever the header says
        # (联系人 holding numbers): read as a name or a source they would be copied
        return Assignment(index, "phone", round(0.4 + 0.5 * p.phone_plausible, 2), "values", words,
                          share=p.phone_plausible, share_of="valid phone numbers", mobile=p.mobile)
    if role == "phone":
        if p.values and max(p.date, p.consent_specific, p.email) >= 0.8:
            return None
        # a header that only mentions a phone (``phone_md5``) over values that are not
        # numbers is not a phone column; an exact phone header stays one whatever it holds
        if p.values and m.strength < 1 and max(p.phoneish, p.phone_valid) < 0.2:
            return None
        return _with(index, "phone", m, p.phone_valid, "valid phone numbers", p, words)
    if role == "consent" and p.values and p.date + p.epoch >= 0.8:
        if m.inverted:  # opt-out times (UNSUB_TIME, 退订时间): a row with one opted out then
            return _with(index, "consent", m, p.date + p.epoch, "opt-out times", p, words)
        role = "consent_time"
    # a bare "channel" over values that are no channels (web, 门店) is where the contact came from
    if role == "consent_channel" and p.values and p.channel < 0.5 and (m.strength < 1 or len(words) == 1):
        role = "source"
    if role == "source" and m.looks_like == "channel" and p.channel >= 0.5:
        role = "consent_channel"
    if role == "consent":
        if p.values and p.consent < 0.5:
            return None  # consent words over free text: shown as unused, not mapped
        return _with(index, role, m, p.consent, "consent values", p, words)
    if role in ("consent_time", "collected_at"):
        return _with(index, role, m, max(p.date, p.epoch), "dates/times", p, words)
    if role == "consent_channel":
        return _with(index, role, m, p.channel, "channel values", p, words)
    if role == "email":
        return _with(index, role, m, p.email, "email addresses", p, words)
    if role == "region":
        if p.values and p.region < 0.8:
            return None
        return _with(index, role, m, p.region, "region codes", p, words)
    if role is not None:
        return Assignment(index, role, round(m.strength, 2), "header", words, inverted=m.inverted)
    # The header names no role: the values alone.
    if p.phone_plausible >= min_valid and not set(split_words(header)) & _NOT_A_PHONE:
        return Assignment(index, "phone", round(0.4 + 0.5 * p.phone_plausible, 2), "values",
                          share=p.phone_plausible, share_of="valid phone numbers", mobile=p.mobile)
    if p.email >= 0.9:
        return Assignment(index, "email", round(0.4 + 0.5 * p.email, 2), "values",
                          share=p.email, share_of="email addresses")
    if p.consent_specific >= 0.8 and m.looks_like is None:
        return Assignment(index, "consent", round(0.3 + 0.5 * p.consent_specific, 2), "values",
                          share=p.consent_specific, share_of="consent values")
    return None


def _with(index: int, role: str, m: Meaning, share: float, share_of: str, p: Profile,
          words: tuple[str, ...]) -> Assignment:
    if not p.values:
        return Assignment(index, role, round(0.5 * m.strength, 2), "header", words,
                          inverted=m.inverted, alternate=m.alternate)
    return Assignment(index, role, round(0.5 * m.strength + 0.5 * share, 2), "header+values", words,
                      share=round(share, 4), share_of=share_of, inverted=m.inverted,
                      alternate=m.alternate, mobile=p.mobile)


#: What a header names that no role takes, shown for an unused column (header_words marks
#: each for the catalog).
SHOWN_LOOKS = ("opt-out time", "consent detail", "source detail", "opt-out detail", "cleaned time")


def _role(role: str) -> Text:
    """A role in words: ``consent time`` in English, the role's own word in other languages."""
    return Said(role.replace("_", " "), Text(role))


def _unused(headers: list[str], profiles: list[Profile], out: RoleMapping, has_header: bool,
            min_valid: float) -> list[Unused]:
    lost = {c.index: c for c in out.contenders}
    found = []
    for index, header in enumerate(headers):
        if index in out.assignments:
            continue
        p = profiles[index] if index < len(profiles) else EMPTY
        m = meaning(header) if has_header else NONE
        if index in lost:
            role = lost[index].role
            found.append(Unused(index, Text("{role} ({evidence}; column {column} is better supported)",
                                            role=_role(role), evidence=lost[index].evidence_text(),
                                            column=out.roles[role] + 1),
                                role, role in JUDGED_ROLES))
        elif m.role is not None:
            found.append(Unused(index, Text("{role} by its header, not by its values ({look})", role=_role(m.role),
                                            look=p.looks_like_text(min_valid)), m.role, m.role in JUDGED_ROLES))
        elif m.looks_like in SHOWN_LOOKS:
            found.append(Unused(index, Text(m.looks_like), None, m.looks_like != "opt-out detail"))
        elif p.values and p.consent_specific >= 0.5:
            found.append(Unused(index, p.looks_like_text(min_valid), "consent", True))
        elif p.values and max(p.date, p.epoch) >= 0.8 and m.looks_like == "time":
            found.append(Unused(index, p.looks_like_text(min_valid), "consent_time", False))
        elif p.values and p.phone_valid >= 0.5:
            found.append(Unused(index, p.looks_like_text(min_valid), "phone", False))
    return found

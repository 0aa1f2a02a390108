"""What a header says: its words, and the role those words name together.

A header is split into words (snake_case, camelCase, spaces, punctuation, letters and
digits apart; Chinese compounds by their known morphemes, longest first), a bracketed
note (``手机号(必填)``, ``Phone (mobile)``) is read only when the rest names nothing, and
the words are mapped onto concepts (phone, consent, refusal, time, creation, source …).
Concepts combine into a role: a consent word plus a time word is a consent time, a
refusal word is consent read inverted, a phone word plus "backup / other / 2" is another
phone column, a phone word plus "type / status / 归属地" is not a phone column at all.

An exact synonym (``scanner.ingest.synonyms``) is the strongest evidence; the word rules
serve every other spelling.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from scanner.i18n import N_
from scanner.ingest.synonyms import LOOKUP, normalize_header

# Concept of each word (English words lower case; several words joined by a space are
# matched as a phrase before single words).
_EN = {
    "phone": "PHONE", "phones": "PHONE", "mobile": "PHONE", "tel": "PHONE", "telephone": "PHONE",
    "cell": "PHONE", "cellphone": "PHONE", "msisdn": "PHONE", "sms": "SMS", "text": "SMS",
    "whatsapp": "PHONE", "landline": "PHONE", "contact number": "PHONE", "mobilephone": "PHONE",
    "number": "NUMBER", "no": "NUMBER", "num": "NUMBER", "nr": "NUMBER",
    "backup": "ALT", "alt": "ALT", "alternate": "ALT", "alternative": "ALT", "other": "ALT",
    "second": "ALT", "secondary": "ALT", "home": "ALT", "work": "ALT", "office": "ALT",
    "business": "ALT", "personal": "ALT", "fax": "ANTI",
    "consent": "CONSENT", "consents": "CONSENT", "consented": "CONSENT", "opt in": "CONSENT",
    "optin": "CONSENT", "opted in": "CONSENT", "subscribed": "CONSENT", "subscribe": "CONSENT",
    "subscription": "CONSENT", "subscriber": "CONSENT", "permission": "CONSENT", "agree": "CONSENT",
    "agreed": "CONSENT", "accepts": "CONSENT", "accepted": "CONSENT", "accept": "CONSENT",
    "gdpr": "CONSENT", "allow": "CONSENT", "allowed": "CONSENT",
    "opt out": "REFUSE", "optout": "REFUSE", "opted out": "REFUSE", "unsubscribed": "REFUSE",
    "unsubscribe": "REFUSE", "unsub": "REFUSE", "do not call": "REFUSE", "donotcall": "REFUSE",
    "do not contact": "REFUSE", "do not text": "REFUSE", "do not email": "REFUSE", "dnc": "REFUSE",
    "do not disturb": "REFUSE", "dnd": "REFUSE",
    "has opted out": "REFUSE", "blacklist": "REFUSE", "blacklisted": "REFUSE",
    "blocklist": "REFUSE", "blocklisted": "REFUSE", "bounced": "ANTI", "blocked": "REFUSE", "suppressed": "REFUSE",
    "clean": "CLEANED", "cleaned": "CLEANED",
    "marketing": "MARKETING", "promotional": "MARKETING", "promo": "MARKETING",
    "newsletter": "MARKETING", "status": "STATUS", "state": "STATUS",
    "time": "TIME", "date": "TIME", "at": "TIME", "timestamp": "TIME", "ts": "TIME",
    "datetime": "TIME", "on": "TIME", "when": "TIME", "dt": "TIME",
    "created": "CREATED", "create": "CREATED", "creation": "CREATED", "added": "CREATED",
    "add": "CREATED", "signup": "CREATED", "sign up": "CREATED", "registered": "CREATED",
    "registration": "CREATED", "register": "CREATED", "enrolled": "CREATED", "joined": "CREATED", "collected": "CREATED", "captured": "CREATED",
    "acquired": "CREATED", "imported": "CREATED", "inserted": "CREATED",
    "modified": "LATER", "updated": "LATER", "update": "LATER", "last": "LATER", "changed": "LATER",
    "edited": "LATER", "drill": "ANTI", "confirm": "CONSENT_STEP", "confirmed": "CONSENT_STEP",
    "source": "SOURCE", "origin": "SOURCE", "provenance": "SOURCE", "referrer": "SOURCE",
    "referral": "SOURCE", "lead source": "SOURCE", "utm source": "SOURCE",
    "channel": "CHANNEL", "medium": "ANTI", "utm medium": "ANTI", "utm campaign": "ANTI",
    "purpose": "PURPOSE", "evidence": "EVIDENCE", "proof": "EVIDENCE",
    "name": "NAME", "fullname": "NAME", "nickname": "NICK", "full name": "NAME", "contact": "CONTACT",
    # (a name's prefix, suffix or salutation is no name: Google's "Name Prefix", "Name Suffix")
    "prefix": "ANTI", "suffix": "ANTI", "salutation": "ANTI", "initials": "ANTI",
    "first": "PART", "last name": "LASTNAME", "first name": "FIRSTNAME", "firstname": "FIRSTNAME",
    "lastname": "LASTNAME", "surname": "LASTNAME", "given name": "FIRSTNAME", "middle": "PART",
    "email": "EMAIL", "e mail": "EMAIL", "mail": "EMAIL", "emails": "EMAIL",
    "region": "REGION", "country": "REGION", "country code": "REGION", "locale": "ANTI",
    "by": "BY", "owner": "BY", "id": "ID", "uuid": "ID", "key": "ID", "order": "ANTI",
    "qq": "ANTI", "wechat": "ANTI", "zip": "ANTI", "postal": "ANTI", "postcode": "ANTI",
    "amount": "ANTI", "price": "ANTI", "total": "ANTI", "count": "ANTI", "card": "ANTI",
    "type": "FLAG", "label": "FLAG", "labels": "FLAG", "verified": "FLAG", "valid": "FLAG", "validity": "FLAG", "is": "FLAG",
    "carrier": "FLAG", "extension": "FLAG", "ext": "FLAG", "country code phone": "FLAG",
    "company": "ORG", "account": "ORG", "organization": "ORG", "organisation": "ORG",
    "campaign": "ORG", "product": "ORG", "user": "ORG", "file": "ORG", "list": "ORG",
    "audience": "ORG", "store": "ORG", "shop": "ORG", "brand": "ORG", "stage": "ANTI",
    "ip": "IP", "unsub campaign": "ANTI", "reason": "ANTI", "comment": "ANTI", "notes": "ANTI", "md5": "ANTI", "sha1": "ANTI", "sha256": "ANTI",
    "hash": "ANTI", "hashed": "ANTI", "digest": "ANTI", "encrypted": "ANTI", "masked": "ANTI",
}
# Chinese morphemes, matched longest first inside a run of Han characters.
_ZH = {
    "手机": "PHONE", "手机号": "PHONE", "手機": "PHONE", "电话": "PHONE", "電話": "PHONE",
    "座机": "PHONE", "固话": "PHONE", "移动电话": "PHONE", "联系方式": "PHONE", "联系电话": "PHONE",
    "号码": "NUMBER", "号": "NUMBER", "號碼": "NUMBER", "短信": "SMS", "短讯": "SMS",
    "备用": "ALT", "其他": "ALT", "其它": "ALT", "第二": "ALT", "另一": "ALT", "家庭": "ALT",
    "办公": "ALT", "工作": "ALT", "副": "ALT",
    "同意": "CONSENT", "授权": "CONSENT", "订阅": "CONSENT", "允许": "CONSENT", "许可": "CONSENT",
    "接受": "CONSENT", "愿意": "CONSENT", "接收": "CONSENT",
    "退订": "REFUSE", "拒绝": "REFUSE", "拒收": "REFUSE", "屏蔽": "REFUSE", "黑名单": "REFUSE",
    "免打扰": "REFUSE", "请勿": "REFUSE", "请勿致电": "REFUSE", "勿电": "REFUSE", "請勿": "REFUSE", "勿扰": "REFUSE", "取消订阅": "REFUSE", "不同意": "REFUSE",
    "营销": "MARKETING", "推广": "MARKETING", "广告": "MARKETING",
    "时间": "TIME", "日期": "TIME", "时刻": "TIME",
    "添加": "CREATED", "创建": "CREATED", "注册": "CREATED", "采集": "CREATED", "收集": "CREATED",
    "加入": "CREATED", "录入": "CREATED", "入库": "CREATED", "获取": "CREATED", "获客": "CREATED",
    "留资": "CREATED", "登记": "CREATED", "成为": "CREATED", "提交": "CREATED", "新增": "CREATED", "建档": "CREATED",
    "更新": "LATER", "修改": "LATER", "最后": "LATER", "最近": "LATER", "跟进": "LATER",
    "来源": "SOURCE", "出处": "SOURCE", "渠道": "CHANNEL",
    "用途": "PURPOSE", "目的": "PURPOSE", "凭证": "EVIDENCE", "证据": "EVIDENCE", "截图": "EVIDENCE",
    "依据": "EVIDENCE",
    "姓名": "NAME", "名字": "NAME", "名称": "NAME", "称呼": "NAME", "联系人": "NAME",
    "昵称": "NAME", "名": "NAME", "姓": "LASTNAME",
    "邮箱": "EMAIL", "邮件": "EMAIL", "电子邮箱": "EMAIL", "电子邮件": "EMAIL", "電子郵件": "EMAIL",
    "郵件": "EMAIL", "電郵": "EMAIL", "郵箱": "EMAIL", "來源": "SOURCE", "行銷": "MARKETING",
    "時間": "TIME", "聯絡電話": "PHONE", "聯絡人": "NAME", "訂閱": "CONSENT", "退訂": "REFUSE",
    "国家": "REGION", "地区": "REGION", "国家代码": "REGION",
    "人": "BY", "负责人": "BY", "员工": "BY", "销售": "BY", "归属": "BY", "跟进人": "BY",
    "编号": "ID", "序号": "ANTI", "订单": "ANTI", "邮编": "ANTI", "邮政编码": "ANTI",
    "金额": "ANTI", "价格": "ANTI", "微信": "ANTI", "身份证": "ANTI", "卡号": "ANTI",
    "数量": "ANTI", "次数": "ANTI", "备注": "ANTI", "地址": "ANTI", "省": "ANTI", "市": "ANTI",
    "城市": "ANTI", "省份": "ANTI", "行业": "ANTI", "阶段": "ANTI", "加密": "ANTI", "密文": "ANTI",
    "脱敏": "ANTI", "哈希": "ANTI", "掩码": "ANTI",
    "是否": "FLAG", "类型": "FLAG", "状态": "STATUS", "归属地": "FLAG", "运营商": "FLAG",
    "有效": "FLAG", "验证": "FLAG", "空号": "FLAG",
    "公司": "ORG", "企业": "ORG", "店铺": "ORG", "商品": "ORG", "活动": "ORG", "门店": "ORG",
    "部门": "ORG", "名单": "ORG", "表": "ORG", "客户": "CUSTOMER", "用户": "CUSTOMER", "会员": "CUSTOMER", "粉丝": "CUSTOMER",
}
_MAX_ZH = max(map(len, _ZH))
_PHRASE_WORDS = max(k.count(" ") + 1 for k in _EN)
_BRACKETS = re.compile(r"[(\[{（【「<《][^)\]}）】」>》]*[)\]}）】」>》]")
# (``md5``, ``sha256`` stay whole: letters then digits is otherwise two words)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<![Mm][Dd])(?<![Ss][Hh][Aa])(?<=[A-Za-z])(?=\d)"
                    r"|(?<=\d)(?=[A-Za-z])")
_TOKEN = re.compile(r"md5|sha\d+|[a-z]+|\d+|[\u3400-\u9fff\uf900-\ufaff]+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Meaning:
    """What a header names: ``role`` (a canonical column or None), how strongly
    (``strength``: 1.0 exact synonym, 0.8 word rule, 0.5 weak word rule), the words that
    said so, whether the column states refusal (read ``inverted``), whether it names
    another phone column (``alternate``) and ``looks_like`` for a header that names a
    role-like thing no role takes (an opt-out time, a campaign)."""

    role: str | None
    strength: float
    words: tuple[str, ...]
    inverted: bool = False
    alternate: bool = False
    looks_like: str | None = None


NONE = Meaning(None, 0.0, ())


def split_words(header: str) -> tuple[str, ...]:
    """The words of a header, bracketed notes excluded (see :func:`note_words`)."""
    return _words(_BRACKETS.sub(" ", _text(header)))


#: Header words naming the channel a consent column speaks of (``Email Marketing Consent``,
#: ``短信营销同意``, ``Accepts SMS Marketing``).
CHANNEL_WORDS = {
    "sms": "sms", "text": "sms", "短信": "sms",
    "call": "voice", "calls": "voice", "voice": "voice", "电话": "voice", "外呼": "voice", "语音": "voice",
    "email": "email", "e-mail": "email", "mail": "email", "邮件": "email", "邮箱": "email", "电子邮件": "email",
}


def channel_named_by(header: str | None) -> str | None:
    """The one channel a (consent) header names, None when it names none or several."""
    if not header:
        return None
    named = {CHANNEL_WORDS[w] for w in split_words(header) if w in CHANNEL_WORDS}
    return named.pop() if len(named) == 1 else None


def note_words(header: str) -> tuple[str, ...]:
    """The words of a header's bracketed notes."""
    text = _text(header)
    return _words(" ".join(m.group(0)[1:-1] for m in _BRACKETS.finditer(text)))


def _text(header: str) -> str:
    return unicodedata.normalize("NFKC", header or "").replace("\ufeff", "").strip()


def _words(text: str) -> tuple[str, ...]:
    text = _CAMEL.sub(" ", text).lower()
    words: list[str] = []
    for token in _TOKEN.findall(text):
        if _HAN.match(token):
            words.extend(_zh_words(token))
        else:
            words.append(token)
    return tuple(words)


def _zh_words(run: str) -> list[str]:
    """A run of Han characters cut into known morphemes, longest match first."""
    out, i = [], 0
    while i < len(run):
        for size in range(min(_MAX_ZH, len(run) - i), 0, -1):
            piece = run[i:i + size]
            if piece in _ZH or size == 1:
                out.append(piece)
                i += size
                break
    return out


def concepts(words: tuple[str, ...]) -> list[tuple[str, str]]:
    """``(concept, words)`` pairs, English phrases of several words matched first."""
    found, i = [], 0
    while i < len(words):
        for size in range(min(_PHRASE_WORDS, len(words) - i), 0, -1):
            phrase = " ".join(words[i:i + size])
            concept = _EN.get(phrase) or (_ZH.get(phrase) if size == 1 else None)
            if concept is None and size == 1 and phrase.isdigit():
                concept = "DIGIT"
            if concept:
                found.append((concept, phrase))
                i += size
                break
        else:
            i += 1
    return found


@lru_cache(maxsize=4096)
def meaning(header: str) -> Meaning:
    """What ``header`` names (cached: headers repeat across a scan's calls)."""
    exact = LOOKUP.get(normalize_header(header or ""))
    if exact is None and _BRACKETS.search(_text(header)):
        exact = LOOKUP.get(normalize_header(_BRACKETS.sub("", _text(header))))
    words = split_words(header)
    found = _combine(concepts(words))
    if exact:
        return Meaning(exact, 1.0, (normalize_header(header),), inverted=found.inverted,
                       alternate=found.alternate and exact == "phone")
    if found.role is None and found.looks_like is None:
        noted = _combine(concepts(note_words(header)))
        if noted.role is not None:
            return Meaning(noted.role, min(noted.strength, 0.5), noted.words, noted.inverted,
                           noted.alternate, noted.looks_like)
    return found


def _combine(pairs: list[tuple[str, str]]) -> Meaning:
    """The role the concepts of one header name together."""
    has = {c for c, _ in pairs}

    def said(*names: str) -> tuple[str, ...]:
        return tuple(w for c, w in pairs if c in names)

    if not has:
        return NONE
    if "ANTI" in has or "IP" in has or "BY" in has:
        if "ANTI" in has and has & {"PHONE", "CONSENT", "REFUSE"} and "ORG" not in has:
            return Meaning(None, 0.0, said("ANTI"), looks_like=N_("not-a-contact-field"))
        return NONE
    if "CLEANED" in has and has & {"TIME"}:
        # Mailchimp's CLEAN_TIME: the file holds cleaned (bounced) members, not subscribers
        return Meaning(None, 0.0, said("CLEANED", "TIME"), looks_like=N_("cleaned time"))
    if "REFUSE" in has:
        if has & {"TIME", "CREATED", "LATER"}:
            # the time of an opt-out: a row with one opted out then (read inverted, by its values)
            return Meaning("consent", 0.7, said("REFUSE", "TIME", "CREATED"), inverted=True,
                           looks_like=N_("opt-out time"))
        if has & {"ORG", "ID"}:
            return Meaning(None, 0.0, said("REFUSE"), looks_like=N_("opt-out detail"))
        return Meaning("consent", 0.8, said("REFUSE", "SMS", "PHONE", "MARKETING", "FLAG"),
                       inverted=True)
    if "CONSENT" in has:
        words = said("CONSENT", "MARKETING", "SMS", "PHONE")
        if has & {"TIME", "CREATED"} and "LATER" not in has:
            return Meaning("consent_time", 0.8, words + said("TIME", "CREATED"))
        if "CHANNEL" in has:
            return Meaning("consent_channel", 0.8, words + said("CHANNEL"))
        if "PURPOSE" in has:
            return Meaning("consent_purpose", 0.8, words + said("PURPOSE"))
        if "EVIDENCE" in has or "IP" in has:
            return Meaning("consent_evidence", 0.8, words + said("EVIDENCE"))
        if has & {"SOURCE", "ORG", "ID", "LATER", "CONSENT_STEP"}:
            return Meaning(None, 0.0, words, looks_like=N_("consent detail"))
        return Meaning("consent", 0.8, words + said("FLAG", "STATUS"))
    phoneish = "PHONE" in has or ("SMS" in has and "NUMBER" in has)
    if phoneish:
        words = said("PHONE", "NUMBER", "SMS")
        # (a contact person's or a company's phone is still a phone column)
        if has & {"FLAG", "STATUS", "TIME", "CREATED", "LATER", "ID", "EMAIL", "REGION"}:
            return Meaning(None, 0.0, words, looks_like=N_("phone detail"))
        alternate = bool(has & {"ALT", "DIGIT"}) and not _only_first_digit(pairs)
        return Meaning("phone", 0.8, words + said("ALT", "DIGIT"), alternate=alternate)
    if "MARKETING" in has and "STATUS" in has and not has & {"CONTACT", "ORG", "TIME"}:
        # (Pipedrive's "Marketing status"; values must bear it out)
        return Meaning("consent", 0.6, said("MARKETING", "STATUS"))
    if has & {"CREATED"} and not has & {"LATER", "ORG", "NAME", "SOURCE", "CHANNEL"}:
        return Meaning("collected_at", 0.8 if "TIME" in has else 0.6, said("CREATED", "TIME", "CUSTOMER"))
    if "SOURCE" in has or ("CHANNEL" in has and "CREATED" in has):
        if has & {"TIME", "ORG", "LATER"} - ({"ORG"} if "CUSTOMER" in has else set()):
            return Meaning(None, 0.0, said("SOURCE", "CHANNEL"), looks_like=N_("source detail"))
        return Meaning("source", 0.8, said("SOURCE", "CHANNEL", "CREATED", "CUSTOMER"))
    if "CHANNEL" in has and not has & {"ORG", "TIME"}:
        # alone, a channel is the consent's channel or where the contact came from: values decide
        return Meaning("source", 0.5, said("CHANNEL"), looks_like=N_("channel"))
    if "PURPOSE" in has and len(has) == 1:
        return Meaning("consent_purpose", 0.6, said("PURPOSE"))
    if "EVIDENCE" in has and not has & {"TIME", "ORG"}:
        return Meaning("consent_evidence", 0.6, said("EVIDENCE"))
    if "EMAIL" in has and not has & {"FLAG", "STATUS", "TIME", "ORG", "MARKETING", "ID", "LATER"}:
        return Meaning("email", 0.8, said("EMAIL"))
    if has & {"NAME", "FIRSTNAME", "LASTNAME", "NICK"} and not has & {"ORG", "ID", "TIME", "SOURCE", "CHANNEL"}:
        # (``name.last``: a surname; a nickname is a name only where no fuller one is)
        if has & {"FIRSTNAME", "LASTNAME", "PART", "LATER", "NICK"}:
            return Meaning("name", 0.5, said("NAME", "FIRSTNAME", "LASTNAME", "PART", "NICK"))
        return Meaning("name", 0.8, said("NAME", "CUSTOMER", "CONTACT"))
    if "REGION" in has and not has & {"TIME", "ORG", "STATUS"}:
        return Meaning("region", 0.6, said("REGION"))
    if has & {"TIME"} and not has & {"LATER", "ORG", "BY"} and len(has) == 1:
        return Meaning(None, 0.0, said("TIME"), looks_like=N_("time"))
    return NONE


def _only_first_digit(pairs: list[tuple[str, str]]) -> bool:
    """``Phone 1`` is the first phone column, not another one."""
    digits = [w for c, w in pairs if c == "DIGIT"]
    alts = [w for c, w in pairs if c == "ALT"]
    return not alts and digits == ["1"]

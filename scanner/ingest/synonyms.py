"""Header synonyms: the data that maps a file's column headers onto canonical columns.

Headers are compared after :func:`normalize_header` (NFKC, lower case, no spaces,
underscores, hyphens, dots, asterisks or colons), so ``Mobile Phone``, ``mobile_phone``
and ``MOBILE-PHONE*`` all match the synonym ``mobile phone``. A bracketed suffix such
as ``手机号(必填)`` or ``Phone (mobile)`` is tried without the brackets when the full
header does not match.

These exact spellings are the strongest evidence of a role; every other spelling is read
by its words (:mod:`scanner.ingest.header_words`, where a new word or morpheme goes). A
test checks that no normalized synonym names two canonical columns.
"""

from __future__ import annotations

import re
import unicodedata

SYNONYMS: dict[str, tuple[str, ...]] = {
    "phone": (
        "phone", "mobile", "mobile phone", "mobile number", "tel", "telephone", "cell",
        "cell phone", "cellphone", "msisdn", "phone number", "phone no", "contact number",
        "手机", "手机号", "手机号码", "电话", "电话号码", "联系电话", "联系方式", "号码",
        "移动电话", "手機", "手機號碼", "電話", "電話號碼",
    ),
    "name": (
        "name", "full name", "customer name", "contact name", "姓名", "名字", "客户姓名",
        "联系人", "客户名称", "客户名",
    ),
    "email": ("email", "e-mail", "mail", "email address", "邮箱", "电子邮箱", "电子邮件", "邮件"),
    "source": (
        "source", "lead source", "origin", "provenance", "data source", "来源", "数据来源",
        "客户来源", "渠道", "获取渠道",
    ),
    "consent": (
        "consent", "opt-in", "optin", "subscribed", "marketing consent", "consent status",
        "同意", "是否同意", "授权", "是否授权", "同意状态", "订阅状态", "营销同意",
    ),
    "consent_channel": ("consent channel", "channel", "同意渠道", "授权渠道", "联系渠道"),
    "consent_purpose": ("purpose", "consent purpose", "用途", "目的", "同意用途", "授权用途"),
    "consent_time": (
        "consent time", "consent date", "opt-in date", "optin date", "consented at",
        "同意时间", "授权时间", "同意日期",
    ),
    "consent_evidence": (
        "evidence", "consent evidence", "proof", "凭证", "同意凭证", "证据", "授权凭证",
    ),
    "region": ("region", "country", "country code", "国家", "地区", "国家代码"),
    "collected_at": (
        "collected at", "created at", "signup date", "sign up date", "收集时间", "采集时间",
        "注册时间", "创建时间",
    ),
}

_DROP = re.compile(r"[\s_\-.*:·]+")
_BRACKETED = re.compile(r"[(\[{（【][^)\]}）】]*[)\]}）】]")


def normalize_header(header: str) -> str:
    """The comparison key of a header: NFKC, lower case, decorations removed."""
    text = unicodedata.normalize("NFKC", header).replace("\ufeff", "").strip().lower()
    return _DROP.sub("", text)


def _build_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for canonical, names in SYNONYMS.items():
        for synonym in (canonical, *names):
            lookup.setdefault(normalize_header(synonym), canonical)
    return lookup


LOOKUP = _build_lookup()


def canonical_for(header: str) -> str | None:
    """The canonical column a header names, or None."""
    key = normalize_header(header)
    found = LOOKUP.get(key)
    if found is None and _BRACKETED.search(header):
        found = LOOKUP.get(normalize_header(_BRACKETED.sub("", unicodedata.normalize("NFKC", header))))
    return found

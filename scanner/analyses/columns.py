"""PS001/PS002: findings about extra input columns (hash digests, sensitive data).

Column-level checks read a bounded sample of each extra column; the per-value Python here
never sees more than ``SAMPLE`` values per column.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Callable

import polars as pl

from scanner.privacy.tokens import HEX_DIGEST as ANY_DIGEST

SAMPLE = 500
HEX_DIGEST = rf"(?i)^{ANY_DIGEST}$"
SENSITIVE_HEADERS = {
    "national-id": ("身份证", "身份证号", "身份证号码", "证件号", "证件号码", "idcard", "idnumber",
                    "nationalid", "idno", "ssn", "socialsecurity", "residentid"),
    "bank-card": ("银行卡", "银行卡号", "卡号", "银行账号", "bankcard", "cardnumber", "cardno",
                  "creditcard", "iban", "bankaccount", "accountnumber"),
    "passport": ("护照", "护照号", "passport", "passportno", "passportnumber"),
}
# Extra-column headers that reveal a data category; the criminal thresholds for trading
# personal information are lower for them (LS012: 50 for location/credit/property, 500 for
# transaction/communication/accommodation/health).
CATEGORY_HEADERS = {
    "location": ("地址", "住址", "位置", "定位", "经纬度", "坐标", "address", "location", "gps", "latitude",
                 "longitude", "geo"),
    "credit": ("征信", "信用", "credit", "loan", "贷款", "负债", "debt"),
    "property": ("财产", "房产", "资产", "存款", "收入", "income", "salary", "property", "asset"),
    "transaction": ("订单", "交易", "金额", "消费", "购买记录", "order", "transaction", "amount", "purchase"),
    "communication": ("通话", "通讯录", "短信记录", "call", "calllog", "contacts"),
    "accommodation": ("住宿", "酒店", "入住", "hotel", "checkin", "accommodation"),
    "health": ("病历", "健康", "诊断", "医疗", "health", "medical", "diagnosis"),
}


def data_categories(extra_columns) -> frozenset[str]:
    """Data categories that the extra columns' headers reveal."""
    found = set()
    for column in extra_columns:
        key = _header_key(column)
        for category, words in CATEGORY_HEADERS.items():
            if any(w in key for w in words):
                found.add(category)
    return frozenset(found)


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class ColumnFinding:
    code: str
    column: str
    kind: str
    detail: str

    def as_dict(self) -> dict:
        return {"code": self.code, "column": self.column, "kind": self.kind, "detail": self.detail}


def _header_key(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", unicodedata.normalize("NFKC", name).lower())


def _cn_id_ok(value: str) -> bool:
    if not re.fullmatch(r"\d{17}[\dXx]", value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == value[17].upper()


def _luhn_ok(value: str) -> bool:
    if not re.fullmatch(r"\d{13,19}", value):
        return False
    total = 0
    for i, ch in enumerate(reversed(value)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _phone_variants(e164: str, national: str | None) -> list[str]:
    out = [e164, e164.lstrip("+")]
    if national:
        out.append(national)
    return out


_HASHERS = {32: ("md5", hashlib.md5), 40: ("sha1", hashlib.sha1), 64: ("sha256", hashlib.sha256)}


def digest_matches_phone(digest: str, e164: str | None, national: str | None) -> bool:
    """Whether ``digest`` is an unkeyed MD5/SHA-1/SHA-256 of this row's own number."""
    if e164 is None:
        return False
    kind = _HASHERS.get(len(digest))
    if kind is None:
        return False
    digest = digest.lower()
    return any(kind[1](v.encode()).hexdigest() == digest for v in _phone_variants(e164, national))


def column_findings(frame: pl.DataFrame, extra_columns: list[str],
                    phones: pl.DataFrame | Callable[[], pl.DataFrame],
                    *, region: str = "CN") -> list[ColumnFinding]:
    """Inspect extra columns. ``phones`` holds ``row, e164, national_number`` for every row
    of the list (or makes it when called: only digest columns need it). ``frame`` holds
    ``row`` and the extra columns, at least the first :data:`SAMPLE` non-empty values of each."""
    findings: list[ColumnFinding] = []
    if callable(phones):
        make_phones, phones = phones, None
    rows = frame.get_column("row")
    for column in extra_columns:
        # (two Series, not a select on ``frame``: a select costs the frame's width, per column)
        values = pl.DataFrame([rows, frame.get_column(column).str.strip_chars().alias("v")]).filter(
            pl.col("v").is_not_null() & (pl.col("v").str.len_chars() > 0)
        )
        key = _header_key(column)
        by_header = next((kind for kind, names in SENSITIVE_HEADERS.items()
                          if any(n in key for n in names)), None)
        sample = values.head(SAMPLE)
        texts = sample.get_column("v").to_list()
        if by_header:
            findings.append(ColumnFinding("PS002", column, by_header, f"header says {by_header}"))
            continue
        if not texts:
            continue
        ids = sum(_cn_id_ok(t) for t in texts) / len(texts)
        if ids >= 0.5:
            findings.append(ColumnFinding("PS002", column, "national-id",
                                          f"{ids:.0%} of sampled values are valid CN resident ID numbers"))
            continue
        cards = sum(_luhn_ok(re.sub(r"[\s-]", "", t)) for t in texts) / len(texts)
        if cards >= 0.5:
            findings.append(ColumnFinding("PS002", column, "bank-card",
                                          f"{cards:.0%} of sampled values are Luhn-valid card numbers"))
            continue
        hexes = sample.filter(pl.col("v").str.contains(HEX_DIGEST))
        if len(hexes) / len(texts) >= 0.8:
            if phones is None:
                phones = make_phones()
            joined = hexes.join(phones, on="row", how="left")
            matched = sum(
                digest_matches_phone(d, e, n)
                for d, e, n in joined.select("v", "e164", "national_number").iter_rows()
            )
            reversed_count = 0
            if matched == 0:
                reversed_count = _try_reversal(hexes.get_column("v"), phones, region)
            if matched or reversed_count:
                kind = _HASHERS[len(hexes.get_column("v")[0])][0]
                detail = (f"{matched} of {len(hexes)} sampled {kind} digests equal the row's own number"
                          if matched else
                          f"{reversed_count} of {len(hexes)} sampled {kind} digests reversed by enumerating number blocks")
                findings.append(ColumnFinding("PS001", column, kind, detail))
    return findings


def unused_role_findings(column_report) -> list[ColumnFinding]:
    """CL001 for every column the mapping left unused that looks like consent, a consent
    time or a source (``column_report``: :class:`scanner.ingest.column_map.ColumnReport`)."""
    if column_report is None:
        return []
    found = []
    for unused in column_report.unused:
        if not unused["judged"]:
            continue
        line = unused.get("columns_line")
        detail = f"looks like {unused['looks_like']}" + (f"; to use it: {line}" if line else "")
        found.append(ColumnFinding("CL001", unused["name"], unused.get("role") or "role-like", detail))
    return found


def _try_reversal(digests: pl.Series, phones: pl.DataFrame, region: str) -> int:
    """Enumeration-based proof: how many sampled digests reverse to numbers of the list's blocks."""
    from scanner.privacy.reversal import count_reversed

    return int(count_reversed(digests, phones=phones, region=region))

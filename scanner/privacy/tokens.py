"""Keyed tokens (docs/TOKENS.md).

``token = hex(HMAC-SHA256(K, field + ":" + value))[:32]`` where ``K`` is the ASCII bytes of
the 64-hex token subkey. Every component that tokenizes uses these two functions; the
vectorized and the plain-Python form agree byte for byte (pinned test vector).
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

import polars as pl
import polars_hash as plh

from scanner.privacy.keys import KeyMaterial

FIELDS = ("phone", "name", "email")
TOKEN_HEX_CHARS = 32
#: A whole token as written (lower-case hex).
TOKEN_PATTERN = rf"^[0-9a-f]{{{TOKEN_HEX_CHARS}}}$"
#: A hex digest as people write them (SHA-256, SHA-1, MD5: 64, 40 and 32 lower-case hex
#: digits, the longest first), tokens included; a group, for other patterns to anchor.
HEX_DIGEST = "(?:" + "|".join(f"[0-9a-f]{{{n}}}" for n in (64, 40, TOKEN_HEX_CHARS)) + ")"


def _check_field(field: str) -> None:
    if field not in FIELDS:
        raise ValueError(f"unknown token field {field!r}")


def token_one(keys: KeyMaterial, field: str, value: str) -> str:
    """Token of one value (already normalized: E.164, NFKC-trimmed name, lower-cased email)."""
    _check_field(field)
    mac = hmac.new(keys.token_key_hex.encode("ascii"), f"{field}:{value}".encode("utf-8"), hashlib.sha256)
    return mac.hexdigest()[:TOKEN_HEX_CHARS]


def token_expr(keys: KeyMaterial, field: str, value: pl.Expr) -> pl.Expr:
    """Vectorized token of a String expression; null stays null."""
    _check_field(field)
    message = plh.concat_str(pl.lit(field + ":"), value)
    return (
        pl.when(value.is_not_null())
        .then(message.chash.hmac_sha256(key=keys.token_key_hex).str.slice(0, TOKEN_HEX_CHARS))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def normalize_name_expr(name: pl.Expr) -> pl.Expr:
    """The value a name token is taken over: NFKC, trimmed, empty -> null."""
    out = name.str.normalize("NFKC").str.strip_chars()
    return pl.when(out.str.len_chars() > 0).then(out).otherwise(pl.lit(None, dtype=pl.String))


def normalize_email_expr(email: pl.Expr) -> pl.Expr:
    """The value an email token is taken over: trimmed, lower-cased, empty -> null."""
    out = email.str.strip_chars().str.to_lowercase()
    return pl.when(out.str.len_chars() > 0).then(out).otherwise(pl.lit(None, dtype=pl.String))


def normalize_one(field: str, value: str | None) -> str | None:
    """Plain-Python form of the normalizations above (phone: the E.164 value unchanged)."""
    _check_field(field)
    if value is None:
        return None
    if field == "name":
        value = unicodedata.normalize("NFKC", value).strip()
    elif field == "email":
        value = value.strip().lower()
    return value or None

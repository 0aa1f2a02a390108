"""Token contract (docs/TOKENS.md): published test vectors, determinism, unlinkability.

The vectors are also published in docs/TOKENS.md; change neither without the other.
"""

from __future__ import annotations

import hashlib
import hmac

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.privacy.keys import KeyMaterial
from scanner.privacy.masking import mask_name_expr, mask_phone_expr
from scanner.privacy.tokens import (
    normalize_email_expr,
    normalize_name_expr,
    normalize_one,
    token_expr,
    token_one,
)

MASTER = bytes(range(32))  # 000102...1f
VECTOR_KEY_ID = "b83bd481a72990bb"
VECTOR_SUBKEYS = {
    "token": "7993a65e486b59dbef8c9db907f38eb5abe6a27714915ad1bd67dd481b7a1042",
    "vault": "33e1e8bf949613c57098dc78afcbf37f5cc1db4cd0c2edc00dcfedf23f9ea270",
    "ledger": "a0bae5c8cc94a0c0fa6ddd824e5c6db78d6742324c9d33069ce7b999f51b3ff2",
    "audit": "3fa2ad5fa467cbdb124e3942ff3d6d7cd93336fffaf44e7d67c78674a16853ba",
    "manifest": "39b4d44291e1658b581e0f5a7fabc82cc57b415d7cf696a9d7bbdc97c16b56c8",
}
VECTOR_VAULT_KEY_ID = "fbc7ceb843dfcdc0"
VECTOR_TOKENS = [
    ("phone", "+8613800138000", "dab036862d67bf2af743ce0177afdf98"),
    ("phone", "+14155550100", "ebdf897046241e62887c7ffec7d49c41"),
    ("name", "王小明", "ca9558222821eb44612d2419ee901cc5"),
    ("email", "alice@example.com", "4ee6ac9c9029d129aa4801a251ca489a"),
]


def _hkdf_rfc5869(master: bytes, info: bytes) -> bytes:
    """Independent HKDF-SHA256 (empty salt, 32 bytes) straight from RFC 5869."""
    prk = hmac.new(b"\x00" * 32, master, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()


def test_vector_key_id_and_subkeys():
    keys = KeyMaterial.from_master(MASTER)
    assert keys.key_id == VECTOR_KEY_ID
    assert keys.key_id == hashlib.sha256(b"contact-scanner/v1/key-id:" + MASTER).hexdigest()[:16]
    for purpose, expected in VECTOR_SUBKEYS.items():
        assert keys.subkey(purpose).hex() == expected
        assert _hkdf_rfc5869(MASTER, b"contact-scanner/v1/" + purpose.encode()).hex() == expected
    assert keys.token_key_hex == VECTOR_SUBKEYS["token"]
    assert keys.current_vault_key().id == VECTOR_VAULT_KEY_ID


def test_vector_tokens_python_and_polars_agree():
    keys = KeyMaterial.from_master(MASTER)
    for field, value, expected in VECTOR_TOKENS:
        independent = hmac.new(VECTOR_SUBKEYS["token"].encode("ascii"),
                               f"{field}:{value}".encode(), hashlib.sha256).hexdigest()[:32]
        assert independent == expected
        assert token_one(keys, field, value) == expected
        out = pl.select(token_expr(keys, field, pl.lit(value, dtype=pl.String))).item()
        assert out == expected


def test_name_and_email_normalize_before_tokenizing():
    keys = KeyMaterial.from_master(MASTER)
    frame = pl.DataFrame({"name": [" 王小明\u3000", "", None], "email": [" Alice@Example.COM ", " ", None]})
    out = frame.select(
        token_expr(keys, "name", normalize_name_expr(pl.col("name"))).alias("n"),
        token_expr(keys, "email", normalize_email_expr(pl.col("email"))).alias("e"),
    )
    assert out["n"].to_list() == ["ca9558222821eb44612d2419ee901cc5", None, None]
    assert out["e"].to_list() == ["4ee6ac9c9029d129aa4801a251ca489a", None, None]
    assert normalize_one("name", " 王小明\u3000") == "王小明"
    assert normalize_one("email", " Alice@Example.COM ") == "alice@example.com"
    assert normalize_one("name", "  ") is None


def test_fields_are_domain_separated():
    keys = KeyMaterial.from_master(MASTER)
    assert len({token_one(keys, f, "x@y.z") for f in ("phone", "name", "email")}) == 3


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=20),
       st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32))
def test_deterministic_per_key_unlinkable_across_keys(values, master_a, master_b):
    a, b = KeyMaterial.from_master(master_a), KeyMaterial.from_master(master_b)
    series = pl.Series("v", values, dtype=pl.String)
    tok_a = pl.select(token_expr(a, "phone", pl.lit(series))).to_series().to_list()
    assert tok_a == [token_one(a, "phone", v) for v in values]  # deterministic, both forms
    assert all(len(t) == 32 and t == t.lower() for t in tok_a)
    if master_a != master_b:
        tok_b = {token_one(b, "phone", v) for v in values}
        assert not set(tok_a) & tok_b  # no shared token across keys


def test_masks():
    frame = pl.DataFrame({
        "e164": ["+8613800138000", "+14155550100", None],
        "cc": [86, 1, None], "nn": ["13800138000", "4155550100", None],
        "name": ["王小明", "A", None],
    })
    out = frame.select(mask_phone_expr(pl.col("e164"), pl.col("cc"), pl.col("nn")).alias("m"),
                       mask_name_expr(pl.col("name")).alias("n"))
    assert out["m"].to_list() == ["138****8000", "+1******0100", None]
    assert out["n"].to_list() == ["王**", "A*", None]

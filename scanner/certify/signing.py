"""Ed25519 signing keys and signed JSON documents (certificates, ledger checkpoints).

A signing key pair is two PEM files: the private key (PKCS#8, unencrypted, mode 0600 —
loading refuses a file readable by group or others, like ``key.json``) and the public key
(SubjectPublicKeyInfo, shareable). A key is named by its **fingerprint**: the SHA-256 of
the 32 raw public-key bytes, as 64 lowercase hex characters.

A signed document is a JSON object with a ``signature`` member
``{"alg": "Ed25519", "key": <fingerprint>, "value": <base64 signature>}``. What is signed is
the RFC 8785 (JCS) canonical form of the object *without* ``signature``, so whitespace and
member order in the stored file do not matter but any change of a value does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from scanner.errors import InputError, KeyMaterialError, VerificationFailed
from scanner.i18n import N_, Text
from scanner.privacy.safe_files import atomic_write_bytes, make_dir, remove_created

PRIVATE_NAME = "signing-key.pem"
PUBLIC_NAME = "signing-key.pub.pem"
ALG = "Ed25519"


def fingerprint(public: Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key, hex."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class SigningKey:
    """A loaded private signing key; ``repr`` shows only the fingerprint."""

    fingerprint: str
    _private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self._private.public_key()

    def sign(self, data: bytes) -> bytes:
        return self._private.sign(data)

    def __repr__(self) -> str:  # never the key itself
        return f"SigningKey(fingerprint={self.fingerprint!r})"


def generate(out_dir: str | os.PathLike) -> tuple[Path, Path, str]:
    """Write a new key pair into ``out_dir``; refuses to overwrite. Returns (private, public, fp)."""
    out = Path(out_dir)
    private_path, public_path = out / PRIVATE_NAME, out / PUBLIC_NAME
    for path in (private_path, public_path):
        if path.exists():
            raise InputError("a signing key already exists here; choose another --out", path=str(path))
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    created = make_dir(out)
    try:
        atomic_write_bytes(private_path, private_pem, mode=0o600)
        try:
            atomic_write_bytes(public_path, public_pem, mode=0o644)
        except BaseException:
            private_path.unlink()  # a pair or nothing
            raise
    except BaseException:
        remove_created(created)
        raise
    return private_path, public_path, fingerprint(key.public_key())


def load_private(path: str | os.PathLike) -> SigningKey:
    """Load a private signing key, refusing a missing, loose-permission or non-Ed25519 file."""
    p = Path(path)
    if not p.is_file():
        raise KeyMaterialError("signing key file not found", path=str(p))
    mode = p.stat().st_mode & 0o777
    if mode & 0o077:
        raise KeyMaterialError(
            "signing key is readable by group or others (mode {mode:o}); run chmod 600", path=str(p), mode=mode
        )
    try:
        key = serialization.load_pem_private_key(p.read_bytes(), password=None)
    except (ValueError, TypeError):
        raise KeyMaterialError("not an unencrypted PEM private key", path=str(p)) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyMaterialError("not an Ed25519 private key", path=str(p))
    return SigningKey(fingerprint(key.public_key()), key)


def load_public(path: str | os.PathLike) -> Ed25519PublicKey:
    """Load a public key (PEM SubjectPublicKeyInfo)."""
    p = Path(path)
    if not p.is_file():
        raise KeyMaterialError("public key file not found", path=str(p))
    try:
        key = serialization.load_pem_public_key(p.read_bytes())
    except (ValueError, TypeError):
        raise KeyMaterialError("not a PEM public key", path=str(p)) from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyMaterialError("not an Ed25519 public key", path=str(p))
    return key


def canonical(doc: dict) -> bytes:
    """RFC 8785 canonical bytes of ``doc`` without its ``signature`` member."""
    body = {k: v for k, v in doc.items() if k != "signature"}
    try:
        return rfc8785.dumps(body)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise InputError("document cannot be canonicalized: {error}", error=type(exc).__name__) from None


def sign_document(doc: dict, key: SigningKey) -> dict:
    """Return ``doc`` with a ``signature`` member over its canonical form."""
    body = {k: v for k, v in doc.items() if k != "signature"}
    sig = key.sign(canonical(body))
    return {**body, "signature": {"alg": ALG, "key": key.fingerprint,
                                  "value": base64.b64encode(sig).decode("ascii")}}


#: What a signed document is called in messages.
DOCUMENTS = (N_("document"), N_("certificate"), N_("checkpoint"))


def verify_document(doc: dict, public: Ed25519PublicKey, *, what: str = "document") -> None:
    """Raise :class:`VerificationFailed` unless ``doc`` is signed by ``public``.

    The reason distinguishes a document signed by another key ("wrong key") from a
    document altered after signing ("signature does not verify").
    """
    sig = doc.get("signature")
    if not isinstance(sig, dict) or sig.get("alg") != ALG or not isinstance(sig.get("value"), str):
        raise VerificationFailed("{what} carries no Ed25519 signature", what=Text(what))
    expected = fingerprint(public)
    if sig.get("key") != expected:
        raise VerificationFailed(
            "{what} was signed by key {signer}…, not by the given public key {key}… (wrong key)",
            what=Text(what), signer=str(sig.get("key"))[:16], key=expected[:16]
        )
    try:
        raw = base64.b64decode(sig["value"], validate=True)
    except (ValueError, TypeError):
        raise VerificationFailed("{what}: signature is not valid base64 (altered {what})", what=Text(what)) from None
    try:
        public.verify(raw, canonical(doc))
    except InvalidSignature:
        raise VerificationFailed(
            "{what}: signature does not verify: the {what} was altered after signing", what=Text(what)
        ) from None


def read_json_document(path: str | os.PathLike, *, what: str) -> dict:
    """Read a JSON object from ``path`` (a malformed file is an altered document: exit 1)."""
    p = Path(path)
    if not p.is_file():
        raise InputError("{what} file not found", path=str(p), what=Text(what))
    try:
        doc = json.loads(p.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise VerificationFailed("{what} is not valid JSON (altered or truncated)", path=str(p), what=Text(what)) from None
    if not isinstance(doc, dict):
        raise VerificationFailed("{what} is not a JSON object", path=str(p), what=Text(what))
    return doc


def json_document_bytes(doc: dict) -> bytes:
    """A (signed) document as readable, sorted JSON."""
    return (json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def write_json_document(path: str | os.PathLike, doc: dict) -> Path:
    """Write a (signed) document as readable, sorted JSON, atomically, mode 0600."""
    return atomic_write_bytes(path, json_document_bytes(doc))

"""Ed25519 signatures on a return's manifest, and key fingerprints people can compare by eye."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from setting_app.domain.errors import AppError
from setting_app.storage.bounded_read import KEY_FILE_LIMIT, read_bytes

ALGORITHM = "Ed25519"


def raw_public(key: Ed25519PrivateKey | Ed25519PublicKey | X25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(public_raw: bytes) -> str:
    """The first 128 bits of the SHA-256 of the raw public key, as 8 groups of 4 hex digits."""
    digest = hashlib.sha256(public_raw).hexdigest()[:32].upper()
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError, AttributeError):
        raise AppError(f"{what} is not valid base64.") from None


def sign(key: Ed25519PrivateKey, data: bytes) -> bytes:
    return key.sign(data)


def signature_ok(public_raw: bytes, data: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def public_pem(public_raw: bytes) -> str:
    key = Ed25519PublicKey.from_public_bytes(public_raw)
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def read_public_key_file(path: Path) -> bytes:
    """A setting's export public key (PEM, as ``la setting-key`` writes it): its raw 32 bytes."""
    try:
        data = read_bytes(path, KEY_FILE_LIMIT, "public key file")
    except OSError as exc:
        raise AppError(f"Cannot read the public key file {path}: {exc.strerror or exc}.") from None
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise AppError(f"{path} is not a PEM public key.") from None
    if not isinstance(key, Ed25519PublicKey):
        raise AppError(f"{path} is not a setting's Ed25519 export key.")
    return raw_public(key)

"""Exact counts for an authority whose data-sharing agreement allows them.

The exact counts are encrypted to the authority's X25519 public key: a fresh (ephemeral) key pair per
file, ECDH with the authority's key, HKDF-SHA256 to a 256-bit key, AES-256-GCM with the file's header
as associated data. Only the holder of the authority's private key can read them; the signed manifest
covers the file's hash, so it cannot be swapped.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from setting_app.domain.errors import AlreadyExists, AppError
from setting_app.domain.frameworks import Framework
from setting_app.services.la_export.signing import b64, fingerprint, raw_public, unb64
from setting_app.services.la_export.tables import ExactCounts
from setting_app.storage.bounded_read import KEY_FILE_LIMIT, read_bytes
from setting_app.storage.fsutil import O_BINARY, ensure_private_dir, write_private_file

EXACT_FILE = "exact.enc"
ENVELOPE_FORMAT = "setting-app/la-exact"
PAYLOAD_FORMAT = "setting-app/la-exact-counts"
ALGORITHM = "X25519-HKDF-SHA256-AES-256-GCM"
PRIVATE_KEY_FILE = "la_authority_private.pem"
PUBLIC_KEY_FILE = "la_authority_public.pem"
_INFO = b"setting-app la exact counts v1"


def generate_authority_keys(out_dir: Path) -> tuple[Path, Path, str]:
    """The authority's key pair: private key 0600 in a 0700 folder, public key beside it to hand out."""
    out_dir = Path(out_dir)
    private_path, public_path = out_dir / PRIVATE_KEY_FILE, out_dir / PUBLIC_KEY_FILE
    for path in (private_path, public_path):
        if path.exists():
            raise AlreadyExists(
                f"{path} already exists; nothing was changed (keep the old key or move it away)."
            )
    try:
        return _write_authority_keys(out_dir, private_path, public_path)
    except OSError as exc:
        raise AppError(
            f"The keys could not be written to {out_dir}: {exc.strerror or exc}. Nothing was kept."
        ) from None


def _write_authority_keys(out_dir: Path, private_path: Path, public_path: Path) -> tuple[Path, Path, str]:
    ensure_private_dir(out_dir)
    key = X25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | O_BINARY, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_pem)
    os.chmod(private_path, 0o600)
    try:
        write_private_file(
            public_path,
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
            overwrite=False,
        )
    except BaseException:
        private_path.unlink(missing_ok=True)  # never half a key pair
        raise
    return private_path, public_path, fingerprint(raw_public(key.public_key()))


def _read(path: Path, what: str) -> bytes:
    try:
        return read_bytes(path, KEY_FILE_LIMIT, what)
    except OSError as exc:
        raise AppError(f"Cannot read the {what} {path}: {exc.strerror or exc}.") from None


def load_authority_public_key(path: Path) -> X25519PublicKey:
    try:
        key = serialization.load_pem_public_key(_read(path, "authority public key"))
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise AppError(f"{path} is not a PEM public key.") from None
    if not isinstance(key, X25519PublicKey):
        raise AppError(f"{path} is not an authority key made by 'setting-app la keygen' (X25519).")
    return key


def load_authority_private_key(path: Path) -> X25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(_read(path, "authority private key"), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise AppError(f"{path} is not an unencrypted PEM private key.") from None
    if not isinstance(key, X25519PrivateKey):
        raise AppError(f"{path} is not an authority key made by 'setting-app la keygen' (X25519).")
    return key


def _derive(shared: bytes, ephemeral_raw: bytes, recipient_raw: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral_raw + recipient_raw, info=_INFO).derive(
        shared
    )


def _header_bytes(header: dict) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")


def encrypt(payload: dict, recipient: X25519PublicKey) -> bytes:
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw, recipient_raw = raw_public(ephemeral.public_key()), raw_public(recipient)
    key = _derive(ephemeral.exchange(recipient), ephemeral_raw, recipient_raw)
    header = {
        "format": ENVELOPE_FORMAT,
        "version": 1,
        "algorithm": ALGORITHM,
        "recipient_fingerprint": fingerprint(recipient_raw),
        "ephemeral_public_key": b64(ephemeral_raw),
    }
    nonce = os.urandom(12)
    plaintext = json.dumps(payload, sort_keys=True).encode("utf-8")
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, _header_bytes(header))
    envelope = {**header, "nonce": b64(nonce), "ciphertext": b64(ciphertext)}
    return (json.dumps(envelope, indent=2) + "\n").encode("utf-8")


def recipient_fingerprint(data: bytes) -> str:
    try:
        return str(json.loads(data)["recipient_fingerprint"])
    except (ValueError, KeyError, TypeError):
        return ""


def decrypt(data: bytes, key: X25519PrivateKey, where: str) -> dict:
    try:
        envelope = json.loads(data)
        header = {
            k: envelope[k]
            for k in ("format", "version", "algorithm", "recipient_fingerprint", "ephemeral_public_key")
        }
        nonce, ciphertext = envelope["nonce"], envelope["ciphertext"]
    except (ValueError, KeyError, TypeError):
        raise AppError(f"{where}: not an exact-count file.") from None
    if header["format"] != ENVELOPE_FORMAT or header["version"] != 1 or header["algorithm"] != ALGORITHM:
        raise AppError(f"{where}: an exact-count file of a kind this version cannot read.")
    mine = fingerprint(raw_public(key.public_key()))
    if header["recipient_fingerprint"] != mine:
        raise AppError(
            f"{where}: encrypted to the key {header['recipient_fingerprint']}, not to this key ({mine})."
        )
    ephemeral_raw = unb64(header["ephemeral_public_key"], f"{where}: the ephemeral key")
    try:
        shared = key.exchange(X25519PublicKey.from_public_bytes(ephemeral_raw))
        secret = _derive(shared, ephemeral_raw, raw_public(key.public_key()))
        plaintext = AESGCM(secret).decrypt(
            unb64(nonce, f"{where}: the nonce"),
            unb64(ciphertext, f"{where}: the data"),
            _header_bytes(header),
        )
        payload = json.loads(plaintext)
    except (InvalidTag, ValueError):
        raise AppError(
            f"{where}: cannot be decrypted with this key (damaged, or made for another key)."
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != PAYLOAD_FORMAT:
        raise AppError(f"{where}: the decrypted data is not exact counts.")
    return payload


def counts_payload(counts: ExactCounts, period_code: str, provider_urn: str) -> dict:
    return {
        "format": PAYLOAD_FORMAT,
        "version": 1,
        "period": period_code,
        "provider_urn": provider_urn,
        "cells": [[list(key), value] for key, value in sorted(counts.cells.items())],
        "home_la_codes": list(counts.home_la_codes),
        "days_to_acknowledgement": counts.days_to_acknowledgement,
        "days_to_first_contact": counts.days_to_first_contact,
        "minutes": counts.minutes,
        "framework": counts.framework,
    }


def _framework(value: object) -> str | None:
    """The payload's outcome framework: None in payloads made before the table by outcome."""
    if value is None:
        return None
    return Framework(str(value)).value  # ValueError: refused by the caller


def payload_counts(payload: dict, where: str) -> ExactCounts:
    try:
        cells = {tuple(str(p) for p in key): int(value) for key, value in payload["cells"]}
        counts = ExactCounts(
            cells=cells,
            home_la_codes=tuple(str(c) for c in payload["home_la_codes"]),
            days_to_acknowledgement={
                str(k): [int(v) for v in vs] for k, vs in payload["days_to_acknowledgement"].items()
            },
            days_to_first_contact={
                str(k): [int(v) for v in vs] for k, vs in payload["days_to_first_contact"].items()
            },
            minutes={str(k): int(v) for k, v in payload["minutes"].items()},
            framework=_framework(payload.get("framework")),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise AppError(f"{where}: the exact counts are not in the expected form.") from None
    if any(v < 0 for v in counts.cells.values()):
        raise AppError(f"{where}: the exact counts include a negative number.")
    return counts

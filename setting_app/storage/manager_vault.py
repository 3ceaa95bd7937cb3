"""Secrets under the manager key: what only managers may use, unreadable with the data key alone.

The manager key is a random 256-bit key sealed only in manager and recovery key slots
(``keyslots``). The casebook stores its public name (``manager_key_id``) so a slot's key can be
checked, and AES-256-GCM ciphertexts: named secrets in ``manager_vault`` and the sealed part of
restricted rows (``sealed`` columns). The associated data binds each ciphertext to its place, so a
ciphertext moved to another row or name does not open.
"""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from setting_app.domain.errors import AppError
from setting_app.storage import keyslots
from setting_app.storage.database import Connection

KEY_ID_SETTING = "manager_key_id"
_NONCE_BYTES = 12


class SealedContentDamaged(AppError):
    """A ciphertext under the manager key did not open: changed, moved, or under another key."""


def installed_key_id(conn: Connection) -> str | None:
    """The manager key's public name, or None while the casebook has none yet (before the upgrade)."""
    row = conn.execute("SELECT value FROM app_settings WHERE key = ?", (KEY_ID_SETTING,)).fetchone()
    return row[0] if row else None


def set_key_id(conn: Connection, manager_key: bytes) -> None:
    conn.execute(
        "INSERT INTO app_settings (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (KEY_ID_SETTING, keyslots.key_id(manager_key)),
    )


def matching_key(conn: Connection, candidates: list[bytes]) -> bytes | None:
    """The candidate that is this casebook's manager key, if any."""
    wanted = installed_key_id(conn)
    return next((k for k in candidates if keyslots.key_id(k) == wanted), None)


def seal(manager_key: bytes, aad: bytes, plaintext: bytes) -> bytes:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return nonce + AESGCM(manager_key).encrypt(nonce, plaintext, aad)


def unseal(manager_key: bytes, aad: bytes, blob: bytes, what: str = "a restricted record") -> bytes:
    try:
        return AESGCM(manager_key).decrypt(bytes(blob[:_NONCE_BYTES]), bytes(blob[_NONCE_BYTES:]), aad)
    except (InvalidTag, ValueError, TypeError):
        raise SealedContentDamaged(
            f"The protected part of {what} is damaged and cannot be read; the rest of the casebook is "
            "unaffected. Restore it from a backup if it is needed."
        ) from None


def _vault_aad(name: str) -> bytes:
    return b"setting-app/manager-vault\x00" + name.encode()


def put(conn: Connection, manager_key: bytes, name: str, value: bytes) -> None:
    blob = seal(manager_key, _vault_aad(name), value)
    conn.execute(
        "INSERT INTO manager_vault (name, nonce, ciphertext) VALUES (?, ?, ?) "
        "ON CONFLICT(name) DO UPDATE SET nonce = excluded.nonce, ciphertext = excluded.ciphertext",
        (name, blob[:_NONCE_BYTES], blob[_NONCE_BYTES:]),
    )


def get(conn: Connection, manager_key: bytes, name: str) -> bytes | None:
    row = conn.execute("SELECT nonce, ciphertext FROM manager_vault WHERE name = ?", (name,)).fetchone()
    if row is None:
        return None
    return unseal(
        manager_key, _vault_aad(name), bytes(row[0]) + bytes(row[1]), f"the manager secret '{name}'"
    )


def reencrypt_vault(conn: Connection, old_key: bytes, new_key: bytes) -> None:
    """Every vault entry under ``new_key`` (call inside the rotation's transaction)."""
    names = [r[0] for r in conn.execute("SELECT name FROM manager_vault ORDER BY name")]
    for name in names:
        value = get(conn, old_key, name)
        assert value is not None
        put(conn, new_key, name, value)

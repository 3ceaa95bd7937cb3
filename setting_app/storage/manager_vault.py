"""Secrets under the manager key: what only managers may use, unreadable with the data key alone.

The manager key is a random 256-bit key sealed only in manager and recovery key slots
(``keyslots``). The casebook stores its public name (``manager_key_id``) so a slot's key can be
checked, and AES-256-GCM ciphertexts: named secrets in ``manager_vault`` and the sealed part of
restricted rows (``sealed`` columns). The associated data binds each ciphertext to its place, so a
ciphertext moved to another row or name does not open.
"""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

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


def opens_vault(conn: Connection, manager_key: bytes) -> bool:
    """Whether ``manager_key`` opens every entry of this casebook's vault (the proof a key is its own)."""
    names = [r[0] for r in conn.execute("SELECT name FROM manager_vault ORDER BY name")]
    try:
        for name in names:
            get(conn, manager_key, name)
    except SealedContentDamaged:
        return False
    return True


def reencrypt_vault(conn: Connection, old_key: bytes, new_key: bytes) -> None:
    """Every vault entry under ``new_key`` (call inside the rotation's transaction)."""
    names = [r[0] for r in conn.execute("SELECT name FROM manager_vault ORDER BY name")]
    for name in names:
        value = get(conn, old_key, name)
        assert value is not None
        put(conn, new_key, name, value)


# --- the chain of manager keys -----------------------------------------------------------------


def _link_signer(manager_key: bytes) -> Ed25519PrivateKey:
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"setting-app/manager-key-link").derive(
        manager_key
    )
    return Ed25519PrivateKey.from_private_bytes(seed)


def link_public(manager_key: bytes) -> bytes:
    return (
        _link_signer(manager_key)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )


def _link_message(old_id: str, new_id: str, new_public: bytes) -> bytes:
    return (
        b"setting-app/manager-key-link\x00"
        + old_id.encode()
        + b"\x00"
        + new_id.encode()
        + b"\x00"
        + new_public
    )


def add_link(conn: Connection, old_key: bytes, new_key: bytes) -> None:
    """Record that ``new_key`` follows ``old_key`` (signed with a key only ``old_key`` gives)."""
    old_id, new_id, new_public = keyslots.key_id(old_key), keyslots.key_id(new_key), link_public(new_key)
    signature = _link_signer(old_key).sign(_link_message(old_id, new_id, new_public))
    conn.execute(
        "INSERT INTO manager_key_links (old_key_id, new_key_id, new_signing_public, signature) VALUES (?, ?, ?, ?)",
        (old_id, new_id, new_public, signature),
    )


def links(conn: Connection) -> list[tuple[str, str, bytes, bytes]]:
    return [
        (r[0], r[1], bytes(r[2]), bytes(r[3]))
        for r in conn.execute(
            "SELECT old_key_id, new_key_id, new_signing_public, signature FROM manager_key_links ORDER BY id"
        )
    ]


def copy_links(conn: Connection, found: list[tuple[str, str, bytes, bytes]]) -> None:
    have = set(links(conn))
    for link in found:
        if link not in have:
            conn.execute(
                "INSERT INTO manager_key_links (old_key_id, new_key_id, new_signing_public, signature) "
                "VALUES (?, ?, ?, ?)",
                link,
            )


def follows_from(conn: Connection, pinned: bytes, candidate: bytes) -> bool:
    """Whether ``candidate`` is ``pinned`` or reached from it by signed links (each signed with the key
    the one before gives). Anyone holding the data key can add rows, but none that verify from a key
    they never held."""
    target_id, target_public = keyslots.key_id(candidate), link_public(candidate)
    frontier = [(keyslots.key_id(pinned), Ed25519PublicKey.from_public_bytes(link_public(pinned)))]
    if frontier[0][0] == target_id:
        return True
    seen = {frontier[0][0]}
    all_links = links(conn)
    while frontier:
        current_id, current_public = frontier.pop()
        for old_id, new_id, new_public, signature in all_links:
            if old_id != current_id or new_id in seen:
                continue
            try:
                current_public.verify(signature, _link_message(old_id, new_id, new_public))
            except InvalidSignature:
                continue
            if new_id == target_id and new_public == target_public:
                return True
            seen.add(new_id)
            try:
                frontier.append((new_id, Ed25519PublicKey.from_public_bytes(new_public)))
            except ValueError:
                continue
    return False

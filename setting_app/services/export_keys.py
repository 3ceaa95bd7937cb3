"""The setting's Ed25519 export key: it signs every return sent to the local authority.

Made when the casebook is created (or, for older casebooks, the first time it is needed). The private
half is kept under the manager key (``manager_vault``), so only a manager's sign-in can sign a return;
the public half is readable by anyone signed in. Its fingerprint (the first 128 bits of the SHA-256 of the
public key, 8 groups of 4 hex digits) is shown in Settings and on the monthly summary, so the
authority can check by phone that a return really came from this setting.
"""

from __future__ import annotations

from datetime import datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from setting_app.domain.errors import AppError
from setting_app.services import manager_key
from setting_app.services.la_export import signing
from setting_app.services.session import Session
from setting_app.storage import setting_repo
from setting_app.storage.database import Connection
from setting_app.storage.rows import from_datetime
from setting_app.storage.unit_of_work import unit_of_work

PRIVATE_KEY_SETTING = "export_signing_key"
CREATED_SETTING = "export_signing_key_created"


def _private(raw: str | None) -> Ed25519PrivateKey | None:
    if raw is None:
        return None
    try:
        return Ed25519PrivateKey.from_private_bytes(signing.unb64(raw, "the export key"))
    except (ValueError, AppError):
        raise AppError("The setting's export key in the casebook is damaged; ask for support.") from None


def _public_raw(conn: Connection) -> bytes | None:
    public = manager_key.public_key(conn, PRIVATE_KEY_SETTING)
    if public is not None:
        return signing.unb64(public, "the export key")
    legacy = _private(setting_repo.get_app_setting(conn, PRIVATE_KEY_SETTING))  # before the upgrade
    return signing.raw_public(legacy) if legacy is not None else None


def create_export_key(conn: Connection, now: datetime, key_for_vault: bytes | None = None) -> str:
    """Make the key if the casebook has none (call inside the caller's unit of work); its fingerprint."""
    existing = _public_raw(conn)
    if existing is not None:
        return signing.fingerprint(existing)
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = signing.raw_public(key)
    manager_key.store_key_pair(
        conn, key_for_vault, PRIVATE_KEY_SETTING, signing.b64(raw), signing.b64(public)
    )
    setting_repo.set_app_setting(conn, CREATED_SETTING, from_datetime(now))
    return signing.fingerprint(public)


def ensure_export_key(session: Session) -> str:
    """For casebooks made before export keys existed: make one now (in its own transaction)."""
    if _public_raw(session.conn) is None:
        vault_key = session.manager_key("make the setting's export key") if session.has_manager_key else None
        with unit_of_work(session.conn):
            return create_export_key(session.conn, session.clock.now(), vault_key)
    return export_key_fingerprint(session.conn) or ""


def signing_key(session: Session) -> Ed25519PrivateKey:
    """The private key: needs a manager's sign-in (the manager key), never just a role in a table."""
    ensure_export_key(session)
    key = _private(manager_key.private_key(session, PRIVATE_KEY_SETTING, "sign with the setting's key"))
    if key is None:
        raise AppError("The setting's export key is missing from the casebook; ask for support.")
    return key


def public_key_b64(conn: Connection) -> str | None:
    public = _public_raw(conn)
    return signing.b64(public) if public else None


def export_key_fingerprint(conn: Connection) -> str | None:
    public = _public_raw(conn)
    return signing.fingerprint(public) if public else None


def public_key_pem(conn: Connection) -> str | None:
    public = _public_raw(conn)
    return signing.public_pem(public) if public else None

"""The setting's Ed25519 export key: it signs every return sent to the local authority.

Made when the casebook is created (or, for older casebooks, the first time it is needed) and kept in
the encrypted casebook's ``app_settings``. Its fingerprint (the first 128 bits of the SHA-256 of the
public key, 8 groups of 4 hex digits) is shown in Settings and on the monthly summary, so the
authority can check by phone that a return really came from this setting.
"""

from __future__ import annotations

from datetime import datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from setting_app.domain.errors import AppError
from setting_app.services.la_export import signing
from setting_app.services.session import Session
from setting_app.storage import setting_repo
from setting_app.storage.database import Connection
from setting_app.storage.rows import from_datetime
from setting_app.storage.unit_of_work import unit_of_work

PRIVATE_KEY_SETTING = "export_signing_key"
CREATED_SETTING = "export_signing_key_created"


def _stored(conn: Connection) -> Ed25519PrivateKey | None:
    raw = setting_repo.get_app_setting(conn, PRIVATE_KEY_SETTING)
    if raw is None:
        return None
    try:
        return Ed25519PrivateKey.from_private_bytes(signing.unb64(raw, "the export key"))
    except (ValueError, AppError):
        raise AppError("The setting's export key in the casebook is damaged; ask for support.") from None


def create_export_key(conn: Connection, now: datetime) -> str:
    """Make the key if the casebook has none (call inside the caller's unit of work); its fingerprint."""
    existing = _stored(conn)
    if existing is not None:
        return signing.fingerprint(signing.raw_public(existing))
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    setting_repo.set_app_setting(conn, PRIVATE_KEY_SETTING, signing.b64(raw))
    setting_repo.set_app_setting(conn, CREATED_SETTING, from_datetime(now))
    return signing.fingerprint(signing.raw_public(key))


def ensure_export_key(session: Session) -> str:
    """For casebooks made before export keys existed: make one now (in its own transaction)."""
    if _stored(session.conn) is None:
        with unit_of_work(session.conn):
            return create_export_key(session.conn, session.clock.now())
    return export_key_fingerprint(session.conn) or ""


def signing_key(session: Session) -> Ed25519PrivateKey:
    ensure_export_key(session)
    key = _stored(session.conn)
    assert key is not None
    return key


def export_key_fingerprint(conn: Connection) -> str | None:
    key = _stored(conn)
    return signing.fingerprint(signing.raw_public(key)) if key else None


def public_key_pem(conn: Connection) -> str | None:
    key = _stored(conn)
    return signing.public_pem(signing.raw_public(key)) if key else None

"""Who did what, when: one audit row per action, in the same transaction as the action.

Rows hold no personal data: the actor's username, an action code, what kind of record and its
number, and a short detail built from field names, counts and reasons chosen from lists.
"""

from __future__ import annotations

import base64

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from setting_app.domain.errors import PermissionDenied
from setting_app.services import manager_key
from setting_app.services.session import Session
from setting_app.storage import audit_repo, manager_vault
from setting_app.storage.audit_repo import AuditFilter, AuditRow
from setting_app.storage.database import Connection
from setting_app.storage.rows import from_datetime

# Action codes (stable: they are filtered on in the audit viewer).
UNLOCK = "unlock"
UNLOCK_FAILED = "unlock_failed"
VIEW_FAMILY = "view_family"
VIEW_RESTRICTED = "view_restricted"
CREATE = "create"
UPDATE = "update"
AMEND = "amend"
DELETE = "delete"
ERASE = "erase"
EXPORT = "export"
PRINT = "print"
BACKUP = "backup"
RESTORE = "restore"
ACCOUNT = "account"
SETTINGS = "settings"
RETENTION = "retention"

ACTIONS = (
    UNLOCK,
    UNLOCK_FAILED,
    VIEW_FAMILY,
    VIEW_RESTRICTED,
    CREATE,
    UPDATE,
    AMEND,
    DELETE,
    ERASE,
    EXPORT,
    PRINT,
    BACKUP,
    RESTORE,
    ACCOUNT,
    SETTINGS,
    RETENTION,
)


def record(
    session: Session,
    action: str,
    *,
    object_type: str = "",
    object_id: int | None = None,
    family_id: int | None = None,
    detail: str = "",
) -> None:
    """Append a row. Call inside the action's ``unit_of_work`` so both land or neither does."""
    if not session.conn.in_transaction:
        raise RuntimeError("audit.record must run inside the action's transaction")
    audit_repo.append(
        session.conn,
        at=session.clock.now(),
        staff_id=session.user.id,
        username=session.user.username,
        action=action,
        object_type=object_type,
        object_id=object_id,
        family_id=family_id,
        detail=detail,
    )


LATEST_HEAD = "audit_latest_signed_head"


def sign_head(session: Session, occasion: str) -> None:
    """Sign the chain's head with the manager-only audit key (inside the event's transaction).

    Anyone holding the data key can append rows and could recompute the chain after editing it; a
    signed head fixes every row up to it, because only the manager key opens the signing key. The
    newest signed head is also kept in the vault, so deleting signed heads is caught too.
    """
    if not session.has_manager_key or manager_vault.installed_key_id(session.conn) is None:
        return
    head = audit_repo.last_row(session.conn)
    if head is None:
        return
    private_b64 = manager_key.private_key(session, manager_key.AUDIT_SIGNING_KEY, "sign the audit trail")
    if private_b64 is None:
        return
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_b64))
    signed_at = from_datetime(session.clock.now())
    message = audit_repo.head_message(head[0], head[1], occasion, signed_at)
    audit_repo.add_signed_head(session.conn, head[0], head[1], occasion, signed_at, key.sign(message))
    vault_key = session.manager_key("sign the audit trail")
    previous = manager_vault.get(session.conn, vault_key, LATEST_HEAD)
    if previous is not None:
        audit_id, _, audit_hash = previous.decode().partition(":")
        if audit_repo.row_hash(session.conn, int(audit_id)) != audit_hash or not any(
            h.audit_id == int(audit_id) for h in audit_repo.list_signed_heads(session.conn)
        ):
            return  # the last signed point was tampered with: keep the evidence for verify
    manager_vault.put(session.conn, vault_key, LATEST_HEAD, f"{head[0]}:{head[1]}".encode())


def verify(session: Session) -> str | None:
    """None when the trail is whole; else a sentence naming what was changed (see ``verify_trail``)."""
    return verify_trail(
        session.conn, session.manager_key("check the audit trail") if session.has_manager_key else None
    )


def verify_trail(conn: Connection, vault_key: bytes | None) -> str | None:
    """None when the trail is whole; else a sentence naming what was changed.

    The chain (an HMAC under a key any signed-in person holds) catches changes made without that key;
    the signed heads catch changes made with it, to any row up to the newest signed head. With the
    manager key (``vault_key``) the signing key comes from the vault and the vault's record of the
    newest head is checked too, so removing signed heads is caught.
    """
    broken = audit_repo.verify_chain(conn)
    if broken:
        return broken
    public_b64 = manager_key.public_key(conn, manager_key.AUDIT_SIGNING_KEY)
    latest: str | None = None
    heads = audit_repo.list_signed_heads(conn)
    if vault_key is not None and manager_vault.installed_key_id(conn) is not None:
        private_raw = manager_vault.get(conn, vault_key, manager_key.AUDIT_SIGNING_KEY)
        if private_raw is None and heads:
            # Never fall back to the public key in app_settings: anyone with the data key can set it.
            return "the audit signing key is missing from the managers' vault, so the signed points cannot be trusted"
        if private_raw is not None:
            private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_raw))
            public_b64 = base64.b64encode(
                private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            ).decode()
        stored = manager_vault.get(conn, vault_key, LATEST_HEAD)
        latest = stored.decode() if stored else None
        if latest is None and heads:
            return "the managers' record of the newest signed point of the audit trail is missing: signed points may have been removed"
    if public_b64 is None:
        return "signed audit heads exist but the audit signing key is missing" if heads else None
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64))
    for head in heads:
        try:
            public.verify(head.signature, head.message())
        except InvalidSignature:
            return f"a signed point of the audit trail ({head.signed_at[:16]}) does not verify: the trail was changed"
        if audit_repo.row_hash(conn, head.audit_id) != head.audit_hash:
            return (
                f"audit rows up to row {head.audit_id} were changed after they were signed "
                f"({head.occasion}, {head.signed_at[:16]} UTC)"
            )
    if latest is not None and latest not in {f"{h.audit_id}:{h.audit_hash}" for h in heads}:
        return "signed points of the audit trail were removed (the newest one the managers signed is missing)"
    return None


def chain_head(session: Session) -> str:
    return audit_repo.chain_head(session.conn)


def list_audit(
    session: Session, flt: AuditFilter = AuditFilter(), *, offset: int = 0, limit: int = 200
) -> list[AuditRow]:
    if not session.user.is_manager:
        raise PermissionDenied("Only a manager can read the audit trail.")
    return audit_repo.list_audit(session.conn, flt, offset=offset, limit=limit)


def count_audit(session: Session, flt: AuditFilter = AuditFilter()) -> int:
    if not session.user.is_manager:
        raise PermissionDenied("Only a manager can read the audit trail.")
    return audit_repo.count_audit(session.conn, flt)

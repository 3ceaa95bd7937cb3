"""Who did what, when: one audit row per action, in the same transaction as the action.

Rows hold no personal data: the actor's username, an action code, what kind of record and its
number, and a short detail built from field names, counts and reasons chosen from lists.
"""

from __future__ import annotations

from setting_app.domain.errors import PermissionDenied
from setting_app.services.session import Session
from setting_app.storage import audit_repo
from setting_app.storage.audit_repo import AuditFilter, AuditRow

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


def verify(session: Session) -> str | None:
    return audit_repo.verify_chain(session.conn)


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

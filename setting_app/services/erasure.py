"""Erasing a family: a manager's decision, with a reason chosen from a list, that cannot be undone.

Refused while the family is open or on legal hold. Everything held about the family goes (children,
carers, entries and their earlier versions, referrals with their history and chases, information
sharing records, retention decisions), with secure delete on, then ``VACUUM`` and a truncated WAL
so the text is gone from every page of the file. The audit row keeps only the family's number and
the reason's code: no reference, no names, no free text.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from setting_app.domain.errors import AppError, ValidationError
from setting_app.services import audit
from setting_app.services.retention import require_facts
from setting_app.services.session import Session
from setting_app.storage import retention_repo
from setting_app.storage.unit_of_work import unit_of_work


class ErasureReason(StrEnum):
    RETENTION_ENDED = "retention_ended"
    ERASURE_REQUEST = "erasure_request"
    CREATED_IN_ERROR = "created_in_error"
    DUPLICATE = "duplicate"
    OTHER = "other"


REASON_LABELS: dict[ErasureReason, str] = {
    ErasureReason.RETENTION_ENDED: "The retention period has ended",
    ErasureReason.ERASURE_REQUEST: "The family asked for erasure (right to erasure)",
    ErasureReason.CREATED_IN_ERROR: "The record was created in error",
    ErasureReason.DUPLICATE: "Duplicate of another family's record",
    ErasureReason.OTHER: "Another reason agreed by the manager",
}


@dataclass(frozen=True)
class ErasureResult:
    family_id: int
    rows_deleted: int
    #: False when another connection kept the WAL open; the next checkpoint finishes the job.
    wal_cleared: bool


def parse_reason(value: object) -> ErasureReason:
    text = str(value or "").strip().lower().replace("-", "_").replace(" ", "_")
    if not text:
        raise ValidationError("reason", "choose why the family is erased: " + ", ".join(ErasureReason))
    try:
        return ErasureReason(text)
    except ValueError:
        raise ValidationError(
            "reason", f"'{value}' is not one of the erasure reasons: " + ", ".join(ErasureReason)
        ) from None


def check_erasable(session: Session, family_id: int) -> None:
    """Refuse, in plain words, to erase a family that is still open or on legal hold."""
    facts = require_facts(session, family_id)
    if facts.legal_hold:
        raise AppError(
            f"Family {facts.ref} is on legal hold and cannot be erased. Release the hold first, with a reason."
        )
    if facts.closed_on is None:
        raise AppError(f"Family {facts.ref} is still open. Close the family's record before erasing it.")


def erase_family(session: Session, family_id: int, reason: ErasureReason | str) -> ErasureResult:
    """Delete the family and everything about it, then scrub the file (managers only)."""
    session.require_manager("erase a family's records")
    code = parse_reason(reason)
    with unit_of_work(session.conn):
        check_erasable(session, family_id)
        counts = retention_repo.delete_family_rows(session.conn, family_id)
        audit.record(
            session,
            audit.ERASE,
            object_type="family",
            object_id=family_id,
            family_id=family_id,
            detail=f"reason={code.value}",
        )
    cleared = retention_repo.compact(session.conn)
    return ErasureResult(family_id, sum(counts.values()), cleared)

"""The information-sharing record: what left the setting, to whom, why and on what basis, and the
decisions not to share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from setting_app.domain.codes import Consent
from setting_app.domain.referrals import (
    LawfulBasis,
    NewSharingRecord,
    SharingDecision,
    SharingOccasion,
    SharingRecord,
)
from setting_app.storage.database import Connection, Row
from setting_app.storage.rows import from_date, from_datetime, to_date, to_datetime

_SELECT = """SELECT i.*, coalesce(f.ref, '') AS family_ref, coalesce(s.display_name, '') AS recorded_by_name
    FROM information_sharing i
    LEFT JOIN families f ON f.id = i.family_id
    LEFT JOIN staff s ON s.id = i.recorded_by"""


def _record(row: Row) -> SharingRecord:
    return SharingRecord(
        id=row["id"],
        decision=SharingDecision(row["decision"]),
        occasion=SharingOccasion(row["occasion"]),
        decided_on=to_date(row["decided_on"]),
        recipient=row["recipient"],
        what=row["what"],
        purpose=row["purpose"],
        lawful_basis=LawfulBasis(row["lawful_basis"]) if row["lawful_basis"] else None,
        consent=Consent(row["consent"]) if row["consent"] else None,
        reason=row["reason"],
        method=row["method"],
        family_id=row["family_id"],
        referral_id=row["referral_id"],
        recorded_by=row["recorded_by"],
        transfer_id=row["transfer_id"],
        agreement_id=row["agreement_id"],
        no_agreement_reason=row["no_agreement_reason"],
        created_at=to_datetime(row["created_at"]),
        family_ref=row["family_ref"],
        recorded_by_name=row["recorded_by_name"],
    )


def add_record(conn: Connection, record: NewSharingRecord, now: datetime) -> SharingRecord:
    cur = conn.execute(
        """INSERT INTO information_sharing (decision, occasion, decided_on, family_id, referral_id, recipient,
               what, purpose, lawful_basis, consent, reason, method, recorded_by, created_at,
               transfer_id, agreement_id, no_agreement_reason)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            record.decision.value,
            record.occasion.value,
            from_date(record.decided_on),
            record.family_id,
            record.referral_id,
            record.recipient,
            record.what,
            record.purpose,
            record.lawful_basis.value if record.lawful_basis else None,
            record.consent.value if record.consent else None,
            record.reason,
            record.method,
            record.recorded_by,
            from_datetime(now),
            record.transfer_id,
            record.agreement_id,
            record.no_agreement_reason,
        ),
    )
    return get_record(conn, int(cur.lastrowid))


def get_record(conn: Connection, record_id: int) -> SharingRecord | None:
    row = conn.execute(f"{_SELECT} WHERE i.id = ?", (record_id,)).fetchone()
    return _record(row) if row else None


@dataclass(frozen=True)
class SharingFilter:
    family_id: int | None = None
    referral_id: int | None = None
    agreement_id: int | None = None
    transfer_id: int | None = None
    decision: SharingDecision | None = None
    #: False for practitioners: the sharing rows of restricted referrals are managers' only.
    include_restricted: bool = True
    date_from: date | None = None
    date_to: date | None = None


def list_records(
    conn: Connection, flt: SharingFilter | None = None, *, offset: int = 0, limit: int = 500
) -> list[SharingRecord]:
    """Newest first."""
    flt = flt or SharingFilter()
    clauses, params = [], []
    if flt.family_id is not None:
        clauses.append("i.family_id = ?")
        params.append(flt.family_id)
    if flt.referral_id is not None:
        clauses.append("i.referral_id = ?")
        params.append(flt.referral_id)
    if flt.agreement_id is not None:
        clauses.append("i.agreement_id = ?")
        params.append(flt.agreement_id)
    if flt.transfer_id is not None:
        clauses.append("i.transfer_id = ?")
        params.append(flt.transfer_id)
    if not flt.include_restricted:
        clauses.append(
            "(i.referral_id IS NULL OR NOT EXISTS "
            "(SELECT 1 FROM referrals r WHERE r.id = i.referral_id AND r.restricted = 1))"
        )
    if flt.decision is not None:
        clauses.append("i.decision = ?")
        params.append(flt.decision.value)
    if flt.date_from is not None:
        clauses.append("i.decided_on >= ?")
        params.append(from_date(flt.date_from))
    if flt.date_to is not None:
        clauses.append("i.decided_on <= ?")
        params.append(from_date(flt.date_to))
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    rows = conn.execute(
        f"{_SELECT}{where} ORDER BY i.decided_on DESC, i.id DESC LIMIT ? OFFSET ?", [*params, limit, offset]
    )
    return [_record(r) for r in rows]


def count_records(conn: Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM information_sharing").fetchone()[0])

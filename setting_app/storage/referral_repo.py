"""Referrals to external services (the full workflow builds on this table)."""

from __future__ import annotations

from datetime import datetime

from setting_app.domain.codes import Consent, Domain, ReferralStatus, ServiceCategory
from setting_app.domain.models import NewReferral, Referral
from setting_app.storage.database import Connection, Row
from setting_app.storage.rows import from_date, from_datetime, to_date, to_datetime


def _referral(row: Row) -> Referral:
    return Referral(
        id=row["id"],
        family_id=row["family_id"],
        child_id=row["child_id"],
        service_name=row["service_name"],
        service_category=ServiceCategory(row["service_category"]),
        domain=Domain(row["domain"]),
        made_on=to_date(row["made_on"]),
        consent=Consent(row["consent"]),
        status=ReferralStatus(row["status"]),
        made_by=row["made_by"],
        note=row["note"],
        created_at=to_datetime(row["created_at"]),
    )


INSERT_REFERRAL_SQL = """INSERT INTO referrals
    (family_id, child_id, service_name, service_category, domain, made_on, consent, status, made_by, note, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""


def referral_params(referral: NewReferral, now: datetime) -> tuple:
    return (
        referral.family_id,
        referral.child_id,
        referral.service_name,
        referral.service_category.value,
        referral.domain.value,
        from_date(referral.made_on),
        referral.consent.value,
        referral.status.value,
        referral.made_by,
        referral.note,
        from_datetime(now),
    )


def add_referral(conn: Connection, referral: NewReferral, now: datetime) -> Referral:
    cur = conn.execute(INSERT_REFERRAL_SQL, referral_params(referral, now))
    return get_referral(conn, int(cur.lastrowid))


def get_referral(conn: Connection, referral_id: int) -> Referral | None:
    row = conn.execute("SELECT * FROM referrals WHERE id = ?", (referral_id,)).fetchone()
    return _referral(row) if row else None


def list_family_referrals(conn: Connection, family_id: int) -> list[Referral]:
    rows = conn.execute("SELECT * FROM referrals WHERE family_id = ? ORDER BY made_on, id", (family_id,))
    return [_referral(r) for r in rows]


def count_referrals(conn: Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM referrals").fetchone()[0])

"""Data-sharing agreements and their parties (tables in migration 0006)."""

from __future__ import annotations

from datetime import date

from setting_app.storage.database import Connection
from setting_app.storage.rows import from_date


def covering_agreement_ids(
    conn: Connection, on: date, *, category: str | None = None, party_name: str | None = None
) -> list[int]:
    """Agreements in force on ``on`` with a party receiving ``category`` or named ``party_name``."""
    day = from_date(on)
    rows = conn.execute(
        """SELECT DISTINCT a.id FROM sharing_agreements a
           JOIN sharing_agreement_parties p ON p.agreement_id = a.id
           WHERE a.starts_on <= ? AND (a.ends_on IS NULL OR a.ends_on >= ?)
             AND ((? IS NOT NULL AND p.service_category = ?)
                  OR (? IS NOT NULL AND lower(trim(p.name)) = lower(trim(?))))
           ORDER BY a.id""",
        (day, day, category, category, party_name, party_name),
    ).fetchall()
    return [int(r[0]) for r in rows]


def agreement_in_force(conn: Connection, agreement_id: int, on: date) -> bool | None:
    """True if in force on ``on``, False if not, None if there is no such agreement."""
    row = conn.execute(
        "SELECT starts_on, ends_on FROM sharing_agreements WHERE id = ?", (agreement_id,)
    ).fetchone()
    if row is None:
        return None
    day = from_date(on)
    return row["starts_on"] <= day and (row["ends_on"] is None or row["ends_on"] >= day)


def agreement_title(conn: Connection, agreement_id: int) -> str | None:
    row = conn.execute("SELECT title FROM sharing_agreements WHERE id = ?", (agreement_id,)).fetchone()
    return str(row["title"]) if row else None

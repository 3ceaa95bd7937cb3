"""Data-sharing agreements and their parties (tables in migration 0006)."""

from __future__ import annotations

from datetime import date, datetime

from setting_app.domain.agreements import (
    Agreement,
    AgreementParty,
    Direction,
    NewAgreement,
    PartyType,
    SpecialCategoryCondition,
)
from setting_app.domain.codes import ServiceCategory
from setting_app.domain.referrals import LawfulBasis, SharingRecord
from setting_app.storage import sharing_repo, visibility
from setting_app.storage.database import Connection, Row
from setting_app.storage.rows import from_date, from_datetime, to_date, to_datetime


def covering_agreement_ids(
    conn: Connection, on: date, *, category: str | None = None, party_name: str | None = None
) -> list[int]:
    """Agreements in force on ``on`` with a party receiving ``category`` or named ``party_name``.

    Only agreements that let information flow to the partners: one for what partners send the setting
    (``from_partners``) covers no share from the setting."""
    day = from_date(on)
    rows = conn.execute(
        """SELECT DISTINCT a.id FROM sharing_agreements a
           JOIN sharing_agreement_parties p ON p.agreement_id = a.id
           WHERE a.starts_on <= ? AND (a.ends_on IS NULL OR a.ends_on >= ?)
             AND a.direction != 'from_partners'
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


def covered_share_span(conn: Connection, agreement_id: int) -> tuple[date, date, int] | None:
    """(first day, last day, how many) of the shares the agreement covered, or None if it covered none."""
    row = conn.execute(
        """SELECT min(decided_on), max(decided_on), count(*) FROM information_sharing
           WHERE agreement_id = ? AND decision = 'shared'""",
        (agreement_id,),
    ).fetchone()
    if not row or not row[2]:
        return None
    return to_date(row[0]), to_date(row[1]), int(row[2])


def agreement_names_partner(
    conn: Connection, agreement_id: int, *, category: str | None = None, party_name: str | None = None
) -> bool:
    """Whether the agreement has a party receiving ``category`` or named ``party_name``."""
    row = conn.execute(
        """SELECT 1 FROM sharing_agreement_parties p WHERE p.agreement_id = ?
             AND ((? IS NOT NULL AND p.service_category = ?)
                  OR (? IS NOT NULL AND lower(trim(p.name)) = lower(trim(?))))
           LIMIT 1""",
        (agreement_id, category, category, party_name, party_name),
    ).fetchone()
    return row is not None


def covered_recipients(conn: Connection, agreement_id: int) -> list[tuple[str, str | None, int]]:
    """(recipient, the referral's service category or None, how many shares) for the shares it covered."""
    rows = conn.execute(
        f"""SELECT {visibility.sealed_value("i", "information_sharing", "recipient")} AS recipient,
               {visibility.sealed_value("r", "referrals", "service_category")} AS category, count(*)
           FROM information_sharing i
           LEFT JOIN referrals r ON r.id = i.referral_id
           WHERE i.agreement_id = ? AND i.decision = 'shared'
           GROUP BY 1, 2 ORDER BY 1""",
        (agreement_id,),
    ).fetchall()
    return [(str(r[0]), r[1], int(r[2])) for r in rows]


def agreement_direction(conn: Connection, agreement_id: int) -> Direction | None:
    row = conn.execute("SELECT direction FROM sharing_agreements WHERE id = ?", (agreement_id,)).fetchone()
    return Direction(row["direction"]) if row else None


def agreement_title(conn: Connection, agreement_id: int) -> str | None:
    row = conn.execute("SELECT title FROM sharing_agreements WHERE id = ?", (agreement_id,)).fetchone()
    return str(row["title"]) if row else None


# ---------------------------------------------------------------- the register

_SELECT = """SELECT a.id, a.title, a.purpose, a.data_items, a.direction, a.lawful_basis,
        a.special_category_condition, a.retention, a.security_measures, a.starts_on, a.review_on,
        a.ends_on, a.notes, a.document_name, a.document_sha256, coalesce(length(a.document), 0) AS document_size,
        a.created_at, a.updated_at, coalesce(s.display_name, '') AS created_by_name,
        (SELECT count(*) FROM information_sharing i WHERE i.agreement_id = a.id) AS share_count
    FROM sharing_agreements a
    LEFT JOIN staff s ON s.id = a.created_by"""


def _parties(conn: Connection, agreement_ids: list[int]) -> dict[int, tuple[AgreementParty, ...]]:
    found: dict[int, list[AgreementParty]] = {i: [] for i in agreement_ids}
    if not agreement_ids:
        return {}
    marks = ", ".join("?" for _ in agreement_ids)
    rows = conn.execute(
        f"""SELECT agreement_id, name, party_type, service_category, contact
            FROM sharing_agreement_parties WHERE agreement_id IN ({marks}) ORDER BY agreement_id, id""",
        agreement_ids,
    )
    for row in rows:
        found[row["agreement_id"]].append(
            AgreementParty(
                name=row["name"],
                party_type=PartyType(row["party_type"]),
                service_category=ServiceCategory(row["service_category"])
                if row["service_category"]
                else None,
                contact=row["contact"],
            )
        )
    return {i: tuple(parties) for i, parties in found.items()}


def _agreement(row: Row, parties: tuple[AgreementParty, ...]) -> Agreement:
    condition = row["special_category_condition"]
    return Agreement(
        id=row["id"],
        title=row["title"],
        parties=parties,
        purpose=row["purpose"],
        data_items=row["data_items"],
        direction=Direction(row["direction"]),
        lawful_basis=LawfulBasis(row["lawful_basis"]),
        special_category_condition=SpecialCategoryCondition(condition) if condition else None,
        retention=row["retention"],
        security_measures=row["security_measures"],
        starts_on=to_date(row["starts_on"]),
        review_on=to_date(row["review_on"]),
        ends_on=to_date(row["ends_on"]),
        notes=row["notes"],
        document_name=row["document_name"],
        document_sha256=row["document_sha256"],
        document_size=int(row["document_size"]),
        created_at=to_datetime(row["created_at"]),
        updated_at=to_datetime(row["updated_at"]),
        created_by_name=row["created_by_name"],
        share_count=int(row["share_count"]),
    )


def _with_parties(conn: Connection, rows: list[Row]) -> list[Agreement]:
    parties = _parties(conn, [int(r["id"]) for r in rows])
    return [_agreement(r, parties.get(int(r["id"]), ())) for r in rows]


def get_agreement(conn: Connection, agreement_id: int) -> Agreement | None:
    rows = conn.execute(f"{_SELECT} WHERE a.id = ?", (agreement_id,)).fetchall()
    found = _with_parties(conn, rows)
    return found[0] if found else None


def list_agreements(conn: Connection) -> list[Agreement]:
    """Every agreement, the next review first (ended ones too: the caller decides what to show)."""
    rows = conn.execute(f"{_SELECT} ORDER BY a.review_on, a.id").fetchall()
    return _with_parties(conn, rows)


def _values(a: NewAgreement) -> tuple:
    return (
        a.title,
        a.purpose,
        a.data_items,
        str(a.direction),
        str(a.lawful_basis),
        str(a.special_category_condition) if a.special_category_condition else None,
        a.retention,
        a.security_measures,
        from_date(a.starts_on),
        from_date(a.review_on),
        from_date(a.ends_on),
        a.notes,
    )


def _write_parties(conn: Connection, agreement_id: int, parties: tuple[AgreementParty, ...]) -> None:
    conn.execute("DELETE FROM sharing_agreement_parties WHERE agreement_id = ?", (agreement_id,))
    conn.executemany(
        """INSERT INTO sharing_agreement_parties (agreement_id, name, party_type, service_category, contact)
           VALUES (?, ?, ?, ?, ?)""",
        [
            (
                agreement_id,
                p.name,
                str(p.party_type),
                str(p.service_category) if p.service_category else None,
                p.contact,
            )
            for p in parties
        ],
    )


def add_agreement(conn: Connection, a: NewAgreement, created_by: int | None, now: datetime) -> int:
    """Insert a checked agreement and its parties; returns its id."""
    stamp = from_datetime(now)
    cur = conn.execute(
        """INSERT INTO sharing_agreements (title, purpose, data_items, direction, lawful_basis,
               special_category_condition, retention, security_measures, starts_on, review_on, ends_on, notes,
               created_by, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (*_values(a), created_by, stamp, stamp),
    )
    agreement_id = int(cur.lastrowid)
    _write_parties(conn, agreement_id, a.parties)
    return agreement_id


def update_agreement(conn: Connection, agreement_id: int, a: NewAgreement, now: datetime) -> None:
    conn.execute(
        """UPDATE sharing_agreements SET title = ?, purpose = ?, data_items = ?, direction = ?, lawful_basis = ?,
               special_category_condition = ?, retention = ?, security_measures = ?, starts_on = ?,
               review_on = ?, ends_on = ?, notes = ?, updated_at = ?
           WHERE id = ?""",
        (*_values(a), from_datetime(now), agreement_id),
    )
    _write_parties(conn, agreement_id, a.parties)


def set_document(
    conn: Connection, agreement_id: int, name: str, data: bytes, sha256: str, now: datetime
) -> None:
    conn.execute(
        """UPDATE sharing_agreements SET document_name = ?, document = ?, document_sha256 = ?, updated_at = ?
           WHERE id = ?""",
        (name, data, sha256, from_datetime(now), agreement_id),
    )


def get_document(conn: Connection, agreement_id: int) -> tuple[str, bytes, str] | None:
    """The signed document's (file name, bytes, SHA-256), or None when none is attached."""
    row = conn.execute(
        "SELECT document_name, document, document_sha256 FROM sharing_agreements WHERE id = ?",
        (agreement_id,),
    ).fetchone()
    if row is None or row["document"] is None:
        return None
    return str(row["document_name"]), bytes(row["document"]), str(row["document_sha256"] or "")


def shares_without_agreement(conn: Connection, *, offset: int = 0, limit: int = 100) -> list[SharingRecord]:
    """Shares to partners made with no agreement named (newest first), with the reason each gave.

    A subject access pack goes to the person the information is about: no agreement is involved."""
    rows = conn.execute(
        """SELECT id FROM information_sharing WHERE decision = 'shared' AND agreement_id IS NULL
             AND occasion != 'subject_access'
           ORDER BY decided_on DESC, id DESC LIMIT ? OFFSET ?""",
        (limit, offset),
    ).fetchall()
    found = (sharing_repo.get_record(conn, int(r[0])) for r in rows)
    return [record for record in found if record is not None]

"""Retention facts, review decisions, legal hold, and the physical erasure of a family.

Erasure deletes every row that belongs to the family, rebuilds the full-text indexes (FTS5 keeps
deleted terms in old segments until they are merged), then ``VACUUM`` and a truncating WAL
checkpoint, so no page of the file (nor of the ``-wal``) still holds the erased text.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass
from datetime import date

from setting_app.storage.database import Connection, DatabaseError

#: Tables whose rows belong to a family; rows in other tables that point at them are deleted first.
_FAMILY_PARENTS = ("families", "children", "carers", "support_entries", "referrals")


@dataclass(frozen=True)
class RetentionFacts:
    """What the schedule needs about one family (no names, no notes)."""

    family_id: int
    ref: str
    opened_on: date
    closed_on: date | None
    safeguarding: bool
    legal_hold: bool
    legal_hold_reason: str
    youngest_birth: date | None
    last_keep_until: date | None


@dataclass(frozen=True)
class Review:
    id: int
    family_id: int
    decided_on: date
    decided_by: int | None
    decision: str
    reason: str
    next_review_on: date | None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


_FACTS_SQL = """
SELECT f.id, f.ref, f.opened_on, f.closed_on, f.safeguarding, f.legal_hold, f.legal_hold_reason,
       (SELECT max(c.date_of_birth) FROM children c WHERE c.family_id = f.id) AS youngest_birth,
       (SELECT r.next_review_on FROM retention_reviews r
         WHERE r.family_id = f.id AND r.decision = 'keep'
         ORDER BY r.decided_on DESC, r.id DESC LIMIT 1) AS last_keep_until
FROM families f
"""


def _facts(row) -> RetentionFacts:
    return RetentionFacts(
        family_id=int(row[0]),
        ref=str(row[1]),
        opened_on=date.fromisoformat(row[2]),
        closed_on=_day(row[3]),
        safeguarding=bool(row[4]),
        legal_hold=bool(row[5]),
        legal_hold_reason=str(row[6]),
        youngest_birth=_day(row[7]),
        last_keep_until=_day(row[8]),
    )


def retention_facts(conn: Connection, *, closed_only: bool = False) -> list[RetentionFacts]:
    sql = _FACTS_SQL + (" WHERE f.closed_on IS NOT NULL" if closed_only else "") + " ORDER BY f.ref"
    return [_facts(r) for r in conn.execute(sql).fetchall()]


def family_facts(conn: Connection, family_id: int) -> RetentionFacts | None:
    row = conn.execute(_FACTS_SQL + " WHERE f.id = ?", (family_id,)).fetchone()
    return _facts(row) if row else None


def add_review(
    conn: Connection,
    family_id: int,
    *,
    decided_on: date,
    decided_by: int | None,
    decision: str,
    reason: str,
    next_review_on: date | None = None,
) -> int:
    cur = conn.execute(
        "INSERT INTO retention_reviews (family_id, decided_on, decided_by, decision, reason, next_review_on)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            family_id,
            decided_on.isoformat(),
            decided_by,
            decision,
            reason,
            next_review_on.isoformat() if next_review_on else None,
        ),
    )
    return int(cur.lastrowid)


def list_reviews(conn: Connection, family_id: int) -> list[Review]:
    rows = conn.execute(
        "SELECT id, family_id, decided_on, decided_by, decision, reason, next_review_on"
        " FROM retention_reviews WHERE family_id = ? ORDER BY decided_on, id",
        (family_id,),
    ).fetchall()
    return [
        Review(int(r[0]), int(r[1]), date.fromisoformat(r[2]), r[3], str(r[4]), str(r[5]), _day(r[6]))
        for r in rows
    ]


def set_legal_hold(conn: Connection, family_id: int, on: bool, reason: str) -> None:
    conn.execute(
        "UPDATE families SET legal_hold = ?, legal_hold_reason = ? WHERE id = ?",
        (1 if on else 0, reason if on else "", family_id),
    )


def set_safeguarding(conn: Connection, family_id: int, on: bool) -> None:
    conn.execute("UPDATE families SET safeguarding = ? WHERE id = ?", (1 if on else 0, family_id))


# --- erasure -----------------------------------------------------------------------------------


def _dependent_links(conn: Connection) -> list[tuple[str, str, str]]:
    """(table, column, parent) for every foreign key from another table to a family-owned table."""
    tables = [
        str(r[0])
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'"
        ).fetchall()
    ]
    links = []
    for table in tables:
        if table in _FAMILY_PARENTS:
            continue
        for fk in conn.execute(f'PRAGMA foreign_key_list("{table}")').fetchall():
            parent, column = str(fk[2]), str(fk[3])
            if parent in _FAMILY_PARENTS:
                links.append((table, column, parent))
    return links


_OWNED_IDS = {
    "families": "SELECT :family",
    "children": "SELECT id FROM children WHERE family_id = :family",
    "carers": "SELECT id FROM carers WHERE family_id = :family",
    "support_entries": "SELECT id FROM support_entries WHERE family_id = :family"
    " OR child_id IN (SELECT id FROM children WHERE family_id = :family)",
    "referrals": "SELECT id FROM referrals WHERE family_id = :family"
    " OR child_id IN (SELECT id FROM children WHERE family_id = :family)",
}


def delete_family_rows(conn: Connection, family_id: int) -> dict[str, int]:
    """Delete the family and everything that belongs to it; returns rows deleted per table.

    Runs inside the caller's transaction. Rows in other tables that point at the family, its
    children, entries or referrals (information sharing, versions, history, chases, reviews and
    any table added later) are deleted explicitly first, whatever their ``ON DELETE`` rule.
    """
    conn.execute("PRAGMA secure_delete = ON")
    counts: dict[str, int] = {}

    def delete(table: str, where: str) -> None:
        cur = conn.execute(f'DELETE FROM "{table}" WHERE {where}', {"family": family_id})
        counts[table] = counts.get(table, 0) + max(cur.rowcount, 0)

    for table, column, parent in _dependent_links(conn):
        delete(table, f'"{column}" IN ({_OWNED_IDS[parent]})')
    delete("support_entries", f"id IN ({_OWNED_IDS['support_entries']})")
    delete("referrals", f"id IN ({_OWNED_IDS['referrals']})")
    delete("carers", "family_id = :family")
    delete("children", "family_id = :family")
    delete("families", "id = :family")
    rebuild_text_indexes(conn)
    return counts


def rebuild_text_indexes(conn: Connection) -> None:
    """Rewrite every FTS5 index so no deleted term survives in an old segment."""
    names = [
        str(r[0])
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%fts5%'"
        ).fetchall()
    ]
    for name in names:
        try:
            conn.execute(f'INSERT INTO "{name}"("{name}") VALUES (\'rebuild\')')
        except DatabaseError:  # a contentless index cannot be rebuilt; merging drops deleted terms
            conn.execute(f'INSERT INTO "{name}"("{name}") VALUES (\'optimize\')')
    if "entry_notes_fts" in names and _has_column(conn, "support_entries", "sealed"):
        # A rebuild reads every row; the notes index never holds a restricted one (migration 0007).
        conn.execute(
            "INSERT INTO entry_notes_fts(entry_notes_fts, rowid, note) "
            "SELECT 'delete', id, note FROM support_entries WHERE restricted = 1"
        )
        conn.execute("INSERT INTO entry_notes_fts(entry_notes_fts) VALUES ('optimize')")


def _has_column(conn: Connection, table: str, column: str) -> bool:
    return any(r[1] == column for r in conn.execute(f"PRAGMA table_info({table})"))


def compact(conn: Connection, *, attempts: int = 20) -> bool:
    """``VACUUM``, then copy the WAL back and truncate it. False if a reader kept the WAL open."""
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute("VACUUM")
    for _ in range(attempts):
        busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if not busy:
            return True
        # A statement left unfinished by a cursor awaiting garbage collection keeps a read open on
        # this very connection: finalise such cursors, then try again.
        gc.collect()
        time.sleep(0.05)
    return False


def freelist_count(conn: Connection) -> int:
    return int(conn.execute("PRAGMA freelist_count").fetchone()[0])

"""Support entries: the log of direct and indirect support."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from setting_app.domain.codes import ContactMode, Domain, Kind
from setting_app.domain.models import NewEntry, SupportEntry
from setting_app.storage.database import Connection, Row
from setting_app.storage.rows import from_date, from_datetime, to_date, to_datetime


@dataclass(frozen=True)
class EntryFilter:
    family_id: int | None = None
    domain: Domain | None = None
    kind: Kind | None = None
    staff_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def _entry(row: Row) -> SupportEntry:
    return SupportEntry(
        id=row["id"],
        family_id=row["family_id"],
        entry_date=to_date(row["entry_date"]),
        domain=Domain(row["domain"]),
        kind=Kind(row["kind"]),
        minutes=row["minutes"],
        child_id=row["child_id"],
        staff_id=row["staff_id"],
        activity_code=row["activity_code"],
        contact_mode=ContactMode(row["contact_mode"]),
        note=row["note"],
        follow_up_on=to_date(row["follow_up_on"]),
        created_at=to_datetime(row["created_at"]),
    )


def entry_params(entry: NewEntry, now: datetime) -> tuple:
    """The column values of one new entry, in INSERT order (also used for bulk loads)."""
    return (
        entry.family_id,
        entry.child_id,
        entry.staff_id,
        from_date(entry.entry_date),
        entry.domain.value,
        entry.effective_kind.value,
        entry.activity_code,
        entry.minutes,
        entry.contact_mode.value,
        entry.note,
        from_date(entry.follow_up_on),
        from_datetime(now),
    )


INSERT_ENTRY_SQL = """INSERT INTO support_entries
    (family_id, child_id, staff_id, entry_date, domain, kind, activity_code, minutes, contact_mode, note,
     follow_up_on, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""


def add_entry(conn: Connection, entry: NewEntry, now: datetime) -> SupportEntry:
    cur = conn.execute(INSERT_ENTRY_SQL, entry_params(entry, now))
    return get_entry(conn, int(cur.lastrowid))


def add_entries(conn: Connection, entries: list[NewEntry], now: datetime) -> None:
    conn.executemany(INSERT_ENTRY_SQL, [entry_params(e, now) for e in entries])


def get_entry(conn: Connection, entry_id: int) -> SupportEntry | None:
    row = conn.execute("SELECT * FROM support_entries WHERE id = ?", (entry_id,)).fetchone()
    return _entry(row) if row else None


def _filter_sql(flt: EntryFilter) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if flt.family_id is not None:
        clauses.append("family_id = ?")
        params.append(flt.family_id)
    if flt.domain is not None:
        clauses.append("domain = ?")
        params.append(flt.domain.value)
    if flt.kind is not None:
        clauses.append("kind = ?")
        params.append(flt.kind.value)
    if flt.staff_id is not None:
        clauses.append("staff_id = ?")
        params.append(flt.staff_id)
    if flt.date_from is not None:
        clauses.append("entry_date >= ?")
        params.append(from_date(flt.date_from))
    if flt.date_to is not None:
        clauses.append("entry_date <= ?")
        params.append(from_date(flt.date_to))
    return (f"WHERE {' AND '.join(clauses)}" if clauses else ""), params


def count_entries(conn: Connection, flt: EntryFilter = EntryFilter()) -> int:
    where, params = _filter_sql(flt)
    return int(conn.execute(f"SELECT count(*) FROM support_entries {where}", params).fetchone()[0])


def list_entries(
    conn: Connection,
    flt: EntryFilter = EntryFilter(),
    *,
    offset: int = 0,
    limit: int = 200,
    newest_first: bool = True,
) -> list[SupportEntry]:
    """One window of the log, in date order; the windowed table models page through this."""
    where, params = _filter_sql(flt)
    order = "DESC" if newest_first else "ASC"
    rows = conn.execute(
        f"SELECT * FROM support_entries {where} ORDER BY entry_date {order}, id {order} LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return [_entry(r) for r in rows]


def list_family_entries(conn: Connection, family_id: int) -> list[SupportEntry]:
    """A family's whole chronology, oldest first."""
    rows = conn.execute(
        "SELECT * FROM support_entries WHERE family_id = ? ORDER BY entry_date, id", (family_id,)
    )
    return [_entry(r) for r in rows]


def search_entry_notes(conn: Connection, text: str, *, limit: int = 100) -> list[SupportEntry]:
    """Full-text search over entry notes (each word must appear; prefix matching on the last)."""
    words = [w for w in "".join(ch if ch.isalnum() else " " for ch in text).split() if w]
    if not words:
        return []
    query = " ".join(f'"{w}"' for w in words[:-1]) + f' "{words[-1]}"*'
    rows = conn.execute(
        """SELECT e.* FROM entry_notes_fts JOIN support_entries e ON e.id = entry_notes_fts.rowid
           WHERE entry_notes_fts MATCH ? ORDER BY e.entry_date DESC LIMIT ?""",
        (query.strip(), limit),
    )
    return [_entry(r) for r in rows]


def follow_ups_due(conn: Connection, on_or_before: date, *, limit: int = 500) -> list[SupportEntry]:
    rows = conn.execute(
        "SELECT * FROM support_entries WHERE follow_up_on IS NOT NULL AND follow_up_on <= ? "
        "ORDER BY follow_up_on LIMIT ?",
        (from_date(on_or_before), limit),
    )
    return [_entry(r) for r in rows]


#: Where a row sits in the log's order: (entry_date, id).
EntryKey = tuple[date, int]


def list_entries_near(
    conn: Connection,
    flt: EntryFilter,
    key: EntryKey,
    *,
    forward: bool,
    skip: int = 0,
    limit: int = 200,
    newest_first: bool = True,
) -> list[SupportEntry]:
    """A window of the log next to a row already seen (keyset paging), in list order.

    ``forward``: the rows after ``key`` in list order, else the rows before it (nearest ``skip`` rows
    passed over first). Unlike a deep OFFSET from the top, this only walks the rows between ``key``
    and the window, so scrolling stays fast at any depth even when a filter defeats the date index.
    """
    descending = newest_first == forward
    where, params = _filter_sql(flt)
    condition = f"(entry_date, id) {'<' if descending else '>'} (?, ?)"
    where = f"{where} AND {condition}" if where else f"WHERE {condition}"
    order = "DESC" if descending else "ASC"
    rows = conn.execute(
        f"SELECT * FROM support_entries {where} ORDER BY entry_date {order}, id {order} LIMIT ? OFFSET ?",
        [*params, from_date(key[0]), key[1], limit, skip],
    )
    entries = [_entry(r) for r in rows]
    if not forward:
        entries.reverse()
    return entries


def count_entries_after(conn: Connection, flt: EntryFilter, day: date) -> int:
    """How many entries matching ``flt`` fall after ``day``: the row of ``day`` in a newest-first list."""
    where, params = _filter_sql(flt)
    condition = "entry_date > ?"
    where = f"{where} AND {condition}" if where else f"WHERE {condition}"
    return int(
        conn.execute(f"SELECT count(*) FROM support_entries {where}", [*params, from_date(day)]).fetchone()[0]
    )

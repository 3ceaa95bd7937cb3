"""Support entries: the log of direct and indirect support."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from setting_app.domain.codes import ContactMode, Domain, Kind, Role
from setting_app.domain.models import NewEntry, SupportEntry
from setting_app.storage import restricted_content, visibility
from setting_app.storage.budget import within_budget
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


@dataclass(frozen=True)
class EntrySort:
    """The log's order: one of ``SORT_KEYS`` (a whitelist: never a column name from outside), then date
    and id so that the order is total (keyset paging needs that). Every key has its own index
    (``idx_entries_date`` and migration 0010), so a sorted page of a 251k log is an index walk."""

    column: str = "date"
    descending: bool = True

    def __post_init__(self) -> None:
        if self.column not in SORT_KEYS:
            raise ValueError(f"the log cannot be sorted by {self.column!r}")

    @property
    def columns(self) -> tuple[str, ...]:
        return SORT_KEYS[self.column]


#: Sort name -> the columns ordered by, all in the same direction (row values compare them at once).
SORT_KEYS: dict[str, tuple[str, ...]] = {
    "date": ("entry_date", "id"),
    "domain": ("domain", "entry_date", "id"),
    "kind": ("kind", "entry_date", "id"),
    "minutes": ("minutes", "entry_date", "id"),
}

#: The log's usual order: newest first.
NEWEST_FIRST = EntrySort()


def sort_key(entry: SupportEntry, sort: EntrySort = NEWEST_FIRST) -> tuple:
    """Where ``entry`` sits in ``sort``'s order (the values of its columns)."""
    values = {
        "entry_date": entry.entry_date,
        "id": entry.id,
        "domain": entry.domain,
        "kind": entry.kind,
        "minutes": entry.minutes,
    }
    return tuple(values[c] for c in sort.columns)


def _sql_values(key: tuple) -> list[object]:
    return [
        from_date(v) if isinstance(v, date) else getattr(v, "value", v)  # dates and enums as stored
        for v in key
    ]


def _order_sql(sort: EntrySort, descending: bool) -> str:
    direction = "DESC" if descending else "ASC"
    return ", ".join(f"{c} {direction}" for c in sort.columns)


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
        version=row["version"],
        restricted=bool(row["restricted"]),
        carer=row["carer"],
    )


_hides_restricted = visibility.hides_restricted


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


#: A restricted entry is inserted already marked, so its note never reaches the notes index.
INSERT_RESTRICTED_ENTRY_SQL = INSERT_ENTRY_SQL.replace("created_at)", "created_at, restricted)").replace(
    "?)", "?, 1)"
)


def add_entry(conn: Connection, entry: NewEntry, now: datetime) -> SupportEntry:
    sql = INSERT_RESTRICTED_ENTRY_SQL if entry.restricted else INSERT_ENTRY_SQL
    entry_id = int(conn.execute(sql, entry_params(entry, now)).lastrowid)
    if entry.carer:
        set_carer(conn, entry_id, entry.carer)
    return get_entry(conn, entry_id)


def set_restricted(conn: Connection, entry_id: int, restricted: bool) -> None:
    """Mark or unmark; the content is sealed under the manager key at commit while restricted.

    A note restricted after it was indexed is merged out of the notes index at once.
    """
    if not restricted:
        restricted_content.open_for_update(conn, "support_entries", entry_id, with_related=True)
    changed = conn.execute(
        "UPDATE support_entries SET restricted = ? WHERE id = ? AND restricted != ?",
        (int(restricted), entry_id, int(restricted)),
    ).rowcount
    if restricted and changed:
        purge_removed_text(conn)


def set_carer(conn: Connection, entry_id: int, carer: str) -> None:
    """Which carer the entry is about (their name; "" for none in particular)."""
    restricted_content.open_for_update(conn, "support_entries", entry_id)
    conn.execute("UPDATE support_entries SET carer = ? WHERE id = ?", (carer.strip(), entry_id))


#: The columns an amendment may change, as (attribute, column).
AMENDABLE_COLUMNS = (
    ("entry_date", "entry_date"),
    ("child_id", "child_id"),
    ("domain", "domain"),
    ("kind", "kind"),
    ("activity_code", "activity_code"),
    ("minutes", "minutes"),
    ("contact_mode", "contact_mode"),
    ("note", "note"),
    ("follow_up_on", "follow_up_on"),
)


def _column_value(value: object) -> object:
    if isinstance(value, date):
        return from_date(value)
    if isinstance(value, (Domain, Kind, ContactMode)):
        return value.value
    return value


def save_amendment(
    conn: Connection,
    before: SupportEntry,
    after: SupportEntry,
    *,
    replaced_by: int | None,
    reason: str,
    now: datetime,
) -> None:
    """Keep ``before`` as an earlier version (who replaced it, when, why) and write ``after`` as current."""
    restricted_content.open_for_update(conn, "support_entries", before.id)
    conn.execute(
        """INSERT INTO support_entry_versions (entry_id, version, entry_date, child_id, staff_id, domain, kind,
               activity_code, minutes, contact_mode, note, follow_up_on, restricted, replaced_at, replaced_by,
               reason)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            before.id,
            before.version,
            from_date(before.entry_date),
            before.child_id,
            before.staff_id,
            before.domain.value,
            before.kind.value,
            before.activity_code,
            before.minutes,
            before.contact_mode.value,
            before.note,
            from_date(before.follow_up_on),
            int(before.restricted),
            from_datetime(now),
            replaced_by,
            reason,
        ),
    )
    sets = ", ".join(f"{column} = ?" for _, column in AMENDABLE_COLUMNS)
    conn.execute(
        f"UPDATE support_entries SET {sets}, version = ? WHERE id = ?",
        [
            *(_column_value(getattr(after, attr)) for attr, _ in AMENDABLE_COLUMNS),
            before.version + 1,
            before.id,
        ],
    )


def set_note(conn: Connection, entry_id: int, note: str) -> None:
    """Overwrite the current note in place (rectification only: amendments keep the old one)."""
    restricted_content.open_for_update(conn, "support_entries", entry_id)
    conn.execute("UPDATE support_entries SET note = ? WHERE id = ?", (note, entry_id))


def rectify_version_note(conn: Connection, entry_id: int, version: int, note: str) -> None:
    """Overwrite an earlier version's note (rectification only)."""
    row = conn.execute(
        "SELECT id FROM support_entry_versions WHERE entry_id = ? AND version = ?", (entry_id, version)
    ).fetchone()
    if row is not None:
        restricted_content.open_for_update(conn, "support_entry_versions", row[0])
    conn.execute(
        "UPDATE support_entry_versions SET note = ? WHERE entry_id = ? AND version = ?",
        (note, entry_id, version),
    )


def purge_removed_text(conn: Connection) -> None:
    """Merge the notes index so removed words are not left in its older segments.

    With ``secure_delete`` on, the pages the old text sat on are overwritten as they are freed.
    """
    conn.execute("INSERT INTO entry_notes_fts(entry_notes_fts) VALUES ('optimize')")


@dataclass(frozen=True)
class EntryVersion:
    """An earlier version of an amended entry, as it read before it was replaced."""

    entry_id: int
    version: int
    entry_date: date
    child_id: int | None
    staff_id: int | None
    domain: Domain
    kind: Kind
    activity_code: str | None
    minutes: int
    contact_mode: ContactMode
    note: str
    follow_up_on: date | None
    restricted: bool
    replaced_at: datetime
    replaced_by: int | None
    replaced_by_name: str
    reason: str


def list_versions(conn: Connection, entry_id: int) -> list[EntryVersion]:
    """An entry's earlier versions, oldest first."""
    rows = conn.execute(
        """SELECT v.*, coalesce(s.display_name, '') AS replaced_by_name FROM support_entry_versions v
           LEFT JOIN staff s ON s.id = v.replaced_by WHERE v.entry_id = ? ORDER BY v.version""",
        (entry_id,),
    )
    return [
        EntryVersion(
            entry_id=r["entry_id"],
            version=r["version"],
            entry_date=to_date(r["entry_date"]),
            child_id=r["child_id"],
            staff_id=r["staff_id"],
            domain=Domain(r["domain"]),
            kind=Kind(r["kind"]),
            activity_code=r["activity_code"],
            minutes=r["minutes"],
            contact_mode=ContactMode(r["contact_mode"]),
            note=r["note"],
            follow_up_on=to_date(r["follow_up_on"]),
            restricted=bool(r["restricted"]),
            replaced_at=to_datetime(r["replaced_at"]),
            replaced_by=r["replaced_by"],
            replaced_by_name=r["replaced_by_name"],
            reason=r["reason"],
        )
        for r in rows
    ]


def add_entries(conn: Connection, entries: list[NewEntry], now: datetime) -> None:
    """Many entries in order; restricted ones and those about one carer keep their mark (one statement
    each, they are few)."""
    if not any(e.restricted or e.carer for e in entries):
        conn.executemany(INSERT_ENTRY_SQL, [entry_params(e, now) for e in entries])
        return
    for entry in entries:
        cur = conn.execute(
            INSERT_RESTRICTED_ENTRY_SQL if entry.restricted else INSERT_ENTRY_SQL, entry_params(entry, now)
        )
        if entry.carer:
            set_carer(conn, int(cur.lastrowid), entry.carer)


def get_entry(conn: Connection, entry_id: int) -> SupportEntry | None:
    row = conn.execute("SELECT * FROM support_entries WHERE id = ?", (entry_id,)).fetchone()
    return _entry(row) if row else None


def _filter_sql(flt: EntryFilter, viewer: Role | None = None) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if _hides_restricted(viewer):
        clauses.append("restricted = 0")
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


#: Above this many matching rows, a practitioner's count subtracts the restricted rows (one table scan)
#: instead of checking each matching row's flag (a row lookup per row through the date index).
_SUBTRACT_ABOVE = 20_000


def _count(conn: Connection, flt: EntryFilter, viewer: Role | None, extra: str = "", extra_params=()) -> int:
    """Matching rows the viewer may see. Restricted rows are few, so a big count that an index answers
    alone is cheapest as (every match) minus (restricted matches, read by one scan of the table)."""
    where, params = _filter_sql(flt)
    if extra:
        where = f"{where} AND {extra}" if where else f"WHERE {extra}"
        params = [*params, *extra_params]
    total = int(conn.execute(f"SELECT count(*) FROM support_entries {where}", params).fetchone()[0])
    if not _hides_restricted(viewer) or total == 0:
        return total
    index_only = flt.domain is None and flt.kind is None and flt.staff_id is None
    if total <= _SUBTRACT_ABOVE or not index_only:
        visible = f"{where} AND restricted = 0" if where else "WHERE restricted = 0"
        return int(conn.execute(f"SELECT count(*) FROM support_entries {visible}", params).fetchone()[0])
    hidden = f"{where} AND restricted = 1" if where else "WHERE restricted = 1"
    restricted = conn.execute(
        f"SELECT count(*) FROM support_entries NOT INDEXED {hidden}", params
    ).fetchone()[0]
    return total - int(restricted)


def count_entries(conn: Connection, flt: EntryFilter = EntryFilter(), *, viewer: Role | None = None) -> int:
    return _count(conn, flt, viewer)


def count_entries_within(
    conn: Connection, flt: EntryFilter, budget_ms: float, *, viewer: Role | None = None
) -> int | None:
    """``count_entries``, or None if it would take longer than ``budget_ms`` (see storage.budget)."""
    return within_budget(conn, budget_ms, lambda: _count(conn, flt, viewer))


def list_entries(
    conn: Connection,
    flt: EntryFilter = EntryFilter(),
    *,
    offset: int = 0,
    limit: int = 200,
    newest_first: bool = True,
    viewer: Role | None = None,
    sort: EntrySort = NEWEST_FIRST,
) -> list[SupportEntry]:
    """One window of the log in ``sort``'s order (``newest_first=False``: the reverse of it, for windows
    counted from the end); the windowed table models page through this."""
    where, params = _filter_sql(flt, viewer)
    order = _order_sql(sort, sort.descending == newest_first)
    rows = conn.execute(
        f"SELECT * FROM support_entries {where} ORDER BY {order} LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return [_entry(r) for r in rows]


def list_family_entries(
    conn: Connection, family_id: int, *, viewer: Role | None = None
) -> list[SupportEntry]:
    """A family's whole chronology, oldest first."""
    hide = " AND restricted = 0" if _hides_restricted(viewer) else ""
    rows = conn.execute(
        f"SELECT * FROM support_entries WHERE family_id = ?{hide} ORDER BY entry_date, id", (family_id,)
    )
    return [_entry(r) for r in rows]


def search_entry_notes(
    conn: Connection, text: str, *, limit: int = 100, viewer: Role | None = None
) -> list[SupportEntry]:
    """Full-text search over entry notes (each word must appear; prefix matching on the last)."""
    words = [w for w in "".join(ch if ch.isalnum() else " " for ch in text).split() if w]
    if not words:
        return []
    query = " ".join(f'"{w}"' for w in words[:-1]) + f' "{words[-1]}"*'
    hide = " AND e.restricted = 0" if _hides_restricted(viewer) else ""
    rows = conn.execute(
        f"""SELECT e.* FROM entry_notes_fts JOIN support_entries e ON e.id = entry_notes_fts.rowid
           WHERE entry_notes_fts MATCH ?{hide} ORDER BY e.entry_date DESC LIMIT ?""",
        (query.strip(), limit),
    )
    found = [_entry(r) for r in rows]
    if _hides_restricted(viewer) or restricted_content.manager_key_of(conn) is None:
        return found
    # Restricted notes are never in the index (it is readable with the data key): a manager's search
    # opens them here. They are few.
    wanted = [w.casefold() for w in words]
    for row in conn.execute("SELECT * FROM support_entries WHERE restricted = 1"):
        entry = _entry(row)
        note_words = "".join(ch if ch.isalnum() else " " for ch in entry.note.casefold()).split()
        if all(any(n == w for n in note_words) for w in wanted[:-1]) and any(
            n.startswith(wanted[-1]) for n in note_words
        ):
            found.append(entry)
    found.sort(key=lambda e: e.entry_date, reverse=True)
    return found[:limit]


def follow_ups_due(
    conn: Connection, on_or_before: date, *, limit: int = 500, viewer: Role | None = None
) -> list[SupportEntry]:
    hide = "AND restricted = 0 " if _hides_restricted(viewer) else ""
    rows = conn.execute(
        "SELECT * FROM support_entries WHERE follow_up_on IS NOT NULL AND follow_up_on <= ? "
        f"{hide}ORDER BY follow_up_on LIMIT ?",
        (from_date(on_or_before), limit),
    )
    return [_entry(r) for r in rows]


#: Where a row sits in the log's order: (entry_date, id).
EntryKey = tuple[date, int]


def list_entries_near(
    conn: Connection,
    flt: EntryFilter,
    key: tuple,
    *,
    forward: bool,
    skip: int = 0,
    limit: int = 200,
    newest_first: bool = True,
    viewer: Role | None = None,
    sort: EntrySort = NEWEST_FIRST,
) -> list[SupportEntry]:
    """A window of the log next to a row already seen (keyset paging), in list order.

    ``key`` is the row's ``sort_key`` (for the usual order: (entry_date, id)). ``forward``: the rows
    after ``key`` in list order, else the rows before it (nearest ``skip`` rows passed over first).
    Unlike a deep OFFSET from the top, this only walks the rows between ``key`` and the window, so
    scrolling stays fast at any depth even when a filter defeats the index.
    """
    descending = (newest_first == forward) == sort.descending
    where, params = _filter_sql(flt, viewer)
    columns = ", ".join(sort.columns)
    marks = ", ".join("?" * len(sort.columns))
    condition = f"({columns}) {'<' if descending else '>'} ({marks})"
    where = f"{where} AND {condition}" if where else f"WHERE {condition}"
    rows = conn.execute(
        f"SELECT * FROM support_entries {where} ORDER BY {_order_sql(sort, descending)} LIMIT ? OFFSET ?",
        [*params, *_sql_values(key), limit, skip],
    )
    entries = [_entry(r) for r in rows]
    if not forward:
        entries.reverse()
    return entries


def row_of_key(
    conn: Connection,
    flt: EntryFilter,
    key: tuple,
    *,
    sort: EntrySort = NEWEST_FIRST,
    viewer: Role | None = None,
    budget_ms: float | None = None,
) -> int | None:
    """The row at which ``key`` (a ``sort_key``) sits in ``sort``'s order: how many matching rows come
    before it (one index count). None if that would take longer than ``budget_ms``."""
    columns = ", ".join(sort.columns)
    marks = ", ".join("?" * len(sort.columns))
    before = f"({columns}) {'>' if sort.descending else '<'} ({marks})"
    return within_budget(conn, budget_ms, lambda: _count(conn, flt, viewer, before, _sql_values(key)))


def count_entries_after(conn: Connection, flt: EntryFilter, day: date, *, viewer: Role | None = None) -> int:
    """How many entries matching ``flt`` fall after ``day``: the row of ``day`` in a newest-first list."""
    return _count(conn, flt, viewer, "entry_date > ?", (from_date(day),))


def row_of_family(
    conn: Connection,
    flt: EntryFilter,
    family_id: int,
    *,
    viewer: Role | None = None,
    budget_ms: float | None = None,
) -> int | None | OverBudget:
    """The row of ``family_id``'s newest entry matching ``flt`` in the newest-first log, or None if it
    has none there. Two index walks: the family's newest (entry_date, id) through
    ``idx_entries_family_date``, then a count of the newer rows through ``idx_entries_date``. With a
    filter no index answers alone the count reads rows; with ``budget_ms`` it gives up after that
    long and returns ``OVER_BUDGET``."""
    where, params = _filter_sql(replace(flt, family_id=family_id), viewer)
    newest = conn.execute(
        f"SELECT entry_date, id FROM support_entries {where} ORDER BY entry_date DESC, id DESC LIMIT 1",
        params,
    ).fetchone()
    if newest is None:
        return None
    row = within_budget(
        conn,
        budget_ms,
        lambda: _count(conn, flt, viewer, "(entry_date, id) > (?, ?)", (newest[0], newest[1])),
    )
    return OVER_BUDGET if row is None else row


class OverBudget:
    """The answer took longer than the time allowed (ask again on a worker thread)."""

    def __repr__(self) -> str:
        return "OVER_BUDGET"


OVER_BUDGET = OverBudget()

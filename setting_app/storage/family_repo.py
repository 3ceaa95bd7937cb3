"""Families, their carers and children."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from setting_app.domain.codes import Domain
from setting_app.domain.models import Carer, Child, Family, NewChild, NewFamily
from setting_app.storage.database import Connection, Row
from setting_app.storage.rows import from_date, from_datetime, like_pattern, to_date


@dataclass(frozen=True)
class FamilyFilter:
    """What the Families list and ``family list`` can narrow by."""

    search: str = ""
    status: str = "open"  # "open", "closed" or "all"
    key_worker_id: int | None = None
    domain_seen: Domain | None = None
    seen_from: date | None = None  # with domain_seen: the month's first day
    seen_to: date | None = None  # with domain_seen: the month's last day
    #: False for practitioners: restricted (safeguarding) entries neither match nor date a family.
    include_restricted: bool = True


def _carers_for(conn: Connection, family_ids: list[int]) -> dict[int, list[Carer]]:
    found: dict[int, list[Carer]] = defaultdict(list)
    if not family_ids:
        return found
    marks = ",".join("?" * len(family_ids))
    rows = conn.execute(
        f"SELECT family_id, name, relationship, phone FROM carers WHERE family_id IN ({marks}) "
        "ORDER BY family_id, position",
        family_ids,
    )
    for row in rows:
        found[row["family_id"]].append(Carer(row["name"], row["relationship"], row["phone"]))
    return found


def _family(row: Row, carers: list[Carer]) -> Family:
    return Family(
        id=row["id"],
        ref=row["ref"],
        opened_on=to_date(row["opened_on"]),
        carers=tuple(carers),
        postcode=row["postcode"],
        home_la_code=row["home_la_code"],
        key_worker_id=row["key_worker_id"],
        closed_on=to_date(row["closed_on"]),
        notes=row["notes"],
    )


def _families(conn: Connection, rows: list[Row]) -> list[Family]:
    carers = _carers_for(conn, [r["id"] for r in rows])
    return [_family(r, carers.get(r["id"], [])) for r in rows]


def _write_carers(conn: Connection, family_id: int, carers: tuple[Carer, ...]) -> None:
    conn.execute("DELETE FROM carers WHERE family_id = ?", (family_id,))
    conn.executemany(
        "INSERT INTO carers (family_id, position, name, relationship, phone) VALUES (?, ?, ?, ?, ?)",
        [(family_id, i, c.name, c.relationship, c.phone) for i, c in enumerate(carers)],
    )


def add_family(conn: Connection, family: NewFamily, now: datetime) -> Family:
    stamp = from_datetime(now)
    cur = conn.execute(
        """INSERT INTO families (ref, postcode, home_la_code, key_worker_id, opened_on, closed_on, notes,
                                 created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            family.ref,
            family.postcode,
            family.home_la_code,
            family.key_worker_id,
            from_date(family.opened_on),
            from_date(family.closed_on),
            family.notes,
            stamp,
            stamp,
        ),
    )
    family_id = int(cur.lastrowid)
    _write_carers(conn, family_id, family.carers)
    for child in family.children:
        add_child(conn, family_id, child)
    return Family(
        family_id,
        family.ref,
        family.opened_on,
        family.carers,
        family.postcode,
        family.home_la_code,
        family.key_worker_id,
        family.closed_on,
        family.notes,
    )


def update_family(conn: Connection, family_id: int, family: NewFamily, now: datetime) -> None:
    """Change a family's own details and carers (children are changed one by one)."""
    conn.execute(
        """UPDATE families SET ref = ?, postcode = ?, home_la_code = ?, key_worker_id = ?, opened_on = ?,
               closed_on = ?, notes = ?, updated_at = ? WHERE id = ?""",
        (
            family.ref,
            family.postcode,
            family.home_la_code,
            family.key_worker_id,
            from_date(family.opened_on),
            from_date(family.closed_on),
            family.notes,
            from_datetime(now),
            family_id,
        ),
    )
    _write_carers(conn, family_id, family.carers)


def get_family(conn: Connection, family_id: int) -> Family | None:
    row = conn.execute("SELECT * FROM families WHERE id = ?", (family_id,)).fetchone()
    return _families(conn, [row])[0] if row else None


def get_family_by_ref(conn: Connection, ref: str) -> Family | None:
    row = conn.execute("SELECT * FROM families WHERE ref = ?", (ref,)).fetchone()
    return _families(conn, [row])[0] if row else None


def _filter_sql(flt: FamilyFilter) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if flt.status == "open":
        clauses.append("f.closed_on IS NULL")
    elif flt.status == "closed":
        clauses.append("f.closed_on IS NOT NULL")
    if flt.key_worker_id is not None:
        clauses.append("f.key_worker_id = ?")
        params.append(flt.key_worker_id)
    if flt.search.strip():
        pattern = like_pattern(flt.search.strip())
        clauses.append(
            "(f.ref LIKE ? ESCAPE '\\' "
            "OR EXISTS (SELECT 1 FROM carers c WHERE c.family_id = f.id AND c.name LIKE ? ESCAPE '\\') "
            "OR EXISTS (SELECT 1 FROM children ch WHERE ch.family_id = f.id AND ch.name LIKE ? ESCAPE '\\'))"
        )
        params += [pattern, pattern, pattern]
    if flt.domain_seen is not None:
        clauses.append(
            "EXISTS (SELECT 1 FROM support_entries e WHERE e.family_id = f.id AND e.domain = ? "
            "AND e.entry_date BETWEEN ? AND ?"
            + ("" if flt.include_restricted else " AND e.restricted = 0")
            + ")"
        )
        params += [
            flt.domain_seen.value,
            from_date(flt.seen_from) or "0000-01-01",
            from_date(flt.seen_to) or "9999-12-31",
        ]
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    return where, params


#: The Families list's orders (a whitelist: never SQL from outside): name -> ORDER BY terms, each
#: "{d}" taking the direction. Families are few (thousands at most), so OFFSET paging stays cheap;
#: "last support" is one index seek per family (idx_entries_family_date).
FAMILY_SORTS: dict[str, str] = {
    "ref": "f.ref {d}",
    "opened": "f.opened_on {d}, f.ref {d}",
    "status": "f.closed_on IS NOT NULL {d}, f.closed_on {d}, f.ref {d}",
    "key_worker": (
        "(SELECT lower(s.display_name) FROM staff s WHERE s.id = f.key_worker_id) IS NULL, "
        "(SELECT lower(s.display_name) FROM staff s WHERE s.id = f.key_worker_id) {d}, f.ref {d}"
    ),
    "last_support": "{last} IS NULL, {last} {d}, f.ref {d}",
}


@dataclass(frozen=True)
class FamilySort:
    """An order of the Families list: one of ``FAMILY_SORTS``."""

    column: str = "ref"
    descending: bool = False

    def __post_init__(self) -> None:
        if self.column not in FAMILY_SORTS:
            raise ValueError(f"the families list cannot be sorted by {self.column!r}")

    def sql(self, flt: FamilyFilter) -> str:
        hide = "" if flt.include_restricted else " AND e.restricted = 0"
        last = f"(SELECT max(e.entry_date) FROM support_entries e WHERE e.family_id = f.id{hide})"
        return FAMILY_SORTS[self.column].format(d="DESC" if self.descending else "ASC", last=last)


BY_REF = FamilySort()


def list_families(
    conn: Connection,
    flt: FamilyFilter = FamilyFilter(),
    *,
    offset: int = 0,
    limit: int = 200,
    sort: FamilySort = BY_REF,
) -> list[Family]:
    where, params = _filter_sql(flt)
    rows = conn.execute(
        f"SELECT f.* FROM families f {where} ORDER BY {sort.sql(flt)} LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()
    return _families(conn, rows)


def family_ids_in_order(conn: Connection, flt: FamilyFilter, sort: FamilySort = BY_REF) -> list[int]:
    """Every matching family's id in the list's order (a few thousand integers at most)."""
    where, params = _filter_sql(flt)
    return [
        r[0] for r in conn.execute(f"SELECT f.id FROM families f {where} ORDER BY {sort.sql(flt)}", params)
    ]


def count_families(conn: Connection, flt: FamilyFilter = FamilyFilter()) -> int:
    where, params = _filter_sql(flt)
    return int(conn.execute(f"SELECT count(*) FROM families f {where}", params).fetchone()[0])


def list_all_family_ids(conn: Connection) -> list[int]:
    return [r[0] for r in conn.execute("SELECT id FROM families ORDER BY ref")]


def next_family_ref(conn: Connection, prefix: str = "FAM-") -> str:
    row = conn.execute(
        "SELECT max(CAST(substr(ref, ?) AS INTEGER)) FROM families WHERE ref LIKE ? ESCAPE '\\'",
        (len(prefix) + 1, like_pattern(prefix)[1:]),
    ).fetchone()
    return f"{prefix}{(row[0] or 0) + 1:04d}"


# --- children ------------------------------------------------------------------------------------


def _child(row: Row) -> Child:
    return Child(row["id"], row["family_id"], row["key"], row["name"], to_date(row["date_of_birth"]))


def add_child(conn: Connection, family_id: int, child: NewChild) -> Child:
    key = child.key
    if not key:
        count = conn.execute("SELECT count(*) FROM children WHERE family_id = ?", (family_id,)).fetchone()[0]
        key = f"c{count + 1}"
        while conn.execute(
            "SELECT 1 FROM children WHERE family_id = ? AND key = ?", (family_id, key)
        ).fetchone():
            count += 1
            key = f"c{count + 1}"
    cur = conn.execute(
        "INSERT INTO children (family_id, key, name, date_of_birth) VALUES (?, ?, ?, ?)",
        (family_id, key, child.name, from_date(child.date_of_birth)),
    )
    return Child(int(cur.lastrowid), family_id, key, child.name, child.date_of_birth)


def update_child(conn: Connection, child_id: int, name: str, date_of_birth: date | None) -> None:
    conn.execute(
        "UPDATE children SET name = ?, date_of_birth = ? WHERE id = ?",
        (name, from_date(date_of_birth), child_id),
    )


def list_children(conn: Connection, family_id: int) -> list[Child]:
    return [
        _child(r)
        for r in conn.execute("SELECT * FROM children WHERE family_id = ? ORDER BY id", (family_id,))
    ]


def get_child(conn: Connection, child_id: int) -> Child | None:
    row = conn.execute("SELECT * FROM children WHERE id = ?", (child_id,)).fetchone()
    return _child(row) if row else None


# --- list and type-ahead reads for the desktop screens ----------------------------------------------


@dataclass(frozen=True)
class FamilyRow:
    """One line of the Families list: the family plus what the list shows beside it."""

    family: Family
    children: tuple[str, ...]
    last_support_on: date | None


@dataclass(frozen=True)
class FamilyMatch:
    """A type-ahead suggestion: just enough to recognise the family."""

    id: int
    ref: str
    carers: tuple[str, ...]
    children: tuple[str, ...]
    is_open: bool

    @property
    def summary(self) -> str:
        parts = [self.ref]
        if self.carers:
            parts.append(", ".join(self.carers))
        if self.children:
            parts.append("children: " + ", ".join(self.children))
        if not self.is_open:
            parts.append("closed")
        return " · ".join(parts)


def _child_names_for(conn: Connection, family_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    if not family_ids:
        return found
    marks = ",".join("?" * len(family_ids))
    rows = conn.execute(
        f"SELECT family_id, name FROM children WHERE family_id IN ({marks}) ORDER BY family_id, id",
        family_ids,
    )
    for row in rows:
        found[row["family_id"]].append(row["name"])
    return found


def list_family_rows(
    conn: Connection,
    flt: FamilyFilter = FamilyFilter(),
    *,
    offset: int = 0,
    limit: int = 200,
    sort: FamilySort = BY_REF,
) -> list[FamilyRow]:
    """A window of the Families list with children's names and the last date support was logged."""
    families = list_families(conn, flt, offset=offset, limit=limit, sort=sort)
    ids = [f.id for f in families]
    children = _child_names_for(conn, ids)
    last_seen: dict[int, str] = {}
    if ids:
        marks = ",".join("?" * len(ids))
        # One index seek per family (idx_entries_family_date, newest first), not a walk over every
        # entry of the page's families (23 ms against 0.4 ms for 200 families on a ten-year log).
        hide = "" if flt.include_restricted else " AND e.restricted = 0"
        last_seen = {
            r[0]: r[1]
            for r in conn.execute(
                f"SELECT f.id, (SELECT max(e.entry_date) FROM support_entries e WHERE e.family_id = f.id{hide}) "
                f"FROM families f WHERE f.id IN ({marks})",
                ids,
            )
            if r[1] is not None
        }
    return [FamilyRow(f, tuple(children.get(f.id, ())), to_date(last_seen.get(f.id))) for f in families]


def search_families(conn: Connection, text: str, *, limit: int = 20) -> list[FamilyMatch]:
    """Families whose reference, a carer's name or a child's name contains ``text``.

    Open families come first, then an exact reference match, then by reference.
    """
    text = text.strip()
    if not text:
        return []
    where, params = _filter_sql(FamilyFilter(search=text, status="all"))
    rows = conn.execute(
        f"SELECT f.id, f.ref, f.closed_on FROM families f {where} "
        "ORDER BY f.closed_on IS NOT NULL, lower(f.ref) = lower(?) DESC, f.ref LIMIT ?",
        [*params, text, limit],
    ).fetchall()
    ids = [r["id"] for r in rows]
    carers = _carers_for(conn, ids)
    children = _child_names_for(conn, ids)
    return [
        FamilyMatch(
            r["id"],
            r["ref"],
            tuple(c.name for c in carers.get(r["id"], [])),
            tuple(children.get(r["id"], [])),
            r["closed_on"] is None,
        )
        for r in rows
    ]


def family_refs(conn: Connection, family_ids: list[int]) -> dict[int, str]:
    """Reference of each family id given (ids that do not exist are left out)."""
    ids = sorted(set(family_ids))
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    return {r[0]: r[1] for r in conn.execute(f"SELECT id, ref FROM families WHERE id IN ({marks})", ids)}

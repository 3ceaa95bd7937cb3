"""Activity types per need domain: built-in ones plus the setting's own."""

from __future__ import annotations

from setting_app.domain.codes import Domain
from setting_app.domain.frameworks import Framework
from setting_app.domain.models import ActivityType
from setting_app.storage.database import Connection, Row


def _activity(row: Row) -> ActivityType:
    return ActivityType(
        row["id"], Domain(row["domain"]), row["code"], row["label"], bool(row["builtin"]), bool(row["active"])
    )


def list_activity_types(
    conn: Connection, domain: Domain | None = None, *, active_only: bool = True
) -> list[ActivityType]:
    clauses, params = [], []
    if domain is not None:
        clauses.append("domain = ?")
        params.append(domain.value)
    if active_only:
        clauses.append("active = 1")
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    return [
        _activity(r)
        for r in conn.execute(f"SELECT * FROM activity_types {where} ORDER BY domain, id", params)
    ]


def get_activity_type(conn: Connection, domain: Domain, code: str) -> ActivityType | None:
    row = conn.execute(
        "SELECT * FROM activity_types WHERE domain = ? AND code = ?", (domain.value, code)
    ).fetchone()
    return _activity(row) if row else None


def add_activity_type(conn: Connection, domain: Domain, code: str, label: str) -> ActivityType:
    cur = conn.execute(
        "INSERT INTO activity_types (domain, code, label, builtin) VALUES (?, ?, ?, 0)",
        (domain.value, code, label),
    )
    return ActivityType(int(cur.lastrowid), domain, code, label, False, True)


def set_activity_active(conn: Connection, activity_id: int, active: bool) -> None:
    conn.execute("UPDATE activity_types SET active = ? WHERE id = ?", (int(active), activity_id))


def get_activity_type_by_id(conn: Connection, activity_id: int) -> ActivityType | None:
    row = conn.execute("SELECT * FROM activity_types WHERE id = ?", (activity_id,)).fetchone()
    return _activity(row) if row else None


# --- outcome-framework tags (migration 0006) ----------------------------------------------------


def activity_outcomes(conn: Connection, activity_id: int) -> dict[Framework, tuple[str, ...]]:
    """The activity's tags per framework, each in the framework's own order (empty where untagged)."""
    found: dict[Framework, set[str]] = {f: set() for f in Framework}
    for row in conn.execute(
        "SELECT framework, outcome FROM activity_outcomes WHERE activity_id = ?", (activity_id,)
    ):
        found[Framework(row["framework"])].add(row["outcome"])
    return {f: tuple(c for c in f.codes if c in found[f]) for f in Framework}


def set_activity_outcomes(
    conn: Connection, activity_id: int, framework: Framework, outcomes: tuple[str, ...]
) -> None:
    """Replace the activity's tags in one framework (the table's CHECK refuses unknown codes)."""
    conn.execute(
        "DELETE FROM activity_outcomes WHERE activity_id = ? AND framework = ?",
        (activity_id, framework.value),
    )
    conn.executemany(
        "INSERT INTO activity_outcomes (activity_id, framework, outcome) VALUES (?, ?, ?)",
        [(activity_id, framework.value, code) for code in outcomes],
    )


def outcome_tags_by_activity(
    conn: Connection, framework: Framework
) -> dict[tuple[Domain, str], frozenset[str]]:
    """Every tagged activity's outcomes in ``framework``, keyed by (domain, code) as entries name them."""
    tags: dict[tuple[Domain, str], set[str]] = {}
    for row in conn.execute(
        """SELECT a.domain, a.code, o.outcome FROM activity_outcomes o
           JOIN activity_types a ON a.id = o.activity_id
           WHERE o.framework = ?""",
        (framework.value,),
    ):
        tags.setdefault((Domain(row["domain"]), row["code"]), set()).add(row["outcome"])
    return {key: frozenset(codes) for key, codes in tags.items()}

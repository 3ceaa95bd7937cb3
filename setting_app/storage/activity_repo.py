"""Activity types per need domain: built-in ones plus the setting's own."""

from __future__ import annotations

from setting_app.domain.codes import Domain
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

"""Staff accounts (the key slots that let them unlock live in the slot file, not here)."""

from __future__ import annotations

from datetime import datetime

from setting_app.domain.codes import Role
from setting_app.domain.models import StaffUser
from setting_app.storage.database import Connection, Row
from setting_app.storage.rows import from_datetime


def _staff(row: Row) -> StaffUser:
    return StaffUser(row["id"], row["username"], row["display_name"], Role(row["role"]), bool(row["active"]))


def add_staff(
    conn: Connection, username: str, display_name: str, role: Role, now: datetime, *, active: bool = True
) -> StaffUser:
    cur = conn.execute(
        "INSERT INTO staff (username, display_name, role, active, created_at) VALUES (?, ?, ?, ?, ?)",
        (username, display_name, role.value, int(active), from_datetime(now)),
    )
    return StaffUser(int(cur.lastrowid), username, display_name, role, active)


def get_staff(conn: Connection, staff_id: int) -> StaffUser | None:
    row = conn.execute("SELECT * FROM staff WHERE id = ?", (staff_id,)).fetchone()
    return _staff(row) if row else None


def get_staff_by_username(conn: Connection, username: str) -> StaffUser | None:
    row = conn.execute("SELECT * FROM staff WHERE username = ?", (username,)).fetchone()
    return _staff(row) if row else None


def list_staff(conn: Connection, *, active_only: bool = False) -> list[StaffUser]:
    where = "WHERE active = 1" if active_only else ""
    return [_staff(r) for r in conn.execute(f"SELECT * FROM staff {where} ORDER BY display_name, username")]


def set_staff_active(conn: Connection, staff_id: int, active: bool) -> None:
    conn.execute("UPDATE staff SET active = ? WHERE id = ?", (int(active), staff_id))


def update_staff(conn: Connection, staff_id: int, display_name: str, role: Role) -> None:
    conn.execute(
        "UPDATE staff SET display_name = ?, role = ? WHERE id = ?", (display_name, role.value, staff_id)
    )

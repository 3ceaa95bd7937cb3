"""Integration self-evaluations and their ratings (tables in migration 0006)."""

from __future__ import annotations

from datetime import date, datetime

from setting_app.domain.errors import NotFound
from setting_app.domain.self_evaluation import SPECS, NewSelfEvaluation, Rating, SelfEvaluation
from setting_app.storage.database import Connection
from setting_app.storage.rows import from_date, from_datetime, to_date, to_datetime

_SELECT = """SELECT e.id, e.completed_on, e.created_at, coalesce(s.username, '') AS completed_by
             FROM self_evaluations e LEFT JOIN staff s ON s.id = e.completed_by"""
#: Newest first; two on the same day in the order they were saved.
_NEWEST_FIRST = "ORDER BY e.completed_on DESC, e.id DESC"


def add_evaluation(conn: Connection, new: NewSelfEvaluation, *, staff_id: int | None, now: datetime) -> int:
    cursor = conn.execute(
        "INSERT INTO self_evaluations (completed_on, completed_by, created_at) VALUES (?, ?, ?)",
        (from_date(new.completed_on), staff_id, from_datetime(now)),
    )
    evaluation_id = int(cursor.lastrowid)
    conn.executemany(
        "INSERT INTO self_evaluation_ratings (evaluation_id, ingredient, rating, evidence) VALUES (?, ?, ?, ?)",
        [(evaluation_id, r.ingredient, r.rating, r.evidence) for r in new.ratings],
    )
    return evaluation_id


def _ratings(conn: Connection, ids: list[int]) -> dict[int, tuple[Rating, ...]]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    found: dict[int, list[Rating]] = {i: [] for i in ids}
    for row in conn.execute(
        f"SELECT evaluation_id, ingredient, rating, evidence FROM self_evaluation_ratings "
        f"WHERE evaluation_id IN ({marks})",
        ids,
    ):
        found[int(row["evaluation_id"])].append(
            Rating(str(row["ingredient"]), int(row["rating"]), row["evidence"])
        )
    order = list(SPECS)
    return {
        i: tuple(sorted(rs, key=lambda r: order.index(r.ingredient) if r.ingredient in SPECS else len(order)))
        for i, rs in found.items()
    }


def _build(conn: Connection, rows: list) -> list[SelfEvaluation]:
    ratings = _ratings(conn, [int(r["id"]) for r in rows])
    return [
        SelfEvaluation(
            int(r["id"]),
            to_date(r["completed_on"]),
            str(r["completed_by"]),
            to_datetime(r["created_at"]),
            ratings[int(r["id"])],
        )
        for r in rows
    ]


def get_evaluation(conn: Connection, evaluation_id: int) -> SelfEvaluation:
    rows = conn.execute(f"{_SELECT} WHERE e.id = ?", (evaluation_id,)).fetchall()
    if not rows:
        raise NotFound(f"There is no self-evaluation #{evaluation_id}.")
    return _build(conn, rows)[0]


def list_evaluations(conn: Connection, *, limit: int | None = None) -> list[SelfEvaluation]:
    """Newest first."""
    sql = f"{_SELECT} {_NEWEST_FIRST}"
    params: tuple = ()
    if limit is not None:
        sql += " LIMIT ?"
        params = (limit,)
    return _build(conn, conn.execute(sql, params).fetchall())


def latest_between(conn: Connection, after: date | None, upto: date) -> SelfEvaluation | None:
    """The newest evaluation completed after ``after`` (exclusive; None for no limit) and on or before
    ``upto``."""
    rows = conn.execute(
        f"{_SELECT} WHERE e.completed_on <= ? AND (? IS NULL OR e.completed_on > ?) {_NEWEST_FIRST} LIMIT 1",
        (from_date(upto), from_date(after), from_date(after)),
    ).fetchall()
    found = _build(conn, rows)
    return found[0] if found else None


def previous_of(conn: Connection, evaluation: SelfEvaluation) -> SelfEvaluation | None:
    """The evaluation before this one (by date, then by the order they were saved)."""
    day = from_date(evaluation.completed_on)
    rows = conn.execute(
        f"{_SELECT} WHERE (e.completed_on, e.id) < (?, ?) {_NEWEST_FIRST} LIMIT 1",
        (day, evaluation.id),
    ).fetchall()
    found = _build(conn, rows)
    return found[0] if found else None

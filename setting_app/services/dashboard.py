"""The dashboard's figures: this month at a glance, open follow-ups and the last 12 months by domain.

Every figure is one GROUP BY over a date range of ``support_entries`` (served by ``idx_entries_date``),
so the dashboard costs the same on a casebook of 500 entries or 250,000: no table is loaded whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from setting_app.domain.codes import DOMAIN_ORDER, Domain, Kind
from setting_app.services.session import Session
from setting_app.storage import visibility
from setting_app.storage.database import Connection

#: How many open follow-ups the dashboard lists (the counts are always complete).
FOLLOW_UP_LIST_LIMIT = 50
CHART_MONTHS = 12


@dataclass(frozen=True)
class FollowUp:
    entry_id: int
    family_id: int
    family_ref: str
    due_on: date
    domain: Domain
    entry_date: date


@dataclass(frozen=True)
class MonthFigures:
    """One month of the chart: entries and minutes per domain."""

    month: date  # the first day of the month
    entries: dict[Domain, int]
    minutes: dict[Domain, int]

    @property
    def total_entries(self) -> int:
        return sum(self.entries.values())


@dataclass(frozen=True)
class DashboardFigures:
    today: date
    month_start: date
    month_end: date
    families_supported: int
    entries_by_domain_kind: dict[tuple[Domain, Kind], int]
    minutes_by_domain: dict[Domain, int]
    follow_ups_due_today: int
    follow_ups_overdue: int
    follow_ups: tuple[FollowUp, ...]
    months: tuple[MonthFigures, ...] = field(default=())

    @property
    def entries(self) -> int:
        return sum(self.entries_by_domain_kind.values())

    @property
    def staff_minutes(self) -> int:
        return sum(self.minutes_by_domain.values())

    @property
    def staff_hours(self) -> float:
        return self.staff_minutes / 60

    def entries_for(self, domain: Domain, kind: Kind | None = None) -> int:
        kinds = (kind,) if kind is not None else tuple(Kind)
        return sum(self.entries_by_domain_kind.get((domain, k), 0) for k in kinds)


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return add_months(month_start(day), 1) - timedelta(days=1)


def add_months(first_of_month: date, months: int) -> date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def dashboard_figures(session: Session, *, today: date | None = None) -> DashboardFigures:
    """Everything the dashboard shows, for the month containing ``today`` (default: the clock's today)."""
    today = today or session.clock.today()
    conn = session.conn
    start, end = month_start(today), month_end(today)
    only = _visible_to(session)
    only_e = _visible_to(session, "e.restricted")
    by_domain_kind, minutes = _month_totals(conn, start, end, only)
    due_today, overdue = _follow_up_counts(conn, today, only_e)
    return DashboardFigures(
        today=today,
        month_start=start,
        month_end=end,
        families_supported=_families_supported(conn, start, end, only),
        entries_by_domain_kind=by_domain_kind,
        minutes_by_domain=minutes,
        follow_ups_due_today=due_today,
        follow_ups_overdue=overdue,
        follow_ups=tuple(_open_follow_ups(conn, today, FOLLOW_UP_LIST_LIMIT, only_e)),
        months=tuple(monthly_by_domain(session, today, months=CHART_MONTHS)),
    )


def _visible_to(session: Session, column: str = "restricted") -> str:
    """SQL that keeps this setting's own work (history received from another setting by a transfer,
    marked with ``transfer_id``, was that setting's work) and leaves restricted (safeguarding) entries
    out for anyone but a manager."""
    own = f" AND {column.rpartition('.')[0] + '.' if '.' in column else ''}transfer_id IS NULL"
    return own + visibility.restricted_clause(session.user.role, column)


def monthly_by_domain(session: Session, today: date, *, months: int = CHART_MONTHS) -> list[MonthFigures]:
    """Entries and minutes per domain for the ``months`` months ending with today's month, oldest first."""
    last = month_start(today)
    first = add_months(last, -(months - 1))
    rows = session.conn.execute(
        """SELECT substr(entry_date, 1, 7) AS month, domain, count(*) AS n, sum(minutes) AS minutes
           FROM support_entries WHERE entry_date >= ? AND entry_date <= ?"""
        + _visible_to(session)
        + """ GROUP BY month, domain""",
        (first.isoformat(), month_end(today).isoformat()),
    ).fetchall()
    found = {(r["month"], r["domain"]): (r["n"], r["minutes"]) for r in rows}
    result = []
    for i in range(months):
        month = add_months(first, i)
        key = month.isoformat()[:7]
        result.append(
            MonthFigures(
                month=month,
                entries={d: found.get((key, d.value), (0, 0))[0] for d in DOMAIN_ORDER},
                minutes={d: found.get((key, d.value), (0, 0))[1] for d in DOMAIN_ORDER},
            )
        )
    return result


def _month_totals(
    conn: Connection, start: date, end: date, only: str
) -> tuple[dict[tuple[Domain, Kind], int], dict[Domain, int]]:
    rows = conn.execute(
        f"""SELECT domain, kind, count(*) AS n, sum(minutes) AS minutes FROM support_entries
           WHERE entry_date >= ? AND entry_date <= ?{only} GROUP BY domain, kind""",
        (start.isoformat(), end.isoformat()),
    ).fetchall()
    counts: dict[tuple[Domain, Kind], int] = {(d, k): 0 for d in DOMAIN_ORDER for k in Kind}
    minutes: dict[Domain, int] = dict.fromkeys(DOMAIN_ORDER, 0)
    for row in rows:
        domain, kind = Domain(row["domain"]), Kind(row["kind"])
        counts[(domain, kind)] = row["n"]
        minutes[domain] += row["minutes"] or 0
    return counts, minutes


def _families_supported(conn: Connection, start: date, end: date, only: str) -> int:
    row = conn.execute(
        f"SELECT count(DISTINCT family_id) FROM support_entries WHERE entry_date >= ? AND entry_date <= ?{only}",
        (start.isoformat(), end.isoformat()),
    ).fetchone()
    return int(row[0])


# A follow-up is open until something later is logged for the same family (there is no "done" box:
# the next contact is the follow-up). Closed families have no open follow-ups.
_OPEN_FOLLOW_UPS = """
    FROM support_entries e JOIN families f ON f.id = e.family_id
    WHERE e.follow_up_on IS NOT NULL AND e.follow_up_on <= :today AND f.closed_on IS NULL
      AND NOT EXISTS (
          SELECT 1 FROM support_entries later
          WHERE later.family_id = e.family_id
            AND (later.entry_date, later.id) > (e.entry_date, e.id))
"""


def _follow_up_counts(conn: Connection, today: date, only: str) -> tuple[int, int]:
    row = conn.execute(
        f"""SELECT coalesce(sum(e.follow_up_on = :today), 0), coalesce(sum(e.follow_up_on < :today), 0)
            {_OPEN_FOLLOW_UPS}{only}""",
        {"today": today.isoformat()},
    ).fetchone()
    return int(row[0]), int(row[1])


def _open_follow_ups(conn: Connection, today: date, limit: int, only: str) -> list[FollowUp]:
    """Due today first, then overdue with the most recently due first."""
    rows = conn.execute(
        f"""SELECT e.id, e.family_id, f.ref, e.follow_up_on, e.domain, e.entry_date {_OPEN_FOLLOW_UPS}
            {only}
            ORDER BY e.follow_up_on DESC, e.id DESC LIMIT :limit""",
        {"today": today.isoformat(), "limit": limit},
    ).fetchall()
    return [
        FollowUp(
            entry_id=r["id"],
            family_id=r["family_id"],
            family_ref=r["ref"],
            due_on=date.fromisoformat(r["follow_up_on"]),
            domain=Domain(r["domain"]),
            entry_date=date.fromisoformat(r["entry_date"]),
        )
        for r in rows
    ]

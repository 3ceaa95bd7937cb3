"""Referrals to external services, their status history and chase log.

Every referral has at least one ``referral_status_history`` row: ``add_referral`` writes the first.
Repositories never commit: the service (or an import) that calls them owns the transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from setting_app.domain.codes import Consent, Domain, ReferralStatus, Role, ServiceCategory
from setting_app.domain.models import NewReferral, Referral
from setting_app.domain.referrals import (
    AWAITING_STATUSES,
    DEFAULT_FOLLOW_UP_DAYS,
    FINAL_STATUSES,
    FOLLOW_UP_DAYS_SETTING,
    STATUS_ORDER,
    Chase,
    LawfulBasis,
    Route,
    StatusChange,
    StatusReason,
    TrackedReferral,
    Urgency,
    due_date_after,
    tracked,
)
from setting_app.storage import restricted_content, visibility
from setting_app.storage.database import Connection, Row
from setting_app.storage.rows import from_date, from_datetime, to_date, to_datetime

_SELECT = """SELECT r.*, f.ref AS family_ref, coalesce(c.name, '') AS child_name,
    (SELECT min(h.changed_on) FROM referral_status_history h
        WHERE h.referral_id = r.id AND h.status = 'sent') AS sent_on,
    (SELECT max(h.changed_on) FROM referral_status_history h WHERE h.referral_id = r.id) AS status_since,
    (SELECT count(*) FROM referral_chases ch WHERE ch.referral_id = r.id) AS chase_count,
    (SELECT max(ch.chased_on) FROM referral_chases ch WHERE ch.referral_id = r.id) AS last_chased_on
    FROM referrals r
    JOIN families f ON f.id = r.family_id
    LEFT JOIN children c ON c.id = r.child_id"""

#: ORDER BY fragment putting statuses in board order.
STATUS_RANK_SQL = (
    "CASE r.status "
    + " ".join(f"WHEN '{s.value}' THEN {i}" for i, s in enumerate(STATUS_ORDER))
    + " ELSE 99 END"
)


def _referral(row: Row) -> TrackedReferral:
    basis = row["lawful_basis"]
    return TrackedReferral(
        id=row["id"],
        family_id=row["family_id"],
        child_id=row["child_id"],
        service_name=row["service_name"],
        service_category=ServiceCategory(row["service_category"]),
        domain=Domain(row["domain"]),
        made_on=to_date(row["made_on"]),
        consent=Consent(row["consent"]),
        status=ReferralStatus(row["status"]),
        made_by=row["made_by"],
        note=row["note"],
        created_at=to_datetime(row["created_at"]),
        restricted=bool(row["restricted"]),
        carer=row["carer"],
        service_id=row["service_id"],
        route=Route(row["route"]),
        urgency=Urgency(row["urgency"]),
        reason=row["reason"],
        expected_response_on=to_date(row["expected_response_on"]),
        due_on=to_date(row["due_on"]),
        consent_given_by=row["consent_given_by"],
        consent_given_on=to_date(row["consent_given_on"]),
        consent_scope=row["consent_scope"],
        consent_note=row["consent_note"],
        lawful_basis=LawfulBasis(basis) if basis else None,
        override_rationale=row["override_rationale"],
        override_by=row["override_by"],
        family_ref=row["family_ref"],
        child_name=row["child_name"],
        sent_on=to_date(row["sent_on"]),
        status_since=to_date(row["status_since"]),
        chase_count=int(row["chase_count"]),
        last_chased_on=to_date(row["last_chased_on"]),
    )


# ---------------------------------------------------------------- writing referrals

#: The core columns (schema 1), kept for callers that insert referrals in bulk.
INSERT_REFERRAL_SQL = """INSERT INTO referrals
    (family_id, child_id, service_name, service_category, domain, made_on, consent, status, made_by, note, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""


def referral_params(referral: NewReferral, now: datetime) -> tuple:
    return (
        referral.family_id,
        referral.child_id,
        referral.service_name,
        referral.service_category.value,
        referral.domain.value,
        from_date(referral.made_on),
        referral.consent.value,
        referral.status.value,
        referral.made_by,
        referral.note,
        from_datetime(now),
    )


_INSERT_TRACKED_SQL = """INSERT INTO referrals
    (family_id, child_id, service_name, service_category, domain, made_on, consent, status, made_by, note,
     created_at, service_id, route, urgency, reason, expected_response_on, due_on, consent_given_by,
     consent_given_on, consent_scope, consent_note, lawful_basis, override_rationale, override_by, updated_at,
     restricted)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""


def insert_referral(
    conn: Connection,
    referral: NewReferral,
    now: datetime,
    *,
    due_on: date | None = None,
    override_by: int | None = None,
) -> int:
    """Insert the referral row only (no history): for imports that bring their own history."""
    r = tracked(referral)
    cur = conn.execute(
        _INSERT_TRACKED_SQL,
        (
            *referral_params(r, now),
            r.service_id,
            r.route.value,
            r.urgency.value,
            r.reason,
            from_date(r.expected_response_on),
            from_date(due_on),
            r.consent_given_by,
            from_date(r.consent_given_on),
            r.consent_scope,
            r.consent_note,
            r.lawful_basis.value if r.lawful_basis else None,
            r.override_rationale,
            override_by,
            from_datetime(now),
            int(referral.restricted or r.restricted),
        ),
    )
    if r.carer:
        set_carer(conn, int(cur.lastrowid), r.carer)
    return int(cur.lastrowid)


def add_referral(
    conn: Connection, referral: NewReferral, now: datetime, *, override_by: int | None = None
) -> TrackedReferral:
    """Save a referral with its first history row (its status on the day it was made) and due date."""
    r = tracked(referral)
    due_on = due_date_after(r.status, r.made_on, follow_up_days(conn), r.expected_response_on)
    referral_id = insert_referral(conn, r, now, due_on=due_on, override_by=override_by)
    add_status_change(conn, referral_id, r.status, r.made_on, r.made_by, None, "", now)
    return get_referral(conn, referral_id)


def update_referral_details(
    conn: Connection, referral_id: int, referral: NewReferral, now: datetime, *, override_by: int | None
) -> None:
    """Change what a referral says (service, reason, consent...), never its status or history."""
    r = tracked(referral)
    restricted_content.open_for_update(conn, "referrals", referral_id)
    conn.execute(
        """UPDATE referrals SET child_id = ?, service_name = ?, service_category = ?, domain = ?, made_on = ?,
               consent = ?, note = ?, service_id = ?, route = ?, urgency = ?, reason = ?,
               expected_response_on = ?, consent_given_by = ?, consent_given_on = ?, consent_scope = ?,
               consent_note = ?, lawful_basis = ?, override_rationale = ?, override_by = ?, updated_at = ?
           WHERE id = ?""",
        (
            r.child_id,
            r.service_name,
            r.service_category.value,
            r.domain.value,
            from_date(r.made_on),
            r.consent.value,
            r.note,
            r.service_id,
            r.route.value,
            r.urgency.value,
            r.reason,
            from_date(r.expected_response_on),
            r.consent_given_by,
            from_date(r.consent_given_on),
            r.consent_scope,
            r.consent_note,
            r.lawful_basis.value if r.lawful_basis else None,
            r.override_rationale,
            override_by,
            from_datetime(now),
            referral_id,
        ),
    )
    set_carer(conn, referral_id, r.carer)


def set_restricted(conn: Connection, referral_id: int, restricted: bool) -> None:
    """Mark or unmark; the content is sealed under the manager key at commit while restricted."""
    if not restricted:
        restricted_content.open_for_update(conn, "referrals", referral_id, with_related=True)
    conn.execute("UPDATE referrals SET restricted = ? WHERE id = ?", (int(restricted), referral_id))


def set_carer(conn: Connection, referral_id: int, carer: str) -> None:
    """Which carer the referral is about (their name; "" for none in particular)."""
    restricted_content.open_for_update(conn, "referrals", referral_id)
    conn.execute("UPDATE referrals SET carer = ? WHERE id = ?", (carer.strip(), referral_id))


def set_status(
    conn: Connection, referral_id: int, status: ReferralStatus, due_on: date | None, now: datetime
) -> None:
    conn.execute(
        "UPDATE referrals SET status = ?, due_on = ?, updated_at = ? WHERE id = ?",
        (status.value, from_date(due_on), from_datetime(now), referral_id),
    )


def set_due_on(conn: Connection, referral_id: int, due_on: date | None, now: datetime) -> None:
    conn.execute(
        "UPDATE referrals SET due_on = ?, updated_at = ? WHERE id = ?",
        (from_date(due_on), from_datetime(now), referral_id),
    )


# ---------------------------------------------------------------- reading referrals


def get_referral(conn: Connection, referral_id: int) -> TrackedReferral | None:
    row = conn.execute(f"{_SELECT} WHERE r.id = ?", (referral_id,)).fetchone()
    return _referral(row) if row else None


_hides_restricted = visibility.hides_restricted


def list_family_referrals(
    conn: Connection, family_id: int, *, viewer: Role | None = None
) -> list[TrackedReferral]:
    hide = " AND r.restricted = 0" if _hides_restricted(viewer) else ""
    rows = conn.execute(f"{_SELECT} WHERE r.family_id = ?{hide} ORDER BY r.made_on, r.id", (family_id,))
    return [_referral(r) for r in rows]


@dataclass(frozen=True)
class ReferralFilter:
    """What the Referrals board, ``referral list`` and the dashboard narrow by."""

    #: "open" (not final: drafts and referrals out with a service), "awaiting", "final" or "all".
    state: str = "open"
    statuses: tuple[ReferralStatus, ...] = ()
    family_id: int | None = None
    service_id: int | None = None
    domain: Domain | None = None
    category: ServiceCategory | None = None
    #: Only referrals out with a service whose due date is on or before this day.
    due_by: date | None = None
    #: Only referrals out with a service whose due date is before this day.
    overdue_on: date | None = None


def _where(flt: ReferralFilter, viewer: Role | None = None) -> tuple[str, list]:
    clauses: list[str] = []
    params: list = []
    if _hides_restricted(viewer):
        clauses.append("r.restricted = 0")

    def status_in(statuses) -> None:
        marks = ",".join("?" * len(statuses))
        clauses.append(f"r.status IN ({marks})")
        params.extend(s.value for s in statuses)

    if flt.state == "open":
        status_in([s for s in STATUS_ORDER if s not in FINAL_STATUSES])
    elif flt.state == "awaiting":
        status_in([s for s in STATUS_ORDER if s in AWAITING_STATUSES])
    elif flt.state == "final":
        status_in([s for s in STATUS_ORDER if s in FINAL_STATUSES])
    elif flt.state != "all":
        raise ValueError(f"unknown referral state filter {flt.state!r}")
    if flt.statuses:
        status_in(flt.statuses)
    if flt.family_id is not None:
        clauses.append("r.family_id = ?")
        params.append(flt.family_id)
    if flt.service_id is not None:
        clauses.append("r.service_id = ?")
        params.append(flt.service_id)
    if flt.domain is not None:
        clauses.append("r.domain = ?")
        params.append(flt.domain.value)
    if flt.category is not None:
        clauses.append("r.service_category = ?")
        params.append(flt.category.value)
    if flt.due_by is not None or flt.overdue_on is not None:
        status_in([s for s in STATUS_ORDER if s in AWAITING_STATUSES])
        clauses.append("r.due_on IS NOT NULL")
    if flt.due_by is not None:
        clauses.append("r.due_on <= ?")
        params.append(from_date(flt.due_by))
    if flt.overdue_on is not None:
        clauses.append("r.due_on < ?")
        params.append(from_date(flt.overdue_on))
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


#: The board's orders within each status (a whitelist: never SQL from outside): name -> ORDER BY
#: terms, "{d}" taking the direction. A setting's referrals are a few thousand at most (the board
#: shows 2,000), so sorting the matching ones needs no index of its own.
REFERRAL_SORTS: dict[str, str] = {
    "follow_up": "r.due_on IS NULL, r.due_on {d}, r.made_on {d}, r.id {d}",
    "family": "f.ref {d}, r.made_on {d}, r.id {d}",
    "child": "child_name = '' , lower(child_name) {d}, f.ref {d}, r.id {d}",
    "made": "r.made_on {d}, r.id {d}",
    "urgency": "CASE r.urgency WHEN 'urgent' THEN 0 WHEN 'soon' THEN 1 ELSE 2 END {d}, "
    "r.due_on IS NULL, r.due_on, r.id",
}


@dataclass(frozen=True)
class ReferralSort:
    """The board's order within each status: one of ``REFERRAL_SORTS`` (default: most pressing first)."""

    column: str = "follow_up"
    descending: bool = False

    def __post_init__(self) -> None:
        if self.column not in REFERRAL_SORTS:
            raise ValueError(f"the referrals board cannot be sorted by {self.column!r}")

    def sql(self) -> str:
        return REFERRAL_SORTS[self.column].format(d="DESC" if self.descending else "ASC")


MOST_PRESSING = ReferralSort()


def list_referrals(
    conn: Connection,
    flt: ReferralFilter | None = None,
    *,
    offset: int = 0,
    limit: int = 500,
    viewer: Role | None = None,
    sort: ReferralSort = MOST_PRESSING,
) -> list[TrackedReferral]:
    """In board order: by status, then by ``sort`` (usually the most pressing due date first, then the
    oldest)."""
    where, params = _where(flt or ReferralFilter(), viewer)
    rows = conn.execute(
        f"{_SELECT}{where} ORDER BY {STATUS_RANK_SQL}, {sort.sql()} LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return [_referral(r) for r in rows]


def list_due(conn: Connection, today: date, *, viewer: Role | None = None) -> list[TrackedReferral]:
    """Referrals out with a service that need chasing today (due today or overdue), most overdue first."""
    where, params = _where(ReferralFilter(state="awaiting", due_by=today), viewer)
    rows = conn.execute(f"{_SELECT}{where} ORDER BY r.due_on, r.id", params)
    return [_referral(r) for r in rows]


def count_referrals(
    conn: Connection, flt: ReferralFilter | None = None, *, viewer: Role | None = None
) -> int:
    if flt is None and not _hides_restricted(viewer):
        return int(conn.execute("SELECT count(*) FROM referrals").fetchone()[0])
    where, params = _where(flt or ReferralFilter(state="all"), viewer)
    return int(conn.execute(f"SELECT count(*) FROM referrals r{where}", params).fetchone()[0])


def count_by_status(
    conn: Connection, flt: ReferralFilter | None = None, *, viewer: Role | None = None
) -> dict[ReferralStatus, int]:
    where, params = _where(flt or ReferralFilter(state="all"), viewer)
    rows = conn.execute(f"SELECT r.status, count(*) FROM referrals r{where} GROUP BY r.status", params)
    return {ReferralStatus(row[0]): int(row[1]) for row in rows}


# ---------------------------------------------------------------- history


def _change(row: Row) -> StatusChange:
    return StatusChange(
        id=row["id"],
        referral_id=row["referral_id"],
        status=ReferralStatus(row["status"]),
        changed_on=to_date(row["changed_on"]),
        changed_by=row["changed_by"],
        reason=StatusReason(row["reason"]) if row["reason"] else None,
        note=row["note"],
        created_at=to_datetime(row["created_at"]),
        changed_by_name=row["changed_by_name"] or "",
    )


_HISTORY_SELECT = """SELECT h.*, s.display_name AS changed_by_name FROM referral_status_history h
    LEFT JOIN staff s ON s.id = h.changed_by"""


def add_status_change(
    conn: Connection,
    referral_id: int,
    status: ReferralStatus,
    changed_on: date,
    changed_by: int | None,
    reason: StatusReason | None,
    note: str,
    now: datetime,
) -> int:
    cur = conn.execute(
        """INSERT INTO referral_status_history (referral_id, status, changed_on, changed_by, reason, note, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)""",
        (
            referral_id,
            status.value,
            from_date(changed_on),
            changed_by,
            reason.value if reason else None,
            note,
            from_datetime(now),
        ),
    )
    return int(cur.lastrowid)


def list_history(conn: Connection, referral_id: int) -> list[StatusChange]:
    rows = conn.execute(
        f"{_HISTORY_SELECT} WHERE h.referral_id = ? ORDER BY h.changed_on, h.id", (referral_id,)
    )
    return [_change(r) for r in rows]


def history_for(conn: Connection, referral_ids: list[int]) -> dict[int, list[StatusChange]]:
    """Histories of many referrals at once (record export), each in date order."""
    found: dict[int, list[StatusChange]] = defaultdict(list)
    for start in range(0, len(referral_ids), 500):
        chunk = referral_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            f"{_HISTORY_SELECT} WHERE h.referral_id IN ({marks}) ORDER BY h.referral_id, h.changed_on, h.id",
            chunk,
        )
        for row in rows:
            found[row["referral_id"]].append(_change(row))
    return found


def last_change_on(conn: Connection, referral_id: int) -> date | None:
    row = conn.execute(
        "SELECT max(changed_on) FROM referral_status_history WHERE referral_id = ?", (referral_id,)
    ).fetchone()
    return to_date(row[0]) if row and row[0] else None


# ---------------------------------------------------------------- chases


def _chase(row: Row) -> Chase:
    return Chase(
        id=row["id"],
        referral_id=row["referral_id"],
        chased_on=to_date(row["chased_on"]),
        chased_by=row["chased_by"],
        note=row["note"],
        next_due_on=to_date(row["next_due_on"]),
        created_at=to_datetime(row["created_at"]),
        chased_by_name=row["chased_by_name"] or "",
    )


def add_chase(
    conn: Connection,
    referral_id: int,
    chased_on: date,
    chased_by: int | None,
    note: str,
    next_due_on: date,
    now: datetime,
) -> Chase:
    cur = conn.execute(
        """INSERT INTO referral_chases (referral_id, chased_on, chased_by, note, next_due_on, created_at)
           VALUES (?, ?, ?, ?, ?, ?)""",
        (referral_id, from_date(chased_on), chased_by, note, from_date(next_due_on), from_datetime(now)),
    )
    set_due_on(conn, referral_id, next_due_on, now)
    row = conn.execute(
        """SELECT ch.*, s.display_name AS chased_by_name FROM referral_chases ch
           LEFT JOIN staff s ON s.id = ch.chased_by WHERE ch.id = ?""",
        (int(cur.lastrowid),),
    ).fetchone()
    return _chase(row)


def list_chases(conn: Connection, referral_id: int) -> list[Chase]:
    rows = conn.execute(
        """SELECT ch.*, s.display_name AS chased_by_name FROM referral_chases ch
           LEFT JOIN staff s ON s.id = ch.chased_by WHERE ch.referral_id = ? ORDER BY ch.chased_on, ch.id""",
        (referral_id,),
    )
    return [_chase(r) for r in rows]


# ---------------------------------------------------------------- settings and measures


def follow_up_days(conn: Connection) -> int:
    row = conn.execute("SELECT value FROM app_settings WHERE key = ?", (FOLLOW_UP_DAYS_SETTING,)).fetchone()
    try:
        return int(row[0]) if row else DEFAULT_FOLLOW_UP_DAYS
    except ValueError:
        return DEFAULT_FOLLOW_UP_DAYS


#: One row per referral counted in a period: its category, current status, and the days from first
#: sent to the service's first answer (any move past ``sent`` that the service makes) and to first
#: contact (``seen``, or ``completed`` reached without a separate ``seen``). Counted: referrals made in
#: the period that reached the service (any status beyond draft other than a withdrawal of a draft).
#: Plain SQL over ``referrals`` and ``referral_status_history`` so reports can run it as they are.
REFERRAL_TIMINGS_SQL = """
WITH counted AS (
    SELECT r.id, {category} AS service_category, r.status FROM referrals r
    WHERE r.made_on BETWEEN :date_from AND :date_to
      AND r.transfer_id IS NULL  -- received from another setting: that setting's referrals
      AND (:hide_restricted = 0 OR r.restricted = 0)
      AND EXISTS (SELECT 1 FROM referral_status_history h
                  WHERE h.referral_id = r.id AND h.status NOT IN ('draft', 'withdrawn'))
),
firsts AS (
    SELECT c.id,
        (SELECT min(h.changed_on) FROM referral_status_history h
            WHERE h.referral_id = c.id AND h.status = 'sent') AS sent_on,
        (SELECT min(h.changed_on) FROM referral_status_history h
            WHERE h.referral_id = c.id
              AND h.status IN ('acknowledged', 'accepted', 'waitlisted', 'declined', 'seen', 'completed'))
            AS answered_on,
        (SELECT min(h.changed_on) FROM referral_status_history h
            WHERE h.referral_id = c.id AND h.status IN ('seen', 'completed')) AS seen_on
    FROM counted c
)
SELECT c.id, c.service_category, c.status,
    CASE WHEN f.sent_on IS NOT NULL AND f.answered_on >= f.sent_on
         THEN CAST(julianday(f.answered_on) - julianday(f.sent_on) AS INTEGER) END AS days_to_acknowledged,
    CASE WHEN f.sent_on IS NOT NULL AND f.seen_on >= f.sent_on
         THEN CAST(julianday(f.seen_on) - julianday(f.sent_on) AS INTEGER) END AS days_to_seen
FROM counted c JOIN firsts f ON f.id = c.id
ORDER BY c.service_category, c.id
""".replace("{category}", visibility.sealed_value("r", "referrals", "service_category"))


def referral_timings(
    conn: Connection, date_from: date, date_to: date, *, viewer: Role | None = None
) -> list[Row]:
    params = {
        "date_from": from_date(date_from),
        "date_to": from_date(date_to),
        "hide_restricted": int(visibility.hides_restricted(viewer)),
    }
    return conn.execute(REFERRAL_TIMINGS_SQL, params).fetchall()


def as_plain_referral(referral: TrackedReferral) -> Referral:
    """The schema-1 view of a referral, for code that compares plain ``Referral`` values."""
    return Referral(
        id=referral.id,
        family_id=referral.family_id,
        child_id=referral.child_id,
        service_name=referral.service_name,
        service_category=referral.service_category,
        domain=referral.domain,
        made_on=referral.made_on,
        consent=referral.consent,
        status=referral.status,
        made_by=referral.made_by,
        note=referral.note,
        created_at=referral.created_at,
        restricted=referral.restricted,
    )

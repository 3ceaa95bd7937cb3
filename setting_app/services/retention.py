"""Retention: the schedule a manager sets, the review queue, and the manager's decisions.

Nothing is ever deleted here. A family whose review date has passed joins the queue; a manager
decides to keep it (until a new review date), to place or release a legal hold, or to erase it
(``services/erasure.py``). Each decision is recorded with its reason and audited in the same
transaction. A family on legal hold never joins the queue and cannot be erased.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from setting_app.domain.errors import AppError, NotFound, ValidationError
from setting_app.services import audit
from setting_app.services.session import Session
from setting_app.storage import family_repo, retention_repo, setting_repo
from setting_app.storage.retention_repo import RetentionFacts, Review
from setting_app.storage.unit_of_work import unit_of_work

CLOSED_YEARS_KEY = "retention_closed_years"
SAFEGUARDING_AGE_KEY = "retention_safeguarding_age"
DEFAULT_CLOSED_YEARS = 6
DEFAULT_SAFEGUARDING_AGE = 25
CLOSED_YEARS_RANGE = (1, 50)
#: Below 18 would let a safeguarding record go while the child is still a child.
SAFEGUARDING_AGE_RANGE = (18, 100)
MAX_REASON = 500

KEEP = "keep"
HOLD = "hold"
RELEASE_HOLD = "release_hold"
ERASE = "erase"


@dataclass(frozen=True)
class Schedule:
    closed_years: int = DEFAULT_CLOSED_YEARS
    safeguarding_age: int = DEFAULT_SAFEGUARDING_AGE


@dataclass(frozen=True)
class DueFamily:
    """A family in the review queue (or on hold), with when and why it is due."""

    family_id: int
    ref: str
    closed_on: date | None
    review_on: date
    why: str
    safeguarding: bool
    legal_hold: bool


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


# --- schedule ------------------------------------------------------------------------------------


def _stored_int(session: Session, key: str, default: int, bounds: tuple[int, int]) -> int:
    raw = setting_repo.get_app_setting(session.conn, key)
    try:
        value = int(raw) if raw is not None else default
    except ValueError:
        return default
    return value if bounds[0] <= value <= bounds[1] else default


def schedule(session: Session) -> Schedule:
    return Schedule(
        _stored_int(session, CLOSED_YEARS_KEY, DEFAULT_CLOSED_YEARS, CLOSED_YEARS_RANGE),
        _stored_int(session, SAFEGUARDING_AGE_KEY, DEFAULT_SAFEGUARDING_AGE, SAFEGUARDING_AGE_RANGE),
    )


def _whole_number(value: object, field: str, bounds: tuple[int, int], unit: str) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(field, f"'{value}' is not a whole number of {unit}") from None
    if not bounds[0] <= number <= bounds[1]:
        raise ValidationError(field, f"must be from {bounds[0]} to {bounds[1]} {unit} (got {number})")
    return number


def set_schedule(
    session: Session, *, closed_years: object | None = None, safeguarding_age: object | None = None
) -> Schedule:
    """Change how long records are kept (managers only). Unchanged parts keep their value."""
    session.require_manager("change the retention schedule")
    current = schedule(session)
    years = (
        current.closed_years
        if closed_years is None
        else _whole_number(closed_years, "years after closure", CLOSED_YEARS_RANGE, "years")
    )
    age = (
        current.safeguarding_age
        if safeguarding_age is None
        else _whole_number(safeguarding_age, "safeguarding age", SAFEGUARDING_AGE_RANGE, "years")
    )
    with unit_of_work(session.conn):
        setting_repo.set_app_setting(session.conn, CLOSED_YEARS_KEY, str(years))
        setting_repo.set_app_setting(session.conn, SAFEGUARDING_AGE_KEY, str(age))
        audit.record(
            session,
            audit.RETENTION,
            object_type="schedule",
            detail=f"schedule closed_years={years} safeguarding_age={age}",
        )
    return Schedule(years, age)


# --- the queue ------------------------------------------------------------------------------------


def review_date(facts: RetentionFacts, sched: Schedule) -> tuple[date, str] | None:
    """When a closed family's records are next reviewed, and why; None while the family is open."""
    if facts.closed_on is None:
        return None
    review_on = add_years(facts.closed_on, sched.closed_years)
    why = f"closed on {facts.closed_on.isoformat()}, {sched.closed_years} years have passed"
    if facts.safeguarding:
        if facts.youngest_birth is None:
            why = (
                f"marked safeguarding and closed on {facts.closed_on.isoformat()}; no child's date of birth"
                f" is recorded, so the keep-until-{sched.safeguarding_age} date cannot be worked out"
            )
        else:
            until = add_years(facts.youngest_birth, sched.safeguarding_age)
            if until > review_on:
                review_on = until
                why = f"marked safeguarding: the youngest child turned {sched.safeguarding_age} on {until.isoformat()}"
    if facts.last_keep_until is not None and facts.last_keep_until > review_on:
        review_on = facts.last_keep_until
        why = f"kept by a manager until {review_on.isoformat()}"
    return review_on, why


def _due(facts: RetentionFacts, sched: Schedule) -> DueFamily | None:
    found = review_date(facts, sched)
    if found is None:
        return None
    return DueFamily(
        facts.family_id,
        facts.ref,
        facts.closed_on,
        found[0],
        found[1],
        facts.safeguarding,
        facts.legal_hold,
    )


def review_queue(session: Session, today: date | None = None) -> list[DueFamily]:
    """Closed families whose review date has passed and that are not on legal hold (managers only)."""
    session.require_manager("see the retention review queue")
    today = today or session.clock.today()
    sched = schedule(session)
    queue = []
    for facts in retention_repo.retention_facts(session.conn, closed_only=True):
        item = _due(facts, sched)
        if item is not None and not item.legal_hold and item.review_on <= today:
            queue.append(item)
    return sorted(queue, key=lambda d: (d.review_on, d.ref))


def families_on_hold(session: Session) -> list[RetentionFacts]:
    session.require_manager("see which families are on legal hold")
    return [f for f in retention_repo.retention_facts(session.conn) if f.legal_hold]


def family_status(session: Session, family_id: int) -> DueFamily | None:
    """The family's review date and why (None while it is open)."""
    session.require_manager("see a family's retention")
    return _due(require_facts(session, family_id), schedule(session))


def reviews(session: Session, family_id: int) -> list[Review]:
    session.require_manager("see retention decisions")
    return retention_repo.list_reviews(session.conn, family_id)


# --- decisions ------------------------------------------------------------------------------------


def require_facts(session: Session, family_id: int) -> RetentionFacts:
    facts = retention_repo.family_facts(session.conn, family_id)
    if facts is None:
        raise NotFound("That family is no longer in the casebook.")
    return facts


def find_family_id(session: Session, ref: str) -> int:
    family = family_repo.get_family_by_ref(session.conn, ref.strip())
    if family is None:
        raise NotFound(f"There is no family with reference '{ref.strip()}'.")
    return family.id


def check_reason(reason: object) -> str:
    text = " ".join(str(reason or "").split())
    if not text:
        raise ValidationError("reason", "give the reason for this decision")
    if len(text) > MAX_REASON:
        raise ValidationError("reason", f"keep it under {MAX_REASON} characters (got {len(text)})")
    return text


def _record(
    session: Session, family_id: int, decision: str, reason: str, next_review_on: date | None = None
) -> None:
    retention_repo.add_review(
        session.conn,
        family_id,
        decided_on=session.clock.today(),
        decided_by=session.user.id,
        decision=decision,
        reason=reason,
        next_review_on=next_review_on,
    )
    detail = f"decision={decision}"
    if next_review_on is not None:
        detail += f" next_review={next_review_on.isoformat()}"
    audit.record(
        session,
        audit.RETENTION,
        object_type="family",
        object_id=family_id,
        family_id=family_id,
        detail=detail,
    )


def keep(session: Session, family_id: int, next_review_on: date, reason: str) -> Review:
    """Keep the family's records and review them again on ``next_review_on`` (a future date)."""
    session.require_manager("decide to keep a family's records")
    reason = check_reason(reason)
    if not isinstance(next_review_on, date):
        raise ValidationError("next review date", "give a date as YYYY-MM-DD")
    if next_review_on <= session.clock.today():
        raise ValidationError(
            "next review date", f"must be after today ({session.clock.today().isoformat()})"
        )
    with unit_of_work(session.conn):
        require_facts(session, family_id)
        _record(session, family_id, KEEP, reason, next_review_on)
    return retention_repo.list_reviews(session.conn, family_id)[-1]


def place_hold(session: Session, family_id: int, reason: str) -> None:
    """Legal hold: the family is never queued nor erased until a manager releases the hold."""
    session.require_manager("place a legal hold")
    reason = check_reason(reason)
    with unit_of_work(session.conn):
        if require_facts(session, family_id).legal_hold:
            raise AppError("This family is already on legal hold.")
        retention_repo.set_legal_hold(session.conn, family_id, True, reason)
        _record(session, family_id, HOLD, reason)


def release_hold(session: Session, family_id: int, reason: str) -> None:
    session.require_manager("release a legal hold")
    reason = check_reason(reason)
    with unit_of_work(session.conn):
        if not require_facts(session, family_id).legal_hold:
            raise AppError("This family is not on legal hold.")
        retention_repo.set_legal_hold(session.conn, family_id, False, "")
        _record(session, family_id, RELEASE_HOLD, reason)


def mark_safeguarding(session: Session, family_id: int, on: bool = True) -> None:
    """Mark (or unmark) a family whose records touch safeguarding: kept until the youngest is 25."""
    session.require_manager("change a family's safeguarding marker")
    with unit_of_work(session.conn):
        require_facts(session, family_id)
        retention_repo.set_safeguarding(session.conn, family_id, on)
        audit.record(
            session,
            audit.RETENTION,
            object_type="family",
            object_id=family_id,
            family_id=family_id,
            detail=f"safeguarding={'on' if on else 'off'}",
        )

"""Logging direct and indirect support, and reading it back."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from setting_app.domain import validation
from setting_app.domain.codes import Domain
from setting_app.domain.errors import NotFound, ValidationError
from setting_app.domain.models import ActivityType, NewEntry, Referral, SupportEntry
from setting_app.services import audit
from setting_app.services.session import Session
from setting_app.storage import activity_repo, entry_repo, family_repo, referral_repo
from setting_app.storage.entry_repo import EntryFilter, EntryKey
from setting_app.storage.unit_of_work import unit_of_work


def log_entry(session: Session, entry: NewEntry) -> SupportEntry:
    """Save one entry. Returns only once it is committed (and so will survive a crash)."""
    if entry.staff_id is None:
        entry = replace(entry, staff_id=session.user.id)
    with unit_of_work(session.conn):
        family = family_repo.get_family(session.conn, entry.family_id)
        if family is None:
            raise NotFound("That family is no longer in the casebook.")
        children = family_repo.list_children(session.conn, family.id)
        entry = validation.check_new_entry(entry, family, children, session.clock.today())
        if (
            entry.activity_code
            and activity_repo.get_activity_type(session.conn, entry.domain, entry.activity_code) is None
        ):
            raise ValidationError(
                "activity", f"'{entry.activity_code}' is not an activity type for {entry.domain.value}"
            )
        saved = entry_repo.add_entry(session.conn, entry, session.clock.now())
        audit.record(
            session,
            audit.CREATE,
            object_type="entry",
            object_id=saved.id,
            family_id=saved.family_id,
            detail=f"{saved.domain.value}/{saved.kind.value}",
        )
        return saved


def family_chronology(session: Session, family_id: int) -> list[SupportEntry]:
    return entry_repo.list_family_entries(session.conn, family_id)


def list_entries(
    session: Session, flt: EntryFilter = EntryFilter(), *, offset: int = 0, limit: int = 200
) -> list[SupportEntry]:
    return entry_repo.list_entries(session.conn, flt, offset=offset, limit=limit)


def count_entries(session: Session, flt: EntryFilter = EntryFilter()) -> int:
    return entry_repo.count_entries(session.conn, flt)


def search_notes(session: Session, text: str) -> list[SupportEntry]:
    return entry_repo.search_entry_notes(session.conn, text)


def activity_types(session: Session, domain: Domain | None = None) -> list[ActivityType]:
    return activity_repo.list_activity_types(session.conn, domain)


def add_activity_type(session: Session, domain: Domain, label: str) -> ActivityType:
    session.require_manager("add activity types")
    label = validation.require_text(label, "activity name", max_length=80)
    code = "".join(ch if ch.isalnum() else "_" for ch in label.lower()).strip("_")[:40] or "activity"
    with unit_of_work(session.conn):
        if activity_repo.get_activity_type(session.conn, domain, code):
            raise ValidationError("activity name", f"'{label}' already exists for this domain")
        return activity_repo.add_activity_type(session.conn, domain, code, label)


# --- reads for the windowed Log list and the family page ---------------------------------------------


def log_window(
    session: Session, flt: EntryFilter, *, offset: int, limit: int, from_end: bool = False
) -> list[SupportEntry]:
    """Rows of the newest-first log; ``from_end`` counts ``offset`` back from the oldest entry instead
    (cheap for windows near the bottom of a long log). Always returned newest first."""
    if not from_end:
        return entry_repo.list_entries(session.conn, flt, offset=offset, limit=limit)
    rows = entry_repo.list_entries(session.conn, flt, offset=offset, limit=limit, newest_first=False)
    rows.reverse()
    return rows


def log_window_near(
    session: Session, flt: EntryFilter, key: EntryKey, *, forward: bool, skip: int, limit: int
) -> list[SupportEntry]:
    """Rows of the newest-first log next to a row already seen (keyset paging)."""
    return entry_repo.list_entries_near(session.conn, flt, key, forward=forward, skip=skip, limit=limit)


def log_row_of_date(session: Session, flt: EntryFilter, day: date) -> int:
    """The row where ``day`` starts in the newest-first log (entries after it come first)."""
    return entry_repo.count_entries_after(session.conn, flt, day)


def activity_labels(session: Session) -> dict[tuple[Domain, str], str]:
    """Every activity type's label, including switched-off ones that old entries still name."""
    return {
        (a.domain, a.code): a.label
        for a in activity_repo.list_activity_types(session.conn, active_only=False)
    }


def family_referrals(session: Session, family_id: int) -> list[Referral]:
    """A family's referrals in date order, for its chronology."""
    return referral_repo.list_family_referrals(session.conn, family_id)

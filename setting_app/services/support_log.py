"""Logging direct and indirect support, and reading it back."""

from __future__ import annotations

from dataclasses import replace

from setting_app.domain import validation
from setting_app.domain.codes import Domain
from setting_app.domain.errors import NotFound, ValidationError
from setting_app.domain.models import ActivityType, NewEntry, SupportEntry
from setting_app.services.session import Session
from setting_app.storage import activity_repo, entry_repo, family_repo
from setting_app.storage.entry_repo import EntryFilter
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
        return entry_repo.add_entry(session.conn, entry, session.clock.now())


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

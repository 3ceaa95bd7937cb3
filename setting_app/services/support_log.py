"""Logging direct and indirect support, and reading it back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from setting_app.domain import validation
from setting_app.domain.codes import ContactMode, Domain, Kind
from setting_app.domain.errors import NotFound, PermissionDenied, ValidationError
from setting_app.domain.models import ActivityType, NewEntry, Referral, SupportEntry
from setting_app.services import audit
from setting_app.services.session import Session
from setting_app.storage import activity_repo, entry_repo, family_repo, referral_repo
from setting_app.storage.entry_repo import EntryFilter, EntryVersion
from setting_app.storage.unit_of_work import unit_of_work

#: Why a manager opens a restricted record: the audit keeps the category (never free text).
RESTRICTED_VIEW_REASONS: dict[str, str] = {
    "safeguarding": "Safeguarding concern or review",
    "supervision": "Supervision or case discussion",
    "information_request": "Request to share information (police, social care, court)",
    "subject_access": "Subject access request",
    "correction": "Checking or correcting the record",
    "other": "Other (record the detail in the casebook)",
}
MAX_REASON_LENGTH = 500


def log_entry(session: Session, entry: NewEntry) -> SupportEntry:
    """Save one entry. Returns only once it is committed (and so will survive a crash)."""
    if entry.staff_id is None:
        entry = replace(entry, staff_id=session.user.id)
    with unit_of_work(session.conn):
        family = family_repo.get_family(session.conn, entry.family_id)
        if family is None:
            raise NotFound("That family is no longer in the casebook.")
        children = family_repo.list_children(session.conn, family.id)
        restricted = bool(entry.restricted)
        entry = replace(
            validation.check_new_entry(entry, family, children, session.clock.today()), restricted=restricted
        )
        if (
            entry.activity_code
            and activity_repo.get_activity_type(session.conn, entry.domain, entry.activity_code) is None
        ):
            raise _unknown_activity(session, entry.activity_code, entry.domain)
        saved = entry_repo.add_entry(session.conn, entry, session.clock.now())
        audit.record(
            session,
            audit.CREATE,
            object_type="entry",
            object_id=saved.id,
            family_id=saved.family_id,
            detail=f"{saved.domain.value}/{saved.kind.value}" + (", restricted" if saved.restricted else ""),
        )
        return saved


# --- reading one entry, restricted entries ------------------------------------------------------------


def get_entry(session: Session, entry_id: int) -> SupportEntry:
    """One entry as the person using the casebook may see it (a practitioner never gets a restricted one)."""
    entry = entry_repo.get_entry(session.conn, entry_id)
    if entry is None or (entry.restricted and not session.user.is_manager):
        raise NotFound("That entry is no longer in the casebook.")
    return entry


def check_view_reason(reason: str) -> str:
    """The reason category for opening a restricted record (a key of RESTRICTED_VIEW_REASONS)."""
    key = (reason or "").strip()
    if key not in RESTRICTED_VIEW_REASONS:
        choices = ", ".join(RESTRICTED_VIEW_REASONS)
        raise ValidationError("reason", f"choose why you are opening this restricted record ({choices})")
    return key


def open_restricted_entry(session: Session, entry_id: int, reason: str) -> SupportEntry:
    """A manager opens a restricted entry's details: the reason category goes into the audit trail."""
    session.require_manager("open a restricted entry")
    reason = check_view_reason(reason)
    with unit_of_work(session.conn):
        entry = get_entry(session, entry_id)
        audit.record(
            session,
            audit.VIEW_RESTRICTED,
            object_type="entry",
            object_id=entry.id,
            family_id=entry.family_id,
            detail=reason,
        )
        return entry


def set_entry_restricted(session: Session, entry_id: int, restricted: bool) -> SupportEntry:
    """Mark an entry restricted (its author or a manager) or lift the mark (a manager only)."""
    with unit_of_work(session.conn):
        entry = get_entry(session, entry_id)
        if restricted:
            _require_author_or_manager(session, entry, "restrict")
        else:
            session.require_manager("lift the restriction on an entry")
        if entry.restricted == restricted:
            return entry
        entry_repo.set_restricted(session.conn, entry.id, restricted)
        audit.record(
            session,
            audit.UPDATE,
            object_type="entry",
            object_id=entry.id,
            family_id=entry.family_id,
            detail="restricted" if restricted else "restriction lifted",
        )
        return entry_repo.get_entry(session.conn, entry.id)


# --- amendments and rectification ---------------------------------------------------------------------

#: What an amendment may change: the attribute and the field name used in messages and the audit.
AMENDABLE_FIELDS: dict[str, str] = {
    "entry_date": "date",
    "child_id": "child",
    "domain": "domain",
    "kind": "kind",
    "activity_code": "activity",
    "minutes": "minutes",
    "contact_mode": "contact mode",
    "note": "note",
    "follow_up_on": "follow-up date",
}


def _require_author_or_manager(session: Session, entry: SupportEntry, verb: str) -> None:
    if session.user.is_manager or entry.staff_id == session.user.id:
        return
    raise PermissionDenied(f"Only the person who logged this entry or a manager can {verb} it.")


def _check_reason(reason: str, field: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError(field, "say why the entry is being changed")
    if len(text) > MAX_REASON_LENGTH:
        raise ValidationError(field, f"is too long (at most {MAX_REASON_LENGTH} characters)")
    return text


def amend_entry(session: Session, entry_id: int, changes: Mapping[str, object], reason: str) -> SupportEntry:
    """Correct a saved entry: the earlier version is kept (who replaced it, when and why).

    ``changes`` maps attribute names of ``SupportEntry`` (see AMENDABLE_FIELDS) to their new values.
    Only the entry's author or a manager may amend it. Nothing is removed: see ``rectify_entry``.
    """
    unknown = [name for name in changes if name not in AMENDABLE_FIELDS]
    if unknown:
        raise ValidationError(unknown[0], "cannot be changed by an amendment")
    reason = _check_reason(reason)
    with unit_of_work(session.conn):
        before = get_entry(session, entry_id)
        _require_author_or_manager(session, before, "amend")
        family = family_repo.get_family(session.conn, before.family_id)
        if family is None:
            raise NotFound("That family is no longer in the casebook.")
        draft = NewEntry(
            family_id=before.family_id,
            entry_date=changes.get("entry_date", before.entry_date),
            domain=changes.get("domain", before.domain),
            minutes=changes.get("minutes", before.minutes),
            kind=changes.get("kind", before.kind),
            child_id=changes.get("child_id", before.child_id),
            staff_id=before.staff_id,
            activity_code=changes.get("activity_code", before.activity_code),
            contact_mode=changes.get("contact_mode", before.contact_mode),
            note=changes.get("note", before.note),
            follow_up_on=changes.get("follow_up_on", before.follow_up_on),
        )
        if not isinstance(draft.entry_date, date):
            raise ValidationError("date", "is not a date")
        if draft.follow_up_on is not None and not isinstance(draft.follow_up_on, date):
            raise ValidationError("follow-up date", "is not a date")
        children = family_repo.list_children(session.conn, family.id)
        checked = validation.check_new_entry(draft, family, children, session.clock.today())
        if checked.activity_code and (
            activity_repo.get_activity_type(session.conn, checked.domain, checked.activity_code) is None
        ):
            raise _unknown_activity(session, checked.activity_code, checked.domain)
        after = replace(
            before,
            entry_date=checked.entry_date,
            child_id=checked.child_id,
            domain=Domain(checked.domain),
            kind=Kind(checked.effective_kind),
            activity_code=checked.activity_code,
            minutes=checked.minutes,
            contact_mode=ContactMode(checked.contact_mode),
            note=checked.note,
            follow_up_on=checked.follow_up_on,
        )
        changed = [name for name in AMENDABLE_FIELDS if getattr(before, name) != getattr(after, name)]
        if not changed:
            raise ValidationError(
                "changes", "nothing was changed: edit the entry before saving the amendment"
            )
        entry_repo.save_amendment(
            session.conn, before, after, replaced_by=session.user.id, reason=reason, now=session.clock.now()
        )
        audit.record(
            session,
            audit.AMEND,
            object_type="entry",
            object_id=before.id,
            family_id=before.family_id,
            detail="changed: " + ", ".join(AMENDABLE_FIELDS[name] for name in changed),
        )
        return entry_repo.get_entry(session.conn, before.id)


def entry_history(session: Session, entry_id: int) -> list[EntryVersion]:
    """An entry's earlier versions, oldest first (empty when it was never amended)."""
    get_entry(session, entry_id)
    return entry_repo.list_versions(session.conn, entry_id)


def rectify_entry(
    session: Session, entry_id: int, remove: str, replace_with: str, reason: str
) -> SupportEntry:
    """A manager removes wrong text for good: from the entry and from every earlier version of it.

    ``remove`` is the exact passage to take out, ``replace_with`` what stands in its place (may be
    empty). A new version row records who rectified it, when and why (without the removed text).
    """
    session.require_manager("rectify an entry (remove text from it and its history)")
    if not (remove or "").strip():
        raise ValidationError("text to remove", "is required")
    reason = _check_reason(reason)
    replace_with = validation.check_note(replace_with or "", "replacement text")
    with unit_of_work(session.conn):
        before = get_entry(session, entry_id)
        versions = entry_repo.list_versions(session.conn, entry_id)
        touched = [v.version for v in versions if remove in v.note]
        if remove not in before.note and not touched:
            raise ValidationError("text to remove", "does not appear in this entry or its earlier versions")
        new_note = validation.check_note(before.note.replace(remove, replace_with))
        for version in versions:
            if version.version in touched:
                entry_repo.rectify_version_note(
                    session.conn, entry_id, version.version, version.note.replace(remove, replace_with)
                )
        scrubbed = replace(before, note=new_note)
        entry_repo.set_note(session.conn, entry_id, new_note)
        entry_repo.save_amendment(
            session.conn,
            scrubbed,
            scrubbed,
            replaced_by=session.user.id,
            reason=f"Rectified: {reason}",
            now=session.clock.now(),
        )
        entry_repo.purge_removed_text(session.conn)
        audit.record(
            session,
            audit.AMEND,
            object_type="entry",
            object_id=before.id,
            family_id=before.family_id,
            detail=f"rectified: note ({len(touched) + (remove in before.note)} version(s))",
        )
        return entry_repo.get_entry(session.conn, entry_id)


# --- reading the log (restricted entries left out for practitioners) --------------------------------


def family_chronology(session: Session, family_id: int) -> list[SupportEntry]:
    return entry_repo.list_family_entries(session.conn, family_id, viewer=session.user.role)


def list_entries(
    session: Session, flt: EntryFilter = EntryFilter(), *, offset: int = 0, limit: int = 200
) -> list[SupportEntry]:
    return entry_repo.list_entries(session.conn, flt, offset=offset, limit=limit, viewer=session.user.role)


def count_entries(session: Session, flt: EntryFilter = EntryFilter()) -> int:
    return entry_repo.count_entries(session.conn, flt, viewer=session.user.role)


def _unknown_activity(session: Session, code: str, domain: Domain) -> ValidationError:
    """Names the activity types that domain does have, so the next try can be right."""
    known = [a.code for a in activity_repo.list_activity_types(session.conn, domain) if a.active]
    return ValidationError(
        "activity",
        f"'{code}' is not an activity type for {domain.value}"
        + (f" (the types are: {', '.join(known)})" if known else " (it has no activity types yet)"),
    )


def search_notes(session: Session, text: str) -> list[SupportEntry]:
    return entry_repo.search_entry_notes(session.conn, text, viewer=session.user.role)


def follow_ups_due(session: Session, on_or_before: date | None = None) -> list[SupportEntry]:
    return entry_repo.follow_ups_due(
        session.conn, on_or_before or session.clock.today(), viewer=session.user.role
    )


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
    session: Session,
    flt: EntryFilter,
    *,
    offset: int,
    limit: int,
    from_end: bool = False,
    sort: entry_repo.EntrySort = entry_repo.NEWEST_FIRST,
) -> list[SupportEntry]:
    """Rows of the log in ``sort``'s order (usually newest first); ``from_end`` counts ``offset`` back
    from the last row instead (cheap for windows near the bottom of a long log). Always returned in
    list order."""
    viewer = session.user.role
    if not from_end:
        return entry_repo.list_entries(
            session.conn, flt, offset=offset, limit=limit, viewer=viewer, sort=sort
        )
    rows = entry_repo.list_entries(
        session.conn, flt, offset=offset, limit=limit, newest_first=False, viewer=viewer, sort=sort
    )
    rows.reverse()
    return rows


def log_window_near(
    session: Session,
    flt: EntryFilter,
    key: tuple,
    *,
    forward: bool,
    skip: int,
    limit: int,
    sort: entry_repo.EntrySort = entry_repo.NEWEST_FIRST,
) -> list[SupportEntry]:
    """Rows of the log next to a row already seen (keyset paging; ``key`` is its ``sort_key``)."""
    return entry_repo.list_entries_near(
        session.conn, flt, key, forward=forward, skip=skip, limit=limit, viewer=session.user.role, sort=sort
    )


def log_row_of_entry(
    session: Session,
    flt: EntryFilter,
    entry: SupportEntry,
    sort: entry_repo.EntrySort,
    *,
    budget_ms: float | None = None,
) -> int | None:
    """Where ``entry`` sits in the log sorted by ``sort`` (None: it would take over ``budget_ms``)."""
    return entry_repo.row_of_key(
        session.conn,
        flt,
        entry_repo.sort_key(entry, sort),
        sort=sort,
        viewer=session.user.role,
        budget_ms=budget_ms,
    )


def log_row_of_date(session: Session, flt: EntryFilter, day: date) -> int:
    """The row where ``day`` starts in the newest-first log (entries after it come first)."""
    return entry_repo.count_entries_after(session.conn, flt, day, viewer=session.user.role)


def log_row_of_family(
    session: Session, flt: EntryFilter, family_id: int, *, budget_ms: float | None = None
) -> int | None | entry_repo.OverBudget:
    """The row of the family's newest entry in the newest-first log (None: none in this list;
    ``entry_repo.OVER_BUDGET``: it would take longer than ``budget_ms``)."""
    return entry_repo.row_of_family(
        session.conn, flt, family_id, viewer=session.user.role, budget_ms=budget_ms
    )


def count_entries_within(session: Session, flt: EntryFilter, budget_ms: float) -> int | None:
    """How many entries match, or None if counting would take longer than ``budget_ms``."""
    return entry_repo.count_entries_within(session.conn, flt, budget_ms, viewer=session.user.role)


def activity_labels(session: Session) -> dict[tuple[Domain, str], str]:
    """Every activity type's label, including switched-off ones that old entries still name."""
    return {
        (a.domain, a.code): a.label
        for a in activity_repo.list_activity_types(session.conn, active_only=False)
    }


def family_referrals(session: Session, family_id: int) -> list[Referral]:
    """A family's referrals in date order, for its chronology."""
    return referral_repo.list_family_referrals(session.conn, family_id, viewer=session.user.role)

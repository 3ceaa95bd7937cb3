"""Families and their children: add, change, find."""

from __future__ import annotations

from dataclasses import replace

from setting_app.domain import validation
from setting_app.domain.errors import AlreadyExists, NotFound
from setting_app.domain.models import Child, Family, NewChild, NewFamily
from setting_app.services import audit
from setting_app.services.session import Session
from setting_app.storage import family_repo
from setting_app.storage.family_repo import FamilyFilter, FamilyMatch, FamilyRow
from setting_app.storage.unit_of_work import unit_of_work


def add_family(session: Session, family: NewFamily) -> Family:
    if not family.ref.strip():
        family = replace(family, ref=family_repo.next_family_ref(session.conn))
    family = validation.check_new_family(family, session.clock.today())
    with unit_of_work(session.conn):
        if family_repo.get_family_by_ref(session.conn, family.ref):
            raise AlreadyExists(f"There is already a family with reference {family.ref}.")
        created = family_repo.add_family(session.conn, family, session.clock.now())
        audit.record(
            session,
            audit.CREATE,
            object_type="family",
            object_id=created.id,
            family_id=created.id,
            detail=f"{len(family.children)} child(ren), {len(family.carers)} carer(s)",
        )
        return created


def update_family(session: Session, family_id: int, family: NewFamily) -> Family:
    family = validation.check_new_family(replace(family, children=()), session.clock.today())
    with unit_of_work(session.conn):
        existing = get_family(session, family_id)
        other = family_repo.get_family_by_ref(session.conn, family.ref)
        if other is not None and other.id != existing.id:
            raise AlreadyExists(f"There is already a family with reference {family.ref}.")
        family_repo.update_family(session.conn, family_id, family, session.clock.now())
        changed = _changed_fields(existing, family)
        audit.record(
            session,
            audit.UPDATE,
            object_type="family",
            object_id=family_id,
            family_id=family_id,
            detail="changed: " + (", ".join(changed) or "nothing"),
        )
        return family_repo.get_family(session.conn, family_id)


def _changed_fields(before: Family, after: NewFamily) -> list[str]:
    names = ("ref", "opened_on", "carers", "postcode", "home_la_code", "key_worker_id", "closed_on", "notes")
    return [n for n in names if getattr(before, n) != getattr(after, n)]


def view_family(session: Session, family_id: int) -> Family:
    """Open a family's record to read it: the audit trail notes who looked, and when."""
    family = get_family(session, family_id)
    with unit_of_work(session.conn):
        audit.record(
            session, audit.VIEW_FAMILY, object_type="family", object_id=family_id, family_id=family_id
        )
    return family


def get_family(session: Session, family_id: int) -> Family:
    family = family_repo.get_family(session.conn, family_id)
    if family is None:
        raise NotFound("That family is no longer in the casebook.")
    return family


def find_family(session: Session, ref: str) -> Family:
    family = family_repo.get_family_by_ref(session.conn, ref.strip())
    if family is None:
        raise NotFound(f"There is no family with reference '{ref}'.")
    return family


def list_families(
    session: Session, flt: FamilyFilter = FamilyFilter(), *, offset: int = 0, limit: int = 200
) -> list[Family]:
    return family_repo.list_families(session.conn, _as_seen_by(session, flt), offset=offset, limit=limit)


def count_families(session: Session, flt: FamilyFilter = FamilyFilter()) -> int:
    return family_repo.count_families(session.conn, _as_seen_by(session, flt))


def _as_seen_by(session: Session, flt: FamilyFilter) -> FamilyFilter:
    """Practitioners' filters leave restricted entries out (they never learn of them from a list)."""
    if session.user.is_manager:
        return flt
    return replace(flt, include_restricted=False)


def list_children(session: Session, family_id: int) -> list[Child]:
    return family_repo.list_children(session.conn, family_id)


def add_child(session: Session, family_id: int, child: NewChild) -> Child:
    child = validation.check_new_child(child, session.clock.today())
    with unit_of_work(session.conn):
        get_family(session, family_id)
        added = family_repo.add_child(session.conn, family_id, child)
        audit.record(session, audit.CREATE, object_type="child", object_id=added.id, family_id=family_id)
        return added


def update_child(session: Session, child: Child, name: str, date_of_birth) -> Child:
    checked = validation.check_new_child(NewChild(name, date_of_birth), session.clock.today())
    with unit_of_work(session.conn):
        family_repo.update_child(session.conn, child.id, checked.name, checked.date_of_birth)
        audit.record(
            session, audit.UPDATE, object_type="child", object_id=child.id, family_id=child.family_id
        )
    return replace(child, name=checked.name, date_of_birth=checked.date_of_birth)


def find_child(session: Session, family: Family, name_or_key: str) -> Child:
    wanted = name_or_key.strip().lower()
    children = family_repo.list_children(session.conn, family.id)
    matches = [c for c in children if c.key.lower() == wanted or c.name.lower() == wanted]
    if not matches:
        matches = [c for c in children if c.name.lower().split()[0:1] == [wanted]]
    if len(matches) != 1:
        names = ", ".join(c.name for c in children) or "none recorded"
        raise NotFound(f"Family {family.ref} has no child called '{name_or_key}' (children: {names}).")
    return matches[0]


def list_family_rows(
    session: Session,
    flt: FamilyFilter = FamilyFilter(),
    *,
    offset: int = 0,
    limit: int = 200,
    sort: family_repo.FamilySort = family_repo.BY_REF,
) -> list[FamilyRow]:
    """One window of the Families list, with children's names and the last date support was logged."""
    return family_repo.list_family_rows(
        session.conn, _as_seen_by(session, flt), offset=offset, limit=limit, sort=sort
    )


def row_of_family_in_list(
    session: Session, flt: FamilyFilter, family_id: int, sort: family_repo.FamilySort
) -> int | None:
    """Where the family sits in the Families list sorted by ``sort`` (None: not in it)."""
    ids = family_repo.family_ids_in_order(session.conn, _as_seen_by(session, flt), sort)
    try:
        return ids.index(family_id)
    except ValueError:
        return None


def search_families(session: Session, text: str, *, limit: int = 20) -> list[FamilyMatch]:
    """Type-ahead: families whose reference, carer or child name contains ``text``; open ones first."""
    return family_repo.search_families(session.conn, text, limit=limit)


def family_refs(session: Session, family_ids: list[int]) -> dict[int, str]:
    return family_repo.family_refs(session.conn, family_ids)

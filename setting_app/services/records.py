"""The record file (``setting-app/records``): import, and export of one family or of all of them.

Import checks the whole document before anything is written, then writes it in one transaction: one
invalid record and nothing is saved. Every problem names the family reference and the field path, in
the file's own words, e.g. ``family FAM-0007, entries[3].minutes: must be from 1 to 600 minutes``.

Version 1 is the format of domain.md. Version 2 (what export writes) adds the fields the casebook holds
beyond version 1 (key worker, activity, contact mode, follow-up date, who recorded or made what), so an
export imports back without loss. A version-1 file may not use version-2 fields: never silently.
Version 3 (what export writes now) adds the referral workflow: route, urgency, reason, expected
response and follow-up dates, consent details or a manager's override, and each referral's status
``history`` and ``chases``. Version 1 and 2 files are still read; their referrals get one history row
(their status on the day they were made) and a follow-up date, as the casebook's upgrade gives them.
Version 4 (what export writes now) adds ``carer`` to entries and referrals: the name of the family's
carer the record concerns (one of its ``carers``), or null when it is not one carer's. Family-facing
documents leave another carer's items out. Files of versions 1 to 3 are still read (no carer).
"""

from __future__ import annotations

import codecs
import json
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from setting_app.domain import validation
from setting_app.domain.clock import SYSTEM_CLOCK
from setting_app.domain.codes import (
    Consent,
    ContactMode,
    Domain,
    Kind,
    ReferralStatus,
    Role,
    ServiceCategory,
)
from setting_app.domain.errors import AppError, ImportRejected, NotFound, ValidationError
from setting_app.domain.models import Carer, NewChild, NewEntry, NewFamily
from setting_app.domain.referrals import (
    CREATABLE_STATUSES,
    LawfulBasis,
    NewTrackedReferral,
    Route,
    StatusReason,
    Urgency,
    due_date_after,
    reason_problem,
    transition_problem,
)
from setting_app.services import agreements, audit, info_sharing, json_stream, service_directory
from setting_app.services.session import Session
from setting_app.storage import (
    activity_repo,
    agreement_repo,
    entry_repo,
    family_repo,
    referral_repo,
    staff_repo,
)
from setting_app.storage.bounded_read import InputRefused, open_bounded
from setting_app.storage.database import Connection
from setting_app.storage.fsutil import atomic_write
from setting_app.storage.unit_of_work import unit_of_work

FORMAT = "setting-app/records"
#: The version export writes.
WRITE_VERSION = 4
READ_VERSIONS = (1, 2, 3, 4)
#: Versions export can write (2 or 3 for a casebook on an app that does not read 4 yet).
WRITE_VERSIONS = (2, 3, 4)
#: Files above ``STREAM_ABOVE`` are read family by family and imported family by family, so memory
#: grows with about 1.7 times the file's size (measured: 40 MB → 160 MB peak, 150 MB → 343 MB; loaded
#: whole, 40 MB took 250 MB and 144 MB 2.7 GB). The bound keeps any import under 500 MB.
MAX_FILE_BYTES = 160 * 1024 * 1024
STREAM_ABOVE = 16 * 1024 * 1024
#: How many problems one refusal lists at most (the first is the message; all are in ``problems``).
MAX_PROBLEMS = 20
MAX_PROBLEM_LENGTH = 300
MAX_CHILD_KEY_LENGTH = 40
MAX_ACTIVITY_CODE_LENGTH = 40

# Fields each object may hold, by format version. Anything else is refused as unknown.
_TOP_FIELDS = ("format", "version", "families")
_CARER_FIELDS = ("name", "relationship", "phone")
_CHILD_FIELDS = ("key", "name", "date_of_birth")
_FAMILY_FIELDS_V1 = (
    "ref",
    "carers",
    "postcode",
    "home_la_code",
    "opened_on",
    "closed_on",
    "notes",
    "children",
    "entries",
    "referrals",
)
_ENTRY_FIELDS_V1 = ("date", "child", "domain", "kind", "minutes", "note")
_REFERRAL_FIELDS_V1 = (
    "service",
    "service_category",
    "domain",
    "made_on",
    "consent",
    "status",
    "child",
    "note",
)
_FAMILY_FIELDS_V2_ONLY = ("key_worker",)
_ENTRY_FIELDS_V2_ONLY = ("activity", "contact_mode", "follow_up_on", "recorded_by")
_REFERRAL_FIELDS_V2_ONLY = ("made_by",)
_REFERRAL_FIELDS_V3_ONLY = (
    "route",
    "urgency",
    "reason",
    "expected_response_on",
    "due_on",
    "consent_given_by",
    "consent_given_on",
    "consent_scope",
    "consent_note",
    "lawful_basis",
    "override_rationale",
    "override_by",
    "history",
    "chases",
)
_HISTORY_FIELDS = ("status", "changed_on", "reason", "note", "changed_by")
_CHASE_FIELDS = ("chased_on", "chased_by", "note", "next_due_on")


# --- what a file holds, once checked -------------------------------------------------------------


@dataclass(frozen=True)
class FileChild:
    key: str
    name: str
    date_of_birth: date | None


@dataclass(frozen=True)
class FileEntry:
    entry_date: date
    domain: Domain
    kind: Kind
    minutes: int
    child_key: str | None = None
    note: str = ""
    activity: str | None = None
    contact_mode: ContactMode = ContactMode.IN_PERSON
    follow_up_on: date | None = None
    recorded_by: str | None = None
    #: Safeguarding-sensitive: managers only. Written only when true (version 3 files).
    restricted: bool = False
    #: The carer it concerns, by name (version 4 files); "" when not one carer's.
    carer: str = ""


@dataclass(frozen=True)
class FileStatusChange:
    status: ReferralStatus
    changed_on: date
    reason: StatusReason | None = None
    note: str = ""
    changed_by: str | None = None


@dataclass(frozen=True)
class FileChase:
    chased_on: date
    next_due_on: date
    chased_by: str | None = None
    note: str = ""


@dataclass(frozen=True)
class FileReferral:
    service: str
    service_category: ServiceCategory
    domain: Domain
    made_on: date
    consent: Consent
    status: ReferralStatus
    child_key: str | None = None
    made_by: str | None = None
    note: str = ""
    restricted: bool = False
    # Version 3: the referral workflow. Absent in older files (history then starts at the status).
    route: Route = Route.REFERRED
    urgency: Urgency = Urgency.ROUTINE
    reason: str = ""
    expected_response_on: date | None = None
    due_on: date | None = None
    consent_given_by: str = ""
    consent_given_on: date | None = None
    consent_scope: str = ""
    consent_note: str = ""
    lawful_basis: LawfulBasis | None = None
    override_rationale: str = ""
    override_by: str | None = None
    history: tuple[FileStatusChange, ...] = ()
    chases: tuple[FileChase, ...] = ()
    #: True when the file gave the workflow fields (version 3), so ``due_on`` is taken as written.
    workflow: bool = False
    #: The carer it concerns, by name (version 4 files); "" when not one carer's.
    carer: str = ""


@dataclass(frozen=True)
class FileFamily:
    ref: str
    opened_on: date
    carers: tuple[Carer, ...] = ()
    postcode: str = ""
    home_la_code: str = ""
    key_worker: str | None = None
    closed_on: date | None = None
    notes: str = ""
    children: tuple[FileChild, ...] = ()
    entries: tuple[FileEntry, ...] = ()
    referrals: tuple[FileReferral, ...] = ()


@dataclass(frozen=True)
class RecordFile:
    """A record file that passed every check: safe to write."""

    version: int
    families: tuple[FileFamily, ...]

    def usernames(self) -> set[str]:
        """Every staff username the file mentions."""
        names: set[str] = set()
        for family in self.families:
            if family.key_worker:
                names.add(family.key_worker)
            names.update(e.recorded_by for e in family.entries if e.recorded_by)
            names.update(r.made_by for r in family.referrals if r.made_by)
            names.update(r.override_by for r in family.referrals if r.override_by)
            for referral in family.referrals:
                names.update(h.changed_by for h in referral.history if h.changed_by)
                names.update(c.chased_by for c in referral.chases if c.chased_by)
        return names

    def activities(self) -> set[tuple[Domain, str]]:
        return {(e.domain, e.activity) for f in self.families for e in f.entries if e.activity}


@dataclass(frozen=True)
class ImportSummary:
    families: int
    children: int
    entries: int
    referrals: int
    #: Usernames the casebook did not know, added as switched-off staff so nothing is lost.
    staff_added: tuple[str, ...] = ()

    def sentence(self) -> str:
        text = (
            f"Imported {_count(self.families, 'family', 'families')}, "
            f"{_count(self.children, 'child', 'children')}, "
            f"{_count(self.entries, 'entry', 'entries')}, "
            f"{_count(self.referrals, 'referral', 'referrals')}."
        )
        if self.staff_added:
            text += (
                f" Added {_count(len(self.staff_added), 'switched-off staff account', 'switched-off staff accounts')}"
                f" for names in the file: {', '.join(self.staff_added)}."
            )
        return text


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


# --- checking ------------------------------------------------------------------------------------


class _Enough(Exception):
    """Stops checking once there are MAX_PROBLEMS problems to report."""


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, path: str, problem: str) -> None:
        place = ", ".join(p for p in (where, path) if p)
        text = f"{place}: {problem}" if place else problem
        # One line each, whatever the file quotes back (a value may hold newlines or be very long).
        text = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
        if len(text) > MAX_PROBLEM_LENGTH:
            text = text[: MAX_PROBLEM_LENGTH - 1] + "…"
        self.items.append(text)
        if len(self.items) >= MAX_PROBLEMS:
            raise _Enough

    def reject(self) -> ImportRejected:
        first = self.items[0]
        more = len(self.items) - 1
        if more:
            first += f" (and {more}{'+' if len(self.items) >= MAX_PROBLEMS else ''} more problem{'s' if more > 1 else ''})"
        error = ImportRejected(f"{first}. Nothing was imported.")
        error.problems = tuple(self.items)  # type: ignore[attr-defined]
        return error


_BAD = object()  # a value that failed its check (the problem is already recorded)
T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return "text"
    return type(value).__name__


def _text(value: object, field: str, *, required: bool = False, max_length: int = 200) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(field, f"must be text (got {_type_name(value)})")
    if required:
        return validation.require_text(value, field, max_length=max_length)
    return validation.check_optional_text(value, field, max_length=max_length)


def _flag(value: object, field: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValidationError(field, f"must be true or false (got {_type_name(value)})")
    return value


def _note(value: object, field: str) -> str:
    """Free text is kept exactly as written (only its length is checked), so nothing changes on the way."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(field, f"must be text (got {_type_name(value)})")
    validation.check_note(value, field)
    return value


def _date(value: object, field: str) -> date:
    if value is None:
        raise ValidationError(field, "is required")
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a date in the form YYYY-MM-DD (got {_type_name(value)})")
    return validation.parse_date(value, field)


def _optional_date(value: object, field: str) -> date | None:
    return None if value is None else _date(value, field)


def _code(enum: type[E], value: object, field: str) -> E:
    if value is None:
        raise ValidationError(field, "is required")
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a code in quotes (got {_type_name(value)})")
    return validation.parse_code(enum, value, field)


def _minutes(value: object, field: str) -> int:
    if value is None:
        raise ValidationError(field, "is required")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError(field, f"must be a whole number of minutes (got {value!r})")
    return validation.parse_minutes(value, field)


def _username(value: object, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a staff username (got {_type_name(value)})")
    return validation.check_username(value, field)


def _activity_code(value: object, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(field, f"must be an activity code (got {_type_name(value)})")
    code = value.strip()
    if not code:
        return None
    if (
        len(code) > MAX_ACTIVITY_CODE_LENGTH
        or code != code.lower()
        or not all(ch.isalnum() or ch == "_" for ch in code)
    ):
        raise ValidationError(
            field,
            f"'{value}' is not an activity code (up to {MAX_ACTIVITY_CODE_LENGTH} lower-case letters, "
            "digits and underscores)",
        )
    return code


class _Reader:
    """Checks one object's fields, recording every problem instead of stopping at the first."""

    def __init__(self, problems: _Problems, where: str) -> None:
        self.problems = problems
        self.where = where

    def problem(self, path: str, text: str) -> None:
        self.problems.add(self.where, path, text)

    def check(self, path: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | Any:
        """``fn(*args, **kwargs)``, or ``_BAD`` after recording the ValidationError it raised."""
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            self.problem(path, exc.problem)
            return _BAD

    def obj(
        self, value: object, path: str, allowed: Iterable[str], newer: Iterable[str] | dict[str, int] = ()
    ) -> dict | None:
        """The object at ``path``, after refusing fields it may not have. None if it is not an object.

        ``newer``: fields a later version allows (a dict gives the version each needs; default 2).
        """
        if not isinstance(value, dict):
            self.problem(path, f"must be an object {{...}} (got {_type_name(value)})")
            return None
        allowed = set(allowed)
        needs = newer if isinstance(newer, dict) else dict.fromkeys(newer, 2)
        for key in value:
            if key not in allowed:
                hint = f" (it needs version {needs[key]} of the format)" if key in needs else ""
                self.problem(path, f"unknown field '{key}'{hint}")
        return value

    def items(self, value: object, path: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(path, f"must be a list [...] (got {_type_name(value)})")
            return []
        return value


def parse_record_file(data: object, *, today: date | None = None) -> RecordFile:
    """Check a loaded JSON document completely; raise ImportRejected naming every problem (up to 20).

    ``today`` is the date that "no dates in the future" is measured against (default: the system date).
    """
    return _checked(lambda problems: _parse(data, today or SYSTEM_CLOCK.today(), problems))


def _checked(parse: Callable[[_Problems], RecordFile | None]) -> RecordFile:
    """Run a parser that collects problems (stopping after 20); the file, or every problem named."""
    problems = _Problems()
    try:
        result = parse(problems)
    except _Enough:
        result = None
    if problems.items or result is None:
        raise problems.reject()
    return result


def _parse(data: object, today: date, problems: _Problems) -> RecordFile | None:
    version = _check_top(data, problems)
    if version is None:
        return None
    assert isinstance(data, dict)
    raw_families = _Reader(problems, "").items(data["families"], "families")

    families: list[FileFamily] = []
    first_index: dict[str, int] = {}
    for index, raw in enumerate(raw_families):
        family = _parse_family(raw, index, version, today, problems, first_index)
        if family is not None:
            families.append(family)
    return RecordFile(version, tuple(families))


def _check_top(data: object, problems: _Problems) -> int | None:
    """The top of the file (format, version, known fields, a families entry): its version, or None."""
    if not isinstance(data, dict):
        problems.add("", "", f"the file must hold one JSON object {{...}} (got {_type_name(data)})")
        return None
    fmt = data.get("format")
    if fmt != FORMAT:
        got = "nothing" if fmt is None else json.dumps(fmt, ensure_ascii=False)[:60]
        problems.add("", "format", f'must be "{FORMAT}" (got {got}): this is not a record file')
        return None
    version = data.get("version")
    if type(version) is not int or version not in READ_VERSIONS:
        got = "nothing" if version is None else json.dumps(version)[:20]
        newer = type(version) is int and version > max(READ_VERSIONS)
        problems.add(
            "",
            "version",
            f"{got} is not a version this app reads (it reads {' and '.join(map(str, READ_VERSIONS))})"
            + ("; the file comes from a newer version of the app" if newer else ""),
        )
        return None
    for key in data:
        if key not in _TOP_FIELDS:
            problems.add("", "", f"unknown field '{key}' at the top of the file")
    if "families" not in data:
        problems.add("", "families", "is required")
        return None
    return version


def _parse_family(
    raw: object,
    index: int,
    version: int,
    today: date,
    problems: _Problems,
    first_index: dict[str, int],
) -> FileFamily | None:
    r = _Reader(problems, f"families[{index}]")
    if not isinstance(raw, dict):
        r.problem("", f"must be an object {{...}} (got {_type_name(raw)})")
        return None
    if raw.get("ref") is None:
        r.problem("ref", "is required")
        ref = _BAD
    else:
        ref = r.check(
            "ref", lambda v: validation.check_family_ref(_text(v, "ref", required=True)), raw["ref"]
        )
    if ref is not _BAD:
        r.where = f"family {ref}"
        if ref in first_index:
            r.problem(
                "ref",
                f"appears more than once in the file (families[{first_index[ref]}] and families[{index}])",
            )
        else:
            first_index[ref] = index
    v2 = version >= 2
    r.obj(
        raw,
        "",
        _FAMILY_FIELDS_V1 + (_FAMILY_FIELDS_V2_ONLY if v2 else ()),
        () if v2 else _FAMILY_FIELDS_V2_ONLY,
    )

    carers = []
    for i, raw_carer in enumerate(r.items(raw.get("carers"), "carers")):
        path = f"carers[{i}]"
        carer = r.obj(raw_carer, path, _CARER_FIELDS)
        if carer is None:
            continue
        name = r.check(f"{path}.name", _text, carer.get("name"), f"{path}.name", required=True)
        relationship = r.check(f"{path}.relationship", _text, carer.get("relationship"), "relationship")
        phone = r.check(f"{path}.phone", _text, carer.get("phone"), "phone", max_length=40)
        if _BAD not in (name, relationship, phone):
            carers.append(Carer(name, relationship, phone))

    postcode = r.check(
        "postcode", lambda v: validation.check_postcode(_text(v, "postcode")), raw.get("postcode")
    )
    home_la = r.check(
        "home_la_code",
        lambda v: validation.check_la_code(_text(v, "home_la_code"), "home_la_code", required=False),
        raw.get("home_la_code"),
    )
    key_worker = r.check("key_worker", _username, raw.get("key_worker"), "key_worker")
    notes = r.check("notes", _note, raw.get("notes"), "notes")

    opened_on = None
    if raw.get("opened_on") is not None:
        opened_on = r.check("opened_on", _date, raw["opened_on"], "opened_on")
        if opened_on is not _BAD:
            r.check("opened_on", validation.check_not_future, opened_on, "opened_on", today)
    closed_on = r.check("closed_on", _optional_date, raw.get("closed_on"), "closed_on")
    if closed_on not in (None, _BAD):
        r.check("closed_on", validation.check_not_future, closed_on, "closed_on", today)
        if opened_on not in (None, _BAD) and closed_on < opened_on:
            r.problem("closed_on", f"{closed_on.isoformat()} is before opened_on ({opened_on.isoformat()})")

    children, keys = _parse_children(r, raw.get("children"), today)
    bound = opened_on if opened_on not in (None, _BAD) else None

    names = tuple(c.name for c in carers)
    entries = [
        e
        for i, raw_entry in enumerate(r.items(raw.get("entries"), "entries"))
        if (
            e := _parse_entry(
                r, raw_entry, f"entries[{i}]", v2, today, bound, keys, version=version, carers=names
            )
        )
        is not None
    ]
    referrals = [
        x
        for i, raw_ref in enumerate(r.items(raw.get("referrals"), "referrals"))
        if (
            x := _parse_referral(
                r, raw_ref, f"referrals[{i}]", v2, today, bound, keys, version=version, carers=names
            )
        )
        is not None
    ]
    if opened_on is None:
        # Not required in the file: the record opened with its first dated event, or on the day of import.
        dates = [e.entry_date for e in entries] + [x.made_on for x in referrals]
        opened_on = min(dates, default=today)
        if closed_on not in (None, _BAD) and closed_on < opened_on:
            r.problem(
                "closed_on", f"{closed_on.isoformat()} is before the first entry ({opened_on.isoformat()})"
            )

    values = (ref, postcode, home_la, key_worker, notes, opened_on, closed_on)
    if _BAD in values:
        return None
    return FileFamily(
        ref=ref,
        opened_on=opened_on,
        carers=tuple(carers),
        postcode=postcode,
        home_la_code=home_la,
        key_worker=key_worker,
        closed_on=closed_on,
        notes=notes,
        children=tuple(children),
        entries=tuple(entries),
        referrals=tuple(referrals),
    )


def _child_key(value: object, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(field, f"must be text (got {_type_name(value)})")
    key = value.strip()
    if len(key) > MAX_CHILD_KEY_LENGTH:
        raise ValidationError(field, f"is too long (at most {MAX_CHILD_KEY_LENGTH} characters)")
    return key


def _parse_children(r: _Reader, value: object, today: date) -> tuple[list[FileChild], set[str]]:
    """The valid children, and every key the file gives (so one bad child does not flag its entries too)."""
    parsed: list[tuple[str, str, date | None]] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(r.items(value, "children")):
        path = f"children[{i}]"
        child = r.obj(raw, path, _CHILD_FIELDS)
        if child is None:
            continue
        key = r.check(f"{path}.key", _child_key, child.get("key"), f"{path}.key")
        if key not in (_BAD, ""):
            if key in seen:
                r.problem(f"{path}.key", f"'{key}' is also the key of children[{seen[key]}]")
            seen.setdefault(key, i)
        name = r.check(f"{path}.name", _text, child.get("name"), "name", required=True)
        dob = r.check(f"{path}.date_of_birth", _optional_date, child.get("date_of_birth"), "date_of_birth")
        if dob not in (None, _BAD) and name is not _BAD:
            checked = r.check(f"{path}.date_of_birth", validation.check_new_child, NewChild(name, dob), today)
            if checked is _BAD:
                dob = _BAD
        if _BAD not in (key, name, dob):
            parsed.append((key, name, dob))
    # Children without a key get the first free c1, c2, ... (as the casebook numbers them).
    used = {key for key, _, _ in parsed if key}
    children = []
    number = 0
    for key, name, dob in parsed:
        if not key:
            number += 1
            while f"c{number}" in used:
                number += 1
            key = f"c{number}"
            used.add(key)
        children.append(FileChild(key, name, dob))
    return children, used | set(seen)


def _child_ref(r: _Reader, value: object, path: str, keys: set[str]) -> str | None | Any:
    if value is None:
        return None
    if not isinstance(value, str) or value.strip() not in keys:
        known = ", ".join(sorted(keys)) or "none"
        shown = json.dumps(value, ensure_ascii=False)[:60]
        r.problem(path, f"{shown} is not the key of a child of this family (keys: {known})")
        return _BAD
    return value.strip()


def _carer_ref(r: _Reader, value: object, path: str, carers: tuple[str, ...]) -> str | Any:
    """A ``carer`` field: null, or the name of one of the family's carers (any case, extra spaces)."""
    if value is None:
        return ""
    wanted = " ".join(value.lower().split()) if isinstance(value, str) else None
    for name in carers:
        if wanted and " ".join(name.lower().split()) == wanted:
            return name
    known = ", ".join(json.dumps(n, ensure_ascii=False) for n in carers) or "none"
    shown = json.dumps(value, ensure_ascii=False)[:60]
    r.problem(path, f"{shown} is not the name of a carer of this family (carers: {known})")
    return _BAD


def _check_dated(r: _Reader, path: str, day: date, today: date, opened_on: date | None) -> bool:
    if r.check(path, validation.check_not_future, day, path, today) is _BAD:
        return False
    if opened_on is not None and day < opened_on:
        r.problem(
            path, f"{day.isoformat()} is before the family's record was opened ({opened_on.isoformat()})"
        )
        return False
    return True


def _parse_entry(
    r: _Reader,
    raw: object,
    path: str,
    v2: bool,
    today: date,
    opened_on: date | None,
    keys: set[str],
    *,
    version: int = 2,
    carers: tuple[str, ...] = (),
) -> FileEntry | None:
    v3 = version >= 3
    v4 = version >= 4
    newer = {} if v2 else dict.fromkeys(_ENTRY_FIELDS_V2_ONLY, 2)
    if not v3:
        newer["restricted"] = 3
    if not v4:
        newer["carer"] = 4
    entry = r.obj(
        raw,
        path,
        _ENTRY_FIELDS_V1
        + (_ENTRY_FIELDS_V2_ONLY if v2 else ())
        + (("restricted",) if v3 else ())
        + (("carer",) if v4 else ()),
        newer,
    )
    if entry is None:
        return None
    ok = True
    day = r.check(f"{path}.date", _date, entry.get("date"), "date")
    if day is not _BAD:
        ok = _check_dated(r, f"{path}.date", day, today, opened_on)
    domain = r.check(f"{path}.domain", _code, Domain, entry.get("domain"), "domain")
    kind = r.check(f"{path}.kind", _code, Kind, entry.get("kind"), "kind")
    minutes = r.check(f"{path}.minutes", _minutes, entry.get("minutes"), "minutes")
    child = _child_ref(r, entry.get("child"), f"{path}.child", keys)
    note = r.check(f"{path}.note", _note, entry.get("note"), "note")
    activity = r.check(f"{path}.activity", _activity_code, entry.get("activity"), "activity")
    mode = ContactMode.IN_PERSON
    if entry.get("contact_mode") is not None:
        mode = r.check(f"{path}.contact_mode", _code, ContactMode, entry["contact_mode"], "contact_mode")
    follow_up = r.check(f"{path}.follow_up_on", _optional_date, entry.get("follow_up_on"), "follow_up_on")
    if follow_up not in (None, _BAD) and day is not _BAD and follow_up < day:
        r.problem(
            f"{path}.follow_up_on", f"{follow_up.isoformat()} is before the entry's date ({day.isoformat()})"
        )
        ok = False
    recorded_by = r.check(f"{path}.recorded_by", _username, entry.get("recorded_by"), "recorded_by")
    restricted = r.check(f"{path}.restricted", _flag, entry.get("restricted"), "restricted")
    carer = _carer_ref(r, entry.get("carer"), f"{path}.carer", carers)
    values = (
        day,
        domain,
        kind,
        minutes,
        child,
        note,
        activity,
        mode,
        follow_up,
        recorded_by,
        restricted,
        carer,
    )
    if not ok or _BAD in values:
        return None
    return FileEntry(
        day, domain, kind, minutes, child, note, activity, mode, follow_up, recorded_by, restricted, carer
    )


def _parse_referral(
    r: _Reader,
    raw: object,
    path: str,
    v2: bool,
    today: date,
    opened_on: date | None,
    keys: set[str],
    *,
    version: int = 2,
    carers: tuple[str, ...] = (),
) -> FileReferral | None:
    v3 = version >= 3
    v4 = version >= 4
    allowed = (
        _REFERRAL_FIELDS_V1
        + (_REFERRAL_FIELDS_V2_ONLY if v2 else ())
        + (_REFERRAL_FIELDS_V3_ONLY + ("restricted",) if v3 else ())
        + (("carer",) if v4 else ())
    )
    newer = {} if v2 else dict.fromkeys(_REFERRAL_FIELDS_V2_ONLY, 2)
    if not v3:
        newer.update(dict.fromkeys((*_REFERRAL_FIELDS_V3_ONLY, "restricted"), 3))
    if not v4:
        newer["carer"] = 4
    referral = r.obj(raw, path, allowed, newer)
    if referral is None:
        return None
    ok = True
    service = r.check(f"{path}.service", _text, referral.get("service"), "service", required=True)
    category = r.check(
        f"{path}.service_category",
        _code,
        ServiceCategory,
        referral.get("service_category"),
        "service_category",
    )
    domain = r.check(f"{path}.domain", _code, Domain, referral.get("domain"), "domain")
    made_on = r.check(f"{path}.made_on", _date, referral.get("made_on"), "made_on")
    if made_on is not _BAD:
        ok = _check_dated(r, f"{path}.made_on", made_on, today, opened_on)
    consent = r.check(f"{path}.consent", _code, Consent, referral.get("consent"), "consent")
    status = r.check(f"{path}.status", _code, ReferralStatus, referral.get("status"), "status")
    child = _child_ref(r, referral.get("child"), f"{path}.child", keys)
    made_by = r.check(f"{path}.made_by", _username, referral.get("made_by"), "made_by")
    note = r.check(f"{path}.note", _note, referral.get("note"), "note")
    restricted = r.check(f"{path}.restricted", _flag, referral.get("restricted"), "restricted")
    carer = _carer_ref(r, referral.get("carer"), f"{path}.carer", carers)
    values = (service, category, domain, made_on, consent, status, child, made_by, note, restricted, carer)
    workflow = _parse_workflow(r, referral, path, today, made_on, status) if v3 else {}
    if not ok or _BAD in values or workflow is None:
        return None
    return FileReferral(
        service,
        category,
        domain,
        made_on,
        consent,
        status,
        child,
        made_by,
        note,
        restricted,
        **workflow,
        carer=carer,
    )


def _optional_code(enum: type[E], value: object, field: str) -> E | None:
    return None if value is None else _code(enum, value, field)


def _parse_workflow(
    r: _Reader, referral: dict, path: str, today: date, made_on: date | Any, status: ReferralStatus | Any
) -> dict | None:
    """The version-3 fields of a referral, checked; None if any is wrong (the problems are recorded)."""
    fields: dict[str, Any] = {"workflow": True}

    def get(name: str, fn: Callable[..., Any], *args: Any) -> None:
        fields[name] = r.check(f"{path}.{name}", fn, referral.get(name), *args)

    route = referral.get("route")
    fields["route"] = (
        Route.REFERRED if route is None else r.check(f"{path}.route", _code, Route, route, "route")
    )
    urgency = referral.get("urgency")
    fields["urgency"] = (
        Urgency.ROUTINE if urgency is None else r.check(f"{path}.urgency", _code, Urgency, urgency, "urgency")
    )
    get("reason", _note, "reason")
    get("expected_response_on", _optional_date, "expected_response_on")
    get("due_on", _optional_date, "due_on")
    get("consent_given_by", _text, "consent_given_by")
    get("consent_given_on", _optional_date, "consent_given_on")
    if fields["consent_given_on"] not in (None, _BAD):
        r.check(
            f"{path}.consent_given_on",
            validation.check_not_future,
            fields["consent_given_on"],
            "consent_given_on",
            today,
        )
    get("consent_scope", _note, "consent_scope")
    get("consent_note", _note, "consent_note")
    fields["lawful_basis"] = r.check(
        f"{path}.lawful_basis", _optional_code, LawfulBasis, referral.get("lawful_basis"), "lawful_basis"
    )
    get("override_rationale", _note, "override_rationale")
    get("override_by", _username, "override_by")
    if (
        fields["expected_response_on"] not in (None, _BAD)
        and made_on is not _BAD
        and fields["expected_response_on"] < made_on
    ):
        r.problem(f"{path}.expected_response_on", "is before made_on")
        return None

    history = []
    for i, raw in enumerate(r.items(referral.get("history"), f"{path}.history")):
        hpath = f"{path}.history[{i}]"
        item = r.obj(raw, hpath, _HISTORY_FIELDS)
        if item is None:
            return None
        change_status = r.check(f"{hpath}.status", _code, ReferralStatus, item.get("status"), "status")
        changed_on = r.check(f"{hpath}.changed_on", _date, item.get("changed_on"), "changed_on")
        reason = r.check(f"{hpath}.reason", _optional_code, StatusReason, item.get("reason"), "reason")
        change_note = r.check(f"{hpath}.note", _note, item.get("note"), "note")
        changed_by = r.check(f"{hpath}.changed_by", _username, item.get("changed_by"), "changed_by")
        if _BAD in (change_status, changed_on, reason, change_note, changed_by):
            return None
        if (
            r.check(f"{hpath}.changed_on", validation.check_not_future, changed_on, "changed_on", today)
            is _BAD
        ):
            return None
        history.append(FileStatusChange(change_status, changed_on, reason, change_note, changed_by))
    if _BAD in fields.values() or status is _BAD or made_on is _BAD:
        return None
    if not _history_holds_together(r, f"{path}.history", history, made_on, status, fields["route"]):
        return None
    fields["history"] = tuple(history)

    chases = []
    for i, raw in enumerate(r.items(referral.get("chases"), f"{path}.chases")):
        cpath = f"{path}.chases[{i}]"
        item = r.obj(raw, cpath, _CHASE_FIELDS)
        if item is None:
            return None
        chased_on = r.check(f"{cpath}.chased_on", _date, item.get("chased_on"), "chased_on")
        next_due = r.check(f"{cpath}.next_due_on", _date, item.get("next_due_on"), "next_due_on")
        chased_by = r.check(f"{cpath}.chased_by", _username, item.get("chased_by"), "chased_by")
        chase_note = r.check(f"{cpath}.note", _note, item.get("note"), "note")
        if _BAD in (chased_on, next_due, chased_by, chase_note):
            return None
        if r.check(f"{cpath}.chased_on", validation.check_not_future, chased_on, "chased_on", today) is _BAD:
            return None
        if next_due < chased_on:
            r.problem(
                f"{cpath}.next_due_on",
                f"{next_due.isoformat()} is before chased_on ({chased_on.isoformat()})",
            )
            return None
        chases.append(FileChase(chased_on, next_due, chased_by, chase_note))
    fields["chases"] = tuple(chases)
    return fields


def _history_holds_together(
    r: _Reader,
    path: str,
    history: list[FileStatusChange],
    made_on: date,
    status: ReferralStatus,
    route: Route,
) -> bool:
    """Dates in order from made_on, each move one the lifecycle allows, ending at the referral's status."""
    if not history:
        return True
    if history[0].changed_on < made_on:
        r.problem(f"{path}[0].changed_on", f"{history[0].changed_on.isoformat()} is before made_on")
        return False
    if history[0].status not in CREATABLE_STATUSES and len(history) > 1:
        r.problem(
            f"{path}[0].status",
            f"a referral's history starts at draft or sent, not {history[0].status.value}",
        )
        return False
    for i, (before, after) in enumerate(zip(history, history[1:], strict=False), start=1):
        if after.changed_on < before.changed_on:
            r.problem(f"{path}[{i}].changed_on", "is before the change listed above it")
            return False
        problem = transition_problem(before.status, after.status, route)
        if problem:
            r.problem(f"{path}[{i}].status", problem)
            return False
    for i, change in enumerate(history):
        reason = reason_problem(change.status, change.reason, change.note)
        if reason and reason[0] == "reason" and change.reason is not None:
            r.problem(f"{path}[{i}].reason", reason[1])
            return False
    if history[-1].status is not status:
        r.problem(path, f"ends at {history[-1].status.value} but the referral's status is {status.value}")
        return False
    return True


# --- import --------------------------------------------------------------------------------------


def import_records(session: Session, data: object) -> ImportSummary:
    """Write a whole record file (a loaded JSON document or a checked RecordFile), all or nothing."""
    session.require_manager("import records")
    today = session.clock.today()
    records = data if isinstance(data, RecordFile) else parse_record_file(data, today=today)
    conn = session.conn
    now = session.clock.now()
    with unit_of_work(conn):
        _refuse_refs_in_casebook(conn, records)
        staff_ids, added = _staff_for(conn, records.usernames(), now)
        _ensure_activity_types(conn, records.activities())
        entry_count = referral_count = children = 0
        for fam in records.families:  # written family by family: memory follows one family, not the file
            entries: list[NewEntry] = []
            referrals: list[tuple[NewTrackedReferral, FileReferral]] = []
            saved = family_repo.add_family(
                conn,
                NewFamily(
                    ref=fam.ref,
                    opened_on=fam.opened_on,
                    carers=fam.carers,
                    postcode=fam.postcode,
                    home_la_code=fam.home_la_code,
                    key_worker_id=staff_ids.get(fam.key_worker) if fam.key_worker else None,
                    closed_on=fam.closed_on,
                    notes=fam.notes,
                ),
                now,
            )
            child_ids = {
                c.key: family_repo.add_child(conn, saved.id, NewChild(c.name, c.date_of_birth, c.key)).id
                for c in fam.children
            }
            children += len(child_ids)
            entries.extend(
                NewEntry(
                    family_id=saved.id,
                    entry_date=e.entry_date,
                    domain=e.domain,
                    minutes=e.minutes,
                    kind=e.kind,
                    child_id=child_ids[e.child_key] if e.child_key else None,
                    staff_id=staff_ids[e.recorded_by] if e.recorded_by else None,
                    activity_code=e.activity,
                    contact_mode=e.contact_mode,
                    note=e.note,
                    follow_up_on=e.follow_up_on,
                    restricted=e.restricted,
                    carer=e.carer,
                )
                for e in fam.entries
            )
            referrals.extend(
                (
                    NewTrackedReferral(
                        family_id=saved.id,
                        service_name=x.service,
                        service_category=x.service_category,
                        domain=x.domain,
                        made_on=x.made_on,
                        consent=x.consent,
                        status=x.status,
                        child_id=child_ids[x.child_key] if x.child_key else None,
                        made_by=staff_ids[x.made_by] if x.made_by else None,
                        note=x.note,
                        restricted=x.restricted,
                        carer=x.carer,
                        route=x.route,
                        urgency=x.urgency,
                        reason=x.reason,
                        expected_response_on=x.expected_response_on,
                        consent_given_by=x.consent_given_by,
                        consent_given_on=x.consent_given_on,
                        consent_scope=x.consent_scope,
                        consent_note=x.consent_note,
                        lawful_basis=x.lawful_basis,
                        override_rationale=x.override_rationale,
                    ),
                    x,
                )
                for x in fam.referrals
            )
            entry_repo.add_entries(conn, entries, now)
            _add_referrals(conn, referrals, staff_ids, now)
            entry_count += len(entries)
            referral_count += len(referrals)
        audit.record(
            session,
            audit.CREATE,
            object_type="record_file",
            detail=(
                f"imported a record file: {_count(len(records.families), 'family', 'families')}, "
                f"{_count(children, 'child', 'children')}, {_count(entry_count, 'entry', 'entries')}, "
                f"{_count(referral_count, 'referral', 'referrals')}"
            ),
        )
    return ImportSummary(len(records.families), children, entry_count, referral_count, tuple(sorted(added)))


def _refuse_refs_in_casebook(conn: Connection, records: RecordFile) -> None:
    refs = [f.ref for f in records.families]
    taken: set[str] = set()
    for start in range(0, len(refs), 500):
        chunk = refs[start : start + 500]
        marks = ",".join("?" * len(chunk))
        taken.update(r[0] for r in conn.execute(f"SELECT ref FROM families WHERE ref IN ({marks})", chunk))
    if taken:
        problems = _Problems()
        try:
            for ref in refs:
                if ref in taken:
                    problems.add(f"family {ref}", "ref", "is already in the casebook")
        except _Enough:
            pass
        raise problems.reject()


def _staff_for(conn: Connection, usernames: set[str], now: datetime) -> tuple[dict[str, int], list[str]]:
    """Staff ids by username; names the casebook does not know become switched-off accounts."""
    ids: dict[str, int] = {}
    added: list[str] = []
    for username in sorted(usernames):
        staff = staff_repo.get_staff_by_username(conn, username)
        if staff is None:
            staff = staff_repo.add_staff(conn, username, username, Role.PRACTITIONER, now, active=False)
            added.append(username)
        ids[username] = staff.id
    return ids, added


def _ensure_activity_types(conn: Connection, activities: set[tuple[Domain, str]]) -> None:
    """Activity codes the casebook lacks (another setting's own types) are added, switched off."""
    for domain, code in sorted(activities):
        if activity_repo.get_activity_type(conn, domain, code) is None:
            label = code.replace("_", " ").capitalize()
            added = activity_repo.add_activity_type(conn, domain, code, label)
            activity_repo.set_activity_active(conn, added.id, False)


def _add_referrals(
    conn: Connection,
    referrals: list[tuple[NewTrackedReferral, FileReferral]],
    staff_ids: dict[str, int],
    now: datetime,
) -> None:
    """Each referral with its directory entry, status history, chases and follow-up date.

    A file without history (versions 1 and 2) gives one history row: the status on the day it was made.
    """
    if not referrals:
        return
    days = referral_repo.follow_up_days(conn)
    for new, x in referrals:
        service = service_directory.service_for_referral(
            conn, new.service_name, new.service_category, new.domain, now
        )
        new = replace(new, service_id=service.id)
        history = x.history or (FileStatusChange(x.status, x.made_on, changed_by=x.made_by),)
        if x.workflow:
            due_on = x.due_on
        else:
            due_on = due_date_after(x.status, history[-1].changed_on, days, x.expected_response_on)
        override_by = staff_ids[x.override_by] if x.override_by else None
        referral_id = referral_repo.insert_referral(conn, new, now, due_on=due_on, override_by=override_by)
        for change in history:
            referral_repo.add_status_change(
                conn,
                referral_id,
                change.status,
                change.changed_on,
                staff_ids[change.changed_by] if change.changed_by else None,
                change.reason,
                change.note,
                now,
            )
        for chase in x.chases:
            referral_repo.add_chase(
                conn,
                referral_id,
                chase.chased_on,
                staff_ids[chase.chased_by] if chase.chased_by else None,
                chase.note,
                chase.next_due_on,
                now,
            )
        if x.chases:
            referral_repo.set_due_on(conn, referral_id, due_on, now)  # the file's date, not the last chase's


# --- export --------------------------------------------------------------------------------------


def export_families(
    session: Session,
    refs: list[str] | None = None,
    *,
    version: int = WRITE_VERSION,
    only: RecordSelection | None = None,
) -> dict:
    """The record file (current version, or an older one for an older app) for the families named, or
    for all when None. ``only`` keeps a subset of one family's records (a subject access pack)."""
    session.require_manager("export family records")
    if version not in WRITE_VERSIONS:
        raise AppError(
            f"Export writes version {' or '.join(map(str, WRITE_VERSIONS))} of the format, not {version}."
        )
    conn = session.conn
    if refs is None:
        ids = family_repo.list_all_family_ids(conn)
    else:
        ids = []
        for ref in dict.fromkeys(r.strip() for r in refs):
            family = family_repo.get_family_by_ref(conn, ref)
            if family is None:
                raise NotFound(f"There is no family with reference '{ref}'; nothing was exported.")
            ids.append(family.id)
    usernames = {s.id: s.username for s in staff_repo.list_staff(conn)}
    return {
        "format": FORMAT,
        "version": version,
        "families": [_export_family(conn, family_id, usernames, version, only) for family_id in ids],
    }


@dataclass(frozen=True)
class RecordSelection:
    """The part of a family's record a document holds: these entries, referrals and carers only."""

    entry_ids: frozenset[int]
    referral_ids: frozenset[int]
    #: Carers' names kept (None: all of them).
    carers: frozenset[str] | None = None


def export_family(session: Session, ref: str) -> dict:
    return export_families(session, [ref])


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _export_family(
    conn: Connection,
    family_id: int,
    usernames: dict[int, str],
    version: int = WRITE_VERSION,
    only: RecordSelection | None = None,
) -> dict:
    family = family_repo.get_family(conn, family_id)
    if version < 3 and _has_restricted(conn, family_id):
        raise AppError(
            f"{family.ref} has restricted records, which version {version} of the format cannot mark; "
            "export version 3 instead. Nothing was written."
        )
    if version < 4 and _has_carer_marks(conn, family_id):
        raise AppError(
            f"{family.ref} has records marked as about one carer, which version {version} of the format "
            "cannot mark; export version 4 instead. Nothing was written."
        )
    entries = entry_repo.list_family_entries(conn, family_id)
    carers = family.carers
    if only is not None:
        entries = [e for e in entries if e.id in only.entry_ids]
        if only.carers is not None:
            carers = tuple(c for c in carers if c.name in only.carers)
    children = family_repo.list_children(conn, family_id)
    keys = {c.id: c.key for c in children}
    return {
        "ref": family.ref,
        "carers": [{"name": c.name, "relationship": c.relationship, "phone": c.phone} for c in carers],
        "postcode": family.postcode,
        "home_la_code": family.home_la_code,
        "key_worker": usernames.get(family.key_worker_id),
        "opened_on": _iso(family.opened_on),
        "closed_on": _iso(family.closed_on),
        "notes": family.notes,
        "children": [
            {"key": c.key, "name": c.name, "date_of_birth": _iso(c.date_of_birth)} for c in children
        ],
        "entries": [
            {
                "date": _iso(e.entry_date),
                "child": keys.get(e.child_id),
                "domain": e.domain.value,
                "kind": e.kind.value,
                "activity": e.activity_code,
                "minutes": e.minutes,
                "contact_mode": e.contact_mode.value,
                "note": e.note,
                "follow_up_on": _iso(e.follow_up_on),
                "recorded_by": usernames.get(e.staff_id),
                **({"restricted": True} if e.restricted and version >= 3 else {}),
                **({"carer": e.carer} if e.carer and version >= 4 else {}),
            }
            for e in entries
        ],
        "referrals": _export_referrals(conn, family_id, keys, usernames, version, only),
    }


def _has_carer_marks(conn: Connection, family_id: int) -> bool:
    row = conn.execute(
        """SELECT EXISTS (SELECT 1 FROM support_entries WHERE family_id = ? AND carer != '')
               OR EXISTS (SELECT 1 FROM referrals WHERE family_id = ? AND carer != '')""",
        (family_id, family_id),
    ).fetchone()
    return bool(row[0])


def _has_restricted(conn: Connection, family_id: int) -> bool:
    return any(e.restricted for e in entry_repo.list_family_entries(conn, family_id)) or any(
        x.restricted for x in referral_repo.list_family_referrals(conn, family_id)
    )


def _export_referrals(
    conn: Connection,
    family_id: int,
    keys: dict[int, str],
    usernames: dict[int, str],
    version: int,
    only: RecordSelection | None = None,
) -> list[dict]:
    referrals = referral_repo.list_family_referrals(conn, family_id)
    if only is not None:
        referrals = [x for x in referrals if x.id in only.referral_ids]
    histories = referral_repo.history_for(conn, [x.id for x in referrals]) if version >= 3 else {}
    exported = []
    for x in referrals:
        item = {
            "service": x.service_name,
            "service_category": x.service_category.value,
            "domain": x.domain.value,
            "made_on": _iso(x.made_on),
            "consent": x.consent.value,
            "status": x.status.value,
            "child": keys.get(x.child_id),
            "made_by": usernames.get(x.made_by),
            "note": x.note,
        }
        if version >= 4 and x.carer:
            item["carer"] = x.carer
        if version >= 3:
            if x.restricted:
                item["restricted"] = True
            item.update(
                {
                    "route": x.route.value,
                    "urgency": x.urgency.value,
                    "reason": x.reason,
                    "expected_response_on": _iso(x.expected_response_on),
                    "due_on": _iso(x.due_on),
                    "consent_given_by": x.consent_given_by,
                    "consent_given_on": _iso(x.consent_given_on),
                    "consent_scope": x.consent_scope,
                    "consent_note": x.consent_note,
                    "lawful_basis": x.lawful_basis.value if x.lawful_basis else None,
                    "override_rationale": x.override_rationale,
                    "override_by": usernames.get(x.override_by),
                    "history": [
                        {
                            "status": h.status.value,
                            "changed_on": _iso(h.changed_on),
                            "reason": h.reason.value if h.reason else None,
                            "note": h.note,
                            "changed_by": usernames.get(h.changed_by),
                        }
                        for h in histories.get(x.id, [])
                    ],
                    "chases": [
                        {
                            "chased_on": _iso(c.chased_on),
                            "chased_by": usernames.get(c.chased_by),
                            "note": c.note,
                            "next_due_on": _iso(c.next_due_on),
                        }
                        for c in referral_repo.list_chases(conn, x.id)
                    ],
                }
            )
        exported.append(item)
    return exported


# --- files ---------------------------------------------------------------------------------------


def dumps_record_file(document: dict) -> bytes:
    """The file's bytes: UTF-8 JSON, readable names (not \\u escapes), keys in the order given."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def export_to_file(
    session: Session,
    path: Path,
    refs: list[str] | None = None,
    *,
    version: int = WRITE_VERSION,
    partner: str = "",
    agreement_id: int | None = None,
    no_agreement_reason: str = "",
    lawful_basis: str | None = None,
    purpose: str = "",
) -> dict:
    """Export (as :func:`export_families`) and write the file, with its audit row in one step.

    The audit row is written in the same transaction as the file: if the file cannot be written the
    row is rolled back, and if the row cannot be written no file is left. Returns the document.

    With ``partner`` the file is for someone outside the setting: each family's record gets an
    information-sharing row (occasion record_export) naming the data-sharing agreement that covers it
    (``agreement_id``, or the one in force for that partner) or ``no_agreement_reason``; with neither
    the export is refused. The lawful basis is the agreement's unless ``lawful_basis`` says otherwise.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise AppError(f"{path} is a folder: give a file name to write to.")
    session.check_output_path(path)
    if not partner.strip() and (
        agreement_id is not None or no_agreement_reason.strip() or lawful_basis or purpose.strip()
    ):
        # Silently dropping them would leave a share to a partner unrecorded.
        raise ValidationError(
            "for",
            "an agreement, a reason for having none, a lawful basis or a purpose is for a file going to a "
            "partner: name the partner it is for (--for), or leave them out for a copy kept in the setting",
        )
    with unit_of_work(session.conn):
        document = export_families(session, refs, version=version)
        families = document["families"]
        single = len(families) == 1
        family_id = None
        if single:
            found = family_repo.get_family_by_ref(session.conn, families[0]["ref"])
            family_id = found.id if found else None
        audit.record(
            session,
            audit.EXPORT,
            object_type="record_file",
            object_id=family_id,
            family_id=family_id,
            detail=f"record file version {version}: {_count(len(families), 'family', 'families')}",
        )
        if partner.strip():
            _record_export_shares(
                session,
                families,
                partner.strip(),
                agreement_id=agreement_id,
                no_agreement_reason=no_agreement_reason,
                lawful_basis=lawful_basis,
                purpose=purpose,
            )
        write_record_file(path, document)
    return document


def _record_export_shares(
    session: Session,
    families: list[dict],
    partner: str,
    *,
    agreement_id: int | None,
    no_agreement_reason: str,
    lawful_basis: str | None,
    purpose: str,
) -> None:
    """One information-sharing row per family exported for a partner (inside the export's transaction)."""
    today = session.clock.today()
    cover = agreements.check_cover(
        session.conn,
        on=today,
        partner=partner,
        agreement_id=agreement_id,
        no_agreement_reason=no_agreement_reason,
    )
    basis = lawful_basis or None
    if basis is None and cover.agreement_id is not None:
        covering = agreement_repo.get_agreement(session.conn, cover.agreement_id)
        basis = str(covering.lawful_basis) if covering else None
    if basis is None:
        raise ValidationError(
            "lawful basis", "say what sharing the record relies on: there is no agreement to take it from"
        )
    for item in families:
        found = family_repo.get_family_by_ref(session.conn, item["ref"])
        info_sharing.record_share(
            session.conn,
            recipient=partner,
            what=f"Family record {item['ref']} (record file: carers, children, support entries, referrals)",
            purpose=purpose.strip() or f"Family record exported for {partner}",
            shared_on=today,
            now=session.clock.now(),
            recorded_by=session.user.id,
            lawful_basis=basis,
            occasion="record_export",
            family_id=found.id if found else None,
            method="record file",
            today=today,
            agreement_id=cover.agreement_id,
            no_agreement_reason=cover.no_agreement_reason,
        )


def write_record_file(path: Path, document: dict) -> None:
    """Write atomically (temporary file beside the target, fsync, rename), readable by the owner only."""
    path = Path(path)
    if path.is_dir():
        raise AppError(f"{path} is a folder: give a file name to write to.")
    try:
        atomic_write(path, dumps_record_file(document))
    except OSError as exc:
        raise AppError(f"Could not write {path}: {exc.strerror or exc}. Nothing was written.") from None


class _DuplicateField(ValueError):
    pass


def _no_duplicate_fields(pairs: list[tuple[str, Any]]) -> dict:
    result: dict = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateField(key)
        result[key] = value
    return result


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not allowed in a record file")


def read_record_file(path: Path) -> object:
    """Load a record file's JSON, refusing in plain words what is missing, too large or not JSON."""
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ImportRejected(f"There is no file at {path}.") from None
    except OSError as exc:
        raise ImportRejected(f"Could not read {path}: {exc.strerror or exc}.") from None
    if stat.S_ISDIR(info.st_mode):
        raise ImportRejected(f"{path} is a folder, not a record file.")
    if not stat.S_ISREG(info.st_mode):
        raise ImportRejected(f"{path} is not an ordinary file.")
    if info.st_size > MAX_FILE_BYTES:
        raise ImportRejected(
            f"{path} is too large to be a record file ({info.st_size / 1e6:.0f} MB; "
            f"the limit is {MAX_FILE_BYTES // (1024 * 1024)} MB)."
        )
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ImportRejected(f"Could not read {path}: {exc.strerror or exc}.") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ImportRejected(f"{path} is too large to be a record file.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected(
            f"{path} is not UTF-8 text (unreadable byte at position {exc.start}); save it as UTF-8 JSON."
        ) from None
    del raw  # one copy of the file in memory at a time
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_fields, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise ImportRejected(
            f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from None
    except _DuplicateField as exc:
        raise ImportRejected(f"{path} has the field '{exc.args[0]}' twice in one object.") from None
    except ValueError as exc:
        raise ImportRejected(f"{path} is not valid JSON: {exc}.") from None
    except RecursionError:
        raise ImportRejected(f"{path} is not usable: its JSON is nested too deeply.") from None


class _Utf8Text:
    """Text from a binary handle, decoded as it is read (a byte-order mark dropped)."""

    def __init__(self, raw) -> None:
        self.raw = raw
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.read_bytes = 0

    def read(self, size: int) -> str:
        data = self.raw.read(size)
        self.read_bytes += len(data)
        return self.decoder.decode(data, final=not data)


def read_and_parse_record_file(path: Path, *, today: date | None = None) -> RecordFile:
    """Read and check a record file. One up to ``STREAM_ABOVE`` is loaded whole (its JSON errors give a
    line and column); a larger one is read family by family, so memory follows the checked records,
    not the several times larger JSON tree."""
    path = Path(path)
    try:
        info = path.stat()
    except OSError:
        info = None
    if info is None or not stat.S_ISREG(info.st_mode) or not STREAM_ABOVE < info.st_size <= MAX_FILE_BYTES:
        # Small, or to be refused (missing, a folder or device, too large): the whole-file reader says why.
        return parse_record_file(read_record_file(path), today=today)
    return _checked(lambda problems: _parse_stream(path, today or SYSTEM_CLOCK.today(), problems))


def _parse_stream(path: Path, today: date, problems: _Problems) -> RecordFile | None:
    top: dict[str, Any] = {}
    version: int | None = None
    families: list[FileFamily] = []
    first_index: dict[str, int] = {}
    late: list[str] = []  # top-level fields after the families list
    index = 0
    try:
        with open_bounded(path, MAX_FILE_BYTES, "record file") as raw:
            text = _Utf8Text(raw)
            events = json_stream.stream_object(
                text,
                "families",
                object_pairs_hook=_no_duplicate_fields,
                parse_constant=_no_constants,
                max_item=16 * 1024 * 1024,  # no one family is anywhere near this
            )
            for kind, value in events:
                if kind == "item":
                    family = _parse_family(value, index, version, today, problems, first_index)
                    index += 1
                    if family is not None:
                        families.append(family)
                    continue
                name, field_value = (value, []) if kind == "list" else value
                if name in top:
                    raise _DuplicateField(name)
                top[name] = field_value
                if version is not None:
                    late.append(name)
                if kind == "list":
                    version = _check_top({**top}, problems)
                    if version is None:
                        return None
    except InputRefused as exc:
        raise ImportRejected(str(exc)) from None
    except UnicodeDecodeError:
        raise ImportRejected(f"{path} is not UTF-8 text; save it as UTF-8 JSON.") from None
    except json_stream.StreamError as exc:
        raise ImportRejected(
            f"{path} is not valid JSON: {exc.message} near character {exc.offset}."
        ) from None
    except _DuplicateField as exc:
        raise ImportRejected(f"{path} has the field '{exc.args[0]}' twice in one object.") from None
    except ValueError as exc:
        raise ImportRejected(f"{path} is not valid JSON: {exc}.") from None
    except RecursionError:
        raise ImportRejected(f"{path} is not usable: its JSON is nested too deeply.") from None
    except OSError as exc:
        raise ImportRejected(f"Could not read {path}: {exc.strerror or exc}.") from None
    if version is None:  # families missing, or not a list: the ordinary checks say which
        version = _check_top(top, problems)
        if version is None:
            return None
        _Reader(problems, "").items(top["families"], "families")
        return None
    for key in late:
        if key not in _TOP_FIELDS:
            problems.add("", "", f"unknown field '{key}' at the top of the file")
    return RecordFile(version, tuple(families))


__all__ = [
    "FORMAT",
    "WRITE_VERSION",
    "ImportSummary",
    "RecordFile",
    "export_families",
    "export_family",
    "export_to_file",
    "import_records",
    "parse_record_file",
    "read_and_parse_record_file",
    "read_record_file",
    "write_record_file",
]

"""Rules every record must follow, wherever it comes from (a form, the command line or an import).

Each check raises :class:`ValidationError` naming the field, in words a member of staff can act on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import TypeVar

from setting_app.domain import passphrase_strength, text_safety
from setting_app.domain.codes import Consent, ContactMode, Domain, Kind, ReferralStatus, Role, ServiceCategory
from setting_app.domain.errors import ValidationError
from setting_app.domain.models import (
    Child,
    Family,
    NewChild,
    NewEntry,
    NewFamily,
    NewReferral,
    SettingDetails,
)

MIN_MINUTES = 1
MAX_MINUTES = 600
MAX_NOTE_LENGTH = 20_000
MIN_PASSPHRASE_LENGTH = 8

GSS_CODE = re.compile(r"^[ENSW]\d{8}$")
URN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{2,19}$")
USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")
FAMILY_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _/.-]{0,39}$")
UK_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")

E = TypeVar("E", bound=StrEnum)


def parse_code(enum: type[E], value: object, field: str) -> E:
    """Turn a code string into its enum member, or say which codes are allowed."""
    if isinstance(value, enum):
        return value
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise ValidationError(field, f"'{value}' is not one of: {allowed}") from None


def parse_date(value: object, field: str) -> date:
    """ISO dates only (YYYY-MM-DD): unambiguous in files; the app shows UK dates."""
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(field, f"'{value}' is not a date in the form YYYY-MM-DD") from None


def parse_optional_date(value: object, field: str) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_date(value, field)


def parse_minutes(value: object, field: str = "minutes") -> int:
    if isinstance(value, bool):
        raise ValidationError(field, "must be a whole number of minutes")
    try:
        minutes = value if isinstance(value, int) else int(str(value).strip())
    except ValueError:
        raise ValidationError(field, f"'{value}' is not a whole number of minutes") from None
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise ValidationError(field, f"must be from {MIN_MINUTES} to {MAX_MINUTES} minutes (got {minutes})")
    return minutes


def refuse_control_characters(value: str, field: str, *, multiline: bool = False) -> str:
    """``value`` unchanged, or a ``ValidationError`` naming the field when it holds a control character
    (tab and newline are allowed in ``multiline`` fields such as notes)."""
    found = text_safety.control_character(value or "", multiline=multiline)
    if found is not None:
        raise ValidationError(field, f"contains {text_safety.describe(found)}; remove it and try again")
    return value


def require_text(value: str, field: str, *, max_length: int = 200) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(field, "is required")
    if len(text) > max_length:
        raise ValidationError(field, f"is too long (at most {max_length} characters)")
    return refuse_control_characters(text, field)


def check_note(value: str, field: str = "note") -> str:
    text = text_safety.normalise_newlines(value or "").strip()
    if len(text) > MAX_NOTE_LENGTH:
        raise ValidationError(field, f"is too long (at most {MAX_NOTE_LENGTH} characters)")
    return refuse_control_characters(text, field, multiline=True)


def check_optional_text(value: str | None, field: str, *, max_length: int = 200) -> str:
    """An optional one-line field (a phone number, a relationship): stripped, bounded, no control characters."""
    text = (value or "").strip()
    if len(text) > max_length:
        raise ValidationError(field, f"is too long (at most {max_length} characters)")
    return refuse_control_characters(text, field)


def check_not_future(value: date, field: str, today: date) -> None:
    if value > today:
        raise ValidationError(field, f"{value.isoformat()} is in the future (today is {today.isoformat()})")


def check_la_code(value: str, field: str, *, required: bool = True) -> str:
    code = (value or "").strip().upper()
    if not code and not required:
        return ""
    if not GSS_CODE.match(code):
        raise ValidationError(
            field, f"'{value}' is not a local authority GSS code (a letter and 8 digits, like E09000019)"
        )
    return code


def check_postcode(value: str, field: str = "postcode") -> str:
    text = " ".join((value or "").upper().split())
    if not text:
        return ""
    if not UK_POSTCODE.match(text):
        raise ValidationError(field, f"'{value}' is not a UK postcode")
    if " " not in text:
        text = f"{text[:-3]} {text[-3:]}"
    return text


def check_username(value: str, field: str = "username") -> str:
    name = (value or "").strip().lower()
    if not USERNAME.match(name):
        raise ValidationError(
            field,
            "use 2 to 32 lower-case letters, digits, dots, dashes or underscores, starting with a letter",
        )
    return name


def check_new_passphrase(
    passphrase: str, field: str = "passphrase", *, user_inputs: Iterable[str] = ()
) -> str:
    """Long enough, and not easy to guess (see :mod:`passphrase_strength`). ``user_inputs``: the
    username, display name and setting name, so a passphrase made of them is refused."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise ValidationError(field, f"is too short: use at least {MIN_PASSPHRASE_LENGTH} characters")
    if passphrase != passphrase.strip():
        raise ValidationError(field, "must not start or end with a space")
    reason = passphrase_strength.weakness(passphrase, user_inputs)
    if reason:
        raise ValidationError(field, passphrase_strength.advice(reason))
    return passphrase


def check_role(value: object) -> Role:
    return parse_code(Role, value, "role")


def check_setting(details: SettingDetails) -> SettingDetails:
    name = require_text(details.name, "setting name")
    urn = (details.urn or "").strip()
    if not URN.match(urn):
        raise ValidationError(
            "URN", f"'{details.urn}' is not a URN or service number (3 to 20 letters and digits)"
        )
    la_code = check_la_code(details.la_code, "local authority code")
    return SettingDetails(
        name=name,
        urn=urn,
        nation=details.nation,
        la_code=la_code,
        la_name=check_optional_text(details.la_name, "local authority name"),
        provider_type=details.provider_type,
        integration_model=details.integration_model,
    )


def check_family_ref(value: str, field: str = "ref") -> str:
    ref = (value or "").strip()
    if not FAMILY_REF.match(ref):
        raise ValidationError(
            field, f"'{value}' is not a usable family reference (1 to 40 letters, digits, - _ / .)"
        )
    return ref


def check_new_child(child: NewChild, today: date, where: str = "") -> NewChild:
    name = require_text(child.name, "child name")
    if child.date_of_birth is not None:
        check_not_future(child.date_of_birth, "date of birth", today)
        if child.date_of_birth.year < today.year - 25:
            raise ValidationError(
                "date of birth", f"{child.date_of_birth.isoformat()} is too long ago for a child"
            )
    return NewChild(name=name, date_of_birth=child.date_of_birth, key=(child.key or "").strip())


def check_new_family(family: NewFamily, today: date) -> NewFamily:
    ref = check_family_ref(family.ref)
    check_not_future(family.opened_on, "opened date", today)
    if family.closed_on is not None:
        check_not_future(family.closed_on, "closed date", today)
        if family.closed_on < family.opened_on:
            raise ValidationError("closed date", "is before the date the record was opened")
    carers = []
    for carer in family.carers:
        if not carer.name.strip():
            raise ValidationError("carer name", "is required for each carer")
        carers.append(
            type(carer)(
                refuse_control_characters(carer.name.strip(), "carer name"),
                check_optional_text(carer.relationship, "relationship"),
                check_optional_text(carer.phone, "phone"),
            )
        )
    children = tuple(check_new_child(c, today) for c in family.children)
    keys = [c.key for c in children if c.key]
    if len(keys) != len(set(keys)):
        raise ValidationError("children", "two children share the same key")
    return NewFamily(
        ref=ref,
        opened_on=family.opened_on,
        carers=tuple(carers),
        postcode=check_postcode(family.postcode),
        home_la_code=check_la_code(family.home_la_code, "home local authority code", required=False),
        key_worker_id=family.key_worker_id,
        closed_on=family.closed_on,
        notes=check_note(family.notes, "notes"),
        children=children,
    )


def check_carer(carer: str, family: Family) -> str:
    """The carer an entry or referral is about: one of the family's carers (their name as written), or ""."""
    wanted = " ".join((carer or "").lower().split())
    if not wanted:
        return ""
    for c in family.carers:
        if " ".join(c.name.lower().split()) == wanted:
            return c.name
    names = ", ".join(repr(c.name) for c in family.carers) or "none"
    raise ValidationError(
        "carer", f"{carer.strip()!r} is not a carer of family {family.ref} (carers: {names})"
    )


def check_new_entry(entry: NewEntry, family: Family, children: Iterable[Child], today: date) -> NewEntry:
    """An entry must fall within the family's record and name only that family's children."""
    minutes = parse_minutes(entry.minutes)
    domain = parse_code(Domain, entry.domain, "domain")
    kind = parse_code(Kind, entry.kind, "kind") if entry.kind is not None else domain.default_kind
    contact_mode = parse_code(ContactMode, entry.contact_mode, "contact mode")
    check_not_future(entry.entry_date, "date", today)
    if entry.entry_date < family.opened_on:
        raise ValidationError(
            "date",
            f"{entry.entry_date.isoformat()} is before family {family.ref}'s record was opened "
            f"({family.opened_on.isoformat()})",
        )
    if entry.child_id is not None and entry.child_id not in {c.id for c in children}:
        raise ValidationError("child", f"that child does not belong to family {family.ref}")
    if entry.follow_up_on is not None and entry.follow_up_on < entry.entry_date:
        raise ValidationError("follow-up date", "is before the date of the entry")
    return NewEntry(
        family_id=entry.family_id,
        entry_date=entry.entry_date,
        domain=domain,
        minutes=minutes,
        kind=kind,
        child_id=entry.child_id,
        staff_id=entry.staff_id,
        activity_code=entry.activity_code or None,
        contact_mode=contact_mode,
        note=check_note(entry.note),
        follow_up_on=entry.follow_up_on,
        carer=check_carer(entry.carer, family),
    )


def check_new_referral(
    referral: NewReferral, family: Family, children: Iterable[Child], today: date
) -> NewReferral:
    service = require_text(referral.service_name, "service")
    check_not_future(referral.made_on, "date made", today)
    if referral.made_on < family.opened_on:
        raise ValidationError(
            "date made", f"{referral.made_on.isoformat()} is before family {family.ref}'s record was opened"
        )
    if referral.child_id is not None and referral.child_id not in {c.id for c in children}:
        raise ValidationError("child", f"that child does not belong to family {family.ref}")
    return NewReferral(
        family_id=referral.family_id,
        service_name=service,
        service_category=parse_code(ServiceCategory, referral.service_category, "service category"),
        domain=parse_code(Domain, referral.domain, "domain"),
        made_on=referral.made_on,
        consent=parse_code(Consent, referral.consent, "consent"),
        status=parse_code(ReferralStatus, referral.status, "status"),
        child_id=referral.child_id,
        made_by=referral.made_by,
        note=check_note(referral.note),
        carer=check_carer(referral.carer, family),
    )

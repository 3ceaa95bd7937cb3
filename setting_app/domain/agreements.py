"""Data-sharing agreements: the setting's register of what it may share with its partners, and how.

An agreement names its parties, its purpose, what data may flow and in which direction, the UK GDPR
article 6 lawful basis (and, when special-category data such as health may flow, the article 9(2)
condition), how long the data is kept, the security measures, and its start, review and end dates.
A share to a partner names the agreement that covered it, or says why there was none.

Pure rules here (no database); ``services/agreements.py`` saves and reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from setting_app.domain import validation
from setting_app.domain.codes import ServiceCategory
from setting_app.domain.errors import ValidationError
from setting_app.domain.referrals import LawfulBasis

#: An agreement whose review date is this close (or past) is listed on the dashboard.
REVIEW_DUE_DAYS = 30
#: The signed document is kept inside the casebook: keep it to a scanned agreement's size.
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_TEXT = 4000
MAX_PARTIES = 30
#: Control characters (a null byte, say) have no place in an agreement and would break the Word template.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class Direction(StrEnum):
    TO_PARTNERS = "to_partners"
    FROM_PARTNERS = "from_partners"
    BOTH_WAYS = "both_ways"

    @property
    def label(self) -> str:
        return {
            Direction.TO_PARTNERS: "From the setting to its partners",
            Direction.FROM_PARTNERS: "From the partners to the setting",
            Direction.BOTH_WAYS: "Both ways",
        }[self]


class PartyType(StrEnum):
    THIS_SETTING = "this_setting"
    EARLY_YEARS_SETTING = "early_years_setting"
    HEALTH_VISITING = "health_visiting"
    HEALTH = "health"
    FAMILY_HUB = "family_hub"
    EARLY_HELP = "early_help"
    LOCAL_AUTHORITY = "local_authority"
    SOCIAL_CARE = "social_care"
    VOLUNTARY_SECTOR = "voluntary_sector"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            PartyType.THIS_SETTING: "This setting",
            PartyType.EARLY_YEARS_SETTING: "Another early years setting",
            PartyType.HEALTH_VISITING: "Health visiting",
            PartyType.HEALTH: "Health (other)",
            PartyType.FAMILY_HUB: "Family hub",
            PartyType.EARLY_HELP: "Local authority early help",
            PartyType.LOCAL_AUTHORITY: "Local authority (other)",
            PartyType.SOCIAL_CARE: "Children's social care",
            PartyType.VOLUNTARY_SECTOR: "Voluntary sector",
            PartyType.OTHER: "Other",
        }[self]


class SpecialCategoryCondition(StrEnum):
    """The UK GDPR article 9(2) condition relied on when special-category data may flow."""

    EXPLICIT_CONSENT = "explicit_consent"
    EMPLOYMENT_SOCIAL_PROTECTION = "employment_social_protection"
    VITAL_INTERESTS = "vital_interests"
    NOT_FOR_PROFIT = "not_for_profit"
    MADE_PUBLIC = "made_public"
    LEGAL_CLAIMS = "legal_claims"
    SUBSTANTIAL_PUBLIC_INTEREST = "substantial_public_interest"
    HEALTH_SOCIAL_CARE = "health_social_care"
    PUBLIC_HEALTH = "public_health"
    ARCHIVING_RESEARCH = "archiving_research"

    @property
    def label(self) -> str:
        S = SpecialCategoryCondition
        return {
            S.EXPLICIT_CONSENT: "9(2)(a) Explicit consent",
            S.EMPLOYMENT_SOCIAL_PROTECTION: "9(2)(b) Employment and social protection law",
            S.VITAL_INTERESTS: "9(2)(c) Vital interests (someone unable to consent)",
            S.NOT_FOR_PROFIT: "9(2)(d) A not-for-profit body's own members",
            S.MADE_PUBLIC: "9(2)(e) Made public by the person",
            S.LEGAL_CLAIMS: "9(2)(f) Legal claims",
            S.SUBSTANTIAL_PUBLIC_INTEREST: "9(2)(g) Substantial public interest (e.g. safeguarding)",
            S.HEALTH_SOCIAL_CARE: "9(2)(h) Health or social care",
            S.PUBLIC_HEALTH: "9(2)(i) Public health",
            S.ARCHIVING_RESEARCH: "9(2)(j) Archiving, research or statistics",
        }[self]


class AgreementStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_FORCE = "in_force"
    DUE = "due"
    OVERDUE = "overdue"
    ENDED = "ended"

    @property
    def label(self) -> str:
        return {
            AgreementStatus.NOT_STARTED: "not yet in force",
            AgreementStatus.IN_FORCE: "in force",
            AgreementStatus.DUE: "review due",
            AgreementStatus.OVERDUE: "review overdue",
            AgreementStatus.ENDED: "ended",
        }[self]


@dataclass(frozen=True)
class AgreementParty:
    name: str
    party_type: PartyType | str
    #: The referral service category this party receives, so a referral finds its agreement.
    service_category: ServiceCategory | str | None = None
    contact: str = ""


@dataclass(frozen=True)
class NewAgreement:
    title: str
    parties: tuple[AgreementParty, ...]
    purpose: str
    data_items: str
    direction: Direction | str
    lawful_basis: LawfulBasis | str
    retention: str
    security_measures: str
    starts_on: date
    review_on: date
    ends_on: date | None = None
    special_category_condition: SpecialCategoryCondition | str | None = None
    notes: str = ""


@dataclass(frozen=True)
class Agreement(NewAgreement):
    id: int = 0
    document_name: str | None = None
    document_sha256: str | None = None
    document_size: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    created_by_name: str = ""
    #: How many information-sharing records name it.
    share_count: int = field(default=0, compare=False)

    def status(self, today: date) -> AgreementStatus:
        return agreement_status(self, today)

    def in_force(self, today: date) -> bool:
        return self.starts_on <= today and (self.ends_on is None or self.ends_on >= today)

    @property
    def party_names(self) -> str:
        return ", ".join(p.name for p in self.parties)


def agreement_status(agreement: NewAgreement, today: date) -> AgreementStatus:
    if agreement.ends_on is not None and agreement.ends_on < today:
        return AgreementStatus.ENDED
    if agreement.starts_on > today:
        return AgreementStatus.NOT_STARTED
    if agreement.review_on < today:
        return AgreementStatus.OVERDUE
    if agreement.review_on <= today + timedelta(days=REVIEW_DUE_DAYS):
        return AgreementStatus.DUE
    return AgreementStatus.IN_FORCE


def _plain(text: str, name: str) -> str:
    if _CONTROL.search(text):
        raise ValidationError(
            name, "holds a control character (a null byte, for example): retype it as plain text"
        )
    return text


def _text(value: str, name: str, *, required: bool = True, max_length: int = MAX_TEXT) -> str:
    if required:
        return _plain(validation.require_text(value, name, max_length=max_length), name)
    text = (value or "").strip()
    if len(text) > max_length:
        raise ValidationError(name, f"is too long (at most {max_length} characters)")
    return _plain(text, name)


def check_party(party: AgreementParty, where: str = "") -> AgreementParty:
    label = f"party{where}"
    name = _text(party.name, f"{label} name", max_length=200)
    party_type = validation.parse_code(PartyType, party.party_type, f"{label} type")
    category = party.service_category
    category = (
        None
        if category is None or str(category).strip() == ""
        else validation.parse_code(ServiceCategory, category, f"{label} service category")
    )
    contact = _text(party.contact, f"{label} contact", required=False, max_length=500)
    return AgreementParty(name=name, party_type=party_type, service_category=category, contact=contact)


#: Dates outside these are typing slips (0026 for 2026), not agreements.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)


def check_new_agreement(agreement: NewAgreement) -> NewAgreement:
    """Every rule an agreement follows, wherever it comes from; codes given as text are parsed."""
    title = _text(agreement.title, "title", max_length=200)
    parties = tuple(agreement.parties or ())
    if not parties:
        raise ValidationError("parties", "name at least one partner the agreement is with")
    if len(parties) > MAX_PARTIES:
        raise ValidationError("parties", f"at most {MAX_PARTIES} parties")
    checked = tuple(check_party(p, f" {i}" if len(parties) > 1 else "") for i, p in enumerate(parties, 1))
    names = [p.name.lower() for p in checked]
    if len(set(names)) != len(names):
        raise ValidationError("parties", "the same party is named twice")
    purpose = _text(agreement.purpose, "purpose")
    data_items = _text(agreement.data_items, "data items")
    direction = validation.parse_code(Direction, agreement.direction, "direction")
    lawful_basis = validation.parse_code(LawfulBasis, agreement.lawful_basis, "lawful basis")
    condition = agreement.special_category_condition
    condition = (
        None
        if condition is None or str(condition).strip() == ""
        else validation.parse_code(SpecialCategoryCondition, condition, "special category condition")
    )
    retention = _text(agreement.retention, "retention")
    security = _text(agreement.security_measures, "security measures")
    starts_on = validation.parse_date(agreement.starts_on, "start date")
    review_on = validation.parse_date(agreement.review_on, "review date")
    ends_on = validation.parse_optional_date(agreement.ends_on, "end date")
    for name, day in (("start date", starts_on), ("review date", review_on), ("end date", ends_on)):
        if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
            raise ValidationError(
                name,
                f"{day.isoformat()} is not a plausible date (use {EARLIEST_DATE.year} to {LATEST_DATE.year})",
            )
    if review_on <= starts_on:
        raise ValidationError(
            "review date", f"{review_on.isoformat()} must be after the start date ({starts_on.isoformat()})"
        )
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError(
            "end date", f"{ends_on.isoformat()} is before the start date ({starts_on.isoformat()})"
        )
    notes = _plain(validation.check_note(agreement.notes or "", "notes"), "notes")
    return replace(
        agreement,
        title=title,
        parties=checked,
        purpose=purpose,
        data_items=data_items,
        direction=direction,
        lawful_basis=lawful_basis,
        special_category_condition=condition,
        retention=retention,
        security_measures=security,
        starts_on=starts_on,
        review_on=review_on,
        ends_on=ends_on,
        notes=notes,
    )


def check_document(name: str, data: bytes) -> str:
    """The signed document's file name, once its size is checked."""
    name = (name or "").strip().replace("/", "_").replace("\\", "_")
    if not name:
        raise ValidationError("document", "has no file name")
    if len(name) > 200:
        name = name[-200:]
    if not data:
        raise ValidationError("document", "the file is empty")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            "document",
            f"is too big ({len(data) / 1e6:.1f} MB; the limit is {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB)",
        )
    return name


#: The keys an agreement may have in an import file, and what each holds.
IMPORT_KEYS: dict[str, str] = {
    "title": "text",
    "parties": "a list of {name, type, category, contact}",
    "purpose": "text",
    "data_items": "text: what data may flow",
    "direction": ", ".join(d.value for d in Direction),
    "lawful_basis": ", ".join(b.value for b in LawfulBasis),
    "special_category_condition": "optional: " + ", ".join(c.value for c in SpecialCategoryCondition),
    "retention": "text",
    "security_measures": "text",
    "starts_on": "YYYY-MM-DD",
    "review_on": "YYYY-MM-DD",
    "ends_on": "optional YYYY-MM-DD",
    "notes": "optional text",
}
PARTY_KEYS = ("name", "type", "category", "contact")
REQUIRED_KEYS = (
    "title",
    "parties",
    "purpose",
    "data_items",
    "direction",
    "lawful_basis",
    "retention",
    "security_measures",
    "starts_on",
    "review_on",
)


def _field_text(data: dict, key: str, where: str) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(key.replace("_", " "), "must be text", where=where)
    return value


def agreement_from_dict(data: object, where: str = "") -> NewAgreement:
    """One agreement from an import file's object; unknown or missing keys are named."""
    if not isinstance(data, dict):
        raise ValidationError("agreement", "must be a JSON object", where=where)
    for key in data:
        if key not in IMPORT_KEYS:
            raise ValidationError(
                str(key),
                "is not a key an agreement has (allowed: " + ", ".join(IMPORT_KEYS) + ")",
                where=where,
            )
    for key in REQUIRED_KEYS:
        if key not in data:
            raise ValidationError(key.replace("_", " "), "is missing", where=where)
    raw_parties = data["parties"]
    if not isinstance(raw_parties, list):
        raise ValidationError("parties", "must be a list", where=where)
    parties = []
    for i, item in enumerate(raw_parties, 1):
        place = f"{where} party {i}".strip()
        if not isinstance(item, dict):
            raise ValidationError("party", "must be a JSON object", where=place)
        for key in item:
            if key not in PARTY_KEYS:
                raise ValidationError(
                    str(key), "is not a key a party has (allowed: " + ", ".join(PARTY_KEYS) + ")", where=place
                )
        parties.append(
            AgreementParty(
                name=_field_text(item, "name", place),
                party_type=_field_text(item, "type", place),
                service_category=_field_text(item, "category", place) or None,
                contact=_field_text(item, "contact", place),
            )
        )
    try:
        return check_new_agreement(
            NewAgreement(
                title=_field_text(data, "title", where),
                parties=tuple(parties),
                purpose=_field_text(data, "purpose", where),
                data_items=_field_text(data, "data_items", where),
                direction=_field_text(data, "direction", where),
                lawful_basis=_field_text(data, "lawful_basis", where),
                special_category_condition=_field_text(data, "special_category_condition", where) or None,
                retention=_field_text(data, "retention", where),
                security_measures=_field_text(data, "security_measures", where),
                starts_on=_field_text(data, "starts_on", where),  # type: ignore[arg-type]
                review_on=_field_text(data, "review_on", where),  # type: ignore[arg-type]
                ends_on=_field_text(data, "ends_on", where) or None,  # type: ignore[arg-type]
                notes=_field_text(data, "notes", where),
            )
        )
    except ValidationError as exc:
        if exc.where or not where:
            raise
        raise ValidationError(exc.field, exc.problem, where=where) from None


def parse_party(text: str) -> AgreementParty:
    """``NAME|TYPE|CATEGORY|CONTACT`` (category and contact optional) from the command line."""
    parts = [p.strip() for p in (text or "").split("|")]
    if len(parts) < 2 or len(parts) > 4:
        raise ValidationError(
            "party", f"'{text}' should be NAME|TYPE|CATEGORY (category and |CONTACT optional)"
        )
    parts += [""] * (4 - len(parts))
    return AgreementParty(
        name=parts[0], party_type=parts[1], service_category=parts[2] or None, contact=parts[3]
    )

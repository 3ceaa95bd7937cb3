"""The records the casebook holds, as immutable values.

Saved records carry an ``id``; the ``New*`` classes are what a form or an import hands to a service
before anything is saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from setting_app.domain.codes import (
    Consent,
    ContactMode,
    Domain,
    IntegrationModel,
    Kind,
    Nation,
    ProviderType,
    ReferralStatus,
    Role,
    ServiceCategory,
)


@dataclass(frozen=True)
class SettingDetails:
    name: str
    urn: str
    nation: Nation
    la_code: str
    la_name: str = ""
    provider_type: ProviderType = ProviderType.PVI
    integration_model: IntegrationModel = IntegrationModel.SETTING_LED


@dataclass(frozen=True)
class StaffUser:
    id: int
    username: str
    display_name: str
    role: Role
    active: bool = True

    @property
    def is_manager(self) -> bool:
        return self.role is Role.MANAGER


@dataclass(frozen=True)
class Carer:
    name: str
    relationship: str = ""
    phone: str = ""


@dataclass(frozen=True)
class NewChild:
    name: str
    date_of_birth: date | None = None
    key: str = ""


@dataclass(frozen=True)
class Child:
    id: int
    family_id: int
    key: str
    name: str
    date_of_birth: date | None


@dataclass(frozen=True)
class NewFamily:
    ref: str
    opened_on: date
    carers: tuple[Carer, ...] = ()
    postcode: str = ""
    home_la_code: str = ""
    key_worker_id: int | None = None
    closed_on: date | None = None
    notes: str = ""
    children: tuple[NewChild, ...] = ()


@dataclass(frozen=True)
class Family:
    id: int
    ref: str
    opened_on: date
    carers: tuple[Carer, ...]
    postcode: str
    home_la_code: str
    key_worker_id: int | None
    closed_on: date | None
    notes: str

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def main_carer_name(self) -> str:
        return self.carers[0].name if self.carers else ""


@dataclass(frozen=True)
class ActivityType:
    id: int
    domain: Domain
    code: str
    label: str
    builtin: bool
    active: bool = True


@dataclass(frozen=True)
class NewEntry:
    family_id: int
    entry_date: date
    domain: Domain
    minutes: int
    kind: Kind | None = None  # None takes the domain's usual kind
    child_id: int | None = None
    staff_id: int | None = None
    activity_code: str | None = None
    contact_mode: ContactMode = ContactMode.IN_PERSON
    note: str = ""
    follow_up_on: date | None = None
    #: Safeguarding-sensitive: only managers see it.
    restricted: bool = False
    #: The carer this is about (their name as the family's record gives it); "" when not one carer's.
    carer: str = ""

    @property
    def effective_kind(self) -> Kind:
        return self.kind if self.kind is not None else self.domain.default_kind


@dataclass(frozen=True)
class SupportEntry:
    id: int
    family_id: int
    entry_date: date
    domain: Domain
    kind: Kind
    minutes: int
    child_id: int | None
    staff_id: int | None
    activity_code: str | None
    contact_mode: ContactMode
    note: str
    follow_up_on: date | None
    created_at: datetime
    #: 1 when never amended; earlier versions sit in support_entry_versions.
    version: int = 1
    #: Safeguarding-sensitive: only managers see it.
    restricted: bool = False
    #: The carer this is about (their name as the family's record gives it); "" when not one carer's.
    carer: str = ""


@dataclass(frozen=True)
class NewReferral:
    family_id: int
    service_name: str
    service_category: ServiceCategory
    domain: Domain
    made_on: date
    consent: Consent
    status: ReferralStatus = ReferralStatus.DRAFT
    child_id: int | None = None
    made_by: int | None = None
    note: str = ""
    #: Safeguarding-sensitive: only managers see it.
    restricted: bool = False
    #: The carer this is about (their name as the family's record gives it); "" when not one carer's.
    carer: str = ""


@dataclass(frozen=True)
class Referral:
    id: int
    family_id: int
    child_id: int | None
    service_name: str
    service_category: ServiceCategory
    domain: Domain
    made_on: date
    consent: Consent
    status: ReferralStatus
    made_by: int | None
    note: str
    created_at: datetime
    #: Safeguarding-sensitive: only managers see it.
    restricted: bool = False
    #: The carer this is about (their name as the family's record gives it); "" when not one carer's.
    carer: str = ""


@dataclass(frozen=True)
class FamilyRecord:
    """A family with everything belonging to it, as import and export carry it."""

    family: Family
    children: tuple[Child, ...] = ()
    entries: tuple[SupportEntry, ...] = ()
    referrals: tuple[Referral, ...] = ()
    extra: dict = field(default_factory=dict)

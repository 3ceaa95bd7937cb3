"""Referrals to outside services: the lifecycle, the consent gate, due dates, and the records around them.

Pure rules (no database). The statuses are ``ReferralStatus`` from ``codes.py``; this module says which
moves between them are allowed, what each move needs, and when a referral next needs chasing.

Routes (decided here, see ``allowed_next``):

* ``referred``: the setting passes the family's details on. It follows the full lifecycle, and moving
  it to ``sent`` needs consent recorded (or a manager's override) and writes an information-sharing
  record in the same transaction.
* ``supported_self_referral``: the family refers themselves with the setting's help; ``signposted``:
  the family is given the service's details. Nothing leaves the setting, so ``sent`` (the family has
  made contact, or been given the details) needs no consent gate and writes no sharing record. The
  setting often only hears the result, so these routes may also jump straight to ``seen`` or
  ``completed`` from any open status (including draft).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from enum import StrEnum

from setting_app.domain.codes import Consent, Domain, ReferralStatus, ServiceCategory
from setting_app.domain.errors import AppError
from setting_app.domain.models import NewReferral, Referral

S = ReferralStatus

#: Default days between a referral being sent (or answered, or chased) and the next follow-up.
DEFAULT_FOLLOW_UP_DAYS = 14
MIN_FOLLOW_UP_DAYS = 1
MAX_FOLLOW_UP_DAYS = 180
#: The ``app_settings`` key a manager changes.
FOLLOW_UP_DAYS_SETTING = "referral_follow_up_days"


class Route(StrEnum):
    REFERRED = "referred"
    SUPPORTED_SELF_REFERRAL = "supported_self_referral"
    SIGNPOSTED = "signposted"

    @property
    def label(self) -> str:
        return {
            Route.REFERRED: "Referred by the setting",
            Route.SUPPORTED_SELF_REFERRAL: "Supported self-referral",
            Route.SIGNPOSTED: "Signposted",
        }[self]

    @property
    def setting_shares(self) -> bool:
        """True when the setting itself passes the family's details on (consent gate, sharing record)."""
        return self is Route.REFERRED


class Urgency(StrEnum):
    ROUTINE = "routine"
    SOON = "soon"
    URGENT = "urgent"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class StatusReason(StrEnum):
    """Why a referral was declined or withdrawn (required for those two statuses)."""

    NOT_ELIGIBLE = "not_eligible"
    WAITING_LIST_CLOSED = "waiting_list_closed"
    FAMILY_DECLINED = "family_declined"
    NO_RESPONSE = "no_response"
    DUPLICATE = "duplicate"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            StatusReason.NOT_ELIGIBLE: "Not eligible for the service",
            StatusReason.WAITING_LIST_CLOSED: "Waiting list closed",
            StatusReason.FAMILY_DECLINED: "Family declined",
            StatusReason.NO_RESPONSE: "No response from the service",
            StatusReason.DUPLICATE: "Duplicate referral",
            StatusReason.OTHER: "Other (say why in the note)",
        }[self]


class LawfulBasis(StrEnum):
    """The UK GDPR Article 6 basis relied on when information is shared."""

    CONSENT = "consent"
    LEGAL_OBLIGATION = "legal_obligation"
    PUBLIC_TASK = "public_task"
    VITAL_INTERESTS = "vital_interests"
    LEGITIMATE_INTERESTS = "legitimate_interests"

    @property
    def label(self) -> str:
        return {
            LawfulBasis.CONSENT: "Consent of the parent or carer",
            LawfulBasis.LEGAL_OBLIGATION: "Legal obligation (e.g. safeguarding duties)",
            LawfulBasis.PUBLIC_TASK: "Public task",
            LawfulBasis.VITAL_INTERESTS: "Vital interests (to protect someone's life)",
            LawfulBasis.LEGITIMATE_INTERESTS: "Legitimate interests",
        }[self]


#: The bases a manager may override consent on (consent itself is not one of them).
OVERRIDE_BASES: tuple[LawfulBasis, ...] = tuple(b for b in LawfulBasis if b is not LawfulBasis.CONSENT)


class SharingDecision(StrEnum):
    SHARED = "shared"
    NOT_SHARED = "not_shared"
    #: Information that came in from another setting (a transfer received); ``recipient`` names it.
    RECEIVED = "received"

    @property
    def label(self) -> str:
        return {
            SharingDecision.SHARED: "Shared",
            SharingDecision.NOT_SHARED: "Decided not to share",
            SharingDecision.RECEIVED: "Received",
        }[self]


class SharingOccasion(StrEnum):
    REFERRAL = "referral"
    RECORD_EXPORT = "record_export"
    SUBJECT_ACCESS = "subject_access"
    TRANSFER = "transfer"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            SharingOccasion.REFERRAL: "Referral",
            SharingOccasion.RECORD_EXPORT: "Family record exported",
            SharingOccasion.SUBJECT_ACCESS: "Subject access pack",
            SharingOccasion.TRANSFER: "Record transferred to or from another setting",
            SharingOccasion.OTHER: "Other",
        }[self]


# ---------------------------------------------------------------- statuses and moves

#: The order statuses appear in (board columns, lists, reports).
STATUS_ORDER: tuple[ReferralStatus, ...] = (
    S.DRAFT,
    S.SENT,
    S.ACKNOWLEDGED,
    S.WAITLISTED,
    S.ACCEPTED,
    S.SEEN,
    S.COMPLETED,
    S.DECLINED,
    S.WITHDRAWN,
)

STATUS_LABELS: dict[ReferralStatus, str] = {
    S.DRAFT: "Draft",
    S.SENT: "Sent",
    S.ACKNOWLEDGED: "Acknowledged",
    S.WAITLISTED: "Waiting list",
    S.ACCEPTED: "Accepted",
    S.SEEN: "Seen (first contact)",
    S.COMPLETED: "Completed",
    S.DECLINED: "Declined",
    S.WITHDRAWN: "Withdrawn",
}

#: Nothing moves out of these.
FINAL_STATUSES: frozenset[ReferralStatus] = frozenset({S.COMPLETED, S.DECLINED, S.WITHDRAWN})
#: Out with the service and waiting for an outcome: these carry a due date and get chased.
AWAITING_STATUSES: frozenset[ReferralStatus] = frozenset(
    {S.SENT, S.ACKNOWLEDGED, S.ACCEPTED, S.WAITLISTED, S.SEEN}
)
#: The outcome is known (for the measures): first contact made, finished, or stopped.
OUTCOME_KNOWN_STATUSES: frozenset[ReferralStatus] = frozenset({S.SEEN, S.COMPLETED, S.DECLINED, S.WITHDRAWN})
#: Statuses that need a structured reason.
NEEDS_REASON: frozenset[ReferralStatus] = frozenset({S.DECLINED, S.WITHDRAWN})

#: Allowed moves for a referral made by the setting.
TRANSITIONS: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    S.DRAFT: frozenset({S.SENT, S.WITHDRAWN}),
    S.SENT: frozenset({S.ACKNOWLEDGED, S.ACCEPTED, S.WAITLISTED, S.DECLINED, S.SEEN, S.WITHDRAWN}),
    S.ACKNOWLEDGED: frozenset({S.ACCEPTED, S.WAITLISTED, S.DECLINED, S.SEEN, S.WITHDRAWN}),
    S.WAITLISTED: frozenset({S.ACCEPTED, S.DECLINED, S.SEEN, S.WITHDRAWN}),
    S.ACCEPTED: frozenset({S.SEEN, S.COMPLETED, S.WITHDRAWN, S.DECLINED}),
    S.SEEN: frozenset({S.COMPLETED, S.WITHDRAWN}),
    S.COMPLETED: frozenset(),
    S.DECLINED: frozenset(),
    S.WITHDRAWN: frozenset(),
}

#: Routes where the setting only hears the result may jump to these from any status that is not final.
SHORTCUT_TARGETS: frozenset[ReferralStatus] = frozenset({S.SEEN, S.COMPLETED})
SHORTCUT_ROUTES: frozenset[Route] = frozenset({Route.SUPPORTED_SELF_REFERRAL, Route.SIGNPOSTED})

#: Statuses a referral may be created in (later ones are reached by moves, so history is complete).
CREATABLE_STATUSES: frozenset[ReferralStatus] = frozenset({S.DRAFT, S.SENT})


class TransitionRefused(AppError):
    """A status change the lifecycle does not allow; the message says why in plain words."""


def status_label(status: ReferralStatus) -> str:
    return STATUS_LABELS[status]


def allowed_next(current: ReferralStatus, route: Route = Route.REFERRED) -> tuple[ReferralStatus, ...]:
    """The statuses a referral may move to next, in display order."""
    allowed = set(TRANSITIONS[current])
    if route in SHORTCUT_ROUTES and current not in FINAL_STATUSES:
        allowed |= SHORTCUT_TARGETS - {current}
    return tuple(s for s in STATUS_ORDER if s in allowed)


def transition_problem(
    current: ReferralStatus, target: ReferralStatus, route: Route = Route.REFERRED
) -> str | None:
    """Why ``current -> target`` is not allowed, or None if it is."""
    if target == current:
        return f"This referral is already {current.value}."
    if target in allowed_next(current, route):
        return None
    if target is S.DRAFT:
        return f"A {current.value} referral cannot go back to draft."
    if current in FINAL_STATUSES:
        return (
            f"A {current.value} referral is closed: it cannot become {target.value}. "
            "Make a new referral if the family still needs the service."
        )
    options = ", ".join(s.value for s in allowed_next(current, route))
    return f"A {current.value} referral cannot become {target.value}; it can become: {options}."


def check_transition(current: ReferralStatus, target: ReferralStatus, route: Route = Route.REFERRED) -> None:
    problem = transition_problem(current, target, route)
    if problem:
        raise TransitionRefused(problem)


def reason_problem(target: ReferralStatus, reason: StatusReason | None, note: str) -> tuple[str, str] | None:
    """(field, problem) when the reason does not fit the new status, else None."""
    if target in NEEDS_REASON and reason is None:
        options = ", ".join(r.value for r in StatusReason)
        return "reason", f"a {target.value} referral needs a reason ({options})"
    if target not in NEEDS_REASON and reason is not None:
        return "reason", f"only a declined or withdrawn referral takes a reason, not a {target.value} one"
    if reason is StatusReason.OTHER and not note.strip():
        return "note", "say what the other reason was"
    return None


def due_date_after(
    status: ReferralStatus,
    changed_on: date,
    follow_up_days: int,
    expected_response_on: date | None = None,
) -> date | None:
    """When a referral that just reached ``status`` on ``changed_on`` next needs following up.

    Only referrals out with a service have one. Until the service first answers (status ``sent``)
    the expected response date wins when there is one; after any answer, and after a chase, the
    follow-up is ``follow_up_days`` later.
    """
    if status not in AWAITING_STATUSES:
        return None
    if status is S.SENT and expected_response_on is not None and expected_response_on >= changed_on:
        return expected_response_on
    return changed_on + timedelta(days=follow_up_days)


def follow_up_days_problem(days: int) -> str | None:
    if not MIN_FOLLOW_UP_DAYS <= days <= MAX_FOLLOW_UP_DAYS:
        return f"must be from {MIN_FOLLOW_UP_DAYS} to {MAX_FOLLOW_UP_DAYS} days (got {days})"
    return None


# ---------------------------------------------------------------- referral values


@dataclass(frozen=True)
class NewTrackedReferral(NewReferral):
    """A referral as a form or the command line hands it in, with the workflow's details."""

    service_id: int | None = None
    route: Route = Route.REFERRED
    urgency: Urgency = Urgency.ROUTINE
    reason: str = ""
    expected_response_on: date | None = None
    consent_given_by: str = ""
    consent_given_on: date | None = None
    consent_scope: str = ""
    #: Why consent is not needed (or any note on consent).
    consent_note: str = ""
    #: The basis relied on when not relying on consent: required for an override.
    lawful_basis: LawfulBasis | None = None
    override_rationale: str = ""


@dataclass(frozen=True)
class TrackedReferral(Referral):
    """A saved referral with its workflow details and a few facts read from its history."""

    service_id: int | None = None
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
    override_by: int | None = None
    family_ref: str = ""
    child_name: str = ""
    sent_on: date | None = None
    status_since: date | None = None
    chase_count: int = 0
    last_chased_on: date | None = None

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def is_awaiting(self) -> bool:
        return self.status in AWAITING_STATUSES

    def days_overdue(self, today: date) -> int:
        """Days past the due date (0 when not overdue or not out with a service)."""
        if not self.is_awaiting or self.due_on is None or self.due_on >= today:
            return 0
        return (today - self.due_on).days

    def is_due(self, today: date) -> bool:
        """Needs chasing today: due today or overdue."""
        return self.is_awaiting and self.due_on is not None and self.due_on <= today

    @property
    def no_response(self) -> bool:
        """Sent and never answered."""
        return self.status is S.SENT

    def as_new(self) -> NewTrackedReferral:
        """The editable part, e.g. to change a draft's details."""
        return NewTrackedReferral(
            family_id=self.family_id,
            service_name=self.service_name,
            service_category=self.service_category,
            domain=self.domain,
            made_on=self.made_on,
            consent=self.consent,
            status=self.status,
            child_id=self.child_id,
            made_by=self.made_by,
            note=self.note,
            carer=self.carer,
            service_id=self.service_id,
            route=self.route,
            urgency=self.urgency,
            reason=self.reason,
            expected_response_on=self.expected_response_on,
            consent_given_by=self.consent_given_by,
            consent_given_on=self.consent_given_on,
            consent_scope=self.consent_scope,
            consent_note=self.consent_note,
            lawful_basis=self.lawful_basis,
            override_rationale=self.override_rationale,
        )


def tracked(referral: NewReferral) -> NewTrackedReferral:
    """Accept a plain ``NewReferral`` (older callers, record imports) wherever a tracked one is wanted."""
    if isinstance(referral, NewTrackedReferral):
        return referral
    # Every field of the plain referral, so a field added to NewReferral is never dropped here.
    return NewTrackedReferral(**{f.name: getattr(referral, f.name) for f in fields(NewReferral)})


def consent_problem(referral: NewTrackedReferral | TrackedReferral) -> tuple[str, str] | None:
    """(field, problem) when consent is not recorded well enough to send the referral, else None.

    Consent given needs who gave it, when and what it covers; not needed needs a reason; an override
    needs a lawful basis and a rationale (that only a manager may record is checked by the service).
    """
    consent = referral.consent
    if consent is Consent.GIVEN:
        if not referral.consent_given_by.strip():
            return "consent given by", "say who gave consent before the referral is sent"
        if referral.consent_given_on is None:
            return "consent date", "say when consent was given before the referral is sent"
        if not referral.consent_scope.strip():
            return "consent scope", "say what the family agreed may be shared, and with whom"
        return None
    if consent is Consent.NOT_NEEDED:
        if not referral.consent_note.strip():
            return "consent", "say why consent is not needed before the referral is sent"
        return None
    if consent is Consent.OVERRIDDEN:
        if referral.lawful_basis is None or referral.lawful_basis is LawfulBasis.CONSENT:
            return "lawful basis", "an override needs the lawful basis for sharing without consent"
        if not referral.override_rationale.strip():
            return "override rationale", "an override needs the reason for sharing without consent"
        return None
    return (
        "consent",
        "the family has not given consent. Record their consent, or a manager can override it "
        "with a lawful basis and rationale.",
    )


@dataclass(frozen=True)
class StatusChange:
    """One row of a referral's status history."""

    id: int
    referral_id: int
    status: ReferralStatus
    changed_on: date
    changed_by: int | None
    reason: StatusReason | None
    note: str
    created_at: datetime
    changed_by_name: str = ""


@dataclass(frozen=True)
class Chase:
    id: int
    referral_id: int
    chased_on: date
    chased_by: int | None
    note: str
    next_due_on: date
    created_at: datetime
    chased_by_name: str = ""


# ---------------------------------------------------------------- service directory

#: The need domain each category of service usually serves (a default for new directory entries).
CATEGORY_USUAL_DOMAIN: dict[ServiceCategory, Domain | None] = {
    ServiceCategory.HEALTH_VISITING: Domain.CHILD_DEVELOPMENT,
    ServiceCategory.SPEECH_LANGUAGE: Domain.INCLUSION_SEND,
    ServiceCategory.GP_PRIMARY_CARE: Domain.FAMILY_WELLBEING,
    ServiceCategory.MENTAL_HEALTH: Domain.FAMILY_WELLBEING,
    ServiceCategory.FAMILY_HUB: Domain.FAMILY_WELLBEING,
    ServiceCategory.EARLY_HELP: Domain.FAMILY_WELLBEING,
    ServiceCategory.SOCIAL_CARE: Domain.FAMILY_WELLBEING,
    ServiceCategory.SEND_SUPPORT: Domain.INCLUSION_SEND,
    ServiceCategory.HOUSING: Domain.FINANCIAL_HARDSHIP,
    ServiceCategory.FOOD_ESSENTIALS: Domain.FINANCIAL_HARDSHIP,
    ServiceCategory.DEBT_BENEFITS: Domain.FINANCIAL_HARDSHIP,
    ServiceCategory.DOMESTIC_ABUSE: Domain.FAMILY_WELLBEING,
    ServiceCategory.OTHER: None,
}


class ServiceSource(StrEnum):
    MANUAL = "manual"
    IMPORT = "import"
    #: Added automatically from a referral to a service not yet in the directory.
    REFERRAL = "referral"


class CategoryStatus(StrEnum):
    """How far a service's category can be trusted."""

    #: Chosen or confirmed by a person here; a later import never changes it.
    CONFIRMED = "confirmed"
    #: From the directory's own taxonomy terms (the reviewed table); a later import may update it.
    DIRECTORY = "directory"
    #: Not known: the directory gave no term we can place. Shown as Other until a manager confirms it.
    TO_REVIEW = "to_review"

    @property
    def label(self) -> str:
        return {
            "confirmed": "confirmed here",
            "directory": "from the directory's categories",
            "to_review": "to review",
        }[self.value]


@dataclass(frozen=True)
class ServiceContact:
    """A named contact for a service, as the directory publishes it."""

    name: str = ""
    title: str = ""
    phone: str = ""
    email: str = ""

    @property
    def text(self) -> str:
        who = f"{self.name} ({self.title})" if self.name and self.title else self.name or self.title
        return ", ".join(t for t in (who, self.phone, self.email) if t)


@dataclass(frozen=True)
class NewService:
    name: str
    category: ServiceCategory
    organisation: str = ""
    domain: Domain | None = None
    phone: str = ""
    email: str = ""
    website: str = ""
    address: str = ""
    description: str = ""
    #: The setting's own notes; never overwritten by a directory import.
    notes: str = ""
    hsds_id: str | None = None
    active: bool = True
    category_status: CategoryStatus = CategoryStatus.CONFIRMED
    #: For a service to review: the category a tested matcher proposes, and why.
    suggested_category: ServiceCategory | None = None
    suggestion_reason: str = ""
    #: The directory's own taxonomy terms for the service, as published.
    taxonomy_terms: tuple[str, ...] = ()
    contacts: tuple[ServiceContact, ...] = ()


@dataclass(frozen=True)
class Service:
    id: int
    name: str
    category: ServiceCategory
    organisation: str
    domain: Domain | None
    phone: str
    email: str
    website: str
    address: str
    description: str
    notes: str
    hsds_id: str | None
    source: ServiceSource
    active: bool
    updated_at: datetime
    category_status: CategoryStatus = CategoryStatus.CONFIRMED
    suggested_category: ServiceCategory | None = None
    suggestion_reason: str = ""
    taxonomy_terms: tuple[str, ...] = ()
    contacts: tuple[ServiceContact, ...] = ()

    @property
    def to_review(self) -> bool:
        return self.category_status is CategoryStatus.TO_REVIEW

    @property
    def display_name(self) -> str:
        if self.organisation and self.organisation.lower() not in self.name.lower():
            return f"{self.name} ({self.organisation})"
        return self.name

    def as_new(self) -> NewService:
        return NewService(
            name=self.name,
            category=self.category,
            organisation=self.organisation,
            domain=self.domain,
            phone=self.phone,
            email=self.email,
            website=self.website,
            address=self.address,
            description=self.description,
            notes=self.notes,
            hsds_id=self.hsds_id,
            active=self.active,
            category_status=self.category_status,
            suggested_category=self.suggested_category,
            suggestion_reason=self.suggestion_reason,
            taxonomy_terms=self.taxonomy_terms,
            contacts=self.contacts,
        )


# ---------------------------------------------------------------- information sharing


@dataclass(frozen=True)
class NewSharingRecord:
    """Identifiable information leaving the setting, or a decision not to let it (with the reasons)."""

    decision: SharingDecision
    occasion: SharingOccasion
    decided_on: date
    recipient: str
    what: str
    purpose: str
    lawful_basis: LawfulBasis | None = None
    consent: Consent | None = None
    reason: str = ""
    method: str = ""
    family_id: int | None = None
    referral_id: int | None = None
    recorded_by: int | None = None
    transfer_id: int | None = None
    #: The data-sharing agreement that covered the share, or why there was none.
    agreement_id: int | None = None
    no_agreement_reason: str = ""


@dataclass(frozen=True)
class SharingRecord(NewSharingRecord):
    id: int = 0
    created_at: datetime | None = None
    family_ref: str = ""
    recorded_by_name: str = ""


# ---------------------------------------------------------------- measures


@dataclass(frozen=True)
class ReferralMeasure:
    """Response figures for one category of service over a period (medians in whole or half days)."""

    category: ServiceCategory
    referrals: int
    acknowledged: int
    median_days_to_acknowledged: float | None
    seen: int
    median_days_to_seen: float | None
    outcome_known: int
    outcome_unknown: int

"""Which items a family-facing document leaves out, and why: one rule for every document and its review.

A family summary or a subject access pack is made for one person: a named carer, or a young person
(a child of the family). Before it is handed over, every support entry, referral and information-
sharing record of the family is put through ``left_out_reasons``. An item with any reason is left out
by default; a manager may put it back in, with a reason, at the review step. Nothing sensitive goes in
by silence.

An item is left out when it is

* about a sensitive area: domestic abuse, children's social care, mental health, sexual health or
  substance use (from the referral's service category, or words in the service's name, the activity
  type, the notes and the reason for a referral, or, for a sharing record, who it went to, what it was
  and why);
* an activity type, service or service category the manager has marked sensitive in Settings;
* a restricted (safeguarding-sensitive) record, or a safeguarding discussion;
* about another carer (the record says which carer it concerns), about someone no longer listed as a
  carer, or, in a young person's document, about an adult or another child;
* a sharing record about a referral that is itself left out (so the list does not give it away), or
  the record of a subject access pack (it says which carer asked for their records).

Pure: no database, no Qt. The services gather the items and the marks, this module decides.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from setting_app.domain.codes import ServiceCategory


class ItemKind(StrEnum):
    ENTRY = "entry"
    REFERRAL = "referral"
    SHARING = "sharing"


class SensitiveArea(StrEnum):
    DOMESTIC_ABUSE = "domestic_abuse"
    SOCIAL_CARE = "social_care"
    MENTAL_HEALTH = "mental_health"
    SEXUAL_HEALTH = "sexual_health"
    SUBSTANCE_USE = "substance_use"

    @property
    def label(self) -> str:
        return _AREA_LABELS[self]


_AREA_LABELS = {
    SensitiveArea.DOMESTIC_ABUSE: "domestic abuse",
    SensitiveArea.SOCIAL_CARE: "children's social care",
    SensitiveArea.MENTAL_HEALTH: "mental health",
    SensitiveArea.SEXUAL_HEALTH: "sexual health",
    SensitiveArea.SUBSTANCE_USE: "substance use",
}

#: Service categories that are always sensitive.
SENSITIVE_CATEGORIES: dict[ServiceCategory, SensitiveArea] = {
    ServiceCategory.DOMESTIC_ABUSE: SensitiveArea.DOMESTIC_ABUSE,
    ServiceCategory.SOCIAL_CARE: SensitiveArea.SOCIAL_CARE,
    ServiceCategory.MENTAL_HEALTH: SensitiveArea.MENTAL_HEALTH,
}

#: Words that put a service, an activity type or a sharing record in a sensitive area (whole words,
#: any case; sexual health and substance use have no service category of their own).
_AREA_WORDS: dict[SensitiveArea, tuple[str, ...]] = {
    SensitiveArea.DOMESTIC_ABUSE: (
        "domestic abuse",
        "domestic violence",
        "refuge",
        "idva",
        "marac",
        "women's aid",
        "womens aid",
        "coercive control",
        "safety plan",
        "abuse",
        "abused",
        "abusive",
        "violence",
        "violent",
        "fleeing",
        "assault",
        "assaulted",
    ),
    SensitiveArea.SOCIAL_CARE: (
        "social care",
        "social work",
        "social worker",
        "child protection",
        "children's services",
        "section 47",
        "mash",
        "social services",
        "child in need",
        "care proceedings",
        "looked after child",
        "lado",
    ),
    SensitiveArea.MENTAL_HEALTH: (
        "mental health",
        "perinatal",
        "camhs",
        "talking therapies",
        "iapt",
        "psychiatric",
        "psychiatrist",
        "counselling",
        "depression",
        "depressed",
        "anxiety",
        "low mood",
        "self-harm",
        "self harm",
        "self-harming",
        "suicide",
        "suicidal",
        "psychosis",
        "eating disorder",
        "panic attacks",
    ),
    SensitiveArea.SEXUAL_HEALTH: (
        "sexual health",
        "contraception",
        "gum clinic",
        "sexual",
        "sti",
        "hiv",
        "abortion",
        "termination of pregnancy",
    ),
    SensitiveArea.SUBSTANCE_USE: (
        "substance use",
        "substance misuse",
        "drug",
        "drugs",
        "alcohol",
        "addiction",
        "cannabis",
        "cocaine",
        "heroin",
        "methadone",
        "drunk",
    ),
}
_AREA_PATTERNS: dict[SensitiveArea, re.Pattern] = {
    area: re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(w).replace("'", "['\u2019]?") for w in words) + r")(?!\w)",
        re.IGNORECASE,
    )
    for area, words in _AREA_WORDS.items()
}

#: Activity types about a safeguarding concern (always left out by default).
SAFEGUARDING_ACTIVITIES = frozenset({"safeguarding_discussion"})


def areas_in(text: str) -> tuple[SensitiveArea, ...]:
    """The sensitive areas whose words appear in ``text`` (codes' underscores read as spaces)."""
    plain = (text or "").replace("_", " ")
    return tuple(area for area, pattern in _AREA_PATTERNS.items() if pattern.search(plain))


class Why(StrEnum):
    """Why an item is left out (stable codes: they are written in review files)."""

    SENSITIVE_AREA = "sensitive_area"
    MARKED_CATEGORY = "marked_category"
    MARKED_ACTIVITY = "marked_activity"
    MARKED_SERVICE = "marked_service"
    RESTRICTED = "restricted"
    SAFEGUARDING = "safeguarding"
    OTHER_CARER = "other_carer"
    NOT_A_CARER = "not_a_carer"
    ABOUT_AN_ADULT = "about_an_adult"
    OTHER_CHILD = "other_child"
    LINKED = "linked"
    ACCESS_REQUEST = "access_request"

    @property
    def is_about_someone_else(self) -> bool:
        return self in (Why.OTHER_CARER, Why.NOT_A_CARER, Why.ABOUT_AN_ADULT, Why.OTHER_CHILD)


@dataclass(frozen=True)
class Reason:
    why: Why
    #: The detail in plain words: the area, the marked name, the other carer's name...
    detail: str = ""

    @property
    def words(self) -> str:
        d = self.detail
        return {
            Why.SENSITIVE_AREA: f"About {d}",
            Why.MARKED_CATEGORY: f"The service kind '{d}' is marked sensitive in Settings",
            Why.MARKED_ACTIVITY: f"The activity type '{d}' is marked sensitive in Settings",
            Why.MARKED_SERVICE: f"The service '{d}' is marked sensitive in Settings",
            Why.RESTRICTED: "A restricted (safeguarding-sensitive) record",
            Why.SAFEGUARDING: "A safeguarding discussion",
            Why.OTHER_CARER: f"About another carer ({d})" if d else "About another carer",
            Why.NOT_A_CARER: f"About someone not listed as a carer ({d})" if d else "About another adult",
            Why.ABOUT_AN_ADULT: f"About an adult ({d})" if d else "About an adult",
            Why.OTHER_CHILD: f"About another child ({d})" if d else "About another child",
            Why.LINKED: f"About a referral that is left out ({d})" if d else "About a left-out item",
            Why.ACCESS_REQUEST: "The record of a subject access request (it says who asked)",
        }[self.why]


@dataclass(frozen=True)
class SensitiveMarks:
    """What the manager has marked sensitive in Settings (besides the built-in areas)."""

    categories: frozenset[ServiceCategory] = frozenset()
    #: Activity type codes.
    activities: frozenset[str] = frozenset()
    #: Service names, compared without case or extra spaces.
    services: frozenset[str] = frozenset()

    def has_service(self, name: str) -> bool:
        key = service_key(name)
        return bool(key) and key in {service_key(s) for s in self.services}


def service_key(name: str) -> str:
    return " ".join((name or "").lower().split())


@dataclass(frozen=True)
class DocumentItem:
    """One support entry, referral or sharing record, as far as the rule needs it."""

    kind: ItemKind
    id: int
    restricted: bool = False
    #: The carer it concerns ("" when not one carer's).
    carer: str = ""
    child_id: int | None = None
    child_name: str = ""
    activity_code: str | None = None
    activity_label: str = ""
    service_category: ServiceCategory | None = None
    service_name: str = ""
    #: Free text the rule reads: the note (and a referral's reason); a sharing record's who, what, why.
    text: str = ""
    #: The referral a sharing record is about.
    referral_id: int | None = None
    #: A sharing record of a subject access pack: it says who asked for their records.
    access_request: bool = False

    @property
    def key(self) -> str:
        return f"{self.kind.value}-{self.id}"


@dataclass(frozen=True)
class Reader:
    """Who a document is for: a carer (by name) or a young person (a child of the family, by id)."""

    #: Every carer of the family, by name.
    carers: tuple[str, ...]
    carer: str = ""
    child_id: int | None = None
    child_name: str = ""

    @property
    def name(self) -> str:
        return self.carer or self.child_name

    @property
    def is_young_person(self) -> bool:
        return self.child_id is not None


def _same_person(a: str, b: str) -> bool:
    return service_key(a) == service_key(b) and bool(service_key(a))


def left_out_reasons(
    item: DocumentItem,
    reader: Reader,
    marks: SensitiveMarks = SensitiveMarks(),
    *,
    left_out_referrals: frozenset[int] = frozenset(),
) -> tuple[Reason, ...]:
    """Every reason ``item`` is left out of a document for ``reader`` (empty: it goes in)."""
    reasons: list[Reason] = []
    if item.restricted:
        reasons.append(Reason(Why.RESTRICTED))
    if item.activity_code in SAFEGUARDING_ACTIVITIES:
        reasons.append(Reason(Why.SAFEGUARDING))
    areas: list[SensitiveArea] = []
    if item.service_category in SENSITIVE_CATEGORIES:
        areas.append(SENSITIVE_CATEGORIES[item.service_category])
    for text in (item.service_name, item.activity_code or "", item.activity_label, item.text):
        areas += [a for a in areas_in(text) if a not in areas]
    reasons += [Reason(Why.SENSITIVE_AREA, a.label) for a in areas]
    if item.service_category is not None and item.service_category in marks.categories:
        reasons.append(Reason(Why.MARKED_CATEGORY, item.service_category.label))
    if item.activity_code and item.activity_code in marks.activities:
        reasons.append(Reason(Why.MARKED_ACTIVITY, item.activity_label or item.activity_code))
    if item.service_name and marks.has_service(item.service_name):
        reasons.append(Reason(Why.MARKED_SERVICE, item.service_name))
    if item.carer.strip():
        if reader.is_young_person:
            reasons.append(Reason(Why.ABOUT_AN_ADULT, item.carer.strip()))
        elif not _same_person(item.carer, reader.carer):
            known = any(_same_person(item.carer, c) for c in reader.carers)
            reasons.append(Reason(Why.OTHER_CARER if known else Why.NOT_A_CARER, item.carer.strip()))
    if reader.is_young_person and item.child_id is not None and item.child_id != reader.child_id:
        reasons.append(Reason(Why.OTHER_CHILD, item.child_name))
    if item.referral_id is not None and item.referral_id in left_out_referrals:
        reasons.append(Reason(Why.LINKED, f"referral {item.referral_id}"))
    if item.access_request:
        reasons.append(Reason(Why.ACCESS_REQUEST))
    return tuple(reasons)


# --- exemptions for a subject access pack ---------------------------------------------------------


class Exemption(StrEnum):
    """Why information is withheld from a subject access pack, under the Data Protection Act 2018."""

    THIRD_PARTY = "third_party"
    SERIOUS_HARM_SOCIAL_WORK = "serious_harm_social_work"
    SERIOUS_HARM_HEALTH = "serious_harm_health"
    CHILD_ABUSE_DATA = "child_abuse_data"
    EXPECTATIONS_AND_WISHES = "expectations_and_wishes"
    CRIME = "crime"

    @property
    def label(self) -> str:
        return _EXEMPTION_LABELS[self]


_EXEMPTION_LABELS = {
    Exemption.THIRD_PARTY: (
        "DPA 2018 Schedule 2, Part 3, paragraph 16 (protection of the rights of others): information "
        "about another person, who has not agreed and whom it is not reasonable to disclose without "
        "agreement"
    ),
    Exemption.SERIOUS_HARM_SOCIAL_WORK: (
        "DPA 2018 Schedule 3, Part 3, paragraph 10 (social work data): the serious harm test in "
        "paragraph 7(2) is met, as giving it would be likely to cause serious harm to the physical or "
        "mental health of the person or someone else"
    ),
    Exemption.SERIOUS_HARM_HEALTH: (
        "DPA 2018 Schedule 3, Part 2, paragraph 5 (health data): the serious harm test is met, in the "
        "opinion of an appropriate health professional"
    ),
    Exemption.CHILD_ABUSE_DATA: (
        "DPA 2018 Schedule 3, Part 5, paragraph 21 (child abuse data): asked for by a person with "
        "parental responsibility, and giving it would not be in the child's best interests"
    ),
    Exemption.EXPECTATIONS_AND_WISHES: (
        "DPA 2018 Schedule 3, Part 3, paragraph 11 (social work data): given in the expectation that "
        "it would not be disclosed to the person asking on the data subject's behalf"
    ),
    Exemption.CRIME: (
        "DPA 2018 Schedule 2, Part 1, paragraph 2 (crime): giving it would be likely to prejudice the "
        "prevention or detection of crime"
    ),
}


def default_exemption(reasons: tuple[Reason, ...]) -> Exemption:
    """The exemption a withheld item is logged under unless the manager names another."""
    whys = {r.why for r in reasons}
    if whys & {Why.OTHER_CARER, Why.NOT_A_CARER, Why.ABOUT_AN_ADULT, Why.OTHER_CHILD, Why.ACCESS_REQUEST}:
        return Exemption.THIRD_PARTY
    if whys & {Why.RESTRICTED, Why.SAFEGUARDING}:
        return Exemption.CHILD_ABUSE_DATA
    details = {r.detail for r in reasons if r.why is Why.SENSITIVE_AREA}
    health = {SensitiveArea.MENTAL_HEALTH.label, SensitiveArea.SEXUAL_HEALTH.label}
    if details and details <= health | {SensitiveArea.SUBSTANCE_USE.label}:
        return Exemption.SERIOUS_HARM_HEALTH
    return Exemption.SERIOUS_HARM_SOCIAL_WORK


# --- the one-month clock ----------------------------------------------------------------------------


def subject_access_due(received_on: date) -> date:
    """When a reply to a subject access request is due: one calendar month from the day it was received.

    As the ICO counts it: the same day of the next month (3 January -> 3 February); the last day of the
    next month when it has no such day (31 January -> 28 or 29 February); moved to the next working day
    when it falls on a Saturday or Sunday (bank holidays are for the manager to allow for).
    """
    year, month = (
        (received_on.year + 1, 1) if received_on.month == 12 else (received_on.year, received_on.month + 1)
    )
    day = min(received_on.day, calendar.monthrange(year, month)[1])
    due = date(year, month, day)
    while due.weekday() >= 5:
        due += timedelta(days=1)
    return due


__all__ = [
    "SAFEGUARDING_ACTIVITIES",
    "SENSITIVE_CATEGORIES",
    "DocumentItem",
    "Exemption",
    "ItemKind",
    "Reader",
    "Reason",
    "SensitiveArea",
    "SensitiveMarks",
    "Why",
    "areas_in",
    "default_exemption",
    "left_out_reasons",
    "subject_access_due",
]

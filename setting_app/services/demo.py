"""A realistic synthetic casebook, for trying the app, training staff and testing at scale.

Everything here is invented: names are drawn at random from small built-in lists, postcodes have the
made-up inward code ``9Z?``-style letters, phone numbers sit in Ofcom's drama range (07700 900xxx) and
services are generic names for the area. The same seed always gives the same rows (apart from the
``created_at`` timestamps), so a demo can be rebuilt exactly.

Speed matters (1,500 families over ten years is about 250,000 entries): rows are built in plain Python
with one ``random.Random(seed)`` and written with ``executemany`` inside one transaction.
"""

from __future__ import annotations

import bisect
import calendar
import contextlib
import itertools
import math
import random
import secrets
import shutil
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from setting_app.domain import passphrase_strength
from setting_app.domain.agreements import AgreementParty, NewAgreement
from setting_app.domain.clock import SYSTEM_CLOCK, Clock
from setting_app.domain.codes import (
    DOMAIN_ORDER,
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
from setting_app.domain.errors import AlreadyExists, ValidationError
from setting_app.domain.models import Carer, NewChild, NewEntry, NewFamily, SettingDetails
from setting_app.domain.referrals import (
    CATEGORY_USUAL_DOMAIN,
    LawfulBasis,
    NewService,
    NewSharingRecord,
    NewTrackedReferral,
    Route,
    ServiceSource,
    SharingDecision,
    SharingOccasion,
    Urgency,
    due_date_after,
)
from setting_app.domain.self_evaluation import INGREDIENTS, NewSelfEvaluation, Rating
from setting_app.services.casebook import casebook_exists, create_casebook
from setting_app.storage import (
    activity_repo,
    agreement_repo,
    family_repo,
    referral_repo,
    self_evaluation_repo,
    service_repo,
    sharing_repo,
    staff_repo,
)
from setting_app.storage.casebook_store import PRE_UPGRADE_DIR, CasebookPaths
from setting_app.storage.database import Connection
from setting_app.storage.entry_repo import INSERT_ENTRY_SQL, entry_params
from setting_app.storage.keyslots import PRODUCTION_KDF, KdfParams
from setting_app.storage.rows import from_datetime
from setting_app.storage.unit_of_work import unit_of_work

S = ReferralStatus

MAX_FAMILIES = 20_000
MAX_MONTHS = 240
DEMO_MANAGER_NAME = "Demo Manager"

#: referral_status_history has no bulk writer in the repositories yet; the columns are 0002's.
INSERT_STATUS_HISTORY_SQL = """INSERT INTO referral_status_history
    (referral_id, status, changed_on, changed_by, reason, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"""


@dataclass(frozen=True)
class DemoResult:
    """What was made. The session used to make it is already closed."""

    families: int
    children: int
    entries: int
    referrals: int
    staff: int
    status_changes: int
    open_families: int
    seconds: float
    recovery_code: str = field(repr=False)


# --- the invented places ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Area:
    setting: SettingDetails
    place: str
    home_outward: tuple[str, ...]
    #: (GSS code, postcode districts) of authorities next door: about one family in ten lives there.
    neighbours: tuple[tuple[str, tuple[str, ...]], ...]
    words: dict[str, str]
    #: Ofcom's drama range for the area's landlines, without the last three digits.
    phone_prefix: str


_AREAS: dict[Nation, _Area] = {
    Nation.ENGLAND: _Area(
        setting=SettingDetails(
            name="Sunflower Community Nursery",
            urn="EY900001",
            nation=Nation.ENGLAND,
            la_code="E09000019",
            la_name="Islington",
            provider_type=ProviderType.PVI,
            integration_model=IntegrationModel.SETTING_LED,
        ),
        place="Islington",
        home_outward=("N1", "N4", "N5", "N7", "N19", "EC1V"),
        neighbours=(
            ("E09000007", ("NW1", "NW5", "WC1X")),  # Camden
            ("E09000012", ("E8", "E5", "N16")),  # Hackney
            ("E09000014", ("N8", "N15", "N17")),  # Haringey
        ),
        words={"send": "SEND", "plan": "EHC plan", "early_help": "early help", "hub": "family hub"},
        phone_prefix="020 7946 0",
    ),
    Nation.SCOTLAND: _Area(
        setting=SettingDetails(
            name="Thistle Bank Early Learning Centre",
            urn="CS2099900001",
            nation=Nation.SCOTLAND,
            la_code="S12000036",
            la_name="City of Edinburgh",
            provider_type=ProviderType.PVI,
            integration_model=IntegrationModel.LOCALITY_TEAM,
        ),
        place="Edinburgh",
        home_outward=("EH4", "EH5", "EH6", "EH7", "EH11", "EH16", "EH17"),
        neighbours=(
            ("S12000019", ("EH19", "EH22")),  # Midlothian
            ("S12000010", ("EH21", "EH32")),  # East Lothian
            ("S12000040", ("EH48", "EH54")),  # West Lothian
        ),
        words={
            "send": "ASN",
            "plan": "co-ordinated support plan",
            "early_help": "family support",
            "hub": "family centre",
        },
        phone_prefix="0131 496 0",
    ),
}

# Small, UK-diverse name lists (ASCII, so staff usernames can be made from them). Combined at random,
# the people they make are fictional.
_WOMEN = (
    "Sarah", "Fatima", "Aleksandra", "Grace", "Priya", "Chipo", "Emma", "Nadia", "Bukola", "Hannah",
    "Shanice", "Mariam", "Olga", "Joanne", "Leanne", "Ayesha", "Ioana", "Stacey", "Rukhsana", "Claire",
    "Abena", "Laura", "Sadia", "Megan", "Yasmin", "Gemma", "Funmi", "Kasia", "Ruth", "Amina", "Kirsty",
    "Shona", "Deepa", "Hodan", "Lucia", "Tanisha", "Eilidh", "Zainab", "Rebecca", "Mei",
)  # fmt: skip
_MEN = (
    "James", "Mohammed", "Daniel", "Kwame", "Tomasz", "Ahmed", "Ryan", "Luis", "Hassan", "David",
    "Jamal", "Craig", "Arjun", "Marcus", "Piotr", "Omar", "Liam", "Tunde", "Sean", "Kemal", "Ross",
    "Bilal", "Andre", "Gareth", "Yonas", "Jordan", "Imran", "Callum", "Vikram", "Stefan",
)  # fmt: skip
_CHILDREN = (
    "Amara", "Oliver", "Aisha", "Noah", "Zara", "Leo", "Maryam", "Theo", "Isla", "Yusuf", "Freya",
    "Kai", "Ava", "Ibrahim", "Mia", "Arlo", "Hana", "Jayden", "Lily", "Musa", "Chloe", "Ethan", "Nia",
    "Ayaan", "Grace", "Harrison", "Sofia", "Idris", "Poppy", "Malik", "Eliza", "Oscar", "Layla",
    "Finley", "Amelia", "Zayn", "Ruby", "Tymon", "Maja", "Kofi", "Esme", "Rafael", "Ada", "Dev",
    "Anaya", "Rory", "Iris", "Samir", "Ella", "Jude", "Fraser", "Niamh", "Elif", "Tobi", "Hamza",
)  # fmt: skip
_SURNAMES = (
    "Okafor", "Khan", "Smith", "Nowak", "Begum", "Mensah", "Jones", "Patel", "Ali", "Williams",
    "O'Brien", "Kowalski", "Ahmed", "Campbell", "Hussain", "Taylor", "Adeyemi", "Murphy", "Chowdhury",
    "Brown", "Yilmaz", "Silva", "Popescu", "Osei", "Hughes", "Rahman", "Evans", "Abdi", "Thompson",
    "Ferreira", "Walker", "Mohamed", "Kelly", "Uddin", "Robinson", "Haile", "Clarke", "Mahmood",
    "Wright", "Santos", "MacDonald", "Fraser", "Stewart", "Nguyen", "Demir", "Lewis", "Bangura",
)  # fmt: skip
_LANGUAGES = (
    "Turkish", "Bengali", "Somali", "Polish", "Arabic", "Portuguese", "Romanian", "Tigrinya", "Urdu",
    "Spanish", "Twi", "Yoruba", "Albanian", "Ukrainian",
)  # fmt: skip
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

_FAMILY_NOTES = (
    "Self-referral at pick-up.",
    "Referred by the health visitor.",
    "Older sibling attended previously.",
    "Home language {language}; interpreter offered for meetings.",
    "Moved into the area recently; not yet registered with a GP.",
    "Family asked for help after a change in work hours.",
    "Introduced by the {hub} at a stay-and-play.",
    "",
    "",
)

# --- how support is logged ---------------------------------------------------------------------------

#: Chance that an entry in a domain is direct support (the rest are indirect).
_P_DIRECT = {
    Domain.CHILD_DEVELOPMENT: 0.86,
    Domain.INCLUSION_SEND: 0.74,
    Domain.FAMILY_WELLBEING: 0.55,
    Domain.FINANCIAL_HARDSHIP: 0.22,
}

#: Activities by domain and kind; a name listed twice is picked twice as often.
_ACTIVITIES: dict[tuple[Domain, Kind], tuple[str, ...]] = {
    (Domain.CHILD_DEVELOPMENT, Kind.DIRECT): (
        "home_learning_pack", "home_learning_pack", "development_advice", "development_advice",
        "stay_and_play", "progress_check",
    ),
    (Domain.CHILD_DEVELOPMENT, Kind.INDIRECT): ("health_visitor_liaison", "health_visitor_liaison", "progress_check"),
    (Domain.INCLUSION_SEND, Kind.DIRECT): (
        "support_plan", "support_plan", "inclusion_advice", "inclusion_advice", "transition_support",
        "ehcp_application",
    ),
    (Domain.INCLUSION_SEND, Kind.INDIRECT): ("specialist_liaison", "specialist_liaison", "ehcp_application"),
    (Domain.FAMILY_WELLBEING, Kind.DIRECT): (
        "wellbeing_checkin", "wellbeing_checkin", "wellbeing_checkin", "parenting_support",
        "parenting_support", "safeguarding_discussion",
    ),
    (Domain.FAMILY_WELLBEING, Kind.INDIRECT): (
        "mental_health_signpost", "early_help_contact", "early_help_contact", "safeguarding_discussion",
    ),
    (Domain.FINANCIAL_HARDSHIP, Kind.DIRECT): ("benefits_form_help", "benefits_form_help", "essentials_provided"),
    (Domain.FINANCIAL_HARDSHIP, Kind.INDIRECT): (
        "food_bank_voucher", "food_bank_voucher", "food_bank_voucher", "debt_advice_signpost",
        "debt_advice_signpost", "housing_signpost",
    ),
}  # fmt: skip

#: Where an indirect entry of each activity refers a family, and how often it leads to a referral.
_REFERRAL_ROUTES: dict[str, tuple[float, tuple[ServiceCategory, ...]]] = {
    "health_visitor_liaison": (
        0.15,
        (ServiceCategory.HEALTH_VISITING, ServiceCategory.HEALTH_VISITING, ServiceCategory.SPEECH_LANGUAGE,
         ServiceCategory.GP_PRIMARY_CARE),
    ),
    "progress_check": (0.17, (ServiceCategory.HEALTH_VISITING, ServiceCategory.SPEECH_LANGUAGE)),
    "specialist_liaison": (
        0.19,
        (ServiceCategory.SEND_SUPPORT, ServiceCategory.SPEECH_LANGUAGE, ServiceCategory.SEND_SUPPORT,
         ServiceCategory.GP_PRIMARY_CARE),
    ),
    "ehcp_application": (0.21, (ServiceCategory.SEND_SUPPORT,)),
    "mental_health_signpost": (
        0.21, (ServiceCategory.MENTAL_HEALTH, ServiceCategory.MENTAL_HEALTH, ServiceCategory.GP_PRIMARY_CARE)
    ),
    "early_help_contact": (
        0.17, (ServiceCategory.EARLY_HELP, ServiceCategory.FAMILY_HUB, ServiceCategory.EARLY_HELP)
    ),
    "safeguarding_discussion": (
        0.1, (ServiceCategory.SOCIAL_CARE, ServiceCategory.DOMESTIC_ABUSE, ServiceCategory.EARLY_HELP)
    ),
    "food_bank_voucher": (0.26, (ServiceCategory.FOOD_ESSENTIALS,)),
    "debt_advice_signpost": (0.17, (ServiceCategory.DEBT_BENEFITS,)),
    "housing_signpost": (0.19, (ServiceCategory.HOUSING,)),
}  # fmt: skip

#: Categories a referral names one child for (the others are about the whole family).
_CHILD_CATEGORIES = frozenset(
    {ServiceCategory.HEALTH_VISITING, ServiceCategory.SPEECH_LANGUAGE, ServiceCategory.SEND_SUPPORT}
)

#: Services a family can go to on their own, where the setting often only passes details on.
_SELF_REFERRAL_CATEGORIES = frozenset(
    {ServiceCategory.FOOD_ESSENTIALS, ServiceCategory.GP_PRIMARY_CARE, ServiceCategory.OTHER}
)

_MODES: dict[Kind, tuple[tuple[ContactMode, ...], tuple[float, ...]]] = {
    Kind.DIRECT: (
        (ContactMode.IN_PERSON, ContactMode.PHONE, ContactMode.HOME_VISIT, ContactMode.MEETING, ContactMode.MESSAGE),
        (0.6, 0.72, 0.8, 0.9, 1.0),
    ),
    Kind.INDIRECT: (
        (ContactMode.PHONE, ContactMode.IN_PERSON, ContactMode.MESSAGE, ContactMode.MEETING, ContactMode.HOME_VISIT),
        (0.4, 0.65, 0.86, 0.96, 1.0),
    ),
}  # fmt: skip

#: Minutes by contact mode, repeated to skew short (5 to 120 overall).
_MINUTES: dict[ContactMode, tuple[int, ...]] = {
    ContactMode.IN_PERSON: (5, 10, 10, 10, 15, 15, 15, 15, 20, 20, 20, 30, 30, 45, 60),
    ContactMode.PHONE: (5, 5, 10, 10, 10, 15, 15, 20, 30),
    ContactMode.MESSAGE: (5, 5, 5, 10),
    ContactMode.HOME_VISIT: (30, 45, 45, 60, 60, 60, 90, 120),
    ContactMode.MEETING: (20, 30, 30, 45, 45, 60, 60, 90, 120),
}

#: Chance an entry names a child, by domain.
_P_CHILD = {
    Domain.CHILD_DEVELOPMENT: 0.9,
    Domain.INCLUSION_SEND: 0.97,
    Domain.FAMILY_WELLBEING: 0.25,
    Domain.FINANCIAL_HARDSHIP: 0.08,
}

_NOTES: dict[str, tuple[str, ...]] = {
    "home_learning_pack": (
        "Shared a counting and songs pack with {carer} for {child}.",
        "Lent story sacks to take home; {child} chose the farm one.",
        "Home learning pack on early words; showed {carer} the turn-taking game.",
    ),
    "development_advice": (
        "Talked with {carer} about {child}'s sleep routine.",
        "Advice on toilet training; {carer} to try the picture chart.",
        "Discussed fussy eating and portion sizes with {carer}.",
        "Ideas for screen-free play at home for {child}.",
    ),
    "stay_and_play": (
        "{carer} came to stay-and-play with {child}; joined in the rhyme session.",
        "Messy play session; {carer} chatted with other parents.",
    ),
    "progress_check": (
        "Went through the progress check with {carer}; {child} doing well with physical skills.",
        "Two-year check discussion: some concerns about {child}'s talking.",
    ),
    "health_visitor_liaison": (
        "Called the health visitor about {child}'s weight and eating.",
        "Health visitor agreed to see {child} at the next clinic.",
        "Shared the progress check with the health visitor (consent given).",
    ),
    "support_plan": (
        "SEN support review for {child} with {carer}; new targets agreed.",
        "Updated {child}'s support plan: visual timetable and quiet space.",
        "Reviewed {child}'s {send} support plan; progress with sharing toys.",
    ),
    "ehcp_application": (
        "Helped {carer} with the parent views section of the {plan} request.",
        "Gathered nursery evidence for {child}'s {plan} assessment.",
    ),
    "inclusion_advice": (
        "Talked through {child}'s sensory needs with {carer}; ear defenders for noisy times.",
        "Shared ideas for using Makaton signs at home.",
        "Explained what the {send} support in the room looks like for {child}.",
    ),
    "specialist_liaison": (
        "Spoke with the speech and language therapist about {child}'s programme.",
        "Liaised with the area SENCO before {child}'s observation.",
        "Sent the educational psychologist our observations on {child}.",
    ),
    "transition_support": (
        "Planned {child}'s move to school with {carer}; photo book made.",
        "Transition meeting with the reception teacher about {child}.",
    ),
    "wellbeing_checkin": (
        "Wellbeing check-in with {carer}; feeling more settled this week.",
        "Quick chat at drop-off; {carer} tired but coping.",
        "{carer} shared worries about family back home; listened and offered time next week.",
        "Check-in by phone; {carer} had a better week.",
    ),
    "parenting_support": (
        "Talked with {carer} about managing tantrums at bedtime.",
        "{carer} joined the parenting group session on routines.",
        "Ideas for calm transitions at home; {carer} to try a five-minute warning.",
    ),
    "mental_health_signpost": (
        "Gave {carer} details of local talking therapies.",
        "{carer} low in mood; talked about speaking to the GP and shared the perinatal team's leaflet.",
    ),
    "safeguarding_discussion": (
        "Discussed a concern with the DSL; recorded and agreed next steps.",
        "Safeguarding conversation with {carer}; support plan agreed.",
        "Spoke with the DSL about {child}'s attendance.",
    ),
    "early_help_contact": (
        "Called the {early_help} team to talk through the family's needs.",
        "Shared information with the {early_help} worker (consent given).",
    ),
    "food_bank_voucher": (
        "Gave {carer} a food bank voucher.",
        "Baby bank voucher for nappies and formula.",
        "Food bank voucher issued; {carer} between benefit payments.",
    ),
    "benefits_form_help": (
        "Helped {carer} fill in the funded childcare form.",
        "Sat with {carer} to complete the Universal Credit childcare costs claim.",
        "Helped {carer} apply for free school meals and the holiday programme.",
    ),
    "debt_advice_signpost": (
        "Signposted {carer} to free debt advice; rent arrears worrying the family.",
        "Gave details of the welfare rights service for a benefits check.",
    ),
    "housing_signpost": (
        "{carer} worried about damp in the flat; signposted to housing advice.",
        "Family facing eviction; shared housing options service details.",
    ),
    "essentials_provided": (
        "Gave {carer} a winter coat and boots for {child}.",
        "Spare clothes and nappies from the nursery's essentials cupboard.",
        "Provided a pushchair from donations.",
    ),
}

# --- the rhythm of the year ------------------------------------------------------------------------------

#: Volume by calendar month: quiet in August (and late December, by day below), busy in January and September.
_SEASON = {1: 1.3, 2: 1.05, 3: 1.05, 4: 0.9, 5: 1.0, 6: 1.0, 7: 0.85, 8: 0.45, 9: 1.45, 10: 1.1, 11: 1.05, 12: 0.8}  # fmt: skip
#: Extra weight on each domain by month: hardship peaks in winter, new starters and school moves in September/July.
_DOMAIN_SEASON = {
    Domain.FINANCIAL_HARDSHIP: {1: 1.8, 2: 1.6, 3: 1.3, 4: 1.0, 5: 0.85, 6: 0.75, 7: 0.8, 8: 0.9, 9: 1.0, 10: 1.15, 11: 1.4, 12: 1.7},
    Domain.CHILD_DEVELOPMENT: {9: 1.2, 10: 1.1},
    Domain.INCLUSION_SEND: {6: 1.15, 7: 1.3, 9: 1.25},
    Domain.FAMILY_WELLBEING: {1: 1.15, 12: 1.1},
}  # fmt: skip
#: Families join mostly in September and January.
_OPENINGS = {1: 1.4, 2: 1.0, 3: 0.9, 4: 1.1, 5: 0.9, 6: 0.8, 7: 0.6, 8: 0.4, 9: 2.0, 10: 1.2, 11: 1.0, 12: 0.6}  # fmt: skip

#: Base entries a month for light, moderate and intensive families (before season and episodes).
#: Each is (cumulative share of families, rate, chance a month starts a busier episode).
_INTENSITY = ((0.5, 3.0, 0.04), (0.85, 8.4, 0.08), (1.0, 17.5, 0.14))
_EPISODE_BOOST = 2.2
_INTAKE_BOOST = 1.8
_P_FOLLOW_UP = 0.06
_FOLLOW_UP_DAYS = (7, 14, 14, 21, 28, 42)

#: Code strings by member, so the hot loop does not go through Enum's ``value`` descriptor.
_VALUES: dict[object, str] = {m: m.value for e in (Domain, Kind, ContactMode) for m in e}


def _day_weight(day: date) -> float:
    """Weekdays only; the setting is closed for Christmas and New Year and quiet the week before."""
    if day.weekday() >= 5:
        return 0.0
    if (day.month, day.day) in ((12, 25), (12, 26), (1, 1)):
        return 0.0
    if day.month == 12 and day.day >= 24:
        return 0.05
    if day.month == 12 and day.day >= 18:
        return 0.3
    return 1.0


@dataclass(frozen=True)
class _MonthDays:
    first: date
    last: date
    days: list[date]
    weights: tuple[float, ...]
    cum_weights: list[float]


class _Calendar:
    """The working days of each month and their weights, worked out once per month."""

    def __init__(self) -> None:
        self._months: dict[tuple[int, int], _MonthDays] = {}

    def month(self, year: int, month: int) -> _MonthDays:
        found = self._months.get((year, month))
        if found is None:
            last = calendar.monthrange(year, month)[1]
            pairs = [
                (d, w)
                for d in (date(year, month, n) for n in range(1, last + 1))
                if (w := _day_weight(d)) > 0
            ]
            found = _MonthDays(
                date(year, month, 1),
                date(year, month, last),
                [p[0] for p in pairs],
                tuple(p[1] for p in pairs),
                list(itertools.accumulate(p[1] for p in pairs)),
            )
            self._months[(year, month)] = found
        return found

    def between(self, year: int, month: int, lo: date, hi: date) -> tuple[list[date], list[float], float]:
        """The working days of one month from lo to hi, their cumulative weights, and their share of the month."""
        whole = self.month(year, month)
        if lo <= whole.first and whole.last <= hi:
            return whole.days, whole.cum_weights, 1.0
        days, cum, running = [], [], 0.0
        for day, weight in zip(whole.days, whole.weights, strict=True):
            if lo <= day <= hi:
                running += weight
                days.append(day)
                cum.append(running)
        total = whole.cum_weights[-1] if whole.cum_weights else 0.0
        return days, cum, (running / total if total else 0.0)


def _months_between(start: date, end: date) -> list[tuple[int, int]]:
    out, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


# --- referral services and how they answer ---------------------------------------------------------------


@dataclass(frozen=True)
class _Response:
    """How a kind of service answers: days to acknowledge, chances of silence, refusal and a waiting list,
    and weeks from acceptance to first contact and from there to the end of the work."""

    ack_days: tuple[int, int]
    p_silent: float
    p_decline: float
    p_waitlist: float
    seen_weeks: tuple[int, int]
    done_weeks: tuple[int, int]


_RESPONSES: dict[ServiceCategory, _Response] = {
    ServiceCategory.HEALTH_VISITING: _Response((1, 5), 0.03, 0.03, 0.05, (1, 4), (4, 12)),
    ServiceCategory.SPEECH_LANGUAGE: _Response((3, 15), 0.06, 0.08, 0.45, (6, 26), (10, 30)),
    ServiceCategory.GP_PRIMARY_CARE: _Response((1, 7), 0.08, 0.02, 0.04, (1, 3), (2, 8)),
    ServiceCategory.MENTAL_HEALTH: _Response((3, 14), 0.07, 0.15, 0.35, (3, 14), (8, 24)),
    ServiceCategory.FAMILY_HUB: _Response((1, 5), 0.04, 0.03, 0.1, (1, 4), (4, 16)),
    ServiceCategory.EARLY_HELP: _Response((2, 10), 0.05, 0.2, 0.1, (1, 4), (8, 26)),
    ServiceCategory.SOCIAL_CARE: _Response((0, 2), 0.01, 0.3, 0.0, (0, 2), (6, 20)),
    ServiceCategory.SEND_SUPPORT: _Response((5, 20), 0.08, 0.1, 0.3, (4, 20), (12, 40)),
    ServiceCategory.HOUSING: _Response((5, 28), 0.22, 0.15, 0.3, (4, 20), (8, 40)),
    ServiceCategory.FOOD_ESSENTIALS: _Response((0, 2), 0.02, 0.02, 0.0, (0, 1), (0, 2)),
    ServiceCategory.DEBT_BENEFITS: _Response((2, 10), 0.1, 0.05, 0.2, (1, 6), (4, 12)),
    ServiceCategory.DOMESTIC_ABUSE: _Response((0, 3), 0.03, 0.05, 0.1, (0, 2), (6, 20)),
    ServiceCategory.OTHER: _Response((2, 14), 0.15, 0.1, 0.1, (1, 8), (2, 12)),
}

#: Service names per category ({place} is the area); the number is how slow that one is (1.0 typical).
_SERVICES: dict[ServiceCategory, tuple[tuple[str, float], ...]] = {
    ServiceCategory.HEALTH_VISITING: (("{place} Health Visiting Team", 1.0), ("{place} Health Visiting (North)", 1.3)),
    ServiceCategory.SPEECH_LANGUAGE: (("{place} Children's Speech and Language Therapy", 1.2), ("{place} Early Language Drop-in", 0.6)),
    ServiceCategory.GP_PRIMARY_CARE: (("Riverside Medical Practice", 1.0), ("Parkview Surgery", 1.4)),
    ServiceCategory.MENTAL_HEALTH: (("{place} Perinatal Mental Health Team", 1.0), ("{place} Talking Therapies", 1.5)),
    ServiceCategory.FAMILY_HUB: (("{place} {Hub}", 1.0), ("{place} Parenting Programmes", 1.2)),
    ServiceCategory.EARLY_HELP: (("{place} {Early_help} Service", 1.0),),
    ServiceCategory.SOCIAL_CARE: (("{place} Children's Social Work", 1.0),),
    ServiceCategory.SEND_SUPPORT: (("{place} Area SENCO Team", 1.0), ("{place} Educational Psychology Service", 1.6), ("{place} Portage Service", 1.2)),
    ServiceCategory.HOUSING: (("{place} Housing Advice Service", 1.0), ("{place} Temporary Accommodation Team", 1.8)),
    ServiceCategory.FOOD_ESSENTIALS: (("{place} Food Bank", 1.0), ("{place} Baby Bank", 1.0), ("{place} Community Larder", 1.0)),
    ServiceCategory.DEBT_BENEFITS: (("{place} Citizens Advice", 1.3), ("{place} Welfare Rights Service", 1.0)),
    ServiceCategory.DOMESTIC_ABUSE: (("{place} Domestic Abuse Support Service", 1.0),),
    ServiceCategory.OTHER: (("{place} Library Rhyme Time", 0.8), ("{place} ESOL for Parents", 1.5), ("{place} Children's Dental Outreach", 1.2)),
}  # fmt: skip

#: Why the referral is made (what the family needs from the service).
_REFERRAL_REASONS: dict[ServiceCategory, tuple[str, ...]] = {
    ServiceCategory.HEALTH_VISITING: ("Asked for a development review.", "Concerns about weight and feeding."),
    ServiceCategory.SPEECH_LANGUAGE: ("Few words at 2; understanding seems good.", "Unclear speech; family keen for help."),
    ServiceCategory.GP_PRIMARY_CARE: ("Recurring ear infections.", "Registration help and a health check."),
    ServiceCategory.MENTAL_HEALTH: ("Low mood since the baby was born.", "Anxiety affecting sleep and daily life."),
    ServiceCategory.FAMILY_HUB: ("Parenting course place requested.", "Wants to meet other parents."),
    ServiceCategory.EARLY_HELP: ("Several needs together; family agreed to an assessment.",),
    ServiceCategory.SOCIAL_CARE: ("Concern discussed with the DSL; referral made the same day.",),
    ServiceCategory.SEND_SUPPORT: ("Observation requested; support plan attached.", "Request for specialist advice."),
    ServiceCategory.HOUSING: ("Overcrowding and damp.", "Notice to leave received."),
    ServiceCategory.FOOD_ESSENTIALS: ("Voucher for three days' food.", "Nappies, wipes and formula."),
    ServiceCategory.DEBT_BENEFITS: ("Benefits check and help with arrears.", "Universal Credit deductions."),
    ServiceCategory.DOMESTIC_ABUSE: ("Referral with the family's safety plan.",),
    ServiceCategory.OTHER: ("Family interested; details passed on.",),
}  # fmt: skip

#: Chance that a referral to this kind of service is the family's own (signposted or supported).
_SELF_ROUTE_SHARE = {
    ServiceCategory.FOOD_ESSENTIALS: 0.3,
    ServiceCategory.GP_PRIMARY_CARE: 0.5,
    ServiceCategory.DEBT_BENEFITS: 0.4,
    ServiceCategory.HOUSING: 0.25,
    ServiceCategory.FAMILY_HUB: 0.3,
    ServiceCategory.MENTAL_HEALTH: 0.2,
    ServiceCategory.OTHER: 0.6,
}
_CHASE_NOTES = (
    "Phoned the service; referral received, waiting for triage.",
    "Emailed the duty inbox; no reply yet.",
    "Left a voicemail for the duty worker.",
    "Chased by email; told it would be looked at this week.",
)
_SHARING_METHODS = ("secure email", "online referral form", "phone call", "secure email")
#: Overrides rely on safeguarding duties.
_OVERRIDE_BASES = (LawfulBasis.LEGAL_OBLIGATION, LawfulBasis.PUBLIC_TASK, LawfulBasis.LEGAL_OBLIGATION)

# --- building ------------------------------------------------------------------------------------------


@dataclass
class _DemoFamily:
    id: int
    opened_on: date
    last_day: date  # the closing date, or today
    key_worker_id: int
    ref: str
    carer_first: str
    carer_name: str
    children: list[tuple[int, str]]  # (child id, first name)
    send_child: tuple[int, str] | None  # the child the inclusion work is about, if any
    domain_weights: tuple[float, float, float, float]
    rate: float
    p_episode: float


@dataclass
class _PendingReferral:
    family_id: int
    family_ref: str
    carer_name: str
    child_id: int | None
    staff_id: int
    category: ServiceCategory
    service: str
    slowness: float
    domain: Domain
    made_on: date


class _Builder:
    def __init__(self, conn: Connection, rng: random.Random, area: _Area, today: date, now: datetime) -> None:
        self.conn = conn
        self.rng = rng
        self.area = area
        self.today = today
        self.now = now
        self.now_text = from_datetime(now)
        self.calendar = _Calendar()
        self.agreements: list[_DemoAgreement] = []
        self.words = {**area.words, "place": area.place}
        self.services = {
            cat: tuple(
                (
                    name.format(
                        place=area.place,
                        Hub=area.words["hub"].title(),
                        Early_help=area.words["early_help"].title(),
                    ),
                    slow,
                )
                for name, slow in names
            )
            for cat, names in _SERVICES.items()
        }
        missing = set(_NOTES) - {a.code for a in activity_repo.list_activity_types(conn)}
        if missing:  # the built-in activity types come with every new casebook
            raise RuntimeError(f"built-in activity types missing: {sorted(missing)}")

    # staff ----------------------------------------------------------------------------------------------
    def add_practitioners(self, manager_username: str) -> list[int]:
        rng = self.rng
        ids: list[int] = []
        taken = {manager_username}
        for _ in range(rng.randint(4, 6)):
            while True:
                first = rng.choice(_WOMEN if rng.random() < 0.8 else _MEN)
                surname = rng.choice(_SURNAMES)
                username = f"{first}.{surname[0]}".lower()
                if username not in taken:
                    break
            taken.add(username)
            ids.append(
                staff_repo.add_staff(
                    self.conn, username, f"{first} {surname}", Role.PRACTITIONER, self.now
                ).id
            )
        return ids

    # families -------------------------------------------------------------------------------------------
    def opening_dates(self, count: int, months: int) -> list[date]:
        """Opening dates across the window, busiest in September and January, oldest first."""
        start = _months_back(self.today, months) + timedelta(days=1)
        days: list[date] = []
        cum: list[float] = []
        running = 0.0
        for year, month in _months_between(start, self.today):
            month_days, _, _ = self.calendar.between(year, month, start, self.today)
            for day in month_days:
                running += _OPENINGS[month] * _day_weight(day)
                days.append(day)
                cum.append(running)
        if not days:  # a window with no working day in it (a one-month demo over Christmas)
            return [self.today] * count
        return sorted(self.rng.choices(days, cum_weights=cum, k=count))

    def add_family(self, number: int, opened_on: date, practitioners: list[int]) -> _DemoFamily:
        rng = self.rng
        area = self.area
        surname = rng.choice(_SURNAMES)
        first_relationship = rng.choices(
            ("mother", "father", "grandmother", "foster carer", "kinship carer"),
            cum_weights=(80, 91, 95, 98, 100),
        )[0]
        first_name = rng.choice(_MEN if first_relationship == "father" else _WOMEN)
        carers = [Carer(f"{first_name} {surname}", first_relationship, _phone(rng))]
        if first_relationship in ("mother", "father") and rng.random() < 0.45:
            partner = "father" if first_relationship == "mother" else "mother"
            partner_surname = surname if rng.random() < 0.7 else rng.choice(_SURNAMES)
            carers.append(
                Carer(
                    f"{rng.choice(_MEN if partner == 'father' else _WOMEN)} {partner_surname}",
                    partner,
                    _phone(rng) if rng.random() < 0.85 else "",
                )
            )
        if rng.random() < 0.1:
            home_la, districts = rng.choice(area.neighbours)
        else:
            home_la, districts = area.setting.la_code, area.home_outward
        postcode = f"{rng.choice(districts)} {rng.randint(1, 9)}Z{rng.choice(_INWARD_LETTERS)}"

        # Children: the youngest is 3 weeks to 4 years 6 months at opening; older siblings up to 5.
        count = rng.choices((1, 2, 3), cum_weights=(56, 88, 100))[0]
        ages = [rng.randint(21, 4 * 365 + 180)]
        while len(ages) < count:
            older = ages[-1] + rng.randint(420, 1100)
            if older > 6 * 365 - 1:
                break
            ages.append(older)
        births = [opened_on - timedelta(days=age) for age in reversed(ages)]  # eldest first

        # Support lasts until the youngest starts school, or ends early (moved away, need met).
        youngest = births[-1]
        if rng.random() < 0.15:
            ends = opened_on + timedelta(days=rng.randint(45, 270))
        else:
            school_year = youngest.year + 4 + (1 if youngest.month >= 9 else 0)
            ends = date(school_year, 7, 20) - timedelta(days=rng.randint(0, 20))
            if ends < opened_on + timedelta(days=60):
                ends = opened_on + timedelta(days=rng.randint(60, 200))
        closed_on = ends if ends <= self.today else None

        note = rng.choice(_FAMILY_NOTES).format(language=rng.choice(_LANGUAGES), hub=area.words["hub"])
        key_worker = rng.choice(practitioners)
        family = family_repo.add_family(
            self.conn,
            NewFamily(
                ref=f"FAM-{number:04d}",
                opened_on=opened_on,
                carers=tuple(carers),
                postcode=postcode,
                home_la_code=home_la,
                key_worker_id=key_worker,
                closed_on=closed_on,
                notes=note,
            ),
            self.now,
        )
        children = []
        for index, born in enumerate(births, start=1):
            name = rng.choice(_CHILDREN)
            child = family_repo.add_child(
                self.conn, family.id, NewChild(f"{name} {surname}", born, key=f"c{index}")
            )
            children.append((child.id, name))

        has_send = rng.random() < 0.2
        weights = (
            rng.uniform(0.7, 1.3),
            (1.6 if has_send else 0.04) * rng.uniform(0.7, 1.3),
            (1.7 if rng.random() < 0.3 else 0.7) * rng.uniform(0.7, 1.3),
            (1.8 if rng.random() < 0.35 else 0.35) * rng.uniform(0.7, 1.3),
        )
        pick = rng.random()
        rate, p_episode = next((r, e) for share, r, e in _INTENSITY if pick <= share)
        return _DemoFamily(
            id=family.id,
            opened_on=opened_on,
            last_day=min(closed_on or self.today, self.today),
            key_worker_id=key_worker,
            ref=family.ref,
            carer_first=first_name,
            carer_name=carers[0].name,
            children=children,
            send_child=rng.choice(children) if has_send else None,
            domain_weights=weights,
            rate=rate * rng.uniform(0.7, 1.3),
            p_episode=p_episode,
        )

    # entries --------------------------------------------------------------------------------------------
    def family_entries(
        self, fam: _DemoFamily, staff: list[int], manager_id: int, rows: list[tuple], referrals: list
    ) -> None:
        """Append the family's support entries (as INSERT rows) and the referrals they lead to."""
        rng = self.rng
        episode_left = 2  # the first weeks after opening are busier (getting to know the family)
        boost = _INTAKE_BOOST
        months = _months_between(fam.opened_on, fam.last_day)
        for index, (year, month) in enumerate(months):
            days, cum, share = self.calendar.between(year, month, fam.opened_on, fam.last_day)
            if episode_left <= 0 and rng.random() < fam.p_episode:
                episode_left, boost = rng.randint(1, 3), _EPISODE_BOOST
            factor = boost if episode_left > 0 else 1.0
            episode_left -= 1
            if index == len(months) - 1 and fam.last_day < self.today:
                factor *= 1.3  # winding up: transition to school, closing conversations
            count = _poisson(rng, fam.rate * _SEASON[month] * factor * share)
            if index == 0:
                count += 1  # the first conversation, on the day the record is opened
            if not days or count == 0:
                continue
            dates = rng.choices(days, cum_weights=cum, k=count)
            if index == 0:
                dates[0] = fam.opened_on if fam.opened_on in days else days[0]
            domain_cum = list(
                itertools.accumulate(
                    w * _DOMAIN_SEASON[d].get(month, 1.0)
                    for d, w in zip(DOMAIN_ORDER, fam.domain_weights, strict=True)
                )
            )
            for day, domain in zip(
                dates, rng.choices(DOMAIN_ORDER, cum_weights=domain_cum, k=count), strict=True
            ):
                rows.append(self._entry(fam, day, domain, staff, manager_id, referrals))

    def _entry(
        self, fam: _DemoFamily, day: date, domain: Domain, staff: list[int], manager_id: int, referrals: list
    ) -> tuple:
        """One support entry as an INSERT_ENTRY_SQL row. The hot loop: plain indexing, no enum lookups."""
        r = self.rng.random
        kind = Kind.DIRECT if r() < _P_DIRECT[domain] else Kind.INDIRECT
        activities = _ACTIVITIES[(domain, kind)]
        activity = activities[int(r() * len(activities))]
        modes, mode_cum = _MODES[kind]
        mode = modes[bisect.bisect(mode_cum, r() * mode_cum[-1])]
        minutes_choices = _MINUTES[mode]
        minutes = minutes_choices[int(r() * len(minutes_choices))]
        child_id, child_name = None, "the children"
        if r() < _P_CHILD[domain]:
            if domain is Domain.INCLUSION_SEND and fam.send_child is not None:
                child_id, child_name = fam.send_child
            else:
                child_id, child_name = fam.children[int(r() * len(fam.children))]
        pick = r()
        if pick < 0.74:
            staff_id = fam.key_worker_id
        elif pick < 0.8:
            staff_id = manager_id
        else:
            staff_id = staff[int(r() * len(staff))]
        templates = _NOTES[activity]
        note = templates[int(r() * len(templates))].format(
            carer=fam.carer_first, child=child_name, **self.words
        )
        follow_up = (
            (day + timedelta(days=_FOLLOW_UP_DAYS[int(r() * len(_FOLLOW_UP_DAYS))])).isoformat()
            if r() < _P_FOLLOW_UP
            else None
        )
        route = _REFERRAL_ROUTES.get(activity) if kind is Kind.INDIRECT else None
        if route is not None and r() < route[0]:
            rng = self.rng
            category = ServiceCategory.OTHER if r() < 0.04 else rng.choice(route[1])
            service, slowness = rng.choice(self.services[category])
            if category in _CHILD_CATEGORIES:
                if child_id is None:
                    child_id = (fam.send_child or rng.choice(fam.children))[0]
                referral_child = child_id
            else:
                referral_child = child_id if r() < 0.3 else None
            referrals.append(
                _PendingReferral(
                    fam.id,
                    fam.ref,
                    fam.carer_name,
                    referral_child,
                    staff_id,
                    category,
                    service,
                    slowness,
                    domain,
                    day,
                )
            )
            note = f"{note} Referral made to {service}."
        # The column order of entry_repo.INSERT_ENTRY_SQL; _check_entry_layout proves it matches entry_params.
        return (
            fam.id, child_id, staff_id, day.isoformat(), _VALUES[domain], _VALUES[kind], activity, minutes,
            _VALUES[mode], note, follow_up, self.now_text,
        )  # fmt: skip

    # referrals ------------------------------------------------------------------------------------------
    def referral_story(self, ref: _PendingReferral, follow_up_days: int) -> _Story:
        """How one referral went, up to today: route, consent, status changes and chases."""
        rng = self.rng
        r = rng.random
        response = _RESPONSES[ref.category]
        slow = ref.slowness

        def days(lo: float, hi: float) -> int:
            return round((lo + (hi - lo) * r()) * slow)

        story = _Story(route=Route.REFERRED, consent=Consent.GIVEN, urgency=Urgency.ROUTINE)
        events, made = story.events, ref.made_on
        if ref.category in (ServiceCategory.SOCIAL_CARE, ServiceCategory.DOMESTIC_ABUSE):
            story.urgency = Urgency.URGENT if r() < 0.6 else Urgency.SOON
        elif r() < 0.15:
            story.urgency = Urgency.SOON

        # The family contacts the service themselves, with details from (or help at) the setting.
        if r() < _SELF_ROUTE_SHARE.get(ref.category, 0.04):
            story.route = Route.SIGNPOSTED if r() < 0.5 else Route.SUPPORTED_SELF_REFERRAL
            story.consent = Consent.NOT_NEEDED
            events.append((S.SENT, made, None, ""))
            heard = made + timedelta(days=rng.randint(7, 42))
            outcome = r()
            if outcome < 0.15:
                events.append((S.WITHDRAWN, heard, "family_declined", "Family decided not to go ahead."))
            elif outcome < 0.4:
                events.append((S.SEEN, heard, None, "Family says they have been seen."))
                events.append((S.COMPLETED, heard + timedelta(days=rng.randint(14, 60)), None, ""))
            else:
                events.append((S.COMPLETED, heard, None, "Family told us how it went."))
            return story.until(self.today)

        if ref.category in (ServiceCategory.SOCIAL_CARE, ServiceCategory.DOMESTIC_ABUSE) and r() < 0.15:
            story.consent = Consent.OVERRIDDEN
        elif r() < 0.015:
            story.consent = Consent.NOT_GIVEN
            events.append((S.DRAFT, made, None, ""))
            events.append(
                (S.WITHDRAWN, made + timedelta(days=rng.randint(0, 3)), "family_declined",
                 "Family did not want the referral for now.")
            )  # fmt: skip
            return story.until(self.today)

        sent = made
        if r() < 0.3:
            events.append((S.DRAFT, made, None, ""))
            if r() < 0.02:  # started and never sent
                if (self.today - made).days > 60 and r() < 0.5:
                    events.append((S.WITHDRAWN, made + timedelta(days=rng.randint(7, 40)), "duplicate", ""))
                return story.until(self.today)
            sent = made + timedelta(days=rng.randint(1, 4))
        events.append((S.SENT, sent, None, ""))

        if r() < response.p_silent:
            answered = None if r() < 0.8 else sent + timedelta(days=rng.randint(35, 70))
        else:
            answered = sent + timedelta(days=days(*response.ack_days))
        # Chase a service that has not answered by the follow-up date (and again a fortnight on).
        chase_on = sent + timedelta(days=follow_up_days + rng.randint(0, 3))
        for _ in range(2):
            if answered is not None and chase_on >= answered:
                break
            next_due = chase_on + timedelta(days=follow_up_days)
            story.chases.append((chase_on, next_due, rng.choice(_CHASE_NOTES)))
            chase_on = next_due + timedelta(days=rng.randint(0, 3))
        if answered is None:
            events.append(
                (S.WITHDRAWN, chase_on + timedelta(days=rng.randint(0, 10)), "no_response",
                 "No reply after two reminders.")
            )  # fmt: skip
            return story.until(self.today)

        events.append((S.ACKNOWLEDGED, answered, None, ""))
        decided = answered + timedelta(days=rng.randint(0, 14))
        outcome = r()
        if outcome < response.p_decline:
            reason = rng.choices(("not_eligible", "waiting_list_closed", "other"), cum_weights=(6, 8, 10))[0]
            note = "Below the service's threshold; advice given." if reason == "other" else ""
            events.append((S.DECLINED, decided, reason, note))
            return story.until(self.today)
        accepted = decided
        if outcome < response.p_decline + response.p_waitlist:
            events.append((S.WAITLISTED, decided, None, ""))
            accepted = decided + timedelta(days=days(21, 140))
            if r() < 0.1:
                events.append(
                    (S.WITHDRAWN, decided + timedelta(days=days(14, 90)), "family_declined",
                     "Family no longer wanted the service.")
                )  # fmt: skip
                return story.until(self.today)
        events.append((S.ACCEPTED, accepted, None, ""))
        seen = accepted + timedelta(days=days(response.seen_weeks[0] * 7, response.seen_weeks[1] * 7))
        if r() < 0.05:
            gave_up = accepted + timedelta(days=rng.randint(1, max(1, (seen - accepted).days)))
            events.append((S.WITHDRAWN, gave_up, "family_declined", "Family moved or changed their mind."))
            return story.until(self.today)
        events.append((S.SEEN, seen, None, ""))
        done = seen + timedelta(days=days(response.done_weeks[0] * 7, response.done_weeks[1] * 7))
        events.append((S.COMPLETED, done, None, ""))
        return story.until(self.today)

    def referral(self, ref: _PendingReferral, story: _Story, service_id: int) -> NewTrackedReferral:
        rng = self.rng
        consent = story.consent
        return NewTrackedReferral(
            family_id=ref.family_id,
            service_name=ref.service,
            service_category=ref.category,
            domain=ref.domain,
            made_on=ref.made_on,
            consent=consent,
            status=story.events[-1][0],
            child_id=ref.child_id,
            made_by=ref.staff_id,
            note="",
            # A mental health referral is about the parent (the perinatal team sees the mother).
            carer=ref.carer_name if ref.category is ServiceCategory.MENTAL_HEALTH else "",
            service_id=service_id,
            route=story.route,
            urgency=story.urgency,
            reason=rng.choice(_REFERRAL_REASONS[ref.category]),
            consent_given_by=ref.carer_name if consent is Consent.GIVEN else "",
            consent_given_on=ref.made_on if consent is Consent.GIVEN else None,
            consent_scope=(
                f"Contact details, the reason for referral and nursery observations, to {ref.service}"
                if consent is Consent.GIVEN
                else ""
            ),
            consent_note=(
                "The family contacts the service themselves; nothing is passed on by the setting."
                if consent is Consent.NOT_NEEDED
                else ""
            ),
            lawful_basis=rng.choice(_OVERRIDE_BASES) if consent is Consent.OVERRIDDEN else None,
            override_rationale=(
                "Risk of significant harm: the DSL judged that seeking consent first would increase the risk."
                if consent is Consent.OVERRIDDEN
                else ""
            ),
        )

    def sharing_record(
        self, ref: _PendingReferral, referral: NewTrackedReferral, referral_id: int, story: _Story
    ):
        """The information-sharing record the referral workflow keeps when a referral is sent, or refused."""
        if not story.route.setting_shares:
            return None  # the family made contact themselves: nothing left the setting
        sent_on = next((on for status, on, _, _ in story.events if status is S.SENT), None)
        what = f"Referral for family {ref.family_ref}: carers' names and contact details"
        if referral.child_id is not None:
            what += ", the child's name and date of birth"
        what += ", the reason for the referral and the referral note"
        purpose = referral.reason or f"Referral to {ref.category.label}"
        if sent_on is None:
            if referral.consent is not Consent.NOT_GIVEN:
                return None
            return NewSharingRecord(
                decision=SharingDecision.NOT_SHARED, occasion=SharingOccasion.REFERRAL,
                decided_on=story.events[-1][1], recipient=ref.service, what=what, purpose=purpose,
                consent=Consent.NOT_GIVEN, reason="The family did not agree to the referral.",
                family_id=ref.family_id, referral_id=referral_id, recorded_by=ref.staff_id,
            )  # fmt: skip
        if referral.consent is Consent.GIVEN:
            basis = LawfulBasis.CONSENT
            why = f"Consent given by {referral.consent_given_by}: {referral.consent_scope}"
        else:
            basis, why = referral.lawful_basis, f"Shared without consent: {referral.override_rationale}"
        agreement_id = next((a.id for a in self.agreements if a.covers(ref.category.value, sent_on)), None)
        no_agreement_reason = (
            "" if agreement_id else _NO_AGREEMENT_REASONS[referral_id % len(_NO_AGREEMENT_REASONS)]
        )
        return NewSharingRecord(
            decision=SharingDecision.SHARED, occasion=SharingOccasion.REFERRAL, decided_on=sent_on,
            recipient=ref.service, what=what, purpose=purpose, lawful_basis=basis, consent=referral.consent,
            reason=why, method=self.rng.choice(_SHARING_METHODS), family_id=ref.family_id,
            referral_id=referral_id, recorded_by=ref.staff_id, agreement_id=agreement_id,
            no_agreement_reason=no_agreement_reason,
        )  # fmt: skip

    def add_partnership_records(self, manager_id: int) -> None:
        """The setting's data-sharing agreements (one due for review soon, one ended) and two yearly
        integration self-evaluations, so the partnership screens have something to show."""
        self.agreements = []
        for spec in _demo_agreements(self.area, self.today):
            agreement_id = agreement_repo.add_agreement(self.conn, spec, manager_id, self.now)
            categories = {str(p.service_category) for p in spec.parties if p.service_category}
            self.agreements.append(_DemoAgreement(agreement_id, spec.starts_on, spec.ends_on, categories))
        for months_ago, ratings, notes in _DEMO_SELF_EVALUATIONS:
            on = _months_back(self.today, months_ago)
            evaluation = NewSelfEvaluation(
                on,
                tuple(
                    Rating(spec.code, rating, note)
                    for spec, rating, note in zip(INGREDIENTS, ratings, notes, strict=True)
                ),
            )
            self_evaluation_repo.add_evaluation(self.conn, evaluation, staff_id=manager_id, now=self.now)

    def add_services(self) -> dict[str, int]:
        """The setting's service directory: every service the demo refers to, by name."""
        ids: dict[str, int] = {}
        for category, services in self.services.items():
            for name, _ in services:
                service = service_repo.add_service(
                    self.conn,
                    NewService(
                        name=name,
                        category=category,
                        domain=CATEGORY_USUAL_DOMAIN[category],
                        phone=f"{self.area.phone_prefix}{self.rng.randint(0, 999):03d}",
                        description=f"{category.label} for families in {self.area.place} (invented for the demo).",
                    ),
                    ServiceSource.MANUAL,
                    self.now,
                )
                ids[name] = service.id
        return ids


@dataclass(frozen=True)
class _DemoAgreement:
    id: int
    starts_on: date
    ends_on: date | None
    categories: set[str]

    def covers(self, category: str, on: date) -> bool:
        return (
            category in self.categories
            and self.starts_on <= on
            and (self.ends_on is None or on <= self.ends_on)
        )


#: Why a demo referral went out with no agreement in force (as staff might put it).
_NO_AGREEMENT_REASONS = (
    "No agreement with this service yet; the family asked us to make the referral and consented.",
    "Urgent need; the agreement with this partner is still being drafted.",
    "One-off referral to a service we rarely use; shared the minimum with the family's consent.",
)


def _demo_agreements(area: _Area, today: date) -> list[NewAgreement]:
    setting = AgreementParty(area.setting.name, "this_setting")
    security = "Secure email or the partner's referral portal; paper copies locked away; need-to-know access."
    retention = "Kept for the life of the referral and then 2 years; deleted securely at the end."
    return [
        NewAgreement(
            title=f"Health visiting and {area.words['hub']} information sharing",
            parties=(
                setting,
                AgreementParty(f"{area.place} Health Visiting Team", "health_visiting", "health_visiting"),
                AgreementParty(f"{area.place} {area.words['hub'].title()}", "family_hub", "family_hub"),
                AgreementParty(f"{area.place} Speech and Language Therapy", "health", "speech_language"),
            ),
            purpose="Joined-up support for children's health and development from birth to five.",
            data_items="Names, dates of birth, contact details, the need and the support given or asked for.",
            direction="both_ways",
            lawful_basis="public_task",
            special_category_condition="health_social_care",
            retention=retention,
            security_measures=security,
            starts_on=_months_back(today, 23),
            review_on=today + timedelta(days=20),
        ),
        NewAgreement(
            title=f"{area.words['early_help'].capitalize()} and children's social care",
            parties=(
                setting,
                AgreementParty(
                    f"{area.place} {area.words['early_help'].title()} Team", "early_help", "early_help"
                ),
                AgreementParty(f"{area.place} Children's Social Care", "social_care", "social_care"),
                AgreementParty(f"{area.place} Domestic Abuse Service", "voluntary_sector", "domestic_abuse"),
            ),
            purpose="Referrals and information sharing to keep children safe and support families early.",
            data_items="Family members' details, concerns, support given, and safeguarding information.",
            direction="both_ways",
            lawful_basis="public_task",
            special_category_condition="substantial_public_interest",
            retention="As the partner's own retention schedule; our copy until the youngest child is 25.",
            security_measures=security,
            starts_on=_months_back(today, 35),
            review_on=today + timedelta(days=190),
        ),
        NewAgreement(
            title="Food, essentials and money advice partners",
            parties=(
                setting,
                AgreementParty(f"{area.place} Food Bank", "voluntary_sector", "food_essentials"),
                AgreementParty(f"{area.place} Citizens Advice", "voluntary_sector", "debt_benefits"),
            ),
            purpose="Vouchers and advice for families in financial hardship, with the family's consent.",
            data_items="Carer's name and contact details, household size, and the help asked for.",
            direction="to_partners",
            lawful_basis="consent",
            retention="Deleted by the partner when the voucher or advice case closes.",
            security_measures=security,
            starts_on=_months_back(today, 11),
            review_on=today + timedelta(days=320),
        ),
        NewAgreement(
            title=f"{area.words['send']} outreach pilot",
            parties=(
                setting,
                AgreementParty(
                    f"{area.place} {area.words['send']} Outreach Team", "local_authority", "send_support"
                ),
            ),
            purpose=f"A one-year pilot of {area.words['send']} outreach visits to the setting.",
            data_items="Children's names, dates of birth and support needs.",
            direction="both_ways",
            lawful_basis="public_task",
            special_category_condition="substantial_public_interest",
            retention="Returned or deleted when the pilot ended.",
            security_measures=security,
            starts_on=_months_back(today, 30),
            review_on=_months_back(today, 24),
            ends_on=_months_back(today, 18),
        ),
    ]


#: (months ago, the six ratings in questionnaire order, the evidence notes): a year of progress.
_DEMO_SELF_EVALUATIONS: tuple[tuple[int, tuple[int, ...], tuple[str, ...]], ...] = (
    (
        13,
        (2, 2, 1, 2, 3, 2),
        (
            "We meet the health visitors once a term; little joint planning yet.",
            "Referrals by email; we rarely hear back.",
            "No partner works from the setting.",
            "We are not on the local early years partnership board.",
            "Our family support worker is funded outside ratios two days a week.",
            "Two staff trained in spotting financial hardship.",
        ),
    ),
    (
        1,
        (3, 3, 2, 3, 3, 3),
        (
            "Monthly joint meetings with the health visiting team and the family hub.",
            "Agreements in place with our main partners; referral outcomes now come back.",
            "Citizens Advice runs a drop-in here once a month.",
            "The manager now sits on the locality partnership group.",
            "Family support worker still two days a week outside ratios.",
            "All room leaders trained in spotting need this year.",
        ),
    ),
)


@dataclass
class _Story:
    route: Route
    consent: Consent
    urgency: Urgency
    #: (status, date, reason code or None, note), oldest first.
    events: list[tuple[ReferralStatus, date, str | None, str]] = field(default_factory=list)
    #: (chased on, next due on, note).
    chases: list[tuple[date, date, str]] = field(default_factory=list)

    def until(self, today: date) -> _Story:
        """Only what has happened by today (chases all fall while it waited for the service's answer)."""
        self.events = [e for e in self.events if e[1] <= today]
        self.chases = [c for c in self.chases if c[0] <= today]
        return self

    def due_on(self, follow_up_days: int) -> date | None:
        """When it next needs following up, as the referral workflow would have set it."""
        status, changed_on = self.events[-1][0], self.events[-1][1]
        due = due_date_after(status, changed_on, follow_up_days)
        if due is not None and self.chases and self.chases[-1][0] >= changed_on:
            due = self.chases[-1][1]
        return due


def _months_back(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (clamped to the month's length)."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _phone(rng: random.Random) -> str:
    return f"07700 900{rng.randint(0, 999):03d}"


# --- the use case ---------------------------------------------------------------------------------------


def build_demo(
    data_dir: Path,
    *,
    families: int = 40,
    months: int = 12,
    seed: int = 1,
    username: str = "demo",
    passphrase: str,
    kdf: KdfParams = PRODUCTION_KDF,
    clock: Clock = SYSTEM_CLOCK,
    nation: Nation = Nation.ENGLAND,
) -> DemoResult:
    """Create a new casebook in ``data_dir`` filled with a synthetic setting's families and work.

    Refuses a folder that already holds a casebook. If anything fails part-way, the files this call
    created are removed again, so no half-made demo is left behind.
    """
    if isinstance(families, bool) or not isinstance(families, int) or not 1 <= families <= MAX_FAMILIES:
        raise ValidationError("families", f"must be a whole number from 1 to {MAX_FAMILIES:,}")
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        raise ValidationError("months", f"must be a whole number from 1 to {MAX_MONTHS}")
    data_dir = Path(data_dir)
    if casebook_exists(data_dir):
        raise AlreadyExists(
            f"{data_dir} already holds a casebook; a demo needs a new, empty folder. Nothing was changed."
        )
    started = time.perf_counter()
    dir_existed = data_dir.exists()
    area = _AREAS[Nation(nation)]
    created = create_casebook(
        data_dir, area.setting, username, DEMO_MANAGER_NAME, passphrase, kdf=kdf, clock=clock
    )
    session = created.session
    try:
        with unit_of_work(session.conn):
            counts = _fill(
                session.conn,
                random.Random(seed),
                area,
                clock,
                session.user.id,
                session.user.username,
                families,
                months,
            )
    except BaseException:
        session.close()
        _remove_casebook(data_dir, remove_dir=not dir_existed)
        raise
    session.close()
    return DemoResult(**counts, seconds=time.perf_counter() - started, recovery_code=created.recovery_code)


def _fill(
    conn: Connection,
    rng: random.Random,
    area: _Area,
    clock: Clock,
    manager_id: int,
    manager_username: str,
    family_count: int,
    months: int,
) -> dict[str, int]:
    today = clock.today()
    builder = _Builder(conn, rng, area, today, clock.now())
    practitioners = builder.add_practitioners(manager_username)
    staff = [*practitioners, manager_id]
    demo_families = [
        builder.add_family(number, opened_on, practitioners)
        for number, opened_on in enumerate(builder.opening_dates(family_count, months), start=1)
    ]
    entries: list[tuple] = []
    pending: list[_PendingReferral] = []
    for family in demo_families:
        builder.family_entries(family, practitioners, manager_id, entries, pending)
    # Logged in date order, as a real casebook fills up (the sort is stable, so still deterministic).
    entries.sort(key=lambda row: row[3])
    _check_entry_layout(entries[:500], builder.now)
    _insert_entries(conn, entries)

    pending.sort(key=lambda p: p.made_on)
    builder.add_partnership_records(manager_id)
    service_ids = builder.add_services()
    follow_up_days = referral_repo.follow_up_days(conn)
    now, stamp = builder.now, from_datetime(builder.now)
    history: list[tuple] = []
    for ref in pending:
        story = builder.referral_story(ref, follow_up_days)
        referral = builder.referral(ref, story, service_ids[ref.service])
        referral_id = referral_repo.insert_referral(
            conn,
            referral,
            now,
            due_on=story.due_on(follow_up_days),
            override_by=manager_id if referral.consent is Consent.OVERRIDDEN else None,
        )
        history += [
            (referral_id, status.value, changed_on.isoformat(), ref.staff_id, reason, note, stamp)
            for status, changed_on, reason, note in story.events
        ]
        for chased_on, next_due_on, note in story.chases:
            referral_repo.add_chase(conn, referral_id, chased_on, ref.staff_id, note, next_due_on, now)
        if story.chases:  # add_chase moves the due date on; put back where the whole story leaves it
            referral_repo.set_due_on(conn, referral_id, story.due_on(follow_up_days), now)
        record = builder.sharing_record(ref, referral, referral_id, story)
        if record is not None:
            sharing_repo.add_record(conn, record, now)
    conn.executemany(INSERT_STATUS_HISTORY_SQL, history)
    return {
        "families": len(demo_families),
        "children": sum(len(f.children) for f in demo_families),
        "entries": len(entries),
        "referrals": len(pending),
        "staff": len(staff),
        "status_changes": len(history),
        "open_families": sum(1 for f in demo_families if f.last_day >= today),
    }


def _check_entry_layout(rows: list[tuple], now: datetime) -> None:
    """Entry rows are built by hand for speed: prove they are exactly what ``entry_params`` makes."""
    for row in rows:
        family_id, child_id, staff_id, day, domain, kind, activity, minutes, mode, note, follow_up, _ = row
        entry = NewEntry(
            family_id=family_id,
            entry_date=date.fromisoformat(day),
            domain=Domain(domain),
            minutes=minutes,
            kind=Kind(kind),
            child_id=child_id,
            staff_id=staff_id,
            activity_code=activity,
            contact_mode=ContactMode(mode),
            note=note,
            follow_up_on=date.fromisoformat(follow_up) if follow_up else None,
        )
        if entry_params(entry, now) != row:
            raise RuntimeError("demo entry rows no longer match entry_repo.entry_params")


#: The trigger that indexes each new entry's note for full-text search (migration 0001).
_ENTRY_FTS_TRIGGER = "entries_fts_insert"


def _insert_entries(conn: Connection, rows: list[tuple]) -> None:
    """Bulk-load entries into the new casebook.

    The full-text trigger indexes notes one row at a time, which makes a large load about three times
    slower. Inside this one transaction the trigger is set aside, the new notes are indexed in a single
    statement, and the trigger is put back exactly as the schema defines it; a failure rolls all of it back.
    """
    found = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (_ENTRY_FTS_TRIGGER,)
    ).fetchone()
    if found is None or "entry_notes_fts" not in found[0]:
        conn.executemany(INSERT_ENTRY_SQL, rows)
        return
    first_id = int(conn.execute("SELECT coalesce(max(id), 0) FROM support_entries").fetchone()[0]) + 1
    conn.execute(f"DROP TRIGGER {_ENTRY_FTS_TRIGGER}")
    conn.executemany(INSERT_ENTRY_SQL, rows)
    conn.execute(
        "INSERT INTO entry_notes_fts(rowid, note) SELECT id, note FROM support_entries WHERE id >= ?",
        (first_id,),
    )
    conn.execute(found[0])


def _remove_casebook(data_dir: Path, *, remove_dir: bool) -> None:
    """Undo a failed demo: only the files a new casebook is made of (and the folder, if we made it)."""
    paths = CasebookPaths(data_dir)
    for path in (paths.db, Path(f"{paths.db}-wal"), Path(f"{paths.db}-shm"), paths.slots):
        path.unlink(missing_ok=True)
    shutil.rmtree(data_dir / PRE_UPGRADE_DIR, ignore_errors=True)
    if remove_dir:
        with contextlib.suppress(OSError):
            data_dir.rmdir()


#: Short, common words for readable passphrases (8 bits each).
_PASSPHRASE_WORDS = (
    "acorn", "amber", "anchor", "apple", "arrow", "autumn", "badger", "basket", "beach", "berry",
    "birch", "blanket", "bloom", "bramble", "breeze", "bridge", "brook", "bubble", "button", "cabin",
    "candle", "canoe", "canyon", "carrot", "castle", "cedar", "chalk", "cherry", "cider", "clover",
    "cobble", "comet", "copper", "coral", "cotton", "crane", "crayon", "cricket", "crystal", "daisy",
    "dawn", "delta", "desert", "dolphin", "dove", "dragon", "drum", "eagle", "ember", "falcon", "fern",
    "fiddle", "field", "finch", "flame", "flint", "forest", "fossil", "fox", "frost", "garden",
    "garnet", "ginger", "glacier", "globe", "gravel", "guitar", "hammer", "harbour", "harvest", "hazel",
    "heather", "hedge", "heron", "hill", "honey", "horizon", "island", "ivory", "ivy", "jacket",
    "jasmine", "jelly", "jigsaw", "juniper", "kettle", "kite", "lagoon", "lantern", "lark", "laurel",
    "lemon", "library", "lily", "linen", "lobster", "lotus", "magnet", "mango", "maple", "marble",
    "meadow", "melon", "mint", "mirror", "mitten", "moon", "moss", "mountain", "muffin", "nectar",
    "needle", "nest", "nutmeg", "oak", "oasis", "ocean", "olive", "orbit", "orchard", "otter", "owl",
    "paddle", "panda", "parsley", "pebble", "pepper", "piano", "pine", "planet", "plum", "pocket",
    "pond", "poppy", "puffin", "quail", "quarry", "quill", "rabbit", "radish", "rain", "raven", "reef",
    "ribbon", "river", "robin", "rocket", "rose", "saddle", "sage", "salmon", "sand", "satin", "scarf",
    "shell", "shore", "silver", "skylark", "slate", "snail", "sparrow", "spruce", "squirrel", "star",
    "stone", "storm", "straw", "stream", "summit", "sunset", "swan", "teapot", "thistle", "thunder",
    "tiger", "timber", "toast", "topaz", "tortoise", "tower", "tulip", "tunnel", "valley", "velvet",
    "violet", "walnut", "wave", "wheat", "whistle", "willow", "window", "winter", "wolf", "wren",
    "yarrow", "yellow", "zebra", "zephyr",
)  # fmt: skip


def own_words(username: str, nation: Nation = Nation.ENGLAND) -> tuple[str, ...]:
    """What the demo manager's passphrase is judged against: their names and the demo setting's."""
    return (username, DEMO_MANAGER_NAME, _AREAS[Nation(nation)].setting.name)


def readable_passphrase(words: int = 4, *, user_inputs: tuple[str, ...] = ()) -> str:
    """A passphrase people can read aloud: random words and two digits (``secrets``, never the demo
    seed), drawn again in the rare case the strength check would refuse it."""
    while True:
        chosen = [secrets.choice(_PASSPHRASE_WORDS) for _ in range(words)]
        passphrase = "-".join([*chosen, f"{secrets.randbelow(100):02d}"])
        if passphrase_strength.weakness(passphrase, user_inputs) is None:
            return passphrase

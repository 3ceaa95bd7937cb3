"""Which of the app's categories a directory service belongs to, and how sure we can be.

Two sources, in order of trust:

1. **The directory's own taxonomy terms**, looked up in :data:`TERM_CATEGORIES`, a reviewed table of the
   terms councils use: the LGA service list (``esdServiceTypes``, as in Open Referral UK 1.x feeds),
   the Open Referral UK service types, and the plain family-services terms seen in local directories.
   A term is matched whole (ignoring case, punctuation, ``&``/``and`` and a plural ``s``), never by a
   word inside it, so "Health benefits" is not "Benefits". A service whose terms map to one category
   takes it; terms that map to several, or to none, leave it for a person to decide.
2. **A suggestion**, never a decision, from :func:`suggest_category`: only phrases that name a kind of
   service ("food bank", "debt advice", "health visiting") count, single words that turn up in any
   description ("benefits", "food", "surgery", "disabilities", "support") never do. The name is strong
   evidence; the description only when two different phrases agree and nothing points elsewhere.

Services the table cannot place stay "to review" (category Other) until a manager confirms them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from setting_app.domain.codes import ServiceCategory as C


def normalise_term(term: str) -> str:
    """Lower case, ``&`` as "and", punctuation as spaces, a trailing plural ``s`` dropped per word."""
    text = term.lower().replace("&", " and ").replace("’", "'")
    text = re.sub(r"'s\b", "s", text)
    words = re.findall(r"[a-z0-9+]+", text)
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words)


#: The reviewed table: a directory's taxonomy term (its name, or its LGA/ORUK code) → our category.
#: Kept deliberately to terms whose meaning is unambiguous for a family-support practitioner. Left out
#: on purpose: "Local offer" (a SEND local offer lists swimming clubs and parks too), "Children's
#: services" (play groups, holiday clubs), "Emotional wellbeing" (yoga, walking groups).
_TERMS: dict[C, tuple[str, ...]] = {
    C.HEALTH_VISITING: (
        "Health visiting",
        "Health visitors",
        "Health visitor service",
        "0-19 service",
        "0-19 public health nursing",
        "Healthy child programme",
        "Public health nursing",
        "Child health clinics",
        "Baby clinics",
        "Breastfeeding support",
        "Infant feeding support",
    ),
    C.SPEECH_LANGUAGE: (
        "Speech and language therapy",
        "Speech and language",
        "Speech, language and communication",
        "Speech, language and communication needs",
        "Children's speech and language therapy",
    ),
    C.GP_PRIMARY_CARE: (
        "GP practices",
        "GP surgeries",
        "General practice",
        "Primary care",
        "Doctors",
        "GP registration",
    ),
    C.MENTAL_HEALTH: (
        "Mental health",
        "Mental health and wellbeing",
        "Mental health support",
        "Perinatal mental health",
        "Counselling",
        "Talking therapies",
        "Child and adolescent mental health services",
        "CAMHS",
    ),
    C.FAMILY_HUB: (
        "Family hubs",
        "Children's centres",
        "Family hubs and children's centres",
        "Start for life",
        "Stay and play",
        "Stay and play sessions",
    ),
    C.EARLY_HELP: (
        "Early help",
        "Early help services",
        "Family support",
        "Family support services",
        "Supporting families",
        "Parenting support",
        "Parenting programmes",
        "Parenting courses",
    ),
    C.SOCIAL_CARE: (
        "Children's social care",
        "Child protection",
        "Children in need",
        "Safeguarding children",
        "Multi-agency safeguarding hub",
        "Fostering",
        "Adoption",
    ),
    C.SEND_SUPPORT: (
        "Special educational needs",
        "Special educational needs and disabilities",
        "Special educational needs support",
        "SEND",
        "SEND support",
        "Portage",
        "Additional support needs",
        "Children with disabilities",
        "Disabled children's services",
        "Autism support",
        "Educational psychology",
    ),
    C.HOUSING: (
        "Housing",
        "Housing advice",
        "Housing options",
        "Housing support",
        "Homelessness",
        "Homelessness advice",
        "Homelessness prevention",
        "Temporary accommodation",
        "Social housing",
        "Tenancy support",
    ),
    C.FOOD_ESSENTIALS: (
        "Food banks",
        "Foodbanks",
        "Food parcels",
        "Emergency food",
        "Community pantries",
        "Community food pantries",
        "Baby banks",
        "Baby banks and essentials",
        "Clothing banks",
        "Uniform banks",
        "School uniform",
        "Household essentials",
        "Holiday activities and food",
        "Free school meals",
        "Healthy Start",
    ),
    C.DEBT_BENEFITS: (
        "Debt advice",
        "Debt",
        "Debt and money advice",
        "Money advice",
        "Money and debt",
        "Benefits advice",
        "Welfare benefits",
        "Welfare benefits advice",
        "Welfare rights",
        "Benefits and financial support",
        "Financial support",
        "Financial hardship",
        "Citizens Advice",
        "Universal Credit",
        "Cost of living support",
        "Household support fund",
    ),
    C.DOMESTIC_ABUSE: (
        "Domestic abuse",
        "Domestic violence",
        "Domestic abuse support",
        "Domestic violence and abuse",
        "Refuges",
        "Sexual violence",
        "Independent domestic violence advisers",
    ),
}

TERM_CATEGORIES: dict[str, C] = {
    normalise_term(term): category for category, terms in _TERMS.items() for term in terms
}


def categories_from_terms(terms: Iterable[str]) -> set[C]:
    """Our categories for the directory's terms (names or codes), by exact lookup in the table."""
    return {TERM_CATEGORIES[n] for n in (normalise_term(t) for t in terms) if n in TERM_CATEGORIES}


# ---------------------------------------------------------------- suggestions


@dataclass(frozen=True)
class Suggestion:
    category: C
    #: Why, in the words of the text: "the name says 'food bank'".
    reason: str


#: Phrases that name a kind of service. Each is a regular expression matched on word boundaries
#: against lower-cased text. Never a single everyday word: "benefits" (health benefits), "food"
#: (growing food), "surgery" (opposite the surgery), "disabilit" (accessible to people with
#: disabilities), "support", "advice", "health", "family", "children" all appear in the descriptions of
#: services of every kind.
STRONG_PHRASES: dict[C, tuple[str, ...]] = {
    C.DOMESTIC_ABUSE: (
        r"domestic (abuse|violence)",
        r"women'?s refuge",
        r"women'?s aid",
        r"\bidvas?\b",
        r"coercive control",
        r"abusive relationships?",
    ),
    C.SOCIAL_CARE: (
        r"children'?s social care",
        r"child protection",
        r"social workers? for children",
        r"multi[- ]agency safeguarding hub",
        r"\bmash (team|referrals?|hub)\b",  # not "Monster Mash"
    ),
    C.MENTAL_HEALTH: (
        r"mental health (service|support|team|nurse|practitioner)s?",
        r"perinatal mental health",
        r"postnatal depression",
        r"talking therap(y|ies)",
        r"\bcamhs\b",
        r"\bcounsell?ing\b",
    ),
    C.SPEECH_LANGUAGE: (
        r"speech and language (therapy|therapist|therapists|service)",
        r"speech,? language and communication",
        r"\b(salt|slt) (team|service|clinic|drop[- ]?in)s?\b",  # not "salt and pepper", "salt therapy"
    ),
    C.SEND_SUPPORT: (
        r"special educational needs",
        r"\bsend (support|service|team)\b",
        r"\bsenco\b",
        r"\bportage\b",
        r"educational psycholog(y|ist)",
        r"additional support needs",
        r"children with (special needs|disabilities|send)",
        r"disabled children'?s (service|team)",
    ),
    C.HEALTH_VISITING: (
        r"health visit(or|ors|ing)",
        r"\b0 ?(-|to) ?19 (service|team|public health)",
        r"healthy child programme",
        r"public health nurs(e|es|ing)",
        r"baby clinics?",
    ),
    C.GP_PRIMARY_CARE: (
        r"\bgp (practice|surgery|surgeries)\b",
        r"general practice",
        r"register with a gp",
        r"medical (practice|centre)",
        r"health centre",
    ),
    C.EARLY_HELP: (
        r"early help",
        r"family support workers?",
        r"supporting families programme",
        r"parenting (programme|course|support)s?",
    ),
    C.FAMILY_HUB: (r"family hubs?", r"children'?s centres?", r"start for life"),
    C.HOUSING: (
        r"housing (advice|options|support|team)",
        r"homeless(ness)?",
        r"tenancy (support|sustainment)",
        r"temporary accommodation",
    ),
    C.FOOD_ESSENTIALS: (
        r"food ?banks?",
        r"baby ?banks?",
        r"food parcels?",
        r"emergency food",
        r"(community|food) pantry",
        r"clothing bank",
        r"uniform (bank|exchange)",
        r"free school meals",
    ),
    C.DEBT_BENEFITS: (
        r"debt (advice|help|support|counselling)",
        r"money advice",
        r"(welfare )?benefits? (advice|checks?|claims?)",
        r"welfare rights",
        r"citizens advice",
        r"universal credit",
        r"help with (debt|bills|money)",
    ),
}
_VENUE = re.compile(r"\s(?:at|@)\s", re.IGNORECASE)
_COMPILED = {cat: tuple(re.compile(p) for p in pats) for cat, pats in STRONG_PHRASES.items()}


def _found(text: str) -> dict[C, list[str]]:
    """The strong phrases in ``text``, by category (each distinct phrase once)."""
    text = text.lower().replace("’", "'")
    hits: dict[C, list[str]] = {}
    for category, patterns in _COMPILED.items():
        for pattern in patterns:
            match = pattern.search(text)
            if match and match.group(0) not in hits.get(category, []):
                hits.setdefault(category, []).append(match.group(0))
    return hits


def suggest_category(name: str, description: str = "", terms: Iterable[str] = ()) -> Suggestion | None:
    """A category to propose for a person to confirm, or None when the evidence is not strong.

    Strong evidence is a service-naming phrase in the directory's own terms or in the service's name
    (and no phrase of another category there), or two different phrases of one category in the
    description with none of any other category.
    """
    # What follows "at" in a name is where it happens, not what it is ("Baby Massage at Riverside
    # Health Centre", "Stay and Play at Ashby Family Hub").
    what = _VENUE.split(name, maxsplit=1)[0]
    for label, text in (("a directory term says", " | ".join(terms)), ("the name says", what)):
        hits = _found(text)
        if len(hits) == 1:
            category, phrases = next(iter(hits.items()))
            return Suggestion(category, f"{label} '{phrases[0]}'")
        if len(hits) > 1:
            return None  # the name or terms point two ways: a person decides
    hits = _found(description)
    if len(hits) == 1:
        category, phrases = next(iter(hits.items()))
        if len(phrases) >= 2:
            return Suggestion(category, f"the description says '{phrases[0]}' and '{phrases[1]}'")
    return None

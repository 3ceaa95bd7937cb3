"""The integration self-evaluation: the questionnaire, its scale and its rules.

The six ingredients are the ones both studies behind this product found make joined-up early years
support work. Each is rated on a four-point scale with an optional evidence note. The ratings
describe the setting, not people, so they can go to the local authority as they are; the evidence
notes stay in the setting (they may mention partners or circumstances in the setting's own words).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from setting_app.domain.errors import ValidationError
from setting_app.domain.validation import check_not_future, parse_date

#: Evidence notes are for a line or a short paragraph, not a report.
MAX_EVIDENCE_LENGTH = 1000
MIN_RATING, MAX_RATING = 1, 4

#: The scale, in words: the same four words everywhere (form, PDF, CLI, LA export metadata).
SCALE: dict[int, str] = {
    1: "Not in place",
    2: "Starting",
    3: "Developing",
    4: "Embedded",
}


class Ingredient(StrEnum):
    SHARED_ETHOS = "shared_ethos"
    INFORMATION_SHARING = "information_sharing"
    CO_LOCATION = "co_location_outreach"
    PARTNERSHIP_STRUCTURES = "partnership_structures"
    SUPPORT_CAPACITY = "support_capacity"
    TRAINING = "training_spotting_need"


@dataclass(frozen=True)
class IngredientSpec:
    ingredient: Ingredient
    title: str
    question: str
    #: What each rating looks like for this ingredient, 1 to 4.
    looks_like: tuple[str, str, str, str]

    @property
    def code(self) -> str:
        return self.ingredient.value


INGREDIENTS: tuple[IngredientSpec, ...] = (
    IngredientSpec(
        Ingredient.SHARED_ETHOS,
        "Shared ethos and mutual respect",
        "Do the setting and its partners share an ethos, and respect each other's work and judgement?",
        (
            "Partners rarely meet; each works to its own aims.",
            "Some partners know the setting; respect depends on individuals.",
            "Regular contact; shared aims agreed with most partners.",
            "A common purpose with all key partners; staff's views are sought and acted on.",
        ),
    ),
    IngredientSpec(
        Ingredient.INFORMATION_SHARING,
        "Routine information sharing",
        "Is information shared with partners routinely and safely, under clear agreements?",
        (
            "Sharing happens only in a crisis, without agreed rules.",
            "Some sharing, case by case; agreements are missing or out of date.",
            "Agreements with most partners; sharing is recorded and usually timely.",
            "Agreements in force with every partner; sharing is routine, recorded and two-way.",
        ),
    ),
    IngredientSpec(
        Ingredient.CO_LOCATION,
        "Co-location or outreach",
        "Do partner services work in, or reach families through, the setting?",
        (
            "No partner service works in or through the setting.",
            "Occasional visits or one-off sessions.",
            "Regular sessions or drop-ins by at least one partner.",
            "Partners based in or working weekly from the setting; families are seen there.",
        ),
    ),
    IngredientSpec(
        Ingredient.PARTNERSHIP_STRUCTURES,
        "Place in local partnership structures",
        "Does the setting have a place and a voice in local partnership structures?",
        (
            "The setting is not part of any local partnership group.",
            "The setting is invited sometimes, or hears about decisions afterwards.",
            "The setting attends a local partnership group regularly.",
            "The setting is a standing member and helps shape local plans.",
        ),
    ),
    IngredientSpec(
        Ingredient.SUPPORT_CAPACITY,
        "Family support capacity outside staff ratios",
        "Does the setting have staff time for family support that is not needed for staff ratios?",
        (
            "All staff time is needed for ratios; family support is squeezed in.",
            "Some time is found, but it is not protected.",
            "Protected time for family support most weeks.",
            "A named role or regular protected hours, planned and funded.",
        ),
    ),
    IngredientSpec(
        Ingredient.TRAINING,
        "Training in spotting need",
        "Are staff trained to spot a family's needs early and know what to do next?",
        (
            "No training beyond the basics required.",
            "Some staff trained; knowledge is patchy.",
            "Most staff trained, refreshed from time to time.",
            "All staff trained and refreshed; spotting need is part of supervision.",
        ),
    ),
)

INGREDIENT_CODES: tuple[str, ...] = tuple(spec.code for spec in INGREDIENTS)
SPECS: dict[str, IngredientSpec] = {spec.code: spec for spec in INGREDIENTS}


def rating_words(rating: int) -> str:
    return SCALE[rating]


def rating_text(rating: int) -> str:
    """'Developing (3)'."""
    return f"{SCALE[rating]} ({rating})"


@dataclass(frozen=True)
class Rating:
    ingredient: str
    rating: int
    evidence: str = ""

    @property
    def spec(self) -> IngredientSpec:
        return SPECS[self.ingredient]


@dataclass(frozen=True)
class NewSelfEvaluation:
    completed_on: date
    #: In questionnaire order, one per ingredient.
    ratings: tuple[Rating, ...]


@dataclass(frozen=True)
class SelfEvaluation:
    id: int
    completed_on: date
    completed_by: str
    created_at: datetime
    ratings: tuple[Rating, ...]

    def rating(self, ingredient: str) -> int:
        return self.by_ingredient()[ingredient].rating

    def by_ingredient(self) -> dict[str, Rating]:
        return {r.ingredient: r for r in self.ratings}


# --- rules ----------------------------------------------------------------------------------------


def ingredient_code(value: object, field: str = "ingredient") -> str:
    text = str(value or "").strip().lower().replace("-", "_")
    if text not in SPECS:
        raise ValidationError(
            field, f"'{value}' is not an ingredient; use one of: {', '.join(INGREDIENT_CODES)}"
        )
    return text


def parse_rating(value: object, field: str) -> int:
    """A rating from 1 to 4, given as a number or as its words ('Developing')."""
    if isinstance(value, bool):
        raise ValidationError(field, "must be a rating from 1 to 4")
    if isinstance(value, int):
        rating = value
    else:
        text = str(value if value is not None else "").strip()
        words = {w.lower(): n for n, w in SCALE.items()}
        if text.lower() in words:
            return words[text.lower()]
        try:
            rating = int(text)
        except ValueError:
            raise ValidationError(
                field, f"'{value}' is not a rating: give 1 to 4 ({', '.join(rating_text(n) for n in SCALE)})"
            ) from None
    if not MIN_RATING <= rating <= MAX_RATING:
        raise ValidationError(field, f"must be from {MIN_RATING} to {MAX_RATING} (got {rating})")
    return rating


def check_evidence(value: object, field: str) -> str:
    if value is not None and not isinstance(value, str):
        # str() would keep a list as Python's repr, and a 0 or false as nothing at all.
        raise ValidationError(field, "must be text")
    text = (value or "").strip()
    if len(text) > MAX_EVIDENCE_LENGTH:
        raise ValidationError(
            field,
            f"is too long ({len(text)} characters; at most {MAX_EVIDENCE_LENGTH}): keep the detail in your own files",
        )
    return text


def new_self_evaluation(
    completed_on: object,
    ratings: Mapping[str, object],
    evidence: Mapping[str, object] | None = None,
    *,
    today: date,
) -> NewSelfEvaluation:
    """Check a questionnaire: every ingredient rated, no unknown ingredient, notes within length,
    the date not in the future. Each problem names its field (the ingredient's code)."""
    day = parse_date(completed_on, "date")
    check_not_future(day, "date", today)
    if day.year < 2000:
        raise ValidationError("date", f"{day.isoformat()} is not a plausible date for a self-evaluation")
    given = {ingredient_code(k, "ingredient"): v for k, v in ratings.items()}
    notes = {ingredient_code(k, "evidence"): v for k, v in (evidence or {}).items()}
    missing = [spec for spec in INGREDIENTS if given.get(spec.code) in (None, "")]
    if missing:
        names = "; ".join(f"{s.title} ({s.code})" for s in missing)
        raise ValidationError(missing[0].code, f"every ingredient needs a rating; not rated: {names}")
    return NewSelfEvaluation(
        day,
        tuple(
            Rating(
                spec.code,
                parse_rating(given[spec.code], spec.code),
                check_evidence(notes.get(spec.code, ""), f"{spec.code} evidence"),
            )
            for spec in INGREDIENTS
        ),
    )


# --- change since last time -----------------------------------------------------------------------

UP, DOWN, SAME = "\u2191", "\u2193", "="


def change_mark(current: int, previous: int | None) -> str:
    """'↑ from 2', '↓ from 4', '= (3)', or 'first evaluation'."""
    if previous is None:
        return "first evaluation"
    if current > previous:
        return f"{UP} from {previous}"
    if current < previous:
        return f"{DOWN} from {previous}"
    return f"{SAME} (was {previous})"

"""How a setting's own spreadsheet maps onto support entries, and the lenient readers it needs.

Settings keep support in spreadsheets with their own headings ("Date of contact", "Family", "Time
spent") and their own words for what the support was about ("food bank", "speech", "Signposted").
A :class:`CsvMapping` records which column feeds which field and which of their words means which
domain and kind. It is saved as a small JSON file so next month's spreadsheet imports the same way.

Dates and times in spreadsheets are typed by hand: ``03/04/2026``, ``3.4.26``, ``2026-04-03``,
``3 April 2026``; ``45``, ``45 mins``, ``1h 30``. The readers here accept those (always day first, as
in the UK) and refuse anything ambiguous or unreal with a message naming the field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

from setting_app.domain.codes import Domain, Kind
from setting_app.domain.errors import ImportRejected, ValidationError
from setting_app.domain.validation import MAX_MINUTES, MIN_MINUTES

MAPPING_FORMAT = "setting-app-csv-mapping"
MAPPING_VERSION = 1

#: The fields a column can feed, in the order the mapping step shows them.
FIELDS: tuple[str, ...] = ("date", "family", "child", "category", "kind", "minutes", "activity", "note")
REQUIRED_FIELDS: tuple[str, ...] = ("date", "family", "category", "minutes")

FIELD_LABELS: dict[str, str] = {
    "date": "Date of the contact",
    "family": "Family (reference or name)",
    "child": "Child",
    "category": "Area of support (your words)",
    "kind": "Direct or indirect (your words)",
    "minutes": "Time spent",
    "activity": "What was done",
    "note": "Notes",
}

#: Headings settings use for each field (compared after lower-casing and dropping punctuation).
_HEADING_WORDS: dict[str, tuple[str, ...]] = {
    "date": ("date", "date of contact", "contact date", "day", "when", "date seen", "session date"),
    "family": (
        "family",
        "family ref",
        "family reference",
        "ref",
        "reference",
        "family name",
        "parent",
        "parent carer",
        "carer",
        "name",
    ),
    "child": ("child", "child name", "childs name", "children", "child s name", "pupil"),
    "category": (
        "domain",
        "area",
        "area of support",
        "category",
        "support area",
        "type of support",
        "need",
        "theme",
        "topic",
    ),
    "kind": ("kind", "direct indirect", "direct or indirect", "support type", "type", "how"),
    "minutes": ("minutes", "mins", "time", "time spent", "duration", "how long", "length"),
    "activity": ("what was done", "what we did", "activity", "action", "support given", "description"),
    "note": ("notes", "note", "comments", "comment", "details", "outcome"),
}

#: Words (or parts of words) that suggest a domain, checked in this order.
_DOMAIN_HINTS: tuple[tuple[Domain, tuple[str, ...]], ...] = (
    (
        Domain.FINANCIAL_HARDSHIP,
        (
            "financ",
            "money",
            "food",
            "benefit",
            "debt",
            "hardship",
            "housing",
            "poverty",
            "voucher",
            "uniform",
            "nappies",
            "essentials",
            "fuel",
            "cost of living",
            "funding form",
        ),
    ),
    (
        Domain.INCLUSION_SEND,
        ("send", "sen ", "asn", "inclusion", "ehcp", "ehc plan", "senco", "additional need", "special"),
    ),
    (
        Domain.FAMILY_WELLBEING,
        (
            "wellbeing",
            "well-being",
            "well being",
            "mental",
            "parenting",
            "family support",
            "safeguard",
            "early help",
            "emotional",
            "domestic",
            "relationship",
        ),
    ),
    (
        Domain.CHILD_DEVELOPMENT,
        (
            "development",
            "home learning",
            "learning",
            "speech",
            "language",
            "sleep",
            "toilet",
            "potty",
            "behaviour",
            "routine",
            "eating",
            "play",
            "progress",
        ),
    ),
)

_KIND_HINTS: tuple[tuple[Kind, tuple[str, ...]], ...] = (
    (Kind.INDIRECT, ("indirect", "signpost", "referr", "refer", "passed on", "liaison", "liais")),
    (Kind.DIRECT, ("direct", "in person", "face to face", "1:1", "one to one", "session", "visit")),
)


def normalise_word(text: str) -> str:
    """How a category word is compared: case, extra spaces and surrounding punctuation ignored."""
    return " ".join(str(text).replace("\u00a0", " ").split()).strip(" .,;:-").lower()


def _heading_key(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


@dataclass(frozen=True)
class CategoryChoice:
    """What one of the setting's words means: a domain and, if the word says so, a kind."""

    domain: Domain
    kind: Kind | None = None


@dataclass(frozen=True)
class CsvMapping:
    """Which column feeds which field, and what the setting's words mean."""

    columns: dict[str, str] = field(default_factory=dict)
    #: Normalised word -> choice; ``None`` for a word seen but not yet given a domain.
    categories: dict[str, CategoryChoice | None] = field(default_factory=dict)
    #: Normalised word -> kind; ``None`` for a word seen but not yet decided.
    kinds: dict[str, Kind | None] = field(default_factory=dict)

    def column(self, field_name: str) -> str | None:
        return self.columns.get(field_name) or None

    def category_for(self, word: str) -> CategoryChoice | None:
        return self.categories.get(normalise_word(word))

    def kind_for(self, word: str) -> Kind | None:
        return self.kinds.get(normalise_word(word))

    # --- JSON ---------------------------------------------------------------------------------

    def to_json(self) -> str:
        document = {
            "format": MAPPING_FORMAT,
            "version": MAPPING_VERSION,
            "columns": {f: self.columns[f] for f in FIELDS if self.columns.get(f)},
            "categories": {
                word: (
                    None
                    if choice is None
                    else {"domain": choice.domain.value, "kind": choice.kind.value if choice.kind else None}
                )
                for word, choice in sorted(self.categories.items())
            },
            "kinds": {word: (k.value if k else None) for word, k in sorted(self.kinds.items())},
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str = "mapping file") -> CsvMapping:
        """Read a saved mapping; anything unexpected is refused with the place it was found."""
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportRejected(f"{source} is not a mapping file (not JSON: line {exc.lineno}).") from None
        except (ValueError, RecursionError):
            raise ImportRejected(
                f"{source} is damaged or is not a mapping file (its JSON is unusable)."
            ) from None
        if not isinstance(document, dict) or document.get("format") != MAPPING_FORMAT:
            raise ImportRejected(f"{source} is not a spreadsheet mapping saved by this app.")
        if document.get("version") != MAPPING_VERSION:
            raise ImportRejected(f"{source} is mapping version {document.get('version')}; this app reads 1.")
        unknown = set(document) - {"format", "version", "columns", "categories", "kinds"}
        if unknown:
            raise ImportRejected(
                f"{source} has entries this app does not know: {', '.join(sorted(unknown))}."
            )
        columns = document.get("columns") or {}
        if not isinstance(columns, dict):
            raise ImportRejected(f"{source}: 'columns' must map field names to column headings.")
        for name, heading in columns.items():
            if name not in FIELDS:
                raise ImportRejected(f"{source}: '{name}' is not a field (fields: {', '.join(FIELDS)}).")
            if not isinstance(heading, str):
                raise ImportRejected(f"{source}: the column for '{name}' must be a heading in quotes.")
        for part in ("categories", "kinds"):
            if not isinstance(document.get(part) or {}, dict):
                raise ImportRejected(f"{source}: '{part}' must map your words to their meaning.")
        categories: dict[str, CategoryChoice | None] = {}
        for word, value in (document.get("categories") or {}).items():
            if value is None:
                categories[normalise_word(word)] = None
                continue
            where = f"{source}, category '{word}'"
            if not isinstance(value, dict):
                raise ImportRejected(f'{where}: give a domain, like {{"domain": "family_wellbeing"}}.')
            try:
                domain = Domain(str(value.get("domain")))
                kind = Kind(str(value["kind"])) if value.get("kind") else None
            except ValueError:
                raise ImportRejected(
                    f"{where}: domain must be one of {', '.join(d.value for d in Domain)} "
                    "and kind direct or indirect."
                ) from None
            categories[normalise_word(word)] = CategoryChoice(domain, kind)
        kinds: dict[str, Kind | None] = {}
        for word, value in (document.get("kinds") or {}).items():
            try:
                kinds[normalise_word(word)] = Kind(str(value)) if value else None
            except ValueError:
                raise ImportRejected(f"{source}, kind word '{word}': use direct or indirect.") from None
        return cls(dict(columns), categories, kinds)

    # Reading and writing mapping files (size-bounded, private) is ``services.csv_import``'s job:
    # ``load_mapping`` and ``save_mapping``.


# --- suggestions ------------------------------------------------------------------------------


def suggest_columns(headings: list[str]) -> dict[str, str]:
    """Each field's most likely column, by heading; each column used at most once."""
    keys = {h: _heading_key(h) for h in headings}
    chosen: dict[str, str] = {}
    used: set[str] = set()
    # Exact heading matches first, then headings that contain a known word.
    for exact in (True, False):
        for name in FIELDS:
            if name in chosen:
                continue
            for word in _HEADING_WORDS[name]:
                match = next(
                    (
                        h
                        for h in headings
                        if h not in used
                        and (keys[h] == word if exact else re.search(rf"\b{re.escape(word)}\b", keys[h]))
                    ),
                    None,
                )
                if match:
                    chosen[name] = match
                    used.add(match)
                    break
    return chosen


def suggest_category(word: str) -> CategoryChoice | None:
    """A likely domain for one of the setting's words, or None when there is no good guess."""
    text = f" {normalise_word(word)} "
    if not text.strip():
        return None
    for domain in Domain:
        if text.strip() in (
            domain.value.replace("_", " "),
            domain.label().lower(),
            domain.short_label().lower(),
        ):
            return CategoryChoice(domain, suggest_kind(word))
    for domain, hints in _DOMAIN_HINTS:
        if any(hint in text for hint in hints):
            return CategoryChoice(domain, suggest_kind(word))
    return None


def suggest_kind(word: str) -> Kind | None:
    text = normalise_word(word)
    for kind, hints in _KIND_HINTS:
        if any(hint in text for hint in hints):
            return kind
    return None


# --- lenient readers -------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}

_NUMERIC_DATE = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_WORDY_DATE = re.compile(r"(?:[a-z]+,?\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{2}|\d{4})")


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def read_date(value: str, field_name: str = "date") -> date:
    """A hand-typed UK date: 03/04/2026, 3.4.26, 3-4-2026, 2026-04-03, 3 April 2026, Fri 3rd Apr 26.

    A time after the date (Excel sometimes adds 00:00) is ignored.
    """
    text = " ".join(str(value).strip().lower().split())
    if not text:
        raise ValidationError(field_name, "is empty")
    text = re.sub(r"\s+\d{1,2}:\d{2}(:\d{2})?$", "", text)
    parts: tuple[int, int, int] | None = None
    if m := _ISO_DATE.fullmatch(text):
        parts = (int(m[1]), int(m[2]), int(m[3]))
    elif m := _NUMERIC_DATE.fullmatch(text):
        parts = (_year(m[3]), int(m[2]), int(m[1]))
    elif (m := _WORDY_DATE.fullmatch(text)) and m[2] in _MONTHS:
        parts = (_year(m[3]), _MONTHS[m[2]], int(m[1]))
    if parts is None:
        raise ValidationError(
            field_name, f"'{value}' is not a date this import reads (try 03/04/2026 or 3 April 2026)"
        )
    try:
        return date(*parts)
    except ValueError:
        raise ValidationError(field_name, f"'{value}' is not a real date") from None


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(hours|hour|hrs|hr|h|minutes|minute|mins|min|m)?(?![a-z])")


def read_minutes(value: str, field_name: str = "time spent") -> int:
    """Time as typed: 45, 45 mins, 1h 30, 1 hr 30 min, 1h30m, 1:30, 1.5 hours, 2h."""
    text = " ".join(str(value).strip().lower().split())
    if not text:
        raise ValidationError(field_name, "is empty")
    total: float | None = None
    if m := re.fullmatch(r"(\d{1,2}):(\d{2})", text):
        total = int(m[1]) * 60 + int(m[2])
    else:
        cleaned = text.replace(" and ", " ").replace(",", " ")
        parts = list(_DURATION_PART.finditer(cleaned))
        leftover = _DURATION_PART.sub("", cleaned).strip()
        if parts and not leftover:
            total = 0.0
            for part in parts:  # a bare number counts as minutes, so "1h 30" is 90
                number, unit = float(part[1]), part[2] or ""
                total += number * 60 if unit.startswith("h") else number
    if total is None:
        raise ValidationError(field_name, f"'{value}' is not a time this import reads (try 45 or 1h 30)")
    if total != int(total):
        raise ValidationError(field_name, f"'{value}' is not a whole number of minutes")
    minutes = int(total)
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise ValidationError(
            field_name, f"must be from {MIN_MINUTES} to {MAX_MINUTES} minutes (got {minutes})"
        )
    return minutes

"""What the return holds: its tables, their rows, and the lines (a total and the cells that make it up)
that disclosure control works on.

Every count in the return is a *cell* with a key such as ``("families", "financial_hardship", "direct")``.
A quantity that appears in two tables (the number of families supported appears as a total in four)
is one cell, so it is suppressed or rounded the same way everywhere and secondary suppression sees
every total it takes part in.

Lines say how cells relate, which is what an intruder could use to recover a hidden cell:

* ``additive``: the cells partition the total (each child has one age band), so they add up to it.
* otherwise a *union*: a family can fall in several cells (supported in two domains), so each cell is
  at most the total and the total is at most the sum of the cells.

A line is ``sensitive`` when its breakdown is one the dominance rule protects (need domain, activity,
referral service category, referral outcome, outcome-framework outcome).

The table by outcome framework (Supporting Families in England, SHANARRI in Scotland) is there only
when a framework is given: returns made before it existed have none, and still verify and merge.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from setting_app.domain.codes import BUILTIN_ACTIVITIES, DOMAIN_ORDER, Domain, ReferralStatus, ServiceCategory
from setting_app.domain.frameworks import Framework

CellKey = tuple[str, ...]

TOTAL = "total"
#: How a total is written in a return's filter columns: EES looks for "Total" (a format version 1
#: return wrote "total"; both are read).
WRITTEN_TOTAL = "Total"
DIRECT, INDIRECT = "direct", "indirect"
SUPPORT_TYPES = (DIRECT, INDIRECT)
DOMAINS: tuple[str, ...] = tuple(d.value for d in DOMAIN_ORDER)
#: Setting-defined activity types are counted together: their codes come from free text.
OTHER_ACTIVITY = "other"
#: Entries logged without an activity type.
UNSPECIFIED = "unspecified"
AGE_BANDS: tuple[str, ...] = ("under_1", "age_1", "age_2", "age_3", "age_4_plus", "unknown")
CATEGORIES: tuple[str, ...] = tuple(c.value for c in ServiceCategory)
#: A referral still in draft has not been made.
STATUSES: tuple[str, ...] = tuple(s.value for s in ReferralStatus if s is not ReferralStatus.DRAFT)
#: The service has answered: the outcome of the referral is known.
OUTCOME_STATUSES: tuple[str, ...] = ("accepted", "waitlisted", "declined", "seen", "completed")
#: Any answer from the service counts as acknowledgement; first contact is "seen" (or beyond it).
ACKNOWLEDGED_STATUSES: tuple[str, ...] = ("acknowledged", *OUTCOME_STATUSES)
FIRST_CONTACT_STATUSES: tuple[str, ...] = ("seen", "completed")
#: Families with support whose activity type carries no tag in the framework (or has no type).
UNTAGGED = "untagged"
OUTCOME_TABLE = "support_by_outcome"


def written(value: str) -> str:
    """A filter value as a return writes it."""
    return WRITTEN_TOTAL if value == TOTAL else value


def internal(value: str) -> str:
    """A filter value read from a return (either format version), as the cells know it."""
    return TOTAL if value == WRITTEN_TOTAL else value


#: Indicator names of format version 1 that version 2 took from the EES data dictionary.
LEGACY_INDICATOR_NAMES = {"children_count": "children_supported"}


def outcome_values(framework: str | Framework) -> tuple[str, ...]:
    """The framework's outcome codes then ``untagged``: the cells of the table by outcome."""
    return (*Framework(framework).codes, UNTAGGED)


def activities(domain: str) -> tuple[str, ...]:
    return (*(code for code, _ in BUILTIN_ACTIVITIES[Domain(domain)]), OTHER_ACTIVITY, UNSPECIFIED)


ALL_ACTIVITY_CODES: tuple[str, ...] = (
    *(code for d in DOMAINS for code in activities(d) if code not in (OTHER_ACTIVITY, UNSPECIFIED)),
    OTHER_ACTIVITY,
    UNSPECIFIED,
)

AGE_BAND_LABELS = {
    "under_1": "Under 1",
    "age_1": "1 year old",
    "age_2": "2 years old",
    "age_3": "3 years old",
    "age_4_plus": "4 and over",
    "unknown": "Date of birth not recorded",
}


def age_band(years: int | None) -> str:
    if years is None:
        return "unknown"
    if years < 1:
        return "under_1"
    return ("age_1", "age_2", "age_3")[years - 1] if years <= 3 else "age_4_plus"


# --- cells ------------------------------------------------------------------------------------------------


def families(domain: str, kind: str) -> CellKey:
    return ("families", domain, kind)


def children(domain: str, kind: str) -> CellKey:
    return ("children", domain, kind)


def families_by_activity(domain: str, activity: str) -> CellKey:
    return families(domain, TOTAL) if activity == TOTAL else ("families_activity", domain, activity)


def children_by_activity(domain: str, activity: str) -> CellKey:
    return children(domain, TOTAL) if activity == TOTAL else ("children_activity", domain, activity)


def children_by_age(band: str) -> CellKey:
    return children(TOTAL, TOTAL) if band == TOTAL else ("children_age", band)


def families_by_home_la(code: str) -> CellKey:
    return families(TOTAL, TOTAL) if code == TOTAL else ("families_home_la", code)


def referred(category: str, status: str) -> CellKey:
    return ("referred", category, status)


def outcome_known(category: str) -> CellKey:
    return ("outcome_known", category)


def contacts(domain: str) -> CellKey:
    return ("contacts", domain)


OUTCOME_CELL = "families_outcome"


def families_by_outcome(outcome: str) -> CellKey:
    """Families supported towards an outcome (one framework per return, so the code is enough)."""
    return families(TOTAL, TOTAL) if outcome == TOTAL else (OUTCOME_CELL, outcome)


# --- lines ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    total: CellKey
    cells: tuple[CellKey, ...]
    additive: bool
    sensitive: bool
    label: str
    #: Cells whose dominance reveals nothing (all families "activity not recorded").
    dominance_exempt: frozenset[CellKey] = field(default_factory=frozenset)


def build_lines(home_la_codes: tuple[str, ...], framework: str | None = None) -> tuple[Line, ...]:
    lines: list[Line] = []
    for measure, cell in (("families", families), ("children", children)):
        for kind in (*SUPPORT_TYPES, TOTAL):
            lines.append(
                Line(
                    cell(TOTAL, kind),
                    tuple(cell(d, kind) for d in DOMAINS),
                    False,
                    True,
                    f"{measure}: need domains, {kind}",
                )
            )
        for domain in (*DOMAINS, TOTAL):
            lines.append(
                Line(
                    cell(domain, TOTAL),
                    tuple(cell(domain, k) for k in SUPPORT_TYPES),
                    False,
                    False,
                    f"{measure}: support types, {domain}",
                )
            )
    for measure, by_activity in (("families", families_by_activity), ("children", children_by_activity)):
        for domain in DOMAINS:
            lines.append(
                Line(
                    by_activity(domain, TOTAL),
                    tuple(by_activity(domain, a) for a in activities(domain)),
                    False,
                    True,
                    f"{measure}: activity types, {domain}",
                    frozenset({by_activity(domain, UNSPECIFIED)}),
                )
            )
    lines.append(
        Line(
            children_by_age(TOTAL),
            tuple(children_by_age(b) for b in AGE_BANDS),
            True,
            False,
            "children: age bands",
        )
    )
    if home_la_codes:
        lines.append(
            Line(
                families_by_home_la(TOTAL),
                tuple(families_by_home_la(c) for c in home_la_codes),
                True,
                False,
                "families: home local authority",
            )
        )
    for status in (*STATUSES, TOTAL):
        lines.append(
            Line(
                referred(TOTAL, status),
                tuple(referred(c, status) for c in CATEGORIES),
                False,
                True,
                f"referrals: service categories, {status}",
            )
        )
    for category in (*CATEGORIES, TOTAL):
        lines.append(
            Line(
                referred(category, TOTAL),
                tuple(referred(category, s) for s in STATUSES),
                False,
                True,
                f"referrals: statuses, {category}",
            )
        )
        lines.append(
            Line(
                outcome_known(category),
                tuple(referred(category, s) for s in OUTCOME_STATUSES),
                False,
                True,
                f"referrals: outcomes, {category}",
            )
        )
    lines.append(
        Line(
            outcome_known(TOTAL),
            tuple(outcome_known(c) for c in CATEGORIES),
            False,
            True,
            "referrals: outcome known, service categories",
        )
    )
    lines.append(
        Line(contacts(TOTAL), tuple(contacts(d) for d in DOMAINS), True, True, "contacts: need domains")
    )
    if framework:
        # A union: a family can be supported towards several outcomes; every family supported is in
        # at least one cell (an outcome, or untagged). "All of them untagged" reveals nothing.
        lines.append(
            Line(
                families_by_outcome(TOTAL),
                tuple(families_by_outcome(o) for o in outcome_values(framework)),
                False,
                True,
                f"families: {framework} outcomes",
                frozenset({families_by_outcome(UNTAGGED)}),
            )
        )
    return tuple(lines)


# --- tables -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterSpec:
    name: str
    label: str
    values: tuple[str, ...]
    hint: str = ""


@dataclass(frozen=True)
class IndicatorSpec:
    name: str
    label: str
    #: "count" (a disclosure-controlled count of people), "median" (days) or "hours".
    kind: str
    unit: str = ""
    dp: int = 0

    @property
    def is_count(self) -> bool:
        return self.kind == "count"


@dataclass(frozen=True)
class Row:
    filters: tuple[str, ...]
    #: indicator name -> the cell it shows (counts), or the key of a median / hours value.
    values: dict[str, CellKey]


@dataclass(frozen=True)
class TableSpec:
    name: str
    title: str
    description: str
    filters: tuple[FilterSpec, ...]
    indicators: tuple[IndicatorSpec, ...]
    rows: tuple[Row, ...]

    @property
    def path(self) -> str:
        return f"{self.name}.csv"

    @property
    def meta_path(self) -> str:
        return f"{self.name}.meta.csv"


NEED_DOMAIN = FilterSpec("need_domain", "Need domain", (*DOMAINS, TOTAL), "Filter by need domain")
FAMILIES_SUPPORTED = IndicatorSpec("families_supported", "Families supported", "count")
CHILDREN_SUPPORTED = IndicatorSpec("children_count", "Children supported", "count")


def outcome_table(framework: str) -> TableSpec:
    fw = Framework(framework)
    values = (*outcome_values(fw), TOTAL)
    return TableSpec(
        OUTCOME_TABLE,
        f"Families supported by {fw.outcome_word} ({fw.long_label})",
        f"Distinct families with a support entry in the period whose activity type the setting tags with the "
        f"{fw.outcome_word}. A family counts under every {fw.outcome_word} its support was tagged with, so "
        "the rows add up to more than the total; 'untagged' counts families with support whose activity "
        "type carries no tag.",
        (
            FilterSpec(
                "outcome_framework", "Outcome framework", (fw.value,), "The framework of the outcomes"
            ),
            FilterSpec("outcome", fw.outcome_word.capitalize(), values, f"Filter by {fw.outcome_word}"),
        ),
        (FAMILIES_SUPPORTED,),
        tuple(Row((fw.value, o), {"families_supported": families_by_outcome(o)}) for o in values),
    )


def return_framework(files: Mapping[str, bytes]) -> str | None:
    """The outcome framework of a written return's table by outcome; None when it has no such table
    (made before it existed) or names no framework this version knows."""
    data = files.get(f"{OUTCOME_TABLE}.csv")
    if data is None:
        return None
    try:
        first = next(csv.DictReader(io.StringIO(data.decode("utf-8"))), None)
    except (UnicodeDecodeError, csv.Error):
        return None
    value = (first or {}).get("outcome_framework")
    return value if value in {f.value for f in Framework} else None


def common_framework(frameworks: Iterable[str | None]) -> str | None:
    """The framework every return shares; None if any has none (or they differ): a merged table by
    outcome needs every return to have one."""
    found = set(frameworks)
    return found.pop() if len(found) == 1 else None


def build_tables(home_la_codes: tuple[str, ...], framework: str | None = None) -> tuple[TableSpec, ...]:
    tables = _core_tables(home_la_codes)
    return (*tables, outcome_table(framework)) if framework else tables


def _core_tables(home_la_codes: tuple[str, ...]) -> tuple[TableSpec, ...]:
    la_values = (*home_la_codes, TOTAL)
    return (
        TableSpec(
            "support_by_domain_and_type",
            "Families and children supported by need domain and support type",
            "Distinct families (and children named on an entry) with at least one support entry in the period.",
            (
                NEED_DOMAIN,
                FilterSpec("support_type", "Support type", (*SUPPORT_TYPES, TOTAL), "Filter by support type"),
            ),
            (FAMILIES_SUPPORTED, CHILDREN_SUPPORTED),
            tuple(
                Row((d, k), {"families_supported": families(d, k), "children_count": children(d, k)})
                for d in (*DOMAINS, TOTAL)
                for k in (*SUPPORT_TYPES, TOTAL)
            ),
        ),
        TableSpec(
            "support_by_activity",
            "Families and children supported by activity type",
            "Built-in activity types; the setting's own types are counted as 'other'.",
            (
                NEED_DOMAIN,
                FilterSpec(
                    "activity_type", "Activity type", (*ALL_ACTIVITY_CODES, TOTAL), "Filter by activity type"
                ),
            ),
            (FAMILIES_SUPPORTED, CHILDREN_SUPPORTED),
            (
                *(
                    Row(
                        (d, a),
                        {
                            "families_supported": families_by_activity(d, a),
                            "children_count": children_by_activity(d, a),
                        },
                    )
                    for d in DOMAINS
                    for a in (*activities(d), TOTAL)
                ),
                Row(
                    (TOTAL, TOTAL),
                    {
                        "families_supported": families(TOTAL, TOTAL),
                        "children_count": children(TOTAL, TOTAL),
                    },
                ),
            ),
        ),
        TableSpec(
            "children_by_age_band",
            "Children supported by age band",
            "Age at the start of the period, of each distinct child named on a support entry in the period.",
            (FilterSpec("age_band", "Age band", (*AGE_BANDS, TOTAL), "Filter by age band"),),
            (CHILDREN_SUPPORTED,),
            tuple(Row((b,), {"children_count": children_by_age(b)}) for b in (*AGE_BANDS, TOTAL)),
        ),
        TableSpec(
            "families_by_home_la",
            "Families supported by the local authority they live in",
            "Families are counted where they live, so authorities see demand from across their boundary.",
            (
                FilterSpec(
                    "home_la_code", "Home local authority", la_values, "Filter by home local authority"
                ),
            ),
            (FAMILIES_SUPPORTED,),
            tuple(Row((c,), {"families_supported": families_by_home_la(c)}) for c in la_values),
        ),
        TableSpec(
            "referrals_by_service_and_status",
            "Families referred by service category and current referral status",
            "Distinct families with a referral made in the period, by the referral's status when the return was made.",
            (
                FilterSpec(
                    "service_category", "Service category", (*CATEGORIES, TOTAL), "Filter by service category"
                ),
                FilterSpec(
                    "referral_status", "Referral status", (*STATUSES, TOTAL), "Filter by referral status"
                ),
            ),
            (IndicatorSpec("families_referred", "Families referred", "count"),),
            tuple(
                Row((c, s), {"families_referred": referred(c, s)})
                for c in (*CATEGORIES, TOTAL)
                for s in (*STATUSES, TOTAL)
            ),
        ),
        TableSpec(
            "referral_outcomes",
            "Referral outcomes and response times by service category",
            "Outcome known: the service accepted, waitlisted, declined, saw or completed. Median days from the "
            "referral being sent to the first answer and to first contact, where 10 or more referrals stand behind it.",
            (
                FilterSpec(
                    "service_category", "Service category", (*CATEGORIES, TOTAL), "Filter by service category"
                ),
            ),
            (
                IndicatorSpec("families_referred", "Families referred", "count"),
                IndicatorSpec(
                    "families_with_outcome_known", "Families with a referral outcome known", "count"
                ),
                IndicatorSpec(
                    "median_days_to_acknowledgement", "Median days to acknowledgement", "median", "", 1
                ),
                IndicatorSpec(
                    "median_days_to_first_contact", "Median days to first contact", "median", "", 1
                ),
            ),
            tuple(
                Row(
                    (c,),
                    {
                        "families_referred": referred(c, TOTAL),
                        "families_with_outcome_known": outcome_known(c),
                        "median_days_to_acknowledgement": ("median_ack", c),
                        "median_days_to_first_contact": ("median_first_contact", c),
                    },
                )
                for c in (*CATEGORIES, TOTAL)
            ),
        ),
        TableSpec(
            "contacts_and_hours",
            "Support contacts and staff hours by need domain, whole setting",
            "Support entries logged in the period and the staff time they record.",
            (NEED_DOMAIN,),
            (
                IndicatorSpec("contacts", "Support contacts", "count"),
                IndicatorSpec("staff_hours", "Staff hours", "hours", "", 1),
            ),
            tuple(
                Row((d,), {"contacts": contacts(d), "staff_hours": ("hours", d)}) for d in (*DOMAINS, TOTAL)
            ),
        ),
    )


def value_label(filter_name: str, value: str, labels: dict[str, str] | None = None) -> str:
    """A filter value's readable name (outcome codes share some words with service categories)."""
    if filter_name == "outcome":
        if value == UNTAGGED:
            return "No tagged activity"
        if value == TOTAL:
            return "Total"
        for fw in Framework:
            if value in fw.codes:
                return fw.outcome_label(value)
    if filter_name == "outcome_framework" and value in {f.value for f in Framework}:
        return Framework(value).label
    return (labels if labels is not None else filter_labels()).get(value, value)


def filter_labels() -> dict[str, str]:
    """Readable names for filter values (previews and metadata)."""
    labels = {
        TOTAL: "Total",
        DIRECT: "Direct",
        INDIRECT: "Indirect",
        OTHER_ACTIVITY: "Setting's own types",
        UNSPECIFIED: "Not recorded",
    }
    labels |= {d.value: d.label() for d in Domain}
    labels |= {c.value: c.label for c in ServiceCategory}
    labels |= {s: s.replace("_", " ").capitalize() for s in STATUSES}
    labels |= AGE_BAND_LABELS
    for d in Domain:
        labels |= dict(BUILTIN_ACTIVITIES[d])
    return labels

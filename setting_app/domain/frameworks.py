"""National outcome frameworks that activity types can be tagged with.

England's local plans speak in the Supporting Families headline outcomes; Scotland's in the GIRFEC
SHANARRI wellbeing indicators. Each activity type can carry tags in both (a setting can change
nation), and reports use the setting's own nation's framework. Codes are stable strings (they are
stored in ``activity_outcomes`` and appear in the LA export); labels are what people read.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from setting_app.domain.codes import Nation
from setting_app.domain.errors import ValidationError


class Framework(StrEnum):
    SUPPORTING_FAMILIES = "supporting_families"
    SHANARRI = "shanarri"

    @property
    def label(self) -> str:
        return "Supporting Families" if self is Framework.SUPPORTING_FAMILIES else "SHANARRI"

    @property
    def long_label(self) -> str:
        if self is Framework.SUPPORTING_FAMILIES:
            return "Supporting Families headline outcomes"
        return "GIRFEC SHANARRI wellbeing indicators"

    @property
    def outcome_word(self) -> str:
        """What one item of the framework is called: 'outcome' or 'wellbeing indicator'."""
        return "outcome" if self is Framework.SUPPORTING_FAMILIES else "wellbeing indicator"

    @property
    def table_title(self) -> str:
        """The heading of the reports' table by this framework."""
        return f"By {self.outcome_word} ({self.label})"

    @property
    def outcomes(self) -> tuple[Outcome, ...]:
        return OUTCOMES[self]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(o.code for o in OUTCOMES[self])

    def outcome_label(self, code: str) -> str:
        for outcome in OUTCOMES[self]:
            if outcome.code == code:
                return outcome.label
        return code


@dataclass(frozen=True)
class Outcome:
    framework: Framework
    code: str
    label: str


def _outcomes(framework: Framework, pairs: tuple[tuple[str, str], ...]) -> tuple[Outcome, ...]:
    return tuple(Outcome(framework, code, label) for code, label in pairs)


#: In the order the frameworks list them (and reports show them).
OUTCOMES: dict[Framework, tuple[Outcome, ...]] = {
    Framework.SUPPORTING_FAMILIES: _outcomes(
        Framework.SUPPORTING_FAMILIES,
        (
            ("education", "Getting a good education"),
            ("early_years", "Good early years development"),
            ("health", "Improved mental and physical health"),
            ("substance_use", "Promoting recovery and reducing harm from substance use"),
            ("family_relationships", "Improved family relationships"),
            ("safe_from_abuse", "Children safe from abuse and exploitation"),
            ("crime", "Crime prevention and tackling crime"),
            ("domestic_abuse", "Safe from domestic abuse"),
            ("housing", "Secure housing"),
            ("financial_stability", "Improved financial stability"),
        ),
    ),
    Framework.SHANARRI: _outcomes(
        Framework.SHANARRI,
        (
            ("safe", "Safe"),
            ("healthy", "Healthy"),
            ("achieving", "Achieving"),
            ("nurtured", "Nurtured"),
            ("active", "Active"),
            ("respected", "Respected"),
            ("responsible", "Responsible"),
            ("included", "Included"),
        ),
    ),
}

#: Frameworks in the order an editor shows them for a nation: its own first.
FRAMEWORK_ORDER: dict[Nation, tuple[Framework, ...]] = {
    Nation.ENGLAND: (Framework.SUPPORTING_FAMILIES, Framework.SHANARRI),
    Nation.SCOTLAND: (Framework.SHANARRI, Framework.SUPPORTING_FAMILIES),
}


def framework_for(nation: Nation) -> Framework:
    """The framework a setting's reports use: Supporting Families in England, SHANARRI in Scotland."""
    return Framework.SHANARRI if Nation(nation) is Nation.SCOTLAND else Framework.SUPPORTING_FAMILIES


def parse_framework(text: object, field: str = "framework") -> Framework:
    raw = str(text if text is not None else "").strip().lower()
    try:
        return Framework(raw)
    except ValueError:
        known = ", ".join(f.value for f in Framework)
        raise ValidationError(field, f"'{raw}' is not an outcome framework (use {known})") from None


def parse_outcomes(framework: Framework, codes: object, field: str = "outcome") -> tuple[str, ...]:
    """Outcome codes of ``framework``, checked, without repeats, in the framework's own order."""
    if isinstance(codes, str):
        codes = [part for part in codes.replace(",", " ").split() if part]
    wanted: set[str] = set()
    for code in codes:  # type: ignore[union-attr]
        raw = str(code).strip().lower()
        if raw not in framework.codes:
            raise ValidationError(
                field,
                f"'{raw}' is not a {framework.label} {framework.outcome_word} "
                f"(use one of: {', '.join(framework.codes)})",
            )
        wanted.add(raw)
    return tuple(c for c in framework.codes if c in wanted)

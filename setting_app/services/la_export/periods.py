"""Return periods: a month (``2026-10``), a calendar quarter (``2026-Q4``) or a financial year
(``FY2026-27``, April to March), with the time columns of the explore-education-statistics (EES)
open data standard.

EES conventions used (its list of allowed time identifiers, which DfE's screener enforces): a month is
``time_period`` = the year (``2026``) with ``time_identifier`` = the month's name (``October``); a
financial year is the two years run together (``202627``) with ``Financial year``. EES has no calendar
quarters, but every calendar quarter is a quarter of the financial year (April to March), so a quarter
is written as one: July to September 2026 is ``202627`` ``Financial year Q2``, and January to March
2027 is ``202627`` ``Financial year Q4``. Returns of format version 1 wrote ``2026`` ``Calendar year
Q3``; :data:`LEGACY_TIME_IDENTIFIERS` lists what they may carry.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from setting_app.domain.errors import ValidationError

MONTH_NAMES = tuple(calendar.month_name[m] for m in range(1, 13))

FINANCIAL_QUARTERS = tuple(f"Financial year Q{n}" for n in range(1, 5))
#: Every time_identifier an export or a merge can carry (all on EES's list).
TIME_IDENTIFIERS: tuple[str, ...] = (*MONTH_NAMES, *FINANCIAL_QUARTERS, "Financial year")
#: What returns of format version 1 carried for a quarter (not on EES's list).
LEGACY_TIME_IDENTIFIERS: tuple[str, ...] = tuple(f"Calendar year Q{n}" for n in range(1, 5))


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    FINANCIAL_YEAR = "financial_year"


@dataclass(frozen=True)
class Period:
    code: str
    kind: PeriodKind
    start: date
    end: date  # inclusive

    @property
    def financial_year_start(self) -> int:
        """The year the financial year holding the period's first day starts in (April)."""
        return self.start.year if self.start.month >= 4 else self.start.year - 1

    @property
    def time_period(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return f"{self.start.year}"
        fy = self.financial_year_start
        return f"{fy}{(fy + 1) % 100:02d}"

    @property
    def time_identifier(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return MONTH_NAMES[self.start.month - 1]
        if self.kind is PeriodKind.QUARTER:
            return FINANCIAL_QUARTERS[(self.start.month - 4) % 12 // 3]
        return "Financial year"

    @property
    def label(self) -> str:
        """How people say it: "October 2026", "July to September 2026", "April 2026 to March 2027"."""
        if self.kind is PeriodKind.MONTH:
            return f"{MONTH_NAMES[self.start.month - 1]} {self.start.year}"
        first = MONTH_NAMES[self.start.month - 1]
        last = MONTH_NAMES[self.end.month - 1]
        if self.kind is PeriodKind.QUARTER:
            return f"{first} to {last} {self.start.year}"
        return f"{first} {self.start.year} to {last} {self.end.year}"

    @property
    def first_month(self) -> str:
        return f"{self.start.year:04d}-{self.start.month:02d}"

    @property
    def last_month(self) -> str:
        return f"{self.end.year:04d}-{self.end.month:02d}"

    def is_complete(self, today: date) -> bool:
        return self.end < today


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_FINANCIAL_YEAR = re.compile(r"^FY(\d{4})-(\d{2})$")


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_period(text: object, *, today: date | None = None, field: str = "period") -> Period:
    """``YYYY-MM``, ``YYYY-Qn`` or ``FY2026-27``; a period that has not started yet is refused."""
    raw = str(text or "").strip().upper()
    period: Period | None = None
    if m := _MONTH.match(raw):
        year, month = int(m[1]), int(m[2])
        if 1 <= month <= 12:
            period = Period(
                f"{year:04d}-{month:02d}", PeriodKind.MONTH, date(year, month, 1), _month_end(year, month)
            )
    elif m := _QUARTER.match(raw):
        year, quarter = int(m[1]), int(m[2])
        first = 3 * (quarter - 1) + 1
        period = Period(
            f"{year:04d}-Q{quarter}", PeriodKind.QUARTER, date(year, first, 1), _month_end(year, first + 2)
        )
    elif m := _FINANCIAL_YEAR.match(raw):
        year, short = int(m[1]), int(m[2])
        if (year + 1) % 100 != short:
            raise ValidationError(
                field,
                f"'{text}': a financial year runs April to March, so write FY{year}-{(year + 1) % 100:02d}",
            )
        period = Period(
            f"FY{year:04d}-{short:02d}", PeriodKind.FINANCIAL_YEAR, date(year, 4, 1), date(year + 1, 3, 31)
        )
    if period is None or period.start.year < 2000:
        raise ValidationError(
            field,
            f"'{text}' is not a period: write a month (2026-10), a quarter (2026-Q4) or a financial year (FY2026-27)",
        )
    if today is not None and period.start > today:
        raise ValidationError(field, f"{period.label} has not started yet")
    return period


def recent_periods(today: date, *, months: int = 13, quarters: int = 5, years: int = 3) -> list[Period]:
    """Periods a manager is likely to export, newest first: months, then quarters, then years."""
    found: list[Period] = []
    first = today.replace(day=1)
    for _ in range(months):
        found.append(parse_period(f"{first.year}-{first.month:02d}"))
        first = (first - timedelta(days=1)).replace(day=1)
    year, quarter = today.year, (today.month - 1) // 3 + 1
    for _ in range(quarters):
        found.append(parse_period(f"{year}-Q{quarter}"))
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
    fy = today.year if today.month >= 4 else today.year - 1
    for i in range(years):
        found.append(parse_period(f"FY{fy - i}-{(fy - i + 1) % 100:02d}"))
    return found


def default_period(today: date) -> Period:
    """The last whole month: what a monthly return is usually for."""
    last = today.replace(day=1) - timedelta(days=1)
    return parse_period(f"{last.year}-{last.month:02d}")

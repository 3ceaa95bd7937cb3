"""How the app shows and reads dates, durations and names: UK conventions, in one place.

Plain Python (no Qt) so any screen, dialog or model can use it and tests need no widgets.
Files and the database use ISO dates; people see and type ``dd/mm/yyyy``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta

from setting_app.domain.errors import ValidationError

UK_DATE_HINT = "dd/mm/yyyy"

_UK_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAYS_AHEAD = re.compile(r"^\+\s*(\d{1,3})\s*d?$")
_WEEKS_AHEAD = re.compile(r"^\+\s*(\d{1,2})\s*w$")


def uk_date(value: date | None) -> str:
    """``23/11/2026``; empty for no date."""
    return value.strftime("%d/%m/%Y") if value else ""


def parse_uk_date(text: str, field: str, *, relative_to: date | None = None) -> date:
    """Read a date typed by a person.

    Accepts ``23/11/2026``, ``23/11/26``, ``23.11.2026``, ``2026-11-23`` and, when ``relative_to`` is
    given, ``+7`` (days) or ``+2w`` (weeks) after that date. Raises ValidationError naming ``field``.
    """
    cleaned = (text or "").strip().lower()
    if relative_to is not None:
        days = _DAYS_AHEAD.match(cleaned)
        weeks = _WEEKS_AHEAD.match(cleaned)
        if days:
            return relative_to + timedelta(days=int(days.group(1)))
        if weeks:
            return relative_to + timedelta(weeks=int(weeks.group(1)))
    if _ISO_DATE.match(cleaned):
        try:
            return date.fromisoformat(cleaned)
        except ValueError:
            pass
    match = _UK_DATE.match(cleaned)
    if match:
        day, month, year = (int(g) for g in match.groups())
        if year < 100:
            year += 2000
        try:
            return date(year, month, day)
        except ValueError:
            pass
    raise ValidationError(field, f"'{text.strip()}' is not a date: type it as {UK_DATE_HINT}")


def parse_optional_uk_date(text: str, field: str, *, relative_to: date | None = None) -> date | None:
    if not (text or "").strip():
        return None
    return parse_uk_date(text, field, relative_to=relative_to)


def minutes_text(minutes: int | None) -> str:
    """``45 min``, ``1 h``, ``1 h 20 min``."""
    if minutes is None:
        return ""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def age_text(date_of_birth: date | None, today: date) -> str:
    """A young child's age as people say it: ``8 months``, ``2 years 3 months``; empty if unknown."""
    if date_of_birth is None or date_of_birth > today:
        return ""
    months = (today.year - date_of_birth.year) * 12 + today.month - date_of_birth.month
    if today.day < date_of_birth.day:
        months -= 1
    if months < 1:
        weeks = (today - date_of_birth).days // 7
        return f"{weeks} week{'s' if weeks != 1 else ''}"
    years, months = divmod(months, 12)
    parts = []
    if years:
        parts.append(f"{years} year{'s' if years != 1 else ''}")
    if months:
        parts.append(f"{months} month{'s' if months != 1 else ''}")
    return " ".join(parts)


def names_text(names: Iterable[str], *, empty: str = "") -> str:
    """``Ann``, ``Ann and Bob``, ``Ann, Bob and Cal``."""
    items = [n for n in names if n]
    if not items:
        return empty
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} and {items[-1]}"


def first_line(text: str, *, limit: int = 120) -> str:
    """The start of a note, on one line, for a table cell."""
    line = " ".join((text or "").split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def count_text(count: int, singular: str, plural: str | None = None) -> str:
    """``1 entry``, ``12,345 entries``."""
    word = singular if count == 1 else (plural or f"{singular}s")
    return f"{count:,} {word}"


def month_bounds(today: date) -> tuple[date, date]:
    """First and last day of ``today``'s month."""
    first = today.replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    return first, next_month - timedelta(days=1)

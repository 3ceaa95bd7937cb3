"""Conversions between stored text and Python values, shared by the repositories."""

from __future__ import annotations

from datetime import UTC, date, datetime


def to_date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def from_date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def to_datetime(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def from_datetime(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with LIKE's wildcards escaped (use ESCAPE '\\')."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"

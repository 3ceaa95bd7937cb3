"""Time as a dependency, so reminders, 'no future dates' and auto-lock can be tested."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta


class Clock:
    def now(self) -> datetime:
        """Timezone-aware UTC now."""
        return datetime.now(UTC)

    def today(self) -> date:
        """The local calendar date: what 'today' means to staff in the setting."""
        return date.today()


@dataclass
class FixedClock(Clock):
    """A clock for tests and demos that only moves when told to."""

    current: datetime

    def now(self) -> datetime:
        return self.current

    def today(self) -> date:
        return self.current.date()

    def advance(self, **delta: float) -> None:
        self.current = self.current + timedelta(**delta)


SYSTEM_CLOCK = Clock()

"""A growing wait after repeated wrong passphrases, remembered across restarts; never a lock-out.

The record is a tiny file beside the casebook holding only a count and a time (no names). Someone
who can delete it can also copy the casebook and guess offline, where Argon2id is the defence; the
throttle is against guessing at the PC itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from setting_app.domain.clock import Clock
from setting_app.domain.errors import UnlockError
from setting_app.storage.fsutil import atomic_write

THROTTLE_NAME = "casebook.unlock-attempts"
FREE_ATTEMPTS = 3
MAX_DELAY_SECONDS = 300


class UnlockThrottled(UnlockError):
    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        super().__init__(
            f"Too many passphrases were not recognised. Wait {seconds} second{'s' if seconds != 1 else ''} "
            "and try again."
        )


def delay_after(failures: int) -> int:
    """No wait for the first few slips, then 1, 2, 4 ... seconds, capped at five minutes."""
    if failures < FREE_ATTEMPTS:
        return 0
    return min(2 ** (failures - FREE_ATTEMPTS), MAX_DELAY_SECONDS)


@dataclass
class UnlockThrottle:
    data_dir: Path
    clock: Clock

    @property
    def path(self) -> Path:
        return self.data_dir / THROTTLE_NAME

    def _read(self) -> tuple[int, datetime | None]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return int(data["failures"]), datetime.fromisoformat(data["last_failure_at"])
        except FileNotFoundError:
            return 0, None
        except (ValueError, KeyError, TypeError):
            # A damaged record must not become a way round the wait, nor a lock-out: start a fresh
            # record as if the free attempts were used just now.
            now = self.clock.now()
            self._write(FREE_ATTEMPTS, now)
            return FREE_ATTEMPTS, now

    def check(self) -> None:
        failures, last = self._read()
        if last is None:
            return
        wait_until = last + timedelta(seconds=delay_after(failures))
        remaining = (wait_until - self.clock.now()).total_seconds()
        if remaining > 0:
            raise UnlockThrottled(int(remaining + 0.999))

    def _write(self, failures: int, when: datetime) -> None:
        if self.data_dir.is_dir():
            payload = {"failures": failures, "last_failure_at": when.isoformat()}
            atomic_write(self.path, json.dumps(payload).encode())

    def record_failure(self) -> None:
        failures, _ = self._read()
        self._write(failures + 1, self.clock.now())

    def record_success(self) -> tuple[int, datetime | None]:
        """Clear the record; returns how many attempts failed before this success, and the last one's time."""
        failures, last = self._read()
        self.path.unlink(missing_ok=True)
        return failures, last

"""A growing wait after repeated wrong passphrases, remembered across restarts; never a lock-out.

The record is a tiny file beside the casebook holding only counts and a time (no names). Someone
who can delete it can also copy the casebook and guess offline, where Argon2id is the defence; the
throttle is against guessing at the PC itself.

Parallel attempts (several windows, or a script starting many ``setting-app`` processes at once) are
serialised by an OS file lock on ``casebook.unlock-attempts.lock``, held across read-check-count-write:

* an attempt that may go ahead is counted as a failure *before* the passphrase is tried (Argon2 runs
  outside the lock), so a second attempt started at the same moment already sees it and waits;
* an attempt that arrives during the wait is refused and counted too (as ``refused``), so the count of
  attempts never loses one; the wait itself grows with the guesses actually tried, so pressing
  Unlock again while waiting does not lengthen it;
* a success clears the record and reports the attempts that failed before it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple, TypeVar

from setting_app.domain.clock import Clock
from setting_app.domain.errors import UnlockError
from setting_app.storage.bounded_read import InputRefused, read_text
from setting_app.storage.fsutil import O_BINARY, atomic_write, private_umask

T = TypeVar("T")
THROTTLE_NAME = "casebook.unlock-attempts"
LOCK_SUFFIX = ".lock"
FREE_ATTEMPTS = 3
MAX_DELAY_SECONDS = 300
_RECORD_LIMIT = 4096  # a few counts and a time


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


class Record(NamedTuple):
    """``failures``: every attempt that did not unlock, including ``refused`` ones turned away during a
    wait without being tried. The wait grows with the guesses tried (``failures - refused``)."""

    failures: int = 0
    refused: int = 0
    last_failure_at: datetime | None = None

    @property
    def tried(self) -> int:
        return self.failures - self.refused


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive OS lock on ``path`` (created 0600); the kernel drops it if the process dies."""
    try:
        with private_umask():
            fd = os.open(path, os.O_RDWR | os.O_CREAT | O_BINARY, 0o600)
    except OSError as exc:
        raise UnlockError(f"Could not use {path.name} beside the casebook ({exc.strerror}).") from None
    try:
        if sys.platform == "win32":
            import msvcrt

            while True:
                try:
                    msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # retries for about 10 s, then OSError
                    break
                except OSError:
                    continue
            try:
                yield
            finally:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@dataclass
class UnlockThrottle:
    data_dir: Path
    clock: Clock

    @property
    def path(self) -> Path:
        return self.data_dir / THROTTLE_NAME

    @property
    def lock_path(self) -> Path:
        return self.data_dir / (THROTTLE_NAME + LOCK_SUFFIX)

    @contextmanager
    def _lock(self) -> Iterator[None]:
        if not self.data_dir.is_dir():
            yield  # no casebook folder: nothing to count (the caller refuses anyway)
            return
        with _locked(self.lock_path):
            yield

    def _read(self) -> Record:
        """Call with the lock held."""
        try:
            # Bounded, and a FIFO, device or folder put in its place is refused unread (never a hang).
            data = json.loads(read_text(self.path, _RECORD_LIMIT, THROTTLE_NAME))
            record = Record(
                int(data["failures"]),
                int(data.get("refused", 0)),
                datetime.fromisoformat(data["last_failure_at"]),
            )
            if not 0 <= record.refused <= record.failures or record.last_failure_at.tzinfo is None:
                raise ValueError("impossible counts")
            return record
        except InputRefused as exc:
            if not self.path.exists() and not self.path.is_symlink():
                return Record()
            if self.path.is_dir() and not self.path.is_symlink():
                raise UnlockError(
                    f"{THROTTLE_NAME} beside the casebook is a folder, not the app's own file: move it "
                    "away and try again."
                ) from exc
            record = Record(FREE_ATTEMPTS, 0, self.clock.now())
            self._write(record)  # replaces the FIFO, device link or huge file with a fresh record
            return record
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError, RecursionError):
            # A damaged record must not become a way round the wait, nor a lock-out: start a fresh
            # record as if the free attempts were used just now.
            record = Record(FREE_ATTEMPTS, 0, self.clock.now())
            self._write(record)
            return record

    def _write(self, record: Record) -> None:
        """Call with the lock held."""
        if self.data_dir.is_dir():
            assert record.last_failure_at is not None
            payload = {
                "failures": record.failures,
                "refused": record.refused,
                "last_failure_at": record.last_failure_at.isoformat(),
            }
            atomic_write(self.path, json.dumps(payload).encode())

    def _remaining(self, record: Record) -> float:
        if record.last_failure_at is None:
            return 0.0
        wait_until = record.last_failure_at + timedelta(seconds=delay_after(record.tried))
        return (wait_until - self.clock.now()).total_seconds()

    def attempt(self, try_secret: Callable[[], T], refused: type[BaseException]) -> T:
        """Count an attempt (under the lock, before the secret is tried), try it, and settle the count:
        ``refused`` (a wrong passphrase or code) is a failure; any other error takes the attempt back.
        The caller calls ``record_success`` once the casebook is open, or ``take_back``."""
        self.begin()
        try:
            return try_secret()
        except refused:
            self.record_failure()
            raise
        except BaseException:
            self.take_back()
            raise

    def begin(self) -> None:
        """Before trying a passphrase or recovery code: count this attempt, under the lock.

        During a wait the attempt is refused (:class:`UnlockThrottled`) and counted as refused.
        Otherwise it is counted as a failure now, so that attempts started at the same moment see it;
        :meth:`record_success` takes it back if the passphrase was right.
        """
        with self._lock():
            record = self._read()
            remaining = self._remaining(record)
            if remaining > 0:
                self._write(record._replace(failures=record.failures + 1, refused=record.refused + 1))
            else:
                self._write(Record(record.failures + 1, record.refused, self.clock.now()))
        if remaining > 0:
            raise UnlockThrottled(int(remaining + 0.999))

    def record_failure(self) -> None:
        """After :meth:`begin`, the passphrase was wrong: the wait starts from now (the attempt is
        already counted; it is counted again only if a success elsewhere cleared the record since)."""
        with self._lock():
            record = self._read()
            if record.last_failure_at is None:
                record = Record(1, 0, None)
            self._write(record._replace(last_failure_at=self.clock.now()))

    def take_back(self) -> None:
        """After :meth:`begin`, the attempt ended for another reason than a wrong passphrase (a damaged
        casebook, an account switched off, an interruption): it was no guess, so uncount it."""
        with self._lock():
            record = self._read()
            if record.failures <= 1 or record.tried <= 0:
                self.path.unlink(missing_ok=True)
            else:
                self._write(record._replace(failures=record.failures - 1))

    def record_success(self) -> Record:
        """After :meth:`begin`, the passphrase was right: clear the record. Returns the attempts that
        failed before this success (this one taken back) and the last one's time."""
        with self._lock():
            record = self._read()
            self.path.unlink(missing_ok=True)
        if record.failures and record.tried:
            record = record._replace(failures=record.failures - 1)
        if not record.failures:
            return Record()
        return record

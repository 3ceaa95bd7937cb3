"""One desktop app per casebook: a second instance refuses before it opens the database.

An OS file lock (released by the kernel if the app crashes, so no stale-lock clean-up is needed).
The command line does not take it: scripts may write alongside the app, which SQLite handles.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from setting_app.domain.errors import AppError
from setting_app.storage.fsutil import O_BINARY, ensure_private_dir, private_umask

LOCK_NAME = "casebook.app-lock"


class AlreadyOpen(AppError):
    def __init__(self) -> None:
        super().__init__(
            "Family Support Log is already open on this casebook (in another window, or by another "
            "person signed in to this PC). Use that window, or close it first."
        )


class InstanceLock:
    #: Lock files this process holds (the app holds its casebook's for as long as it runs).
    _held: set[Path] = set()

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_NAME
        self._fd: int | None = None

    @classmethod
    def held_here(cls, data_dir: Path) -> bool:
        """Whether this process already holds the casebook's lock (so it may do what needs it)."""
        return (data_dir / LOCK_NAME).resolve() in cls._held

    def acquire(self) -> InstanceLock:
        ensure_private_dir(self.path.parent)
        with private_umask():
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | O_BINARY, 0o600)
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise AlreadyOpen() from None
        self._fd = fd
        InstanceLock._held.add(self.path.resolve())
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(self._fd, msvcrt.LK_UNLCK, 1)
            else:
                import fcntl

                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)
            self._fd = None
            InstanceLock._held.discard(self.path.resolve())

    def __enter__(self) -> InstanceLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

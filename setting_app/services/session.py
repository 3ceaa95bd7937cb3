"""An unlocked casebook: one connection, the person using it, and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from setting_app.domain.clock import SYSTEM_CLOCK, Clock
from setting_app.domain.errors import AppError, PermissionDenied
from setting_app.domain.models import SettingDetails, StaffUser
from setting_app.storage.casebook_store import CasebookPaths
from setting_app.storage.database import Connection, open_database
from setting_app.storage.fsutil import inside_folder


@dataclass
class Session:
    conn: Connection
    user: StaffUser
    setting: SettingDetails
    data_dir: Path
    clock: Clock = SYSTEM_CLOCK
    _data_key: bytearray = field(default_factory=bytearray, repr=False)

    @property
    def paths(self) -> CasebookPaths:
        return CasebookPaths(self.data_dir)

    @property
    def is_open(self) -> bool:
        return bool(self._data_key)

    def require_manager(self, action: str) -> None:
        """Roles are enforced here, under every button: every slot unlocks the same key."""
        if not self.user.is_manager:
            raise PermissionDenied(f"Only a manager can {action}.")

    def check_output_path(self, path: Path) -> None:
        """Files made for people never go in the casebook's own folder, where a name such as
        casebook.db or casebook.keys would replace the casebook itself."""
        if inside_folder(path, self.data_dir):
            raise AppError(
                f"{path} is in the casebook's own folder ({self.data_dir}): save it somewhere else. "
                "Nothing was written."
            )

    def data_key(self) -> bytes:
        if not self._data_key:
            raise PermissionDenied("The casebook is locked.")
        return bytes(self._data_key)

    def open_connection(self) -> Connection:
        """A second connection for work off the UI thread (SQLite connections are per thread)."""
        return open_database(self.paths.db, self.data_key())

    def for_thread(self) -> Session:
        """The same user on a new connection, for a worker thread. Close it when the work is done."""
        return Session(
            self.open_connection(),
            self.user,
            self.setting,
            self.data_dir,
            self.clock,
            bytearray(self.data_key()),
        )

    def close(self) -> None:
        """Close the database and forget the key (best effort: Python may hold copies of bytes)."""
        try:
            self.conn.close()
        finally:
            for i in range(len(self._data_key)):
                self._data_key[i] = 0
            self._data_key = bytearray()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

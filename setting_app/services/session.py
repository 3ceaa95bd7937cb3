"""An unlocked casebook: one connection, the person using it, and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from setting_app.domain.clock import SYSTEM_CLOCK, Clock
from setting_app.domain.errors import AppError, PermissionDenied
from setting_app.domain.models import SettingDetails, StaffUser
from setting_app.storage import manager_vault, restricted_content
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
    #: Held only when a manager's (or the recovery) slot opened it: see ``storage/manager_vault``.
    _manager_key: bytearray = field(default_factory=bytearray, repr=False)

    def __post_init__(self) -> None:
        if self._manager_key:
            restricted_content.attach(self.conn, bytes(self._manager_key))

    @property
    def paths(self) -> CasebookPaths:
        return CasebookPaths(self.data_dir)

    @property
    def is_open(self) -> bool:
        return bool(self._data_key)

    @property
    def has_manager_key(self) -> bool:
        return bool(self._manager_key)

    def require_manager(self, action: str) -> None:
        """Roles are enforced here, under every button, and by the manager key: a role raised by editing
        the staff table gains nothing, because only a manager's key slot opens the manager key."""
        if not self.user.is_manager:
            raise PermissionDenied(f"Only a manager can {action}.")
        if not self._manager_key and manager_vault.installed_key_id(self.conn) is not None:
            raise PermissionDenied(
                f"Only a manager can {action}, and this sign-in does not hold the manager key: ask another "
                "manager to set your passphrase again."
            )

    def manager_key(self, action: str = "do this") -> bytes:
        """The manager key, for reading restricted content and using the setting's private keys."""
        self.require_manager(action)
        if not self._manager_key:
            raise PermissionDenied(
                f"Only a manager can {action}: ask a manager to sign in once so the casebook is upgraded."
            )
        return bytes(self._manager_key)

    def set_manager_key(self, key: bytes | None) -> None:
        self._forget_manager_key()
        self._manager_key = bytearray(key or b"")
        restricted_content.attach(self.conn, key)

    def _forget_manager_key(self) -> None:
        for i in range(len(self._manager_key)):
            self._manager_key[i] = 0
        self._manager_key = bytearray()

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

    def key_copies(self) -> tuple[bytearray, bytearray]:
        """Copies of the data key and the manager key (empty for a practitioner), to hand a sign-in made
        on a worker thread to the UI thread, which opens its own connection (``adopt_connection``)."""
        return bytearray(self.data_key()), bytearray(self._manager_key)

    def adopt_connection(self, manager_key: bytearray) -> None:
        """Open this thread's connection and give it the manager key's view (then wipe the copy)."""
        self.conn = self.open_connection()
        self.set_manager_key(bytes(manager_key) or None)
        manager_key[:] = bytes(len(manager_key))

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
            bytearray(self._manager_key),
        )

    def close(self) -> None:
        """Close the database and forget the key (best effort: Python may hold copies of bytes)."""
        try:
            self.conn.close()
        finally:
            for i in range(len(self._data_key)):
                self._data_key[i] = 0
            self._data_key = bytearray()
            self._forget_manager_key()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

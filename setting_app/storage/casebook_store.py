"""The casebook on disk: ``casebook.db`` (SQLCipher) and ``casebook.keys`` (key slots) in a private folder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from setting_app.domain.errors import AlreadyExists, CasebookDamaged, KeySlotDamaged, NoCasebook, NotACasebook
from setting_app.storage import migrations
from setting_app.storage.backup_log import restore_advice
from setting_app.storage.bounded_read import is_readable_file
from setting_app.storage.database import (
    Connection,
    copy_database,
    damage_message,
    file_kind,
    open_database,
    probe_schema_version,
)
from setting_app.storage.fsutil import ensure_private_dir

DB_NAME = "casebook.db"
NEXT_DB_NAME = "casebook.db.next"  # a key rotation in progress
SLOTS_NAME = "casebook.keys"
PRE_UPGRADE_DIR = "pre-upgrade-copies"


@dataclass(frozen=True)
class CasebookPaths:
    data_dir: Path

    @property
    def db(self) -> Path:
        return self.data_dir / DB_NAME

    @property
    def slots(self) -> Path:
        return self.data_dir / SLOTS_NAME

    @property
    def next_db(self) -> Path:
        return self.data_dir / NEXT_DB_NAME

    def exists(self) -> bool:
        return self.db.exists() or self.slots.exists()

    def check_openable(self) -> None:
        """Say plainly why there is nothing to unlock here, before any key work is done."""
        if self.data_dir.exists() and not self.data_dir.is_dir():
            raise NotACasebook(f"{self.data_dir} is a file, not a data folder.")
        if not self.exists():
            raise NoCasebook(
                f"There is no casebook in {self.data_dir}. Create one with 'setting-app init' or the app's set-up."
            )
        if self.db.exists() and file_kind(self.db) == "plain_sqlite":
            raise NotACasebook(
                f"{self.db} is an ordinary unencrypted SQLite file, not a Family Support Log casebook."
            )
        if not self.slots.exists():
            raise KeySlotDamaged(
                f"The key file {self.slots} is missing, so nobody can unlock this casebook. "
                + restore_advice(self.data_dir)
            )
        if not is_readable_file(self.slots):
            raise KeySlotDamaged(
                f"The key file {self.slots} is damaged (it is not an ordinary file), so nobody can unlock "
                "this casebook. " + restore_advice(self.data_dir)
            )
        if self.slots.stat().st_size == 0:
            raise KeySlotDamaged(
                f"The key file {self.slots} is damaged (it is empty), so nobody can unlock this casebook. "
                + restore_advice(self.data_dir)
            )
        # Beside a key file, a missing or empty casebook is damage: never make a new one in its place.
        if not self.db.exists():
            raise CasebookDamaged(f"The casebook file {self.db} is missing. " + restore_advice(self.data_dir))
        if not is_readable_file(self.db):
            raise CasebookDamaged(damage_message(self.db, "it is not an ordinary file"))
        if file_kind(self.db) == "empty":
            raise CasebookDamaged(damage_message(self.db, "it is empty"))


def create_store(paths: CasebookPaths, data_key: bytes) -> Connection:
    """A new, empty casebook at the latest schema, built by the same migration chain as an upgrade."""
    if paths.exists():
        raise AlreadyExists(f"{paths.data_dir} already holds a casebook; nothing was changed.")
    ensure_private_dir(paths.data_dir)
    conn = open_database(paths.db, data_key, create=True)
    migrations.migrate(conn)
    return conn


def choose_key(paths: CasebookPaths, candidate_keys: list[bytes]) -> bytes:
    """The key that opens the casebook: a slot seals one key, or two in the middle of a rotation."""
    failure: Exception | None = None
    for key in candidate_keys:
        try:
            probe_schema_version(paths.db, key)
            return key
        except CasebookDamaged as exc:
            failure = exc
    raise failure or CasebookDamaged("No key was found for this casebook.")


def open_store(paths: CasebookPaths, data_key: bytes, *, now: datetime | None = None) -> Connection:
    """Open an existing casebook, refusing a newer one untouched and copying an older one before upgrading."""
    version = probe_schema_version(paths.db, data_key)
    migrations.refuse_if_too_new(version)
    if file_kind(paths.db) == "empty":  # every casebook is made with its schema: an empty file is damage
        raise CasebookDamaged(damage_message(paths.db, "it holds no casebook"))
    ensure_private_dir(paths.data_dir)
    conn = open_database(paths.db, data_key)
    try:
        migrations.refuse_if_too_new(migrations.current_version(conn))  # in case the WAL held a newer one
        if 0 < migrations.current_version(conn) < migrations.latest_version():
            stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
            copies = ensure_private_dir(paths.data_dir / PRE_UPGRADE_DIR)
            copy_database(conn, copies / f"casebook-v{version}-{stamp}.db", data_key)
        migrations.migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn

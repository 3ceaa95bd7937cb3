"""Schema changes: numbered SQL files in ``migrations/``, applied in order, keyed on ``user_version``.

A new database walks the same chain as an old one, so there is one source of truth for the schema.
Each file and its version bump run in one transaction: a failure leaves the previous version intact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from setting_app.domain.errors import CasebookTooNew
from setting_app.paths import migrations_dir
from setting_app.storage.database import Connection

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


def available_migrations(directory: Path | None = None) -> list[Migration]:
    directory = directory or migrations_dir()
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise RuntimeError(f"migration file name not understood: {path.name}")
        found.append(Migration(int(match.group(1)), match.group(2), path))
    expected = list(range(1, len(found) + 1))
    if [m.version for m in found] != expected:
        raise RuntimeError(
            f"migrations must be numbered 1..N without gaps, found {[m.version for m in found]}"
        )
    return found


def latest_version(directory: Path | None = None) -> int:
    migrations = available_migrations(directory)
    return migrations[-1].version if migrations else 0


def current_version(conn: Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def refuse_if_too_new(version: int, directory: Path | None = None) -> None:
    known = latest_version(directory)
    if version > known:
        raise CasebookTooNew(
            f"This casebook was saved by a newer version of Family Support Log (data version {version}; "
            f"this program knows up to {known}). Install the newer version to open it; nothing was changed."
        )


def migrate(conn: Connection, directory: Path | None = None) -> tuple[int, int]:
    """Bring the schema up to date. Returns (version before, version after)."""
    start = current_version(conn)
    refuse_if_too_new(start, directory)
    for migration in available_migrations(directory):
        if migration.version <= start:
            continue
        script = (
            f"BEGIN IMMEDIATE;\n{migration.sql()}\n;\nPRAGMA user_version = {migration.version};\nCOMMIT;"
        )
        try:
            conn.executescript(script)
        except Exception:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return start, current_version(conn)

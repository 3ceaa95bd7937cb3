"""Demo casebooks for the benchmark, built once and cached under ``bench/.cache``.

A cached casebook is keyed on its size, the demo seed and the schema version (the number of the last
migration), so a new migration or another seed builds a new one. Runs never touch the cached copy:
each measurement works on a fresh copy (``working_copy``), because saving entries, backups and even
unlocking (an audit row) write to the casebook.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from setting_app.domain.clock import FixedClock
from setting_app.services.demo import build_demo
from setting_app.storage import migrations
from setting_app.storage.casebook_store import DB_NAME, SLOTS_NAME
from setting_app.storage.database import open_database
from setting_app.storage.keyslots import PRODUCTION_KDF, KdfParams

CACHE_DIR = Path(__file__).resolve().parent / ".cache"
#: Synthetic data only; the passphrase protects nothing real.
PASSPHRASE = "bench lantern orchard pebble 42"
USERNAME = "demo"
#: Every figure is "as of" this day, so the same seed always gives the same casebook and months.
TODAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
PLAIN_NAME = "plain.db"


def bench_clock() -> FixedClock:
    return FixedClock(TODAY)


@dataclass(frozen=True)
class Spec:
    families: int
    months: int
    seed: int = 1

    @property
    def key(self) -> str:
        return f"demo-f{self.families}-m{self.months}-s{self.seed}-v{migrations.latest_version()}"


@dataclass(frozen=True)
class Casebook:
    spec: Spec
    data_dir: Path
    entries: int
    families: int
    referrals: int
    build_seconds: float | None  # None: taken from the cache

    @property
    def plain_db(self) -> Path:
        return self.data_dir.parent / PLAIN_NAME


def ensure_casebook(spec: Spec, *, cache_dir: Path = CACHE_DIR, kdf: KdfParams = PRODUCTION_KDF) -> Casebook:
    """The cached casebook for ``spec``, building it (and its plain SQLite copy) if missing."""
    root = cache_dir / spec.key
    data_dir = root / "casebook"
    done = root / "complete"
    built = None
    if not done.exists():
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        result = build_demo(
            data_dir,
            families=spec.families,
            months=spec.months,
            seed=spec.seed,
            username=USERNAME,
            passphrase=PASSPHRASE,
            kdf=kdf,
            clock=bench_clock(),
        )
        built = result.seconds
        make_plain_copy(data_dir, root / PLAIN_NAME)
        done.write_text(f"{result.entries} {result.families} {result.referrals}\n")
    entries, families, referrals = (int(x) for x in done.read_text().split())
    return Casebook(spec, data_dir, entries, families, referrals, built)


def data_key(data_dir: Path) -> bytes:
    """Unwrap the data key with the bench passphrase (for opening connections directly)."""
    from setting_app.storage import keyslots

    slot = keyslots.find_user_slot(keyslots.read_slot_file(data_dir / SLOTS_NAME), USERNAME)
    return keyslots.keys_with_passphrase(slot, PASSPHRASE)[0]


def make_plain_copy(data_dir: Path, target: Path) -> None:
    """An unencrypted copy of the same pages' data via ``sqlcipher_export`` (for the overhead ratio)."""
    target.unlink(missing_ok=True)
    conn = open_database(data_dir / DB_NAME, data_key(data_dir))
    try:
        conn.execute("ATTACH DATABASE ? AS plain KEY ''", (str(target),))
        conn.execute("SELECT sqlcipher_export('plain')")
        conn.execute("DETACH DATABASE plain")
    finally:
        conn.close()
    check = sqlite3.connect(target)  # the plain sqlite3 module must read it
    try:
        check.execute("SELECT count(*) FROM support_entries").fetchone()
    finally:
        check.close()


def working_copy(casebook: Casebook, work_dir: Path) -> Path:
    """A fresh copy of the cached casebook's folder that a measurement may change."""
    target = work_dir / f"casebook-{casebook.spec.key}"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in (DB_NAME, SLOTS_NAME, f"{DB_NAME}-wal"):
        if (casebook.data_dir / name).exists():
            shutil.copyfile(casebook.data_dir / name, target / name)
    target.chmod(0o700)
    return target

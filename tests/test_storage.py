"""The encrypted store: pragmas, permissions, and every way opening can fail."""

from __future__ import annotations

import ast
import os
import sqlite3
from pathlib import Path

import pytest

from setting_app.domain.errors import (
    CasebookDamaged,
    CasebookTooNew,
    NoCasebook,
    NotACasebook,
    PassphraseNotRecognised,
)
from setting_app.services import casebook
from setting_app.storage import database, migrations
from setting_app.storage.casebook_store import PRE_UPGRADE_DIR, CasebookPaths
from setting_app.storage.fsutil import atomic_write
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import PASSPHRASE, posix_only, setting_details


def _unlock(data_dir: Path, clock, passphrase: str = PASSPHRASE):
    return casebook.unlock(data_dir, "manager", passphrase, clock=clock)


def test_connection_has_the_required_pragmas(session) -> None:
    conn = session.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    assert conn.execute("PRAGMA temp_store").fetchone()[0] == 2
    assert conn.execute("PRAGMA cipher_version").fetchone()[0].startswith("4.")
    assert conn.execute("SELECT sqlite_compileoption_used('ENABLE_FTS5')").fetchone()[0] == 1


def test_verify_pragmas_refuses_a_weakened_connection(session) -> None:
    session.conn.execute("PRAGMA secure_delete = OFF")
    with pytest.raises(CasebookDamaged, match="secure_delete"):
        database.verify_pragmas(session.conn)


def test_files_the_app_opens_itself_are_binary_on_windows() -> None:
    """``os.open`` without ``O_BINARY`` gives a text-mode file on Windows: every b"\\n" written becomes
    b"\\r\\n" (and a b"\\x1a" read ends the file), which corrupts a PDF, a DOCX, a key file. Every
    ``os.open`` in the app that can write says ``O_BINARY`` (0 elsewhere)."""
    offenders = []
    package = Path(__file__).resolve().parents[1] / "setting_app"
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "os.open" and len(node.args) >= 2:
                flags = ast.unparse(node.args[1])
                if ("O_WRONLY" in flags or "O_RDWR" in flags) and "O_BINARY" not in flags:
                    offenders.append(f"{path.relative_to(package.parent)}:{node.lineno}: {flags}")
    assert offenders == []


def test_an_atomic_write_keeps_every_byte(tmp_path: Path) -> None:
    data = bytes(range(256)) * 4 + b"line\nline\r\n\x1a after"
    atomic_write(tmp_path / "binary.pdf", data)
    assert (tmp_path / "binary.pdf").read_bytes() == data
    atomic_write(tmp_path / "binary.pdf", data[::-1])  # and when it replaces a file
    assert (tmp_path / "binary.pdf").read_bytes() == data[::-1]


@posix_only(reason="the umask and POSIX permission bits")
def test_files_are_private_whatever_the_umask(tmp_path: Path, clock) -> None:
    old = os.umask(0)
    try:
        data_dir = tmp_path / "open-umask"
        created = casebook.create_casebook(
            data_dir, setting_details(), "manager", "M", PASSPHRASE, kdf=TEST_ONLY_FAST_KDF, clock=clock
        )
        created.session.conn.execute("CREATE TEMP TABLE t(x)")  # force -wal/-shm into being
        files = [p for p in data_dir.iterdir()]
        assert {p.name for p in files} >= {
            "casebook.db",
            "casebook.keys",
            "casebook.db-wal",
            "casebook.db-shm",
        }
        assert data_dir.stat().st_mode & 0o777 == 0o700
        for path in files:
            assert path.stat().st_mode & 0o777 == 0o600, path.name
        created.session.close()
    finally:
        os.umask(old)


def test_wrong_passphrase_touches_nothing(session, data_dir: Path, clock) -> None:
    session.close()
    db = CasebookPaths(data_dir).db
    assert not Path(f"{db}-wal").exists()
    before_bytes, before_mtime = db.read_bytes(), db.stat().st_mtime_ns
    with pytest.raises(PassphraseNotRecognised, match="Passphrase not recognised"):
        _unlock(data_dir, clock, "wrong passphrase entirely")
    assert db.read_bytes() == before_bytes
    assert db.stat().st_mtime_ns == before_mtime
    assert not Path(f"{db}-wal").exists()
    assert not Path(f"{db}-shm").exists()


def _flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_damaged_database_is_told_apart_from_a_wrong_passphrase(session, data_dir: Path, clock) -> None:
    session.close()
    db = CasebookPaths(data_dir).db
    _flip_byte(db, 100)  # inside page 1: nothing can be read
    with pytest.raises(CasebookDamaged, match="damaged") as caught:
        _unlock(data_dir, clock)
    assert "passphrase was accepted" in str(caught.value)


def test_one_byte_change_deep_in_the_file_is_found_by_check(session, data_dir: Path, clock) -> None:
    from setting_app.domain.codes import Domain
    from setting_app.domain.models import NewEntry, NewFamily
    from setting_app.services import families, support_log

    family = families.add_family(session, NewFamily("FAM-1", clock.today()))
    for _ in range(300):
        support_log.log_entry(
            session, NewEntry(family.id, clock.today(), Domain.FAMILY_WELLBEING, 10, note="x" * 200)
        )
    session.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    session.close()
    db = CasebookPaths(data_dir).db
    size = db.stat().st_size
    assert size > 4096 * 10
    _flip_byte(db, size - 4096 * 3 + 500)
    reopened = _unlock(data_dir, clock)
    problems = casebook.check_casebook(reopened)
    reopened.close()
    assert problems


def test_plain_sqlite_file_is_not_a_casebook(data_dir: Path, clock) -> None:
    data_dir.mkdir()
    plain = sqlite3.connect(data_dir / "casebook.db")
    plain.execute("CREATE TABLE t(x)")
    plain.close()
    with pytest.raises(NotACasebook, match="unencrypted"):
        _unlock(data_dir, clock)


def test_empty_folder_and_file_as_folder(tmp_path: Path, clock) -> None:
    with pytest.raises(NoCasebook, match="no casebook"):
        _unlock(tmp_path, clock)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("hello")
    with pytest.raises(NotACasebook, match="is a file"):
        _unlock(a_file, clock)


def test_random_bytes_with_a_valid_slot_are_damage(session, data_dir: Path, clock) -> None:
    session.close()
    db = CasebookPaths(data_dir).db
    db.write_bytes(os.urandom(8192))
    with pytest.raises(CasebookDamaged):
        _unlock(data_dir, clock)


def test_newer_database_is_refused_untouched(session, data_dir: Path, clock) -> None:
    session.conn.execute(f"PRAGMA user_version = {migrations.latest_version() + 5}")
    session.close()
    db = CasebookPaths(data_dir).db
    before_bytes, before_mtime = db.read_bytes(), db.stat().st_mtime_ns
    with pytest.raises(CasebookTooNew, match="newer version"):
        _unlock(data_dir, clock)
    assert db.read_bytes() == before_bytes
    assert db.stat().st_mtime_ns == before_mtime
    assert not Path(f"{db}-wal").exists()


def test_schema_walks_the_chain_and_user_version_is_latest(session) -> None:
    assert migrations.current_version(session.conn) == migrations.latest_version() >= 2
    tables = {r[0] for r in session.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"setting", "staff", "families", "children", "support_entries", "referrals"} <= tables


def _schema(conn) -> list[tuple[str, str]]:
    return sorted(
        (r[0], r[1] or "")
        for r in conn.execute("SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
    )


def test_old_casebook_is_copied_then_upgraded_to_the_same_schema_as_a_new_one(
    session, data_dir: Path, clock, tmp_path: Path
) -> None:
    fresh_schema = _schema(session.conn)
    key = session.data_key()
    session.close()
    # Rebuild this casebook as it would have been at schema version 1.
    db = CasebookPaths(data_dir).db
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    only_first = tmp_path / "v1-migrations"
    only_first.mkdir()
    (only_first / "0001_initial.sql").write_text((migrations.available_migrations()[0].path).read_text())
    conn = database.open_database(db, key, create=True)
    migrations.migrate(conn, only_first)
    from setting_app.domain.codes import Role
    from setting_app.storage import setting_repo, staff_repo

    setting_repo.save_setting(conn, setting_details(), clock.now())
    staff_repo.add_staff(conn, "manager", "M", Role.MANAGER, clock.now())
    assert migrations.current_version(conn) == 1
    conn.close()

    upgraded = _unlock(data_dir, clock)
    assert migrations.current_version(upgraded.conn) == migrations.latest_version()
    assert _schema(upgraded.conn) == fresh_schema
    upgraded.close()
    copies = list((data_dir / PRE_UPGRADE_DIR).iterdir())
    assert len(copies) == 1 and copies[0].name.startswith("casebook-v1-")
    copy = database.open_database(copies[0], key)
    assert migrations.current_version(copy) == 1
    copy.close()


def test_failed_migration_leaves_the_previous_version(tmp_path: Path, session) -> None:
    directory = tmp_path / "migs"
    directory.mkdir()
    (directory / "0001_a.sql").write_text("CREATE TABLE a (x);")
    (directory / "0002_b.sql").write_text("CREATE TABLE b (x);\nINSERT INTO nowhere VALUES (1);")
    conn = database.open_database(tmp_path / "m.db", session.data_key(), create=True)
    with pytest.raises(database.OperationalError):
        migrations.migrate(conn, directory)
    assert migrations.current_version(conn) == 1
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'b'").fetchone()[0] == 0
    assert not conn.in_transaction
    conn.close()


def test_migration_files_are_numbered_without_gaps() -> None:
    found = migrations.available_migrations()
    assert [m.version for m in found] == list(range(1, len(found) + 1))

"""Damage is named, always: in the casebook, its key file and backups, with what to do about it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import CliRunner, assert_mode, posix_only

GENERIC = "something went wrong"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def casebook(cli: CliRunner) -> CliRunner:
    assert cli.init().code == 0
    assert cli("family", "add", "--carer", "Amy Example", "--child", "Bo:2023-01-01").code == 0
    return cli


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x5A
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("where", ["second_page", "third_page", "middle", "last_page"])
def test_a_flipped_byte_is_named_by_every_command_and_check_lists_it(casebook: CliRunner, where: str) -> None:
    db = casebook.data_dir / "casebook.db"
    size = db.stat().st_size
    offset = {
        "second_page": 4096 + 40,
        "third_page": 8192 + 100,
        "middle": size // 2,
        "last_page": size - 100,
    }[where]
    _flip(db, offset)
    before = _sha(db)
    result = casebook("check")
    assert result.code == 1
    assert GENERIC not in result.err
    assert "damaged" in result.err and "restore" in result.err
    assert "Checked: the key file" in result.out
    assert "  damaged: " in result.out
    assert _sha(db) == before
    codes = []
    for command in (["family", "list"], ["log", "search", "anything"], ["family", "show", "FAM-0001"]):
        other = casebook(*command)
        codes.append(other.code)
        assert GENERIC not in other.err, command
        if other.code:
            assert "damaged" in other.err and "restore" in other.err, (command, other.err)
    if all(codes):  # nothing could be done (or audited): nothing was written either
        assert _sha(db) == before


def test_damage_names_the_newest_backup(casebook: CliRunner, tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    assert casebook("backup", "--out", str(backups / "older.fslbackup")).code == 0
    assert casebook("backup", "--out", str(backups / "newer.fslbackup")).code == 0
    log = json.loads((casebook.data_dir / "casebook.backups").read_text())
    assert [Path(b["path"]).name for b in log["backups"]] == ["older.fslbackup", "newer.fslbackup"]
    assert_mode(casebook.data_dir / "casebook.backups", 0o600)
    _flip(casebook.data_dir / "casebook.db", 4096 + 40)
    result = casebook("family", "list")
    assert result.code == 1
    assert "newer.fslbackup" in result.err  # the last one written (same clock minute: the later entry)
    assert "restore --from" in result.err
    restored = casebook("restore", "--from", str(backups / "newer.fslbackup"))
    assert restored.code == 0, restored.err
    assert casebook("check").code == 0


def test_an_empty_casebook_beside_its_key_file_is_damage_not_a_new_casebook(casebook: CliRunner) -> None:
    db = casebook.data_dir / "casebook.db"
    db.write_bytes(b"")
    for command in (["family", "list"], ["check"]):
        result = casebook(*command)
        assert result.code == 1
        assert "is empty" in (result.err + result.out) and "restore" in result.err.lower()
        assert db.stat().st_size == 0
    again = casebook.init()
    assert again.code == 1 and "already holds a casebook" in again.err
    assert db.stat().st_size == 0


def test_a_missing_casebook_beside_its_key_file_is_damage(casebook: CliRunner) -> None:
    (casebook.data_dir / "casebook.db").unlink()
    result = casebook("family", "list")
    assert result.code == 1 and "is missing" in result.err and "restore" in result.err.lower()
    assert not (casebook.data_dir / "casebook.db").exists()
    checked = casebook("check")
    assert checked.code == 1 and "is missing" in checked.out


def test_a_folder_in_place_of_the_key_file_is_damage(casebook: CliRunner) -> None:
    keys = casebook.data_dir / "casebook.keys"
    keys.unlink()
    keys.mkdir()
    for command in (["family", "list"], ["check"]):
        result = casebook(*command)
        assert result.code == 1 and GENERIC not in result.err
        assert "key file" in (result.out + result.err) and "not an ordinary file" in (result.out + result.err)


def test_a_damaged_slot_line_is_listed_by_check(casebook: CliRunner) -> None:
    keys = casebook.data_dir / "casebook.keys"
    lines = keys.read_text().splitlines()
    lines.append('{"format": "setting-app/keyslot", "broken": [')
    keys.write_text("\n".join(lines) + "\n")
    result = casebook("check")
    assert result.code == 1
    assert "1 damaged entry" in result.out


def test_a_slot_asking_for_absurd_memory_is_damage_not_an_allocation(casebook: CliRunner) -> None:
    from setting_app.storage import keyslots

    keys = casebook.data_dir / "casebook.keys"
    lines = keys.read_text().splitlines()
    body = json.loads(lines[1])
    body.pop("check")
    body["kdf"]["memory_kib"] = 1 << 40
    body["check"] = keyslots._checksum(json.loads(json.dumps(body | {}, sort_keys=True)) | {})
    lines[1] = json.dumps(body, sort_keys=True)
    keys.write_text("\n".join(lines) + "\n")
    assert keyslots.read_slot_file(keys).damaged_lines == 1


def test_check_says_it_checked_the_audit_chain(casebook: CliRunner) -> None:
    result = casebook("check")
    assert result.code == 0, result.err
    assert "audit chain" in result.out
    assert "rows)" in result.out


def _backup_with_manifest(casebook: CliRunner, tmp_path: Path, change) -> Path:
    good = tmp_path / "good.fslbackup"
    assert casebook("backup", "--out", str(good)).code == 0
    bad = tmp_path / "bad.fslbackup"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "manifest.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
            target.writestr(name, data)
    return bad


@pytest.mark.parametrize(
    "change",
    [
        lambda m: m.pop("created_at"),
        lambda m: m.update(created_at="yesterday"),
        lambda m: m.update(created_at=12),
        lambda m: m.update(files=["casebook.db"]),
        lambda m: m.update(files={}),
        lambda m: m.update(files=None),
    ],
    ids=["no_created_at", "bad_created_at", "number_created_at", "files_list", "files_empty", "files_null"],
)
def test_a_backup_with_a_broken_manifest_is_named_damaged(
    casebook: CliRunner, tmp_path: Path, change
) -> None:
    bad = _backup_with_manifest(casebook, tmp_path, change)
    db = casebook.data_dir / "casebook.db"
    before = _sha(db)
    for args in (["restore", "--from", str(bad)], ["restore", "--check-only", "--from", str(bad)]):
        result = casebook(*args)
        assert result.code == 1
        assert GENERIC not in result.err
        assert "bad.fslbackup is damaged" in result.err
    assert _sha(db) == before
    assert not (casebook.data_dir / "replaced-by-restore").exists()


def test_restore_from_an_empty_name_is_a_usage_error(casebook: CliRunner) -> None:
    result = casebook("restore", "--from", "")
    assert result.code == 2
    assert "empty" in result.err


def test_backup_into_a_missing_folder_writes_nothing(casebook: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    result = casebook("backup", "--out", str(out / "backups"))
    assert result.code == 1 and "There is no folder" in result.err
    assert list(out.iterdir()) == []


@posix_only(reason="read-only folders by POSIX modes")
@pytest.mark.skipif(
    sys.platform != "win32" and os.geteuid() == 0 and shutil.which("setpriv") is None,
    reason="root ignores modes",
)
def test_backup_into_a_read_only_folder_is_a_plain_message(casebook: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "read-only"
    out.mkdir()
    out.chmod(0o500)
    try:
        if os.access(out, os.W_OK):
            pytest.skip("running as a user the folder's mode does not bind")
        result = casebook("backup", "--out", str(out))
        assert result.code == 1
        assert GENERIC not in result.err and "could not be written" in result.err
    finally:
        out.chmod(0o700)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs a folder nobody can write in")
def test_backup_into_a_folder_that_refuses_writes_is_a_plain_message(casebook: CliRunner) -> None:
    result = casebook("backup", "--out", "/proc")
    assert result.code == 1
    assert GENERIC not in result.err and "could not be written" in result.err


def test_a_zip_bomb_in_place_of_a_backup_is_refused_before_extracting(
    casebook: CliRunner, tmp_path: Path
) -> None:
    bomb = tmp_path / "bomb.fslbackup"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", "{}")
        archive.writestr("casebook.keys", "")
        archive.writestr("casebook.db", b"\x00" * (64 * 1024 * 1024))
    assert bomb.stat().st_size < 1024 * 1024
    result = casebook("restore", "--check-only", "--from", str(bomb))
    assert result.code == 1 and "bomb.fslbackup is damaged" in result.err


@pytest.mark.parametrize("where", ["second_page", "middle", "last_page"])
def test_a_damaged_casebook_is_not_backed_up_over_the_good_backups(
    casebook: CliRunner, tmp_path: Path, where: str
) -> None:
    """A backup of damaged pages cannot be restored: none is written, and the log of backups keeps
    naming the last good one (it was recorded as the newest, and damage advice then pointed at it)."""
    backups = tmp_path / "backups"
    backups.mkdir()
    good = backups / "good.fslbackup"
    assert casebook("backup", "--out", str(good)).code == 0
    log_before = (casebook.data_dir / "casebook.backups").read_bytes()
    db = casebook.data_dir / "casebook.db"
    size = db.stat().st_size
    _flip(db, {"second_page": 4096 + 40, "middle": size // 2, "last_page": size - 100}[where])
    result = casebook("backup", "--out", str(backups))
    assert result.code == 1
    assert GENERIC not in result.err
    assert "damaged" in result.err and "good.fslbackup" in result.err, result.err
    assert sorted(p.name for p in backups.iterdir()) == ["good.fslbackup"]
    assert (casebook.data_dir / "casebook.backups").read_bytes() == log_before
    same_name = casebook("backup", "--out", str(good))  # a scheduled backup to one fixed name
    assert same_name.code == 1 and GENERIC not in same_name.err
    assert casebook("restore", "--check-only", "--from", str(good)).code == 0  # still the good one


def test_a_write_after_damaged_pages_were_met_names_the_damage(casebook: CliRunner) -> None:
    """SQLCipher makes a connection read-only once a page fails its HMAC: the next write's 'attempt to
    write a readonly database' is that damage (the file itself is writable), not a bug."""
    from setting_app.domain.errors import CasebookDamaged
    from setting_app.services import casebook as casebook_service
    from setting_app.storage.database import integrity_problems
    from setting_app.storage.unit_of_work import unit_of_work
    from tests.conftest import PASSPHRASE

    db = casebook.data_dir / "casebook.db"
    _flip(db, db.stat().st_size // 2)
    session = casebook_service.unlock(casebook.data_dir, "manager", PASSPHRASE, clock=casebook.clock)
    try:
        assert integrity_problems(session.conn)  # meets the damaged page
        with pytest.raises(CasebookDamaged, match="damaged") as caught, unit_of_work(session.conn):
            session.conn.execute("SELECT 1")
        assert "restore" in str(caught.value)
    finally:
        session.close()

"""Backups: consistent snapshots while writing, encrypted, checked fully before a restore replaces anything."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest

from setting_app.domain.codes import Domain
from setting_app.domain.errors import PassphraseNotRecognised, PermissionDenied
from setting_app.domain.models import NewEntry, NewFamily
from setting_app.services import backup, casebook, families, staff, support_log
from setting_app.storage.instance_lock import AlreadyOpen, InstanceLock
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import PASSPHRASE, assert_mode

CANARY = "BackupCanaryKinkajou"


def _family_with_entries(session, count: int = 20) -> int:
    family = families.add_family(session, NewFamily("FAM-1", date(2026, 1, 5), notes=CANARY))
    for i in range(count):
        support_log.log_entry(
            session, NewEntry(family.id, date(2026, 11, 2), Domain.CHILD_DEVELOPMENT, 10, note=f"{CANARY}{i}")
        )
    return family.id


def test_backup_is_encrypted_and_holds_the_slot_file(session, tmp_path: Path) -> None:
    _family_with_entries(session)
    info = backup.make_backup(session, tmp_path / "b.fslbackup")
    data = info.path.read_bytes()
    assert CANARY.encode() not in data
    assert_mode(info.path, 0o600)
    with zipfile.ZipFile(info.path) as archive:
        assert set(archive.namelist()) == {"manifest.json", "casebook.db", "casebook.keys"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".backup-")]
    assert backup.check_backup(info.path, "manager", PASSPHRASE).setting_name == session.setting.name


def test_backup_reminder_after_seven_days(session, tmp_path: Path, clock) -> None:
    assert "No backup" in backup.backup_reminder(session)
    backup.make_backup(session, tmp_path)
    assert backup.backup_reminder(session) is None
    clock.advance(days=8)
    assert "8 days old" in backup.backup_reminder(session)


def test_practitioners_cannot_make_backups(session, data_dir: Path, clock, tmp_path: Path) -> None:
    staff.add_user(session, "pat", "practitioner", "practitioner pass", kdf=TEST_ONLY_FAST_KDF)
    pat = casebook.unlock(data_dir, "pat", "practitioner pass", clock=clock)
    with pytest.raises(PermissionDenied):
        backup.make_backup(pat, tmp_path / "b")
    pat.close()


WRITER = r"""
import sys
from datetime import date
from pathlib import Path
from setting_app.domain.codes import Domain
from setting_app.domain.models import NewEntry
from setting_app.services import casebook, support_log
session = casebook.unlock(Path(sys.argv[1]), "manager", sys.argv[2])
print("go", flush=True)
for i in range(400):
    support_log.log_entry(session, NewEntry(int(sys.argv[3]), date(2026, 11, 3), Domain.FAMILY_WELLBEING, 5, note="live"))
session.close()
"""


def test_snapshot_while_another_process_writes_is_consistent(
    session, data_dir: Path, clock, tmp_path: Path
) -> None:
    family_id = _family_with_entries(session, 5)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(data_dir), PASSPHRASE, str(family_id)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout.readline().strip() == "go"
    info = backup.make_backup(session, tmp_path / "live.fslbackup")
    writer.wait(timeout=120)
    assert writer.returncode == 0
    restore_dir = tmp_path / "restored"
    backup.restore_backup(restore_dir, info.path, "manager", PASSPHRASE, clock=clock)
    restored = casebook.unlock(restore_dir, "manager", PASSPHRASE, clock=clock)
    count = support_log.count_entries(restored)
    assert casebook.check_casebook(restored) == []
    restored.close()
    assert 5 <= count <= 405


def test_restore_keeps_the_replaced_casebook_and_round_trips(
    session, data_dir: Path, clock, tmp_path: Path
) -> None:
    _family_with_entries(session, 3)
    info = backup.make_backup(session, tmp_path / "b.fslbackup")
    support_log.log_entry(
        session, NewEntry(1, date(2026, 11, 20), Domain.FAMILY_WELLBEING, 15, note="after backup")
    )
    session.close()
    restored_info, kept = backup.restore_backup(data_dir, info.path, "manager", PASSPHRASE, clock=clock)
    assert kept is not None and (kept / "casebook.db").exists() and (kept / "casebook.keys").exists()
    assert restored_info.created_by == "manager"
    reopened = casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock)
    assert support_log.count_entries(reopened) == 3
    reopened.close()


@pytest.mark.parametrize("damage", ["flip_db_byte", "truncate", "not_zip", "wrong_passphrase"])
def test_bad_backup_is_refused_and_nothing_replaced(
    session, data_dir: Path, clock, tmp_path: Path, damage
) -> None:
    _family_with_entries(session, 3)
    good = backup.make_backup(session, tmp_path / "b.fslbackup").path
    session.close()
    before = (data_dir / "casebook.db").read_bytes()
    passphrase = PASSPHRASE
    if damage == "flip_db_byte":
        with zipfile.ZipFile(good) as archive:
            parts = {n: archive.read(n) for n in archive.namelist()}
        db = bytearray(parts["casebook.db"])
        db[len(db) // 2] ^= 0x10
        parts["casebook.db"] = bytes(db)
        with zipfile.ZipFile(good, "w") as archive:
            for name, blob in parts.items():
                archive.writestr(name, blob)
        expected = "checksum"
    elif damage == "truncate":
        good.write_bytes(good.read_bytes()[:5000])
        expected = "damaged"
    elif damage == "not_zip":
        good.write_text("hello")
        expected = "not a Family Support Log backup"
    else:
        passphrase = "not the passphrase"
        expected = "Passphrase not recognised"
    with pytest.raises((backup.BackupProblem, PassphraseNotRecognised), match=expected):
        backup.restore_backup(data_dir, good, "manager", passphrase, clock=clock)
    assert (data_dir / "casebook.db").read_bytes() == before
    assert not (data_dir / backup.REPLACED_DIR).exists()
    assert not [p for p in data_dir.iterdir() if p.name.startswith(".restore-")]


def test_restore_refused_while_the_app_is_open(session, data_dir: Path, clock, tmp_path: Path) -> None:
    info = backup.make_backup(session, tmp_path / "b.fslbackup")
    with InstanceLock(data_dir), pytest.raises(AlreadyOpen):
        backup.restore_backup(data_dir, info.path, "manager", PASSPHRASE, clock=clock)


def test_backup_and_restore_commands(cli, tmp_path: Path) -> None:
    assert cli.init().code == 0
    cli("family", "add", "--carer", "Jo", "--opened", "2026-01-05")
    made = cli("backup", "--out", str(tmp_path / "x.fslbackup"))
    assert made.code == 0, made.err
    checked = cli("restore", "--from", str(tmp_path / "x.fslbackup"), "--check-only")
    assert checked.code == 0 and "intact" in checked.out
    restored = cli("restore", "--from", str(tmp_path / "x.fslbackup"))
    assert restored.code == 0 and "kept in" in restored.out
    missing = cli("restore", "--from", str(tmp_path / "nope.fslbackup"))
    assert missing.code == 1 and "no file" in missing.err
    assert cli("family", "list").out.count("FAM-0001") == 1

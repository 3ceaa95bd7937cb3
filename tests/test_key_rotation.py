"""A leaver's removal rotates the data key; a SIGKILL at any point leaves everyone else able to unlock."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from setting_app.domain.codes import Domain
from setting_app.domain.errors import PermissionDenied, UnknownUser
from setting_app.domain.models import NewEntry, NewFamily
from setting_app.services import casebook, families, key_rotation, staff, support_log
from setting_app.storage import entry_repo, keyslots
from setting_app.storage.casebook_store import CasebookPaths
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from setting_app.storage.unit_of_work import unit_of_work
from tests.conftest import PASSPHRASE


def _add(session, username: str, role: str = "practitioner") -> None:
    staff.add_user(session, username, role, f"{username}'s own passphrase", kdf=TEST_ONLY_FAST_KDF)


def _bulk_entries(session, count: int) -> int:
    family = families.add_family(session, NewFamily("FAM-1", date(2026, 1, 5)))
    entries = [NewEntry(family.id, date(2026, 11, 2), Domain.FAMILY_WELLBEING, 5, note="n" * 80)] * count
    with unit_of_work(session.conn):
        entry_repo.add_entries(session.conn, entries, session.clock.now())
    return family.id


def test_removal_locks_out_the_leaver_and_the_old_key(session, data_dir: Path, clock) -> None:
    _add(session, "leaver")
    _add(session, "stayer")
    _bulk_entries(session, 50)
    old_key = session.data_key()
    result = key_rotation.remove_staff_member(session, "leaver")
    assert result.old_key_id != result.new_key_id
    assert support_log.count_entries(result.session) == 50
    result.session.close()

    with pytest.raises(UnknownUser):
        casebook.unlock(data_dir, "leaver", "leaver's own passphrase", clock=clock)
    from setting_app.domain.errors import CasebookDamaged
    from setting_app.storage.casebook_store import choose_key

    with pytest.raises(CasebookDamaged):  # a copy of the old data key no longer opens the casebook
        choose_key(CasebookPaths(data_dir), [old_key])
    casebook.unlock(data_dir, "stayer", "stayer's own passphrase", clock=clock).close()
    manager = casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock)
    assert [u.username for u in staff.list_users(manager) if not u.active] == ["leaver"]
    assert casebook.check_casebook(manager) == []
    manager.close()
    slots = keyslots.read_slot_file(CasebookPaths(data_dir).slots)
    assert all(len(s.sealed) == 1 for s in slots.slots)
    assert not CasebookPaths(data_dir).next_db.exists()


def test_only_managers_remove_and_not_themselves(session, data_dir: Path, clock) -> None:
    _add(session, "pat")
    with pytest.raises(Exception, match="your own account"):
        key_rotation.remove_staff_member(session, "manager")
    pat = casebook.unlock(data_dir, "pat", "pat's own passphrase", clock=clock)
    with pytest.raises(PermissionDenied):
        key_rotation.remove_staff_member(pat, "manager")
    pat.close()


def test_recovery_code_still_works_after_rotation(data_dir: Path, clock) -> None:
    from tests.conftest import setting_details

    created = casebook.create_casebook(
        data_dir, setting_details(), "manager", "M", PASSPHRASE, kdf=TEST_ONLY_FAST_KDF, clock=clock
    )
    _add(created.session, "leaver")
    key_rotation.remove_staff_member(created.session, "leaver").session.close()
    casebook.recover_access(
        data_dir, created.recovery_code, "manager", "after rotation", kdf=TEST_ONLY_FAST_KDF, clock=clock
    ).close()


def test_users_remove_command(cli, clock, data_dir: Path) -> None:
    assert cli.init().code == 0
    assert (
        cli("users", "add", "pat", "--role", "practitioner", new_passphrase="pat's own passphrase").code == 0
    )
    result = cli("users", "remove", "pat")
    assert result.code == 0, result.err
    assert "can no longer open" in result.out
    assert cli("family", "list", user="pat", passphrase="pat's own passphrase").code == 1
    assert cli("users", "remove", "ghost").code == 1


ROTATOR = r"""
import sys
from pathlib import Path
from setting_app.services import casebook, key_rotation, staff
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
data_dir, leaver, passphrase, mode = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
session = casebook.unlock(data_dir, "manager", passphrase)
print("ready", flush=True)
if mode == "rotate":
    key_rotation.remove_staff_member(session, leaver).session.close()
else:
    staff.change_passphrase(session, passphrase, passphrase, kdf=TEST_ONLY_FAST_KDF)
    session.close()
print("done", flush=True)
"""

KILLS = 25


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_during_rotation_or_passphrase_change_never_locks_anyone_out(
    session, data_dir: Path, clock
) -> None:
    for i in range(KILLS):
        _add(session, f"leaver{i}")
    _add(session, "stayer")
    _bulk_entries(session, 20000)
    session.close()
    rng = random.Random(7)
    completed = 0
    for i in range(KILLS):
        mode = "passwd" if i % 5 == 4 else "rotate"
        proc = subprocess.Popen(
            [sys.executable, "-c", ROTATOR, str(data_dir), f"leaver{i}", PASSPHRASE, mode],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
        completed += "done" in out
        for username, passphrase in (("stayer", "stayer's own passphrase"), ("manager", PASSPHRASE)):
            reopened = casebook.unlock(data_dir, username, passphrase, clock=clock)
            assert support_log.count_entries(reopened) == 20000
            reopened.close()
    final = casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock)
    assert casebook.check_casebook(final) == []
    final.close()
    assert completed < KILLS  # most runs really were cut short

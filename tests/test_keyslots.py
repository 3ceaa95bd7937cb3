"""Key slots: production costs by default, one slot per person, damage told apart from a wrong passphrase."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest

from setting_app import cli
from setting_app.domain.errors import (
    KeySlotDamaged,
    PassphraseNotRecognised,
    RecoveryCodeNotRecognised,
    UnknownUser,
)
from setting_app.services import casebook, staff
from setting_app.storage import keyslots
from setting_app.storage.casebook_store import CasebookPaths
from setting_app.storage.keyslots import PRODUCTION_KDF, TEST_ONLY_FAST_KDF, KdfParams
from tests.conftest import PASSPHRASE, assert_mode

NEW_PASSPHRASE = "a brand new passphrase"


def test_production_kdf_is_argon2id_64_mib_three_passes() -> None:
    assert KdfParams(memory_kib=65536, iterations=3, lanes=4) == PRODUCTION_KDF
    assert TEST_ONLY_FAST_KDF != PRODUCTION_KDF


@pytest.mark.parametrize(
    "function",
    [casebook.create_casebook, casebook.recover_access, staff.add_user, staff.change_passphrase, cli.main],
)
def test_every_entry_point_defaults_to_production_kdf(function) -> None:
    assert inspect.signature(function).parameters["kdf"].default is PRODUCTION_KDF


def test_cli_context_defaults_to_production_kdf(tmp_path: Path) -> None:
    assert cli.CliContext(data_dir=tmp_path, user=None).kdf is PRODUCTION_KDF


def test_a_real_slot_uses_production_cost(tmp_path: Path) -> None:
    key = keyslots.new_data_key()
    slot = keyslots.make_user_slot("amy", "manager", "long enough passphrase", key, PRODUCTION_KDF)
    keyslots.write_slot_file(tmp_path / "k", keyslots.SlotFile((slot,)))
    line = json.loads((tmp_path / "k").read_text().splitlines()[1])
    assert line["kdf"] == {"name": "argon2id", "memory_kib": 65536, "iterations": 3, "lanes": 4}
    assert (
        keyslots.unwrap_with_passphrase(
            keyslots.read_slot_file(tmp_path / "k").slots[0], "long enough passphrase"
        )
        == key
    )


def test_recovery_code_has_at_least_128_bits() -> None:
    code = keyslots.new_recovery_code()
    chars = keyslots.normalise_recovery_code(code)
    assert len(chars) * 5 >= 128
    assert code != keyslots.new_recovery_code()


def test_slot_identity_is_bound_as_associated_data(tmp_path: Path) -> None:
    """Relabelling a practitioner's slot as a manager's cannot work, even with a fixed-up checksum."""
    key = keyslots.new_data_key()
    slot = keyslots.make_user_slot("pat", "practitioner", PASSPHRASE, key, TEST_ONLY_FAST_KDF)
    forged = keyslots.KeySlot(**{**slot.__dict__, "role": "manager"})
    with pytest.raises(PassphraseNotRecognised):
        keyslots.unwrap_with_passphrase(forged, PASSPHRASE)


def test_unicode_passphrase_forms_are_equal(tmp_path: Path) -> None:
    key = keyslots.new_data_key()
    composed = "caf\u00e9 au lait please"
    decomposed = "cafe\u0301 au lait please"
    slot = keyslots.make_user_slot("amy", "manager", composed, key, TEST_ONLY_FAST_KDF)
    assert keyslots.unwrap_with_passphrase(slot, decomposed) == key


def _add_practitioner(session) -> None:
    staff.add_user(session, "pat", "practitioner", "practitioner passphrase", kdf=TEST_ONLY_FAST_KDF)


def test_damaged_slot_line_leaves_other_slots_and_recovery_working(session, data_dir: Path, clock) -> None:
    _add_practitioner(session)
    session.close()
    slots_path = CasebookPaths(data_dir).slots
    lines = slots_path.read_text().splitlines()
    manager_line = next(i for i, line in enumerate(lines) if '"username": "manager"' in line)
    damaged = list(lines[manager_line])
    middle = len(damaged) // 2
    damaged[middle] = "A" if damaged[middle] != "A" else "B"
    lines[manager_line] = "".join(damaged)
    slots_path.write_text("\n".join(lines) + "\n")

    with pytest.raises(KeySlotDamaged, match="damaged"):
        casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock)
    casebook.unlock(data_dir, "pat", "practitioner passphrase", clock=clock).close()


def test_recovery_code_restores_a_user_with_a_damaged_slot(data_dir: Path, clock) -> None:
    created = casebook.create_casebook(
        data_dir, _details(), "manager", "M", PASSPHRASE, kdf=TEST_ONLY_FAST_KDF, clock=clock
    )
    created.session.close()
    slots_path = CasebookPaths(data_dir).slots
    lines = slots_path.read_text().splitlines()
    lines = [
        line
        if '"username": "manager"' not in line
        else line.replace('"wrapped_private_key": "', '"wrapped_private_key": "x')
        for line in lines
    ]
    slots_path.write_text("\n".join(lines) + "\n")
    with pytest.raises(KeySlotDamaged):
        casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock)

    with pytest.raises(RecoveryCodeNotRecognised):
        casebook.recover_access(
            data_dir, "AAAA-BBBB", "manager", NEW_PASSPHRASE, kdf=TEST_ONLY_FAST_KDF, clock=clock
        )
    session = casebook.recover_access(
        data_dir,
        created.recovery_code.lower(),
        "manager",
        NEW_PASSPHRASE,
        kdf=TEST_ONLY_FAST_KDF,
        clock=clock,
    )
    session.close()
    casebook.unlock(data_dir, "manager", NEW_PASSPHRASE, clock=clock).close()


def test_wholly_unreadable_slot_file_is_damage_not_unknown_user(session, data_dir: Path, clock) -> None:
    session.close()
    CasebookPaths(data_dir).slots.write_bytes(b"\x00\xff garbage \n{not json\n")
    with pytest.raises(KeySlotDamaged):
        casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock)


def test_unknown_user_is_named(session, data_dir: Path, clock) -> None:
    session.close()
    with pytest.raises(UnknownUser, match="'nobody'") as caught:
        casebook.unlock(data_dir, "nobody", PASSPHRASE, clock=clock)
    # Before unlocking, a misspelt name and an account with no passphrase look the same: say both.
    assert (
        "check the username" in caught.value.message
        and "give this account a passphrase" in caught.value.message
    )


def test_passphrase_change_rewrites_only_that_slot(session, data_dir: Path, clock) -> None:
    _add_practitioner(session)
    slots_path = CasebookPaths(data_dir).slots
    before = slots_path.read_text().splitlines()
    staff.change_passphrase(session, PASSPHRASE, NEW_PASSPHRASE, kdf=TEST_ONLY_FAST_KDF)
    after = slots_path.read_text().splitlines()
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert len(changed) == 1 and '"username": "manager"' in after[changed[0]]
    session.close()
    with pytest.raises(PassphraseNotRecognised):
        casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock)
    casebook.unlock(data_dir, "manager", NEW_PASSPHRASE, clock=clock).close()
    casebook.unlock(data_dir, "pat", "practitioner passphrase", clock=clock).close()


def test_passphrase_change_needs_the_current_passphrase(session) -> None:
    with pytest.raises(PassphraseNotRecognised):
        staff.change_passphrase(session, "not my passphrase", NEW_PASSPHRASE, kdf=TEST_ONLY_FAST_KDF)


def test_slot_file_is_private_and_replaced_atomically(session, data_dir: Path) -> None:
    slots_path = CasebookPaths(data_dir).slots
    assert_mode(slots_path, 0o600)
    _add_practitioner(session)
    assert_mode(slots_path, 0o600)
    assert not [p for p in data_dir.iterdir() if ".tmp-" in p.name]


def _details():
    from tests.conftest import setting_details

    return setting_details()

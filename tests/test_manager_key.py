# ruff: noqa: F811  (pytest fixtures imported from test_restricted are named as parameters)
"""Roles that hold outside the app (issue 15): a manager key that practitioners never hold.

Each test plays the insider: a practitioner's own passphrase opens their slot, the data key opens the
database, and plain SQL does the rest. What that reveals, and what a role raised by SQL gains, is
asserted here; docs/security.md names each test.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from setting_app.domain.codes import Domain, Role
from setting_app.domain.errors import AppError, KeySlotDamaged, PermissionDenied
from setting_app.domain.models import NewEntry, NewFamily
from setting_app.services import (
    audit,
    backup,
    casebook,
    export_keys,
    families,
    key_rotation,
    support_log,
    transfer_keys,
)
from setting_app.services.session import Session
from setting_app.storage import audit_repo, database, keyslots, manager_vault, migrations, restricted_content
from setting_app.storage.casebook_store import CasebookPaths
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import PASSPHRASE, setting_details
from tests.test_restricted import PAT, book, pat  # noqa: F401  (fixtures)

#: Words only the restricted records hold (the notes index stores them lower-cased).
CANARIES = (b"kestrelmoor", b"Kestrelmoor")


def practitioner_sql(data_dir: Path, username: str, passphrase: str) -> database.Connection:
    """The insider's tools: their own slot, the data key it opens, and a plain SQL connection."""
    paths = CasebookPaths(data_dir)
    slot = keyslots.find_user_slot(keyslots.read_slot_file(paths.slots), username)
    opened = keyslots.open_with_passphrase(slot, passphrase)
    assert opened.manager_keys == []  # a practitioner's slot never holds the manager key
    return database.open_database(paths.db, opened.data_keys[0])


def every_value(conn: database.Connection) -> bytes:
    """Every value of every table (FTS shadow tables included), as bytes.

    Not the service directory: it lists outside services by name, linked to no family (which service a
    restricted referral went to is sealed with the referral).
    """
    out = bytearray()
    tables = [
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if r[0] != "services"
    ]
    for table in tables:
        try:
            rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()
        except database.DatabaseError:
            continue
        for row in rows:
            for value in tuple(row):
                if isinstance(value, bytes | bytearray | memoryview):
                    out += bytes(value)
                elif value is not None:
                    out += str(value).encode()
                out += b"\x00"
    return bytes(out)


def test_practitioner_with_own_key_and_sql_reads_no_restricted_content(session, pat, book, data_dir) -> None:
    pat.close()
    session.close()
    conn = practitioner_sql(data_dir, "pat", PAT)
    try:
        dump = every_value(conn)
        for canary in CANARIES:
            assert canary not in dump, canary
        # What is plain: the record exists, its family, date, domain and minutes; never its note.
        row = conn.execute(
            "SELECT family_id, entry_date, domain, minutes, note, activity_code, child_id, sealed "
            "FROM support_entries WHERE id = ?",
            (book["secret_entry"].id,),
        ).fetchone()
        assert row["family_id"] == book["family"] and row["entry_date"] == "2026-11-02"
        assert row["note"] == "" and row["activity_code"] is None and row["sealed"] is not None
        referral = conn.execute(
            "SELECT service_name, service_category, consent_given_by FROM referrals WHERE id = ?",
            (book["secret_referral"].id,),
        ).fetchone()
        assert tuple(referral) == ("Restricted referral", "other", "")
        # The setting's private keys are not readable with the data key either.
        settings = dict(conn.execute("SELECT key, value FROM app_settings").fetchall())
        assert "export_signing_key" not in settings and "transfer_key" not in settings
        assert "audit_signing_key" not in settings
    finally:
        conn.close()


def test_a_manager_reads_it_back_through_the_app(session, pat, book) -> None:
    chronology = support_log.family_chronology(session, book["family"])
    notes = {e.id: e.note for e in chronology}
    assert notes[book["secret_entry"].id] == "Disclosure Kestrelmoor discussed with DSL."
    assert "Kestrelmoor" not in json.dumps(
        [e.note for e in support_log.family_chronology(pat, book["family"])]
    )


def test_a_role_raised_by_sql_gains_no_manager_power(session, pat, book, data_dir, tmp_path) -> None:
    made = backup.make_backup(session, tmp_path / "before.fslbackup")
    pat.close()
    session.close()
    conn = practitioner_sql(data_dir, "pat", PAT)
    conn.execute("UPDATE staff SET role = 'manager' WHERE username = 'pat'")
    conn.commit()
    conn.close()

    raised = casebook.unlock(data_dir, "pat", PAT)
    try:
        assert not raised.user.is_manager and not raised.has_manager_key
        notes = [e.note for e in support_log.family_chronology(raised, book["family"])]
        assert not any("Kestrelmoor" in n for n in notes)
        for attempt in (
            lambda: export_keys.signing_key(raised),
            lambda: transfer_keys.transfer_private_key(raised),
            lambda: key_rotation.remove_staff_member(raised, "manager"),
        ):
            with pytest.raises(PermissionDenied):
                attempt()
        # Even a session object claiming the role outright is refused by the key check.
        pretend = Session(raised.conn, replace(raised.user, role=Role.MANAGER), raised.setting, data_dir)
        with pytest.raises(PermissionDenied, match="manager key"):
            pretend.require_manager("sign a return")
        rows = audit_repo.list_audit(raised.conn, audit_repo.AuditFilter(), limit=10)
        assert any("holds no manager key" in r.detail for r in rows)
    finally:
        raised.close()
    with pytest.raises(backup.RestoreRefused):
        backup.restore_backup(data_dir, made.path, "pat", PAT)


def test_restore_is_for_managers_and_never_brings_back_a_removed_person(
    session, data_dir, tmp_path, cli
) -> None:
    from setting_app.services.staff import add_user

    add_user(session, "leaver", "practitioner", "leaver passphrase 1", kdf=TEST_ONLY_FAST_KDF)
    add_user(session, "pat", "practitioner", PAT, kdf=TEST_ONLY_FAST_KDF)
    family = families.add_family(session, NewFamily("FAM-B1", date(2026, 1, 5))).id
    old = backup.make_backup(session, tmp_path / "old.fslbackup").path
    session = key_rotation.remove_staff_member(session, "leaver").session
    support_log.log_entry(
        session, NewEntry(family, date(2026, 11, 2), Domain.FAMILY_WELLBEING, 10, note="newer")
    )
    session.close()
    before = (data_dir / "casebook.db").read_bytes()

    for user, passphrase in (("leaver", "leaver passphrase 1"), ("pat", PAT)):
        with pytest.raises(backup.RestoreRefused):
            backup.restore_backup(data_dir, old, user, passphrase)
        result = cli("restore", "--from", str(old), user=user, passphrase=passphrase)
        assert result.code == 1 and len(result.err.strip().splitlines()) == 1, result.err
    assert (data_dir / "casebook.db").read_bytes() == before  # nothing was replaced

    backup.restore_backup(data_dir, old, "manager", PASSPHRASE)
    with pytest.raises(AppError):
        casebook.unlock(data_dir, "leaver", "leaver passphrase 1")
    for user, passphrase in (("manager", PASSPHRASE), ("pat", PAT)):
        casebook.unlock(data_dir, user, passphrase).close()
    restored = casebook.unlock(data_dir, "manager", PASSPHRASE)
    try:
        assert restored.has_manager_key and casebook.check_casebook(restored) == []
    finally:
        restored.close()


def _rehash_chain_from(conn: database.Connection, start: int) -> None:
    """What an insider with the data key can do: rewrite rows and recompute the HMAC chain after them."""
    key = audit_repo._chain_key(conn)
    prev = conn.execute("SELECT hash FROM audit_log WHERE id = ?", (start - 1,)).fetchone()
    prev_hash = prev[0] if prev else audit_repo.GENESIS
    for row in conn.execute("SELECT * FROM audit_log WHERE id >= ? ORDER BY id", (start,)).fetchall():
        fields = audit_repo._fields(
            *(
                row[c]
                for c in (
                    "id",
                    "at",
                    "staff_id",
                    "username",
                    "action",
                    "object_type",
                    "object_id",
                    "family_id",
                    "detail",
                )
            )
        )
        digest = audit_repo._row_hash(key, prev_hash, fields)
        conn.execute(
            "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", (prev_hash, digest, row["id"])
        )
        prev_hash = digest
    conn.execute(
        "UPDATE app_settings SET value = ? WHERE key = ?", (f"{row['id']}:{prev_hash}", audit_repo.HEAD_KEY)
    )


def test_audit_rows_before_a_signed_head_cannot_be_rewritten_unseen(session, pat, data_dir) -> None:
    pat.close()
    session.close()
    casebook.unlock(data_dir, "manager", PASSPHRASE).close()  # a manager unlock signs the head
    conn = practitioner_sql(data_dir, "pat", PAT)
    conn.execute("UPDATE audit_log SET detail = 'nothing happened' WHERE id = 2")
    _rehash_chain_from(conn, 2)
    conn.commit()
    assert audit_repo.verify_chain(conn) is None  # the HMAC chain alone no longer catches it
    conn.close()
    manager = casebook.unlock(data_dir, "manager", PASSPHRASE)
    try:
        assert "changed after they were signed" in (audit.verify(manager) or "")
        assert any("audit trail" in p for p in casebook.check_casebook(manager))
    finally:
        manager.close()


def test_removing_signed_heads_is_caught(session, data_dir) -> None:
    session.close()
    casebook.unlock(data_dir, "manager", PASSPHRASE).close()
    from setting_app.services.staff import add_user

    manager = casebook.unlock(data_dir, "manager", PASSPHRASE)
    add_user(manager, "pat", "practitioner", PAT, kdf=TEST_ONLY_FAST_KDF)
    manager.close()
    conn = practitioner_sql(data_dir, "pat", PAT)
    conn.execute("DELETE FROM audit_heads")
    conn.commit()
    conn.close()
    manager = casebook.unlock(data_dir, "manager", PASSPHRASE)
    try:
        assert "removed" in (audit.verify(manager) or "")
    finally:
        manager.close()


def test_removing_a_manager_rotates_the_manager_key(session, pat, book, data_dir) -> None:
    from setting_app.services.staff import add_user

    add_user(session, "deputy", "manager", "deputy passphrase 1", kdf=TEST_ONLY_FAST_KDF)
    old_manager_key = session.manager_key()
    sealed_before = session.conn.execute(
        "SELECT sealed FROM support_entries WHERE id = ?", (book["secret_entry"].id,)
    ).fetchone()[0]
    session = key_rotation.remove_staff_member(session, "deputy").session
    try:
        new_key = session.manager_key()
        assert new_key != old_manager_key
        sealed_after = session.conn.execute(
            "SELECT sealed FROM support_entries WHERE id = ?", (book["secret_entry"].id,)
        ).fetchone()[0]
        assert sealed_after != sealed_before
        with pytest.raises(manager_vault.SealedContentDamaged):
            restricted_content.open_fields(
                old_manager_key, "support_entries", book["secret_entry"].id, sealed_after
            )
        assert manager_vault.matching_key(session.conn, [old_manager_key]) is None
        notes = [e.note for e in support_log.family_chronology(session, book["family"])]
        assert "Disclosure Kestrelmoor discussed with DSL." in notes
    finally:
        session.close()
    with pytest.raises(AppError):
        casebook.unlock(data_dir, "deputy", "deputy passphrase 1")


KILLER = r"""
import sys
from pathlib import Path
from setting_app.services import casebook, key_rotation
data_dir, leaver = Path(sys.argv[1]), sys.argv[2]
session = casebook.unlock(data_dir, "manager", sys.argv[3])
key_rotation.remove_staff_member(session, leaver).session.close()
print("done", flush=True)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize(
    "point", ["after-manager-slots", "after-manager-reencrypt", "before-swap", "after-swap"]
)
def test_sigkill_at_each_step_of_a_manager_key_rotation_leaves_old_or_new(
    session, pat, book, data_dir, point
) -> None:
    from setting_app.services.staff import add_user

    add_user(session, "deputy", "manager", "deputy passphrase 1", kdf=TEST_ONLY_FAST_KDF)
    pat.close()
    session.close()
    env = {**os.environ, "SETTING_APP_TEST_CRASH_AT": point}
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, str(data_dir), "deputy", PASSPHRASE],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    manager = casebook.unlock(data_dir, "manager", PASSPHRASE)
    try:
        assert manager.has_manager_key
        notes = [e.note for e in support_log.family_chronology(manager, book["family"])]
        assert "Disclosure Kestrelmoor discussed with DSL." in notes
        assert export_keys.signing_key(manager) is not None
        assert casebook.check_casebook(manager) == []
    finally:
        manager.close()
    casebook.unlock(data_dir, "pat", PAT).close()
    # Every slot is tidied to exactly the keys the casebook uses.
    slots = keyslots.read_slot_file(CasebookPaths(data_dir).slots)
    assert all(len(s.sealed) == 1 for s in slots.slots)
    assert all(len(s.sealed_manager) == 1 for s in slots.slots if s.may_hold_manager_key)


def _old_casebook(version: int, data_dir: Path, clock) -> None:
    """A casebook as an older version left it: schema ``version``, slots with no manager key, the
    export key in plain app_settings, and (from schema 4) a restricted entry."""
    from setting_app.storage import setting_repo, staff_repo

    folder = data_dir.parent / f"v{version}-migrations"
    folder.mkdir()
    for migration in migrations.available_migrations()[:version]:
        shutil.copy(migration.path, folder / migration.path.name)
    data_dir.mkdir()
    paths = CasebookPaths(data_dir)
    key = keyslots.new_data_key()
    conn = database.open_database(paths.db, key, create=True)
    migrations.migrate(conn, folder)
    now = clock.now()
    setting_repo.save_setting(conn, setting_details(), now)
    staff_repo.add_staff(conn, "manager", "Mina Manager", Role.MANAGER, now)
    staff_repo.add_staff(conn, "pat", "Pat Practitioner", Role.PRACTITIONER, now)
    stamp = now.isoformat()
    conn.execute(
        "INSERT INTO families (ref, opened_on, created_at, updated_at) VALUES ('FAM-0001', '2026-01-05', ?, ?)",
        (stamp, stamp),
    )
    conn.execute(
        "INSERT INTO support_entries (family_id, entry_date, domain, kind, minutes, note, created_at) "
        "VALUES (1, '2026-11-02', 'family_wellbeing', 'direct', 20, 'Kestrelmoor disclosure', ?)",
        (stamp,),
    )
    if version >= 4:
        conn.execute("UPDATE support_entries SET restricted = 1 WHERE id = 1")
    signer = base64.b64encode(bytes(range(32))).decode()
    conn.execute("INSERT INTO app_settings (key, value) VALUES ('export_signing_key', ?)", (signer,))
    conn.commit()
    conn.close()
    slots = keyslots.SlotFile(
        slots=(
            keyslots.make_user_slot("manager", "manager", PASSPHRASE, key, TEST_ONLY_FAST_KDF),
            keyslots.make_user_slot("pat", "practitioner", PAT, key, TEST_ONLY_FAST_KDF),
            keyslots.make_recovery_slot("AAAA-BBBB", key, TEST_ONLY_FAST_KDF),
        )
    )
    keyslots.write_slot_file(paths.slots, slots)


@pytest.mark.parametrize("version", range(1, 7))
def test_an_older_casebook_gets_the_manager_key_at_the_first_manager_unlock(version, data_dir, clock) -> None:
    _old_casebook(version, data_dir, clock)
    casebook.unlock(data_dir, "pat", PAT, clock=clock).close()  # a practitioner first: upgraded, no key yet
    manager = casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock)
    try:
        assert manager.has_manager_key
        assert export_keys.signing_key(manager) is not None
        assert [e.note for e in support_log.family_chronology(manager, 1)] == ["Kestrelmoor disclosure"]
        assert casebook.check_casebook(manager) == []
    finally:
        manager.close()
    conn = practitioner_sql(data_dir, "pat", PAT)
    try:
        dump = every_value(conn)
        assert (b"Kestrelmoor" in dump) == (version < 4)  # restricted only exists from schema 4
        assert b"export_signing_key\x00AAEC" not in dump
        settings = dict(conn.execute("SELECT key, value FROM app_settings").fetchall())
        assert "export_signing_key" not in settings
    finally:
        conn.close()
    # The recovery code got the manager key too.
    recovery = keyslots.read_slot_file(CasebookPaths(data_dir).slots).recovery()
    assert recovery is not None and len(recovery.sealed_manager) == 1


def test_a_damaged_manager_slot_or_sealed_record_is_one_plain_line(session, pat, book, data_dir) -> None:
    pat.close()
    session.close()
    paths = CasebookPaths(data_dir)
    slot_file = keyslots.read_slot_file(paths.slots)
    slot = slot_file.find_user("manager")
    bad = replace(slot.sealed_manager[0], ciphertext=bytes(len(slot.sealed_manager[0].ciphertext)))
    keyslots.write_slot_file(paths.slots, slot_file.with_slot(replace(slot, sealed_manager=(bad,))))
    with pytest.raises(KeySlotDamaged, match="manager key"):
        casebook.unlock(data_dir, "manager", PASSPHRASE)
    casebook.unlock(data_dir, "pat", PAT).close()  # the rest still opens
    keyslots.write_slot_file(paths.slots, slot_file)

    conn = practitioner_sql(data_dir, "pat", PAT)
    blob = bytearray(
        conn.execute(
            "SELECT sealed FROM support_entries WHERE id = ?", (book["secret_entry"].id,)
        ).fetchone()[0]
    )
    blob[-1] ^= 1
    conn.execute("UPDATE support_entries SET sealed = ? WHERE id = ?", (bytes(blob), book["secret_entry"].id))
    conn.commit()
    conn.close()
    manager = casebook.unlock(data_dir, "manager", PASSPHRASE)
    try:
        notes = {e.id: e.note for e in support_log.family_chronology(manager, book["family"])}
        assert "damaged" in notes[book["secret_entry"].id]
        assert notes[book["open_entry"].id] == "Weekly stay and play chat."
        with pytest.raises(manager_vault.SealedContentDamaged):
            support_log.set_entry_restricted(manager, book["secret_entry"].id, False)
    finally:
        manager.close()


def test_reading_restricted_content_from_the_cli_needs_a_reason_and_is_audited(
    session, pat, book, cli
) -> None:
    pat.close()
    session.close()
    secret_entry, secret_referral = book["secret_entry"].id, book["secret_referral"].id
    for args in (
        ("family", "show", "FAM-R1"),
        ("log", "search", "Kestrelmoor"),
        ("referral", "show", str(secret_referral)),
    ):
        plain = cli(*args)
        assert plain.code == 0, plain.err
        assert "Kestrelmoor" not in plain.out and "--reason" in plain.out
        opened = cli(*args, "--reason", "safeguarding")
        assert opened.code == 0 and "Kestrelmoor" in opened.out, opened.err
        bad = cli(*args, "--reason", "curious")
        assert bad.code == 1 and len(bad.err.strip().splitlines()) == 1
    manager = casebook.unlock(cli.data_dir, "manager", PASSPHRASE)
    try:
        views = audit_repo.list_audit(
            manager.conn, audit_repo.AuditFilter(action=audit.VIEW_RESTRICTED), limit=50
        )
        assert {(v.object_type, v.object_id) for v in views} == {
            ("entry", secret_entry),
            ("referral", secret_referral),
        }
        assert all(v.detail == "safeguarding" for v in views) and len(views) == 3
    finally:
        manager.close()


def test_a_practitioners_referral_measures_leave_restricted_referrals_out(session, pat, book) -> None:
    from setting_app.services import referrals

    period = (date(2026, 1, 1), date(2026, 12, 31))
    as_manager = sum(
        m.referrals for m in referrals.referral_measures(session.conn, *period, viewer=session.user.role)
    )
    as_pat = sum(m.referrals for m in referrals.referral_measures(pat.conn, *period, viewer=pat.user.role))
    assert (as_manager, as_pat) == (2, 1)
    # A manager's measures file the restricted referral under its real category, not the stand-in.
    categories = {
        m.category.value for m in referrals.referral_measures(session.conn, *period, viewer=session.user.role)
    }
    assert "other" not in categories


def test_a_restricted_referrals_chases_and_status_notes_are_sealed_and_read_back(
    session, pat, book, data_dir
) -> None:
    from setting_app.services import referrals

    secret = book["secret_referral"].id
    referrals.chase_referral(session, secret, note="Chased Kestrelmoor duty desk")
    referrals.change_status(session, secret, "acknowledged", note="Kestrelmoor said they have it")
    chases = [c.note for c in referrals.referral_chases(session, secret)]
    history = [h.note for h in referrals.referral_history(session, secret)]
    assert "Chased Kestrelmoor duty desk" in chases and "Kestrelmoor said they have it" in history
    pat.close()
    session.close()
    conn = practitioner_sql(data_dir, "pat", PAT)
    try:
        dump = every_value(conn)
        assert b"Kestrelmoor" not in dump and b"kestrelmoor" not in dump
    finally:
        conn.close()


def test_restoring_a_backup_from_before_a_key_change_keeps_every_manager_a_manager(
    session, pat, book, data_dir, tmp_path
) -> None:
    """Each manager's slot pins the manager key its owner last held (so a key minted outside the app is
    refused); a restore brings back an older key, so the restore records that it follows the current one."""
    from setting_app.services.staff import add_user

    add_user(session, "deputy", "manager", "deputy's own passphrase", kdf=TEST_ONLY_FAST_KDF)
    add_user(session, "leaver", "practitioner", "leaver's own passphrase", kdf=TEST_ONLY_FAST_KDF)
    old = backup.make_backup(session, tmp_path / "old.fslbackup").path
    pat.close()
    session = key_rotation.remove_staff_member(session, "leaver").session
    session.close()
    for who, passphrase in (("manager", PASSPHRASE), ("deputy", "deputy's own passphrase")):
        casebook.unlock(data_dir, who, passphrase).close()  # each slot now pins the rotated key
    backup.restore_backup(data_dir, old, "manager", PASSPHRASE)
    for who, passphrase in (("manager", PASSPHRASE), ("deputy", "deputy's own passphrase")):
        signed_in = casebook.unlock(data_dir, who, passphrase)
        try:
            assert signed_in.has_manager_key and signed_in.user.is_manager, who
            notes = [e.note for e in support_log.family_chronology(signed_in, book["family"])]
            assert "Disclosure Kestrelmoor discussed with DSL." in notes
            assert export_keys.signing_key(signed_in) is not None
            assert casebook.check_casebook(signed_in) == []
        finally:
            signed_in.close()


def test_a_managers_slot_pins_the_manager_key_through_a_passphrase_change(session, data_dir) -> None:
    from setting_app.services import staff

    key = session.manager_key()
    slot = keyslots.read_slot_file(CasebookPaths(data_dir).slots).find_user("manager")
    assert keyslots.open_with_passphrase(slot, PASSPHRASE).pinned == key
    staff.change_passphrase(session, PASSPHRASE, "otter lantern biscuit harbour", kdf=TEST_ONLY_FAST_KDF)
    slot = keyslots.read_slot_file(CasebookPaths(data_dir).slots).find_user("manager")
    assert keyslots.open_with_passphrase(slot, "otter lantern biscuit harbour").pinned == key
    recovery = keyslots.read_slot_file(CasebookPaths(data_dir).slots).recovery()
    assert recovery is not None and recovery.sealed_manager


def test_after_an_erasure_the_notes_index_still_never_holds_a_restricted_note(session, pat, book) -> None:
    """Erasure rebuilds the notes index from every row; restricted rows are taken out of it again, so
    lifting a restriction later indexes the note once (an index holding it twice is damaged)."""
    from setting_app.services import erasure

    other = families.add_family(session, NewFamily("FAM-E1", date(2026, 1, 5))).id
    support_log.log_entry(session, NewEntry(other, date(2026, 11, 2), Domain.FAMILY_WELLBEING, 5, note="bye"))
    from tests.test_erasure import _as_new

    families.update_family(
        session, other, _as_new(families.get_family(session, other), closed_on=date(2026, 11, 20))
    )
    erasure.erase_family(session, other, "erasure_request")
    support_log.set_entry_restricted(session, book["secret_entry"].id, False)
    session.conn.execute("INSERT INTO entry_notes_fts(entry_notes_fts, rank) VALUES ('integrity-check', 1)")
    assert [e.id for e in support_log.search_notes(pat, "Kestrelmoor")] == [book["secret_entry"].id]

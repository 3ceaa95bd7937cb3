# ruff: noqa: F811  (pytest fixtures imported from test_restricted are named as parameters)
"""Security review of issue 15: the manager key attacked as an insider would.

The insider holds their own passphrase, the data key it opens, plain SQL on the casebook and write
access to ``casebook.keys`` (it sits in the same folder, on the same PC). Each test names the attack
and asserts what must hold; attacks that the design cannot stop yet are marked xfail with the reason.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from setting_app.domain.codes import Domain, ReferralStatus, ServiceCategory
from setting_app.domain.errors import AppError, PermissionDenied
from setting_app.domain.models import NewEntry
from setting_app.services import audit, backup, casebook, key_rotation, referrals, support_log
from setting_app.storage import database, keyslots, manager_vault, restricted_content, staff_repo
from setting_app.storage.casebook_store import CasebookPaths
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import PASSPHRASE
from tests.test_manager_key import _rehash_chain_from, every_value, practitioner_sql
from tests.test_restricted import DAY, PAT, _referral, book, pat  # noqa: F401  (fixtures)


def _data_key(data_dir: Path, username: str, passphrase: str) -> bytes:
    slot = keyslots.find_user_slot(keyslots.read_slot_file(CasebookPaths(data_dir).slots), username)
    return keyslots.open_with_passphrase(slot, passphrase).data_keys[0]


def _sql(data_dir: Path, *statements: tuple[str, tuple]) -> None:
    conn = practitioner_sql(data_dir, "pat", PAT)
    try:
        for sql, args in statements:
            conn.execute(sql, args)
        conn.commit()
    finally:
        conn.close()


def _forged_manager_slot(data_key: bytes, fake_manager_key: bytes) -> keyslots.KeySlot:
    """What the insider can write into casebook.keys: sealing needs only public keys and the data key."""
    return keyslots.make_user_slot("pat", "manager", PAT, data_key, TEST_ONLY_FAST_KDF, fake_manager_key)


def _secret_entry(session, family: int, note: str):
    return support_log.log_entry(
        session, NewEntry(family, DAY, Domain.FAMILY_WELLBEING, 10, note=note, restricted=True)
    )


# --- the restricted-content public key in app_settings ---------------------------------------------


def test_a_replaced_restricted_content_public_key_does_not_capture_a_managers_new_records(
    session, pat, book, data_dir
) -> None:
    """An insider swaps ``restricted_content_public`` for a key of their own: whatever is sealed next
    must still be sealed to the manager key, not to theirs."""
    family = book["family"]
    pat.close()
    session.close()
    insider_key = keyslots.new_data_key()
    public = base64.b64encode(restricted_content.public_key_for(insider_key)).decode()
    _sql(data_dir, ("UPDATE app_settings SET value = ? WHERE key = 'restricted_content_public'", (public,)))

    manager = casebook.unlock(data_dir, "manager", PASSPHRASE)
    try:
        secret = _secret_entry(manager, family, "Nightjarfell disclosure")
        assert "Nightjarfell" in support_log.open_restricted_entry(manager, secret.id, "safeguarding").note
    finally:
        manager.close()
    pat_again = casebook.unlock(data_dir, "pat", PAT)  # a practitioner restricts their own entry
    try:
        own = _secret_entry(pat_again, family, "Nightjarfell follow-up")
    finally:
        pat_again.close()

    conn = practitioner_sql(data_dir, "pat", PAT)
    try:
        for entry_id in (secret.id, own.id):
            (blob,) = conn.execute("SELECT sealed FROM support_entries WHERE id = ?", (entry_id,)).fetchone()
            with pytest.raises(manager_vault.SealedContentDamaged):
                restricted_content.open_fields(insider_key, "support_entries", entry_id, blob)
        # The manager's sign-in put the real public key back.
        assert restricted_content.stored_public_key(conn) != restricted_content.public_key_for(insider_key)
    finally:
        conn.close()


def test_a_removed_restricted_content_public_key_never_leaves_new_records_in_plain_text(
    session, pat, book, data_dir
) -> None:
    family = book["family"]
    pat.close()
    session.close()
    _sql(data_dir, ("DELETE FROM app_settings WHERE key = 'restricted_content_public'", ()))

    manager = casebook.unlock(data_dir, "manager", PASSPHRASE)
    try:
        _secret_entry(manager, family, "Nightjarfell disclosure")
    finally:
        manager.close()
    pat_again = casebook.unlock(data_dir, "pat", PAT)
    try:
        try:
            _secret_entry(pat_again, family, "Nightjarfell follow-up")
        except AppError as exc:  # refusing to save is acceptable; saving in plain text is not
            assert len(str(exc).splitlines()) == 1
    finally:
        pat_again.close()

    conn = practitioner_sql(data_dir, "pat", PAT)
    try:
        dump = every_value(conn)
        assert b"Nightjarfell" not in dump and b"nightjarfell" not in dump
    finally:
        conn.close()


# --- manager_key_id in app_settings ---------------------------------------------------------------


def test_removing_the_manager_key_id_does_not_let_a_raised_role_act_as_manager(
    session, pat, book, data_dir
) -> None:
    """Deleting ``manager_key_id`` makes the casebook look not yet upgraded; a role raised by SQL must
    still gain nothing (before the fix: the practitioner removed the only manager)."""
    pat.close()
    session.close()
    _sql(
        data_dir,
        ("UPDATE staff SET role = 'manager' WHERE username = 'pat'", ()),
        ("DELETE FROM app_settings WHERE key = 'manager_key_id'", ()),
    )
    raised = casebook.unlock(data_dir, "pat", PAT)
    try:
        assert not raised.user.is_manager
        with pytest.raises(PermissionDenied):
            key_rotation.remove_staff_member(raised, "manager")
    finally:
        if raised.is_open:
            raised.close()
    manager = casebook.unlock(data_dir, "manager", PASSPHRASE)
    try:
        assert manager.has_manager_key
        note = support_log.open_restricted_entry(manager, book["secret_entry"].id, "safeguarding").note
        assert "Kestrelmoor" in note
    finally:
        manager.close()


# --- forged key slots and restore -----------------------------------------------------------------


def _forge_backup(made: Path, out: Path, slots_text: bytes) -> Path:
    """The backup, with its key file replaced and its manifest checksums recomputed (no signature)."""
    with zipfile.ZipFile(made) as src:
        manifest = json.loads(src.read(backup.MANIFEST_NAME))
        db = src.read(backup.DB_NAME)
    manifest["files"][backup.SLOTS_NAME] = hashlib.sha256(slots_text).hexdigest()
    with zipfile.ZipFile(out, "w") as dst:
        dst.writestr(backup.MANIFEST_NAME, json.dumps(manifest))
        dst.writestr(backup.DB_NAME, db)
        dst.writestr(backup.SLOTS_NAME, slots_text)
    return out


def test_a_forged_manager_slot_cannot_restore_or_replace_the_managers_key(
    session, pat, book, data_dir, tmp_path
) -> None:
    """The insider writes a 'manager' slot for themselves (their data key, a manager key of their own
    making) into casebook.keys and into a backup. Before the fix, restore accepted it and resealed every
    real manager slot with the insider's key: the real manager key was gone, restricted content lost."""
    made = backup.make_backup(session, tmp_path / "real.fslbackup").path
    pat.close()
    session.close()
    paths = CasebookPaths(data_dir)
    data_key = _data_key(data_dir, "pat", PAT)
    fake = keyslots.new_data_key()
    forged = keyslots.read_slot_file(paths.slots).with_slot(_forged_manager_slot(data_key, fake))
    keyslots.write_slot_file(paths.slots, forged)
    forged_backup = _forge_backup(made, tmp_path / "forged.fslbackup", paths.slots.read_bytes())
    before = paths.db.read_bytes()

    with pytest.raises(backup.RestoreRefused):
        backup.restore_backup(data_dir, forged_backup, "pat", PAT)
    assert paths.db.read_bytes() == before
    manager = casebook.unlock(data_dir, "manager", PASSPHRASE)
    try:
        assert manager.has_manager_key
        note = support_log.open_restricted_entry(manager, book["secret_entry"].id, "safeguarding").note
        assert "Kestrelmoor" in note
    finally:
        manager.close()


def test_an_insider_cannot_mint_the_manager_key_everyone_then_uses(session, pat, book, data_dir) -> None:
    family = book["family"]
    pat.close()
    session.close()
    paths = CasebookPaths(data_dir)
    data_key = _data_key(data_dir, "pat", PAT)
    fake = keyslots.new_data_key()
    slots = keyslots.read_slot_file(paths.slots).with_slot(_forged_manager_slot(data_key, fake))
    keyslots.write_slot_file(paths.slots, slots.resealed([data_key], [fake]))
    conn = database.open_database(paths.db, data_key)  # the forged slot opens the data key
    manager_vault.set_key_id(conn, fake)
    restricted_content.set_public_key(conn, fake)
    conn.execute("DELETE FROM manager_vault")
    conn.commit()
    conn.close()

    manager = casebook.unlock(data_dir, "manager", PASSPHRASE)  # the real manager signs in as usual...
    try:
        _secret_entry(manager, family, "Nightjarfell disclosure")  # ...and records something restricted
    except AppError:
        pass
    finally:
        manager.close()
    conn = database.open_database(paths.db, data_key)  # the forged slot opens the data key
    try:
        readable = []
        for row_id, blob in conn.execute("SELECT id, sealed FROM support_entries WHERE sealed IS NOT NULL"):
            with contextlib.suppress(manager_vault.SealedContentDamaged):
                readable.append(restricted_content.open_fields(fake, "support_entries", row_id, blob)["note"])
        assert not any("Nightjarfell" in str(n) for n in readable)
    finally:
        conn.close()


# --- audit ----------------------------------------------------------------------------------------


def test_a_restricted_referrals_audit_rows_do_not_name_its_sealed_service_category(
    session, pat, data_dir
) -> None:
    """The service category of a restricted referral is sealed; its audit rows must not say it."""
    from setting_app.domain.models import NewFamily
    from setting_app.services import families
    from tests.test_agreements import cover_all

    family = families.add_family(session, NewFamily("FAM-Q1", date(2026, 1, 5))).id
    cover_all(session)
    new = replace(
        _referral(family, "Refuge Nightjarfell", ReferralStatus.SENT),
        service_category=ServiceCategory.DOMESTIC_ABUSE,
        restricted=True,
    )
    referrals.make_referral(session, new)
    pat.close()
    session.close()
    conn = practitioner_sql(data_dir, "pat", PAT)
    try:
        details = [r[0] for r in conn.execute("SELECT detail FROM audit_log WHERE object_type = 'referral'")]
        assert details and not any("domestic_abuse" in d for d in details), details
    finally:
        conn.close()


@pytest.mark.xfail(
    strict=True,
    reason="design limit: the newest signed head in the vault can be rolled back to an older ciphertext "
    "the insider copied earlier (same manager key, same associated data); with the later signed heads "
    "deleted, every row after the older head can be rewritten unseen. The real window is 'since the "
    "oldest signed head the insider kept a copy of', not 'since the newest signed head'.",
)
def test_rolling_back_the_vaults_newest_signed_head_is_caught(session, pat, data_dir) -> None:
    pat.close()
    session.close()
    casebook.unlock(data_dir, "manager", PASSPHRASE).close()  # signs a head
    conn = practitioner_sql(data_dir, "pat", PAT)
    saved_vault = conn.execute(
        "SELECT nonce, ciphertext FROM manager_vault WHERE name = ?", (audit.LATEST_HEAD,)
    ).fetchone()
    saved_vault = (bytes(saved_vault[0]), bytes(saved_vault[1]))
    (first_unsigned,) = conn.execute("SELECT max(audit_id) + 1 FROM audit_heads").fetchone()
    (last_head,) = conn.execute("SELECT max(id) FROM audit_heads").fetchone()
    conn.close()
    casebook.unlock(data_dir, "manager", PASSPHRASE).close()  # signs a newer head over more rows

    conn = practitioner_sql(data_dir, "pat", PAT)
    conn.execute("DELETE FROM audit_heads WHERE id > ?", (last_head,))
    conn.execute(
        "UPDATE manager_vault SET nonce = ?, ciphertext = ? WHERE name = ?", (*saved_vault, audit.LATEST_HEAD)
    )
    conn.execute("UPDATE audit_log SET detail = 'nothing happened' WHERE id = ?", (first_unsigned,))
    _rehash_chain_from(conn, first_unsigned)
    conn.commit()
    conn.close()
    manager = casebook.unlock(data_dir, "manager", PASSPHRASE)
    try:
        assert audit.verify(manager) is not None
    finally:
        manager.close()


# --- the restricted flag is not part of what is sealed ---------------------------------------------


def test_a_restricted_flag_cleared_by_sql_does_not_unseal_the_record_at_the_next_amendment(
    session, pat, book, data_dir
) -> None:
    """The insider sets ``restricted = 0`` on a sealed entry. Before the fix, a manager then saw it as an
    ordinary entry (no reason asked) and the next amendment wrote its note, activity and child back in
    plain columns, the old version in plain too, and the note into the search index."""
    secret = book["secret_entry"].id
    pat.close()
    session.close()
    _sql(data_dir, ("UPDATE support_entries SET restricted = 0 WHERE id = ?", (secret,)))

    manager = casebook.unlock(data_dir, "manager", PASSPHRASE)
    try:
        shown = support_log.get_entry(manager, secret).restricted
        support_log.amend_entry(manager, secret, {"minutes": 25}, "time corrected")
    finally:
        manager.close()
    conn = practitioner_sql(data_dir, "pat", PAT)
    try:
        dump = every_value(conn)
        assert b"Kestrelmoor" not in dump and b"kestrelmoor" not in dump
    finally:
        conn.close()
    assert shown  # the manager saw it as restricted


def test_a_restricted_referral_to_a_new_service_adds_nothing_to_the_plain_directory(
    session, pat, data_dir
) -> None:
    """Before the fix, the directory gained a row (source 'referral', created the same second as the
    restricted referral): the sealed service name, readable with the data key by matching times."""
    from setting_app.domain.models import NewFamily
    from setting_app.services import families
    from tests.test_agreements import cover_all

    family = families.add_family(session, NewFamily("FAM-Q2", date(2026, 1, 5))).id
    cover_all(session)
    new = replace(
        _referral(family, "Refuge Nightjarfell", ReferralStatus.SENT),
        service_category=ServiceCategory.DOMESTIC_ABUSE,
        restricted=True,
    )
    saved = referrals.make_referral(session, new)
    assert (
        "Nightjarfell" in referrals.open_restricted_referral(session, saved.id, "safeguarding").service_name
    )
    pat.close()
    session.close()
    conn = practitioner_sql(data_dir, "pat", PAT)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM services")]
        assert not any("Nightjarfell" in n for n in names), names
    finally:
        conn.close()


# --- transfers ------------------------------------------------------------------------------------


def test_a_transfer_of_restricted_records_leaves_nothing_restricted_readable_with_the_data_key(
    session, tmp_path
) -> None:
    """Both settings' casebooks, after a family with a restricted entry went from one to the other with
    a reason why restricted records went too: the reason says what happened (safeguarding), so it is
    restricted content. Before the fix it sat in ``transfers.restricted_reason`` in plain text."""
    from setting_app.services import transfer
    from setting_app.storage import database
    from tests.test_transfer import add_sample_family, make_receiver, send

    add_sample_family(session)
    receiver = make_receiver(tmp_path)
    try:
        sent = send(
            session,
            receiver,
            tmp_path,
            include_restricted=True,
            restricted_reason="Nightjarfell child protection plan continues",
        )
        transfer.receive_family(receiver, sent.path)
        for side in (session, receiver):
            conn = database.open_database(side.paths.db, side.data_key())  # what any practitioner holds
            try:
                dump = every_value(conn)
            finally:
                conn.close()
            for canary in (b"Nightjarfell", b"nightjarfell", b"SAFEGUARDING-SECRET"):
                assert canary not in dump, (side.setting.name, canary)
        # Managers still read it.
        for side in (session, receiver):
            assert "Nightjarfell" in transfer.list_transfers(side)[0].restricted_reason
    finally:
        receiver.close()


# --- reading sealed rows back on a manager's connection ----------------------------------------------


def test_a_manager_reads_back_restricted_chase_notes_and_earlier_versions(session, pat, book) -> None:
    """Chases and status changes both seal only ``note``; entries and their versions seal the same
    fields. The row factory must open each row with its own table's associated data."""
    referral = book["secret_referral"].id
    referrals.chase_referral(session, referral, note="Nightjarfell chase call")
    chases = referrals.referral_chases(session, referral)
    assert [c.note for c in chases] == ["Nightjarfell chase call"]
    entry = book["secret_entry"].id
    support_log.amend_entry(session, entry, {"note": "Nightjarfell amended"}, "wording")
    versions = support_log.entry_history(session, entry)
    assert versions and "Kestrelmoor" in versions[0].note, [v.note for v in versions]


def test_the_reason_for_amending_a_restricted_entry_is_sealed_with_its_earlier_version(
    session, pat, book, data_dir
) -> None:
    entry = book["secret_entry"].id
    support_log.amend_entry(session, entry, {"minutes": 30}, "Nightjarfell said it lasted longer")
    assert "Nightjarfell" in support_log.entry_history(session, entry)[0].reason
    pat.close()
    session.close()
    conn = practitioner_sql(data_dir, "pat", PAT)
    try:
        dump = every_value(conn)
        assert b"Nightjarfell" not in dump and b"nightjarfell" not in dump
    finally:
        conn.close()


# --- a leaver's keys ------------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("point", ["after-manager-slots", "before-swap"])
def test_an_interrupted_removal_of_a_manager_still_ends_with_their_keys_useless(
    session, pat, book, data_dir, point
) -> None:
    from setting_app.services.staff import add_user
    from tests.test_manager_key import KILLER

    add_user(session, "deputy", "manager", "deputy passphrase 1", kdf=TEST_ONLY_FAST_KDF)
    deputy = keyslots.open_with_passphrase(
        keyslots.read_slot_file(CasebookPaths(data_dir).slots).find_user("deputy"), "deputy passphrase 1"
    )  # what the deputy kept before leaving
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
        assert manager_vault.matching_key(manager.conn, deputy.manager_keys) is None
        assert manager.data_key() not in deputy.data_keys
    finally:
        manager.close()


def test_a_restore_from_before_a_removal_leaves_the_leavers_kept_key_useless(
    session, data_dir, tmp_path
) -> None:
    from setting_app.services.staff import add_user

    add_user(session, "leaver", "practitioner", "leaver passphrase 1", kdf=TEST_ONLY_FAST_KDF)
    kept = _data_key(data_dir, "leaver", "leaver passphrase 1")
    old = backup.make_backup(session, tmp_path / "old.fslbackup").path
    session = key_rotation.remove_staff_member(session, "leaver").session
    session.close()
    backup.restore_backup(data_dir, old, "manager", PASSPHRASE)
    # The leaver's account is switched off again, as it was before the restore.
    manager = casebook.unlock(data_dir, "manager", PASSPHRASE)
    try:
        leaver = staff_repo.get_staff_by_username(manager.conn, "leaver")
        assert leaver is not None and not leaver.active
        assert casebook.check_casebook(manager) == []
    finally:
        manager.close()
    with pytest.raises((database.DatabaseError, AppError)):
        conn = database.open_database(CasebookPaths(data_dir).db, kept)
        try:
            conn.execute("SELECT count(*) FROM support_entries").fetchone()
        finally:
            conn.close()


# --- the public halves of the manager-only key pairs ---------------------------------------------------


def test_replaced_public_halves_of_the_settings_keys_are_put_back_at_a_managers_sign_in(
    session, pat, data_dir, tmp_path
) -> None:
    """``transfer_key_public`` goes into the key file other settings seal transfers to; the export key's
    public half is what the LA checks returns with. An insider who replaced them with their own would
    read the next family sent here, or sign returns as the setting."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from setting_app.services import export_keys, transfer_keys
    from setting_app.services.la_export import signing as signing_service

    real = transfer_keys.my_keys(session)
    pat.close()
    session.close()
    mine_x = signing_service.b64(signing_service.raw_public(X25519PrivateKey.generate().public_key()))
    mine_ed = signing_service.b64(signing_service.raw_public(Ed25519PrivateKey.generate().public_key()))
    _sql(
        data_dir,
        ("UPDATE app_settings SET value = ? WHERE key = 'transfer_key_public'", (mine_x,)),
        ("UPDATE app_settings SET value = ? WHERE key = 'export_signing_key_public'", (mine_ed,)),
    )
    manager = casebook.unlock(data_dir, "manager", PASSPHRASE)
    try:
        keys = transfer_keys.my_keys(manager)
        assert keys.transfer_public == real.transfer_public
        assert keys.signing_public == real.signing_public
        assert export_keys.export_key_fingerprint(manager.conn) == real.signing_fingerprint
    finally:
        manager.close()


def test_a_deleted_manager_key_id_does_not_let_app_settings_replace_the_vaults_keys(
    session, pat, data_dir
) -> None:
    """With ``manager_key_id`` gone the casebook looked not yet upgraded, and the next manager sign-in
    moved "the old places" in app_settings into the vault, over the real keys: an insider's own
    transfer key became the setting's."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from setting_app.services import transfer_keys
    from setting_app.services.la_export import signing as signing_service

    real = transfer_keys.my_keys(session)
    pat.close()
    session.close()
    mine = X25519PrivateKey.generate()
    raw = mine.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = signing_service.b64(signing_service.raw_public(mine.public_key()))
    _sql(
        data_dir,
        ("DELETE FROM app_settings WHERE key = 'manager_key_id'", ()),
        ("INSERT INTO app_settings (key, value) VALUES ('transfer_key', ?)", (signing_service.b64(raw),)),
        ("UPDATE app_settings SET value = ? WHERE key = 'transfer_key_public'", (public,)),
    )
    manager = casebook.unlock(data_dir, "manager", PASSPHRASE)
    try:
        assert manager.has_manager_key
        assert transfer_keys.my_keys(manager).transfer_public == real.transfer_public
        assert (
            signing_service.raw_public(transfer_keys.transfer_private_key(manager).public_key())
            == real.transfer_public
        )
    finally:
        manager.close()


def test_deleting_the_vaults_audit_key_and_newest_head_does_not_let_forged_heads_pass(
    session, pat, data_dir
) -> None:
    """The insider deletes the vault's audit signing key and its record of the newest head, puts their
    own public key in app_settings, rewrites a signed row and signs every head again with their key.
    Before the fix a manager's ``audit verify`` then used the app_settings key and passed."""
    import base64 as b64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from setting_app.storage import audit_repo

    pat.close()
    session.close()
    casebook.unlock(data_dir, "manager", PASSPHRASE).close()  # signs a head over every row so far
    mine = Ed25519PrivateKey.generate()
    public = b64.b64encode(
        mine.public_key().public_bytes_raw()  # type: ignore[attr-defined]
    ).decode()
    conn = practitioner_sql(data_dir, "pat", PAT)
    conn.execute("UPDATE audit_log SET detail = 'nothing happened' WHERE id = 2")
    _rehash_chain_from(conn, 2)
    conn.execute("DELETE FROM manager_vault WHERE name IN ('audit_signing_key', ?)", (audit.LATEST_HEAD,))
    conn.execute("UPDATE app_settings SET value = ? WHERE key = 'audit_signing_key_public'", (public,))
    for head in audit_repo.list_signed_heads(conn):
        digest = audit_repo.row_hash(conn, head.audit_id)
        message = audit_repo.head_message(head.audit_id, digest, head.occasion, head.signed_at)
        conn.execute(
            "UPDATE audit_heads SET audit_hash = ?, signature = ? WHERE id = ?",
            (digest, mine.sign(message), head.id),
        )
    conn.commit()
    conn.close()
    manager = casebook.unlock(data_dir, "manager", PASSPHRASE)
    try:
        assert audit.verify(manager) is not None
        assert any("audit" in p for p in casebook.check_casebook(manager))
    finally:
        manager.close()


def test_without_the_restricted_content_key_a_practitioners_restricted_entry_is_refused_not_saved_plain(
    session, pat, book, data_dir
) -> None:
    family = book["family"]
    pat.close()
    session.close()
    _sql(data_dir, ("DELETE FROM app_settings WHERE key = 'restricted_content_public'", ()))
    practitioner = casebook.unlock(data_dir, "pat", PAT)
    try:
        before = practitioner.conn.execute("SELECT count(*) FROM support_entries").fetchone()[0]
        with pytest.raises(restricted_content.RestrictedKeyMissing) as refused:
            _secret_entry(practitioner, family, "Nightjarfell follow-up")
        assert len(str(refused.value).splitlines()) == 1
        assert practitioner.conn.execute("SELECT count(*) FROM support_entries").fetchone()[0] == before
    finally:
        practitioner.close()
    conn = practitioner_sql(data_dir, "pat", PAT)
    try:
        assert b"ightjarfell" not in every_value(conn)
    finally:
        conn.close()

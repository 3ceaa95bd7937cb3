"""The audit trail: written with each action, hash-chained, and any tampering found by check."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from setting_app.domain.codes import Domain
from setting_app.domain.errors import AlreadyExists, PassphraseNotRecognised, PermissionDenied
from setting_app.domain.models import NewEntry, NewFamily
from setting_app.services import audit, backup, casebook, families, staff, support_log
from setting_app.storage import audit_repo
from setting_app.storage.audit_repo import AuditFilter
from setting_app.storage.casebook_store import CasebookPaths
from setting_app.storage.database import open_database
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import PASSPHRASE


def _actions(session) -> list[str]:
    return [r.action for r in reversed(audit.list_audit(session))]


def _busy_casebook(session) -> None:
    family = families.add_family(session, NewFamily("FAM-1", date(2026, 1, 5), notes="AuditCanaryGecko"))
    families.view_family(session, family.id)
    for minutes in (10, 20, 30):
        support_log.log_entry(
            session, NewEntry(family.id, date(2026, 11, 2), Domain.CHILD_DEVELOPMENT, minutes)
        )
    staff.add_user(session, "pat", "practitioner", "pat's own passphrase", kdf=TEST_ONLY_FAST_KDF)


def test_actions_write_rows_and_the_chain_verifies(session) -> None:
    _busy_casebook(session)
    assert _actions(session) == ["account", "create", "view_family", "create", "create", "create", "account"]
    assert audit.verify(session) is None
    assert casebook.check_casebook(session) == []
    assert audit.chain_head(session).startswith("#7 ")
    rows = audit.list_audit(session, AuditFilter(family_id=1))
    assert {r.action for r in rows} == {"create", "view_family"}
    assert all("AuditCanaryGecko" not in r.detail for r in audit.list_audit(session))


def test_failed_action_writes_no_row(session) -> None:
    families.add_family(session, NewFamily("FAM-1", date(2026, 1, 5)))
    before = audit.count_audit(session)
    with pytest.raises(AlreadyExists):
        families.add_family(session, NewFamily("FAM-1", date(2026, 1, 5)))
    assert audit.count_audit(session) == before


def test_unlocks_and_failed_unlocks_are_recorded(session, data_dir: Path, clock) -> None:
    session.close()
    for _ in range(2):
        with pytest.raises(PassphraseNotRecognised):
            casebook.unlock(data_dir, "manager", "wrong", clock=clock)
    reopened = casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock)
    rows = audit.list_audit(reopened, limit=2)
    assert [r.action for r in rows] == ["unlock", "unlock_failed"]
    assert rows[1].detail.startswith("2 failed attempt(s)")
    reopened.close()


def test_only_managers_read_the_trail(session, data_dir: Path, clock) -> None:
    staff.add_user(session, "pat", "practitioner", "pat's own passphrase", kdf=TEST_ONLY_FAST_KDF)
    pat = casebook.unlock(data_dir, "pat", "pat's own passphrase", clock=clock)
    with pytest.raises(PermissionDenied):
        audit.list_audit(pat)
    pat.close()


def test_backup_and_restore_are_recorded(session, data_dir: Path, clock, tmp_path: Path) -> None:
    info = backup.make_backup(session, tmp_path / "b.fslbackup")
    assert _actions(session)[-1] == "backup"
    session.close()
    backup.restore_backup(data_dir, info.path, "manager", PASSPHRASE, clock=clock)
    reopened = casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock)
    # The restore, then the keys rotated straight after it (a key kept from the backup's time opens nothing).
    assert _actions(reopened)[-4:] == ["restore", "unlock", "account", "unlock"]
    assert audit.verify(reopened) is None
    reopened.close()


def _tamper(session, data_dir: Path, clock, sql: str):
    """Change the trail through a raw keyed connection, then reopen the casebook normally."""
    key = session.data_key()
    session.close()
    raw = open_database(CasebookPaths(data_dir).db, key)
    raw.execute(sql)
    raw.close()
    return casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("UPDATE audit_log SET detail = 'nothing to see' WHERE id = 3", "row 3 has been changed"),
        ("UPDATE audit_log SET username = 'pat' WHERE id = 2", "row 2 has been changed"),
        ("DELETE FROM audit_log WHERE id = 4", "row 4 is missing"),
        (
            "INSERT INTO audit_log (id, at, username, action, prev_hash, hash) "
            "VALUES (100, '2026-11-23T10:00:00+00:00', 'x', 'create', 'x', 'y')",
            "missing",
        ),
        ("UPDATE audit_log SET at = '2020-01-01T00:00:00+00:00' WHERE id = 5", "row 5 has been changed"),
    ],
)
def test_tampering_is_found_and_named(session, data_dir: Path, clock, sql: str, expected: str) -> None:
    _busy_casebook(session)
    reopened = _tamper(session, data_dir, clock, sql)
    problems = casebook.check_casebook(reopened)
    reopened.close()
    assert problems and "audit trail is broken" in problems[0]
    assert expected in problems[0]


def test_reordering_rows_is_found(session, data_dir: Path, clock) -> None:
    _busy_casebook(session)
    reopened = _tamper(
        session,
        data_dir,
        clock,
        "UPDATE audit_log SET id = CASE id WHEN 3 THEN 1003 WHEN 4 THEN 3 END WHERE id IN (3, 4)",
    )
    key = reopened.data_key()
    reopened.close()
    raw = open_database(CasebookPaths(data_dir).db, key)
    raw.execute("UPDATE audit_log SET id = 4 WHERE id = 1003")
    assert "row 3" in audit_repo.verify_chain(raw)
    raw.close()


def test_cutting_off_the_tail_is_found(session, data_dir: Path, clock) -> None:
    _busy_casebook(session)
    key = session.data_key()
    session.close()
    raw = open_database(CasebookPaths(data_dir).db, key)
    last = raw.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    raw.execute("DELETE FROM audit_log WHERE id = ?", (last,))
    assert f"after row {last - 1} are missing" in audit_repo.verify_chain(raw)
    raw.close()


def test_check_command_names_the_broken_row(cli, data_dir: Path) -> None:
    assert cli.init().code == 0
    cli("family", "add", "--carer", "Jo", "--opened", "2026-01-05")
    session = casebook.unlock(data_dir, "manager", PASSPHRASE, clock=cli.clock)
    key = session.data_key()
    session.close()
    raw = open_database(CasebookPaths(data_dir).db, key)
    raw.execute("UPDATE audit_log SET detail = 'x' WHERE id = 2")
    raw.close()
    result = cli("check")
    assert result.code == 1
    assert "audit row 2 has been changed" in result.err

"""``check``: what is damaged in a casebook folder, listed in full, even when the casebook cannot open.

The ordinary unlock writes an audit row and reads the setting; on a damaged casebook either can fail.
This check still finishes: it looks at each of the casebook's own files, unlocks the data key from
the key file, and runs SQLCipher's page check, SQLite's integrity check and the audit chain on
whatever opens, saying what it checked and what it found.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from setting_app.domain.clock import SYSTEM_CLOCK, Clock
from setting_app.domain.errors import CasebookDamaged, KeySlotDamaged, PassphraseNotRecognised
from setting_app.services import audit
from setting_app.storage import audit_repo, keyslots, manager_vault
from setting_app.storage.backup_log import restore_advice
from setting_app.storage.bounded_read import InputRefused, is_readable_file
from setting_app.storage.casebook_store import CasebookPaths, choose_key
from setting_app.storage.database import DatabaseError, file_kind, integrity_problems, open_database
from setting_app.storage.unlock_throttle import UnlockThrottle


@dataclass
class CheckReport:
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    advice: str = ""

    @property
    def damaged(self) -> bool:
        return bool(self.problems)


def check_folder(
    data_dir: Path, username: str, passphrase: str, *, clock: Clock = SYSTEM_CLOCK
) -> CheckReport:
    """Every problem found in the casebook's files. Raises only for a wrong passphrase or user, or no casebook."""
    paths = CasebookPaths(Path(data_dir))
    with contextlib.suppress(KeySlotDamaged, CasebookDamaged):
        paths.check_openable()  # no casebook here at all, or a plain SQLite file: said as such
    report = CheckReport()
    slot_file = _check_key_file(paths, report)
    db_usable = _check_db_file(paths, report)
    if slot_file is None:
        return _finish(paths, report)
    username = (username or "").strip().lower()
    try:
        slot = keyslots.find_user_slot(slot_file, username)
    except KeySlotDamaged as exc:
        report.problems.append(str(exc))
        return _finish(paths, report)
    throttle = UnlockThrottle(paths.data_dir, clock)
    opened = throttle.attempt(
        lambda: keyslots.open_with_passphrase(slot, passphrase), PassphraseNotRecognised
    )
    throttle.record_success()
    keys = opened.data_keys
    if not db_usable:
        return _finish(paths, report)
    try:
        key = choose_key(paths, keys)
    except CasebookDamaged:
        report.problems.append("the casebook file cannot be read at all (its first page is damaged)")
        return _finish(paths, report)
    try:
        conn = open_database(paths.db, key)
    except CasebookDamaged:
        report.problems.append("the casebook file cannot be opened (its structure is damaged)")
        return _finish(paths, report)
    try:
        report.checked += ["SQLCipher's page check", "SQLite's integrity check"]
        report.problems += [f"casebook: {p}" for p in integrity_problems(conn)]
        try:
            # The signed heads too: with a manager's key, checked against the vault (services/audit).
            broken = audit.verify_trail(conn, manager_vault.matching_key(conn, opened.manager_keys))
            rows = audit_repo.count_audit(conn)
            report.checked.append(f"the audit chain ({rows} rows)")
            if broken:
                report.problems.append(f"the audit trail is broken: {broken}")
        except manager_vault.SealedContentDamaged as exc:
            report.checked.append("the audit chain")
            report.problems.append(f"the audit trail's signed points cannot be checked: {exc.message}")
        except (DatabaseError, CasebookDamaged):
            report.checked.append("the audit chain")
            report.problems.append("the audit trail cannot be read (its pages are damaged)")
    finally:
        with contextlib.suppress(DatabaseError):
            conn.close()
    return _finish(paths, report)


def _check_key_file(paths: CasebookPaths, report: CheckReport) -> keyslots.SlotFile | None:
    report.checked.append("the key file")
    if not paths.slots.exists():
        report.problems.append(f"the key file {paths.slots} is missing")
        return None
    if not is_readable_file(paths.slots):
        report.problems.append(f"the key file {paths.slots} is not an ordinary file")
        return None
    try:
        slot_file = keyslots.read_slot_file(paths.slots)
    except InputRefused as exc:
        report.problems.append(f"the key file cannot be read: {exc}")
        return None
    if slot_file.damaged_lines:
        report.problems.append(
            f"the key file has {slot_file.damaged_lines} damaged entry(ies) (the others still work; the "
            "recovery code can set a new passphrase)"
        )
    if not slot_file.slots:
        report.problems.append("the key file holds no usable key")
        return None
    return slot_file


def _check_db_file(paths: CasebookPaths, report: CheckReport) -> bool:
    if not paths.db.exists():
        report.problems.append(f"the casebook file {paths.db} is missing")
        return False
    if not is_readable_file(paths.db):
        report.problems.append(f"the casebook file {paths.db} is not an ordinary file")
        return False
    if file_kind(paths.db) == "empty":
        report.problems.append(f"the casebook file {paths.db} is empty")
        return False
    return True


def _finish(paths: CasebookPaths, report: CheckReport) -> CheckReport:
    if report.problems:
        report.advice = restore_advice(paths.data_dir)
    return report

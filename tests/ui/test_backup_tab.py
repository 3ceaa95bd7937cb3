"""Records → Backups: back up to a chosen file, restore from one (checked first), and the reminder."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from setting_app.domain.models import NewFamily
from setting_app.services import audit, families
from setting_app.storage.audit_repo import AuditFilter
from setting_app.storage.instance_lock import InstanceLock
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import PASSPHRASE, assert_mode

from setting_app.ui.context import AppContext
from setting_app.ui.screens.backup_tab import BackupTab


class Answers:
    """Stand-ins for the file and passphrase dialogs (the rest is real)."""

    def __init__(
        self, target: Path | None = None, source: Path | None = None, passphrase: str | None = PASSPHRASE
    ):
        self.target, self.source, self.passphrase = target, source, passphrase
        self.confirm_answer = True
        self.questions: list[str] = []

    def tab(self, ctx: AppContext) -> BackupTab:
        return BackupTab(
            ctx,
            choose_target=lambda _w, _suggested: self.target,
            choose_backup=lambda _w: self.source,
            ask_passphrase=lambda _w, _user: self.passphrase,
            confirm=self._confirm,
        )

    def _confirm(self, _w, question: str) -> bool:
        self.questions.append(question)
        return self.confirm_answer


def test_reminder_before_any_backup_and_backup_to_a_chosen_file(qtbot, session, tmp_path: Path) -> None:
    answers = Answers(target=tmp_path / "weekly.fslbackup")
    ctx = AppContext(session, session.clock)
    tab = answers.tab(ctx)
    qtbot.addWidget(tab)
    tab.refresh()
    assert "No backup" in tab.last_backup.text() and "Make a backup now" in tab.reminder.text()

    with qtbot.waitSignal(tab.backup_made) as made:
        assert tab.back_up() is not None
        assert not tab.backup_button.isEnabled()  # while the worker thread writes it
    info = made.args[0]
    assert tab.backup_button.isEnabled()
    assert info is not None and (tmp_path / "weekly.fslbackup").stat().st_size > 0
    assert_mode(tmp_path / "weekly.fslbackup", 0o600)
    assert "Backup saved to" in tab.result.text()
    assert "(today)" in tab.last_backup.text() and tab.reminder.text() == ""
    assert len(audit.list_audit(session, AuditFilter(action=audit.BACKUP))) == 1

    session.clock.advance(days=9)
    tab.refresh()
    assert "9 days ago" in tab.last_backup.text()
    assert "9 days old" in tab.reminder.text()


def test_backup_into_a_missing_folder_says_so(qtbot, session, tmp_path: Path) -> None:
    tab = Answers(target=tmp_path / "nowhere" / "b.fslbackup").tab(AppContext(session, session.clock))
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.backup_failed):
        tab.back_up()
    assert "No backup was made" in tab.result.text() and "does not exist" in tab.result.text()
    assert tab.backup_button.isEnabled()


def test_restore_checks_confirms_and_reopens(qtbot, session, data_dir: Path, tmp_path: Path) -> None:
    families.add_family(session, NewFamily("FAM-0001", date(2026, 1, 5)))
    answers = Answers(target=tmp_path / "b.fslbackup", source=tmp_path / "b.fslbackup")
    ctx = AppContext(session, session.clock)
    tab = answers.tab(ctx)
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.backup_made):
        tab.back_up()
    families.add_family(session, NewFamily("FAM-0002", date(2026, 2, 5)))

    answers.confirm_answer = False
    assert tab.restore() is None
    assert "Nothing was restored" in tab.result.text()
    assert len(families.list_families(ctx.session)) == 2

    answers.confirm_answer = True
    app_lock = InstanceLock(data_dir).acquire()  # as the desktop app holds it
    try:
        with qtbot.waitSignal(tab.restored):
            info = tab.restore()
    finally:
        app_lock.release()
    assert info is not None and "checked and is whole" in answers.questions[-1]
    restored = ctx.session
    assert restored is not session and restored.is_open
    assert [f.ref for f in families.list_families(restored)] == ["FAM-0001"]
    assert "replaced-by-restore" in tab.result.text()
    assert any((data_dir / "replaced-by-restore").iterdir())
    assert audit.list_audit(restored, AuditFilter(action=audit.RESTORE))
    restored.close()


def test_restore_with_a_wrong_passphrase_or_a_damaged_file_changes_nothing(
    qtbot, session, tmp_path: Path
) -> None:
    families.add_family(session, NewFamily("FAM-0001", date(2026, 1, 5)))
    answers = Answers(
        target=tmp_path / "b.fslbackup", source=tmp_path / "b.fslbackup", passphrase="wrong words"
    )
    ctx = AppContext(session, session.clock)
    tab = answers.tab(ctx)
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.backup_made):
        tab.back_up()
    assert tab.restore() is None
    assert "Nothing was restored" in tab.result.text() and answers.questions == []
    assert ctx.session is session and session.is_open

    damaged = tmp_path / "damaged.fslbackup"
    damaged.write_bytes(b"not a backup at all")
    answers.source, answers.passphrase = damaged, PASSPHRASE
    assert tab.restore() is None
    assert "damaged" in tab.result.text() and ctx.session is session


def test_practitioners_cannot_back_up_or_restore(qtbot, session, data_dir: Path, tmp_path: Path) -> None:
    from setting_app.services import casebook, staff

    staff.add_user(session, "pat", "practitioner", "pat's own passphrase", kdf=TEST_ONLY_FAST_KDF)
    session.close()
    pat = casebook.unlock(data_dir, "pat", "pat's own passphrase", clock=session.clock)
    tab = Answers(target=tmp_path / "b.fslbackup").tab(AppContext(pat, pat.clock))
    qtbot.addWidget(tab)
    assert tab.back_up() is None and "manager" in tab.result.text().lower()
    assert tab.restore() is None and "manager" in tab.result.text().lower()
    assert not (tmp_path / "b.fslbackup").exists()
    pat.close()

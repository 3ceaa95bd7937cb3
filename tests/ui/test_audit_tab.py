"""Records → Audit trail: a manager sees the trail newest first, filters it and checks the chain."""

from __future__ import annotations

from datetime import date

from setting_app.domain.codes import Domain
from setting_app.domain.models import NewEntry, NewFamily
from setting_app.services import audit, families, staff, support_log
from setting_app.storage.casebook_store import CasebookPaths
from setting_app.storage.database import open_database
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import PASSPHRASE

from setting_app.ui.context import AppContext
from setting_app.ui.screens.audit_tab import AuditTab, AuditTableModel
from setting_app.ui.screens.records_privacy import RecordsScreen


def _busy(session) -> tuple[int, int]:
    one = families.add_family(session, NewFamily("FAM-0001", date(2026, 1, 5), notes="CanaryNotesAudit"))
    two = families.add_family(session, NewFamily("FAM-0002", date(2026, 2, 5)))
    families.view_family(session, one.id)
    for minutes in (10, 20):
        support_log.log_entry(session, NewEntry(two.id, date(2026, 11, 2), Domain.CHILD_DEVELOPMENT, minutes))
    staff.add_user(session, "pat", "practitioner", "pat's own passphrase", kdf=TEST_ONLY_FAST_KDF)
    return one.id, two.id


def _texts(tab: AuditTab, column: int) -> list[str]:
    model = tab.model
    return [model.data(model.index(r, column)) for r in range(model.rowCount())]


def test_the_trail_shows_newest_first_and_filters(qtbot, session) -> None:
    _busy(session)
    tab = AuditTab(AppContext(session, session.clock))
    qtbot.addWidget(tab)
    tab.refresh()
    total = audit.count_audit(session)
    assert tab.model.rowCount() == total
    assert _texts(tab, AuditTableModel.ROW)[0] == str(total)
    assert f"{total} rows in the trail" in tab.status.text()
    assert all("CanaryNotesAudit" not in (t or "") for t in _texts(tab, AuditTableModel.DETAIL))

    tab.family_filter.setText("FAM-0001")
    tab.apply_filters()
    assert set(_texts(tab, AuditTableModel.FAMILY)) == {"FAM-0001"}
    assert set(_texts(tab, AuditTableModel.ACTION)) == {"Created", "Opened a family"}

    tab.family_filter.clear()
    tab.action_filter.setCurrentIndex(tab.action_filter.findData(audit.ACCOUNT))
    tab.apply_filters()
    assert set(_texts(tab, AuditTableModel.ACTION)) == {"Account change"}

    tab.clear_filters()
    tab.user_filter.setCurrentIndex(tab.user_filter.findData("manager"))
    tab.date_from.setText("24/11/2026")
    tab.apply_filters()
    assert tab.model.rowCount() == 0 and "0 rows match" in tab.status.text()
    tab.date_from.setText("23/11/2026")
    tab.date_to.setText("23/11/2026")
    tab.apply_filters()
    assert tab.model.rowCount() == total


def test_bad_filters_are_named_plainly(qtbot, session) -> None:
    _busy(session)
    tab = AuditTab(AppContext(session, session.clock))
    qtbot.addWidget(tab)
    tab.refresh()
    tab.family_filter.setText("FAM-0404")
    tab.apply_filters()
    assert "FAM-0404" in tab.status.text() and tab.model.rowCount() == 0
    tab.family_filter.clear()
    tab.date_from.setText("31/02/2026")
    tab.apply_filters()
    assert "From" in tab.status.text()
    tab.date_from.setText("23/11/2026")
    tab.date_to.setText("01/11/2026")
    tab.apply_filters()
    assert "before From" in tab.status.text()


def test_check_names_the_first_broken_row(qtbot, session, data_dir) -> None:
    _busy(session)
    tab = AuditTab(AppContext(session, session.clock))
    qtbot.addWidget(tab)
    assert "whole" in tab.check_chain()
    raw = open_database(CasebookPaths(data_dir).db, session.data_key())
    raw.execute("UPDATE audit_log SET username = 'someone' WHERE id = 3")
    raw.close()
    assert "audit row 3 has been changed" in tab.check_chain()


def test_practitioner_is_refused_and_locking_clears(qtbot, session, data_dir) -> None:
    _busy(session)
    from setting_app.services import casebook

    ctx = AppContext(session, session.clock)
    tab = AuditTab(ctx)
    qtbot.addWidget(tab)
    tab.refresh()
    assert tab.model.rowCount() > 0
    ctx.set_session(None)
    assert tab.model.rowCount() == 0
    session.close()
    pat = casebook.unlock(data_dir, "pat", "pat's own passphrase", clock=session.clock)
    ctx.set_session(pat)
    tab.refresh()
    assert tab.model.rowCount() == 0 and "manager" in tab.status.text().lower()
    pat.close()


def test_the_records_screen_has_the_audit_tab(qtbot, session) -> None:
    screen = RecordsScreen(AppContext(session, session.clock))
    qtbot.addWidget(screen)
    labels = [screen.tabs.tabText(i) for i in range(screen.tabs.count())]
    assert "&Audit trail" in labels
    assert PASSPHRASE not in "".join(labels)

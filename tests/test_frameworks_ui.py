"""Settings → Activity types: the outcome-tag editor, by keyboard, for a manager; read-only for others;
the setting's nation's framework first."""

from __future__ import annotations

import pytest
from conftest import PASSPHRASE, fixed_clock, setting_details
from test_frameworks import _known

from PySide6.QtCore import Qt

from setting_app.domain.codes import Domain, Nation, Role
from setting_app.domain.frameworks import Framework
from setting_app.services import activity_outcomes, audit, casebook, staff, support_log
from setting_app.services.casebook import create_casebook
from setting_app.services.monthly_summary import Month
from setting_app.storage import activity_repo
from setting_app.storage.audit_repo import AuditFilter
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF

from setting_app.ui.context import AppContext
from setting_app.ui.screens.settings import SettingsScreen
from setting_app.ui.widgets.monthly_summary_panel import MonthlySummaryPanel


def _screen(session, qtbot) -> SettingsScreen:
    screen = SettingsScreen(AppContext(session, fixed_clock()))
    screen.kdf = TEST_ONLY_FAST_KDF
    qtbot.addWidget(screen)
    screen.resize(1100, 760)
    screen.show()
    screen.refresh()
    screen.tabs.setCurrentWidget(screen.activities_tab)
    return screen


def _pick(tab, domain: Domain, code: str) -> None:
    tab.domain.setCurrentIndex(tab.domain.findData(domain))
    tab.select_activity(next(a.id for a in tab.activities if a.code == code))


def test_a_manager_ticks_outcomes_by_keyboard_and_saves_them(session, qtbot) -> None:
    screen = _screen(session, qtbot)
    tab = screen.activities_tab
    editor = tab.tags
    assert editor.framework.currentData() == Framework.SUPPORTING_FAMILIES  # England: its own first
    assert [editor.framework.itemData(i) for i in range(editor.framework.count())] == [
        Framework.SUPPORTING_FAMILIES,
        Framework.SHANARRI,
    ]
    _pick(tab, Domain.FINANCIAL_HARDSHIP, "housing_signpost")
    boxes = editor.boxes[Framework.SUPPORTING_FAMILIES]
    assert [c for c, b in boxes.items() if b.isChecked()] == ["housing"]  # the default from 0006
    assert editor.title() == "Outcome tags: Signposting to housing support"
    box = boxes["financial_stability"]
    assert box.accessibleName() == "Supporting Families: Improved financial stability"
    assert box.isEnabled() and box.isVisible()
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert box.isChecked()
    qtbot.keyClick(editor.save_button, Qt.Key.Key_Space)
    activity = activity_repo.get_activity_type(session.conn, Domain.FINANCIAL_HARDSHIP, "housing_signpost")
    assert activity_outcomes.activity_tags(session, activity.id).tags[Framework.SUPPORTING_FAMILIES] == (
        "housing",
        "financial_stability",
    )
    assert "Secure housing, Improved financial stability" in tab.message.text()
    rows = audit.list_audit(session, AuditFilter(action=audit.SETTINGS))
    assert [r.object_id for r in rows if r.object_type == "activity_type"] == [activity.id]

    # Both frameworks can be set: switch to SHANARRI, untick "safe", tick "included".
    editor.framework.setCurrentIndex(editor.framework.findData(Framework.SHANARRI))
    shanarri = editor.boxes[Framework.SHANARRI]
    assert shanarri["safe"].isChecked() and shanarri["safe"].isVisible()
    assert not boxes["housing"].isVisible()
    shanarri["safe"].click()
    shanarri["included"].click()
    editor.save_button.click()
    assert activity_outcomes.activity_tags(session, activity.id).tags[Framework.SHANARRI] == ("included",)


def test_a_new_activity_is_selected_untagged_ready_to_tag(session, qtbot) -> None:
    screen = _screen(session, qtbot)
    tab = screen.activities_tab
    tab.domain.setCurrentIndex(tab.domain.findData(Domain.FAMILY_WELLBEING))
    qtbot.keyClicks(tab.new_label, "Coffee morning")
    qtbot.keyClick(tab.new_label, Qt.Key.Key_Return)
    assert tab.selected_activity().label == "Coffee morning"
    assert "no outcome tags yet" in tab.message.text()
    assert not any(b.isChecked() for b in tab.tags.boxes[Framework.SUPPORTING_FAMILIES].values())
    tab.tags.boxes[Framework.SUPPORTING_FAMILIES]["family_relationships"].click()
    tab.tags.save_button.click()
    own = tab.selected_activity()
    assert activity_outcomes.activity_tags(session, own.id).tags[Framework.SUPPORTING_FAMILIES] == (
        "family_relationships",
    )
    # Choosing another activity and coming back shows what was saved.
    tab.list.setCurrentRow(0)  # wellbeing check-in: health only
    assert tab.selected_activity().code == "wellbeing_checkin"
    assert not tab.tags.boxes[Framework.SUPPORTING_FAMILIES]["family_relationships"].isChecked()
    tab.select_activity(own.id)
    assert tab.tags.boxes[Framework.SUPPORTING_FAMILIES]["family_relationships"].isChecked()


def test_a_practitioner_sees_the_tags_read_only(session, data_dir, qtbot) -> None:
    staff.add_user(session, "pat", Role.PRACTITIONER, PASSPHRASE, kdf=TEST_ONLY_FAST_KDF)
    pat = casebook.unlock(data_dir, "pat", PASSPHRASE, clock=fixed_clock())
    try:
        screen = _screen(pat, qtbot)
        tab = screen.activities_tab
        _pick(tab, Domain.CHILD_DEVELOPMENT, "stay_and_play")
        boxes = tab.tags.boxes[Framework.SUPPORTING_FAMILIES]
        assert boxes["early_years"].isChecked() and not boxes["early_years"].isEnabled()
        assert not tab.tags.save_button.isVisibleTo(tab.tags)
        assert "Only a manager" in tab.tags.hint.text()
    finally:
        pat.close()


@pytest.fixture
def scottish(tmp_path):
    created = create_casebook(
        tmp_path / "scot",
        setting_details(Nation.SCOTLAND),
        "manager",
        "Mina Manager",
        PASSPHRASE,
        kdf=TEST_ONLY_FAST_KDF,
        clock=fixed_clock(),
    )
    yield created.session
    created.session.close()


def test_scotland_shows_shanarri_first(scottish, qtbot) -> None:
    screen = _screen(scottish, qtbot)
    editor = screen.activities_tab.tags
    assert editor.framework.currentData() == Framework.SHANARRI
    _pick(screen.activities_tab, Domain.FAMILY_WELLBEING, "parenting_support")
    shanarri = editor.boxes[Framework.SHANARRI]
    assert [c for c, b in shanarri.items() if b.isChecked()] == ["nurtured", "responsible"]
    assert shanarri["nurtured"].isVisible()
    assert support_log.activity_types(scottish, Domain.FAMILY_WELLBEING)


def test_the_monthly_panel_names_the_leading_outcomes(session, qtbot) -> None:
    _known(session)
    panel = MonthlySummaryPanel(AppContext(session, fixed_clock()))
    qtbot.addWidget(panel)
    panel.show()
    panel.select_month(Month(2026, 10))
    panel.generate()
    qtbot.waitUntil(lambda: not panel.is_busy, timeout=20_000)
    assert panel.summary is not None, panel.status_label.text()
    assert panel.summary.outcomes.by_outcome["early_years"].families == 10
    assert (
        "Families by outcome (Supporting Families): Good early years development 10; "
        "Improved family relationships 10; Children safe from abuse and exploitation 9."
    ) in panel.status_label.text()

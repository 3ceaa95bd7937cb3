"""Records → Retention and erasure, with real widgets offscreen: the queue, keep, hold, erase, schedule."""

from __future__ import annotations

from datetime import date

import pytest

from PySide6.QtCore import Qt

from setting_app.domain.errors import NotFound
from setting_app.domain.models import NewFamily
from setting_app.services import audit, families, retention
from setting_app.services.casebook import unlock
from setting_app.services.staff import add_user
from setting_app.storage.audit_repo import AuditFilter
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF

from setting_app.ui.context import AppContext
from setting_app.ui.screens.retention_tab import DecisionDialog, RetentionTab


@pytest.fixture
def ids(session) -> dict[str, int]:
    made = {}
    for ref, closed in (
        ("FAM-0001", date(2018, 3, 1)),
        ("FAM-0002", date(2019, 7, 1)),
        ("FAM-0003", date(2022, 1, 1)),
    ):
        made[ref] = families.add_family(
            session, NewFamily(ref, date(2016, 1, 1), notes=f"{ref} notes", closed_on=closed)
        ).id
    return made


@pytest.fixture
def tab(qtbot, session, clock, ids) -> RetentionTab:
    widget = RetentionTab(AppContext(session, clock))
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    widget.refresh()
    return widget


def _refs(tab: RetentionTab) -> list[str]:
    model = tab.model
    return [model.data(model.index(r, 0)) for r in range(model.rowCount())]


def _open(qtbot, tab: RetentionTab, ref: str, button) -> DecisionDialog:
    assert tab.select_ref(ref)
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    assert dialog is not None and dialog.isVisible() and ref in dialog.windowTitle()
    return dialog


def test_queue_shows_due_families_with_why(tab: RetentionTab) -> None:
    assert _refs(tab) == ["FAM-0001", "FAM-0002"]
    assert tab.model.data(tab.model.index(0, 2)) == "01/03/2024"
    assert "6 years have passed" in tab.model.data(tab.model.index(0, 3))
    assert tab.summary.text().startswith("2 families are due")
    assert tab.model.headerData(3, Qt.Orientation.Horizontal) == "Why"
    # Nothing selected: no decision can be started.
    assert not any(
        b.isEnabled() for b in (tab.keep_button, tab.hold_button, tab.release_button, tab.erase_button)
    )


def test_keep_needs_a_reason_then_leaves_the_queue(qtbot, tab: RetentionTab, session, ids) -> None:
    dialog = _open(qtbot, tab, "FAM-0001", tab.keep_button)
    dialog.next_review.setText("01/01/2029")
    assert dialog.save() is False
    assert "give the reason" in dialog.errors.message_for("reason")
    assert dialog.isVisible() and dialog.next_review.text() == "01/01/2029"
    dialog.reason_text.setPlainText("Sibling starts in January")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert _refs(tab) == ["FAM-0002"]
    [review] = retention.reviews(session, ids["FAM-0001"])
    assert (review.decision, review.next_review_on, review.reason) == (
        "keep",
        date(2029, 1, 1),
        "Sibling starts in January",
    )


def test_hold_and_release(qtbot, tab: RetentionTab, session, ids) -> None:
    dialog = _open(qtbot, tab, "FAM-0002", tab.hold_button)
    dialog.reason_text.setPlainText("Solicitor's letter")
    assert dialog.save() is True
    assert _refs(tab) == ["FAM-0001"]
    tab.show_held.setChecked(True)
    assert _refs(tab) == ["FAM-0001", "FAM-0002"]
    assert tab.model.data(tab.model.index(1, 5)) == "On hold"
    assert tab.model.data(tab.model.index(1, 3)) == "On legal hold: Solicitor's letter"
    tab.select_ref("FAM-0002")
    assert not tab.erase_button.isEnabled() and not tab.keep_button.isEnabled()
    dialog = _open(qtbot, tab, "FAM-0002", tab.release_button)
    dialog.reason_text.setPlainText("Matter settled")
    assert dialog.save() is True
    assert [r.decision for r in retention.reviews(session, ids["FAM-0002"])] == ["hold", "release_hold"]
    assert tab.model.data(tab.model.index(1, 5)) == "No"


def test_erase_asks_for_a_reason_and_the_reference_again(qtbot, tab: RetentionTab, session, ids) -> None:
    dialog = _open(qtbot, tab, "FAM-0001", tab.erase_button)
    assert dialog.save() is False
    assert "choose why the family is erased" in dialog.errors.message_for("reason")
    dialog.reason_choice.setCurrentIndex(dialog.reason_choice.findData("retention_ended"))
    dialog.confirm_ref.setText("FAM-0002")
    assert dialog.save() is False
    assert "type FAM-0001 exactly" in dialog.errors.message_for("confirm")
    assert families.get_family(session, ids["FAM-0001"]).notes == "FAM-0001 notes"
    dialog.confirm_ref.setText("FAM-0001")
    with qtbot.waitSignal(tab.ctx.data_changed) as changed:
        assert dialog.save() is True
    assert changed.args == ["families"]
    with pytest.raises(NotFound):
        families.get_family(session, ids["FAM-0001"])
    assert _refs(tab) == ["FAM-0002"]
    [row] = audit.list_audit(session, AuditFilter(action=audit.ERASE))
    assert (row.family_id, row.detail) == (ids["FAM-0001"], "reason=retention_ended")


def test_erase_refused_for_a_family_put_on_hold_meanwhile(qtbot, tab: RetentionTab, session, ids) -> None:
    dialog = _open(qtbot, tab, "FAM-0002", tab.erase_button)
    retention.place_hold(session, ids["FAM-0002"], "Late court order")
    dialog.reason_choice.setCurrentIndex(dialog.reason_choice.findData("erasure_request"))
    dialog.confirm_ref.setText("FAM-0002")
    assert dialog.save() is False
    assert "on legal hold and cannot be erased" in dialog.errors.general.text()
    assert families.get_family(session, ids["FAM-0002"]).notes == "FAM-0002 notes"


def test_schedule_settings(qtbot, tab: RetentionTab, session) -> None:
    assert (tab.closed_years.value(), tab.safeguarding_age.value()) == (6, 25)
    tab.closed_years.setValue(4)
    qtbot.mouseClick(tab.save_schedule_button, Qt.MouseButton.LeftButton)
    assert retention.schedule(session) == retention.Schedule(4, 25)
    assert _refs(tab) == ["FAM-0001", "FAM-0002", "FAM-0003"]


def test_practitioner_sees_a_plain_refusal(qtbot, session, clock, data_dir, ids) -> None:
    add_user(session, "pat", "practitioner", "practitioner passphrase 1", kdf=TEST_ONLY_FAST_KDF)
    pat = unlock(data_dir, "pat", "practitioner passphrase 1")
    try:
        widget = RetentionTab(AppContext(pat, clock))
        qtbot.addWidget(widget)
        widget.refresh()
        assert widget.model.rowCount() == 0
        assert "Only a manager can see the retention review queue" in widget.summary.text()
    finally:
        pat.close()

"""Records → Self-evaluation with real widgets offscreen: fill the questionnaire by keyboard, save,
the history and the change since last time, errors beside their field, Save as PDF, and the
read-only form practitioners see."""

from __future__ import annotations

import subprocess
from pathlib import Path

from PySide6.QtCore import Qt

from setting_app.domain.self_evaluation import INGREDIENT_CODES
from setting_app.services import self_evaluation
from setting_app.services.casebook import unlock
from setting_app.services.staff import add_user
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import PASSPHRASE

from setting_app.ui.context import AppContext
from setting_app.ui.screens.self_evaluation_tab import SelfEvaluationTab

PAT_PASSPHRASE = "practitioner passphrase 1"


def _tab(qtbot, session, clock, **kwargs) -> SelfEvaluationTab:
    widget = SelfEvaluationTab(AppContext(session, clock), **kwargs)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    widget.refresh()
    return widget


def _fill(tab: SelfEvaluationTab, values: tuple[int, ...]) -> None:
    for row, value in zip(tab.rows, values, strict=True):
        row.rating.setCurrentIndex(value)


def test_a_manager_fills_in_saves_and_sees_the_change(qtbot, session, clock, tmp_path: Path) -> None:
    self_evaluation.record(session, dict.fromkeys(INGREDIENT_CODES, 2), completed_on="2025-11-01")
    saved_to: list[str] = []
    tab = _tab(
        qtbot, session, clock, choose_pdf=lambda _parent, name: saved_to.append(name) or tmp_path / name
    )
    assert tab.model.rowCount() == 1 and "The first evaluation" in tab.details.toPlainText()

    # Keyboard: the first rating chooser takes Down to "1 Not in place", then the rest by index.
    first = tab.rows[0].rating
    first.setFocus()
    qtbot.keyClick(first, Qt.Key.Key_Down)
    qtbot.keyClick(first, Qt.Key.Key_Down)
    qtbot.keyClick(first, Qt.Key.Key_Down)
    assert first.currentData() == 3
    assert "Looks like:" in tab.rows[0].looks_like.text()
    for row, value in zip(tab.rows[1:], (2, 1, 4, 2, 3), strict=True):
        row.rating.setCurrentIndex(value)
    qtbot.keyClicks(tab.rows[0].evidence, "Termly meetings with the health visitors")
    saved = tab.save()
    assert saved is not None and saved.rating("shared_ethos") == 3
    assert tab.model.rowCount() == 2 and tab.selected().id == saved.id
    details = tab.details.toPlainText()
    assert "Developing (3)" in details and "\u2191 from 2" in details and "\u2193 from 2" in details
    assert "Termly meetings with the health visitors" in details
    assert tab.rows[0].value() is None  # the form is clear for next time

    qtbot.mouseClick(tab.pdf_button, Qt.MouseButton.LeftButton)
    assert saved_to == ["self-evaluation-2026-11-23.pdf"]
    pdf = tmp_path / saved_to[0]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert [line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")] == ["1"]


def test_a_missing_rating_is_shown_beside_it_and_nothing_is_lost(qtbot, session, clock) -> None:
    tab = _tab(qtbot, session, clock)
    _fill(tab, (1, 2, 3, 4, 2, 0))
    tab.rows[2].evidence.setPlainText("Outreach note kept")
    assert tab.save() is None
    message = tab.errors.message_for("training_spotting_need")
    assert "Training in spotting need" in message and "needs a rating" in message
    assert tab.rows[2].evidence.toPlainText() == "Outreach note kept" and tab.rows[0].value() == 1
    assert self_evaluation.list_evaluations(session) == []

    tab.rows[5].rating.setCurrentIndex(3)
    tab.completed_on.setText("24/11/2026")
    assert tab.save() is None
    assert "future" in tab.errors.message_for("date")


def test_practitioners_see_it_read_only(qtbot, session, clock, data_dir) -> None:
    self_evaluation.record(session, dict.fromkeys(INGREDIENT_CODES, 3), {"shared_ethos": "Shared plans"})
    add_user(session, "pat", "practitioner", PAT_PASSPHRASE, kdf=TEST_ONLY_FAST_KDF)
    pat = unlock(data_dir, "pat", PAT_PASSPHRASE)
    try:
        tab = _tab(qtbot, pat, clock)
        assert not tab.save_button.isEnabled()
        assert all(not row.rating.isEnabled() and row.evidence.isReadOnly() for row in tab.rows)
        assert "Only a manager" in tab.who_note.text()
        assert tab.model.rowCount() == 1 and "Shared plans" in tab.details.toPlainText()
        assert tab.pdf_button.isEnabled()
    finally:
        pat.close()


def test_every_control_has_a_name(qtbot, session, clock) -> None:
    from tests.ui.test_accessibility import unnamed_controls

    self_evaluation.record(session, dict.fromkeys(INGREDIENT_CODES, 3))
    tab = _tab(qtbot, session, clock)
    assert unnamed_controls(tab) == []


def test_the_la_export_preview_says_whether_ratings_go_with_the_return(qtbot, session, clock) -> None:
    from PySide6.QtCore import QThreadPool

    from setting_app.ui.widgets.la_export_panel import LaExportPanel

    panel = LaExportPanel(AppContext(session, clock), choose_folder=lambda _w: None)
    qtbot.addWidget(panel)
    panel.select_period("2026-10")
    with qtbot.waitSignal(panel.preview_ready, timeout=10000):
        panel.preview_button.click()
    assert "No self-evaluation was completed in the 12 months" in panel.status_label.text()
    self_evaluation.record(session, dict.fromkeys(INGREDIENT_CODES, 3), completed_on="2026-09-14")
    panel.threshold.setValue(panel.threshold.value() + 1)
    with qtbot.waitSignal(panel.preview_ready, timeout=10000):
        panel.preview_button.click()
    assert "The self-evaluation of 14 September 2026 goes with the return" in panel.status_label.text()
    QThreadPool.globalInstance().waitForDone(5000)


def test_a_half_filled_form_survives_the_lock(qtbot, session, clock, data_dir) -> None:
    """An auto-lock between drop-offs must not lose what the manager was typing."""
    tab = _tab(qtbot, session, clock)
    first = tab.rows[0]
    first.set_value(3)
    first.evidence.setPlainText("Termly joint meetings")
    tab.ctx.set_session(None)
    session.close()
    assert tab.model.rowCount() == 0
    again = unlock(data_dir, "manager", PASSPHRASE, clock=clock)
    try:
        tab.ctx.set_session(again)
        assert first.value() == 3 and first.evidence.toPlainText() == "Termly joint meetings"
    finally:
        again.close()


def test_the_status_line_shows_a_path_as_typed(qtbot, session, clock) -> None:
    tab = _tab(qtbot, session, clock)
    assert tab.status.textFormat() == Qt.TextFormat.PlainText

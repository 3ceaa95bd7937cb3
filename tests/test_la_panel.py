"""Reports → Local authority export, with real widgets offscreen: preview, hidden cells and why,
export to a folder, exact counts, and managers only."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from test_la_builders import build
from test_la_export import KNOWN, KNOWN_REFERRALS

from PySide6.QtCore import QThreadPool

from setting_app.domain.codes import Role
from setting_app.domain.models import StaffUser
from setting_app.services.la_export.exact import generate_authority_keys
from setting_app.services.la_export.verify import verify_package
from setting_app.services.session import Session

from setting_app.ui.context import AppContext
from setting_app.ui.widgets.la_export_panel import LaExportPanel, LaPreviewModel


@pytest.fixture
def panel(session: Session, clock, qtbot, tmp_path: Path):
    build(session, KNOWN, KNOWN_REFERRALS)
    ctx = AppContext(session, clock)
    chosen = {"folder": tmp_path / "return", "key": None}
    widget = LaExportPanel(
        ctx, choose_folder=lambda _w: chosen["folder"], choose_key_file=lambda _w: chosen["key"]
    )
    widget.chosen = chosen
    qtbot.addWidget(widget)
    widget.resize(1100, 640)
    widget.show()
    yield widget
    QThreadPool.globalInstance().waitForDone(5000)


def preview(panel: LaExportPanel, qtbot, code: str = "2026-10"):
    panel.select_period(code)
    with qtbot.waitSignal(panel.preview_ready, timeout=10000) as blocker:
        panel.preview_button.click()
    return blocker.args[0]


def test_preview_lists_hidden_counts_with_the_reason(panel: LaExportPanel, qtbot) -> None:
    assert panel.selected_period().code == "2026-10"  # the last whole month
    assert not panel.export_button.isEnabled()
    export = preview(panel, qtbot)
    assert "counts suppressed" in panel.status_label.text()
    model = panel.model
    hidden = model.rowCount()
    assert hidden == len(export.preview(suppressed_only=True)) > 0
    reasons = {model.index(r, LaPreviewModel.REASON).data() for r in range(hidden)}
    assert reasons >= {"small count", "all in one category"}
    published = {model.index(r, LaPreviewModel.PUBLISHED).data() for r in range(hidden)}
    assert published == {"c"}
    row = next(
        r
        for r in range(hidden)
        if model.index(r, LaPreviewModel.BREAKDOWN).data() == "Financial hardship, Indirect"
        and model.index(r, LaPreviewModel.INDICATOR).data() == "Families supported"
    )
    assert model.index(row, LaPreviewModel.EXACT).data() == "3"
    panel.hidden_only.setChecked(False)
    assert model.rowCount() > hidden
    assert panel.export_button.isEnabled()


def test_changing_the_rule_asks_for_a_new_preview(panel: LaExportPanel, qtbot) -> None:
    preview(panel, qtbot)
    panel.threshold.setValue(10)
    assert panel.export is None and not panel.export_button.isEnabled()
    assert "Press Preview" in panel.status_label.text()
    panel.rounding.setCurrentIndex(2)  # no rounding
    export = preview(panel, qtbot)
    assert (export.params.threshold, export.params.base) == (10, 1)


def test_export_writes_a_signed_return_with_exact_counts(panel: LaExportPanel, qtbot, tmp_path: Path) -> None:
    _, public, fp = generate_authority_keys(tmp_path / "keys")
    panel.chosen["key"] = public
    panel.key_button.click()
    assert fp in panel.key_label.text()
    preview(panel, qtbot)
    with qtbot.waitSignal(panel.export_finished, timeout=10000) as blocker:
        panel.export_button.click()
    written = blocker.args[0]
    assert written.out_dir == tmp_path / "return"
    assert "Saved the October 2026 return" in panel.status_label.text()
    assert written.fingerprint in panel.fingerprint_label.text()
    report = verify_package(written.out_dir)
    assert report.ok, report.problems
    assert (written.out_dir / "exact.enc").exists()
    # A second export into the same folder is refused in words, not a crash.
    with qtbot.waitSignal(panel.failed, timeout=10000) as failed:
        panel.export_button.click()
    assert "not empty" in failed.args[0]


def test_practitioners_cannot_preview_or_export(session: Session, clock, qtbot) -> None:
    practitioner = replace(session, user=StaffUser(99, "pat", "Pat Practitioner", Role.PRACTITIONER))
    practitioner._data_key = session._data_key
    ctx = AppContext(practitioner, clock)
    widget = LaExportPanel(ctx)
    qtbot.addWidget(widget)
    assert not widget.preview_button.isEnabled() and not widget.export_button.isEnabled()
    assert widget.status_label.text() == "Only a manager can make the local authority return."
    widget.generate()
    assert widget.export is None


def test_locking_clears_the_preview(panel: LaExportPanel, qtbot) -> None:
    preview(panel, qtbot)
    panel._ctx.set_session(None)
    assert panel.model.rowCount() == 0 and panel.export is None
    assert panel.status_label.text() == "The casebook is locked."


def test_screenshot_of_the_panel(panel: LaExportPanel, qtbot, tmp_path: Path) -> None:
    preview(panel, qtbot)
    image = panel.grab().toImage()
    assert image.width() >= 1000
    colours = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 23)}
    assert len(colours) > 3  # text and a table were drawn, not a blank box
    target = Path(os.environ.get("LA_PANEL_SCREENSHOT", tmp_path / "la_export_panel.png"))
    assert image.save(str(target))

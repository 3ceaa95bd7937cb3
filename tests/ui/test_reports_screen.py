"""Reports → Monthly summary: made in a worker thread, previewed, printed and saved."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import PASSPHRASE
from test_monthly_summary import build_known_casebook

from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter

from setting_app.domain.codes import Role
from setting_app.services import staff
from setting_app.services.casebook import unlock
from setting_app.services.monthly_summary import Month, monthly_summary
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF

from setting_app.ui.context import AppContext
from setting_app.ui.screens.reports import ReportsScreen

WAIT_MS = 20_000


@pytest.fixture
def ctx(session, clock) -> AppContext:
    build_known_casebook(session)
    return AppContext(session, clock)


@pytest.fixture
def screen(qtbot, ctx: AppContext) -> ReportsScreen:
    widget = ReportsScreen(ctx)
    qtbot.addWidget(widget)
    widget.resize(1000, 760)
    widget.show()
    widget.refresh()
    return widget


def _make(qtbot, screen: ReportsScreen) -> None:
    panel = screen.monthly_panel
    panel.select_month(Month(2026, 10))
    qtbot.mouseClick(panel.preview_button, Qt.MouseButton.LeftButton)
    assert panel.is_busy and panel.progress.isVisible()  # the indicator shows while the worker runs
    assert not panel.preview_button.isEnabled()
    qtbot.waitUntil(lambda: not panel.is_busy, timeout=WAIT_MS)


def test_reports_screen_has_both_tabs(screen: ReportsScreen) -> None:
    tabs = screen.tabs
    assert [tabs.tabText(i).replace("&", "") for i in range(tabs.count())] == [
        "Monthly summary",
        "Local authority export",
    ]
    assert tabs.widget(0) is screen.monthly_panel
    la_tab = tabs.widget(1)
    assert type(la_tab).__name__ == "LaExportPanel" or la_tab.text() == "Coming soon."


def test_defaults_to_the_last_complete_month(screen: ReportsScreen) -> None:
    panel = screen.monthly_panel
    assert panel.selected_month() == Month(2026, 10)  # today is 23 November 2026
    assert panel.month_picker.itemText(0) == "November 2026 (so far)"
    assert not panel.print_button.isEnabled() and not panel.save_button.isEnabled()


def test_preview_made_off_the_ui_thread_shows_the_pages(
    qtbot, screen: ReportsScreen, ctx: AppContext
) -> None:
    panel = screen.monthly_panel
    _make(qtbot, screen)

    assert panel.summary is not None and panel.pdf_bytes is not None
    expected = monthly_summary(ctx.session, "2026-10").to_json_dict()
    shown = panel.summary.to_json_dict()
    assert {k: v for k, v in shown.items() if k != "generated_at"} == {
        k: v for k, v in expected.items() if k != "generated_at"
    }
    pages = panel.preview.page_count()
    assert pages >= 2
    labels = panel.preview.page_labels()
    assert len(labels) == pages
    image = labels[0].pixmap().toImage()
    assert image.width() >= 420
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 5  # a rendered page, not a blank
    assert "October 2026: 4 families and 4 children supported" in panel.status_label.text()
    assert panel.print_button.isEnabled() and panel.save_button.isEnabled()
    assert not ctx.session.conn.in_transaction


def test_print_and_save_give_the_previewed_pdf(qtbot, screen: ReportsScreen, tmp_path: Path) -> None:
    panel = screen.monthly_panel
    _make(qtbot, screen)

    out = tmp_path / "out"
    out.mkdir()
    saved = panel.save_pdf_to(out / "october.pdf")
    assert saved.read_bytes() == panel.pdf_bytes
    assert sorted(p.name for p in out.iterdir()) == ["october.pdf"]  # nothing else written

    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    printed = panel.print_to(printer)
    assert printed == panel.preview.page_count()
    info = subprocess.run(["pdfinfo", str(tmp_path / "printed.pdf")], capture_output=True, text=True).stdout
    assert f"Pages:           {printed}" in info
    assert "Sent" in panel.status_label.text()


def test_locking_clears_the_preview(qtbot, screen: ReportsScreen, ctx: AppContext) -> None:
    panel = screen.monthly_panel
    _make(qtbot, screen)
    session = ctx.session
    ctx.set_session(None)
    assert panel.pdf_bytes is None and panel.summary is None
    assert panel.preview.page_count() == 0 and panel.preview.page_labels() == []
    assert not panel.print_button.isEnabled()
    ctx.set_session(session)


def test_a_month_with_an_error_reports_it_plainly(qtbot, screen: ReportsScreen, ctx: AppContext) -> None:
    panel = screen.monthly_panel
    panel.select_month(Month(2026, 10))
    ctx.session.clock.advance(days=-60)  # "today" moves back to September: October has not started
    qtbot.mouseClick(panel.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.is_busy, timeout=WAIT_MS)
    assert "has not started yet" in panel.status_label.text()
    assert panel.pdf_bytes is None and not panel.save_button.isEnabled()
    ctx.session.clock.advance(days=60)


def test_practitioner_is_told_plainly(qtbot, ctx: AppContext, data_dir, clock) -> None:
    staff.add_user(ctx.session, "pat", Role.PRACTITIONER, PASSPHRASE, kdf=TEST_ONLY_FAST_KDF)
    practitioner = unlock(data_dir, "pat", PASSPHRASE, clock=clock)
    try:
        widget = ReportsScreen(AppContext(practitioner, clock))
        qtbot.addWidget(widget)
        panel = widget.monthly_panel
        qtbot.mouseClick(panel.preview_button, Qt.MouseButton.LeftButton)
        assert not panel.is_busy
        assert panel.status_label.text() == "Only a manager can make the monthly summary."
        assert panel.pdf_bytes is None
    finally:
        practitioner.close()

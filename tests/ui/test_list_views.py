"""Issue 25: no Qt default walks a whole windowed list (type-to-search, header clicks, select-all,
copy, column sizing), and every list in the app is a tamed ``ListView``."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from PySide6.QtCore import QPoint, Qt, QThreadPool
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QTableView

from setting_app.domain.codes import Domain
from setting_app.domain.models import NewEntry, NewFamily
from setting_app.services import families, support_log
from setting_app.storage import entry_repo
from setting_app.storage.entry_repo import EntryFilter
from setting_app.storage.unit_of_work import unit_of_work

from setting_app.ui.context import AppContext
from setting_app.ui.main_window import MainWindow
from setting_app.ui.screens import NAVIGATION
from setting_app.ui.screens.families import FamiliesScreen
from setting_app.ui.screens.log import LogScreen
from setting_app.ui.widgets.list_view import IN_MEMORY_SEARCH_LIMIT, ListView

ENTRIES = 3_000  # 15 pages of 200


@pytest.fixture
def ctx(session, clock, qtbot) -> AppContext:
    return AppContext(session, clock)


@pytest.fixture
def big_log(session) -> dict[str, int]:
    """Three families; FAM-0003 (Zebedee) has only old entries, deep in the newest-first log."""
    ids = {
        ref: families.add_family(session, NewFamily(ref, date(2015, 1, 1), carers=())).id
        for ref in ("FAM-0001", "FAM-0002", "FAM-0003")
    }
    with unit_of_work(session.conn):
        entry_repo.add_entries(
            session.conn,
            [
                NewEntry(
                    ids["FAM-0003"] if i < 40 else (ids["FAM-0001"], ids["FAM-0002"])[i % 2],
                    date(2017, 1, 1) + timedelta(days=i),
                    list(Domain)[i % 4],
                    10,
                    staff_id=session.user.id,
                    note=f"entry {i}",
                )
                for i in range(ENTRIES)
            ],
            session.clock.now(),
        )
    return ids


def shown(qtbot, widget):
    qtbot.addWidget(widget)
    widget.resize(1100, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_row_of_family_is_the_newest_entry_of_that_family(session, big_log) -> None:
    flt = EntryFilter()
    row = support_log.log_row_of_family(session, flt, big_log["FAM-0003"])
    # 40 oldest entries are FAM-0003's: its newest is the 40th from the bottom.
    assert row == ENTRIES - 40
    newest = support_log.log_window(session, flt, offset=row, limit=1)[0]
    assert newest.family_id == big_log["FAM-0003"]
    first = list(Domain)[0]
    # With a domain filter: FAM-0003's newest entry in that domain is i=36; newer ones are i%4==0 above it.
    expected = len([i for i in range(37, ENTRIES) if i % 4 == 0])
    assert support_log.log_row_of_family(session, EntryFilter(domain=first), big_log["FAM-0003"]) == expected
    empty = families.add_family(session, NewFamily("FAM-0009", date(2020, 1, 1))).id
    assert support_log.log_row_of_family(session, flt, empty) is None


def test_typing_in_the_log_jumps_to_the_family_by_indexed_query(qtbot, ctx, big_log) -> None:
    screen = shown(qtbot, LogScreen(ctx))
    model = screen.model
    assert model.rowCount() == ENTRIES
    screen.table.setFocus()
    before = model.fetch_count
    qtbot.keyClicks(screen.table, "FAM-0003")
    # Qt's own type-to-search would have read all 15 pages; the indexed query reads the target's.
    assert model.fetch_count - before <= 3
    assert screen.table.last_search == "found"
    row = screen.table.currentIndex().row()
    assert row == ENTRIES - 40
    assert model.record(row).family_id == big_log["FAM-0003"]


def test_typing_something_no_family_has_says_so_and_reads_nothing(qtbot, ctx, big_log) -> None:
    screen = shown(qtbot, LogScreen(ctx))
    screen.table.setFocus()
    before = screen.model.fetch_count
    qtbot.keyClicks(screen.table, "zzqx")
    assert screen.model.fetch_count == before
    assert screen.table.last_search == "not found"
    assert "No family matching" in screen.problem.text()


def test_typing_in_the_families_list_goes_to_its_search_box(qtbot, ctx, big_log) -> None:
    screen = shown(qtbot, FamiliesScreen(ctx))
    screen.table.setFocus()
    before = screen.model.fetch_count
    qtbot.keyClicks(screen.table, "FAM-0002")
    assert screen.table.last_search == "routed"
    assert screen.search.text() == "FAM-0002"
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1, timeout=3000)
    assert screen.model.fetch_count - before <= 2


def test_header_clicks_sizing_select_all_and_copy_stay_bounded(qtbot, ctx, big_log) -> None:
    screen = shown(qtbot, LogScreen(ctx))
    table, model = screen.table, screen.model
    header = table.horizontalHeader()
    # Header clicks sort in SQL (tests/ui/test_list_sorting.py), never through Qt's in-memory sorting.
    assert header.sectionsClickable() and not table.isSortingEnabled()
    assert header.resizeContentsPrecision() == 0
    pages_before = model.fetch_count
    qtbot.mouseClick(  # Family: not a sortable column, so nothing happens
        header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(header.sectionPosition(1) + 5, 5)
    )
    assert not table.selectionModel().hasSelection()
    assert header.sortIndicatorSection() == model.DATE and model.is_default_order
    # Double-click on a section edge measures the column: only the rows on screen.
    table.resizeColumnToContents(0)
    table.resizeColumnsToContents()
    table.selectAll()
    assert not table.selectionModel().hasSelection()
    assert model.fetch_count - pages_before <= 1
    screen.go_to_row(1234)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    copied = QGuiApplication.clipboard().text()
    assert copied.count("\n") == 0 and copied.count("\t") == len(model.COLUMNS) - 1
    assert f"entry {ENTRIES - 1 - 1234}" in copied
    assert model.fetch_count - pages_before <= 3


def test_small_in_memory_lists_keep_qts_own_type_to_search(qtbot) -> None:
    from PySide6.QtGui import QStandardItem, QStandardItemModel

    model = QStandardItemModel(0, 1)
    for word in ("apple", "banana", "cherry"):
        model.appendRow(QStandardItem(word))
    view = shown(qtbot, ListView())
    view.setModel(model)
    view.setFocus()
    qtbot.keyClicks(view, "ch")
    assert view.currentIndex().row() == 2 and view.last_search == "qt"
    big = QStandardItemModel(IN_MEMORY_SEARCH_LIMIT + 3, 1)  # filled before the view sees it
    for row, word in enumerate(("apple", "banana", "cherry")):
        big.setItem(row, 0, QStandardItem(word))
    view.setModel(big)
    view.setCurrentIndex(big.index(0, 0))
    qtbot.wait(QGuiApplication.styleHints().keyboardInputInterval() + 50)
    qtbot.keyClicks(view, "ch")
    assert view.last_search == "ignored" and view.currentIndex().row() == 0


def test_every_list_in_the_app_is_tamed(qtbot, session, clock, data_dir, tmp_path) -> None:
    ctx = AppContext(session, clock)
    window = MainWindow(ctx, data_dir, log_dir=tmp_path / "logs")
    qtbot.addWidget(window)
    window.show()
    for spec in NAVIGATION:
        window.show_screen(spec.key)
    window.screen("family")
    QThreadPool.globalInstance().waitForDone(5000)
    views = window.findChildren(QTableView)
    assert len(views) >= 8
    for view in views:
        if not isinstance(view, ListView):
            # Small fixed tables (dashboard figures, dialogs' word tables) hold a handful of rows.
            assert view.model().rowCount() < 100, view.accessibleName()
            assert view.selectionMode() != QAbstractItemView.SelectionMode.ExtendedSelection or (
                view.model().rowCount() < 100
            )
    tamed = [v.accessibleName() for v in views if isinstance(v, ListView)]
    for name in (
        "Support log",
        "Families list",
        "Audit trail",
        "Service directory",
        "Information-sharing record",
    ):
        assert name in tamed


def test_a_slow_count_is_made_on_a_worker_thread(qtbot, ctx, big_log, monkeypatch) -> None:
    from setting_app.ui.models.entry_table_model import EntryTableModel

    screen = shown(qtbot, LogScreen(ctx))
    assert screen.count_label.text() == f"{ENTRIES:,} entries"
    # Any budget is too short for this count (a domain filter reads every row): it moves off the UI thread.
    monkeypatch.setattr(EntryTableModel, "COUNT_BUDGET_MS", 0.0)
    with qtbot.waitSignal(screen.model.counted, timeout=5000) as counted:
        screen.domain.setCurrentIndex(1)
        assert screen.model.counting and screen.model.rowCount() == 0
        assert screen.count_label.text() == "Counting…"
    assert counted.args == [ENTRIES // 4]
    assert screen.model.rowCount() == ENTRIES // 4 and not screen.model.counting
    assert screen.count_label.text() == f"{ENTRIES // 4:,} entries"
    assert screen.model.record(0) is not None


def test_a_count_overtaken_by_another_filter_is_dropped(qtbot, ctx, big_log, monkeypatch) -> None:
    from setting_app.ui.models.entry_table_model import EntryTableModel

    screen = shown(qtbot, LogScreen(ctx))
    monkeypatch.setattr(EntryTableModel, "COUNT_BUDGET_MS", 0.0)
    screen.domain.setCurrentIndex(1)
    monkeypatch.setattr(EntryTableModel, "COUNT_BUDGET_MS", None)
    screen.domain.setCurrentIndex(0)  # all domains, counted at once
    QThreadPool.globalInstance().waitForDone(5000)
    qtbot.wait(50)
    assert screen.model.rowCount() == ENTRIES and not screen.model.counting


def test_a_slow_type_to_search_answers_from_a_worker_thread(qtbot, ctx, big_log, monkeypatch) -> None:
    from setting_app.ui.screens import log as log_screen

    screen = shown(qtbot, LogScreen(ctx))
    screen.domain.setCurrentIndex(1)  # first domain: FAM-0003's newest there is i=36
    monkeypatch.setattr(log_screen, "SEARCH_BUDGET_MS", 0.0)
    screen.table.setFocus()
    qtbot.keyClicks(screen.table, "FAM-0003")
    assert screen.problem.text() == "Looking for FAM-0003…"
    expected = len([i for i in range(37, ENTRIES) if i % 4 == 0])
    qtbot.waitUntil(lambda: screen.table.currentIndex().row() == expected, timeout=5000)
    assert screen.model.record(expected).family_id == big_log["FAM-0003"]
    assert screen.problem.text() == ""


def test_within_budget_gives_up_on_a_long_read_only(session, big_log) -> None:
    from setting_app.storage.budget import within_budget

    conn = session.conn
    slow = "SELECT count(*) FROM support_entries WHERE domain = ? AND note LIKE '%9%'"
    assert (
        within_budget(conn, 0.0, lambda: conn.execute(slow, (list(Domain)[0].value,)).fetchone()[0]) is None
    )
    assert within_budget(conn, 5000, lambda: conn.execute(slow, (list(Domain)[0].value,)).fetchone()[0]) > 0
    # The connection is left as it was: no handler, later reads run to the end.
    assert conn.execute("SELECT count(*) FROM support_entries").fetchone()[0] == ENTRIES

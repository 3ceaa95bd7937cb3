"""The dashboard screen on a casebook with known entries: figures, the by-domain table, follow-ups, chart."""

from __future__ import annotations

from datetime import date

import pytest

from PySide6.QtCharts import QBarCategoryAxis, QStackedBarSeries, QValueAxis
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QLabel, QWidget

from setting_app.domain.codes import DOMAIN_ORDER, Domain, Kind
from setting_app.domain.models import NewEntry, NewFamily
from setting_app.services.families import add_family
from setting_app.services.support_log import log_entry

from setting_app.ui.context import AppContext
from setting_app.ui.main_window import MainWindow
from setting_app.ui.screens import dashboard as dashboard_module
from setting_app.ui.screens.dashboard import DashboardScreen, hours_text


@pytest.fixture
def known(session):
    """Three families; this month (November 2026): 3 entries, 90 minutes, one follow-up due, one overdue."""
    a = add_family(session, NewFamily(ref="FAM-A", opened_on=date(2025, 9, 1)))
    b = add_family(session, NewFamily(ref="FAM-B", opened_on=date(2025, 9, 1)))
    c = add_family(session, NewFamily(ref="FAM-C", opened_on=date(2025, 9, 1)))
    log_entry(session, NewEntry(a.id, date(2025, 12, 3), Domain.FAMILY_WELLBEING, 20))  # first chart month
    log_entry(session, NewEntry(c.id, date(2026, 10, 5), Domain.INCLUSION_SEND, 60))  # last month
    log_entry(
        session,
        NewEntry(a.id, date(2026, 11, 10), Domain.CHILD_DEVELOPMENT, 30, follow_up_on=date(2026, 11, 20)),
    )
    log_entry(session, NewEntry(b.id, date(2026, 11, 12), Domain.FINANCIAL_HARDSHIP, 45, kind=Kind.INDIRECT))
    log_entry(
        session,
        NewEntry(b.id, date(2026, 11, 20), Domain.FAMILY_WELLBEING, 15, follow_up_on=date(2026, 11, 23)),
    )
    return {"a": a, "b": b, "c": c}


@pytest.fixture
def dashboard(session, clock, qtbot, known) -> DashboardScreen:
    screen = DashboardScreen(AppContext(session, clock))
    screen.background = False
    qtbot.addWidget(screen)
    screen.resize(1150, 740)
    screen.show()
    screen.refresh()
    return screen


def _cell(screen: DashboardScreen, row: int, col: int) -> str:
    return screen.domain_table.item(row, col).text()


def test_the_headline_figures_match_the_casebook(dashboard: DashboardScreen) -> None:
    assert dashboard.title.text() == "This month: November 2026"
    assert dashboard.families_card.value.text() == "2"
    assert dashboard.entries_card.value.text() == "3"
    assert dashboard.entries_card.detail.text() == "2 direct, 1 indirect"
    assert dashboard.time_card.value.text() == "1.5 h"
    assert dashboard.due_card.value.text() == "1"
    assert dashboard.overdue_card.value.text() == "1"
    assert dashboard.families_card.accessibleName() == "Families supported: 2"


def test_the_by_domain_table_has_four_domains_and_a_total(dashboard: DashboardScreen) -> None:
    table = dashboard.domain_table
    headings = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    assert headings == [d.short_label() for d in DOMAIN_ORDER] + ["All domains"]
    rows = {d: DOMAIN_ORDER.index(d) for d in DOMAIN_ORDER}
    assert [_cell(dashboard, rows[Domain.CHILD_DEVELOPMENT], c) for c in range(4)] == ["1", "0", "1", "0.5 h"]
    assert [_cell(dashboard, rows[Domain.INCLUSION_SEND], c) for c in range(4)] == ["0", "0", "0", "0.0 h"]
    assert [_cell(dashboard, rows[Domain.FAMILY_WELLBEING], c) for c in range(4)] == ["1", "0", "1", "0.2 h"]
    assert [_cell(dashboard, rows[Domain.FINANCIAL_HARDSHIP], c) for c in range(4)] == [
        "0",
        "1",
        "1",
        "0.8 h",
    ]
    assert [_cell(dashboard, 4, c) for c in range(4)] == ["2", "1", "3", "1.5 h"]
    assert table.item(4, 0).font().bold()
    assert table.verticalHeaderItem(0).toolTip() == "Child development and home learning"


def test_the_by_domain_table_is_not_clipped_in_the_main_window_at_1280_by_800(
    session, clock, data_dir, qtbot, tmp_path, known
) -> None:
    window = MainWindow(AppContext(session, clock), data_dir, log_dir=tmp_path)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    screen = window.screens["dashboard"]
    screen.background = False
    screen.refresh()
    qtbot.wait(20)
    table = screen.domain_table
    header = table.horizontalHeader()
    # Every column is at least as wide as its heading and its widest cell wants.
    for col in range(table.columnCount()):
        assert header.sectionSize(col) >= header.sectionSizeHint(col), col
        assert header.sectionSize(col) >= table.sizeHintForColumn(col), col
    assert table.verticalHeader().width() >= table.verticalHeader().sizeHint().width()
    # All five rows and all four columns fit inside the viewport: nothing to scroll to.
    assert table.viewport().height() >= sum(table.rowHeight(r) for r in range(table.rowCount()))
    assert table.viewport().width() >= sum(header.sectionSize(c) for c in range(table.columnCount()))
    assert table.verticalScrollBar().maximum() == 0 and table.horizontalScrollBar().maximum() == 0
    # And the table is on screen, inside the window.
    bottom_right = table.mapTo(window, table.rect().bottomRight())
    assert 0 < bottom_right.x() <= window.width() and 0 < bottom_right.y() <= window.height()
    window.close()
    QThreadPool.globalInstance().waitForDone(5000)


def test_open_follow_ups_list_due_and_overdue_and_enter_opens_the_family(
    dashboard: DashboardScreen, known, qtbot
) -> None:
    table = dashboard.follow_ups
    assert table.rowCount() == 2
    texts = [table.item(r, 0).text() for r in range(2)]
    assert texts == ["23/11/2026 (today)", "20/11/2026 (overdue)"]
    assert [table.item(r, 1).text() for r in range(2)] == ["FAM-B", "FAM-A"]
    table.setFocus()
    table.setCurrentCell(1, 0)
    with qtbot.waitSignal(dashboard.ctx.open_family_requested) as opened:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert opened.args == [known["a"].id]


def test_the_chart_shows_twelve_months_by_domain(dashboard: DashboardScreen) -> None:
    chart = dashboard.chart
    (series,) = chart.series()
    assert isinstance(series, QStackedBarSeries)
    x_axis = next(a for a in chart.axes() if isinstance(a, QBarCategoryAxis))
    assert x_axis.categories() == [
        "Dec 25",
        "Jan 26",
        "Feb 26",
        "Mar 26",
        "Apr 26",
        "May 26",
        "Jun 26",
        "Jul 26",
        "Aug 26",
        "Sep 26",
        "Oct 26",
        "Nov 26",
    ]
    sets = {bar_set.label(): bar_set for bar_set in series.barSets()}
    assert list(sets) == [d.short_label() for d in DOMAIN_ORDER]
    assert all(bar_set.count() == 12 for bar_set in sets.values())
    assert sets["Family wellbeing"].at(0) == 1  # December 2025
    assert sets["Inclusion/SEND"].at(10) == 1  # October 2026
    assert sets["Child development"].at(11) == 1 and sets["Financial hardship"].at(11) == 1
    assert sum(sets["Family wellbeing"].at(i) for i in range(12)) == 2
    assert "October 2026: 1 entries" in dashboard.chart_view.accessibleDescription()

    dashboard.chart_mode.setCurrentIndex(dashboard.chart_mode.findData(DashboardScreen.CHART_HOURS))
    (series,) = dashboard.chart.series()
    sets = {bar_set.label(): bar_set for bar_set in series.barSets()}
    assert sets["Inclusion/SEND"].at(10) == pytest.approx(1.0)
    y_axis = next(a for a in dashboard.chart.axes() if isinstance(a, QValueAxis))
    assert y_axis.titleText() == "Staff hours"


def test_an_empty_casebook_says_how_to_start(session, clock, qtbot) -> None:
    screen = DashboardScreen(AppContext(session, clock))
    screen.background = False
    qtbot.addWidget(screen)
    screen.refresh()
    assert screen.entries_card.value.text() == "0"
    assert "Ctrl+N" in screen.entries_card.detail.text()
    assert screen.follow_ups.rowCount() == 0
    assert screen.chart.series()[0].barSets()[0].count() == 12


def test_figures_computed_on_a_worker_thread_arrive(dashboard: DashboardScreen, qtbot) -> None:
    dashboard.background = True
    dashboard.figures = None
    with qtbot.waitSignal(dashboard.refreshed, timeout=5000):
        dashboard.refresh()
    assert dashboard.figures is not None and dashboard.figures.entries == 3


def test_hours_text() -> None:
    assert hours_text(90) == "1.5 h"
    assert hours_text(60 * 1234) == "1,234.0 h"


class StandInAgreementsPanel(QWidget):
    """Stands in for the agreements author's panel, to test the dashboard's wiring of it."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.refreshed = 0
        QLabel("Agreements due for review", self)

    def refresh(self) -> None:
        self.refreshed += 1


def test_an_agreements_due_panel_is_shown_and_refreshed_when_it_exists(
    session, clock, qtbot, monkeypatch
) -> None:
    monkeypatch.setattr(dashboard_module, "AGREEMENTS_DUE_PANEL", (__name__, StandInAgreementsPanel.__name__))
    screen = DashboardScreen(AppContext(session, clock))
    screen.background = False
    qtbot.addWidget(screen)
    assert isinstance(screen.agreements_panel, StandInAgreementsPanel)
    assert screen.isAncestorOf(screen.agreements_panel)
    screen.refresh()
    assert screen.agreements_panel.refreshed == 1


def test_without_the_agreements_module_the_dashboard_still_opens(session, clock, qtbot, monkeypatch) -> None:
    monkeypatch.setattr(dashboard_module, "AGREEMENTS_DUE_PANEL", ("setting_app.ui.widgets.nope", "Nope"))
    screen = DashboardScreen(AppContext(session, clock))
    qtbot.addWidget(screen)
    assert screen.agreements_panel is None
    screen.refresh()  # and refreshing does not trip over the missing panel

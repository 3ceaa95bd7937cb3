"""The dashboard: this month at a glance, open follow-ups and the last 12 months by domain.

The figures come from ``services.dashboard`` (one GROUP BY per figure); they are computed on a
worker thread with its own connection, so a large casebook never freezes the window.
"""

from __future__ import annotations

from PySide6.QtCharts import QBarCategoryAxis, QBarSet, QChart, QChartView, QStackedBarSeries, QValueAxis
from PySide6.QtCore import QMargins, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.codes import DOMAIN_ORDER, Kind, Nation
from setting_app.domain.palette import DOMAIN_COLOURS
from setting_app.services.dashboard import DashboardFigures, dashboard_figures

from setting_app.ui.context import AppContext
from setting_app.ui.formatting import uk_date
from setting_app.ui.screens import REFERRALS_DUE_PANEL, load_class
from setting_app.ui.widgets.domain_chip import domain_icon
from setting_app.ui.workers import run_with_session

#: The "Agreements due for review" panel, if the agreements author has added it.
AGREEMENTS_DUE_PANEL = ("setting_app.ui.widgets.agreements_due_panel", "AgreementsDuePanel")


def hours_text(minutes: int) -> str:
    """Staff time as hours with one decimal: ``12.5 h``."""
    return f"{minutes / 60:,.1f} h"


def _scaled(widget: QWidget, factor: float, *, bold: bool = False) -> None:
    """Bigger or smaller than the system font, never a fixed size."""
    font = widget.font()
    font.setPointSizeF(font.pointSizeF() * factor)
    font.setBold(bold)
    widget.setFont(font)


class FigureCard(QFrame):
    """One headline number with its caption."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.caption = QLabel(caption)
        self.caption.setWordWrap(True)
        self.value = QLabel("–")
        self.value.setObjectName("figure")
        _scaled(self.value, 2.0, bold=True)
        self.detail = QLabel("")
        self.detail.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        layout.addWidget(self.detail)
        layout.addStretch(1)
        self._caption_text = caption
        self.setAccessibleName(caption)  # until the figures arrive
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)

    def set_value(self, value: str, detail: str = "") -> None:
        self.value.setText(value)
        self.detail.setText(detail)
        self.setAccessibleName(f"{self._caption_text}: {value}" + (f", {detail}" if detail else ""))


class FollowUpTable(QTableWidget):
    """Open follow-ups; Enter or double-click opens the family."""

    open_family = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentRow() >= 0:
            self._open(self.currentRow())
            return
        super().keyPressEvent(event)

    def _open(self, row: int) -> None:
        item = self.item(row, 0)
        if item is not None:
            self.open_family.emit(int(item.data(Qt.ItemDataRole.UserRole)))


class DashboardScreen(QWidget):
    #: The figures on screen were replaced (after each refresh).
    refreshed = Signal()

    CHART_ENTRIES = "entries"
    CHART_HOURS = "hours"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        #: Compute on a worker thread (tests may switch this off to compute in place).
        self.background = True
        self.figures: DashboardFigures | None = None
        self._pending = False
        self._generation = 0

        self.title = QLabel("This month")
        _scaled(self.title, 1.5, bold=True)
        self.status = QLabel("")
        self.status.setAccessibleName("Dashboard status")

        self.families_card = FigureCard("Families supported")
        self.entries_card = FigureCard("Support entries")
        self.time_card = FigureCard("Staff time")
        self.due_card = FigureCard("Follow-ups due today")
        self.overdue_card = FigureCard("Follow-ups overdue")
        cards = QHBoxLayout()
        for card in (self.families_card, self.entries_card, self.time_card, self.due_card, self.overdue_card):
            cards.addWidget(card)

        self.domain_table = QTableWidget(len(DOMAIN_ORDER) + 1, 4)
        self.domain_table.setAccessibleName("This month by domain and kind")
        self.domain_table.setHorizontalHeaderLabels(["Direct", "Indirect", "Entries", "Staff time"])
        self.domain_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.domain_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        # Every column and row as big as its contents: the table never clips and never scrolls.
        self.domain_table.setWordWrap(False)
        self.domain_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.domain_table.horizontalHeader().setStretchLastSection(False)
        self.domain_table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.domain_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.domain_table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.domain_table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.domain_table.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._show_domain_labels(Nation.ENGLAND)

        self.follow_ups = FollowUpTable(0, 4)
        self.follow_ups.setAccessibleName("Open follow-ups")
        self.follow_ups.setHorizontalHeaderLabels(["Due", "Family", "Domain", "Logged"])
        self.follow_ups.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.follow_ups.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.follow_ups.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.follow_ups.verticalHeader().hide()
        self.follow_ups.horizontalHeader().setStretchLastSection(True)
        self.follow_ups.cellDoubleClicked.connect(lambda row, _col: self.follow_ups._open(row))
        self.follow_ups.open_family.connect(ctx.open_family_requested)
        follow_ups_box = QVBoxLayout()
        follow_ups_label = QLabel("&Open follow-ups")
        _scaled(follow_ups_label, 1.15, bold=True)
        follow_ups_label.setBuddy(self.follow_ups)
        follow_ups_note = QLabel("Open until something later is logged for the family.")
        follow_ups_note.setWordWrap(True)
        follow_ups_box.addWidget(follow_ups_label)
        follow_ups_box.addWidget(follow_ups_note)
        follow_ups_box.addWidget(self.follow_ups)

        self.chart = QChart()
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.chart_view = QChartView(self.chart)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(240)
        self.chart_view.setAccessibleName("Last 12 months by domain")
        self.chart_view.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.chart_mode = QComboBox()
        self.chart_mode.addItem("Entries", self.CHART_ENTRIES)
        self.chart_mode.addItem("Staff hours", self.CHART_HOURS)
        self.chart_mode.setAccessibleName("Chart shows")
        self.chart_mode.currentIndexChanged.connect(self._draw_chart)
        chart_head = QHBoxLayout()
        chart_title = QLabel("Last 12 months by domain")
        _scaled(chart_title, 1.15, bold=True)
        chart_head.addWidget(chart_title)
        chart_head.addStretch(1)
        mode_label = QLabel("&Show:")
        mode_label.setBuddy(self.chart_mode)
        chart_head.addWidget(mode_label)
        chart_head.addWidget(self.chart_mode)

        middle = QHBoxLayout()
        by_domain_box = QVBoxLayout()
        by_domain = QLabel("By domain and kind")
        _scaled(by_domain, 1.15, bold=True)
        by_domain_box.addWidget(by_domain)
        by_domain_box.addWidget(self.domain_table)
        by_domain_box.addStretch(1)
        middle.addLayout(by_domain_box, 0)
        middle.addLayout(follow_ups_box, 1)
        panel_cls = load_class(*REFERRALS_DUE_PANEL)
        self.referrals_panel: QWidget | None = panel_cls(ctx) if panel_cls is not None else None
        agreements_cls = load_class(*AGREEMENTS_DUE_PANEL)
        self.agreements_panel: QWidget | None = agreements_cls(ctx) if agreements_cls is not None else None
        side = [p for p in (self.referrals_panel, self.agreements_panel) if p is not None]
        if len(side) == 1:
            middle.addWidget(side[0], 1)
        elif side:
            side_box = QVBoxLayout()
            for panel in side:
                side_box.addWidget(panel, 1)
            middle.addLayout(side_box, 1)

        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addLayout(cards)
        layout.addLayout(middle)
        layout.addLayout(chart_head)
        layout.addWidget(self.chart_view, 1)

        order = [
            self.families_card,
            self.entries_card,
            self.time_card,
            self.due_card,
            self.overdue_card,
            self.domain_table,
            self.follow_ups,
        ]
        order += side
        order += [self.chart_mode, self.chart_view]
        for a, b in zip(order, order[1:], strict=False):
            self.setTabOrder(a, b)

    # -- loading -------------------------------------------------------------------------------

    def refresh(self) -> None:
        if not self.ctx.is_unlocked:
            return
        for panel in (self.referrals_panel, self.agreements_panel):
            refresh_panel = getattr(panel, "refresh", None)
            if callable(refresh_panel):
                refresh_panel()
        if not self.background:
            self.show_figures(dashboard_figures(self.ctx.session))
            return
        self._generation += 1
        generation = self._generation
        self.status.setText("Updating…")
        run_with_session(
            self.ctx,
            dashboard_figures,
            lambda figures: self._arrived(generation, figures),
            self._failed,
        )

    def _arrived(self, generation: int, figures: DashboardFigures) -> None:
        if generation != self._generation or not self.ctx.is_unlocked:
            return  # a newer refresh is on its way, or the casebook was locked meanwhile
        self.show_figures(figures)

    def _failed(self, error: BaseException) -> None:
        self.status.setText("")
        from setting_app.ui.workers import report_error

        if self.ctx.is_unlocked:
            report_error(error)

    # -- showing -------------------------------------------------------------------------------

    @property
    def nation(self) -> Nation:
        return self.ctx.nation if self.ctx.is_unlocked else Nation.ENGLAND

    def show_figures(self, figures: DashboardFigures) -> None:
        self.figures = figures
        nation = self.nation
        self.status.setText(f"Updated {uk_date(figures.today)}")
        self.title.setText(f"This month: {figures.month_start.strftime('%B %Y')}")
        direct = sum(figures.entries_for(d, Kind.DIRECT) for d in DOMAIN_ORDER)
        indirect = sum(figures.entries_for(d, Kind.INDIRECT) for d in DOMAIN_ORDER)
        self.families_card.set_value(f"{figures.families_supported:,}")
        self.entries_card.set_value(f"{figures.entries:,}", f"{direct:,} direct, {indirect:,} indirect")
        self.time_card.set_value(hours_text(figures.staff_minutes))
        self.due_card.set_value(f"{figures.follow_ups_due_today:,}", f"on {uk_date(figures.today)}")
        self.overdue_card.set_value(f"{figures.follow_ups_overdue:,}", "due before today")
        if not figures.entries:
            self.entries_card.set_value("0", "None yet this month: press Ctrl+N to log support")

        self._show_domain_labels(nation)
        for row, domain in enumerate(DOMAIN_ORDER):
            values = (
                figures.entries_for(domain, Kind.DIRECT),
                figures.entries_for(domain, Kind.INDIRECT),
                figures.entries_for(domain),
            )
            self._set_row(row, [f"{v:,}" for v in values] + [hours_text(figures.minutes_by_domain[domain])])
        self._set_row(
            len(DOMAIN_ORDER),
            [f"{direct:,}", f"{indirect:,}", f"{figures.entries:,}", hours_text(figures.staff_minutes)],
            bold=True,
        )
        self._fit_domain_table()

        self.follow_ups.setRowCount(len(figures.follow_ups))
        for row, follow_up in enumerate(figures.follow_ups):
            overdue = follow_up.due_on < figures.today
            due = QTableWidgetItem(uk_date(follow_up.due_on) + (" (overdue)" if overdue else " (today)"))
            due.setData(Qt.ItemDataRole.UserRole, follow_up.family_id)
            cells = [
                due,
                QTableWidgetItem(follow_up.family_ref),
                QTableWidgetItem(domain_icon(follow_up.domain), follow_up.domain.short_label(nation)),
                QTableWidgetItem(uk_date(follow_up.entry_date)),
            ]
            for col, cell in enumerate(cells):
                self.follow_ups.setItem(row, col, cell)
        self.follow_ups.resizeColumnsToContents()
        self._draw_chart()
        self.refreshed.emit()

    def _show_domain_labels(self, nation: Nation) -> None:
        """Short domain names as row headings (the full name is the tooltip), then a total row."""
        table = self.domain_table
        for row, domain in enumerate(DOMAIN_ORDER):
            item = QTableWidgetItem(domain_icon(domain), domain.short_label(nation))
            item.setToolTip(domain.label(nation))
            table.setVerticalHeaderItem(row, item)
        total = QTableWidgetItem("All domains")
        font = total.font()
        font.setBold(True)
        total.setFont(font)
        table.setVerticalHeaderItem(len(DOMAIN_ORDER), total)

    def _fit_domain_table(self) -> None:
        """Exactly the size of all five rows and four columns: nothing clipped, no scroll bars."""
        table = self.domain_table
        table.resizeColumnsToContents()
        table.resizeRowsToContents()
        header = table.horizontalHeader()
        vertical = table.verticalHeader()
        frame = 2 * table.frameWidth()
        width = vertical.sizeHint().width() + sum(header.sectionSize(c) for c in range(table.columnCount()))
        height = header.sizeHint().height() + sum(table.rowHeight(r) for r in range(table.rowCount()))
        table.setFixedSize(width + frame, height + frame)

    def _set_row(self, row: int, texts: list[str], *, bold: bool = False) -> None:
        for col, text in enumerate(texts):
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if bold:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.domain_table.setItem(row, col, item)

    def _draw_chart(self) -> None:
        figures = self.figures
        if figures is None:
            return
        hours = self.chart_mode.currentData() == self.CHART_HOURS
        nation = self.nation
        chart = self.chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        series = QStackedBarSeries()
        for domain in DOMAIN_ORDER:
            bar_set = QBarSet(domain.short_label(nation))
            bar_set.setColor(QColor(DOMAIN_COLOURS[domain]))
            bar_set.setBorderColor(QColor(DOMAIN_COLOURS[domain]).darker(130))
            for month in figures.months:
                bar_set.append(month.minutes[domain] / 60 if hours else month.entries[domain])
            series.append(bar_set)
        chart.addSeries(series)
        categories = [m.month.strftime("%b %y") for m in figures.months]
        x_axis = QBarCategoryAxis()
        x_axis.append(categories)
        y_axis = QValueAxis()
        top = max(
            ((sum(m.minutes.values()) / 60) if hours else m.total_entries for m in figures.months),
            default=0,
        )
        y_axis.setRange(0, max(top * 1.05, 4))
        y_axis.applyNiceNumbers()
        y_axis.setLabelFormat("%.0f")
        y_axis.setTitleText("Staff hours" if hours else "Entries")
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(x_axis)
        series.attachAxis(y_axis)
        totals = ", ".join(
            f"{m.month.strftime('%B %Y')}: "
            + (hours_text(sum(m.minutes.values())) if hours else f"{m.total_entries} entries")
            for m in figures.months
        )
        self.chart_view.setAccessibleDescription(totals)

"""A manager's review queue: directory services whose category the directory did not give, confirmed in
bulk (each one's suggestion, or one category for all ticked). Confirmed categories are kept by later
imports."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.codes import ServiceCategory
from setting_app.domain.errors import AppError
from setting_app.services import service_directory

from setting_app.ui.context import AppContext
from setting_app.ui.dialogs.referral_dialog import combo_code
from setting_app.ui.formatting import count_text
from setting_app.ui.models.service_review_model import ServiceReviewModel


class ServiceReviewDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.confirmed = 0
        self.setWindowTitle("Service categories to review")
        self.setAccessibleName(self.windowTitle())
        intro = QLabel(
            "The directory gave no category these services can be placed in, so they show as Other. "
            "Tick the ones you have checked, then accept their suggestions or give them one category. "
            "Your choice is kept when the directory is imported again."
        )
        intro.setWordWrap(True)
        self.model = ServiceReviewModel(self)
        self.table = QTableView()
        self.table.setAccessibleName("Services to review")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(
            ServiceReviewModel.REASON, QHeaderView.ResizeMode.Stretch
        )
        for column, width in enumerate((260, 200, 170)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_current())
        # Space ticks the current row from any column (Qt's own toggle works only on the tick box's).
        self.table.installEventFilter(self)
        self.description = QPlainTextEdit()
        self.description.setReadOnly(True)
        self.description.setAccessibleName("The selected service's description")
        self.description.setFixedHeight(self.description.fontMetrics().lineSpacing() * 6 + 14)

        self.tick_suggested = QPushButton("Tick all with a &suggestion")
        self.tick_suggested.clicked.connect(self.tick_all_suggested)
        self.untick = QPushButton("&Untick all")
        self.untick.clicked.connect(lambda: self.model.set_ticked(set()))
        self.accept_button = QPushButton("&Accept suggestions for ticked")
        self.accept_button.clicked.connect(lambda: self.confirm(None))
        self.category = QComboBox()
        self.category.setAccessibleName("Category for the ticked services")
        self.category.addItem("Choose a category…", None)  # no category is given until one is chosen
        for category in ServiceCategory:
            self.category.addItem(category.label_for(ctx.nation), category)
        self.set_button = QPushButton("Set ticked &to this category")
        self.set_button.clicked.connect(self.set_chosen)
        self.status = QLabel()
        self.status.setWordWrap(True)
        close = QPushButton("&Close")
        close.clicked.connect(self.accept)

        ticks = QHBoxLayout()
        ticks.addWidget(self.tick_suggested)
        ticks.addWidget(self.untick)
        ticks.addStretch(1)
        actions = QHBoxLayout()
        actions.addWidget(self.accept_button)
        actions.addSpacing(20)
        actions.addWidget(self.category)
        actions.addWidget(self.set_button)
        actions.addStretch(1)
        actions.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(ticks)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.description)
        layout.addWidget(self.status)
        layout.addLayout(actions)
        self.load()
        self.resize(900, 620)

    def load(self) -> None:
        queue = service_directory.review_queue(self.ctx.session)
        self.model.set_services(queue, self.ctx.nation)
        self.setWindowTitle(f"Service categories to review ({len(queue)})")
        self._show_current()

    def _show_current(self) -> None:
        service = self.model.service_at(self.table.currentIndex().row())
        self.description.setPlainText(service.description if service else "")

    def tick_all_suggested(self) -> None:
        self.model.set_ticked(
            {
                s.id
                for r in range(self.model.rowCount())
                if (s := self.model.service_at(r)) and s.suggested_category
            }
        )

    def chosen_category(self) -> ServiceCategory | None:
        return combo_code(self.category, ServiceCategory)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.table
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Space
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            current = self.table.currentIndex()
            service = self.model.service_at(current.row())
            if service is not None:
                ticked = {s.id for s in self.model.ticked()}
                state = Qt.CheckState.Unchecked if service.id in ticked else Qt.CheckState.Checked
                self.model.setData(
                    self.model.index(current.row(), ServiceReviewModel.NAME),
                    state.value,
                    Qt.ItemDataRole.CheckStateRole,
                )
                return True
        return super().eventFilter(watched, event)

    def set_chosen(self) -> bool:
        category = self.chosen_category()
        if category is None:
            self.status.setText("Choose the category to give the ticked services first.")
            self.category.setFocus()
            return False
        return self.confirm(category)

    def confirm(self, category: ServiceCategory | None) -> bool:
        ticked = self.model.ticked()
        if not ticked:
            self.status.setText("Tick the services to confirm first.")
            return False
        try:
            done = service_directory.confirm_categories(self.ctx.session, [s.id for s in ticked], category)
        except AppError as exc:
            self.status.setText(exc.message)
            return False
        self.confirmed += len(done)
        self.status.setText(f"Confirmed {count_text(len(done), 'service')}.")
        self.model.set_ticked(set())
        self.load()
        self.ctx.data_changed.emit("referrals")
        return True

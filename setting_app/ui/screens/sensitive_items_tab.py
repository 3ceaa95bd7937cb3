"""Settings → Sensitive items: what family summaries and subject access packs leave out by default.

Domestic abuse, children's social care and mental health services, sexual health and substance use,
restricted records and safeguarding discussions are always left out (shown ticked and fixed). A
manager may tick more service kinds and activity types, and name services (one a line).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.codes import ServiceCategory
from setting_app.domain.errors import AppError
from setting_app.domain.sensitivity import SAFEGUARDING_ACTIVITIES, SENSITIVE_CATEGORIES, SensitiveMarks
from setting_app.services import document_review, support_log

from setting_app.ui.context import AppContext


class SensitiveItemsTab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        intro = QLabel(
            "Family summaries and subject access packs leave these out by default; a manager reviews "
            "them before anything is handed over. Domestic abuse, children's social care, mental health, "
            "sexual health and substance use, restricted records, safeguarding discussions and another "
            "carer's items are always left out. Tick more here."
        )
        intro.setWordWrap(True)
        self.categories = QListWidget()
        self.categories.setAccessibleName("Service kinds marked sensitive")
        self.activities = QListWidget()
        self.activities.setAccessibleName("Activity types marked sensitive")
        self.services = QPlainTextEdit()
        self.services.setAccessibleName("Services marked sensitive, one a line")
        self.services.setPlaceholderText("Services marked sensitive, one name a line")
        self.save_button = QPushButton("&Save")
        self.save_button.setAccessibleName("Save what is marked sensitive")
        self.save_button.clicked.connect(self.save)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Message")
        lists = QHBoxLayout()
        for title, widget in (
            ("Service kinds", self.categories),
            ("Activity types", self.activities),
            ("Services by name", self.services),
        ):
            column = QVBoxLayout()
            column.addWidget(QLabel(title))
            column.addWidget(widget, 1)
            lists.addLayout(column, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(lists, 1)
        row = QHBoxLayout()
        row.addWidget(self.message, 1)
        row.addWidget(self.save_button)
        layout.addLayout(row)

    def refresh(self) -> None:
        self.categories.clear()
        self.activities.clear()
        if not self.ctx.is_unlocked:
            self.services.clear()
            return
        session = self.ctx.session
        manager = session.user.is_manager
        marks = document_review.sensitive_marks(session)
        for category in ServiceCategory:
            item = QListWidgetItem(category.label_for(session.setting.nation))
            item.setData(Qt.ItemDataRole.UserRole, category.value)
            fixed = category in SENSITIVE_CATEGORIES
            self._tick(item, fixed or category in marks.categories, editable=manager and not fixed)
            self.categories.addItem(item)
        seen: set[str] = set()
        for (_domain, code), label in sorted(
            support_log.activity_labels(session).items(), key=lambda kv: kv[1]
        ):
            if code in seen:
                continue
            seen.add(code)
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, code)
            fixed = code in SAFEGUARDING_ACTIVITIES
            self._tick(item, fixed or code in marks.activities, editable=manager and not fixed)
            self.activities.addItem(item)
        self.services.setPlainText("\n".join(sorted(marks.services)))
        self.services.setReadOnly(not manager)
        self.save_button.setEnabled(manager)

    @staticmethod
    def _tick(item: QListWidgetItem, ticked: bool, *, editable: bool) -> None:
        flags = item.flags() | Qt.ItemFlag.ItemIsUserCheckable
        if not editable:
            flags &= ~Qt.ItemFlag.ItemIsEnabled
        item.setFlags(flags)
        item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)

    def _ticked(self, widget: QListWidget) -> set[str]:
        found = set()
        for i in range(widget.count()):
            item = widget.item(i)
            if item.flags() & Qt.ItemFlag.ItemIsEnabled and item.checkState() == Qt.CheckState.Checked:
                found.add(item.data(Qt.ItemDataRole.UserRole))
        return found

    def marks(self) -> SensitiveMarks:
        return SensitiveMarks(
            categories=frozenset(ServiceCategory(c) for c in self._ticked(self.categories)),
            activities=frozenset(self._ticked(self.activities)),
            services=frozenset(
                line.strip() for line in self.services.toPlainText().splitlines() if line.strip()
            ),
        )

    def save(self) -> None:
        try:
            saved = document_review.set_sensitive_marks(self.ctx.session, self.marks())
        except AppError as exc:
            self.message.setText(exc.message)
            return
        self.message.setText(
            f"Saved: {len(saved.categories)} service kinds, {len(saved.activities)} activity types and "
            f"{len(saved.services)} services marked sensitive."
        )
        self.refresh()

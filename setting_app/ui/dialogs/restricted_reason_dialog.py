"""Ask a manager why they are opening a restricted (safeguarding-sensitive) entry or referral.

The chosen reason category is written to the audit trail with the opening, by the service the
dialog is given (``support_log.open_restricted_entry`` or ``referrals.open_restricted_referral``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.errors import AppError, ValidationError
from setting_app.services.support_log import RESTRICTED_VIEW_REASONS

from setting_app.ui.context import AppContext
from setting_app.ui.widgets.field_errors import FieldErrors, error_label


class RestrictedReasonDialog(QDialog):
    """``open_record(reason)`` opens the record (and audits it); its result lands in ``opened``."""

    def __init__(
        self,
        ctx: AppContext,
        what: str,
        open_record: Callable[[str], Any],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.open_record = open_record
        self.opened: Any = None
        self.setWindowTitle(f"Open a restricted {what}")
        self.setAccessibleName(self.windowTitle())

        explain = QLabel(
            f"This {what} is restricted: it is safeguarding-sensitive and only managers can read it. "
            "Say why you are opening it; the reason and your name go into the audit trail."
        )
        explain.setWordWrap(True)

        self.reason = QComboBox()
        self.reason.setAccessibleName("Reason for opening")
        self.reason.addItem("Choose a reason…", None)
        for key, label in RESTRICTED_VIEW_REASONS.items():
            self.reason.addItem(label, key)
        problem = error_label(self)
        self.errors = FieldErrors(error_label(self))
        self.errors.add("reason", self.reason, problem)

        form = QFormLayout()
        caption = QLabel("&Reason")
        caption.setBuddy(self.reason)
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.reason)
        column.addWidget(problem)
        form.addRow(caption, holder)

        buttons = QHBoxLayout()
        buttons.addWidget(self.errors.general, 1)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        self.open_button = QPushButton("&Open")
        self.open_button.setDefault(True)
        self.open_button.clicked.connect(self.confirm)
        buttons.addWidget(cancel)
        buttons.addWidget(self.open_button)

        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addLayout(buttons)
        self.reason.setFocus()
        self.resize(480, self.sizeHint().height())

    def choose(self, key: str) -> None:
        self.reason.setCurrentIndex(max(0, self.reason.findData(key)))

    def confirm(self) -> bool:
        self.errors.clear()
        try:
            self.opened = self.open_record(self.reason.currentData() or "")
        except ValidationError as exc:
            self.errors.show(exc.field, "choose why you are opening it")
            return False
        except AppError as exc:
            self.errors.show_general(exc.message)
            return False
        self.accept()
        return True

"""The recovery code, shown once: the person must say they have stored it before going on.

The code unlocks the casebook if every passphrase is forgotten, so it is never saved anywhere by the
app. It can be printed (to paper, or to a PDF the person chooses) to keep in the setting's safe.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase, QPainter, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

EXPLANATION = (
    "This recovery code opens the casebook if every passphrase is forgotten. It is shown only "
    "now and is not stored by the app. Write it down or print it, and keep it somewhere safe and "
    "locked, away from this computer (for example in the setting's safe)."
)


class RecoveryCodePanel(QWidget):
    confirmed_changed = Signal(bool)

    def __init__(self, code: str, setting_name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.code = code
        self.setting_name = setting_name
        explanation = QLabel(EXPLANATION)
        explanation.setWordWrap(True)
        self.code_label = QLabel(code)
        self.code_label.setObjectName("recoveryCode")
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(self.font().pointSizeF() * 1.6)
        font.setBold(True)
        self.code_label.setFont(font)
        self.code_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code_label.setAccessibleName("Recovery code")
        self.code_label.setAccessibleDescription(" ".join(code))
        self.code_label.setStyleSheet("padding: 12px; border: 1px solid palette(mid);")
        self.print_button = QPushButton("&Print…")
        self.print_button.setAccessibleName("Print the recovery code")
        self.print_button.setAutoDefault(False)
        self.stored = QCheckBox("I have stored it &safely")
        self.stored.setAccessibleName("I have stored the recovery code safely")

        buttons = QHBoxLayout()
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addWidget(self.code_label)
        layout.addLayout(buttons)
        layout.addWidget(self.stored)
        layout.addStretch(1)

        self.print_button.clicked.connect(self.choose_printer)
        self.stored.toggled.connect(self.confirmed_changed)

    @property
    def confirmed(self) -> bool:
        return self.stored.isChecked()

    def choose_printer(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print the recovery code")
        dialog.accepted.connect(lambda: self.print_to(printer))
        dialog.open()  # no nested event loop
        self._print_dialog = dialog  # keep it alive

    def document(self) -> QTextDocument:
        doc = QTextDocument()
        doc.setDefaultFont(QFont(self.font()))
        name = f" for {self.setting_name}" if self.setting_name else ""
        doc.setHtml(
            f"<h2>Family Support Log: recovery code{_escape(name)}</h2>"
            f"<p>{_escape(EXPLANATION)}</p>"
            f"<p style='font-family: monospace; font-size: x-large'><b>{_escape(self.code)}</b></p>"
        )
        return doc

    def print_to(self, printer: QPrinter) -> None:
        doc = self.document()
        painter = QPainter()
        if not painter.begin(printer):
            return
        try:
            rect = printer.pageRect(QPrinter.Unit.DevicePixel)
            doc.setPageSize(rect.size())
            doc.drawContents(painter)
        finally:
            painter.end()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class RecoveryCodeDialog(QDialog):
    """The code on its own (e.g. after a new code is made): Done is enabled once it is stored."""

    def __init__(self, code: str, setting_name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Recovery code")
        self.panel = RecoveryCodePanel(code, setting_name, self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Done")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.panel.confirmed_changed.connect(
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel)
        layout.addWidget(self.buttons)

    def reject(self) -> None:  # Escape must not lose the only sight of the code before it is stored
        if self.panel.confirmed:
            super().reject()

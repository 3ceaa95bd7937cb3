"""A UK date typed as text (``dd/mm/yyyy``), so what a person types is kept even when it is wrong.

Up and Down move the date a day and Page Up / Page Down a week, which is quicker by
keyboard than a spin box with sections that Tab walks through one by one.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

from setting_app.domain.errors import ValidationError

from setting_app.ui.formatting import UK_DATE_HINT, parse_optional_uk_date, parse_uk_date, uk_date

_STEPS = {
    Qt.Key.Key_Up: timedelta(days=1),
    Qt.Key.Key_Down: timedelta(days=-1),
    Qt.Key.Key_PageUp: timedelta(days=7),
    Qt.Key.Key_PageDown: timedelta(days=-7),
}


class DateField(QLineEdit):
    def __init__(
        self,
        field: str,
        *,
        optional: bool = False,
        relative_to=None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.field = field
        self.optional = optional
        #: Optional callable giving the date that "+7" counts from.
        self.relative_to = relative_to
        self.setPlaceholderText(f"optional: {UK_DATE_HINT}" if optional else UK_DATE_HINT)
        self.setMaximumWidth(260)

    def set_date(self, value: date | None) -> None:
        self.setText(uk_date(value))

    def date(self) -> date | None:
        """The typed date; raises ValidationError naming the field if it cannot be read."""
        base = self.relative_to() if self.relative_to else None
        if self.optional:
            return parse_optional_uk_date(self.text(), self.field, relative_to=base)
        if not self.text().strip():
            raise ValidationError(self.field, f"is required ({UK_DATE_HINT})")
        return parse_uk_date(self.text(), self.field, relative_to=base)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        step = _STEPS.get(event.key())
        if step is not None and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            try:
                current = self.date()
            except ValidationError:
                current = None
            if current is not None:
                self.set_date(current + step)
                event.accept()
                return
        super().keyPressEvent(event)

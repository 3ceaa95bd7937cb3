"""Show a service's ``ValidationError`` beside the field it names, in words and for screen readers.

Forms register each input with the field names the services use (``"minutes"``, ``"date"``...).
An error becomes red text under that input and the input's accessible description, and the input
gets the keyboard focus. Nothing typed is touched.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from setting_app.domain.errors import AppError, ValidationError

ERROR_STYLE = "color: #B00020;"  # dark red: 6.6:1 on white


def plain_message(exc: AppError) -> str:
    """An error as a sentence: a validation problem starts with its field's name, capitalised."""
    if isinstance(exc, ValidationError):
        return f"{exc.field[:1].upper()}{exc.field[1:]}: {exc.problem}"
    return exc.message


def error_label(parent: QWidget | None = None) -> QLabel:
    label = QLabel(parent)
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.setVisible(False)
    return label


class FieldErrors:
    """Error labels keyed by the field names services put in ``ValidationError.field``."""

    def __init__(self, general: QLabel) -> None:
        self.general = general
        self._fields: dict[str, tuple[QWidget, QLabel, str]] = {}
        self._titles: dict[str, str] = {}

    def add(self, names: str | tuple[str, ...], widget: QWidget, label: QLabel, *, title: str = "") -> None:
        """Register ``widget`` for these field names; ``title`` replaces a terse field name in messages."""
        for name in (names,) if isinstance(names, str) else names:
            self._fields[name.lower()] = (widget, label, widget.accessibleDescription())
            if title:
                self._titles[name.lower()] = title

    def add_row(
        self,
        form: QFormLayout,
        caption: str,
        widget: QWidget,
        names: str | tuple[str, ...],
        *,
        shown: QWidget | None = None,
        title: str = "",
    ) -> None:
        """A form row: ``caption`` (the buddy of ``widget``), then ``shown`` (default ``widget``) with its
        error line under it, registered for ``names``."""
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(shown if shown is not None else widget)
        problem = error_label(holder)
        column.addWidget(problem)
        label = QLabel(caption)
        label.setBuddy(widget)
        form.addRow(label, holder)
        self.add(names, widget, problem, title=title)

    def clear(self) -> None:
        for widget, label, description in self._fields.values():
            label.clear()
            label.setVisible(False)
            widget.setAccessibleDescription(description)
        self.general.clear()
        self.general.setVisible(False)

    def show(self, field: str, problem: str, *, focus: bool = True) -> QWidget | None:
        """Put the problem beside its field (or in the general line if the field is unknown)."""
        target = self._fields.get(field.lower())
        if target is None:
            self.show_general(plain_message(ValidationError(field, problem)) if field else problem)
            return None
        widget, label, _ = target
        text = plain_message(ValidationError(self._titles.get(field.lower(), field), problem))
        label.setText(text)
        label.setVisible(True)
        label.setAccessibleName(text)
        widget.setAccessibleDescription(text)
        if focus:
            widget.setFocus()
        return widget

    def show_general(self, message: str) -> None:
        self.general.setText(message)
        self.general.setVisible(True)
        self.general.setAccessibleName(message)

    def message_for(self, field: str) -> str:
        target = self._fields.get(field.lower())
        return target[1].text() if target else ""

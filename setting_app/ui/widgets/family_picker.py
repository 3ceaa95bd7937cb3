"""Choose a family by typing part of its reference, a carer's name or a child's name.

A line edit with a completer popup fed by ``families.search_families`` (a few milliseconds for
thousands of families, so it runs on each key press in the UI thread). Keyboard use:

- type, then Down and Enter to pick from the list;
- or type until one family matches (or the exact reference) and press Enter or Tab.

Editing the text after a family was chosen un-chooses it, so what is shown is always what is saved.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from setting_app.domain.errors import AppError
from setting_app.services import families
from setting_app.storage.family_repo import FamilyMatch

from setting_app.ui.context import AppContext

_ID_ROLE = Qt.ItemDataRole.UserRole + 1


class FamilyPicker(QLineEdit):
    #: A family was chosen (its id), or the choice was undone (None).
    family_changed = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, max_matches: int = 20) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.max_matches = max_matches
        self._family_id: int | None = None
        self._matches: list[FamilyMatch] = []
        self.setPlaceholderText("Reference, carer or child name")
        self.setAccessibleName("Family")
        self.setAccessibleDescription("Type part of a family reference, carer name or child name")
        self.setClearButtonEnabled(True)
        self._suggestions = QStandardItemModel(self)
        completer = QCompleter(self._suggestions, self)
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setMaxVisibleItems(10)
        completer.activated[QModelIndex].connect(self._on_activated)
        completer.popup().setAccessibleName("Matching families")
        self.setCompleter(completer)
        self.textEdited.connect(self._on_text_edited)

    # --- public ----------------------------------------------------------------------------------

    @property
    def family_id(self) -> int | None:
        return self._family_id

    @property
    def matches(self) -> list[FamilyMatch]:
        return list(self._matches)

    def set_family(self, family_id: int | None) -> None:
        """Show a family as chosen (or clear), e.g. when the dialog opens from a family page."""
        if family_id is None:
            self._set_choice(None, "")
            return
        family = families.get_family(self.ctx.session, family_id)
        match = FamilyMatch(family.id, family.ref, tuple(c.name for c in family.carers), (), family.is_open)
        self._set_choice(family.id, match.summary)

    def choose_single_match(self) -> bool:
        """Pick the family if the typed text names exactly one (or is its exact reference)."""
        if self._family_id is not None:
            return True
        text = self.text().strip().lower()
        if not text:
            return False
        if not self._matches:
            self._search(self.text())
        exact = [m for m in self._matches if text in (m.ref.lower(), m.summary.lower())]
        chosen = exact[0] if len(exact) == 1 else (self._matches[0] if len(self._matches) == 1 else None)
        if chosen is None:
            return False
        self._set_choice(chosen.id, chosen.summary)
        self.completer().popup().hide()
        return True

    # --- events ----------------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        # Tab is consumed for focus changes before keyPressEvent; pick a single match on the way out.
        if event.type() == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            self.choose_single_match()
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            popup = self.completer().popup()
            if popup.isVisible() and popup.currentIndex().isValid():
                super().keyPressEvent(event)  # the completer picks the highlighted family
                return
            popup.hide()
            if self.choose_single_match():
                self.focusNextChild()
            event.accept()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        if event.reason() != Qt.FocusReason.PopupFocusReason:
            self.choose_single_match()
        super().focusOutEvent(event)

    # --- internals -------------------------------------------------------------------------------

    def _on_text_edited(self, text: str) -> None:
        if self._family_id is not None:
            self._family_id = None
            self.family_changed.emit(None)
        self._search(text)
        if self._matches:
            self.completer().complete()
        else:
            self.completer().popup().hide()

    def _search(self, text: str) -> None:
        try:
            self._matches = families.search_families(self.ctx.session, text, limit=self.max_matches)
        except AppError:
            self._matches = []
        self._suggestions.clear()
        for match in self._matches:
            item = QStandardItem(match.summary)
            item.setData(match.id, _ID_ROLE)
            item.setEditable(False)
            self._suggestions.appendRow(item)

    def _on_activated(self, index: QModelIndex) -> None:
        family_id = index.data(_ID_ROLE)
        if family_id is not None:
            self._set_choice(int(family_id), str(index.data()))

    def _set_choice(self, family_id: int | None, text: str) -> None:
        with QSignalBlocker(self):
            self.setText(text)
        self.setCursorPosition(0)
        changed = family_id != self._family_id
        self._family_id = family_id
        if changed:
            self.family_changed.emit(family_id)

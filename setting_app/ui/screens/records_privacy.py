"""Managers' "Records" screen: the audit trail, retention and erasure, subject access, backups and
partnership working, one tab each.

Each tab lives in its own module (listed in ``TABS``) and is made with ``cls(ctx)``; it may have a
``refresh()``. A tab whose module is not there yet is left out, so the screen works while tabs are
still being written.
"""

from __future__ import annotations

import importlib.util

from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from setting_app.ui.context import AppContext
from setting_app.ui.screens import load_class

#: (module, class, tab label with its mnemonic), in the order shown.
TABS: tuple[tuple[str, str, str], ...] = (
    ("setting_app.ui.screens.audit_tab", "AuditTab", "&Audit trail"),
    ("setting_app.ui.screens.retention_tab", "RetentionTab", "R&etention and erasure"),
    ("setting_app.ui.screens.subject_access_tab", "SubjectAccessTab", "Su&bject access"),
    ("setting_app.ui.screens.backup_tab", "BackupTab", "Bac&kups"),
    ("setting_app.ui.screens.transfer_tab", "TransferTab", "&Transfers"),
    ("setting_app.ui.screens.agreements_tab", "AgreementsTab", "A&greements"),
    ("setting_app.ui.screens.self_evaluation_tab", "SelfEvaluationTab", "Self-e&valuation"),
)


class RecordsScreen(QWidget):
    """Each tab is made the first time it is shown (``pages`` makes them all): the seven tabs made at
    once, with their imports, held the UI thread up for most of a second on the first visit."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Records sections")
        #: The tabs whose module is there, in order; each is made into its holder when first shown.
        self._specs = [tab for tab in TABS if _module_exists(tab[0])]
        self._made: dict[int, QWidget | None] = {}
        for _module, _name, label in self._specs:
            holder = QWidget()
            holder.setAccessibleName(label.replace("&", ""))
            holder_layout = QVBoxLayout(holder)
            holder_layout.setContentsMargins(0, 0, 0, 0)
            self.tabs.addTab(holder, label)
        layout = QVBoxLayout(self)
        if not self._specs:
            layout.addWidget(QLabel("Nothing here yet."))
        layout.addWidget(self.tabs)
        if self._specs:
            self._page(0)
        self.tabs.currentChanged.connect(self._on_tab_chosen)

    @property
    def pages(self) -> list[QWidget]:
        """Every tab's page (making those not made yet)."""
        found = (self._page(index) for index in range(len(self._specs)))
        return [page for page in found if page is not None]

    def current_page(self) -> QWidget | None:
        index = self.tabs.currentIndex()
        return self._page(index) if index >= 0 else None

    def refresh(self) -> None:
        """Refresh the tab in view (the others refresh when they are chosen)."""
        if not self.ctx.is_unlocked:
            return
        refresh = getattr(self.current_page(), "refresh", None)
        if callable(refresh):
            refresh()

    def _on_tab_chosen(self, _index: int) -> None:
        self.current_page()
        self.refresh()

    def _page(self, index: int) -> QWidget | None:
        if index in self._made:
            return self._made[index]
        module, name, label = self._specs[index]
        cls = load_class(module, name)
        page = None
        if cls is not None:
            page = cls(self.ctx)
            page.setAccessibleName(label.replace("&", ""))
            self.tabs.widget(index).layout().addWidget(page)
            page.show()  # a child added to a holder already on screen is not shown by itself
        self._made[index] = page
        return page


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False

"""Managers' "Records" screen: the audit trail, retention and erasure, subject access, backups and
partnership working, one tab each.

Each tab lives in its own module (listed in ``TABS``) and is made with ``cls(ctx)``; it may have a
``refresh()``. A tab whose module is not there yet is left out, so the screen works while tabs are
still being written.
"""

from __future__ import annotations

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
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Records sections")
        self.pages: list[QWidget] = []
        for module, name, label in TABS:
            cls = load_class(module, name)
            if cls is None:
                continue
            page = cls(ctx)
            page.setAccessibleName(label.replace("&", ""))
            self.pages.append(page)
            self.tabs.addTab(page, label)
        layout = QVBoxLayout(self)
        if not self.pages:
            layout.addWidget(QLabel("Nothing here yet."))
        layout.addWidget(self.tabs)
        self.tabs.currentChanged.connect(lambda _index: self.refresh())

    def refresh(self) -> None:
        """Refresh the tab in view (the others refresh when they are chosen)."""
        if not self.ctx.is_unlocked:
            return
        page = self.tabs.currentWidget()
        refresh = getattr(page, "refresh", None)
        if callable(refresh):
            refresh()

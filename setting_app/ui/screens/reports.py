"""Reports (managers): the monthly summary and the local authority export, one tab each."""

from __future__ import annotations

import importlib

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from setting_app.ui.context import AppContext
from setting_app.ui.widgets.monthly_summary_panel import MonthlySummaryPanel

LA_EXPORT_PANEL = ("setting_app.ui.widgets.la_export_panel", "LaExportPanel")


def _coming_soon(text: str) -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    return label


def _optional_panel(ctx: AppContext, module_name: str, class_name: str) -> QWidget:
    """A panel another change provides, or a plain placeholder while it does not exist yet."""
    try:
        panel_class = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError):
        return _coming_soon("Coming soon.")
    return panel_class(ctx)


class ReportsScreen(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Reports")
        self.monthly_panel = MonthlySummaryPanel(ctx)
        self.la_export_panel = _optional_panel(ctx, *LA_EXPORT_PANEL)
        self.tabs.addTab(self.monthly_panel, "&Monthly summary")
        self.tabs.addTab(self.la_export_panel, "&Local authority export")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.tabs.currentChanged.connect(lambda _index: self.refresh())

    def refresh(self) -> None:
        """Refresh the tab in view (the other refreshes when it is chosen)."""
        current = self.tabs.currentWidget()
        refresh = getattr(current, "refresh", None)
        if callable(refresh):
            refresh()

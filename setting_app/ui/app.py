"""Minimal window until the desktop issue lands."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

from setting_app.domain.clock import Clock


def run_app(
    data_dir: Path,
    *,
    user: str | None = None,
    screenshots_dir: Path | None = None,
    clock: Clock | None = None,
) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle("Family Support Log")
    window.setCentralWidget(QLabel(f"Family Support Log\nData folder: {data_dir}"))
    window.resize(800, 600)
    if screenshots_dir is not None:
        screenshots_dir.mkdir(parents=True, exist_ok=True)
        window.show()
        window.grab().save(str(screenshots_dir / "01-main.png"))
        return 0
    window.show()
    return app.exec()

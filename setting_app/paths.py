"""Where things are: bundled resources and migrations (from source or frozen), and the data folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_DIR_NAME = "setting-app"


def bundle_root() -> Path:
    """The folder holding ``migrations/`` and ``resources/``: the repository, or PyInstaller's bundle."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root)
    return Path(__file__).resolve().parent.parent


def migrations_dir() -> Path:
    return bundle_root() / "migrations"


def resource_path(*parts: str) -> Path:
    return bundle_root().joinpath("resources", *parts)


def default_data_dir() -> Path:
    """The platform's per-user data folder."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "FamilySupportLog"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "FamilySupportLog"
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP_DIR_NAME

"""Where things are: bundled resources and migrations (from source or frozen), and the data folder.

Every file the app ships besides its code (``migrations/*.sql``, ``resources/``, ``pyproject.toml``
for the version) is found through :func:`bundle_root`, so a PyInstaller build only has to add those
as data at the top of its bundle (see ``packaging/setting_app.spec``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_DIR_NAME = "setting-app"
# %LOCALAPPDATA%\FamilySupportLog on Windows (the installer's uninstall question names it too) and
# ~/Library/Application Support/FamilySupportLog on macOS.
DATA_DIR_NAME = "FamilySupportLog"


def is_frozen() -> bool:
    """True inside a frozen build (PyInstaller sets ``sys.frozen``)."""
    return bool(getattr(sys, "frozen", False))


def bundle_root() -> Path:
    """The folder holding ``migrations/`` and ``resources/``: the repository, or the frozen bundle.

    PyInstaller 6 unpacks a one-folder build's data into ``_internal/`` next to the executable and
    says where in ``sys._MEIPASS``; other freezers put data next to the executable.
    """
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root)
    if is_frozen():
        return Path(sys.executable).resolve().parent
    return Path(__file__).resolve().parent.parent


def migrations_dir() -> Path:
    return bundle_root() / "migrations"


def resource_path(*parts: str) -> Path:
    return bundle_root().joinpath("resources", *parts)


def pyproject_path() -> Path:
    """``pyproject.toml``: in the repository, or copied into the frozen bundle for the version."""
    return bundle_root() / "pyproject.toml"


def default_data_dir() -> Path:
    """The platform's per-user data folder: on Windows in %LOCALAPPDATA%, which stays on the PC (it
    does not roam with the profile) and belongs to the Windows account alone."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / DATA_DIR_NAME
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / DATA_DIR_NAME
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP_DIR_NAME

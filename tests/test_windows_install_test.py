"""packaging/windows/install_test.py, the CI job's install-smoke-uninstall driver: what can be
checked off Windows (its commands, the places a per-user install uses, waiting for the uninstaller)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "packaging" / "windows" / "install_test.py"


def _load():
    spec = importlib.util.spec_from_file_location("install_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


install_test = _load()
ENV = {
    "LOCALAPPDATA": "C:\\Users\\alex\\AppData\\Local",
    "APPDATA": "C:\\Users\\alex\\AppData\\Roaming",
    "USERPROFILE": "C:\\Users\\alex",
}


def test_the_app_id_is_the_installers() -> None:
    iss = (ROOT / "packaging" / "windows" / "setting_app.iss").read_text(encoding="utf-8")
    assert f"AppId={{{install_test.app_id()}" in iss
    assert install_test.uninstall_key().endswith(f"\\Uninstall\\{install_test.app_id()}_is1")


def test_a_per_user_install_goes_under_the_profile() -> None:
    places = install_test.install_places(ENV)
    assert places["app"] == Path("C:\\Users\\alex\\AppData\\Local") / "Programs" / "Family Support Log"
    assert places["start_menu"] == (
        Path("C:\\Users\\alex\\AppData\\Roaming")
        / "Microsoft"
        / "Windows"
        / "Start Menu"
        / "Programs"
        / "Family Support Log.lnk"
    )
    assert places["data"] == Path("C:\\Users\\alex\\AppData\\Local") / "FamilySupportLog"


def test_install_and_uninstall_are_silent_and_per_user(tmp_path: Path) -> None:
    command = install_test.setup_command(Path("setup.exe"), tmp_path / "setup.log")
    assert command[1:5] == ["/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART", "/CURRENTUSER"]
    assert command[5] == f"/LOG={tmp_path / 'setup.log'}"
    app = Path("C:/Programs/Family Support Log")
    assert install_test.uninstall_command(app) == [
        str(app / "unins000.exe"),
        "/VERYSILENT",
        "/SUPPRESSMSGBOXES",
        "/NORESTART",
    ]


def test_it_waits_for_the_uninstaller_that_returns_early(tmp_path: Path) -> None:
    program = tmp_path / "setting-app.exe"
    program.write_bytes(b"MZ")
    threading.Timer(1.5, program.unlink).start()
    assert install_test.wait_until_gone(program, timeout_s=30)
    stays = tmp_path / "unins000.exe"
    stays.write_bytes(b"MZ")
    assert not install_test.wait_until_gone(stays, timeout_s=1)


@pytest.mark.skipif(sys.platform == "win32", reason="the not-Windows case")
def test_off_windows_it_declines_in_one_line() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "setup.exe"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stdout.strip() == "install_test.py installs a Windows program: run it on Windows."

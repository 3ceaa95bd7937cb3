"""The Windows installer's settings, read from packaging/windows/setting_app.iss, and the parts of the
app it relies on: the data folder in %LOCALAPPDATA%, the mutex it looks for, the Start-menu shortcut,
an uninstaller that keeps the data unless asked. Inno Setup itself only runs on Windows (the CI
workflow compiles the script, installs, smoke-tests and uninstalls there)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from setting_app import paths

from setting_app.ui.app import APP_MUTEX_NAMES, announce_running

ROOT = Path(__file__).resolve().parent.parent
ISS = ROOT / "packaging" / "windows" / "setting_app.iss"


def _sections() -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = ""
    for raw in ISS.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        header = re.fullmatch(r"\[(\w+)\]", line)
        if header:
            current = header.group(1)
            sections.setdefault(current, [])
        else:
            sections.setdefault(current, []).append(raw)
    return sections


def _setup() -> dict[str, str]:
    return dict(line.split("=", 1) for line in _sections()["Setup"])


def test_installs_per_user_without_administrator_rights_under_a_fixed_app_id() -> None:
    setup = _setup()
    assert setup["PrivilegesRequired"] == "lowest"  # %LOCALAPPDATA%\Programs, no UAC prompt
    assert setup["PrivilegesRequiredOverridesAllowed"] == "commandline dialog"  # /ALLUSERS possible
    assert setup["DefaultDirName"] == "{autopf}\\{#AppName}"  # {autopf} follows the install mode
    assert re.fullmatch(r"\{\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}", setup["AppId"])
    assert setup["AppVersion"] == "{#AppVersion}"
    assert setup["ArchitecturesInstallIn64BitMode"] == "x64compatible"


def test_the_start_menu_shortcut_opens_the_windowed_program() -> None:
    icons = _sections()["Icons"]
    start_menu = [line for line in icons if line.startswith('Name: "{autoprograms}\\{#AppName}"')]
    assert len(start_menu) == 1
    assert 'Filename: "{app}\\{#AppExe}"' in start_menu[0] and "Tasks:" not in start_menu[0]  # always made
    desktop = [line for line in icons if "{autodesktop}" in line]
    assert desktop and all("Tasks: desktopicon" in line for line in desktop)  # only if ticked
    assert "Flags: unchecked" in next(line for line in _sections()["Tasks"] if "desktopicon" in line)


def test_setup_sees_the_running_app_through_the_mutex_the_app_holds() -> None:
    assert _setup()["AppMutex"].split(",") == list(APP_MUTEX_NAMES)
    assert APP_MUTEX_NAMES[1] == "Global\\" + APP_MUTEX_NAMES[0]  # other users' sessions too
    assert _setup()["CloseApplications"] == "yes"


def test_the_uninstaller_keeps_the_data_unless_asked_and_never_when_silent() -> None:
    code = "\n".join(_sections()["Code"])
    assert "[UninstallDelete]" not in ISS.read_text(encoding="utf-8").replace("No [UninstallDelete]", ""), (
        "no unconditional deletion"
    )
    # The folder it offers to delete is the app's own default data folder, by the same name.
    assert f"ExpandConstant('{{localappdata}}\\{paths.DATA_DIR_NAME}')" in code
    step = code.split("procedure CurUninstallStepChanged")[1]
    guard = step.split("then")[0]
    assert "usPostUninstall" in guard and "(not UninstallSilent())" in guard
    assert "MB_YESNO or MB_DEFBUTTON2" in step  # "No" is the default answer
    question, deletion = step.split("= IDYES then")
    assert "DelTree" not in question and "DelTree(CasebookFolder()" in deletion
    assert code.count("DelTree(") == 2  # the casebook and the log folder beside it, nothing else


def test_the_data_folder_is_in_local_app_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    local = "C:\\Users\\alex\\AppData\\Local"
    monkeypatch.setenv("LOCALAPPDATA", local)
    assert paths.default_data_dir() == Path(local) / "FamilySupportLog"
    # Without the variable (a service account, a stripped environment): the profile's own.
    monkeypatch.delenv("LOCALAPPDATA")
    assert paths.default_data_dir() == Path.home() / "AppData" / "Local" / "FamilySupportLog"


def test_the_app_logs_sit_beside_the_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    from setting_app.ui.errors import default_log_dir

    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", "C:\\Users\\alex\\AppData\\Local")
    assert default_log_dir() == Path("C:\\Users\\alex\\AppData\\Local") / "setting-app-logs"
    assert "ExpandConstant('{localappdata}\\setting-app-logs')" in "\n".join(_sections()["Code"])


def test_off_windows_no_mutex_is_made() -> None:
    assert announce_running("linux") == []


@pytest.mark.skipif(sys.platform != "win32", reason="Windows named mutexes")
def test_on_windows_the_app_holds_the_mutexes_setup_looks_for() -> None:
    import ctypes

    assert announce_running()
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.OpenMutexW.restype = ctypes.c_void_p
    synchronize = 0x00100000
    handle = kernel32.OpenMutexW(synchronize, False, APP_MUTEX_NAMES[0])
    assert handle, ctypes.get_last_error()
    kernel32.CloseHandle(ctypes.c_void_p(handle))

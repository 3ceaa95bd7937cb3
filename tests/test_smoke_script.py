"""packaging/smoke_test.py: the smoke steps shared by the Linux build, the Windows build and the
installed Windows app in CI. Its platform logic is checked here; the whole script is run against
the app from source (two small launchers standing in for the frozen programs), and against
programs that fail, which it must report."""

from __future__ import annotations

import importlib.util
import struct
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "packaging" / "smoke_test.py"


def _load():
    spec = importlib.util.spec_from_file_location("smoke_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


smoke = _load()

WINDOWS_ENV = {
    "SystemRoot": "C:\\Windows",
    "USERNAME": "alex",
    "USERDOMAIN": "DESKTOP-7H2K",
    "USERPROFILE": "C:\\Users\\alex",
    "LOCALAPPDATA": "C:\\Users\\alex\\AppData\\Local",
    "APPDATA": "C:\\Users\\alex\\AppData\\Roaming",
    "PYTHONPATH": "C:\\src",
    "VIRTUAL_ENV": "C:\\src\\.venv",
}


def test_on_windows_the_programs_get_a_profile_in_the_temporary_folder() -> None:
    tmp = Path("C:/Temp/fsl-smoke-1")
    env = smoke.minimal_env(tmp, real_profile=False, platform="win32", source=WINDOWS_ENV)
    assert env["SYSTEMROOT"] == "C:\\Windows" and env["PATH"] == "C:\\Windows\\System32;C:\\Windows"
    assert env["LOCALAPPDATA"] == str(tmp / "profile" / "Local")
    assert env["QT_QPA_PLATFORM"] == "offscreen"
    assert "PYTHONPATH" not in env and "VIRTUAL_ENV" not in env  # nothing from the source tree
    assert smoke.expected_data_dir(env, "win32") == tmp / "profile" / "Local" / "FamilySupportLog"


def test_with_the_real_profile_the_data_goes_to_the_real_local_app_data() -> None:
    env = smoke.minimal_env(Path("C:/Temp/x"), real_profile=True, platform="win32", source=WINDOWS_ENV)
    assert (
        smoke.expected_data_dir(env, "win32") == Path("C:\\Users\\alex\\AppData\\Local") / "FamilySupportLog"
    )


def test_the_expected_data_folder_is_the_apps_own(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The script's idea of the default data folder agrees with setting_app.paths on each platform."""
    from setting_app import paths

    for platform in ("win32", "darwin", "linux"):
        env = smoke.minimal_env(tmp_path, real_profile=False, platform=platform, source=WINDOWS_ENV)
        monkeypatch.setattr(sys, "platform", platform)
        for key in ("LOCALAPPDATA", "XDG_DATA_HOME", "HOME"):
            monkeypatch.delenv(key, raising=False)
            if key in env:
                monkeypatch.setenv(key, env[key])
        if "HOME" in env:  # Path.home() reads USERPROFILE, not HOME, when the tests run on Windows
            monkeypatch.setenv("USERPROFILE", env["HOME"])
        assert paths.default_data_dir() == smoke.expected_data_dir(env, platform), platform
    assert smoke.DATA_DIR_NAME == paths.DATA_DIR_NAME and smoke.LINUX_DATA_DIR_NAME == paths.APP_DIR_NAME


def _pe(subsystem: int) -> bytes:
    header = bytearray(512)
    header[:2] = b"MZ"
    struct.pack_into("<I", header, 0x3C, 0x80)
    header[0x80:0x84] = b"PE\0\0"
    struct.pack_into("<H", header, 0x80 + 24 + 68, subsystem)
    return bytes(header)


def test_a_windowed_exe_is_told_from_a_console_one(tmp_path: Path) -> None:
    (tmp_path / "gui.exe").write_bytes(_pe(2))
    (tmp_path / "cli.exe").write_bytes(_pe(3))
    (tmp_path / "not.exe").write_bytes(b"MZ" + bytes(510))
    assert smoke.pe_subsystem(tmp_path / "gui.exe") == 2
    assert smoke.pe_subsystem(tmp_path / "cli.exe") == 3
    with pytest.raises(ValueError):
        smoke.pe_subsystem(tmp_path / "not.exe")


def test_the_acl_check_accepts_only_one_uninherited_owner_entry() -> None:
    folder = Path("C:\\Users\\alex\\AppData\\Local\\FamilySupportLog")
    good = f"{folder} DESKTOP-7H2K\\alex:(OI)(CI)(F)\n\nSuccessfully processed 1 files; Failed processing 0 files\n"
    inherited = (
        f"{folder} NT AUTHORITY\\SYSTEM:(I)(OI)(CI)(F)\n"
        "                 BUILTIN\\Administrators:(I)(OI)(CI)(F)\n"
        "                 DESKTOP-7H2K\\alex:(I)(OI)(CI)(F)\n\nSuccessfully processed 1 files\n"
    )
    extra = f"{folder} DESKTOP-7H2K\\alex:(OI)(CI)(F)\n                 Everyone:(OI)(CI)(RX)\n"
    assert smoke.owner_only_acl(good, folder)
    assert not smoke.owner_only_acl(inherited, folder)
    assert not smoke.owner_only_acl(extra, folder)
    assert not smoke.owner_only_acl("", folder)


def _launchers(folder: Path, body: str) -> Path:
    folder.mkdir()
    for name in ("setting-app", "FamilySupportLog"):
        path = folder / name
        path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
        path.chmod(0o755)
    return folder


@pytest.mark.skipif(sys.platform == "win32", reason="the launchers are shell scripts")
def test_programs_that_fail_are_reported_and_the_script_exits_1(tmp_path: Path) -> None:
    app = _launchers(tmp_path / "app", 'echo "something broke" >&2; exit 3')
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(app)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("FAIL  setting-app --version")
    assert "something broke" in result.stdout
    assert not any(line.startswith("PASS") for line in lines)
    assert lines[-1].endswith("smoke test(s) failed.")


def test_a_folder_without_the_program_fails_at_once(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1 and result.stdout.startswith("FAIL  no setting-app")


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="the launchers are shell scripts")
def test_every_step_passes_against_the_app_from_source(tmp_path: Path) -> None:
    app = _launchers(tmp_path / "app", f'PYTHONPATH="{ROOT}" exec "{sys.executable}" -m setting_app "$@"')
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(app)], capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "All smoke tests passed."
    passed = [line for line in lines if line.startswith("PASS")]
    for step in (
        "--version",
        "init a casebook",
        "the data folder is its owner's alone",
        "log an entry",
        "the PDF is a whole PDF",
        "screenshots written",
        "a wrong passphrase is refused",
    ):
        assert any(step in line for line in passed), step
    if sys.platform.startswith("linux"):
        assert any("without a display" in line for line in passed)

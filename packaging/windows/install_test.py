"""Install the Windows installer silently, smoke-test the installed app, reinstall, uninstall.

    python packaging\\windows\\install_test.py packaging\\dist\\FamilySupportLog-X.Y.Z-setup.exe

Run by the CI workflow on a fresh Windows runner (see .github/workflows/ci.yml), as a standard
per-user install would be on a nursery's PC: no administrator rights asked for (/CURRENTUSER).
Each step prints PASS or FAIL and the exit status is 1 if any failed:

1. the installer runs silently and exits 0;
2. the programs are in %LOCALAPPDATA%\\Programs\\Family Support Log, with the uninstaller;
3. a Start-menu shortcut exists (and no desktop one: that is an unticked option);
4. Windows lists it under Apps with the right version (the uninstall registry key);
5. packaging/smoke_test.py passes against the installed programs, with the casebook in the real
   %LOCALAPPDATA%\\FamilySupportLog (version, init, an entry, a PDF, screenshots offscreen, a wrong
   passphrase, the folder's access-control list, a windowed FamilySupportLog.exe);
6. installing again over it (an upgrade) keeps the casebook, which still opens;
7. the silent uninstall removes the programs, the shortcut and the registry key, and keeps the
   casebook.

The Windows-only parts (winreg, the paths under the profile) are only reached on Windows; the
functions that build commands and paths are checked on Linux by tests/test_windows_install_test.py.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import smoke_test  # noqa: E402 - packaging/smoke_test.py, beside this folder

APP_NAME = "Family Support Log"
ISS = HERE / "setting_app.iss"


def app_id() -> str:
    """The installer's AppId GUID (as Windows lists it: ``{GUID}_is1`` under Uninstall)."""
    text = ISS.read_text(encoding="utf-8")
    return re.search(r"^AppId=\{(\{[0-9A-F-]{36}\})$", text, re.MULTILINE).group(1)


def install_places(env: Mapping[str, str]) -> dict[str, Path]:
    """Where a per-user install puts things ({autopf} and {autoprograms} in per-user mode)."""
    local = Path(env["LOCALAPPDATA"])
    roaming = Path(env["APPDATA"])
    return {
        "app": local / "Programs" / APP_NAME,
        "start_menu": roaming / "Microsoft" / "Windows" / "Start Menu" / "Programs" / f"{APP_NAME}.lnk",
        "desktop": Path(env["USERPROFILE"]) / "Desktop" / f"{APP_NAME}.lnk",
        "data": local / smoke_test.DATA_DIR_NAME,
    }


def setup_command(setup: Path, log: Path) -> list[str]:
    return [str(setup), "/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART", "/CURRENTUSER", f"/LOG={log}"]


def uninstall_command(app: Path) -> list[str]:
    return [str(app / "unins000.exe"), "/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART"]


def uninstall_key() -> str:
    return f"Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{app_id()}_is1"


def registered_version() -> str | None:
    """DisplayVersion of the uninstall entry in HKEY_CURRENT_USER, or None if there is none."""
    import winreg  # Windows only

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, uninstall_key()) as key:
            return str(winreg.QueryValueEx(key, "DisplayVersion")[0])
    except OSError:
        return None


def wait_until_gone(path: Path, timeout_s: float = 180.0) -> bool:
    """The uninstaller copies itself to %TEMP% and returns at once: wait for its work to show."""
    deadline = time.monotonic() + timeout_s
    while path.exists() and time.monotonic() < deadline:
        time.sleep(1)
    return not path.exists()


class Steps:
    def __init__(self) -> None:
        self.failures = 0

    def report(self, ok: bool, name: str, detail: str = "") -> bool:
        print(f"{'PASS' if ok else 'FAIL'}  {name}", flush=True)
        if not ok:
            self.failures += 1
            for line in detail.strip().splitlines()[-20:]:
                print(f"        {line}")
        return ok


def run(setup: Path, version: str, log_dir: Path) -> int:
    steps = Steps()
    places = install_places(os.environ)
    app = places["app"]
    if app.exists() or (places["data"] / "casebook.db").exists():
        steps.report(False, "a PC without the app or a casebook", f"{app} or {places['data']} exists already")
        return 1
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / "setup.log"
    started = time.monotonic()
    result = subprocess.run(setup_command(setup, log), timeout=900)
    install_log = log.read_text(encoding="utf-8", errors="replace") if log.exists() else "no log"
    if not steps.report(
        result.returncode == 0,
        f"silent install (exit {result.returncode}) in {time.monotonic() - started:.0f} s",
        install_log,
    ):
        return steps.failures
    programs = ["setting-app.exe", "FamilySupportLog.exe", "unins000.exe", "_internal"]
    missing = [name for name in programs if not (app / name).exists()]
    steps.report(not missing, f"installed in {app}", f"missing: {missing}")
    steps.report(places["start_menu"].is_file(), f"Start-menu shortcut {places['start_menu'].name}")
    steps.report(not places["desktop"].exists(), "no desktop shortcut unless asked for")
    steps.report(
        registered_version() == version,
        f"listed under Apps as version {version}",
        f"found {registered_version()!r}",
    )

    passphrase = f"installed app smoke test {os.getpid()}"
    failures = smoke_test.run_smoke(app, expect_version=version, real_profile=True, passphrase=passphrase)
    steps.report(
        failures == 0, "the smoke test against the installed app", f"{failures} step(s) failed above"
    )

    # An upgrade: the same installer again over the installed app.
    again = subprocess.run(setup_command(setup, log_dir / "reinstall.log"), timeout=900)
    checked = smoke_test.check_casebook(app, passphrase=passphrase)
    steps.report(
        again.returncode == 0 and checked.returncode == 0,
        "installing again keeps the casebook, which still opens",
        checked.stdout + checked.stderr,
    )

    result = subprocess.run(uninstall_command(app), timeout=600)
    gone = wait_until_gone(app / "setting-app.exe") and wait_until_gone(app / "unins000.exe")
    steps.report(
        result.returncode == 0 and gone,
        "silent uninstall removes the programs",
        f"exit {result.returncode}; left: {sorted(p.name for p in app.iterdir()) if app.exists() else []}",
    )
    steps.report(wait_until_gone(places["start_menu"], 30), "the Start-menu shortcut is removed")
    steps.report(registered_version() is None, "no longer listed under Apps")
    kept = [name for name in ("casebook.db", "casebook.keys") if (places["data"] / name).is_file()]
    steps.report(len(kept) == 2, f"the casebook is kept in {places['data']}", f"found {kept}")
    return steps.failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("setup", type=Path, help="FamilySupportLog-X.Y.Z-setup.exe")
    parser.add_argument("--expect-version", default=None, help="default: the version in pyproject.toml")
    parser.add_argument("--logs", type=Path, default=Path("packaging/dist/install-logs"))
    args = parser.parse_args(argv)
    if sys.platform != "win32":
        print("install_test.py installs a Windows program: run it on Windows.")
        return 2
    failures = run(
        args.setup.resolve(), args.expect_version or smoke_test.project_version(), args.logs.resolve()
    )
    print(
        f"{failures} install step(s) failed."
        if failures
        else "Installed, smoke-tested, reinstalled and uninstalled."
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""Smoke-test a built or installed Family Support Log: the same steps on Linux, Windows and macOS.

    python packaging/smoke_test.py APP_FOLDER [--expect-version X.Y.Z] [--real-profile]

APP_FOLDER holds ``setting-app`` and ``FamilySupportLog`` (``.exe`` on Windows): the PyInstaller
build (``packaging/dist/setting-app``) or an installed copy (``%LOCALAPPDATA%\\Programs\\Family
Support Log``). Each step prints PASS or FAIL; the exit status is 1 if any failed.

The programs run from a temporary folder with a minimal environment, so nothing from the source
tree or a virtual environment can stand in for what the bundle lacks. They find their data folder
the way they do on a nursery's PC, from the profile: ``%LOCALAPPDATA%`` (Windows), ``~/Library``
(macOS) or ``$XDG_DATA_HOME`` (Linux), all pointed into the temporary folder, unless
``--real-profile`` is given (Windows CI: the data must still be in the real ``%LOCALAPPDATA%`` after
the uninstaller has run; that folder must not hold a casebook yet).

Used by ``packaging/build-linux.sh``, ``packaging/windows/build-windows.ps1``,
``packaging/windows/install_test.py`` and the CI workflow; tested by ``tests/test_smoke_script.py``.
Standard library only: it runs with any Python 3.11, not the app's environment.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import tomllib
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WINDOWS = sys.platform == "win32"
MACOS = sys.platform == "darwin"
EXE = ".exe" if WINDOWS else ""
DATA_DIR_NAME = "FamilySupportLog"  # setting_app/paths.py (Windows and macOS)
LINUX_DATA_DIR_NAME = "setting-app"
# Passed through to the programs on Windows: without SystemRoot, Python and Qt cannot start.
WINDOWS_KEEP = (
    "SYSTEMROOT",
    "WINDIR",
    "SYSTEMDRIVE",
    "COMPUTERNAME",
    "USERNAME",
    "USERDOMAIN",
    "USERPROFILE",
)


def project_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["project"]["version"]


def minimal_env(tmp: Path, *, real_profile: bool, platform: str = sys.platform, source=os.environ) -> dict:
    """What the frozen programs get: a profile inside ``tmp`` (unless ``real_profile``), offscreen Qt."""
    env = {"LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen", "SETTING_APP_USER": "manager"}
    if platform == "win32":
        upper = {key.upper(): value for key, value in source.items()}
        env.update({key: upper[key] for key in WINDOWS_KEEP if key in upper})
        system = upper.get("SYSTEMROOT", "C:\\Windows")
        env["PATH"] = f"{system}\\System32;{system}"
        env["TEMP"] = env["TMP"] = str(tmp)
        if real_profile:
            env["LOCALAPPDATA"] = upper["LOCALAPPDATA"]
            env["APPDATA"] = upper.get("APPDATA", "")
        else:
            env["LOCALAPPDATA"] = str(tmp / "profile" / "Local")
            env["APPDATA"] = str(tmp / "profile" / "Roaming")
    else:
        env["PATH"] = "/usr/bin:/bin"
        env["HOME"] = source.get("HOME", str(tmp)) if real_profile else str(tmp / "home")
        if not real_profile:
            env["XDG_DATA_HOME"] = str(tmp / "home" / ".local" / "share")
    return env


def expected_data_dir(env: dict, platform: str = sys.platform) -> Path:
    """Where setting_app.paths.default_data_dir() should put the casebook, given that environment."""
    if platform == "win32":
        return Path(env["LOCALAPPDATA"]) / DATA_DIR_NAME
    if platform == "darwin":
        return Path(env["HOME"]) / "Library" / "Application Support" / DATA_DIR_NAME
    base = env.get("XDG_DATA_HOME") or str(Path(env["HOME"]) / ".local" / "share")
    return Path(base) / LINUX_DATA_DIR_NAME


def pe_subsystem(exe: Path) -> int:
    """A Windows executable's subsystem: 2 is a windowed program (no console), 3 a console one."""
    data = exe.read_bytes()[:4096]
    (pe_offset,) = struct.unpack_from("<I", data, 0x3C)
    if data[pe_offset : pe_offset + 4] != b"PE\0\0":
        raise ValueError(f"{exe.name} is not a Windows executable")
    (subsystem,) = struct.unpack_from("<H", data, pe_offset + 24 + 68)
    return subsystem


def owner_only_acl(listing: str, folder: Path) -> bool:
    """icacls output for ``folder``: exactly one entry, not inherited, full control passed down."""
    entries = [line.replace(str(folder), "").strip() for line in listing.splitlines() if ":(" in line]
    return len(entries) == 1 and "(I)" not in entries[0] and "(OI)(CI)(F)" in entries[0]


class Smoke:
    def __init__(
        self,
        app: Path,
        tmp: Path,
        env: dict,
        out: Callable[[str], None] = print,
        passphrase: str | None = None,
    ) -> None:
        self.app, self.tmp, self.env, self.out = app, tmp, env, out
        self.failures = 0
        self.passphrase = passphrase or f"smoke test passphrase {uuid.uuid4().hex[:8]}"

    def program(self, name: str) -> Path:
        return self.app / f"{name}{EXE}"

    def run(self, args: Sequence[str], *, program: str = "setting-app", env: dict | None = None):
        full_env = {**self.env, "SETTING_APP_PASSPHRASE": self.passphrase, **(env or {})}
        full_env = {key: value for key, value in full_env.items() if value is not None}
        return subprocess.run(
            [str(self.program(program)), *args],
            cwd=self.tmp,
            env=full_env,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=600,
        )

    def report(self, ok: bool, name: str, detail: str = "") -> bool:
        if ok:
            self.out(f"PASS  {name}")
        else:
            self.failures += 1
            self.out(f"FAIL  {name}")
            for line in detail.strip().splitlines()[-15:]:
                self.out(f"        {line}")
        return ok

    def step(self, name: str, expect: str, args: Sequence[str], **kwargs) -> bool:
        try:
            result = self.run(args, **kwargs)
        except (OSError, subprocess.SubprocessError) as error:
            return self.report(False, name, str(error))
        output = result.stdout + result.stderr
        ok = result.returncode == 0 and expect in output
        return self.report(ok, name, f"exit {result.returncode}; wanted '{expect}'\n{output}")


def check_casebook(app: Path, *, passphrase: str) -> subprocess.CompletedProcess:
    """``setting-app check`` on the real profile's casebook (after a reinstall, in CI)."""
    with tempfile.TemporaryDirectory(prefix="fsl-check-") as name:
        tmp = Path(name).resolve()
        return Smoke(app, tmp, minimal_env(tmp, real_profile=True), passphrase=passphrase).run(["check"])


def run_smoke(
    app: Path, *, expect_version: str, real_profile: bool = False, passphrase: str | None = None, out=print
) -> int:
    """Every step against the programs in ``app``; returns the number of failures."""
    with tempfile.TemporaryDirectory(prefix="fsl-smoke-") as name:
        tmp = Path(name).resolve()
        env = minimal_env(tmp, real_profile=real_profile)
        for folder in ("LOCALAPPDATA", "APPDATA", "HOME", "XDG_DATA_HOME"):
            if folder in env and not real_profile:
                Path(env[folder]).mkdir(parents=True, exist_ok=True)
        data = expected_data_dir(env)
        smoke = Smoke(app, tmp, env, out, passphrase)
        if real_profile and (data / "casebook.db").exists():
            smoke.report(False, f"no casebook in {data} before the test", "delete it or drop --real-profile")
            return smoke.failures
        smoke.step(
            f"setting-app --version prints {expect_version}", f"setting-app {expect_version}", ["--version"]
        )
        if WINDOWS:
            # A windowed program may have nowhere to print (entry_gui.py sends it to nul): it must
            # start and exit 0; what it is, is checked from its header below.
            smoke.step(
                "FamilySupportLog.exe --version starts and exits 0",
                "",
                ["--version"],
                program="FamilySupportLog",
            )
        else:
            smoke.step(
                f"FamilySupportLog --version prints {expect_version}",
                f"setting-app {expect_version}",
                ["--version"],
                program="FamilySupportLog",
            )
        if WINDOWS:
            kinds = {name: pe_subsystem(smoke.program(name)) for name in ("setting-app", "FamilySupportLog")}
            smoke.report(
                kinds == {"setting-app": 3, "FamilySupportLog": 2},
                "FamilySupportLog.exe has no console window, setting-app.exe has one",
                str(kinds),
            )
        smoke.step(
            "init a casebook in the default data folder",
            "RECOVERY CODE",
            [
                "init",
                "--setting-name",
                "Smoke Test Nursery",
                "--urn",
                "EY000001",
                "--nation",
                "england",
                "--la-code",
                "E09000019",
                "--la-name",
                "Islington",
                "--manager",
                "manager",
                "--manager-name",
                "Smoke Manager",
            ],
        )
        smoke.report(
            (data / "casebook.db").is_file(),
            f"the casebook is in {data}",
            f"{data} holds {sorted(p.name for p in data.iterdir()) if data.is_dir() else 'nothing'}",
        )
        if WINDOWS:
            listing = subprocess.run(
                ["icacls", str(data)], capture_output=True, text=True, errors="replace"
            ).stdout
            smoke.report(
                owner_only_acl(listing, data), "the data folder is its owner's alone (icacls)", listing
            )
        else:
            mode = data.stat().st_mode & 0o777 if data.is_dir() else None
            smoke.report(
                mode == 0o700, "the data folder is its owner's alone (0700)", f"mode {mode and oct(mode)}"
            )
        smoke.step("check the casebook", "The casebook is intact", ["check"])
        smoke.step(
            "add a family",
            "FAM-",
            ["family", "add", "--carer", "Alex Example", "--child", "Sam Example:2023-05-01"],
        )
        smoke.step(
            "log an entry",
            "",
            [
                "log",
                "add",
                "--family",
                "FAM-0001",
                "--domain",
                "family_wellbeing",
                "--minutes",
                "15",
                "--note",
                "Smoke test entry",
            ],
        )
        pdf = tmp / "summary.pdf"
        month = date.today().strftime("%Y-%m")
        if smoke.step(
            "monthly summary PDF",
            "Saved the monthly summary",
            ["report", "monthly", "--month", month, "--out", str(pdf)],
        ):
            body = pdf.read_bytes() if pdf.is_file() else b""
            ok = body.startswith(b"%PDF-") and b"%%EOF" in body[-1024:]
            detail = f"{len(body)} bytes"
            if ok and shutil.which("pdfinfo"):
                info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True)
                ok = info.returncode == 0
                pages = re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE)
                detail = f"pdfinfo: {pages.group(1) if pages else '?'} page(s)" if ok else info.stderr
            smoke.report(ok, f"the PDF is a whole PDF ({detail})", detail)
        # python-docx's own Word template must be inside the frozen app.
        smoke.step(
            "agreement template as DOCX",
            "Wrote",
            ["agreement", "template", "--out", str(tmp / "agreement.docx")],
        )
        smoke.step(
            "agreement template as PDF",
            "Wrote",
            ["agreement", "template", "--out", str(tmp / "agreement.pdf")],
        )
        smoke.step(
            "transfer key file",
            "Transfer key fingerprint",
            ["transfer", "keys", "--out", str(tmp / "transfer-key.json")],
        )
        shots = tmp / "shots"
        smoke.step("gui --screenshots offscreen", "Saved", ["gui", "--screenshots", str(shots)])
        pngs = [p for p in shots.glob("*.png") if p.stat().st_size > 1024] if shots.is_dir() else []
        smoke.report(len(pngs) >= 3, f"{len(pngs)} screenshots written")
        # A wrong passphrase: one plain line and exit 1, never a traceback.
        wrong = smoke.run(["check"], env={"SETTING_APP_PASSPHRASE": "not the passphrase"})
        text = (wrong.stdout + wrong.stderr).strip()
        smoke.report(
            wrong.returncode == 1 and "Traceback" not in text and len(text.splitlines()) == 1,
            f"a wrong passphrase is refused in plain words: {text}",
            f"exit {wrong.returncode}\n{text}",
        )
        if sys.platform.startswith("linux"):
            # No display and no Qt platform chosen: one plain line and exit 1, not Qt's abort.
            bare = smoke.run(["gui"], env={"QT_QPA_PLATFORM": None})
            text = (bare.stdout + bare.stderr).strip()
            smoke.report(
                bare.returncode == 1
                and text.startswith("setting-app: There is no display")
                and len(text.splitlines()) == 1,
                "without a display the app says so in one line",
                f"exit {bare.returncode}\n{text}",
            )
        return smoke.failures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("app", type=Path, help="the folder holding setting-app and FamilySupportLog")
    parser.add_argument("--expect-version", default=None, help="default: the version in pyproject.toml")
    parser.add_argument("--real-profile", action="store_true", help="use the real profile's data folder")
    args = parser.parse_args(argv)
    app = args.app.resolve()
    if not (app / f"setting-app{EXE}").is_file():
        print(f"FAIL  no setting-app{EXE} in {app}")
        return 1
    failures = run_smoke(
        app, expect_version=args.expect_version or project_version(), real_profile=args.real_profile
    )
    print(f"{failures} smoke test(s) failed." if failures else "All smoke tests passed.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

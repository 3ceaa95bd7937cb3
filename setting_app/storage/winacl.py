"""Windows: a data folder only its owner can open, the equivalent of a 0700 folder.

On Windows ``os.chmod`` only sets the read-only flag, so the folder gets an access-control list
instead: inherited entries removed (``/inheritance:r``) and one entry giving the signed-in user
full control of the folder, its subfolders and files (``(OI)(CI)F``), replacing any the user had
(``/grant:r``). The user is named by security identifier (SID) from ``whoami /user``, which is the
same in every language of Windows; account names are translated ("Administrators" is
"Administratoren" in German) and can be ambiguous across a domain. Both programs ship with Windows
(``%SystemRoot%\\System32``). Nothing here runs elsewhere: ``ensure_private_dir`` calls
:func:`restrict_to_owner` only on Windows. The commands are built by plain functions so the tests
on Linux can check them.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

from setting_app.domain.errors import AppError

# A windowed program (FamilySupportLog.exe) starting a console one flashes a console window unless
# told not to; subprocess.CREATE_NO_WINDOW exists only on Windows, hence the number.
CREATE_NO_WINDOW = 0x08000000
SID_PATTERN = re.compile(r"^S-1-\d+(-\d+)+$")

Runner = Callable[..., subprocess.CompletedProcess]


class FolderNotPrivate(AppError, PermissionError):
    """An AppError (one plain line) that is also an OSError, so code that copes with a folder it
    cannot write to (the crash log, an export) copes with this one the same way."""

    def __init__(self, folder: Path, detail: str) -> None:
        AppError.__init__(
            self,
            f"Could not make {folder} private to your Windows account ({detail}); nothing was saved "
            "there. Choose a folder on this PC's own disk, or ask your IT support to check it.",
        )


def system_tool(name: str, environ: Mapping[str, str] | None = None) -> str:
    """``%SystemRoot%\\System32\\NAME.exe``, so a program of that name elsewhere on PATH is not run."""
    environ = os.environ if environ is None else environ
    root = environ.get("SystemRoot") or environ.get("SYSTEMROOT") or "C:\\Windows"
    return f"{root}\\System32\\{name}.exe"


def whoami_command(environ: Mapping[str, str] | None = None) -> list[str]:
    return [system_tool("whoami", environ), "/user", "/fo", "csv", "/nh"]


def parse_whoami_sid(output: str) -> str:
    """The SID from ``whoami /user /fo csv /nh``: one line, ``"pc\\name","S-1-5-21-..."``."""
    for row in csv.reader(output.splitlines()):
        if row and SID_PATTERN.match(row[-1].strip()):
            return row[-1].strip()
    raise ValueError(f"no SID in whoami's answer: {output.strip()[:120]!r}")


def icacls_command(folder: Path, sid: str, environ: Mapping[str, str] | None = None) -> list[str]:
    """Owner only: no inherited entries, full control for the SID, passed on to everything inside."""
    if not SID_PATTERN.match(sid):
        raise ValueError(f"not a SID: {sid!r}")
    return [
        system_tool("icacls", environ),
        str(folder),
        "/inheritance:r",
        "/grant:r",
        f"*{sid}:(OI)(CI)F",
        "/q",
    ]


def _run(command: list[str], run: Runner) -> subprocess.CompletedProcess:
    return run(
        command,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=60,
        creationflags=CREATE_NO_WINDOW,
    )


_sid_of_this_process: list[str] = []


def current_user_sid(run: Runner = subprocess.run) -> str:
    """The signed-in user's SID (asked of whoami once per process)."""
    if run is subprocess.run and _sid_of_this_process:
        return _sid_of_this_process[0]
    result = _run(whoami_command(), run)
    if result.returncode != 0:
        raise ValueError(f"whoami failed: {(result.stderr or result.stdout).strip()[:120]}")
    sid = parse_whoami_sid(result.stdout)
    if run is subprocess.run:
        _sid_of_this_process.append(sid)
    return sid


_done: set[str] = set()


def restrict_to_owner(folder: Path, run: Runner = subprocess.run) -> None:
    """Give ``folder`` an access-control list naming only the signed-in user (once per process)."""
    key = os.path.normcase(os.path.abspath(folder))
    if key in _done:
        return
    try:
        sid = current_user_sid(run)
        result = _run(icacls_command(folder, sid), run)
    except (OSError, ValueError, subprocess.SubprocessError) as error:
        raise FolderNotPrivate(folder, str(error)) from None
    if result.returncode != 0:
        detail = (result.stderr or result.stdout or f"icacls exit {result.returncode}").strip().splitlines()
        raise FolderNotPrivate(folder, detail[0] if detail else f"icacls exit {result.returncode}")
    _done.add(key)

"""Windows: the data folder's access-control list, the equivalent of 0700.

On Linux the commands are checked as built, and run through a stand-in for subprocess.run; the last
test runs the real whoami and icacls and is skipped everywhere but Windows (the CI workflow's
Windows job runs it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from setting_app.domain.errors import AppError
from setting_app.storage import fsutil, winacl
from setting_app.storage.instance_lock import InstanceLock
from setting_app.storage.winacl import FolderNotPrivate

SID = "S-1-5-21-3623811015-3361044348-30300820-1013"
ENV = {"SystemRoot": "C:\\Windows"}


@pytest.fixture(autouse=True)
def _fresh_process_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(winacl, "_done", set())


class FakeWindows:
    """Stands in for subprocess.run: answers whoami and icacls as Windows does, and records calls."""

    def __init__(self, *, whoami_code: int = 0, icacls_code: int = 0, icacls_err: str = "") -> None:
        self.calls: list[tuple[list[str], dict]] = []
        self.whoami_code = whoami_code
        self.icacls_code = icacls_code
        self.icacls_err = icacls_err

    def __call__(self, command: list[str], **kwargs) -> subprocess.CompletedProcess:
        self.calls.append((command, kwargs))
        if command[0].endswith("whoami.exe"):
            out = f'"desktop-7h2k\\alex example","{SID}"\r\n' if self.whoami_code == 0 else ""
            return subprocess.CompletedProcess(command, self.whoami_code, out, "ERROR: Access denied.")
        out = "" if self.icacls_code else "Successfully processed 1 files; Failed processing 0 files"
        return subprocess.CompletedProcess(command, self.icacls_code, out, self.icacls_err)


def test_the_sid_is_read_from_whoami() -> None:
    assert winacl.parse_whoami_sid(f'"desktop-7h2k\\alex","{SID}"\r\n') == SID
    # A comma or quotes in the account name do not confuse it (CSV quoting).
    assert winacl.parse_whoami_sid(f'"corp\\smith, jo ""JJ""","{SID}"\n') == SID
    for bad in ("", "INFO: nothing\n", '"pc\\alex","Everyone"\n'):
        with pytest.raises(ValueError):
            winacl.parse_whoami_sid(bad)


def test_the_commands_are_windows_own_tools_with_owner_only_arguments() -> None:
    assert winacl.whoami_command(ENV) == ["C:\\Windows\\System32\\whoami.exe", "/user", "/fo", "csv", "/nh"]
    folder = Path("C:/Users/alex/AppData/Local/FamilySupportLog")
    assert winacl.icacls_command(folder, SID, ENV) == [
        "C:\\Windows\\System32\\icacls.exe",
        str(folder),
        "/inheritance:r",  # drop what the parent folder passes down (Users, Administrators, ...)
        "/grant:r",  # replace, not add to, what the owner had
        f"*{SID}:(OI)(CI)F",  # full control, passed on to files (OI) and folders (CI) inside
        "/q",
    ]
    # One argument each, so a folder with spaces needs no quoting.
    assert winacl.icacls_command(Path("D:/Family Support/casebook"), SID, ENV)[1] == str(
        Path("D:/Family Support/casebook")
    )
    for not_a_sid in ("Everyone", "S-1-5-21-1:(OI)F", f"{SID} /grant *S-1-1-0:F", ""):
        with pytest.raises(ValueError):
            winacl.icacls_command(folder, not_a_sid, ENV)


def test_system_root_defaults_to_c_windows() -> None:
    assert winacl.system_tool("icacls", {}) == "C:\\Windows\\System32\\icacls.exe"
    assert winacl.system_tool("icacls", {"SYSTEMROOT": "D:\\WIN"}) == "D:\\WIN\\System32\\icacls.exe"


def test_restricting_runs_whoami_then_icacls_without_a_console_window_once_per_folder(tmp_path: Path) -> None:
    fake = FakeWindows()
    winacl.restrict_to_owner(tmp_path, run=fake)
    winacl.restrict_to_owner(tmp_path, run=fake)
    assert [call[0][0].rsplit("\\", 1)[-1] for call in fake.calls] == ["whoami.exe", "icacls.exe"]
    icacls = fake.calls[1][0]
    assert icacls[1:] == [str(tmp_path), "/inheritance:r", "/grant:r", f"*{SID}:(OI)(CI)F", "/q"]
    for _command, kwargs in fake.calls:
        assert kwargs["creationflags"] == winacl.CREATE_NO_WINDOW == 0x08000000
        assert kwargs["capture_output"] is True and kwargs["timeout"] > 0


@pytest.mark.parametrize(
    ("fake", "detail"),
    [
        (FakeWindows(icacls_code=5, icacls_err="C:\\x: Access is denied.\r\n"), "Access is denied."),
        (FakeWindows(whoami_code=1), "whoami failed"),
    ],
    ids=["icacls refused", "whoami failed"],
)
def test_a_folder_that_cannot_be_made_private_is_one_plain_line(
    tmp_path: Path, fake: FakeWindows, detail: str
) -> None:
    with pytest.raises(FolderNotPrivate) as caught:
        winacl.restrict_to_owner(tmp_path, run=fake)
    message = caught.value.message
    assert detail in message and str(tmp_path) in message and "\n" not in message
    assert isinstance(caught.value, AppError) and isinstance(caught.value, OSError)
    assert winacl._done == set()  # tried again next time


def test_a_missing_tool_is_a_plain_line_too(tmp_path: Path) -> None:
    def no_such_program(command, **kwargs):
        raise FileNotFoundError(2, "The system cannot find the file specified", command[0])

    with pytest.raises(FolderNotPrivate, match="cannot find the file"):
        winacl.restrict_to_owner(tmp_path, run=no_such_program)


def test_on_windows_every_private_folder_gets_the_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The data folder (made when the app starts, by the instance lock, or by set-up) goes through
    ensure_private_dir, which on Windows restricts it."""
    restricted: list[Path] = []
    monkeypatch.setattr(fsutil, "on_windows", lambda: True)
    monkeypatch.setattr(winacl, "restrict_to_owner", restricted.append)
    data_dir = tmp_path / "FamilySupportLog"
    with InstanceLock(data_dir):
        pass
    assert restricted == [data_dir]
    fsutil.ensure_private_dir(tmp_path / "exports")
    assert restricted[-1] == tmp_path / "exports"


def test_elsewhere_no_windows_tool_is_called(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if sys.platform == "win32":
        pytest.skip("this is the not-Windows case")
    monkeypatch.setattr(winacl, "restrict_to_owner", lambda *a, **k: pytest.fail("called off Windows"))
    made = fsutil.ensure_private_dir(tmp_path / "private")
    assert made.stat().st_mode & 0o777 == 0o700


@pytest.mark.skipif(sys.platform != "win32", reason="runs the real whoami and icacls")
def test_on_windows_the_folder_is_its_owners_alone(tmp_path: Path) -> None:
    folder = fsutil.ensure_private_dir(tmp_path / "casebook")
    (folder / "casebook.db").write_bytes(b"x")
    listing = subprocess.run(
        [winacl.system_tool("icacls"), str(folder)], capture_output=True, text=True, check=True
    ).stdout
    entries = [line.strip() for line in listing.replace(str(folder), "").splitlines() if ":(" in line]
    user = f"{os.environ['USERDOMAIN']}\\{os.environ['USERNAME']}".lower()
    assert len(entries) == 1 and entries[0].lower().startswith(user), listing
    assert "(OI)(CI)(F)" in entries[0] and "(I)" not in entries[0]
    inside = subprocess.run(
        [winacl.system_tool("icacls"), str(folder / "casebook.db")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "BUILTIN\\Users" not in inside and "Everyone" not in inside, inside

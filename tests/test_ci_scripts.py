""".ci/setup and .ci/app, run for real in a copy of the repository's layout.

The copy has a ready .venv (the running interpreter, marked as installed) so no pip runs, and stub
``dpkg-query``, ``apt-get`` and ``sudo`` first on PATH: the stubs say which Debian packages are
missing, record how apt-get was called, and can answer as apt does when another program holds its
lock ("E: Could not get lock ..."). Everything else is the real script.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the .ci scripts are for Debian")

DPKG_QUERY = """#!/bin/sh
# dpkg-query -W -f=FORMAT PACKAGE: installed unless named in $FAKE_MISSING
for pkg in $FAKE_MISSING; do [ "$pkg" = "$3" ] && exit 1; done
printf 'install ok installed'
"""
APT_GET = """#!/bin/sh
echo "apt-get $*" >> "$FAKE_APT_LOG"
n=$(cat "$FAKE_APT_BUSY" 2>/dev/null || echo 0)
if [ "$n" -gt 0 ]; then
  echo $((n - 1)) > "$FAKE_APT_BUSY"
  echo "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 4242 (apt-get)" >&2
  echo "E: Unable to lock directory /var/lib/apt/lists/" >&2
  exit 100
fi
"""
SUDO = '#!/bin/sh\nexec "$@"\n'


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o755)
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The repository's scripts and pyproject.toml, with a .venv that needs nothing installed."""
    repo = tmp_path / "repo"
    for script in ("setup", "app", "run"):
        _write(repo / ".ci" / script, (ROOT / ".ci" / script).read_text(encoding="utf-8"))
    shutil.copy(ROOT / "pyproject.toml", repo / "pyproject.toml")
    venv_bin = repo / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "python").symlink_to(sys.executable)
    _write(
        venv_bin / "setting-app",
        f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec "{sys.executable}" -m setting_app "$@"\n',
    )
    digest = hashlib.sha256((repo / "pyproject.toml").read_bytes()).hexdigest()[:16]
    (repo / ".venv" / f".installed-{digest}").touch()
    return repo


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    stubs = tmp_path / "stubs"
    _write(stubs / "dpkg-query", DPKG_QUERY)
    _write(stubs / "apt-get", APT_GET)
    _write(stubs / "sudo", SUDO)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(
        PATH=f"{stubs}:{os.environ['PATH']}",
        FAKE_MISSING="",
        FAKE_APT_LOG=str(tmp_path / "apt.log"),
        FAKE_APT_BUSY=str(tmp_path / "apt-busy"),
        APT_RETRY_PAUSE="0",
    )
    env.update(extra)
    return env


def _run(repo: Path, script: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(repo / ".ci" / script), *args], env=env, capture_output=True, text=True, timeout=120
    )


def _apt_calls(tmp_path: Path) -> list[str]:
    log = tmp_path / "apt.log"
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def test_setup_is_silent_when_everything_is_there(repo: Path, tmp_path: Path) -> None:
    result = _run(repo, "setup", _env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    assert _apt_calls(tmp_path) == []


def test_setup_installs_desktop_file_utils_waiting_for_a_busy_package_manager(
    repo: Path, tmp_path: Path
) -> None:
    (tmp_path / "apt-busy").write_text("2")  # another apt holds the lock for two tries
    result = _run(repo, "setup", _env(tmp_path, FAKE_MISSING="desktop-file-utils"))
    assert result.returncode == 0, result.stderr
    assert "Installing Debian packages: desktop-file-utils" in result.stdout
    assert result.stdout.count("Another program is using the package manager") == 1
    calls = _apt_calls(tmp_path)
    assert len(calls) == 4  # update refused twice, then update and install
    assert all("-o DPkg::Lock::Timeout=300" in call for call in calls)  # apt itself waits for dpkg
    assert calls[-1].endswith("install -y --no-install-recommends desktop-file-utils")
    assert sum(call.endswith(" update") for call in calls) == 3


def test_setup_gives_up_on_a_lock_that_stays_busy_and_shows_apts_words(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "apt-busy").write_text("1000")
    env = _env(tmp_path, FAKE_MISSING="xvfb", APT_LOCK_WAIT="3", APT_RETRY_PAUSE="1")
    result = _run(repo, "setup", env)
    assert result.returncode != 0
    assert "Could not get lock" in result.stderr and "'apt-get update' failed" in result.stderr
    assert len(_apt_calls(tmp_path)) == 4  # the first try and three more, one a second
    assert all("install" not in call for call in _apt_calls(tmp_path))


def test_setup_checks_every_package_the_tests_and_the_app_need() -> None:
    setup = (ROOT / ".ci" / "setup").read_text(encoding="utf-8")
    for package in ("poppler-utils", "xvfb", "desktop-file-utils", "libxcb-cursor0", "fonts-dejavu-core"):
        assert package in setup


def test_fresh_without_a_display_says_so_in_one_line_and_leaves_nothing_behind(
    repo: Path, tmp_path: Path
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    result = _run(repo, "app", _env(tmp_path, TMPDIR=str(scratch)), "--fresh")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("setting-app: There is no display")
    assert list(scratch.iterdir()) == [], "the temporary folder is deleted"


def test_fresh_deletes_the_casebook_it_made_when_the_app_closes(repo: Path, tmp_path: Path) -> None:
    # The app stands in for a session: it writes into the data folder it was given, then closes.
    _write(
        repo / ".venv" / "bin" / "setting-app",
        '#!/bin/sh\nmkdir -p "$2" && echo data > "$2/casebook.db" && echo "closed $2"\n',
    )
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    result = _run(repo, "app", _env(tmp_path, TMPDIR=str(scratch), QT_QPA_PLATFORM="offscreen"), "--fresh")
    assert result.returncode == 0, result.stderr
    assert "Starting on a new, empty data folder (deleted when the app closes)" in result.stdout
    assert f"closed {scratch}" in result.stdout
    assert list(scratch.iterdir()) == []


def test_pyproject_names_its_licence_the_way_setuptools_no_longer_warns_about() -> None:
    """A TOML table for `project.license` makes every pip install print about 40 lines of warnings."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "MIT"  # an SPDX expression, not {text = ...}
    assert "setuptools>=77" in project["build-system"]["requires"]  # the first to read that form


def test_setup_keeps_pip_quiet() -> None:
    setup = (ROOT / ".ci" / "setup").read_text(encoding="utf-8")
    pip_lines = [line for line in setup.splitlines() if "pip install" in line]
    assert pip_lines and all("-qq" in line for line in pip_lines)


REAL_APT_CONF = """Dir::State::Lists "{d}/lists/";
Dir::Etc::SourceList "{d}/sources.list";
Dir::Etc::SourceParts "{d}/sources.list.d/";
Dir::Cache "{d}/cache/";
"""


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("apt-get") is None or not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="needs the real apt-get, as root",
)
def test_setup_waits_for_the_real_apt_lists_lock(repo: Path, tmp_path: Path) -> None:
    """Real apt-get, pointed (APT_CONFIG) at a package-list folder of its own with no sources, whose
    lock this test holds for a few seconds as a second apt would. The package said to be missing is
    one that is installed, so apt-get install changes nothing."""
    import fcntl
    import threading
    import time

    setup = (ROOT / ".ci" / "setup").read_text(encoding="utf-8")
    candidates = ["fonts-dejavu-core", "libglib2.0-0", "xauth", "poppler-utils"]
    present = [
        p
        for p in candidates
        if p in setup
        and "install ok installed"
        in subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True).stdout
    ]
    if not present:
        pytest.skip("none of the packages .ci/setup installs is installed here")
    apt = tmp_path / "apt"
    for sub in ("lists/partial", "sources.list.d", "cache/archives/partial"):
        (apt / sub).mkdir(parents=True)
    (apt / "sources.list").write_text("")
    (apt / "apt.conf").write_text(REAL_APT_CONF.format(d=apt))
    stubs = tmp_path / "real-stubs"
    _write(
        stubs / "dpkg-query", f'#!/bin/sh\n[ "$3" = {present[0]} ] && exit 1\nexec /usr/bin/dpkg-query "$@"\n'
    )
    fd = os.open(apt / "lists" / "lock", os.O_RDWR | os.O_CREAT, 0o640)
    fcntl.lockf(fd, fcntl.LOCK_EX)
    releaser = threading.Timer(4, lambda: os.close(fd))  # closing the file drops the lock
    releaser.start()
    env = {**os.environ, "PATH": f"{stubs}:{os.environ['PATH']}", "APT_CONFIG": str(apt / "apt.conf")}
    env["APT_RETRY_PAUSE"] = "1"
    started = time.monotonic()
    result = _run(repo, "setup", env)
    releaser.join()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Another program is using the package manager" in result.stdout
    assert time.monotonic() - started >= 3.5

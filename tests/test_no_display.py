"""Without a screen the desktop app says so in one plain line and exits 1, instead of Qt aborting.

Qt's own failure is an abort (exit 134) after a misleading hint about libxcb-cursor0. These run the
real program in a subprocess with DISPLAY, WAYLAND_DISPLAY and QT_QPA_PLATFORM removed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from setting_app.ui.app import no_display_message

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="DISPLAY and WAYLAND_DISPLAY only mean something on Linux"
)


def _without_display() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = str(ROOT)
    return env


@pytest.mark.parametrize("command", [["gui"], []], ids=["gui", "no command"])
def test_without_a_display_the_app_says_so_in_one_line_and_exits_1(
    tmp_path: Path, command: list[str]
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "setting_app", "--data-dir", str(tmp_path / "casebook"), *command],
        env=_without_display(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("setting-app: There is no display")
    assert "xvfb-run" in lines[0] and "--screenshots" in lines[0]  # says what to do
    assert "qt.qpa" not in result.stderr and "Aborted" not in result.stderr
    assert not (tmp_path / "casebook").exists(), "nothing is created before the display is known"


def test_a_display_or_a_chosen_qt_platform_is_enough(tmp_path: Path) -> None:
    (tmp_path / "X0").touch()  # the socket a running X server :0 listens on
    assert no_display_message({}, "linux") is not None
    assert no_display_message({"DISPLAY": ":0"}, "linux", tmp_path) is None
    assert no_display_message({"DISPLAY": ":0.0"}, "linux", tmp_path) is None
    assert no_display_message({"DISPLAY": "localhost:10.0"}, "linux", tmp_path) is None  # ssh -X: Qt's to try
    assert no_display_message({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert no_display_message({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert no_display_message({"DISPLAY": ""}, "linux") is not None  # empty is unset
    # Windows and macOS always have their own screen plugin.
    assert no_display_message({}, "win32") is None
    assert no_display_message({}, "darwin") is None


def test_screenshots_need_no_display(tmp_path: Path) -> None:
    """`gui --screenshots` goes offscreen by itself: with no display it gets as far as the casebook."""
    env = _without_display()
    env["SETTING_APP_PASSPHRASE"] = "a passphrase for the test"
    result = subprocess.run(
        [sys.executable, "-m", "setting_app", "--data-dir", str(tmp_path / "cb"), "--user", "manager"]
        + ["gui", "--screenshots", str(tmp_path / "shots")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("setting-app: There is no casebook"), result.stderr


def test_a_local_display_with_no_x_server_is_no_display(tmp_path: Path) -> None:
    message = no_display_message({"DISPLAY": ":7"}, "linux", tmp_path)
    assert message is not None and "no X server is running for DISPLAY=:7" in message
    assert no_display_message({"DISPLAY": ":7", "QT_QPA_PLATFORM": "offscreen"}, "linux", tmp_path) is None


def test_a_stale_display_says_so_instead_of_aborting(tmp_path: Path) -> None:
    display = next(f":{n}" for n in range(900, 1000) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    env = {**_without_display(), "DISPLAY": display}
    result = subprocess.run(
        [sys.executable, "-m", "setting_app", "--data-dir", str(tmp_path / "casebook"), "gui"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert f"no X server is running for DISPLAY={display}" in result.stderr

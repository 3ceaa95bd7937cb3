"""Normal runs print no Qt notices: the offscreen platform's "This plugin does not support
propagateSizeHints()" (eight a screenshot run) is dropped, and every other Qt message still shows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]


def _python(code_or_args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *code_or_args],
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_platform_notices_are_dropped_and_other_messages_kept() -> None:
    result = _python(
        [
            "-c",
            "from setting_app.ui.app import quieten_platform_notices as q; q(); q()\n"
            "from PySide6.QtCore import qWarning\n"
            "qWarning('This plugin does not support raise()')\n"
            "qWarning('a message that matters')\n"
            "qWarning('This plugin does not support propagateSizeHints()')\n",
        ]
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "a message that matters\n"


def test_a_screenshot_run_prints_only_its_result(session, data_dir: Path, tmp_path: Path) -> None:
    session.close()
    result = _python(
        [
            "-m",
            "setting_app",
            "--data-dir",
            str(data_dir),
            "--user",
            "manager",
            "gui",
            "--screenshots",
            str(tmp_path),
        ],
        SETTING_APP_PASSPHRASE=PASSPHRASE,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("Saved ") and len(result.stdout.splitlines()) == 1

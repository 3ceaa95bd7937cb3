"""No personal data, passphrase or key in logs, crash reports or stderr; core dumps switched off.

A whole workflow runs in a fresh process (so everything written to file descriptor 2, by Python or by
C libraries, is captured) with every logger at DEBUG into a file, canary words in every text field,
and one forced unexpected error whose message quotes a canary. Then the log, the crash report and
stderr are searched for the canaries, the passphrase, the recovery code and the data key.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from setting_app.services import casebook
from tests.conftest import fixed_clock

ROOT = Path(__file__).resolve().parents[1]
PASSPHRASE = "CanaryPassphrase horse battery 71"
CANARIES = (
    "CanaryCarerZephyr",
    "CanaryChildQuill",
    "CanaryNoteQuokka",
    "CanaryReasonMarmot",
    "CanaryFamilyNotesIbis",
    "ZZ9 9ZZ",
    "07700900123",
    "CanaryCrashOcelot",
)

WORKFLOW = textwrap.dedent(
    """
    import io, logging, sys
    from datetime import UTC, datetime
    from pathlib import Path

    logging.basicConfig(level=logging.DEBUG, filename=sys.argv[2], format="%(name)s %(levelname)s %(message)s")
    logging.getLogger().addHandler(logging.StreamHandler(sys.stderr))  # and to stderr, so it is searched too

    from setting_app.cli import main
    from setting_app.domain.clock import FixedClock
    from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF

    data_dir, out_dir = sys.argv[1], Path(sys.argv[3])
    clock = FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))

    def run(*argv, user="manager"):
        head = ["--data-dir", data_dir] + (["--user", user] if user else [])
        code = main([*head, *argv], kdf=TEST_ONLY_FAST_KDF, clock=clock)
        print(f"exit {code}: {argv[0]} {argv[1] if len(argv) > 1 else ''}", file=sys.stderr)
        return code

    steps = [
        (("init", "--setting-name", "Little Acorns Nursery", "--urn", "EY123456", "--nation", "england",
          "--la-code", "E09000019", "--manager", "manager"), None),
        (("family", "add", "--carer", "CanaryCarerZephyr", "--relationship", "mother", "--phone", "07700900123",
          "--postcode", "ZZ9 9ZZ", "--child", "CanaryChildQuill:2023-04-02", "--opened", "2026-01-05",
          "--notes", "CanaryFamilyNotesIbis"), "manager"),
        (("family", "show", "FAM-0001"), "manager"),
        (("log", "add", "--family", "FAM-0001", "--domain", "child_development", "--minutes", "30",
          "--date", "2026-10-06", "--child", "CanaryChildQuill", "--note", "CanaryNoteQuokka"), "manager"),
        (("log", "search", "CanaryNoteQuokka"), "manager"),
        (("referral", "add", "--family", "FAM-0001", "--service", "Speech and language therapy",
          "--category", "speech_language", "--domain", "child_development", "--date", "2026-10-07", "--reason", "CanaryReasonMarmot",
          "--note", "CanaryNoteQuokka"), "manager"),
        (("export", "family", "FAM-0001", "--out", str(out_dir / "family.json")), "manager"),
        (("report", "monthly", "--month", "2026-10", "--out", str(out_dir / "summary.pdf")), "manager"),
        (("export", "la", "--period", "2026-10", "--out", str(out_dir / "la")), "manager"),
        (("backup", "--out", str(out_dir / "casebook.fslbackup")), "manager"),
        (("audit", "list"), "manager"),
        (("check",), "manager"),
    ]
    for argv, user in steps:
        if run(*argv, user=user) != 0:
            print(f"STEP FAILED: {argv[0]}", file=sys.stderr)
            sys.exit(3)

    # A forced unexpected error (a bug), its message quoting record contents.
    from setting_app.services import support_log

    def broken(*args, **kwargs):
        raise RuntimeError("CanaryCrashOcelot CanaryNoteQuokka CanaryCarerZephyr")

    support_log.log_entry = broken
    code = run("log", "add", "--family", "FAM-0001", "--domain", "child_development", "--minutes", "5",
               "--note", "CanaryNoteQuokka")
    sys.exit(0 if code == 1 else 4)
    """
)


def _hex_forms(key: bytes) -> list[str]:
    return [key.hex(), key.hex().upper()]


def test_a_whole_workflow_leaves_no_personal_data_passphrase_or_key_in_logs_or_stderr(tmp_path: Path) -> None:
    data_dir, out_dir, home = tmp_path / "data", tmp_path / "out", tmp_path / "home"
    out_dir.mkdir()
    log_file = tmp_path / "debug.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SETTING_APP_PASSPHRASE": PASSPHRASE,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "share"),
        "LOCALAPPDATA": str(home / "share"),  # Windows; macOS uses HOME (~/Library/Application Support)
        "PYTHONFAULTHANDLER": "",
    }
    run = subprocess.run(
        [sys.executable, "-c", WORKFLOW, str(data_dir), str(log_file), str(out_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "exit 0: check" in run.stderr  # the workflow really ran to the end
    recovery = re.search(r"RECOVERY CODE.*?\n\s+(\S[^\n]*)\n", run.stdout, re.S)
    assert recovery, "init printed no recovery code"
    session = casebook.unlock(data_dir, "manager", PASSPHRASE, clock=fixed_clock())
    data_key = session.data_key()
    session.close()

    crash_logs = list(home.rglob("errors.log"))
    assert len(crash_logs) == 1, "the forced error left no crash report"
    crash = crash_logs[0].read_text()
    assert "RuntimeError" in crash and "reference" in crash
    assert "something went wrong that should not have (reference" in run.stderr

    secrets = [*CANARIES, PASSPHRASE, recovery.group(1).strip(), *_hex_forms(data_key)]
    for name, text in (
        ("stderr", run.stderr),
        ("debug log", log_file.read_text() if log_file.exists() else ""),
        ("crash report", crash),
    ):
        for secret in secrets:
            assert secret not in text, f"{secret!r} appears in the {name}"
    assert "Traceback" not in run.stderr
    # The canaries really went through the app (so their absence above means something).
    assert "CanaryCarerZephyr" in (out_dir / "family.json").read_text()


def test_crash_dialog_and_app_log_hold_no_record_contents(qtbot, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QApplication, QMessageBox

    from setting_app.ui.errors import ErrorHandler, setup_app_log

    setup_app_log(tmp_path)
    handler = ErrorHandler(tmp_path, parent=lambda: None)
    try:
        raise ValueError("CanaryCrashOcelot CanaryNoteQuokka")
    except ValueError as exc:
        reference = handler.handle(type(exc), exc, exc.__traceback__)
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert boxes and reference in " ".join(b.text() + b.informativeText() for b in boxes)
    shown = " ".join(b.text() + b.informativeText() + b.detailedText() for b in boxes)
    written = "".join(p.read_text() for p in tmp_path.glob("*.log"))
    for box in boxes:
        box.close()
    for text in (shown, written):
        assert "CanaryCrashOcelot" not in text and "CanaryNoteQuokka" not in text
    assert "ValueError" in written and reference in written


@pytest.mark.skipif(sys.platform == "win32", reason="no core-dump limit on Windows")
def test_core_dumps_are_switched_off_by_the_cli(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import resource
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY)) \\
            if resource.getrlimit(resource.RLIMIT_CORE)[1] == resource.RLIM_INFINITY else None
        from setting_app.cli import main
        main(["--version"])
        print(resource.getrlimit(resource.RLIMIT_CORE))
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "(0, 0)"

"""Unlock throttling holds when many attempts start at the same moment (real processes, real files).

Every attempt is counted under an OS file lock held across read-check-count-write, so parallel guesses
cannot all pass the check before any of them is recorded, and no count is lost.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from setting_app.storage.unlock_throttle import THROTTLE_NAME, delay_after
from tests.conftest import assert_mode

ATTEMPTS = 10
START_FAILURES = 4
REPO = Path(__file__).resolve().parents[1]


def _seed_record(data_dir: Path, failures: int) -> None:
    """An earlier run of wrong guesses whose wait is long over."""
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    record = data_dir / THROTTLE_NAME
    record.write_text(json.dumps({"failures": failures, "last_failure_at": long_ago.isoformat()}))
    os.chmod(record, 0o600)


def _stored_failures(data_dir: Path) -> int:
    return json.loads((data_dir / THROTTLE_NAME).read_text())["failures"]


def _attempt(data_dir: str, barrier, results) -> None:  # runs in a child process
    from setting_app.domain.errors import AppError, PassphraseNotRecognised
    from setting_app.services import casebook
    from setting_app.storage.unlock_throttle import UnlockThrottled

    barrier.wait()
    try:
        casebook.unlock(Path(data_dir), "manager", "not the passphrase")
        results.put("opened")
    except UnlockThrottled as exc:
        results.put(f"throttled {exc.seconds}")
    except PassphraseNotRecognised:
        results.put("tried")
    except AppError as exc:
        results.put(f"other {exc}")


def test_simultaneous_wrong_attempts_are_each_counted_and_delayed(session, data_dir: Path) -> None:
    session.close()
    _seed_record(data_dir, START_FAILURES)
    # Windows has no fork, and on macOS a forked child of a process with Qt loaded may crash: there the
    # children start afresh and import _attempt from this module.
    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    barrier = ctx.Barrier(ATTEMPTS)
    results = ctx.Queue()
    procs = [ctx.Process(target=_attempt, args=(str(data_dir), barrier, results)) for _ in range(ATTEMPTS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    outcomes = sorted(results.get(timeout=5) for _ in range(ATTEMPTS))
    assert all(p.exitcode == 0 for p in procs)
    # Exactly one guess is tried (the wait after the earlier four was over); the other nine are held
    # back by the wait that guess started, each told the wait the policy gives after it.
    assert outcomes.count("tried") == 1, outcomes
    throttled = [o for o in outcomes if o.startswith("throttled")]
    assert len(throttled) == ATTEMPTS - 1, outcomes
    expected = delay_after(START_FAILURES + 1)
    assert all(0 < int(o.split()[1]) <= expected for o in throttled), outcomes
    # ... and every one of the ten is counted: none lost.
    assert _stored_failures(data_dir) == START_FAILURES + ATTEMPTS
    assert_mode(data_dir / THROTTLE_NAME, 0o600)


def test_simultaneous_command_line_attempts_are_each_counted(session, data_dir: Path) -> None:
    session.close()
    _seed_record(data_dir, START_FAILURES)
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "SETTING_APP_PASSPHRASE": "not the passphrase",
        "QT_QPA_PLATFORM": "offscreen",
    }
    argv = [sys.executable, "-m", "setting_app", "--data-dir", str(data_dir), "--user", "manager", "check"]
    procs = [
        subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(ATTEMPTS)
    ]
    finished = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 1 for p in procs)
    errors = [err.strip() for _, err in finished]
    assert all(len(e.splitlines()) == 1 for e in errors), errors  # one plain line each, no traceback
    assert sum("not recognised" in e and "Wait" not in e for e in errors) >= 1
    assert sum("Wait" in e for e in errors) >= 1
    assert _stored_failures(data_dir) == START_FAILURES + ATTEMPTS

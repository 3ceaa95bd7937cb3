"""A second app on the same data folder refuses before opening the database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from setting_app.storage.instance_lock import AlreadyOpen, InstanceLock

HOLDER = r"""
import sys, time
from pathlib import Path
from setting_app.storage.instance_lock import InstanceLock
lock = InstanceLock(Path(sys.argv[1])).acquire()
print("held", flush=True)
sys.stdin.readline()
"""


def test_second_instance_refused_while_first_runs(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(AlreadyOpen, match="already open"):
            InstanceLock(data_dir).acquire()
        assert not (data_dir / "casebook.db").exists()
    finally:
        holder.kill()
        holder.wait()
    # The OS drops the lock with the process: no stale lock after a crash.
    with InstanceLock(data_dir):
        pass


def test_lock_is_reentrant_after_release(tmp_path: Path) -> None:
    lock = InstanceLock(tmp_path).acquire()
    with pytest.raises(AlreadyOpen):
        InstanceLock(tmp_path).acquire()
    lock.release()
    InstanceLock(tmp_path).acquire().release()

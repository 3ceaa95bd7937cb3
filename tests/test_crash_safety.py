"""SIGKILL at random points while entries are being saved: nothing acknowledged is ever lost."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from setting_app.domain.models import NewFamily
from setting_app.services import casebook, families, support_log
from tests.conftest import PASSPHRASE

WRITER = r"""
import sys
from datetime import date
from pathlib import Path
from setting_app.domain.codes import Domain
from setting_app.domain.models import NewEntry
from setting_app.services import casebook, support_log

session = casebook.unlock(Path(sys.argv[1]), "manager", sys.argv[3])
family_id = int(sys.argv[2])
print("ready", flush=True)
i = 0
while True:
    entry = support_log.log_entry(session, NewEntry(family_id, date(2026, 11, 2), Domain.FAMILY_WELLBEING, 5, note=f"n{i}"))
    # Acknowledged only after log_entry returned, i.e. after COMMIT.
    print(entry.id, flush=True)
    i += 1
"""

KILLS = 25


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_while_saving_loses_no_acknowledged_entry(session, data_dir: Path, clock) -> None:
    family = families.add_family(session, NewFamily("FAM-1", date(2026, 1, 5)))
    session.close()
    rng = random.Random(20261123)
    acknowledged: set[int] = set()
    for _ in range(KILLS):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(data_dir), str(family.id), PASSPHRASE],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        time.sleep(rng.uniform(0.005, 0.12))
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
        acknowledged |= {int(line) for line in out.split() if line.isdigit()}

    reopened = casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock)
    stored = {e.id for e in support_log.family_chronology(reopened, family.id)}
    problems = casebook.check_casebook(reopened)
    reopened.close()
    assert len(acknowledged) > KILLS  # the writers really were killed mid-stream
    assert acknowledged <= stored
    assert problems == []

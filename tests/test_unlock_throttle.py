"""Wrong passphrases slow down with a growing wait that survives restarts; no permanent lock-out."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from setting_app.domain.errors import PassphraseNotRecognised, RecoveryCodeNotRecognised, UnlockError
from setting_app.services import audit, casebook, staff, staff_admin
from setting_app.storage import audit_repo
from setting_app.storage.audit_repo import AuditFilter
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from setting_app.storage.unlock_throttle import (
    FREE_ATTEMPTS,
    THROTTLE_NAME,
    UnlockThrottle,
    UnlockThrottled,
    _locked,
    delay_after,
)
from tests.conftest import PASSPHRASE, assert_mode


def test_delay_grows_and_is_capped() -> None:
    delays = [delay_after(n) for n in range(12)]
    assert delays[:FREE_ATTEMPTS] == [0] * FREE_ATTEMPTS
    assert delays[FREE_ATTEMPTS : FREE_ATTEMPTS + 4] == [1, 2, 4, 8]
    assert max(delay_after(n) for n in range(200)) == 300


def test_repeated_wrong_passphrases_wait_then_recover(session, data_dir: Path, clock) -> None:
    session.close()
    for _ in range(FREE_ATTEMPTS + 2):
        with pytest.raises(PassphraseNotRecognised):
            casebook.unlock(data_dir, "manager", "wrong guess", clock=clock)
        clock.advance(seconds=60)  # longer than any wait so far: each guess is allowed
    clock.advance(seconds=-60)
    with pytest.raises(UnlockThrottled, match="Wait 4 seconds") as caught:
        # Even the right passphrase waits: otherwise the wait would tell a guesser when they were right.
        casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock)
    assert caught.value.seconds == delay_after(FREE_ATTEMPTS + 2) == 4
    # The record survives a restart: it is a file, not memory.
    assert (data_dir / THROTTLE_NAME).exists()
    assert_mode(data_dir / THROTTLE_NAME, 0o600)
    clock.advance(seconds=5)
    casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock).close()
    assert not (data_dir / THROTTLE_NAME).exists()


def test_damaged_throttle_record_does_not_lift_the_wait(session, data_dir: Path, clock) -> None:
    session.close()
    (data_dir / THROTTLE_NAME).write_text("{garbage")
    with pytest.raises(UnlockThrottled):
        casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock)
    clock.advance(seconds=2)  # ... but it is no lock-out either
    casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock).close()


def _record(data_dir: Path) -> dict:
    return json.loads((data_dir / THROTTLE_NAME).read_text())


@pytest.mark.parametrize(
    "damage",
    [
        b"{garbage",
        b"\xff\xfe\x00binary",
        b"",
        b"[]",
        b'{"failures": "many", "last_failure_at": "2026-11-23T10:00:00+00:00"}',
        b'{"failures": -5, "last_failure_at": "2026-11-23T10:00:00+00:00"}',
        b'{"failures": 2, "refused": 7, "last_failure_at": "2026-11-23T10:00:00+00:00"}',
        b'{"failures": 9, "last_failure_at": "2026-11-23T10:00:00"}',
        b'{"failures": 9, "last_failure_at": "yesterday"}',
        b'{"failures": 9}',
    ],
)
def test_any_damaged_record_restarts_the_wait_without_a_lock_out(
    session, data_dir: Path, clock, damage: bytes
) -> None:
    session.close()
    (data_dir / THROTTLE_NAME).write_bytes(damage)
    with pytest.raises(UnlockThrottled, match="Wait 1 second "):
        casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock)
    # Rewritten whole, as if the free attempts were just used, with this refused attempt counted.
    assert _record(data_dir)["failures"] == FREE_ATTEMPTS + 1
    assert_mode(data_dir / THROTTLE_NAME, 0o600)
    clock.advance(seconds=2)
    casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock).close()
    assert not (data_dir / THROTTLE_NAME).exists()


def test_attempts_turned_away_are_counted_but_do_not_lengthen_the_wait(
    session, data_dir: Path, clock
) -> None:
    session.close()
    for _ in range(FREE_ATTEMPTS + 1):
        clock.advance(seconds=60)
        with pytest.raises(PassphraseNotRecognised):
            casebook.unlock(data_dir, "manager", "wrong guess", clock=clock)
    for _ in range(5):  # pressing Unlock again and again during the one-second wait
        with pytest.raises(UnlockThrottled, match="Wait 2 seconds"):
            casebook.unlock(data_dir, "manager", "another guess", clock=clock)
    assert _record(data_dir)["failures"] == FREE_ATTEMPTS + 1 + 5
    assert _record(data_dir)["refused"] == 5
    clock.advance(seconds=2)
    reopened = casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock)
    try:
        rows = audit_repo.list_audit(reopened.conn, AuditFilter(action=audit.UNLOCK_FAILED))
    finally:
        reopened.close()
    assert len(rows) == 1
    assert rows[0].detail.startswith(f"{FREE_ATTEMPTS + 6} failed attempt(s), last 2026-11-23 10:04 UTC")
    assert "5 of them turned away" in rows[0].detail


def test_wrong_recovery_codes_are_counted_too(session, data_dir: Path, clock) -> None:
    session.close()
    for _ in range(FREE_ATTEMPTS + 1):
        clock.advance(seconds=60)
        with pytest.raises(RecoveryCodeNotRecognised):
            casebook.recover_access(
                data_dir,
                "AAAA-BBBB",
                "manager",
                "a brand new strong passphrase",
                kdf=TEST_ONLY_FAST_KDF,
                clock=clock,
            )
    with pytest.raises(UnlockThrottled):
        casebook.recover_access(
            data_dir,
            "AAAA-BBBB",
            "manager",
            "a brand new strong passphrase",
            kdf=TEST_ONLY_FAST_KDF,
            clock=clock,
        )
    assert _record(data_dir)["failures"] == FREE_ATTEMPTS + 2


def test_an_attempt_waits_for_the_lock_held_by_another(session, data_dir: Path, clock) -> None:
    """The count is taken under an OS lock on a file beside the record (0600): while another process
    (here, another open file description) holds it, an attempt waits rather than reading a stale count."""
    session.close()
    throttle = UnlockThrottle(data_dir, clock)
    with _locked(throttle.lock_path):
        assert_mode(throttle.lock_path, 0o600)
        worker = threading.Thread(target=throttle.begin)
        worker.start()
        worker.join(0.5)
        assert worker.is_alive()  # blocked on the lock
        assert not throttle.path.exists()
    worker.join(5)
    assert not worker.is_alive()
    assert _record(data_dir)["failures"] == 1


def test_an_attempt_that_fails_for_another_reason_is_taken_back(session, data_dir: Path, clock) -> None:
    """The right passphrase for a switched-off account is no wrong guess: its reserved count goes."""
    pat = staff.add_user(session, "pat", "practitioner", "pat's own passphrase", kdf=TEST_ONLY_FAST_KDF)
    staff_admin.set_user_active(session, pat.id, False)
    session.close()
    with pytest.raises(PassphraseNotRecognised):
        casebook.unlock(data_dir, "manager", "wrong guess", clock=clock)
    with pytest.raises(UnlockError, match="switched off"):
        casebook.unlock(data_dir, "pat", "pat's own passphrase", clock=clock)
    assert _record(data_dir)["failures"] == 1  # the wrong guess only
    clock.advance(seconds=60)
    with pytest.raises(UnlockError, match="switched off"):
        casebook.unlock(data_dir, "pat", "pat's own passphrase", clock=clock)
    assert _record(data_dir)["failures"] == 1
    # Alone, it leaves no record at all.
    (data_dir / THROTTLE_NAME).unlink()
    with pytest.raises(UnlockError, match="switched off"):
        casebook.unlock(data_dir, "pat", "pat's own passphrase", clock=clock)
    assert not (data_dir / THROTTLE_NAME).exists()

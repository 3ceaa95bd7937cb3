"""Wrong passphrases slow down with a growing wait that survives restarts; no permanent lock-out."""

from __future__ import annotations

from pathlib import Path

import pytest

from setting_app.domain.errors import PassphraseNotRecognised
from setting_app.services import casebook
from setting_app.storage.unlock_throttle import FREE_ATTEMPTS, THROTTLE_NAME, UnlockThrottled, delay_after
from tests.conftest import PASSPHRASE


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
    assert (data_dir / THROTTLE_NAME).stat().st_mode & 0o777 == 0o600
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

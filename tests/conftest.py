"""Shared fixtures. Qt runs offscreen; casebooks are real SQLCipher files in temp folders.

Casebooks built here use ``TEST_ONLY_FAST_KDF`` through the explicit ``kdf=`` parameter, to keep the
suite fast; ``test_keyslots.py`` proves the defaults everywhere are the production values.
"""

from __future__ import annotations

import functools
import io
import os
import stat
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("SETTING_APP_DATA_DIR", None)
os.environ.pop("SETTING_APP_USER", None)

import pytest

from setting_app.cli import main
from setting_app.domain.clock import FixedClock
from setting_app.domain.codes import IntegrationModel, Nation
from setting_app.domain.models import SettingDetails
from setting_app.services.casebook import create_casebook
from setting_app.services.session import Session
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF

#: Skips a test on Windows, naming the POSIX-only feature it needs: ``@posix_only(reason="...")``.
#: tests/test_platform_markers.py checks that every POSIX-only call in the tests sits under one.
posix_only = functools.partial(pytest.mark.skipif, sys.platform == "win32")


def assert_mode(path: Path, mode: int) -> None:
    """``path``'s permission bits are exactly ``mode`` (0o600 files, 0o700 folders) on POSIX.

    On Windows there are no such bits (``os.chmod`` only sets the read-only flag, and ``st_mode`` reads
    back 0o666 or 0o444): there a file is private because the data folder's access-control list allows
    its owner alone, which ``tests/test_windows_acl.py`` checks. So on Windows this checks nothing.
    """
    if sys.platform == "win32":
        return
    actual = stat.S_IMODE(os.stat(path).st_mode)
    assert actual == mode, f"{path.name} has mode {oct(actual)}, not {oct(mode)}"


PASSPHRASE = "correct horse battery staple"
#: "Today" in tests, unless a test moves the clock.
TODAY = date(2026, 11, 23)


def fixed_clock(day: date = TODAY) -> FixedClock:
    return FixedClock(datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC))


def setting_details(nation: Nation = Nation.ENGLAND) -> SettingDetails:
    if nation is Nation.SCOTLAND:
        return SettingDetails(
            "Wee Acorns ELC",
            "CS2003012345",
            nation,
            "S12000036",
            "City of Edinburgh",
            integration_model=IntegrationModel.HUB,
        )
    return SettingDetails("Little Acorns Nursery", "EY123456", nation, "E09000019", "Islington")


@pytest.fixture
def clock() -> FixedClock:
    return fixed_clock()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "casebook-data"


@pytest.fixture
def session(data_dir: Path, clock: FixedClock) -> Session:
    """A new casebook unlocked by its manager 'manager'."""
    created = create_casebook(
        data_dir,
        setting_details(),
        "manager",
        "Mina Manager",
        PASSPHRASE,
        kdf=TEST_ONLY_FAST_KDF,
        clock=clock,
    )
    yield created.session
    if created.session.is_open:
        created.session.close()


@dataclass
class CliResult:
    code: int
    out: str
    err: str


class CliRunner:
    """Runs ``setting-app`` in-process with the test KDF and a fixed clock."""

    def __init__(self, data_dir: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
        self.data_dir = data_dir
        self.clock = clock
        self.monkeypatch = monkeypatch
        monkeypatch.setenv("SETTING_APP_PASSPHRASE", PASSPHRASE)

    def __call__(
        self,
        *args: str,
        user: str | None = "manager",
        passphrase: str | None = None,
        new_passphrase: str | None = None,
    ) -> CliResult:
        if passphrase is not None:
            self.monkeypatch.setenv("SETTING_APP_PASSPHRASE", passphrase)
        if new_passphrase is not None:
            self.monkeypatch.setenv("SETTING_APP_NEW_PASSPHRASE", new_passphrase)
        argv = ["--data-dir", str(self.data_dir)]
        if user:
            argv += ["--user", user]
        out, err = io.StringIO(), io.StringIO()
        code = main([*argv, *args], kdf=TEST_ONLY_FAST_KDF, clock=self.clock, out=out, err=err)
        if passphrase is not None:
            self.monkeypatch.setenv("SETTING_APP_PASSPHRASE", PASSPHRASE)
        return CliResult(code, out.getvalue(), err.getvalue())

    def init(self, nation: str = "england") -> CliResult:
        la = "E09000019" if nation == "england" else "S12000036"
        return self(
            "init",
            "--setting-name",
            "Little Acorns Nursery",
            "--urn",
            "EY123456",
            "--nation",
            nation,
            "--la-code",
            la,
            "--manager",
            "manager",
            user=None,
        )


@pytest.fixture
def cli(data_dir: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    return CliRunner(data_dir, clock, monkeypatch)

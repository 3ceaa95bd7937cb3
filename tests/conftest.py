"""Shared fixtures. Qt runs offscreen; casebooks are real SQLCipher files in temp folders.

Casebooks built here use ``TEST_ONLY_FAST_KDF`` through the explicit ``kdf=`` parameter, to keep the
suite fast; ``test_keyslots.py`` proves the defaults everywhere are the production values.
"""

from __future__ import annotations

import io
import os
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

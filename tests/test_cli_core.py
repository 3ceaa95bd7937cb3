"""The core commands: init, users, family, log, check, recover; exit codes and plain messages."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from setting_app.services import casebook, support_log
from tests.conftest import PASSPHRASE


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def ready(cli):
    assert cli.init().code == 0
    return cli


def test_init_prints_recovery_code_once_and_creates_casebook(cli, data_dir: Path) -> None:
    result = cli.init()
    assert result.code == 0, result.err
    codes = re.findall(r"\b(?:[A-Z2-7]{4}-){7}[A-Z2-7]{4}\b", result.out)
    assert len(codes) == 1
    assert (data_dir / "casebook.db").exists() and (data_dir / "casebook.keys").exists()
    assert codes[0] not in (data_dir / "casebook.keys").read_text()


def test_init_refuses_an_existing_casebook(ready, data_dir: Path) -> None:
    before = (data_dir / "casebook.keys").read_bytes()
    result = ready.init()
    assert result.code == 1
    assert "already holds a casebook" in _one_line(result.err)
    assert (data_dir / "casebook.keys").read_bytes() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--urn", "!!", "--la-code", "E09000019"], "URN"),
        (["--urn", "EY123456", "--la-code", "X123"], "local authority code"),
    ],
)
def test_init_bad_details(cli, args, message) -> None:
    result = cli(
        "init", "--setting-name", "S", "--nation", "england", "--manager", "manager", *args, user=None
    )
    assert result.code == 1
    assert message in _one_line(result.err)


def test_init_short_passphrase(cli) -> None:
    result = cli(
        "init",
        "--setting-name",
        "S",
        "--urn",
        "EY123456",
        "--nation",
        "england",
        "--la-code",
        "E09000019",
        "--manager",
        "manager",
        user=None,
        passphrase="short",
    )
    assert result.code == 1
    assert "too short" in _one_line(result.err)


def test_users_add_list_and_roles(ready) -> None:
    result = ready(
        "users",
        "add",
        "pat",
        "--role",
        "practitioner",
        "--name",
        "Pat Practitioner",
        new_passphrase="pat's passphrase",
    )
    assert result.code == 0, result.err
    listing = ready("users", "list")
    assert "pat" in listing.out and "practitioner" in listing.out and "manager" in listing.out
    refused = ready(
        "users",
        "add",
        "sam",
        "--role",
        "manager",
        user="pat",
        passphrase="pat's passphrase",
        new_passphrase="sam's passphrase",
    )
    assert refused.code == 1
    assert "Only a manager" in _one_line(refused.err)


def test_users_passwd(ready, data_dir: Path, clock) -> None:
    result = ready("users", "passwd", new_passphrase="my new passphrase")
    assert result.code == 0, result.err
    casebook.unlock(data_dir, "manager", "my new passphrase", clock=clock).close()


def test_family_and_log_add_print_id_after_commit(ready, data_dir: Path, clock) -> None:
    added = ready(
        "family",
        "add",
        "--carer",
        "Jo Bloggs",
        "--relationship",
        "mother",
        "--child",
        "Amy:2023-03-01",
        "--opened",
        "2026-01-05",
        "--postcode",
        "n1 9gu",
    )
    assert added.code == 0, added.err
    assert added.out.strip() == "FAM-0001"
    logged = ready(
        "log",
        "add",
        "--family",
        "FAM-0001",
        "--domain",
        "financial_hardship",
        "--minutes",
        "20",
        "--date",
        "2026-10-03",
        "--child",
        "Amy",
        "--note",
        "food bank voucher",
    )
    assert logged.code == 0, logged.err
    entry_id = int(logged.out.strip())
    session = casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock)
    entry = support_log.list_entries(session)[0]
    session.close()
    assert entry.id == entry_id and entry.kind.value == "indirect" and entry.minutes == 20
    shown = ready("family", "show", "FAM-0001")
    assert "food bank voucher" in shown.out and "Amy" in shown.out
    listing = ready("family", "list", "--search", "bloggs")
    assert "FAM-0001" in listing.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--minutes", "0"], "minutes"),
        (["--minutes", "601"], "minutes"),
        (["--minutes", "ten"], "minutes"),
        (["--minutes", "10", "--domain", "housing"], "domain"),
        (["--minutes", "10", "--kind", "sideways"], "kind"),
        (["--minutes", "10", "--date", "2026-12-01"], "future"),
        (["--minutes", "10", "--date", "03/10/2026"], "YYYY-MM-DD"),
        (["--minutes", "10", "--date", "2025-12-31"], "before family FAM-0001"),
        (["--minutes", "10", "--child", "Zed"], "no child called 'Zed'"),
        (["--minutes", "10", "--family", "NOPE"], "no family with reference 'NOPE'"),
        (["--minutes", "10", "--follow-up", "2026-10-01", "--date", "2026-10-03"], "follow-up"),
    ],
)
def test_log_add_bad_input_gets_one_plain_line_and_writes_nothing(
    ready, data_dir, clock, args, message
) -> None:
    ready("family", "add", "--carer", "Jo", "--child", "Amy", "--opened", "2026-01-05")
    ready("family", "add", "--carer", "Kim", "--child", "Zed", "--opened", "2026-01-05")
    base = {"--family": "FAM-0001", "--domain": "family_wellbeing"}
    for key, value in zip(args[::2], args[1::2], strict=True):
        base[key] = value
    argv = [x for pair in base.items() for x in pair]
    result = ready("log", "add", *argv)
    assert result.code == 1
    assert message in _one_line(result.err)
    session = casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock)
    assert support_log.count_entries(session) == 0
    session.close()


def test_usage_errors_exit_2(ready) -> None:
    assert ready("log", "add", "--family", "FAM-0001").code == 2
    assert ready("frobnicate").code == 2
    assert ready("users").code == 2


def test_no_passphrase_and_no_terminal(ready, monkeypatch) -> None:
    monkeypatch.delenv("SETTING_APP_PASSPHRASE")
    with open(os.devnull) as no_terminal:
        monkeypatch.setattr(sys, "stdin", no_terminal)
        result = ready("family", "list")
    assert result.code == 1
    assert "SETTING_APP_PASSPHRASE" in _one_line(result.err)


def test_wrong_passphrase_and_unknown_user(ready) -> None:
    wrong = ready("family", "list", passphrase="not the passphrase")
    assert wrong.code == 1 and "Passphrase not recognised" in _one_line(wrong.err)
    unknown = ready("family", "list", user="ghost")
    assert unknown.code == 1 and "'ghost'" in _one_line(unknown.err)
    missing = ready("family", "list", user=None)
    assert missing.code == 2


def test_check_reports_ok_and_damage(ready, data_dir: Path) -> None:
    ok = ready("check")
    assert ok.code == 0 and "intact" in ok.out
    db = data_dir / "casebook.db"
    data = bytearray(db.read_bytes())
    data[len(data) - 100] ^= 0xFF
    db.write_bytes(bytes(data))
    damaged = ready("check")
    assert damaged.code == 1
    assert "damaged" in _one_line(damaged.err)


def test_recover_with_the_recovery_code(
    ready, cli, data_dir: Path, clock, monkeypatch, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    cli.data_dir = other
    code = re.search(r"(?:[A-Z2-7]{4}-){7}[A-Z2-7]{4}", cli.init().out).group(0)
    monkeypatch.setenv("SETTING_APP_RECOVERY_CODE", code)
    result = cli("recover", new_passphrase="recovered passphrase")
    assert result.code == 0, result.err
    casebook.unlock(other, "manager", "recovered passphrase", clock=clock).close()
    monkeypatch.setenv("SETTING_APP_RECOVERY_CODE", "AAAA-AAAA")
    bad = cli("recover", new_passphrase="another passphrase")
    assert bad.code == 1 and "Recovery code not recognised" in _one_line(bad.err)


def test_module_entry_point_and_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "setting_app", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert re.match(r"setting-app \d+\.\d+\.\d+", result.stdout)

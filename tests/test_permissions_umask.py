"""Under ``umask 000`` every file the app writes is 0600 and every folder it makes 0700, and nothing but
the casebook's own files goes in the casebook's folder."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from setting_app import cli as cli_module
from tests.conftest import CliRunner, posix_only
from tests.test_agreements_cli import ADD as ADD_AGREEMENT
from tests.test_csv_import import TIDY

pytestmark = posix_only(reason="the umask and POSIX permission bits (Windows: the folder's access list)")


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def _modes(root: Path) -> dict[str, int]:
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath) / name
            found[str(path.relative_to(root))] = stat.S_IMODE(os.lstat(path).st_mode)
    return found


def _assert_private(root: Path) -> None:
    for name, mode in _modes(root).items():
        wanted = 0o700 if (root / name).is_dir() else 0o600
        assert mode == wanted, f"{name} is {oct(mode)}"


def test_everything_written_is_private_whatever_the_umask(
    open_umask: None, cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "outputs"
    out.mkdir(mode=0o700)
    assert cli.init().code == 0
    assert (
        cli(
            "family", "add", "--carer", "Amy Example", "--child", "Bo:2023-01-01", "--opened", "2026-01-05"
        ).code
        == 0
    )
    steps = [
        ("backup", "--out", str(out / "backups" / "b.fslbackup")),
        ("export", "la", "--period", "2026-10", "--out", str(out / "la" / "return")),
        ("la", "keygen", "--out", str(out / "authority")),
        ("la", "setting-key", "--out", str(out / "setting.pem")),
        ("import-csv", str(TIDY), "--save-mapping", str(out / "mapping.json")),
        ("export", "family", "FAM-0001", "--out", str(out / "record.json")),
        ("report", "monthly", "--month", "2026-10", "--out", str(out / "summary.pdf")),
        ("transfer", "keys", "--out", str(out / "keys.json")),
    ]
    (out / "backups").mkdir(mode=0o700)
    for step in steps:
        result = cli(*step)
        if (
            step[0] != "import-csv"
        ):  # it writes the mapping, then stops: the families are not in this casebook
            assert result.code == 0, (step, result.err)
        assert "something went wrong" not in result.err, step
    assert (out / "la" / "return" / "manifest.json").exists()
    assert (out / "authority" / "la_authority_public.pem").exists()
    assert (out / "mapping.json").exists()
    restored = cli("restore", "--from", str(out / "backups" / "b.fslbackup"))
    assert restored.code == 0, restored.err
    assert (cli.data_dir / "replaced-by-restore").is_dir()
    _assert_private(out)
    _assert_private(cli.data_dir)


def test_the_crash_log_is_private_whatever_the_umask(
    open_umask: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_module, "default_data_dir", lambda: tmp_path / "user-data" / "casebook")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        cli_module._record_crash("ABCDEF12")
    logs = tmp_path / "user-data" / "setting-app-logs"
    assert (logs / "errors.log").read_text().startswith("--- reference ABCDEF12")
    assert stat.S_IMODE(os.stat(logs / "errors.log").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(logs).st_mode) == 0o700


@pytest.mark.parametrize(
    "args",
    [
        ("la", "keygen", "--out", "{data}"),
        ("la", "keygen", "--out", "{data}/keys"),
        ("export", "la", "--period", "2026-10", "--out", "{data}/la"),
        ("la", "setting-key", "--out", "{data}/setting.pem"),
        ("import-csv", str(TIDY), "--save-mapping", "{data}/mapping.json"),
        ("backup", "--out", "{data}"),
    ],
)
def test_nothing_is_written_into_the_casebook_folder(cli: CliRunner, args: tuple[str, ...]) -> None:
    assert cli.init().code == 0
    before = sorted(p.name for p in cli.data_dir.iterdir())
    result = cli(*(a.replace("{data}", str(cli.data_dir)) for a in args))
    assert result.code == 1
    assert "casebook's own folder" in result.err
    assert sorted(p.name for p in cli.data_dir.iterdir()) == before


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs a folder nobody can write in")
def test_la_keygen_into_a_folder_that_refuses_writes_is_a_plain_message(cli: CliRunner) -> None:
    result = cli("la", "keygen", "--out", "/proc/setting-app-keys")
    assert result.code == 1
    assert "something went wrong" not in result.err and "could not be written" in result.err


@pytest.mark.parametrize("how", ["direct", "dotdot", "symlink"])
@pytest.mark.parametrize(
    "args",
    [
        ("family", "summary", "FAM-0001", "--review", "{data}/review.json"),
        ("subject-access", "FAM-0001", "--review", "{data}/sa-review.json"),
    ],
)
def test_a_review_file_is_not_written_into_the_casebook_folder(
    cli: CliRunner, tmp_path: Path, args: tuple[str, ...], how: str
) -> None:
    """``--review FILE`` writes FILE when it does not exist yet: the same rule as ``--out``."""
    assert cli.init().code == 0
    assert cli("family", "add", "--carer", "Amy Example", "--child", "Bo:2023-01-01").code == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    if how == "direct":
        data = str(cli.data_dir)
    elif how == "dotdot":
        data = f"{elsewhere}/../{cli.data_dir.relative_to(tmp_path)}"
    else:
        (elsewhere / "link").symlink_to(cli.data_dir)
        data = str(elsewhere / "link")
    before = sorted(p.name for p in cli.data_dir.iterdir())
    result = cli(*(a.replace("{data}", data) for a in args))
    assert result.code == 1, result.out
    assert "casebook's own folder" in result.err
    assert sorted(p.name for p in cli.data_dir.iterdir()) == before


def test_a_review_date_is_not_taken_for_a_file_in_the_casebook_folder(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``agreement add --review`` is a date: run from inside the casebook's folder it is still one."""
    assert cli.init().code == 0
    monkeypatch.chdir(cli.data_dir)
    result = cli(*ADD_AGREEMENT)
    assert "casebook's own folder" not in result.err
    assert result.code == 0, result.err

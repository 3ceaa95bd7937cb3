"""Endless and huge inputs are refused before they are read: peak memory stays under 500 MB.

Each case runs in a fresh interpreter (``ru_maxrss`` is a process's peak), with an alarm so a read that
never ends fails the test instead of hanging it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE, CliRunner, posix_only
from tests.test_csv_import import TIDY

#: /dev/zero, FIFOs and ru_maxrss (the resource module) are POSIX.
pytestmark = posix_only(reason="/dev/zero, FIFOs and resource.getrusage are POSIX")

ROOT = Path(__file__).resolve().parents[1]
LIMIT_MB = 500

RUNNER = textwrap.dedent(
    """
    import io, json, resource, signal, sys
    from setting_app.cli import main

    def on_alarm(*_):
        raise TimeoutError("hung")

    signal.signal(signal.SIGALRM, on_alarm)
    results = []
    for argv in json.loads(sys.argv[1]):
        out, err = io.StringIO(), io.StringIO()
        signal.alarm(int(sys.argv[2]))
        try:
            code = main(argv, out=out, err=err)
        except TimeoutError:
            code = "hung"
        signal.alarm(0)
        results.append({"argv": argv, "code": code, "err": err.getvalue(), "out": out.getvalue()[-2000:]})
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"results": results, "peak_mb": peak_mb}))
    """
)


def _run(commands: list[list[str]], timeout: int = 300, per_command: int = 20) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SETTING_APP_PASSPHRASE": PASSPHRASE}
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, json.dumps(commands), str(per_command)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def ready(cli: CliRunner) -> CliRunner:
    assert cli.init().code == 0
    assert cli("family", "add", "--carer", "Amy Example", "--child", "Bo:2023-01-01").code == 0
    return cli


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_dev_zero_and_a_fifo_are_refused_everywhere_within_500_mb(ready: CliRunner, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    base = ["--data-dir", str(ready.data_dir), "--user", "manager"]
    commands = [
        [*base, "import-csv", "/dev/zero"],
        [*base, "import-csv", str(TIDY), "--mapping", "/dev/zero"],
        [*base, "selfeval", "record", "--from", "/dev/zero"],
        [*base, "la", "verify", str(tmp_path), "--pubkey", "/dev/zero"],
        [*base, "restore", "--from", "/dev/zero"],
        [*base, "restore", "--check-only", "--from", "/dev/zero"],
        [*base, "import", "/dev/zero"],
        [*base, "transfer", "in", "/dev/zero"],
        [*base, "import", str(fifo)],
        [*base, "restore", "--from", str(fifo)],
        [*base, "import-csv", str(fifo)],
    ]
    report = _run(commands)
    for result in report["results"]:
        assert result["code"] == 1, result
        assert "something went wrong" not in result["err"], result
        assert result["err"].count("\n") == 1, result
    assert report["peak_mb"] < LIMIT_MB


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_key_file_pointing_at_dev_zero_does_not_hang_unlock(ready: CliRunner) -> None:
    keys = ready.data_dir / "casebook.keys"
    keys.unlink()
    keys.symlink_to("/dev/zero")
    report = _run([["--data-dir", str(ready.data_dir), "--user", "manager", "family", "list"]])
    (result,) = report["results"]
    assert result["code"] == 1 and "key file" in result["err"] and "damaged" in result["err"]
    assert report["peak_mb"] < LIMIT_MB


def _record_file(cli: CliRunner, path: Path, size_mb: int, *, cut_short: bool = False) -> int:
    """A valid record file of about ``size_mb`` MB: one exported family with 40 entries, many times over
    (``cut_short``: its closing brackets missing, so it is damaged only at its very end)."""
    for _ in range(40):
        added = cli(
            "log", "add", "--family", "FAM-0001", "--domain", "family_wellbeing", "--minutes", "10",
            "--note", "a note of some length " * 5,
        )  # fmt: skip
        assert added.code == 0, added.err
    one = path.with_name("one.json")
    assert cli("export", "family", "FAM-0001", "--out", str(one)).code == 0
    document = json.loads(one.read_text(encoding="utf-8"))
    (family,) = document["families"]
    head = json.dumps({k: v for k, v in document.items() if k != "families"})[:-1]
    body = json.dumps({**family, "ref": "IMP-@@@@@@"})
    with path.open("w", encoding="utf-8") as handle:
        handle.write(head + ', "families": [')
        count = 0
        while handle.tell() < size_mb * 1024 * 1024:
            handle.write(("," if count else "") + body.replace("@@@@@@", f"{count:06d}"))
            count += 1
        if not cut_short:
            handle.write("]}")
    return count


def test_a_record_file_over_the_limit_is_refused_unread(ready: CliRunner, tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as handle:  # the size check refuses it before reading: a sparse file will do
        handle.truncate(200 * 1024 * 1024)
    report = _run([["--data-dir", str(ready.data_dir), "--user", "manager", "import", str(big)]])
    (result,) = report["results"]
    assert result["code"] == 1 and "too large" in result["err"] and "160 MB" in result["err"]
    assert report["peak_mb"] < LIMIT_MB


@pytest.mark.slow
def test_a_150_mb_record_file_is_read_family_by_family_within_500_mb(
    ready: CliRunner, tmp_path: Path
) -> None:
    """Every family is read and checked (the damage is at the very end), then the whole file is refused."""
    big = tmp_path / "large.json"
    families = _record_file(ready, big, 150, cut_short=True)
    assert big.stat().st_size > 150 * 1024 * 1024 and families > 10_000
    before = ready("family", "list").out
    report = _run(
        [["--data-dir", str(ready.data_dir), "--user", "manager", "import", str(big)]],
        timeout=900,
        per_command=600,
    )
    (result,) = report["results"]
    assert result["code"] == 1 and "is not valid JSON" in result["err"], result["err"]
    assert report["peak_mb"] < LIMIT_MB, report["peak_mb"]
    assert ready("family", "list").out == before


@pytest.mark.slow
def test_a_large_record_file_imports_within_500_mb(ready: CliRunner, tmp_path: Path) -> None:
    big = tmp_path / "large.json"
    families = _record_file(ready, big, 48)
    report = _run(
        [["--data-dir", str(ready.data_dir), "--user", "manager", "import", str(big)]],
        timeout=900,
        per_command=600,
    )
    (result,) = report["results"]
    assert result["code"] == 0, result["err"]
    assert f"Imported {families} families" in result["out"]
    assert report["peak_mb"] < LIMIT_MB, report["peak_mb"]
    assert families > 1000


def test_a_huge_transfer_shaped_file_is_refused_within_500_mb(ready: CliRunner, tmp_path: Path) -> None:
    big = tmp_path / "huge.transfer"
    with big.open("w", encoding="ascii") as handle:
        handle.write('{"ciphertext": "')
        block = "QUFB" * (1 << 18)  # 1 MB of base64
        for _ in range(60):
            handle.write(block)
        handle.write('", "format": "setting-app/transfer", "header": {}, "signature": "AAAA"}')
    report = _run([["--data-dir", str(ready.data_dir), "--user", "manager", "transfer", "in", str(big)]])
    (result,) = report["results"]
    assert result["code"] == 1 and "something went wrong" not in result["err"], result
    assert report["peak_mb"] < LIMIT_MB, report["peak_mb"]


def test_the_largest_csv_accepted_is_read_within_500_mb(ready: CliRunner, tmp_path: Path) -> None:
    wide = tmp_path / "wide.csv"
    with wide.open("w", encoding="utf-8") as handle:
        handle.write("Date,Family ref,Minutes,Notes\n")
        while handle.tell() < 16 * 1024 * 1024 - 2000:
            handle.write("02/02/2026,FAM-0001,10," + "x" * 800 + "\n")
    report = _run([["--data-dir", str(ready.data_dir), "--user", "manager", "import-csv", str(wide)]])
    (result,) = report["results"]
    assert result["code"] in (0, 1) and "something went wrong" not in result["err"], result["err"][-500:]
    assert report["peak_mb"] < LIMIT_MB, report["peak_mb"]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_review_file_that_is_a_device_or_fifo_is_refused_within_500_mb(
    ready: CliRunner, tmp_path: Path
) -> None:
    """``family summary --review`` and ``subject-access --review`` read an existing review file."""
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")
    base = ["--data-dir", str(ready.data_dir), "--user", "manager"]
    commands = []
    for review in ("/dev/zero", str(fifo), str(zero)):
        commands.append(
            [*base, "family", "summary", "FAM-0001", "--review", review, "--out", str(tmp_path / "s.pdf")]
        )
        commands.append(
            [*base, "subject-access", "FAM-0001", "--review", review, "--out-dir", str(tmp_path / "sa")]
        )
    report = _run(commands, per_command=10)
    for result in report["results"]:
        assert result["code"] == 1, result
        assert "something went wrong" not in result["err"], result
        assert "No document was written" in result["err"], result
    assert report["peak_mb"] < LIMIT_MB
    assert not (tmp_path / "s.pdf").exists() and not (tmp_path / "sa").exists()


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
@pytest.mark.parametrize("kind", ["dev_zero", "fifo", "huge", "folder"])
def test_an_unlock_attempts_file_that_is_not_a_small_file_does_not_hang_unlock(
    ready: CliRunner, kind: str
) -> None:
    """The throttle's record beside the casebook is read with a bound, like the key file."""
    record = ready.data_dir / "casebook.unlock-attempts"
    record.unlink(missing_ok=True)
    if kind == "dev_zero":
        record.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(record)
    elif kind == "huge":
        with record.open("wb") as handle:
            handle.truncate(4 * 1024 * 1024 * 1024)  # sparse: 4 GB of zeros, no disk used
    else:
        record.mkdir()
    report = _run(
        [["--data-dir", str(ready.data_dir), "--user", "manager", "family", "list"]], per_command=10
    )
    (result,) = report["results"]
    assert result["code"] != "hung", result
    assert "something went wrong" not in result["err"], result
    if result["code"]:  # named, or treated as a damaged record: the free attempts count as used
        assert result["err"].count("\n") == 1, result
        assert "casebook.unlock-attempts" in result["err"] or "Wait 1 second" in result["err"], result
    else:
        assert "FAM-0001" in result["out"]
    assert report["peak_mb"] < LIMIT_MB


def test_a_device_given_to_services_import_is_called_a_device(ready: CliRunner, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    for path, words in (("/dev/zero", "is a device"), (str(fifo), "is a pipe")):
        result = ready("services", "import", path)
        assert result.code == 1 and words in result.err and "There is no file" not in result.err, result.err

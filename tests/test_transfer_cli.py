"""``setting-app transfer keys / out / in / list``: exit codes and one-line messages, two real casebooks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CliRunner
from tests.test_transfer import FAMILY


@pytest.fixture
def two(cli: CliRunner, tmp_path: Path, clock, monkeypatch: pytest.MonkeyPatch):
    """The sending casebook (with FAM-0042) and a receiving one in another folder."""
    assert cli.init().code == 0
    records = tmp_path / "family.json"
    records.write_text(json.dumps(FAMILY))
    assert cli("import", str(records)).code == 0
    other = CliRunner(tmp_path / "oak-tree", clock, monkeypatch)
    made = other(
        "init", "--setting-name", "Oak Tree Nursery", "--urn", "EY654321", "--nation", "england",
        "--la-code", "E09000007", "--manager", "manager", user=None,
    )  # fmt: skip
    assert made.code == 0, made.err
    return cli, other


def _fingerprint(out: str, label: str) -> str:
    line = next(line for line in out.splitlines() if line.startswith(label))
    return line.split(":", 1)[1].strip()


def test_keys_out_in_list(two, tmp_path: Path) -> None:
    sender, receiver = two
    key_file = tmp_path / "oak.key.json"
    keys = receiver("transfer", "keys", "--out", str(key_file))
    assert keys.code == 0, keys.err
    fingerprint = _fingerprint(keys.out, "Transfer key fingerprint")
    assert (
        len(fingerprint) == 39 and json.loads(key_file.read_text())["transfer_key_fingerprint"] == fingerprint
    )
    assert receiver("transfer", "keys").out == keys.out.split("\nWrote")[0] + "\n"

    sender_keys = sender("transfer", "keys")
    signing = _fingerprint(sender_keys.out, "Signing key fingerprint")

    out_file = tmp_path / "fam42.transfer"
    sent = sender(
        "transfer", "out", "FAM-0042", "--to", str(key_file), "--out", str(out_file),
        "--consent", "given", "--consent-by", "Ada Example", "--no-agreement-reason", "Family asked; no agreement yet",
    )  # fmt: skip
    assert sent.code == 0, sent.err
    assert (
        "Sealed FAM-0042 for Oak Tree Nursery" in sent.out
        and "2 restricted records were left out" in sent.out
    )
    assert fingerprint in sent.out

    got = receiver("transfer", "in", str(out_file), "--expect-fingerprint", signing)
    assert got.code == 0, got.err
    assert f"Sender's signing key fingerprint: {signing}" in got.out
    assert (
        "Received FAM-0042 from Little Acorns Nursery (sealed on 2026-11-23): 2 children, 3 entries, 1 referral."
        in got.out
    )

    again = receiver("transfer", "in", str(out_file))
    assert again.code == 1
    assert again.err.strip().count("\n") == 0
    assert "already imported on 2026-11-23 as FAM-0042" in again.err
    assert signing in again.out  # the fingerprint is shown even when the import is refused

    shown = receiver("family", "show", "FAM-0042")
    assert "received from Little Acorns Nursery on 2026-11-23" in shown.out
    entry_lines = [line for line in shown.out.splitlines() if line.startswith("  20")]
    assert len(entry_lines) == 3 and all(line.endswith("[received]") for line in entry_lines)
    shares = receiver("sharing", "list").out
    assert "received   FAM-0042   from Little Acorns Nursery (transfer;" in shares
    assert "to Oak Tree Nursery (transfer;" in sender("sharing", "list").out

    listing = receiver("transfer", "list")
    assert "in   FAM-0042 from Little Acorns Nursery (sealed 2026-11-23)" in listing.out
    assert "out  FAM-0042 to Oak Tree Nursery" in sender("transfer", "list").out


def test_refusals_are_one_plain_line(two, tmp_path: Path) -> None:
    sender, receiver = two
    key_file = tmp_path / "oak.key.json"
    receiver("transfer", "keys", "--out", str(key_file))
    out_file = tmp_path / "fam42.transfer"
    base = ("transfer", "out", "FAM-0042", "--to", str(key_file), "--out", str(out_file))

    usage = sender(*base)
    assert usage.code == 2 and "--consent given --consent-by NAME" in usage.err
    assert sender(*base, "--consent", "given").code == 2
    no_reason = sender(*base, "--lawful-basis", "public_task", "--no-agreement-reason", "x")
    assert no_reason.code == 1 and "reason" in no_reason.err
    no_agreement = sender(*base, "--consent", "given", "--consent-by", "Ada")
    assert (
        no_agreement.code == 1
        and "no data-sharing agreement in force covers sharing with Oak Tree Nursery" in no_agreement.err
    )
    restricted = sender(
        *base,
        "--consent",
        "given",
        "--consent-by",
        "Ada",
        "--no-agreement-reason",
        "x",
        "--include-restricted",
    )
    assert restricted.code == 1 and "restricted reason" in restricted.err
    assert not out_file.exists()
    assert (
        sender("users", "add", "pat", "--role", "practitioner", new_passphrase="pat passphrase 1").code == 0
    )
    practitioner = sender(
        *base, "--consent", "given", "--consent-by", "Ada", "--no-agreement-reason", "x",
        user="pat", passphrase="pat passphrase 1",
    )  # fmt: skip
    assert practitioner.code == 1 and "Only a manager" in practitioner.err and not out_file.exists()

    ok = sender(
        *base, "--lawful-basis", "public_task", "--reason", "Court order", "--no-agreement-reason", "x"
    )
    assert ok.code == 0, ok.err

    # Sealed for another setting: the sender tries to import its own file.
    wrong = sender("transfer", "in", str(out_file))
    assert wrong.code == 1 and "This file was sealed for a different setting" in wrong.err
    assert "ask the sender to use your transfer key file" in wrong.err

    data = out_file.read_bytes()
    at = data.index(b'"ciphertext": "') + 30
    changed = tmp_path / "changed.transfer"
    changed.write_bytes(data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :])
    bad = receiver("transfer", "in", str(changed))
    assert bad.code == 1 and "changed since it was signed" in bad.err and "do not use it" in bad.err

    not_one = receiver("transfer", "in", str(key_file))
    assert not_one.code == 1 and "is not a transfer file" in not_one.err

    expected = receiver("transfer", "in", str(out_file), "--expect-fingerprint", "1234 " * 8)
    assert expected.code == 1 and "not the one you expected" in expected.err

    # A family with the same reference already here: --as gives it another.
    records = tmp_path / "family.json"
    assert receiver("import", str(records)).code == 0
    taken = receiver("transfer", "in", str(out_file))
    assert taken.code == 1 and "--as NEWREF" in taken.err
    renamed = receiver("transfer", "in", str(out_file), "--as", "FAM-0100")
    assert renamed.code == 0 and "Received FAM-0100" in renamed.out
    for result in (no_reason, no_agreement, restricted, wrong, bad, not_one, expected, taken):
        assert "Traceback" not in result.err and result.err.strip().count("\n") == 0

"""Fuzzing every file the app reads: each damaged file gets one plain line and changes nothing.

Two halves:

- a corpus of hand-made damaged files (``tests/fuzz_corpus/<kind>__<what>.<ext>``) run through the real
  commands, checking the exit status, the single line on stderr and that the casebook is unchanged;
- hypothesis mutations (flipped, inserted, deleted bytes; truncation) of real files made by the app,
  given to the code that reads each kind, which may only succeed or raise an ``AppError`` with a
  one-line message. ``max_examples`` is bounded so the whole file runs in well under a minute.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from setting_app.domain.errors import AppError
from setting_app.services import backup, csv_import, damage_check, records, transfer, transfer_keys
from setting_app.services.casebook import unlock
from setting_app.services.la_export import signing
from setting_app.services.la_export.verify import verify_package
from setting_app.storage import keyslots
from tests.conftest import PASSPHRASE, CliRunner, fixed_clock
from tests.test_csv_import import TIDY
from tests.test_transfer import FAMILY

CORPUS = Path(__file__).parent / "fuzz_corpus"
GENERIC = "something went wrong"
FUZZ = settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None
)


class World:
    """Two casebooks and one real file of every kind the app reads, made once for the module."""

    def __init__(self, root: Path) -> None:
        self.root = root
        clock = fixed_clock()
        self.mp = pytest.MonkeyPatch()
        self.sender = CliRunner(root / "sender", clock, self.mp)
        self.receiver = CliRunner(root / "receiver", clock, self.mp)
        assert self.sender.init().code == 0
        made = self.receiver(
            "init", "--setting-name", "Oak Tree Nursery", "--urn", "EY654321", "--nation", "england",
            "--la-code", "E09000007", "--manager", "manager", user=None,
        )  # fmt: skip
        assert made.code == 0, made.err
        files = root / "files"
        files.mkdir()
        self.record = files / "family.json"
        self.record.write_text(json.dumps(FAMILY))
        assert self.sender("import", str(self.record)).code == 0
        self.key_file = files / "oak.key.json"
        assert self.receiver("transfer", "keys", "--out", str(self.key_file)).code == 0
        self.transfer = files / "fam42.transfer"
        sent = self.sender(
            "transfer", "out", "FAM-0042", "--to", str(self.key_file), "--out", str(self.transfer),
            "--consent", "given", "--consent-by", "Ada Example", "--no-agreement-reason", "Family asked",
        )  # fmt: skip
        assert sent.code == 0, sent.err
        self.backup = files / "sender.fslbackup"
        assert self.sender("backup", "--out", str(self.backup)).code == 0
        self.la_return = files / "la-return"
        made = self.sender("export", "la", "--period", "2026-10", "--out", str(self.la_return))
        assert made.code == 0, made.err
        self.la_pubkey = files / "setting.pem"
        assert self.sender("la", "setting-key", "--out", str(self.la_pubkey)).code == 0
        self.mapping = files / "mapping.json"
        csv_import.save_mapping(csv_import.suggest_mapping(csv_import.read_table(TIDY)), self.mapping)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    made = World(tmp_path_factory.mktemp("fuzz-world"))
    made.mp.setenv("SETTING_APP_PASSPHRASE", PASSPHRASE)
    yield made
    made.mp.undo()


def _state(cli: CliRunner) -> tuple[str, str]:
    listed = cli("family", "list")
    keys = hashlib.sha256((cli.data_dir / "casebook.keys").read_bytes()).hexdigest()
    return listed.out, keys


def _assert_one_plain_line(result, what: str, *, listed: bool = False) -> None:
    """Exit 1 with one plain line on stderr (``listed``: a spreadsheet's problems, one per line, come first)."""
    assert result.code == 1, (what, result.code, result.out, result.err)
    assert GENERIC not in result.err, what
    lines = result.err.splitlines()
    assert lines and lines[-1].startswith("setting-app: "), (what, result.err)
    assert len(lines) == 1 or (listed and lines[0].startswith("Problems (")), (what, result.err)


def _corpus(kind: str) -> list[Path]:
    return sorted(CORPUS.glob(f"{kind}__*"))


def test_the_corpus_covers_every_kind_of_file() -> None:
    kinds = {p.name.split("__")[0] for p in CORPUS.iterdir()}
    assert kinds >= {
        "record", "csv", "mapping", "transfer", "transferkey", "lapubkey", "slots", "backup", "lareturn", "selfeval",
        "agreements", "services", "review",
    }  # fmt: skip


def _command(world: World, kind: str, path: Path, scratch: Path) -> tuple[CliRunner, list[str]]:
    if kind == "record":
        return world.receiver, ["import", str(path)]
    if kind == "csv":
        return world.sender, ["import-csv", str(path)]
    if kind == "mapping":
        return world.sender, ["import-csv", str(TIDY), "--mapping", str(path)]
    if kind == "transfer":
        return world.receiver, ["transfer", "in", str(path)]
    if kind == "transferkey":
        return world.sender, [
            "transfer", "out", "FAM-0042", "--to", str(path), "--out", str(scratch / "x.transfer"),
            "--consent", "given", "--consent-by", "Ada Example", "--no-agreement-reason", "Family asked",
        ]  # fmt: skip
    if kind == "lapubkey":
        return world.sender, ["la", "verify", str(world.la_return), "--pubkey", str(path)]
    if kind == "backup":
        return world.receiver, ["restore", "--check-only", "--from", str(path)]
    if kind == "selfeval":
        return world.sender, ["selfeval", "record", "--from", str(path)]
    if kind == "agreements":
        return world.sender, ["agreement", "import", str(path)]
    if kind == "services":
        return world.sender, ["services", "import", str(path)]
    if kind == "review":
        return world.sender, [
            "family",
            "summary",
            "FAM-0042",
            "--review",
            str(path),
            "--out",
            str(scratch / "s.pdf"),
        ]
    if kind == "lareturn":
        copy = scratch / "return"
        shutil.copytree(world.la_return, copy)
        shutil.copyfile(path, copy / "manifest.json")
        return world.sender, ["la", "verify", str(copy)]
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "path", [p for p in sorted(CORPUS.iterdir()) if not p.name.startswith("slots__")], ids=str
)
def test_each_damaged_file_gets_one_plain_line_and_changes_nothing(
    world: World, path: Path, tmp_path: Path
) -> None:
    kind = path.name.split("__")[0]
    cli, args = _command(world, kind, path, tmp_path)
    before = _state(cli)
    result = cli(*args)
    _assert_one_plain_line(result, path.name, listed=kind in ("csv", "mapping"))
    if kind == "review":  # the review file itself was read and refused, not the family
        assert "No document was written" in result.err, result.err
    assert _state(cli) == before
    assert not (tmp_path / "x.transfer").exists()


@pytest.mark.parametrize("path", _corpus("slots"), ids=str)
def test_a_damaged_key_file_is_named_by_unlock_and_check(world: World, path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "casebook"
    shutil.copytree(world.sender.data_dir, copy)
    shutil.copyfile(path, copy / "casebook.keys")
    db = hashlib.sha256((copy / "casebook.db").read_bytes()).hexdigest()
    cli = CliRunner(copy, world.sender.clock, world.mp)
    for command in (["family", "list"], ["check"]):
        result = cli(*command)
        _assert_one_plain_line(result, f"{path.name} {command}")
        assert "key" in result.err
    assert hashlib.sha256((copy / "casebook.db").read_bytes()).hexdigest() == db


# --- mutations -----------------------------------------------------------------------------------


@st.composite
def mutations(draw, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "replace"]))
        at = draw(st.integers(0, max(0, len(out) - 1)))
        if op == "flip" and out:
            out[at] ^= draw(st.integers(1, 255))
        elif op == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete" and out:
            del out[at : at + draw(st.integers(1, 16))]
        elif op == "truncate":
            del out[at:]
        elif op == "replace" and out:
            out[at : at + 1] = draw(st.sampled_from([b"\x00", b"\x1b", b"[", b"{", b'"', b"\xff", b"9" * 30]))
    return bytes(out)


def _plain_or_ok(fn) -> None:
    try:
        fn()
    except AppError as exc:
        message = str(exc)
        assert message and "\n" not in message, message
        assert "Traceback" not in message


def _fuzz_file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _mutated(original: Path):
    return mutations(original.read_bytes())


def test_record_file_mutations(world: World, tmp_path_factory) -> None:
    ran: list[int] = []
    work = tmp_path_factory.mktemp("record")

    @FUZZ
    @given(_mutated(world.record))
    def run(data: bytes) -> None:
        ran.append(1)
        path = _fuzz_file(work, "record.json", data)
        _plain_or_ok(
            lambda: records.parse_record_file(records.read_record_file(path), today=date(2026, 11, 23))
        )

    run()
    assert ran, "hypothesis ran no examples"
    print(f"{len(ran)} examples")


def test_csv_and_mapping_mutations(world: World, tmp_path_factory) -> None:
    ran: list[int] = []
    work = tmp_path_factory.mktemp("csv")

    @FUZZ
    @given(_mutated(TIDY), _mutated(world.mapping))
    def run(table: bytes, mapping: bytes) -> None:
        ran.append(1)
        table_path = _fuzz_file(work, "table.csv", table)
        mapping_path = _fuzz_file(work, "mapping.json", mapping)
        _plain_or_ok(lambda: csv_import.read_table(table_path))
        _plain_or_ok(lambda: csv_import.load_mapping(mapping_path))

    run()
    assert ran, "hypothesis ran no examples"
    print(f"{len(ran)} examples")


def test_transfer_and_key_file_mutations(world: World, tmp_path_factory) -> None:
    ran: list[int] = []
    work = tmp_path_factory.mktemp("transfer")

    @FUZZ
    @given(_mutated(world.transfer), _mutated(world.key_file), _mutated(world.la_pubkey))
    def run(sealed: bytes, key_file: bytes, pem: bytes) -> None:
        ran.append(1)
        _plain_or_ok(lambda: transfer.read_transfer_file(_fuzz_file(work, "x.transfer", sealed)))
        _plain_or_ok(lambda: transfer_keys.read_key_file(_fuzz_file(work, "key.json", key_file)))
        _plain_or_ok(lambda: signing.read_public_key_file(_fuzz_file(work, "key.pem", pem)))

    run()
    assert ran, "hypothesis ran no examples"
    print(f"{len(ran)} examples")


def test_slot_file_mutations(world: World, tmp_path_factory) -> None:
    ran: list[int] = []
    work = tmp_path_factory.mktemp("slots")
    original = world.sender.data_dir / "casebook.keys"

    @FUZZ
    @given(_mutated(original))
    def run(data: bytes) -> None:
        ran.append(1)
        path = _fuzz_file(work, "casebook.keys", data)

        def unlock_slot() -> None:
            slot = keyslots.find_user_slot(keyslots.read_slot_file(path), "manager")
            keyslots.keys_with_passphrase(slot, PASSPHRASE)

        _plain_or_ok(unlock_slot)

    run()
    assert ran, "hypothesis ran no examples"
    print(f"{len(ran)} examples")


def test_backup_mutations(world: World, tmp_path_factory) -> None:
    ran: list[int] = []
    work = tmp_path_factory.mktemp("backup")

    @FUZZ
    @given(_mutated(world.backup))
    def run(data: bytes) -> None:
        ran.append(1)
        path = _fuzz_file(work, "b.fslbackup", data)
        _plain_or_ok(lambda: backup.check_backup(path, "manager", PASSPHRASE))

    run()
    assert ran, "hypothesis ran no examples"
    print(f"{len(ran)} examples")


def test_la_return_mutations(world: World, tmp_path_factory) -> None:
    ran: list[int] = []
    work = tmp_path_factory.mktemp("la")
    names = sorted(p.name for p in world.la_return.iterdir() if p.is_file())

    @FUZZ
    @given(st.sampled_from(names), st.data())
    def run(name: str, data) -> None:
        ran.append(1)
        copy = work / "return"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(world.la_return, copy)
        (copy / name).write_bytes(data.draw(_mutated(world.la_return / name)))
        report = verify_package(copy)  # a report of problems, never an exception
        _plain_or_ok(report.raise_if_failed)

    run()
    assert ran, "hypothesis ran no examples"
    print(f"{len(ran)} examples")


def test_casebook_page_mutations(world: World, tmp_path_factory) -> None:
    ran: list[int] = []
    work = tmp_path_factory.mktemp("pages")
    size = (world.sender.data_dir / "casebook.db").stat().st_size

    @settings(
        max_examples=10,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(st.integers(0, size - 1), st.integers(1, 255))
    def run(offset: int, xor: int) -> None:
        ran.append(1)
        copy = work / "casebook"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(world.sender.data_dir, copy)
        db = copy / "casebook.db"
        data = bytearray(db.read_bytes())
        data[offset] ^= xor
        db.write_bytes(bytes(data))
        report = damage_check.check_folder(copy, "manager", PASSPHRASE, clock=world.sender.clock)
        assert report.checked
        if report.problems:
            assert "restore" in report.advice

        def use() -> None:
            with unlock(copy, "manager", PASSPHRASE, clock=world.sender.clock) as session:
                from setting_app.services import families

                families.list_families(session)

        _plain_or_ok(use)

    run()
    assert ran, "hypothesis ran no examples"
    print(f"{len(ran)} examples")

"""Control characters: refused on input (tab and newline allowed in notes), escaped in every CLI output."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from setting_app.domain import text_safety, validation
from setting_app.domain.errors import ValidationError
from setting_app.services import casebook
from tests.conftest import PASSPHRASE, CliRunner

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
HOSTILE = "A\x1b]0;pwned\x07\x1b[31mRED\x1b[8mhidden\x00end\u202egnp.exe"


@pytest.fixture
def cb(cli: CliRunner) -> CliRunner:
    assert cli.init().code == 0
    return cli


@pytest.mark.parametrize(
    "args, field",
    [
        (["family", "add", "--carer", "Amy\x1b[8m hidden"], "carer name"),
        (["family", "add", "--carer", "Amy", "--phone", "0123\x07"], "phone"),
        (["family", "add", "--child", "Bo\x00:2023-01-01"], "name"),
        (["family", "add", "--carer", "Amy", "--notes", "ok\x1b]0;pwned\x07"], "notes"),
    ],
)
def test_control_characters_are_refused_with_the_field_named(
    cb: CliRunner, args: list[str], field: str
) -> None:
    result = cb(*args)
    assert result.code == 1
    assert field in result.err and "control character" in result.err
    assert not UNSAFE.search(result.err)
    assert (
        cb("family", "list").out.strip() in ("", "No families yet.") or "FAM-" not in cb("family", "list").out
    )


def test_tab_and_newline_are_allowed_in_notes(cb: CliRunner) -> None:
    assert cb("family", "add", "--carer", "Amy", "--notes", "first line\n\tsecond line\r\nthird").code == 0
    shown = cb("family", "show", "FAM-0001")
    assert shown.code == 0


def test_text_stored_before_the_rule_is_escaped_in_every_output(cb: CliRunner, data_dir) -> None:
    assert cb("family", "add", "--carer", "Amy", "--child", "Bo:2023-01-01").code == 0
    assert (
        cb(
            "log",
            "add",
            "--family",
            "FAM-0001",
            "--domain",
            "family_wellbeing",
            "--minutes",
            "10",
            "--note",
            "x",
        ).code
        == 0
    )
    session = casebook.unlock(data_dir, "manager", PASSPHRASE, clock=cb.clock)
    try:
        session.conn.execute("UPDATE carers SET name = ?", (HOSTILE,))
        session.conn.execute("UPDATE children SET name = ?", (HOSTILE,))
    finally:
        session.close()
    for command in (["family", "list"], ["family", "show", "FAM-0001"]):
        result = cb(*command)
        assert result.code == 0, result.err
        assert not UNSAFE.search(result.out), command
        assert "\\x1b" in result.out


def test_values_quoted_in_error_messages_are_escaped(cb: CliRunner) -> None:
    result = cb("family", "show", "FAM\x1b[31m")
    assert result.code == 1
    assert not UNSAFE.search(result.err)


def test_validation_helpers() -> None:
    assert validation.check_note("a\tb\r\nc") == "a\tb\nc"
    with pytest.raises(ValidationError, match="ESC"):
        validation.require_text("x\x1by", "name")
    with pytest.raises(ValidationError, match="new line"):
        validation.require_text("x\ny", "name")
    with pytest.raises(ValidationError):
        validation.check_note("bidi \u202e trick")
    assert text_safety.neutralise("a\x1b[31mb\n", multiline=True) == "a[31mb\n"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_for_terminal_never_lets_a_control_character_through(text: str) -> None:
    shown = text_safety.for_terminal(text)
    assert not UNSAFE.search(shown)
    if not UNSAFE.search(text):
        assert shown == text


def test_monthly_json_on_the_terminal_is_valid_json_and_safe(cb: CliRunner) -> None:
    result = cb("report", "monthly", "--month", "2026-10", "--format", "json")
    assert result.code == 0, result.err
    json.loads(result.out)
    assert not UNSAFE.search(result.out)


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://evil.example","Open")', "+1+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"]
)
def test_no_cell_of_an_la_return_csv_starts_a_spreadsheet_formula(
    cli: CliRunner, tmp_path, name: str
) -> None:
    """The setting's name is typed at ``init`` and published in every table of the return, which the
    authority opens in a spreadsheet: a cell starting ``= + - @`` would run as a formula there."""
    assert cli("init", f"--setting-name={name}", "--urn", "EY123456", "--nation", "england",
               "--la-code", "E09000019", "--manager", "manager", user=None).code == 0  # fmt: skip
    out = tmp_path / "return"
    result = cli("export", "la", "--period", "2026-10", "--out", str(out))
    assert result.code == 0, result.err
    import csv

    cells = []
    for table in sorted(out.glob("*.csv")):
        with table.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                cells.extend(row)
    assert any(name in cell for cell in cells)  # still published, made inert
    formulas = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(c)]
    assert not formulas, formulas[:3]
    assert cli("la", "verify", str(out)).code == 0


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.xfail(
    strict=True,
    reason="review of issue 18: zero-width spaces and the implicit direction marks (U+200B, U+200E, "
    "U+200F, U+061C, U+2060, U+FEFF) pass into names and the setting's name unchanged: two families can "
    "look identical on screen, in PDFs and in the LA return; only the bidi embeddings/overrides/isolates "
    "are refused. ZWJ/ZWNJ must stay allowed (emoji, Persian and Indic names), so this needs a decision.",
)
@pytest.mark.parametrize("char", ["\u200b", "\u200f", "\u2060", "\ufeff"])
def test_invisible_characters_are_refused_in_names(cb: CliRunner, char: str) -> None:
    result = cb("family", "add", "--carer", f"Amy{char} Example")
    assert result.code == 1 and "carer name" in result.err

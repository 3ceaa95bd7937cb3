"""Spreadsheet import: reading Excel's CSVs, the mapping and its suggestions, every problem by row, all or nothing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from setting_app.domain.codes import Domain, Kind
from setting_app.domain.csv_mapping import CategoryChoice, CsvMapping, read_date, read_minutes
from setting_app.domain.errors import ImportRejected, PermissionDenied, ValidationError
from setting_app.domain.models import Carer, NewChild, NewFamily
from setting_app.services import audit, casebook, csv_import, families, staff, support_log
from setting_app.storage.audit_repo import AuditFilter
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import PASSPHRASE

SHEETS = Path(__file__).parent / "fixtures" / "spreadsheets"
TIDY = SHEETS / "tidy.csv"
MESSY = SHEETS / "messy.csv"

#: What a manager chooses for the messy sheet's two words the app cannot guess.
MESSY_CHOICES = {
    "misc": {"domain": "financial_hardship", "kind": None},
    "general chat": {"domain": "family_wellbeing", "kind": "direct"},
}


def add_families(session) -> dict[str, int]:
    """The synthetic families both sample spreadsheets talk about."""
    opened = date(2025, 9, 1)
    specs = [
        ("FAM-0001", "Pat Green", ["Ruby Green"]),
        ("FAM-0002", "Jo Smithson", ["Max Smithson"]),
        ("FAM-0003", "Zo\u00eb Adebayo", ["Tayo Adebayo", "Femi Adebayo"]),
        ("FAM-0004", "Sam O'Neill", ["Ellis O'Neill"]),
    ]
    ids = {}
    for ref, carer, children in specs:
        family = families.add_family(
            session,
            NewFamily(
                ref, opened, (Carer(carer),), children=tuple(NewChild(c, date(2023, 5, 1)) for c in children)
            ),
        )
        ids[ref] = family.id
    return ids


def messy_mapping(table) -> CsvMapping:
    suggested = csv_import.suggest_mapping(table)
    document = json.loads(suggested.to_json())
    document["categories"].update(MESSY_CHOICES)
    return CsvMapping.from_json(json.dumps(document))


def import_audit_rows(session):
    return [r for r in audit.list_audit(session, AuditFilter()) if r.object_type == "import"]


# --- readers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03/04/2026", date(2026, 4, 3)),
        ("3.4.26", date(2026, 4, 3)),
        ("2026-04-03", date(2026, 4, 3)),
        ("3 April 2026", date(2026, 4, 3)),
        ("Fri 3rd Apr 26", date(2026, 4, 3)),
        ("03/04/2026 00:00", date(2026, 4, 3)),
    ],
)
def test_dates_as_typed_in_uk_spreadsheets(text, expected):
    assert read_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2026", "3/4", "next Tuesday", "3 Marchy 2026"])
def test_dates_that_are_not_real_or_not_readable_are_refused_naming_the_field(text):
    with pytest.raises(ValidationError) as caught:
        read_date(text)
    assert caught.value.field == "date" and text in caught.value.problem


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("45", 45),
        ("45 mins", 45),
        ("1h 30", 90),
        ("1 hr 30 min", 90),
        ("1h30m", 90),
        ("1:15", 75),
        ("1.5 hours", 90),
    ],
)
def test_time_spent_as_typed(text, minutes):
    assert read_minutes(text) == minutes


@pytest.mark.parametrize("text", ["0", "11 hours", "a while", "1.25 mins"])
def test_time_spent_out_of_range_or_unreadable(text):
    with pytest.raises(ValidationError):
        read_minutes(text)


def test_utf8_with_and_without_bom_and_windows_1252_read_the_same_words():
    with_bom = csv_import.read_table(TIDY)
    assert with_bom.encoding == "UTF-8 with BOM"
    assert with_bom.headings[0] == "Date"  # the byte-order mark is not part of the first heading
    without_bom = csv_import.parse_table(TIDY.read_bytes()[3:], "tidy.csv")
    assert without_bom.encoding == "UTF-8" and without_bom.rows == with_bom.rows

    messy = csv_import.read_table(MESSY)
    assert messy.encoding == "Windows-1252"
    assert MESSY.read_bytes().count(b"\xa3") == 1  # the pound sign really is one Windows-1252 byte
    notes = [r.cells["Notes"] for r in messy.rows]
    assert "\u00a310 voucher for shoes" in notes
    assert any("\u201cChatter Matters\u201d" in n for n in notes)
    assert "Zo\u00eb Adebayo" in [r.cells["Family"] for r in messy.rows]


def test_messy_sheet_trims_spaces_skips_blank_rows_and_keeps_spreadsheet_row_numbers():
    table = csv_import.read_table(MESSY)
    assert "Date of contact" in table.headings and "Notes" in table.headings
    assert table.blank_rows == 3
    assert len(table.rows) == 11
    numbers = [r.number for r in table.rows]
    assert numbers[:4] == [2, 3, 4, 6]  # row 5 is blank in the spreadsheet
    assert table.rows[5].cells["Family"] == "FAM-0004"


def test_semicolon_separated_and_excel_workbooks():
    table = csv_import.parse_table(b"Date;Family;Minutes\n01/02/2026;FAM-0001;20\n", "semi.csv")
    assert table.headings == ("Date", "Family", "Minutes")
    with pytest.raises(ImportRejected, match="Excel workbook.*CSV UTF-8"):
        csv_import.parse_table(b"PK\x03\x04rest-of-zip", "support.xlsx")
    with pytest.raises(ImportRejected, match="empty"):
        csv_import.parse_table(b"\n\n", "blank.csv")


# --- mapping -----------------------------------------------------------------------------------


def test_suggested_mapping_for_the_tidy_sheet():
    mapping = csv_import.suggest_mapping(csv_import.read_table(TIDY))
    assert mapping.columns == {
        "date": "Date",
        "family": "Family ref",
        "child": "Child",
        "category": "Area",
        "kind": "Direct/Indirect",
        "minutes": "Minutes",
        "activity": "What we did",
        "note": "Notes",
    }
    assert mapping.categories["send"] == CategoryChoice(Domain.INCLUSION_SEND)
    assert mapping.categories["financial hardship"].domain is Domain.FINANCIAL_HARDSHIP
    assert mapping.kinds == {"direct": Kind.DIRECT, "indirect": Kind.INDIRECT}


def test_suggested_mapping_for_the_messy_sheet_leaves_unknown_words_for_a_person():
    mapping = csv_import.suggest_mapping(csv_import.read_table(MESSY))
    assert mapping.columns["date"] == "Date of contact"
    assert mapping.columns["minutes"] == "Time spent"
    assert mapping.columns["child"] == "Child's name"
    assert mapping.columns["category"] == "Support area"
    assert mapping.categories["speech"].domain is Domain.CHILD_DEVELOPMENT
    assert mapping.categories["food bank"].domain is Domain.FINANCIAL_HARDSHIP
    assert mapping.categories["signposted - housing"] == CategoryChoice(
        Domain.FINANCIAL_HARDSHIP, Kind.INDIRECT
    )
    assert mapping.categories["misc"] is None and mapping.categories["general chat"] is None


def test_mapping_round_trips_through_json_and_saved_choices_win_over_guesses(tmp_path):
    table = csv_import.read_table(MESSY)
    mapping = messy_mapping(table)
    path = tmp_path / "mapping.json"
    csv_import.save_mapping(mapping, path)
    loaded = csv_import.load_mapping(path)
    assert loaded == mapping
    # A saved choice that differs from the guess is kept when suggestions fill gaps.
    document = json.loads(path.read_text())
    document["categories"]["speech"] = {"domain": "inclusion_send", "kind": None}
    again = csv_import.suggest_mapping(table, CsvMapping.from_json(json.dumps(document)))
    assert again.categories["speech"].domain is Domain.INCLUSION_SEND


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("not json", "not JSON"),
        ('{"format": "other"}', "not a spreadsheet mapping"),
        (
            '{"format": "setting-app-csv-mapping", "version": 1, "columns": {"colour": "A"}}',
            "'colour' is not a field",
        ),
        (
            '{"format": "setting-app-csv-mapping", "version": 1, "categories": {"x": {"domain": "fun"}}}',
            "category 'x'.*domain must be one of",
        ),
    ],
)
def test_bad_mapping_files_are_refused_in_plain_words(document, message):
    with pytest.raises(ImportRejected, match=message):
        CsvMapping.from_json(document)


# --- checking and importing through the service -------------------------------------------------


def test_tidy_sheet_imports_every_row_in_one_transaction_with_one_audit_row(session):
    ids = add_families(session)
    table = csv_import.read_table(TIDY)
    result = csv_import.import_entries(session, table, csv_import.suggest_mapping(table))
    assert (result.entries, result.families) == (10, 4)
    assert (result.first_date, result.last_date) == (date(2026, 2, 2), date(2026, 3, 2))
    assert support_log.count_entries(session) == 10
    tayo = [
        e
        for e in support_log.family_chronology(session, ids["FAM-0003"])
        if e.domain is Domain.INCLUSION_SEND
    ]
    assert tayo[0].minutes == 60 and tayo[0].kind is Kind.DIRECT
    assert tayo[0].note.startswith("SEN support review - Reviewed targets with Mum and the SENCo")
    assert tayo[0].staff_id == session.user.id
    ellis = [
        e
        for e in support_log.family_chronology(session, ids["FAM-0004"])
        if e.domain is Domain.INCLUSION_SEND
    ]
    assert ellis[0].kind is Kind.INDIRECT  # from the Direct/Indirect column, not the domain's usual kind
    rows = import_audit_rows(session)
    assert len(rows) == 1 and rows[0].action == audit.CREATE
    assert rows[0].detail == "10 entries for 4 families from a spreadsheet"
    assert audit.verify(session) is None


def test_messy_sheet_lists_unknown_words_then_imports_with_the_chosen_mapping(session):
    ids = add_families(session)
    table = csv_import.read_table(MESSY)
    plan = csv_import.plan_import(session, table, csv_import.suggest_mapping(table))
    assert [str(p) for p in plan.problems] == [
        "Row 7, area of support: 'Misc' is not matched to an area yet: choose one for it in the mapping",
        "Row 14, area of support: 'General chat' is not matched to an area yet: choose one for it in the mapping",
    ]
    with pytest.raises(ImportRejected, match="Nothing was imported.*2 problems"):
        csv_import.import_entries(session, table, csv_import.suggest_mapping(table))
    assert support_log.count_entries(session) == 0 and import_audit_rows(session) == []

    result = csv_import.import_entries(session, table, messy_mapping(table))
    assert result.entries == 11
    green = support_log.family_chronology(session, ids["FAM-0001"])
    assert {(e.entry_date, e.domain, e.minutes) for e in green} == {
        (date(2026, 3, 3), Domain.CHILD_DEVELOPMENT, 45),
        (date(2026, 3, 3), Domain.FAMILY_WELLBEING, 20),  # "Pat Green": found by carer's name
        (date(2026, 3, 17), Domain.CHILD_DEVELOPMENT, 25),  # "Green family", "Tue 17th March 2026"
    }
    smithson = support_log.family_chronology(session, ids["FAM-0002"])
    housing = next(e for e in smithson if e.entry_date == date(2026, 3, 18))
    assert (housing.domain, housing.kind) == (Domain.FINANCIAL_HARDSHIP, Kind.INDIRECT)
    assert next(e for e in smithson if e.entry_date == date(2026, 3, 24)).minutes == 120
    adebayo = support_log.family_chronology(session, ids["FAM-0003"])
    assert next(e for e in adebayo if e.entry_date == date(2026, 3, 4)).minutes == 90
    assert any(e.note == "Uniform swap - \u00a310 voucher for shoes" for e in adebayo)


def test_every_problem_is_listed_by_row_and_field_and_nothing_is_written(session):
    add_families(session)
    text = (
        "Date,Family,Child,Area,Minutes,Notes\n"
        "31/02/2026,FAM-0001,Ruby,Speech,20,\n"  # row 2: no such date
        "01/03/2026,FAM-9999,,Speech,20,\n"  # row 3: no such family
        "01/03/2026,Adebayo,Kemi,Food bank,20,\n"  # row 4: no such child in that family
        "01/03/2026,FAM-0002,,Food bank,lots,\n"  # row 5: time unreadable
        "01/12/2026,FAM-0002,,Food bank,20,\n"  # row 6: in the future
        "01/06/2025,FAM-0002,,Food bank,20,\n"  # row 7: before the family's record was opened
        "01/03/2026,Smithson family,,Food bank,20,fine\n"  # row 8: fine
        ",,,,,\n"
        "02/03/2026,,,,,\n"  # row 10: family, area and time missing
    )
    table = csv_import.parse_table(text.encode(), "problems.csv")
    mapping = csv_import.suggest_mapping(table)
    plan = csv_import.plan_import(session, table, mapping)
    problems = [str(p) for p in plan.problems]
    assert problems[0] == "Row 2, date: '31/02/2026' is not a real date"
    assert problems[1].startswith("Row 3, family: no family with the reference or name 'FAM-9999'")
    assert problems[2].startswith("Row 4, child: family FAM-0003 has no child called 'Kemi'")
    assert problems[3].startswith("Row 5, time spent: 'lots' is not a time")
    assert problems[4] == "Row 6, date: 2026-12-01 is in the future (today is 2026-11-23)"
    assert problems[5].startswith("Row 7, date: 2025-06-01 is before family FAM-0002's record was opened")
    assert problems[6:] == [
        "Row 10, family: is empty",
        "Row 10, area of support: is empty",
        "Row 10, time spent: is empty",
    ]
    assert not plan.ready and len(plan.entries) == 1
    with pytest.raises(ImportRejected) as caught:
        csv_import.import_entries(session, table, mapping)
    assert "9 problems" in caught.value.message and "Row 2, date" in caught.value.message
    assert support_log.count_entries(session) == 0


def test_ambiguous_names_and_missing_columns(session):
    add_families(session)
    families.add_family(session, NewFamily("FAM-0005", date(2025, 9, 1), (Carer("Lee Green"),)))
    table = csv_import.parse_table(b"Date,Family,Area,Minutes\n01/03/2026,Green family,Speech,20\n", "a.csv")
    plan = csv_import.plan_import(session, table, csv_import.suggest_mapping(table))
    assert [str(p) for p in plan.problems] == [
        "Row 2, family: 'Green family' matches more than one family (FAM-0001, FAM-0005): use the reference"
    ]
    plan = csv_import.plan_import(session, table, CsvMapping({"date": "Date", "family": "Household"}))
    assert [str(p) for p in plan.problems] == [
        "Family (reference or name): the spreadsheet has no column headed 'Household'",
        "Area of support (your words): choose the column that holds it",
        "Time spent: choose the column that holds it",
    ]


def test_importing_the_same_sheet_twice_is_refused(session):
    add_families(session)
    table = csv_import.read_table(TIDY)
    mapping = csv_import.suggest_mapping(table)
    csv_import.import_entries(session, table, mapping)
    with pytest.raises(ImportRejected, match="10 problems"):
        csv_import.import_entries(session, table, mapping)
    plan = csv_import.plan_import(session, table, mapping)
    assert str(plan.problems[0]) == "Row 2, row: the casebook already has this entry (imported before?)"
    assert support_log.count_entries(session) == 10


def test_only_managers_import(session):
    add_families(session)
    session.user = staff.add_user(
        session, "pat", "practitioner", "another good passphrase", kdf=TEST_ONLY_FAST_KDF
    )
    table = csv_import.read_table(TIDY)
    with pytest.raises(PermissionDenied, match="import a spreadsheet"):
        csv_import.import_entries(session, table, csv_import.suggest_mapping(table))


# --- command line ----------------------------------------------------------------------------------


def cli_with_families(cli, data_dir, clock):
    assert cli.init().code == 0
    with casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock) as session:
        return add_families(session)


def test_cli_tidy_sheet_dry_run_then_import(cli, data_dir, clock, tmp_path):
    cli_with_families(cli, data_dir, clock)
    mapping_path = tmp_path / "tidy-mapping.json"
    result = cli("import-csv", str(TIDY), "--save-mapping", str(mapping_path))
    assert result.code == 0, result.err
    assert "10 rows ready" in result.out and "Nothing was imported" in result.out
    assert json.loads(mapping_path.read_text())["columns"]["family"] == "Family ref"

    result = cli("import-csv", str(TIDY), "--mapping", str(mapping_path), "--dry-run")
    assert result.code == 0 and "Dry run: nothing was imported" in result.out
    assert "02/02/2026" in result.out  # the preview

    result = cli("import-csv", str(TIDY), "--mapping", str(mapping_path))
    assert result.code == 0, result.err
    assert "Imported 10 entries for 4 families (02/02/2026 to 02/03/2026)" in result.out
    assert cli("log", "search", "Citizens Advice").out.count("\n") == 1


def test_cli_messy_sheet_with_a_saved_mapping(cli, data_dir, clock, tmp_path):
    cli_with_families(cli, data_dir, clock)
    mapping_path = tmp_path / "messy-mapping.json"
    result = cli("import-csv", str(MESSY), "--save-mapping", str(mapping_path))
    assert result.code == 1
    assert "Row 7, area of support: 'Misc' is not matched" in result.err
    assert "Windows-1252" in result.out

    result = cli("import-csv", str(MESSY), "--mapping", str(mapping_path))
    assert result.code == 1 and "Nothing was imported" in result.err

    document = json.loads(mapping_path.read_text(encoding="utf-8"))
    assert document["categories"]["misc"] is None  # listed for the person to fill in
    document["categories"].update(MESSY_CHOICES)
    mapping_path.write_text(json.dumps(document), encoding="utf-8")
    result = cli("import-csv", str(MESSY), "--mapping", str(mapping_path))
    assert result.code == 0, result.err
    assert "Imported 11 entries for 4 families" in result.out


def test_cli_missing_files_are_one_plain_line(cli, data_dir, clock, tmp_path):
    cli_with_families(cli, data_dir, clock)
    result = cli("import-csv", str(tmp_path / "nope.csv"))
    assert result.code == 1 and result.err.strip().startswith("setting-app: There is no file at")
    assert result.err.count("\n") == 1
    result = cli("import-csv", str(TIDY), "--mapping", str(tmp_path / "nope.json"))
    assert result.code == 1 and "There is no mapping file" in result.err
    assert "Traceback" not in result.err

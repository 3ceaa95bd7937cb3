"""The spreadsheet import dialog: suggested mapping, preview, problems by row, all-or-nothing import."""

from __future__ import annotations

import json

import pytest

from PySide6.QtCore import Qt

from setting_app.domain.codes import Domain, Kind
from setting_app.services import csv_import, staff, support_log
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.test_csv_import import MESSY, TIDY, add_families

from setting_app.ui.context import AppContext
from setting_app.ui.dialogs.csv_import_dialog import CsvImportDialog


@pytest.fixture
def ctx(session, clock, qtbot) -> AppContext:
    add_families(session)
    return AppContext(session, clock)


@pytest.fixture
def dialog(ctx, qtbot) -> CsvImportDialog:
    dialog = CsvImportDialog(ctx)
    qtbot.addWidget(dialog)
    return dialog


def test_nothing_to_import_until_a_file_is_chosen(dialog):
    assert not dialog.import_button.isEnabled()
    assert dialog.status.text() == "Choose a spreadsheet to begin."


def test_messy_sheet_suggests_columns_lists_problems_then_imports_after_words_are_chosen(dialog, ctx, qtbot):
    assert dialog.load_file(MESSY)
    assert dialog.file_info.text() == "11 rows, 3 blank rows skipped (Windows-1252)."
    assert dialog.column_combos["date"].currentText() == "Date of contact"
    assert dialog.column_combos["minutes"].currentText() == "Time spent"
    assert dialog.column_combos["kind"].currentText() == "(not in this spreadsheet)"
    assert not dialog.kind_table.isVisibleTo(dialog)

    # Every word is listed once with its number of rows and a suggestion where there is one.
    words = {
        dialog.category_table.item(r, 0).text(): dialog.category_table.cellWidget(r, 2).currentText()
        for r in range(dialog.category_table.rowCount())
    }
    assert words["food bank"] == "Financial hardship"
    assert words["send"] == "Inclusion and SEND"
    assert words["misc"] == "Choose..." and words["general chat"] == "Choose..."

    # The preview shows rows as they will be saved: UK dates, references, minutes.
    first = [dialog.preview.item(0, c).text() for c in range(dialog.preview.columnCount())]
    assert first[:7] == [
        "2",
        "03/03/2026",
        "FAM-0001",
        "Ruby Green",
        "Child development and home learning",
        "Direct",
        "45",
    ]
    row_three = [dialog.preview.item(1, c).text() for c in range(4)]
    assert row_three == ["3", "04/03/2026", "FAM-0002", "Max Smithson"]  # "Smithson family", "4.3.26"

    assert dialog.problems() == [
        "Row 7, area of support: 'Misc' is not matched to an area yet: choose one for it in the mapping",
        "Row 14, area of support: 'General chat' is not matched to an area yet: choose one for it in the mapping",
    ]
    assert not dialog.import_button.isEnabled()
    assert "2 problems to fix" in dialog.status.text()

    dialog.set_category("misc", Domain.FINANCIAL_HARDSHIP)
    assert len(dialog.problems()) == 1
    dialog.set_category("general chat", Domain.FAMILY_WELLBEING, Kind.DIRECT)
    assert dialog.problems() == []
    assert dialog.import_button.isEnabled() and dialog.import_button.text() == "&Import 11 entries"

    changed = []
    ctx.data_changed.connect(changed.append)
    with qtbot.waitSignal(dialog.imported) as signal:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert signal.args == [11]
    assert changed == ["entries"]
    assert support_log.count_entries(ctx.session) == 11
    assert dialog.status.text().startswith("Imported 11 entries for 4 families (03/03/2026 to 24/03/2026)")
    assert not dialog.import_button.isEnabled()


def test_mapping_is_saved_and_reused_for_the_next_spreadsheet(dialog, ctx, qtbot, tmp_path):
    dialog.load_file(MESSY)
    dialog.set_category("misc", Domain.FINANCIAL_HARDSHIP)
    dialog.set_category("general chat", Domain.FAMILY_WELLBEING)
    path = tmp_path / "our-mapping.json"
    assert dialog.save_mapping(path)
    assert (
        json.loads(path.read_text(encoding="utf-8"))["categories"]["misc"]["domain"] == "financial_hardship"
    )

    again = CsvImportDialog(ctx)
    qtbot.addWidget(again)
    again.load_mapping(path)
    again.load_file(MESSY)
    assert again.problems() == []
    assert again.mapping == csv_import.load_mapping(path)


def test_changing_a_column_rechecks_every_row(dialog):
    dialog.load_file(TIDY)
    assert dialog.problems() == [] and dialog.kind_table.isVisibleTo(dialog)
    dialog.set_column("minutes", "Notes")  # the wrong column, and now used twice
    assert dialog.problems() == ["Column 'Notes': is chosen for more than one field"]
    dialog.set_column("note", None)
    problems = dialog.problems()  # every row's time is now unreadable
    assert problems[0].startswith("Row 2, time spent: 'Shapes and counting pack' is not a time")
    assert "Row 5, time spent: is empty" in problems
    dialog.set_column("minutes", None)
    assert dialog.problems() == ["Time spent: choose the column that holds it"]
    assert dialog.preview.rowCount() == 0


def test_a_practitioner_sees_the_check_but_cannot_import(session, clock, qtbot):
    add_families(session)
    session.user = staff.add_user(
        session, "pat", "practitioner", "another good passphrase", kdf=TEST_ONLY_FAST_KDF
    )
    dialog = CsvImportDialog(AppContext(session, clock))
    qtbot.addWidget(dialog)
    dialog.load_file(TIDY)
    assert dialog.problems() == []
    assert not dialog.import_button.isEnabled()
    assert "only a manager can import" in dialog.status.text()


def test_an_unreadable_file_is_a_plain_message_and_nothing_changes(dialog, tmp_path, qtbot):
    workbook = tmp_path / "support.xlsx"
    workbook.write_bytes(b"PK\x03\x04not really a workbook")
    assert not dialog.load_file(workbook)
    assert dialog.table is None and dialog.file_edit.text() == ""

"""Quick log: a whole entry by keyboard alone, errors beside fields, nothing typed lost."""

from __future__ import annotations

from datetime import date

import pytest

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from setting_app.domain.codes import ContactMode, Domain, Kind, Nation
from setting_app.domain.models import Carer, NewChild, NewFamily
from setting_app.services import families, support_log
from setting_app.storage.entry_repo import EntryFilter

from setting_app.ui.context import AppContext
from setting_app.ui.dialogs.quick_log_dialog import QuickLogDialog


class KeyCounter:
    """Sends key events through qtbot and counts them (one per key press, as a person types)."""

    def __init__(self, qtbot) -> None:
        self.qtbot = qtbot
        self.count = 0

    def type(self, widget, text: str) -> None:
        self.qtbot.keyClicks(widget, text)
        self.count += len(text)

    def press(self, widget, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
        self.qtbot.keyClick(widget, key, modifier)
        self.count += 1

    def focused(self):
        return QApplication.focusWidget()


@pytest.fixture
def ctx(session, clock, qtbot) -> AppContext:
    return AppContext(session, clock)


@pytest.fixture
def smith(session) -> int:
    families.add_family(session, NewFamily("FAM-0001", date(2025, 1, 6), (Carer("Pat Green"),)))
    family = families.add_family(
        session,
        NewFamily(
            "FAM-0002",
            date(2025, 1, 6),
            (Carer("Jo Smithson", "mother"),),
            children=(NewChild("Max Smithson", date(2023, 4, 2)),),
        ),
    )
    return family.id


def open_dialog(qtbot, ctx, family_id=None) -> QuickLogDialog:
    dialog = QuickLogDialog(ctx, family_id)
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.show()
        dialog.activateWindow()
    return dialog


def test_logs_an_entry_with_key_events_only(qtbot, ctx, session, smith) -> None:
    dialog = open_dialog(qtbot, ctx)
    saved: list[int] = []
    changes: list[str] = []
    dialog.saved.connect(saved.append)
    ctx.data_changed.connect(changes.append)
    keys = KeyCounter(qtbot)

    assert keys.focused() is dialog.family
    keys.type(dialog.family, "smiths")  # carer's name, part typed
    popup = dialog.family.completer().popup()
    assert popup.isVisible() and popup.model().rowCount() == 1
    keys.press(popup, Qt.Key.Key_Down)
    keys.press(popup, Qt.Key.Key_Return)
    assert dialog.family_id == smith
    assert keys.focused() is dialog.domain_buttons[Domain.CHILD_DEVELOPMENT]

    keys.press(keys.focused(), Qt.Key.Key_3)  # Family wellbeing; focus moves to the activity list
    assert dialog.domain is Domain.FAMILY_WELLBEING and dialog.kind is Kind.DIRECT
    assert keys.focused() is dialog.activity
    keys.press(dialog.activity, Qt.Key.Key_Down)  # first listed activity
    keys.press(dialog, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)  # switch to indirect
    assert dialog.kind is Kind.INDIRECT

    keys.press(keys.focused(), Qt.Key.Key_Tab)
    assert keys.focused() is dialog.minutes
    dialog.minutes.selectAll()  # a Tab into a spin box selects its text in a real window
    keys.type(dialog.minutes, "25")
    keys.press(keys.focused(), Qt.Key.Key_Tab)
    assert keys.focused() is dialog.contact
    keys.type(dialog.contact, "p")  # Phone
    keys.press(dialog.contact, Qt.Key.Key_Tab)
    keys.press(dialog.child, Qt.Key.Key_Down)  # Max
    keys.press(dialog.child, Qt.Key.Key_Tab)
    assert keys.focused() is dialog.carer  # which carer it is about (family documents are per person)
    keys.press(dialog.carer, Qt.Key.Key_Down)  # the first carer
    keys.press(dialog.carer, Qt.Key.Key_Tab)
    assert keys.focused() is dialog.entry_date
    keys.press(dialog.entry_date, Qt.Key.Key_Tab)
    assert keys.focused() is dialog.note
    keys.type(dialog.note, "Sleep plan 1-2-3; will call HV")
    keys.press(dialog.note, Qt.Key.Key_Tab)  # Tab leaves the note, it inserts no tab
    assert keys.focused() is dialog.follow_up
    keys.type(dialog.follow_up, "+7")
    keys.press(dialog.follow_up, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    assert len(saved) == 1 and changes == ["entries"]
    entries = support_log.list_entries(session, EntryFilter(family_id=smith))
    assert len(entries) == 1
    entry = entries[0]
    assert entry.id == saved[0]
    assert entry.domain is Domain.FAMILY_WELLBEING
    assert entry.kind is Kind.INDIRECT
    assert entry.activity_code == "wellbeing_checkin"
    assert entry.minutes == 25
    assert entry.contact_mode is ContactMode.PHONE
    assert entry.child_id == families.list_children(session, smith)[0].id
    assert entry.entry_date == date(2026, 11, 23)
    assert entry.note == "Sleep plan 1-2-3; will call HV"
    assert entry.follow_up_on == date(2026, 11, 30)
    assert entry.carer == families.get_family(session, smith).carers[0].name
    assert entry.staff_id == session.user.id

    # Cleared for the next entry, and it says what was saved.
    assert dialog.family_id is None and dialog.domain is None and dialog.note.toPlainText() == ""
    assert "FAM-0002" in dialog.status.text() and "25 min" in dialog.status.text()
    assert keys.focused() is dialog.family

    # At 3 key presses a second (slow typing, about 35 words a minute) this is well under 30 seconds.
    seconds = keys.count / 3
    print(f"quick log by keyboard: {keys.count} key presses, about {seconds:.0f} s")
    assert seconds < 20, keys.count


def test_fastest_path_exact_reference_enter_and_defaults(qtbot, ctx, session, smith) -> None:
    dialog = open_dialog(qtbot, ctx)
    keys = KeyCounter(qtbot)
    keys.type(dialog.family, "fam-0002")
    keys.press(dialog.family.completer().popup(), Qt.Key.Key_Return)  # exact reference: no need to pick
    assert dialog.family_id == smith
    keys.press(keys.focused(), Qt.Key.Key_4)  # Financial hardship, indirect by default
    keys.press(keys.focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    [entry] = support_log.list_entries(session, EntryFilter(family_id=smith))
    assert (entry.domain, entry.kind, entry.minutes) == (Domain.FINANCIAL_HARDSHIP, Kind.INDIRECT, 15)
    assert keys.count == 11


def test_problems_show_beside_the_field_and_keep_the_text(qtbot, ctx, session, smith) -> None:
    dialog = open_dialog(qtbot, ctx)
    dialog.note.setPlainText("A long note that must survive every error.")
    qtbot.keyClick(dialog.family, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.errors.message_for("family") == "Family: choose the family this support was for"
    assert dialog.family.accessibleDescription().startswith("Family: choose")
    assert QApplication.focusWidget() is dialog.family

    dialog.set_family(smith)
    dialog.save()
    assert dialog.errors.message_for("family") == ""
    assert "press 1 to 4" in dialog.errors.message_for("domain")

    dialog.select_domain(Domain.CHILD_DEVELOPMENT)
    dialog.follow_up.setText("31/02/2026")
    dialog.save()
    assert "is not a date" in dialog.errors.message_for("follow-up date")
    assert dialog.follow_up.text() == "31/02/2026"

    dialog.follow_up.setText("01/01/2026")  # before the entry's date
    dialog.save()
    assert dialog.errors.message_for("follow-up date") == "Follow-up date: is before the date of the entry"

    dialog.follow_up.clear()
    dialog.entry_date.setText("01/12/2024")  # before the family's record was opened
    dialog.save()
    assert "before family FAM-0002" in dialog.errors.message_for("date")
    assert QApplication.focusWidget() is dialog.entry_date
    assert dialog.note.toPlainText() == "A long note that must survive every error."
    assert support_log.count_entries(session) == 0

    dialog.entry_date.setText("20/11/2026")
    assert dialog.save() is not None
    assert dialog.errors.message_for("date") == ""
    assert support_log.count_entries(session) == 1


def test_opened_for_a_family_keeps_it_for_the_next_entry(qtbot, ctx, session, smith) -> None:
    dialog = open_dialog(qtbot, ctx, smith)
    assert dialog.family.text().startswith("FAM-0002")
    assert QApplication.focusWidget() is dialog.domain_buttons[Domain.CHILD_DEVELOPMENT]
    assert [dialog.child.itemText(i) for i in range(dialog.child.count())] == [
        "Whole family (no one child)",
        "Max Smithson",
    ]
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_2)
    assert dialog.activity.itemText(1) == "Support plan or SEN support review"
    dialog.save()
    assert dialog.family_id == smith
    assert support_log.count_entries(session, EntryFilter(family_id=smith)) == 1


def test_typed_text_survives_a_locked_casebook(qtbot, ctx, session, smith) -> None:
    dialog = open_dialog(qtbot, ctx, smith)
    dialog.select_domain(Domain.FAMILY_WELLBEING)
    dialog.note.setPlainText("Half-typed note")
    ctx.set_session(None)
    assert dialog.save() is None
    assert dialog.errors.general.text() == "The casebook is locked."
    assert dialog.note.toPlainText() == "Half-typed note"
    ctx.set_session(session)
    assert dialog.save() is not None


def test_scotland_shows_asn_and_digits_in_fields_are_typed_not_shortcuts(qtbot, data_dir, clock) -> None:
    from conftest import PASSPHRASE, setting_details

    from setting_app.services.casebook import create_casebook
    from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF

    scot = create_casebook(
        data_dir,
        setting_details(Nation.SCOTLAND),
        "manager",
        "Mina",
        PASSPHRASE,
        kdf=TEST_ONLY_FAST_KDF,
        clock=clock,
    ).session
    try:
        ctx = AppContext(scot, clock)
        families.add_family(scot, NewFamily("ED-1", date(2025, 1, 6)))
        dialog = open_dialog(qtbot, ctx)
        assert "Inclusion and ASN" in dialog.domain_buttons[Domain.INCLUSION_SEND].text()
        qtbot.keyClicks(dialog.family, "ED-1")
        assert dialog.family.text() == "ED-1"  # "1" was typed into the field, not taken as a domain key
        assert dialog.domain is None
        dialog.note.setFocus()
        qtbot.keyClicks(dialog.note, "12")
        assert dialog.note.toPlainText() == "12" and dialog.domain is None
    finally:
        scot.close()


def test_date_field_moves_by_day_with_arrow_keys_and_reads_relative_follow_ups(qtbot, ctx, smith) -> None:
    dialog = open_dialog(qtbot, ctx, smith)
    dialog.entry_date.setFocus()
    qtbot.keyClick(dialog.entry_date, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.entry_date, Qt.Key.Key_Down)
    assert dialog.entry_date.text() == "21/11/2026"
    dialog.follow_up.setText("+1w")
    dialog.select_domain(Domain.CHILD_DEVELOPMENT)
    entry = dialog.save()
    assert entry is not None
    assert (entry.entry_date, entry.follow_up_on) == (date(2026, 11, 21), date(2026, 11, 28))
    assert dialog.entry_date.text() == "21/11/2026"  # kept for the next entry

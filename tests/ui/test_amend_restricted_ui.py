"""Amending, history and restricted records in the app: family page, dialogs, quick log, Log and Referrals."""

from __future__ import annotations

from datetime import date

import pytest

from PySide6.QtCore import Qt

from setting_app.domain.codes import Consent, Domain, ReferralStatus, ServiceCategory
from setting_app.domain.models import NewEntry, NewFamily
from setting_app.domain.referrals import NewTrackedReferral
from setting_app.services import audit, families, referrals, support_log
from setting_app.services.casebook import unlock
from setting_app.services.staff import add_user
from setting_app.storage.audit_repo import AuditFilter
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF

from setting_app.ui.context import AppContext
from setting_app.ui.dialogs.amend_entry_dialog import AmendEntryDialog, EntryHistoryDialog
from setting_app.ui.dialogs.quick_log_dialog import QuickLogDialog
from setting_app.ui.dialogs.restricted_reason_dialog import RestrictedReasonDialog
from setting_app.ui.models.chronology_model import HIDDEN_TEXT, ChronologyModel
from setting_app.ui.models.entry_table_model import RESTRICTED_NOTE, EntryTableModel
from setting_app.ui.screens.family_page import FamilyPageScreen
from setting_app.ui.screens.referrals import ReferralsScreen

PAT = "practitioner passphrase 1"
DAY = date(2026, 11, 2)


@pytest.fixture
def ctx(session, clock, qtbot) -> AppContext:
    return AppContext(session, clock)


@pytest.fixture
def book(session) -> dict:
    family = families.add_family(session, NewFamily("FAM-0042", date(2026, 1, 5))).id
    plain = support_log.log_entry(
        session, NewEntry(family, DAY, Domain.FAMILY_WELLBEING, 20, note="Chat at pick-up about sleep.")
    )
    secret = support_log.log_entry(
        session,
        NewEntry(
            family, DAY, Domain.FAMILY_WELLBEING, 15, note="Disclosure Harrowgate noted.", restricted=True
        ),
    )
    referral = referrals.make_referral(
        session,
        NewTrackedReferral(
            family_id=family,
            service_name="Harrowgate social care",
            service_category=ServiceCategory.SOCIAL_CARE,
            domain=Domain.FAMILY_WELLBEING,
            made_on=DAY,
            consent=Consent.GIVEN,
            status=ReferralStatus.DRAFT,
            reason="Worry about home",
            restricted=True,
        ),
    )
    return {"family": family, "plain": plain, "secret": secret, "referral": referral}


def make_page(qtbot, ctx: AppContext) -> FamilyPageScreen:
    page = FamilyPageScreen(ctx)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    return page


def row_of(page: FamilyPageScreen, kind: str, record_id: int) -> int:
    return next(i for i, item in enumerate(page.model.items) if item.key == (kind, record_id))


def cell(page: FamilyPageScreen, row: int, column: int) -> str:
    return page.model.data(page.model.index(row, column))


def view_rows(session, family: int) -> int:
    rows = audit.list_audit(session, AuditFilter(action=audit.VIEW_FAMILY, family_id=family))
    return len(rows)


def test_opening_a_family_is_audited_once_not_per_refresh(qtbot, ctx, session, book) -> None:
    page = make_page(qtbot, ctx)
    page.show_family(book["family"])
    page.refresh()
    ctx.data_changed.emit("entries")
    assert view_rows(session, book["family"]) == 1
    page.show_family(book["family"])
    assert view_rows(session, book["family"]) == 2


def test_restricted_rows_are_hidden_until_a_manager_gives_a_reason(qtbot, ctx, session, book) -> None:
    page = make_page(qtbot, ctx)
    page.show_family(book["family"])
    row = row_of(page, "entry", book["secret"].id)
    assert cell(page, row, ChronologyModel.TYPE) == "Direct (restricted)"
    assert cell(page, row, ChronologyModel.NOTE) == HIDDEN_TEXT
    referral_row = row_of(page, "referral", book["referral"].id)
    assert cell(page, referral_row, ChronologyModel.WHAT) == "Restricted referral"
    page.table.selectRow(row)
    assert "Harrowgate" not in page.detail.toPlainText()
    assert page.open_restricted_button.isEnabled() and not page.amend_button.isEnabled()

    dialog = page.open_restricted()
    assert isinstance(dialog, RestrictedReasonDialog)
    assert not dialog.confirm()  # no reason chosen: refused, dialog stays
    assert "choose why" in dialog.errors.message_for("reason")
    assert audit.list_audit(session, AuditFilter(action=audit.VIEW_RESTRICTED)) == []
    dialog.choose("supervision")
    assert dialog.confirm()
    assert cell(page, row, ChronologyModel.NOTE) == "Disclosure Harrowgate noted."
    assert "Harrowgate" in page.detail.toPlainText() and "RESTRICTED" in page.detail.toPlainText()
    [opened] = audit.list_audit(session, AuditFilter(action=audit.VIEW_RESTRICTED))
    assert (opened.object_type, opened.object_id, opened.detail) == (
        "entry",
        book["secret"].id,
        "supervision",
    )
    # A refresh keeps it open; a new opening of the family asks again.
    page.refresh()
    assert cell(page, row, ChronologyModel.NOTE) == "Disclosure Harrowgate noted."
    page.show_family(book["family"])
    assert cell(page, row, ChronologyModel.NOTE) == HIDDEN_TEXT


def test_a_practitioner_sees_no_restricted_row_anywhere(qtbot, session, clock, data_dir, book) -> None:
    add_user(session, "pat", "practitioner", PAT, kdf=TEST_ONLY_FAST_KDF)
    pat = unlock(data_dir, "pat", PAT)
    pat.clock = clock
    ctx = AppContext(pat, clock)
    page = make_page(qtbot, ctx)
    page.show_family(book["family"])
    assert [item.key for item in page.model.items] == [("entry", book["plain"].id)]
    assert page.summary_label.text().startswith("1 entry")
    log = EntryTableModel(ctx)
    log.refresh()
    assert log.rowCount() == 1
    board = ReferralsScreen(ctx)
    qtbot.addWidget(board)
    board.refresh()
    assert board.model.referrals() == []
    pat.close()


def test_amend_from_the_family_page_keeps_history_and_typed_text(qtbot, ctx, session, book) -> None:
    page = make_page(qtbot, ctx)
    page.show_family(book["family"])
    row = row_of(page, "entry", book["plain"].id)
    page.table.selectRow(row)
    assert page.amend_button.isEnabled() and not page.history_button.isEnabled()
    dialog = page.amend_entry()
    assert isinstance(dialog, AmendEntryDialog)
    dialog.note.setPlainText("Chat at pick-up about sleep and the new baby.")
    dialog.minutes.setValue(25)
    assert dialog.save() is None  # no reason: refused, everything typed stays
    assert "Reason" in dialog.errors.message_for("reason")
    assert dialog.note.toPlainText() == "Chat at pick-up about sleep and the new baby."
    dialog.entry_date.setText("31/02/2026")
    assert dialog.save() is None and dialog.errors.message_for("date")
    dialog.entry_date.setText("02/11/2026")
    dialog.reason.setText("Note finished after the call")
    saved = dialog.save()
    assert saved is not None and saved.version == 2
    row = row_of(page, "entry", book["plain"].id)
    assert cell(page, row, ChronologyModel.TYPE) == "Direct (amended)"
    page.table.selectRow(row)
    assert "Amended: version 2" in page.detail.toPlainText()
    assert page.history_button.isEnabled()
    history = page.show_history()
    assert isinstance(history, EntryHistoryDialog)
    text = history.view.toPlainText()
    assert "Version 2 (current)" in text and "Version 1" in text
    assert "Chat at pick-up about sleep." in text and "Note finished after the call" in text
    assert "Mina Manager" in text
    rows = audit.list_audit(session, AuditFilter(action=audit.AMEND))
    assert [r.detail for r in rows] == ["changed: minutes, note"]


def test_manager_rectifies_from_the_amend_dialog(qtbot, ctx, session, book) -> None:
    dialog = AmendEntryDialog(ctx, book["plain"])
    qtbot.addWidget(dialog)
    assert dialog.rectify_box is not None
    dialog.remove_text.setText("about sleep")
    dialog.replace_text.setText("[removed]")
    assert dialog.rectify() is None  # a reason is needed
    dialog.reason.setText("Wrong family")
    saved = dialog.rectify()
    assert saved is not None and saved.note == "Chat at pick-up [removed]."


def test_practitioner_amend_dialog_has_no_rectify(qtbot, session, clock, data_dir, book) -> None:
    add_user(session, "pat", "practitioner", PAT, kdf=TEST_ONLY_FAST_KDF)
    pat = unlock(data_dir, "pat", PAT)
    ctx = AppContext(pat, clock)
    page = make_page(qtbot, ctx)
    page.show_family(book["family"])
    page.table.selectRow(0)  # the manager's entry: a practitioner may not amend it
    assert not page.amend_button.isEnabled()
    dialog = AmendEntryDialog(ctx, book["plain"])
    qtbot.addWidget(dialog)
    assert dialog.rectify_box is None
    dialog.minutes.setValue(30)
    dialog.reason.setText("Typo")
    assert dialog.save() is None and "person who logged" in dialog.errors.general.text()
    pat.close()


def test_mark_restricted_from_the_page_and_lift(qtbot, ctx, session, book) -> None:
    page = make_page(qtbot, ctx)
    page.show_family(book["family"])
    page.table.selectRow(row_of(page, "entry", book["plain"].id))
    assert page.restrict_button.text().replace("&", "") == "Mark restricted"
    page.toggle_restricted()
    assert support_log.get_entry(session, book["plain"].id).restricted
    row = row_of(page, "entry", book["plain"].id)
    assert (
        cell(page, row, ChronologyModel.NOTE) == "Chat at pick-up about sleep."
    )  # still open for the marker
    page.table.selectRow(row)
    assert page.restrict_button.text().replace("&", "") == "Lift restriction"
    page.toggle_restricted()
    assert not support_log.get_entry(session, book["plain"].id).restricted


def test_quick_log_restricted_checkbox(qtbot, ctx, session, book) -> None:
    dialog = QuickLogDialog(ctx, book["family"])
    qtbot.addWidget(dialog)
    dialog.select_domain(Domain.FAMILY_WELLBEING)
    dialog.note.setPlainText("Worry shared by dad")
    dialog.restricted.setChecked(True)
    saved = dialog.save()
    assert saved is not None and saved.restricted
    assert "only managers" in dialog.status.text() and not dialog.restricted.isChecked()


def test_log_list_and_referral_board_hide_restricted_text_for_managers(qtbot, ctx, session, book) -> None:
    log = EntryTableModel(ctx)
    log.refresh()
    rows = {log.record(r).id: r for r in range(log.rowCount())}
    secret_row = rows[book["secret"].id]
    assert log.data(log.index(secret_row, EntryTableModel.NOTE)) == RESTRICTED_NOTE
    assert log.data(log.index(secret_row, EntryTableModel.KIND)) == "Direct (restricted)"
    assert "Harrowgate" not in str(
        log.data(log.index(secret_row, EntryTableModel.NOTE), Qt.ItemDataRole.ToolTipRole)
    )

    board = ReferralsScreen(ctx)
    qtbot.addWidget(board)
    board.refresh()
    board.select_referral(book["referral"].id)
    assert "Harrowgate" not in board.details.toPlainText()
    assert board.restricted_button.isEnabled() and not board.edit_button.isEnabled()
    dialog = board.open_restricted()
    dialog.choose("safeguarding")
    assert dialog.confirm()
    assert "Harrowgate social care (restricted)" in board.details.toPlainText()
    assert board.edit_button.isEnabled()
    [opened] = audit.list_audit(session, AuditFilter(action=audit.VIEW_RESTRICTED))
    assert (opened.object_type, opened.detail) == ("referral", "safeguarding")

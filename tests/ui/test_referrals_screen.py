"""The Referrals screen, its dialogs and the dashboard's referrals panel, with real widgets offscreen."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from setting_app.domain.codes import Consent, Domain, ReferralStatus, Role, ServiceCategory
from setting_app.domain.models import Carer, NewChild, NewFamily
from setting_app.domain.referrals import LawfulBasis, NewTrackedReferral, Route, SharingDecision
from setting_app.services import families, info_sharing, service_directory
from setting_app.services import referrals as R
from setting_app.services.session import Session
from setting_app.storage import sharing_repo, staff_repo
from setting_app.storage.unit_of_work import unit_of_work
from tests.test_agreements import cover_all

from setting_app.ui.context import AppContext
from setting_app.ui.dialogs.chase_dialog import ChaseDialog
from setting_app.ui.dialogs.referral_dialog import ReferralDialog
from setting_app.ui.dialogs.referral_status_dialog import ReferralStatusDialog
from setting_app.ui.dialogs.service_dialog import ServiceDialog
from setting_app.ui.dialogs.sharing_decision_dialog import SharingDecisionDialog
from setting_app.ui.models.referral_table_model import (
    OVERDUE_BACKGROUND,
    RECORD_ROLE,
    ReferralTableModel,
    StatusGroup,
)
from setting_app.ui.screens.referrals import ReferralsScreen
from setting_app.ui.widgets.referrals_due_panel import ReferralsDuePanel

S = ReferralStatus
HSDS = Path(__file__).parent.parent / "fixtures" / "hsds"


@pytest.fixture
def ctx(session, clock, qtbot) -> AppContext:
    return AppContext(session, clock)


@pytest.fixture
def board(session) -> dict[str, int]:
    """Two families and four referrals: one overdue, one due today, one draft, one completed."""
    cover_all(session)  # sending now names the data-sharing agreement that covers it
    service_directory.import_directory(session, HSDS / "eastbrook_services.json")
    fam1 = families.add_family(
        session,
        NewFamily(
            "FAM-0001",
            date(2026, 1, 5),
            (Carer("Jo Green", "mother"),),
            children=(NewChild("Ava Green", date(2023, 3, 1)),),
        ),
    )
    fam2 = families.add_family(session, NewFamily("FAM-0002", date(2026, 2, 1), (Carer("Sam Blue"),)))
    food = service_directory.find_service(session, "Eastbrook Community Food Bank")
    slt = service_directory.find_service(session, "Children's Speech and Language Therapy")
    # The directory gives no terms for these two: a manager confirms the suggested categories first.
    money = service_directory.find_service(session, "Money Matters Advice Line")
    slt, _money = service_directory.confirm_categories(session, [slt.id, money.id])

    def make(family, service, made_on, **extra):
        fields = {
            "consent": Consent.GIVEN,
            "consent_given_by": "Jo Green (mother)",
            "consent_given_on": made_on,
            "consent_scope": "Contact details and the reason, to the service",
            **extra,
        }
        return R.make_referral(
            session,
            NewTrackedReferral(
                family_id=family.id,
                service_name=service.name,
                service_category=service.category,
                domain=service.domain,
                made_on=made_on,
                service_id=service.id,
                **fields,
            ),
        )

    ava = families.list_children(session, fam1.id)[0]
    overdue = make(
        fam1, slt, date(2026, 10, 20), status=S.SENT, reason="Few words at 3", child_id=ava.id
    )  # due 3 Nov
    due_today = make(fam2, food, date(2026, 11, 9), status=S.SENT)  # due 23 Nov (today)
    draft = make(fam2, food, date(2026, 11, 20), consent=Consent.NOT_GIVEN)
    done = make(fam1, food, date(2026, 10, 1), status=S.SENT)
    R.change_status(session, done.id, S.ACCEPTED, on=date(2026, 10, 2))
    R.change_status(session, done.id, S.COMPLETED, on=date(2026, 10, 9))
    return {
        "overdue": overdue.id,
        "due_today": due_today.id,
        "draft": draft.id,
        "done": done.id,
        "fam1": fam1.id,
    }


def _screen(qtbot, ctx) -> ReferralsScreen:
    screen = ReferralsScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1280, 720)
    screen.show()
    screen.refresh()
    return screen


def _cell(model, row: int, column: int, role=Qt.ItemDataRole.DisplayRole):
    return model.data(model.index(row, column), role)


def _row_texts(screen: ReferralsScreen) -> list[str]:
    model = screen.model
    return [" | ".join(str(_cell(model, r, c) or "") for c in range(3)) for r in range(model.rowCount())]


# ---------------------------------------------------------------- the model, without a window


def test_table_model_groups_by_status_and_marks_overdue_in_words_and_colour(session, board) -> None:
    model = ReferralTableModel()
    model.set_referrals(R.list_referrals(session), date(2026, 11, 23))
    groups = [model.group_at(r) for r in model.header_rows()]
    assert [(g.status, g.count, g.due, g.overdue) for g in groups] == [(S.DRAFT, 1, 0, 0), (S.SENT, 2, 2, 1)]
    assert groups[1].title == "Sent: 2 referrals (1 overdue, 1 due today)"
    sent_rows = [r for r in range(model.rowCount()) if (x := model.referral_at(r)) and x.status is S.SENT]
    first, second = sent_rows
    assert model.referral_at(first).id == board["overdue"]  # most overdue first
    assert _cell(model, first, ReferralTableModel.FOLLOW_UP) == "OVERDUE 20 days (03/11/2026)"
    assert (
        _cell(model, first, ReferralTableModel.STATUS, Qt.ItemDataRole.BackgroundRole).color()
        == OVERDUE_BACKGROUND
    )
    assert _cell(model, second, ReferralTableModel.FOLLOW_UP) == "Due today (23/11/2026)"
    assert _cell(model, first, ReferralTableModel.CHILD) == "Ava Green"
    assert _cell(model, first, 0, RECORD_ROLE).id == board["overdue"]
    header = model.header_rows()[0]
    assert not model.flags(model.index(header, 0)) & Qt.ItemFlag.ItemIsSelectable
    assert isinstance(model.group_at(header), StatusGroup)
    # Ungrouped: just the referrals.
    model.set_referrals(R.list_referrals(session), date(2026, 11, 23), grouped=False)
    assert model.header_rows() == [] and model.rowCount() == 3


# ---------------------------------------------------------------- the screen


def test_board_shows_what_needs_chasing_and_filters(qtbot, ctx, board) -> None:
    screen = _screen(qtbot, ctx)
    assert screen.summary.text() == "To chase today: 2 (1 overdue)"
    rows = _row_texts(screen)
    assert rows[0].startswith("Draft: 1 referral")
    assert any("OVERDUE 20 days" in row and "FAM-0001" in row for row in rows)
    assert not any(str(board["done"]) == str(r.id) for r in screen.model.referrals())  # closed: hidden

    screen.domain_filter.setCurrentIndex(screen.domain_filter.findData(Domain.INCLUSION_SEND))
    assert [r.id for r in screen.model.referrals()] == [board["overdue"]]
    screen.domain_filter.setCurrentIndex(0)
    food = service_directory.find_service(ctx.session, "Eastbrook Community Food Bank")
    screen.service_filter.setCurrentIndex(screen.service_filter.findData(food.id))
    assert {r.id for r in screen.model.referrals()} == {board["due_today"], board["draft"]}
    screen.service_filter.setCurrentIndex(0)
    screen.show_filter.setCurrentIndex(1)  # to chase today
    assert [r.id for r in screen.model.referrals()] == [board["overdue"], board["due_today"]]
    screen.show_filter.setCurrentIndex(2)  # closed
    assert [r.id for r in screen.model.referrals()] == [board["done"]]

    screen.select_referral(board["done"])
    details = screen.details.toPlainText()
    assert "Completed" in details and "Accepted" in details and "Jo Green (mother)" in details
    assert not screen.chase_button.isEnabled() and not screen.edit_button.isEnabled()


def test_new_referral_dialog_saves_a_draft_then_sends_with_consent(qtbot, ctx, board) -> None:
    screen = _screen(qtbot, ctx)
    dialog = screen.new_referral(board["fam1"])
    assert isinstance(dialog, ReferralDialog)
    dialog.service.setCurrentIndex(
        dialog.service.findText("Money Matters Advice Line (Eastbrook Advice Centre)")
    )
    dialog._on_service_chosen(dialog.service.currentIndex())
    assert dialog.category.currentData() == ServiceCategory.DEBT_BENEFITS
    assert dialog.domain.currentData() == Domain.FINANCIAL_HARDSHIP
    dialog.child.setCurrentIndex(dialog.child.findText("Ava Green"))
    assert dialog.carer.itemText(0) == "Not about one carer"
    dialog.carer.setCurrentIndex(dialog.carer.findText("Jo Green"))  # which carer it is about (issue 16)
    dialog.reason.setPlainText("Council tax arrears")
    # Sending without consent is refused beside the consent field; the dialog keeps everything typed.
    assert dialog.save(send=True) is False
    assert "has not given consent" in dialog.errors.message_for("consent")
    assert dialog.isVisible() and dialog.reason.toPlainText() == "Council tax arrears"
    dialog.consent.setCurrentIndex(dialog.consent.findData(Consent.GIVEN))
    assert dialog.given_on.text() == "23/11/2026"  # defaults to the day it is made
    dialog.given_by.setText("Jo Green (mother)")
    assert dialog.scope.text().startswith("The family's details")
    assert dialog.save(send=True) is True
    saved = dialog.saved
    assert (
        saved.status is S.SENT
        and saved.child_name == "Ava Green"
        and saved.service_name == "Money Matters Advice Line"
        and saved.carer == "Jo Green"
    )
    assert sharing_repo.list_records(ctx.session.conn)[0].referral_id == saved.id
    assert saved.id in {r.id for r in screen.model.referrals()}  # the board refreshed itself


def test_a_practitioner_sees_the_override_refused_in_the_dialog(qtbot, session, clock, board) -> None:
    with unit_of_work(session.conn):
        user = staff_repo.add_staff(session.conn, "pat", "Pat Practitioner", Role.PRACTITIONER, clock.now())
    practitioner = Session(
        session.conn, user, session.setting, session.data_dir, clock, bytearray(session.data_key())
    )
    ctx = AppContext(practitioner, clock)
    dialog = ReferralDialog(ctx, referral=R.get_referral(session, board["draft"]))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.consent.setCurrentIndex(dialog.consent.findData(Consent.OVERRIDDEN))
    assert "Only a manager can override consent" in dialog.consent_hint.text()
    assert dialog.basis.isVisibleTo(dialog) and not dialog.given_by.isVisibleTo(dialog)
    dialog.basis.setCurrentIndex(dialog.basis.findData(LawfulBasis.LEGAL_OBLIGATION))
    dialog.rationale.setPlainText("Risk of harm")
    assert dialog.save() is False
    assert "Only a manager can override consent" in dialog.errors.general.text()
    assert R.get_referral(session, board["draft"]).consent is Consent.NOT_GIVEN


def test_status_dialog_offers_only_legal_moves_and_needs_a_reason(qtbot, ctx, board) -> None:
    screen = _screen(qtbot, ctx)
    screen.select_referral(board["overdue"])
    dialog = screen.change_status()
    assert isinstance(dialog, ReferralStatusDialog)
    offered = [S(dialog.status.itemData(i)) for i in range(dialog.status.count())]
    assert offered == [S.ACKNOWLEDGED, S.WAITLISTED, S.ACCEPTED, S.SEEN, S.DECLINED, S.WITHDRAWN]
    assert "Sent" in dialog.history.toPlainText()
    dialog.status.setCurrentIndex(dialog.status.findData(S.DECLINED))
    assert dialog.reason.isEnabled()
    assert dialog.save() is False
    assert "needs a reason" in dialog.errors.message_for("reason")
    dialog.reason.setCurrentIndex(dialog.reason.findText("Waiting list closed"))
    dialog.note.setPlainText("Service closed to new referrals until spring")
    assert dialog.save() is True
    assert R.get_referral(ctx.session, board["overdue"]).status is S.DECLINED
    assert board["overdue"] not in {r.id for r in screen.model.referrals()}


def test_chase_from_the_board_and_from_the_dashboard_panel(qtbot, ctx, board) -> None:
    panel = ReferralsDuePanel(ctx)
    qtbot.addWidget(panel)
    panel.refresh()
    assert [r.id for r in panel.referrals()] == [board["overdue"], board["due_today"]]
    first = panel.list.item(0)
    assert first.text().startswith("OVERDUE 20 days: FAM-0001\nChildren's Speech and Language Therapy")
    assert "no response" in first.text()
    assert first.background().color() == OVERDUE_BACKGROUND
    assert panel.title.text() == "Referrals to chase today: 2 (1 overdue)"

    dialog = panel.chase_selected()
    assert isinstance(dialog, ChaseDialog)
    assert dialog.next_due.text() == "07/12/2026"
    dialog.note.setPlainText("Rang the SLT admin line")
    assert dialog.save() is True
    assert [r.id for r in panel.referrals()] == [board["due_today"]]  # refreshed by data_changed

    screen = _screen(qtbot, ctx)
    screen.select_referral(board["due_today"])
    chase = screen.chase()
    chase.next_due.setText("+3")
    assert chase.save() is True
    assert R.get_referral(ctx.session, board["due_today"]).due_on == date(2026, 11, 26)
    assert panel.referrals() == [] and panel.empty.isVisibleTo(panel) and not panel.chase_button.isEnabled()
    assert screen.summary.text() == "Nothing to chase today"


def test_directory_tab_adds_edits_and_imports(qtbot, ctx, board) -> None:
    screen = _screen(qtbot, ctx)
    screen.tabs.setCurrentIndex(1)
    assert screen.service_model.rowCount() == 8
    dialog = screen.add_service()
    assert isinstance(dialog, ServiceDialog)
    assert dialog.save() is False and "is required" in dialog.errors.message_for("service name")
    dialog.name.setText("Eastbrook Library Rhyme Time")
    dialog.category.setCurrentIndex(dialog.category.findData(ServiceCategory.OTHER))
    dialog.email.setText("not an email")
    assert dialog.save() is False and "not an email address" in dialog.errors.message_for("email")
    dialog.email.setText("rhymetime@library.eastbrook.example.org")
    assert dialog.save() is True
    assert screen.service_model.rowCount() == 9
    # The import runs on a worker thread (a council's directory takes seconds); the screen says when done.
    with qtbot.waitSignal(screen.directory_imported, timeout=20000) as done:
        assert screen.import_directory(HSDS / "csv") is True
        assert not screen.import_button.isEnabled() and "Importing" in screen.directory_status.text()
    assert done.args == [True] and screen.import_button.isEnabled()
    assert "2 added, 1 updated, 1 unchanged, 1 skipped" in screen.directory_status.text()
    assert screen.service_model.rowCount() == 11
    # The service filter on the board knows the new services.
    assert screen.service_filter.findText("Little Steps Baby Bank") > 0


def test_sharing_tab_lists_shares_and_records_a_refusal(qtbot, ctx, board) -> None:
    screen = _screen(qtbot, ctx)
    screen.tabs.setCurrentIndex(2)
    assert screen.sharing_model.rowCount() == 3  # three referrals were sent
    dialog = screen.record_not_shared()
    assert isinstance(dialog, SharingDecisionDialog)
    dialog.recipient.setText("Caller saying they are an aunt")
    dialog.what.setPlainText("Whether Ava attends")
    dialog.purpose.setPlainText("Wanted to collect her")
    assert dialog.save() is False and "needs its reasons" in dialog.errors.message_for("reason")
    dialog.reason.setPlainText("Not a named contact; identity not confirmed")
    assert dialog.save() is True
    assert screen.sharing_model.rowCount() == 4
    [latest] = [r for r in info_sharing.list_sharing(ctx.session) if r.decision is SharingDecision.NOT_SHARED]
    assert latest.recorded_by == ctx.user.id


def test_signposting_in_the_dialog_needs_no_consent(qtbot, ctx, board) -> None:
    dialog = ReferralDialog(ctx, family_id=board["fam1"])
    qtbot.addWidget(dialog)
    dialog.service.setEditText("Eastbrook Library Rhyme Time")
    dialog.category.setCurrentIndex(dialog.category.findData(ServiceCategory.OTHER))
    dialog.route.setCurrentIndex(dialog.route.findData(Route.SIGNPOSTED))
    assert "no consent is needed" in dialog.consent_hint.text()
    assert dialog.save(send=True) is True
    assert dialog.saved.route is Route.SIGNPOSTED and dialog.saved.status is S.SENT
    assert service_directory.find_service(ctx.session, "Eastbrook Library Rhyme Time") is not None


def test_screenshot_of_the_board(qtbot, ctx, board, tmp_path) -> None:
    screen = _screen(qtbot, ctx)
    screen.select_referral(board["due_today"])  # the overdue row stays unselected, so its tint shows
    qtbot.wait(10)
    image = screen.grab().toImage()
    target = Path(os.environ.get("REFERRALS_SCREENSHOT_DIR", tmp_path)) / "referrals-board.png"
    assert image.save(str(target))
    assert image.width() >= 1200
    # The overdue row's tint is really painted somewhere on the board.
    colours = {
        QColor(image.pixel(x, y)).name()
        for x in range(0, image.width(), 7)
        for y in range(0, image.height(), 5)
    }
    assert OVERDUE_BACKGROUND.name() in colours


def test_header_clicks_sort_each_status_in_sql_and_keep_the_selected_referral(qtbot, ctx, board) -> None:
    from PySide6.QtCore import QPoint

    screen = _screen(qtbot, ctx)
    table, model = screen.table, screen.model
    header = table.horizontalHeader()

    def click(column: int) -> None:
        qtbot.mouseClick(
            header.viewport(),
            Qt.MouseButton.LeftButton,
            pos=QPoint(header.sectionViewportPosition(column) + 5, 5),
        )

    def sent_ids() -> list[int]:
        return [r.id for r in model.referrals() if r.status == S.SENT]

    assert header.isSortIndicatorShown() and header.sortIndicatorSection() == model.FOLLOW_UP
    assert sent_ids() == [board["overdue"], board["due_today"]]  # the most pressing first
    screen.select_referral(board["overdue"])
    groups_before = [model.group_at(r).status for r in model.header_rows()]
    click(model.MADE)  # dates start newest first
    assert model.sort_indicator == (model.MADE, Qt.SortOrder.DescendingOrder)
    assert header.sortIndicatorSection() == model.MADE
    assert sent_ids() == [board["due_today"], board["overdue"]]
    assert [model.group_at(r).status for r in model.header_rows()] == groups_before  # still by status
    assert screen.selected_referral().id == board["overdue"]  # the same referral, at its new row
    click(model.MADE)
    assert sent_ids() == [board["overdue"], board["due_today"]]
    click(model.FAMILY)
    assert model.sort_indicator == (model.FAMILY, Qt.SortOrder.AscendingOrder)
    assert [r.family_ref for r in model.referrals() if r.status == S.SENT] == ["FAM-0001", "FAM-0002"]
    click(model.SERVICE)  # a label from the directory: not sortable, nothing changes
    assert model.sort_indicator == (model.FAMILY, Qt.SortOrder.AscendingOrder)


def test_the_board_refuses_a_sort_it_does_not_know() -> None:
    from setting_app.storage.referral_repo import ReferralSort

    with pytest.raises(ValueError):
        ReferralSort("r.notes")

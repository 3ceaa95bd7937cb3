"""Records → Agreements, the agreement dialog and the dashboard's review panel, with real widgets offscreen."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from datetime import date, timedelta

import pytest

from PySide6.QtCore import Qt

from setting_app.domain.agreements import AgreementParty
from setting_app.domain.codes import Consent, Domain, ServiceCategory
from setting_app.domain.models import NewFamily
from setting_app.domain.referrals import NewTrackedReferral
from setting_app.services import agreements as A
from setting_app.services import families
from setting_app.services import referrals as R
from tests.conftest import TODAY
from tests.test_agreements import new_agreement

from setting_app.ui.context import AppContext
from setting_app.ui.dialogs.agreement_dialog import AgreementDialog
from setting_app.ui.dialogs.referral_status_dialog import ReferralStatusDialog
from setting_app.ui.screens.agreements_tab import AgreementsTab
from setting_app.ui.widgets.agreements_due_panel import AgreementsDuePanel


@pytest.fixture
def ctx(session, clock) -> AppContext:
    return AppContext(session, clock)


def _draft(session, service: str = "Town Housing", category=ServiceCategory.HOUSING):
    family = families.add_family(session, NewFamily(f"FAM-{service.replace(' ', '')[:14]}", date(2026, 1, 5)))
    return R.make_referral(
        session,
        NewTrackedReferral(
            family_id=family.id,
            service_name=service,
            service_category=category,
            domain=Domain.FINANCIAL_HARDSHIP,
            made_on=TODAY - timedelta(days=2),
            consent=Consent.GIVEN,
            consent_given_by="A Carer",
            consent_given_on=TODAY - timedelta(days=2),
            consent_scope="Contact details",
        ),
    )


def test_tab_lists_agreements_the_shares_each_covers_and_shares_without_one(
    qtbot, ctx, session, tmp_path
) -> None:
    hub = A.add_agreement(session, new_agreement())
    A.add_agreement(
        session,
        new_agreement(
            title="Old agreement",
            review_on=TODAY - timedelta(days=5),
            parties=(AgreementParty("Baby Bank", "voluntary_sector", "food_essentials"),),
        ),
    )
    covered = _draft(session, "Eastbrook Family Hub", ServiceCategory.FAMILY_HUB)
    R.change_status(session, covered.id, "sent")
    uncovered = _draft(session)
    R.change_status(session, uncovered.id, "sent", no_agreement_reason="Housing team has not signed yet")

    tab = AgreementsTab(ctx)
    qtbot.addWidget(tab)
    tab.show()
    tab.refresh()
    assert tab.table.rowCount() == 2
    statuses = {tab.table.item(r, 1).text(): tab.table.item(r, 3).text() for r in range(2)}
    assert statuses == {
        "Eastbrook early help sharing agreement": "in force",
        "Old agreement": "review overdue",
    }
    tab.select(hub.id)
    details = tab.details.toPlainText()
    assert "Shares it covers: 1" in details and "FAM-EastbrookFami" in details and "Public task" in details
    assert tab.missing.rowCount() == 1
    assert tab.missing.item(0, 4).text() == "Housing team has not signed yet"
    assert tab.missing.item(0, 2).text() == "Town Housing"

    # Attach the signed copy (the file chooser answered by the test), save it back out.
    signed = tmp_path / "signed.pdf"
    signed.write_bytes(b"%PDF-1.4 signed")
    assert not tab.save_doc_button.isEnabled()
    assert tab.attach_document(signed)
    assert tab.selected().document_name == "signed.pdf" and tab.save_doc_button.isEnabled()
    back = tab.save_document(tmp_path / "back.pdf")
    assert back is not None and back.read_bytes() == signed.read_bytes()
    assert not tab.attach_document(tmp_path / "missing.pdf")
    assert "there is no file" in tab.status.text()


def test_dialog_adds_an_agreement_and_shows_problems_beside_their_fields(qtbot, ctx, session) -> None:
    tab = AgreementsTab(ctx)
    qtbot.addWidget(tab)
    tab.refresh()
    dialog = tab.add_agreement()
    assert isinstance(dialog, AgreementDialog)
    dialog.title.setText("Food bank agreement")
    dialog.purpose.setPlainText("Vouchers")
    dialog.data_items.setPlainText("Names and household size")
    dialog.retention.setPlainText("One year")
    dialog.security.setPlainText("Phone only")
    dialog.lawful_basis.setCurrentIndex(dialog.lawful_basis.findData("consent"))
    dialog.review_on.setText("01/01/2026")  # before the start (today)
    assert not dialog.save()
    assert "Parties" in dialog.errors.message_for("parties")
    assert not dialog.add_party()  # no name typed
    dialog.party_name.setText("Eastbrook Food Bank")
    dialog.party_type.setCurrentIndex(dialog.party_type.findData("voluntary_sector"))
    dialog.party_category.setCurrentIndex(dialog.party_category.findData("food_essentials"))
    assert dialog.add_party() and dialog.party_list.count() == 1
    assert not dialog.save()
    assert "must be after the start date" in dialog.errors.message_for("review date")
    assert A.list_agreements(session) == []
    dialog.review_on.setText("01/11/2027")
    with qtbot.waitSignal(ctx.data_changed):
        assert dialog.save()
    [saved] = A.list_agreements(session)
    assert saved.parties[0].service_category is ServiceCategory.FOOD_ESSENTIALS
    assert tab.table.rowCount() == 1 and tab.selected_id() == saved.id

    changing = tab.edit_agreement()
    assert changing.title.text() == "Food bank agreement" and changing.party_list.count() == 1
    changing.title.setText("Food bank agreement (2027)")
    assert changing.save()
    assert A.get_agreement(session, saved.id).title == "Food bank agreement (2027)"


def test_due_panel_lists_due_and_overdue_but_not_ended_and_opens_the_tab(qtbot, ctx, session) -> None:
    A.add_agreement(session, new_agreement(title="Far off", review_on=TODAY + timedelta(days=90)))
    due = A.add_agreement(session, new_agreement(title="Due soon", review_on=TODAY + timedelta(days=7)))
    late = A.add_agreement(session, new_agreement(title="Late", review_on=TODAY - timedelta(days=2)))
    A.add_agreement(
        session, replace(new_agreement(title="Ended", review_on=date(2026, 6, 1)), ends_on=date(2026, 7, 1))
    )
    panel = AgreementsDuePanel(ctx)
    qtbot.addWidget(panel)
    panel.show()
    panel.refresh()
    assert panel.agreement_ids() == [late.id, due.id]
    assert "REVIEW OVERDUE 2 days" in panel.list.item(0).text()
    assert "Review due in 7 days" in panel.list.item(1).text()
    assert panel.title.text() == "Agreements to review: 2 (1 overdue)"
    with qtbot.waitSignal(ctx.navigate_requested) as went:
        qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    assert went.args == ["records"]


def test_status_dialog_names_the_covering_agreement_or_asks_why_there_is_none(qtbot, ctx, session) -> None:
    draft = _draft(session)
    dialog = ReferralStatusDialog(ctx, R.get_referral(session, draft.id))
    qtbot.addWidget(dialog)
    dialog.status.setCurrentIndex(dialog.status.findData("sent"))
    assert not dialog.agreement.isVisibleTo(dialog) or dialog.agreement.count() == 1
    assert dialog.no_agreement_reason.isVisibleTo(dialog)
    assert not dialog.save()
    assert "say why" in dialog.errors.message_for("reason for no agreement")
    dialog.no_agreement_reason.setPlainText("The housing team has no agreement with us yet")
    assert dialog.save()
    [record] = A.shares_without_agreement(session)
    assert record.no_agreement_reason == "The housing team has no agreement with us yet"

    housing = A.add_agreement(
        session,
        new_agreement(parties=(AgreementParty("Town Housing", "local_authority", "housing"),)),
    )
    second = _draft(session, "Town Housing Two", ServiceCategory.HOUSING)
    dialog = ReferralStatusDialog(ctx, R.get_referral(session, second.id))
    qtbot.addWidget(dialog)
    dialog.status.setCurrentIndex(dialog.status.findData("sent"))
    assert dialog.agreement.currentData() == housing.id
    assert dialog.save()
    assert [r.referral_id for r in A.shares_covered(session, housing.id)] == [second.id]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_make_a_template_from_the_tab(qtbot, ctx, session, tmp_path) -> None:
    A.add_agreement(session, new_agreement())
    tab = AgreementsTab(ctx)
    qtbot.addWidget(tab)
    tab.refresh()
    written = tab.make_template(tmp_path / "template.pdf")
    assert written is not None, tab.status.text()
    text = subprocess.run(["pdftotext", str(written), "-"], capture_output=True, text=True, check=True).stdout
    assert "Little Acorns Nursery" in text and "Eastbrook Family Hub" in text


def test_new_referral_sent_with_no_covering_agreement_asks_why_and_keeps_the_answer(
    qtbot, ctx, session
) -> None:
    from setting_app.storage import sharing_repo

    from setting_app.ui.dialogs.referral_dialog import ReferralDialog

    family = families.add_family(session, NewFamily("FAM-0001", date(2026, 1, 5)))
    asked: list[str] = []
    answer: list[str | None] = [None]

    def ask(_parent, problem: str) -> str | None:
        asked.append(problem)
        return answer[0]

    dialog = ReferralDialog(ctx, family_id=family.id, ask_reason=ask)
    qtbot.addWidget(dialog)
    dialog.service.setEditText("Town Housing")
    dialog.category.setCurrentIndex(dialog.category.findData(ServiceCategory.HOUSING))
    dialog.consent.setCurrentIndex(dialog.consent.findData(Consent.GIVEN))
    dialog.given_by.setText("A Carer")
    dialog.scope.setText("Contact details, to the housing team")
    # Cancelled: nothing is saved, and the form says what to do.
    assert dialog.save(send=True) is False
    assert "no data-sharing agreement in force covers" in asked[0]
    message = dialog.errors.general.text()
    assert message.startswith("Not sent:") and "Change status" in message
    assert session.conn.execute("SELECT count(*) FROM referrals").fetchone()[0] == 0
    # Answered: sent, with the reason in the information-sharing record.
    answer[0] = "The family asked us to; the council has no agreement with this team yet"
    assert dialog.save(send=True) is True
    [share] = sharing_repo.list_records(session.conn)
    assert share.referral_id == dialog.saved.id and share.agreement_id is None
    assert share.no_agreement_reason == answer[0]


def test_new_referral_saved_as_draft_needs_no_agreement(qtbot, ctx, session) -> None:
    from setting_app.ui.dialogs.referral_dialog import ReferralDialog

    family = families.add_family(session, NewFamily("FAM-0001", date(2026, 1, 5)))
    dialog = ReferralDialog(ctx, family_id=family.id, ask_reason=lambda _p, _m: None)
    qtbot.addWidget(dialog)
    dialog.service.setEditText("Town Housing")
    dialog.category.setCurrentIndex(dialog.category.findData(ServiceCategory.HOUSING))
    assert dialog.save(send=False) is True  # a draft needs no agreement


def test_a_title_that_looks_like_html_is_shown_as_typed(qtbot, ctx, session) -> None:
    tab = AgreementsTab(ctx)
    qtbot.addWidget(tab)
    tab.refresh()
    tab.show_message('Saved agreement #1: <img src="file:///etc/passwd"> hub.')
    assert tab.status.textFormat() == Qt.TextFormat.PlainText
    assert tab.status.text().startswith("Saved agreement #1: <img")


def test_due_panel_says_when_an_agreement_ends(qtbot, ctx, session) -> None:
    ending = A.add_agreement(
        session,
        new_agreement(title="Pilot", review_on=TODAY + timedelta(days=90), ends_on=TODAY + timedelta(days=4)),
    )
    panel = AgreementsDuePanel(ctx)
    qtbot.addWidget(panel)
    panel.refresh()
    assert panel.agreement_ids() == [ending.id]
    assert panel.list.item(0).text().startswith("Ends in 4 days (27/11/2026): Pilot")
    assert "need a reason" in panel.list.item(0).text()


def test_due_panel_reminds_managers_of_the_yearly_self_evaluation(qtbot, ctx, session) -> None:
    from setting_app.domain.self_evaluation import INGREDIENT_CODES
    from setting_app.services import self_evaluation

    panel = AgreementsDuePanel(ctx)
    qtbot.addWidget(panel)
    panel.refresh()
    assert "No integration self-evaluation yet" in panel.self_evaluation_note.text()
    self_evaluation.record(session, dict.fromkeys(INGREDIENT_CODES, 3), completed_on="2025-10-01")
    ctx.data_changed.emit("self_evaluation")
    assert "is due: the last was completed on 01/10/2025, 13 months ago" in panel.self_evaluation_note.text()
    self_evaluation.record(session, dict.fromkeys(INGREDIENT_CODES, 3), completed_on="2026-11-01")
    ctx.data_changed.emit("self_evaluation")
    assert panel.self_evaluation_note.text() == "" and panel.self_evaluation_note.isHidden()

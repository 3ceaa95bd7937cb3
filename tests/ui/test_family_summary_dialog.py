"""Family summary…: a preview of the family-facing summary, or the reason it is withheld."""

from __future__ import annotations

import subprocess
from datetime import date

import pytest

from setting_app.domain.codes import Domain, Role
from setting_app.domain.models import Carer, NewEntry, NewFamily
from setting_app.services import audit, families, staff, support_log
from setting_app.services.casebook import unlock
from setting_app.storage import audit_repo
from setting_app.storage.audit_repo import AuditFilter
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import fixed_clock

from setting_app.ui.context import AppContext
from setting_app.ui.dialogs.family_summary_dialog import FamilySummaryDialog
from setting_app.ui.screens.family_page import FamilyPageScreen


@pytest.fixture
def ctx(session, clock, qtbot) -> AppContext:
    return AppContext(session, clock)


def opened(qtbot, ctx: AppContext, family_id: int) -> FamilySummaryDialog:
    """The dialog, once its preview (or its message) is shown: the PDF is made on a worker thread."""
    dialog = FamilySummaryDialog(ctx, family_id)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.is_busy, timeout=15_000)
    return dialog


def settle(qtbot, dialog: FamilySummaryDialog) -> None:
    qtbot.waitUntil(lambda: not dialog.is_busy, timeout=15_000)


@pytest.fixture
def family(session) -> tuple[int, int]:
    """A family with two entries; returns (family id, id of the second entry)."""
    fam = families.add_family(
        session, NewFamily("FAM-0042", date(2026, 1, 5), carers=(Carer("Petra Lime", "mother"),))
    )
    support_log.log_entry(
        session,
        NewEntry(fam.id, date(2026, 10, 1), Domain.FAMILY_WELLBEING, 30, activity_code="wellbeing_checkin"),
    )
    second = support_log.log_entry(
        session, NewEntry(fam.id, date(2026, 10, 9), Domain.CHILD_DEVELOPMENT, 20, note="Dialog-note-canary")
    )
    return fam.id, second.id


def test_dialog_previews_and_saves_with_an_audit_row(ctx, session, family, qtbot, tmp_path) -> None:
    family_id, _ = family
    dialog = opened(qtbot, ctx, family_id)
    assert dialog.prepared is not None and not dialog.withheld
    assert dialog.preview.page_count() == dialog.prepared.pages >= 1
    assert dialog.windowTitle() == "Summary for Petra Lime (FAM-0042)"
    assert "2 support entries" in dialog.status_label.text()
    assert dialog.save_button.isEnabled() and dialog.print_button.isEnabled()
    assert dialog.notes_box.isEnabled() and not dialog.notes_box.isChecked()

    target = dialog.save_to(tmp_path / "summary.pdf")
    raw = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True, check=True).stdout
    text = " ".join(raw.split())
    assert "Support you have had from Little Acorns Nursery" in text and "A chat about how you are" in text
    assert "Dialog-note-canary" not in text
    (row,) = audit_repo.list_audit(session.conn, AuditFilter(family_id=family_id, action=audit.PRINT))
    assert row.detail.startswith("family summary saved as PDF")

    dialog.notes_box.setChecked(True)  # the preview is made again, with notes
    assert dialog.is_busy and not dialog.save_button.isEnabled()
    settle(qtbot, dialog)
    assert dialog.prepared.summary.include_notes and "with staff notes" in dialog.status_label.text()


def test_a_restricted_entry_is_left_out_and_reviewed_with_a_reason(ctx, session, family, qtbot) -> None:
    family_id, entry_id = family
    support_log.set_entry_restricted(session, entry_id, True)
    dialog = opened(qtbot, ctx, family_id)
    assert not dialog.withheld and dialog.prepared is not None
    assert len(dialog.prepared.summary.support) == 1
    assert "1 item was left out of the summary for Petra Lime" in dialog.status_label.text()
    review = dialog.review_dialog()
    qtbot.addWidget(review)
    key = f"entry-{entry_id}"
    assert list(review.items) == [key] and "restricted" in review.items[key].text(review.WHY)
    review.set_included(key, True)
    assert "Write why it is safe" in review.problem_text()
    review.accept()
    assert review.result() != review.DialogCode.Accepted and "Write why" in review.problem.text()
    review.set_included(key, True, "Agreed with the DSL")
    assert review.problem_text() == ""
    dialog.apply_review(review)
    settle(qtbot, dialog)
    assert len(dialog.prepared.summary.support) == 2
    assert "put 1 left-out item back in" in dialog.status_label.text()


def test_a_practitioner_is_told_to_ask_a_manager_while_restricted(session, family, data_dir, qtbot) -> None:
    family_id, entry_id = family
    support_log.set_entry_restricted(session, entry_id, True)
    staff.add_user(session, "pat2", Role.PRACTITIONER, "another long passphrase", kdf=TEST_ONLY_FAST_KDF)
    pat = unlock(data_dir, "pat2", "another long passphrase", clock=fixed_clock())
    try:
        dialog = opened(qtbot, AppContext(pat, fixed_clock()), family_id)
        assert dialog.withheld and dialog.prepared is None and dialog.preview.page_count() == 0
        assert (
            "Ask a manager" in dialog.status_label.text() and "restricted" not in dialog.status_label.text()
        )
        assert not dialog.save_button.isEnabled() and not dialog.print_button.isEnabled()
    finally:
        pat.close()


def test_choosing_another_carer_makes_their_summary(ctx, session, qtbot) -> None:
    fam = families.add_family(
        session,
        NewFamily(
            "FAM-0043", date(2026, 1, 5), carers=(Carer("Ana Mum", "mother"), Carer("Ben Dad", "father"))
        ),
    )
    support_log.log_entry(
        session,
        NewEntry(fam.id, date(2026, 10, 1), Domain.FINANCIAL_HARDSHIP, 30, activity_code="benefits_form_help", carer="Ben Dad"),
    )  # fmt: skip
    dialog = opened(qtbot, ctx, fam.id)
    assert dialog.prepared.summary.made_for == "Ana Mum" and dialog.prepared.summary.support == ()
    review = dialog.review_dialog()
    qtbot.addWidget(review)
    assert "About another carer (Ben Dad)" in next(iter(review.items.values())).text(review.WHY)
    dialog.person.setCurrentIndex(dialog.person.findData("Ben Dad"))
    settle(qtbot, dialog)
    assert dialog.prepared.summary.made_for == "Ben Dad" and len(dialog.prepared.summary.support) == 1


def test_practitioner_cannot_tick_notes(session, family, data_dir, qtbot) -> None:
    staff.add_user(session, "pat", Role.PRACTITIONER, "another long passphrase", kdf=TEST_ONLY_FAST_KDF)
    pat = unlock(data_dir, "pat", "another long passphrase", clock=fixed_clock())
    try:
        dialog = opened(qtbot, AppContext(pat, fixed_clock()), family[0])
        assert not dialog.notes_box.isEnabled() and dialog.prepared is not None
    finally:
        pat.close()


def test_family_page_button_opens_the_dialog(ctx, family, qtbot) -> None:
    page = FamilyPageScreen(ctx)
    qtbot.addWidget(page)
    assert not page.summary_button.isEnabled()  # no family chosen yet
    page.show_family(family[0])
    assert page.summary_button.isEnabled()
    page.summary_button.click()
    assert isinstance(page.dialog, FamilySummaryDialog)
    settle(qtbot, page.dialog)
    assert page.dialog.prepared is not None and page.dialog.preview.page_count() >= 1
    page.dialog.close()


def test_controls_are_named_and_locking_clears_the_preview(ctx, session, family, qtbot) -> None:
    from tests.ui.test_accessibility import unnamed_controls

    dialog = opened(qtbot, ctx, family[0])
    dialog.show()
    qtbot.waitExposed(dialog)
    assert unnamed_controls(dialog) == []
    assert dialog.preview.page_count() >= 1
    # Ticking twice quickly: only the last request's result is shown.
    dialog.notes_box.setChecked(True)
    dialog.notes_box.setEnabled(True)
    dialog.notes_box.setChecked(False)
    settle(qtbot, dialog)
    assert dialog.prepared is not None and not dialog.prepared.summary.include_notes
    ctx.set_session(None)  # the casebook locks
    assert dialog.prepared is None and dialog.preview.page_count() == 0
    assert not dialog.isVisible()
    ctx.set_session(session)

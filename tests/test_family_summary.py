"""The family-facing summary: plain words, one family only, withheld while restricted, audited."""

from __future__ import annotations

import os
import subprocess
from datetime import date
from pathlib import Path

import pytest

from setting_app.domain.codes import Consent, ContactMode, Domain, Kind, ReferralStatus, Role, ServiceCategory
from setting_app.domain.errors import AppError, PermissionDenied
from setting_app.domain.models import Carer, NewChild, NewEntry, NewFamily
from setting_app.domain.referrals import LawfulBasis, NewTrackedReferral, Route, SharingOccasion
from setting_app.services import audit, families, family_summary, info_sharing, staff, support_log
from setting_app.services import referrals as R
from setting_app.services.casebook import unlock
from setting_app.services.document_review import Choices
from setting_app.services.family_summary import SummaryWithheld
from setting_app.storage import audit_repo
from setting_app.storage.audit_repo import AuditFilter
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import PASSPHRASE, assert_mode, fixed_clock

S = ReferralStatus
#: Distinctive texts of the OTHER family: none may appear in FAM-0001's summary.
OTHER_CANARIES = (
    "Xanthippe Vortigern",  # carer
    "Zebedee Vortigern",  # child
    "07700 900999",  # phone
    "Wombat-canary note of the other family",  # entry note
    "Okapi Canary Counselling",  # referral service
    "Narwhal Canary Housing Trust",  # sharing recipient
    "FAM-0002",
)


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


def pdf_info(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def build_casebook(session) -> dict:
    ours = families.add_family(
        session,
        NewFamily(
            "FAM-0001",
            date(2026, 3, 2),
            carers=(Carer("Rosa Brown", "mother", "07700 900123"),),
            postcode="N1 9GU",
            notes="Family-notes-canary: prefers texts.",
            children=(NewChild("Ava Brown", date(2023, 3, 1), "c1"),),
        ),
    )
    other = families.add_family(
        session,
        NewFamily(
            "FAM-0002",
            date(2026, 3, 5),
            carers=(Carer("Xanthippe Vortigern", "mother", "07700 900999"),),
            children=(NewChild("Zebedee Vortigern", date(2022, 1, 1), "c1"),),
        ),
    )
    (ava,) = families.list_children(session, ours.id)

    def log(family_id, day, domain, minutes, note, **kw):
        return support_log.log_entry(
            session, NewEntry(family_id, day, domain, minutes, staff_id=session.user.id, note=note, **kw)
        )

    entries = [
        log(
            ours.id,
            date(2026, 9, 1),
            Domain.FAMILY_WELLBEING,
            45,
            "Entry-note-canary: talked about sleep",
            activity_code="parenting_support",
        ),
        log(
            ours.id,
            date(2026, 9, 15),
            Domain.CHILD_DEVELOPMENT,
            30,
            "Second note",
            child_id=ava.id,
            activity_code="home_learning_pack",
            contact_mode=ContactMode.HOME_VISIT,
        ),
        log(ours.id, date(2026, 10, 6), Domain.FINANCIAL_HARDSHIP, 90, "", kind=Kind.INDIRECT),
    ]
    log(other.id, date(2026, 9, 2), Domain.FAMILY_WELLBEING, 20, "Wombat-canary note of the other family")

    def referral(family_id, service, category, domain, made_on, route, child_id=None, note=""):
        return R.make_referral(
            session,
            NewTrackedReferral(
                family_id=family_id,
                service_name=service,
                service_category=category,
                domain=domain,
                made_on=made_on,
                consent=Consent.NOT_NEEDED,
                consent_note="The family contact the service themselves",
                route=route,
                child_id=child_id,
                note=note,
            ),
        )

    speech = referral(
        ours.id,
        "Islington Speech Service",
        ServiceCategory.SPEECH_LANGUAGE,
        Domain.INCLUSION_SEND,
        date(2026, 9, 20),
        Route.SUPPORTED_SELF_REFERRAL,
        child_id=ava.id,
        note="Referral-note-canary",
    )
    R.change_status(session, speech.id, S.SENT, on=date(2026, 9, 21))
    R.change_status(session, speech.id, S.COMPLETED, on=date(2026, 10, 30))
    housing = referral(
        ours.id,
        "Camden Housing Advice",
        ServiceCategory.HOUSING,
        Domain.FINANCIAL_HARDSHIP,
        date(2026, 10, 7),
        Route.SIGNPOSTED,
    )
    R.change_status(session, housing.id, S.SENT, on=date(2026, 10, 8))
    R.change_status(session, housing.id, S.DECLINED, on=date(2026, 10, 20), reason="not_eligible")
    other_referral = referral(
        other.id,
        "Okapi Canary Counselling",
        ServiceCategory.MENTAL_HEALTH,
        Domain.FAMILY_WELLBEING,
        date(2026, 9, 3),
        Route.SIGNPOSTED,
    )
    info_sharing.record_share_now(
        session,
        recipient="Islington Health Visiting Team",
        what="Ava's name and date of birth, and the family's phone number",
        purpose="So the health visitor could arrange a two-year check",
        lawful_basis=LawfulBasis.CONSENT,
        consent="given",
        occasion=SharingOccasion.OTHER,
        family_id=ours.id,
        shared_on=date(2026, 10, 1),
    )
    info_sharing.record_share_now(
        session,
        recipient="Narwhal Canary Housing Trust",
        what="The other family's address",
        purpose="Housing application",
        lawful_basis=LawfulBasis.CONSENT,
        consent="given",
        family_id=other.id,
        shared_on=date(2026, 10, 2),
    )
    return {
        "ours": ours,
        "other": other,
        "entries": entries,
        "speech": speech,
        "housing": housing,
        "other_referral": other_referral,
    }


@pytest.fixture
def casebook(session) -> dict:
    return build_casebook(session)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An empty folder to save summaries in (tmp_path also holds the casebook)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def _save(
    session, tmp_path: Path, ref: str = "FAM-0001", **kw
) -> tuple[Path, family_summary.PreparedSummary]:
    target = tmp_path / f"{ref}.pdf"
    prepared = family_summary.write_summary(session, ref, target, **kw)
    return target, prepared


def _print_rows(session, family_id: int) -> list:
    return audit_repo.list_audit(session.conn, AuditFilter(family_id=family_id, action=audit.PRINT))


# --- content ---------------------------------------------------------------------------------------


def test_summary_reads_back_in_plain_words(session, casebook, tmp_path) -> None:
    path, prepared = _save(session, tmp_path, every_visit=True)
    text = pdf_text(path)
    for expected in (
        "Support you have had from Little Acorns Nursery",
        "For Rosa Brown (family reference FAM-0001)",
        "Made on 23 November 2026",
        # who they are
        "Rosa Brown",
        "07700 900123",
        "Ava Brown",
        "1 March 2023",
        "N1 9GU",
        # support, by month, from the activity types, in the setting's words
        "September 2026",
        "October 2026",
        "Support with parenting",
        "Things to help your child learn at home",
        "Home visit",
        "45 minutes",
        "1 hour 30 minutes",
        "Helped you get support with financial hardship",
        "Child development and home learning",
        "We have helped your family 3 times",
        "2 hours 45 minutes of our time",
        # referrals: service kind in plain words, status in plain words, outcome
        "Islington Speech Service",
        "Speech and language therapy",
        "They have finished helping you.",
        "Camden Housing Advice",
        "They said no.",
        "The service said it was not the right one for you.",
        "We gave you their details",
        # holdings, sharing, keeping, rights
        "What we keep about you",
        "Your phone number",
        "Islington Health Visiting Team",
        "So the health visitor could arrange a two-year check",
        "We shared",
        "How long we keep it",
        "6 more years",
        "subject access request",
        "Mina Manager",
        "Information Commissioner's Office",
        # notes are off by default, and the summary says so
        "does not include the notes our staff write",
    ):
        assert expected in text, expected
    for absent in (
        "speech_language",
        "family_wellbeing",
        "in_person",
        "Entry-note-canary",
        "Referral-note-canary",
        "Family-notes-canary",
    ):
        assert absent not in text, absent
    info = pdf_info(path)
    assert info["Title"] == "Support you have had from Little Acorns Nursery (family FAM-0001)"
    assert int(info["Pages"]) == prepared.pages >= 2
    assert f"Page {prepared.pages} of {prepared.pages}" in text


def test_by_default_the_support_is_one_line_a_month(session, casebook, tmp_path) -> None:
    """Short enough to hand over: each month's visits counted, not listed (every visit on request)."""
    path, prepared = _save(session, tmp_path)
    text = " ".join(pdf_text(path).split())
    assert not prepared.summary.every_visit
    assert "Month by month" in text and "Each time we helped" not in text
    assert "September 2026" in text and "October 2026" in text
    assert "Support with parenting (once)" in text
    assert "Home visit" not in text  # how each visit happened is in the full list only
    assert "ask us for a list of every single time we helped" in text
    (tmp_path / "full").mkdir()
    full_path, full = _save(session, tmp_path / "full", every_visit=True)
    assert full.summary.every_visit and "Home visit" in pdf_text(full_path)
    # Staff notes are per visit, so including them lists every visit.
    notes = family_summary.prepare_summary(session, "FAM-0001", include_notes=True)
    assert notes.summary.every_visit


def test_summary_holds_no_other_familys_data(session, casebook, tmp_path) -> None:
    path, _ = _save(session, tmp_path)
    text = pdf_text(path)
    for canary in OTHER_CANARIES:
        assert canary not in text, canary
    # ...and the other family's own summary has its own canaries (the check above can fail).
    other_path, _ = _save(session, tmp_path, "FAM-0002")
    other_text = pdf_text(other_path)
    assert "Xanthippe Vortigern" in other_text and "Narwhal Canary Housing Trust" in other_text
    # Its referral to a counselling service is about mental health: left out unless a manager puts it in.
    assert "Okapi Canary Counselling" not in other_text
    other = families.find_family(session, "FAM-0002")
    assessment = family_summary.assess_summary(session, other.id)
    (counselling,) = [x for x in assessment.left_out if x.item.kind == "referral"]
    put_back = family_summary.prepare_summary(
        session, other.id, choices=Choices(include={counselling.key: "She asked for it to be listed"})
    )
    assert [r.service for r in put_back.summary.referrals] == ["Okapi Canary Counselling"]
    assert "Rosa Brown" not in other_text and "Islington Speech Service" not in other_text


def test_notes_only_when_a_manager_asks(session, casebook, data_dir, tmp_path) -> None:
    path, prepared = _save(session, tmp_path, include_notes=True)
    assert prepared.summary.include_notes
    text = pdf_text(path)
    for expected in (
        "Entry-note-canary",
        "Referral-note-canary",
        "Family-notes-canary",
        "includes the notes",
    ):
        assert expected in text, expected
    staff.add_user(session, "pat", Role.PRACTITIONER, "another long passphrase", kdf=TEST_ONLY_FAST_KDF)
    pat = unlock(data_dir, "pat", "another long passphrase", clock=fixed_clock())
    try:
        with pytest.raises(PermissionDenied):
            family_summary.prepare_summary(pat, "FAM-0001", include_notes=True)
        # A practitioner may print the family's own summary without notes.
        target = tmp_path / "pat.pdf"
        family_summary.write_summary(pat, "FAM-0001", target)
        assert "Entry-note-canary" not in pdf_text(target)
    finally:
        pat.close()


def test_scottish_setting_uses_its_own_words(session, casebook, tmp_path) -> None:
    from dataclasses import replace

    from setting_app.domain.codes import Nation

    session.setting = replace(session.setting, nation=Nation.SCOTLAND)
    prepared = family_summary.prepare_summary(session, "FAM-0001")
    assert {line.kind_of_service for line in prepared.summary.referrals} == {
        "Speech and language therapy",
        "Housing",
    }
    assert family_summary.service_words(ServiceCategory.SEND_SUPPORT, Nation.SCOTLAND).endswith(
        "additional support needs"
    )
    assert Domain.INCLUSION_SEND.label(Nation.SCOTLAND) == "Inclusion and ASN"


# --- restricted records: left out for a manager, withheld from a practitioner ----------------------


def test_a_restricted_entry_is_left_out_of_a_managers_summary(session, casebook, out) -> None:
    entry = casebook["entries"][1]  # the home learning pack for Ava
    support_log.set_entry_restricted(session, entry.id, True)
    target = out / "out.pdf"
    prepared = family_summary.write_summary(session, "FAM-0001", target)
    text = pdf_text(target)
    assert "Things to help your child learn at home" not in text
    assert "We have helped your family twice" in text  # counted over what is shown
    assert [x.key for x in prepared.summary.left_out] == [f"entry-{entry.id}"]
    assert "restricted" in prepared.summary.left_out[0].why.lower()
    support_log.set_entry_restricted(session, entry.id, False)
    family_summary.write_summary(session, "FAM-0001", out / "after.pdf")
    assert "Things to help your child learn at home" in pdf_text(out / "after.pdf")


def test_withheld_from_a_practitioner_while_restricted(session, casebook, data_dir, tmp_path) -> None:
    R.set_referral_restricted(session, casebook["housing"].id, True)
    staff.add_user(session, "pat", Role.PRACTITIONER, "another long passphrase", kdf=TEST_ONLY_FAST_KDF)
    pat = unlock(data_dir, "pat", "another long passphrase", clock=fixed_clock())
    try:
        # The practitioner cannot see the restricted referral, but the check counts every record;
        # the message does not reveal that restricted records exist.
        with pytest.raises(SummaryWithheld) as refused:
            family_summary.prepare_summary(pat, "FAM-0001")
        assert "restricted" not in refused.value.message and "Ask a manager" in refused.value.message
    finally:
        pat.close()
    managers = family_summary.prepare_summary(session, "FAM-0001")
    assert "Camden Housing Advice" not in [r.service for r in managers.summary.referrals]
    R.set_referral_restricted(session, casebook["housing"].id, False)
    assert family_summary.prepare_summary(session, "FAM-0001").pages >= 1


def test_a_restriction_added_after_the_preview_stops_the_save(session, casebook, out) -> None:
    prepared = family_summary.prepare_summary(session, "FAM-0001")
    support_log.set_entry_restricted(session, casebook["entries"][0].id, True)
    target = out / "late.pdf"
    with pytest.raises(AppError, match="changed since the summary was made"):
        family_summary.save_summary(session, prepared, target)
    assert list(out.iterdir()) == []
    sent: list[int] = []
    with pytest.raises(AppError, match="changed since"):
        family_summary.print_summary(session, prepared, lambda: sent.append(1) or 1)
    assert sent == [] and _print_rows(session, casebook["ours"].id) == []


# --- audit ----------------------------------------------------------------------------------------


def test_saving_and_printing_are_audited_without_personal_data(session, casebook, tmp_path) -> None:
    family_id = casebook["ours"].id
    path, prepared = _save(session, tmp_path)
    (row,) = _print_rows(session, family_id)
    assert (row.object_type, row.object_id, row.family_id, row.username) == (
        "family",
        family_id,
        family_id,
        "manager",
    )
    assert row.detail == f"family summary saved as PDF ({prepared.pages} pages, without staff notes)"
    assert family_summary.print_summary(session, prepared, lambda: 3) == 3
    rows = _print_rows(session, family_id)
    assert len(rows) == 2 and {r.detail.split(" (")[0] for r in rows} == {
        "family summary saved as PDF",
        "family summary printed",
    }
    for r in rows:
        assert "Rosa" not in r.detail and "FAM-0001" not in r.detail
    assert audit.verify(session) is None
    assert_mode(path, 0o600)


def test_a_failed_write_or_print_leaves_no_audit_row(session, casebook, out, monkeypatch) -> None:
    family_id = casebook["ours"].id
    prepared = family_summary.prepare_summary(session, "FAM-0001")
    with pytest.raises(AppError, match="does not exist"):
        family_summary.save_summary(session, prepared, out / "missing" / "x.pdf")
    with pytest.raises(AppError, match="is a folder"):
        family_summary.save_summary(session, prepared, out)

    def broken_printer() -> int:
        raise AppError("The printer could not be started.")

    with pytest.raises(AppError, match="printer"):
        family_summary.print_summary(session, prepared, broken_printer)

    # The rename into place fails after the audit row was written: the row goes with it.
    def refuse(*_args) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(family_summary.os, "replace", refuse)
    with pytest.raises(AppError, match="Permission denied. Nothing was saved"):
        family_summary.save_summary(session, prepared, out / "x.pdf")
    monkeypatch.undo()
    assert _print_rows(session, family_id) == []
    assert list(out.iterdir()) == []  # no temporary file left either
    family_summary.save_summary(session, prepared, out / "x.pdf")
    assert len(_print_rows(session, family_id)) == 1


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="root ignores folder permissions; Windows folders are not made unwritable by chmod",
)
def test_an_unwritable_folder_leaves_no_file_and_no_audit_row(session, casebook, tmp_path) -> None:
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(AppError, match="Nothing was saved"):
            family_summary.write_summary(session, "FAM-0001", folder / "x.pdf")
    finally:
        folder.chmod(0o700)
    assert list(folder.iterdir()) == []
    assert _print_rows(session, casebook["ours"].id) == []


# --- command line ----------------------------------------------------------------------------------


def test_cli_family_summary(cli, tmp_path) -> None:
    assert cli.init().code == 0
    session = unlock(cli.data_dir, "manager", PASSPHRASE, clock=fixed_clock())
    try:
        ids = build_casebook(session)
    finally:
        session.close()
    out = tmp_path / "summary.pdf"
    result = cli("family", "summary", "FAM-0001", "--out", str(out))
    assert result.code == 0, result.err
    assert "FAM-0001" in result.out and str(out) in result.out and "page" in result.out
    assert "Support you have had from Little Acorns Nursery" in pdf_text(out)
    with_notes = cli("family", "summary", "FAM-0001", "--out", str(tmp_path / "n.pdf"), "--include-notes")
    assert with_notes.code == 0 and "Entry-note-canary" in pdf_text(tmp_path / "n.pdf")
    # Unknown family, restricted family: exit 1 with one plain line; missing --out: usage, exit 2.
    missing = cli("family", "summary", "FAM-9999", "--out", str(tmp_path / "m.pdf"))
    assert missing.code == 1 and "FAM-9999" in missing.err and "Traceback" not in missing.err
    assert cli("family", "summary", "FAM-0001").code == 2
    session = unlock(cli.data_dir, "manager", PASSPHRASE, clock=fixed_clock())
    try:
        support_log.set_entry_restricted(session, ids["entries"][0].id, True)
    finally:
        session.close()
    left = cli("family", "summary", "FAM-0001", "--out", str(tmp_path / "w.pdf"))
    assert left.code == 0 and "1 item was left out" in left.out and "--review" in left.out
    assert "Talked about sleep" not in pdf_text(tmp_path / "w.pdf")


def test_plain_word_helpers() -> None:
    from setting_app.domain.codes import Nation
    from setting_app.domain.models import SupportEntry

    assert [family_summary.duration_words(m) for m in (0, 1, 45, 60, 61, 135)] == [
        "0 minutes",
        "1 minute",
        "45 minutes",
        "1 hour",
        "1 hour 1 minute",
        "2 hours 15 minutes",
    ]
    entry = SupportEntry(
        1, 1, date(2026, 1, 1), Domain.INCLUSION_SEND, Kind.INDIRECT, 10, None, None, None,
        ContactMode.PHONE, "", None, None,
    )  # fmt: skip
    assert family_summary.describe_support(entry, "", Nation.SCOTLAND) == (
        "Helped you get support with inclusion and ASN"
    )
    assert (
        family_summary.describe_support(entry, "Transition support", Nation.ENGLAND) == "Transition support"
    )
    assert family_summary.status_words(S.SENT, Route.SIGNPOSTED) == "We gave you their details."
    assert family_summary.status_words(S.SENT, Route.REFERRED).startswith("We sent it.")
    for status in S:
        words = family_summary.status_words(status)
        assert words.endswith(".") and "_" not in words and len(words.split()) >= 3


def test_a_safeguarding_discussion_asks_for_a_second_look_before_it_is_handed_over(
    session, casebook, tmp_path
) -> None:
    """Left out by default; a manager who puts it back in is asked to look again before handing over."""
    plain = family_summary.prepare_summary(session, "FAM-0001")
    assert plain.summary.check_first == () and family_summary.check_first_warning(plain.summary) == ""
    family = families.find_family(session, "FAM-0001")
    talk = support_log.log_entry(
        session,
        NewEntry(
            family.id,
            date(2026, 11, 2),
            Domain.FAMILY_WELLBEING,
            20,
            staff_id=session.user.id,
            activity_code="safeguarding_discussion",
        ),
    )
    default = family_summary.prepare_summary(session, "FAM-0001")
    assert default.summary.check_first == () and len(default.summary.support) == 3
    assert [x.key for x in default.summary.left_out] == [f"entry-{talk.id}"]
    prepared = family_summary.prepare_summary(
        session, "FAM-0001", choices=Choices(include={f"entry-{talk.id}": "Discussed with mum, agreed"})
    )
    assert prepared.summary.check_first == ("Safeguarding discussion (1)",)
    warning = family_summary.check_first_warning(prepared.summary)
    assert "Check before handing it over" in warning and "Safeguarding discussion (1)" in warning

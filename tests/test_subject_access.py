"""Subject access packs: everything held about a family or a child, redacted where the manager chose."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from datetime import date
from pathlib import Path

import pytest

from setting_app.domain.codes import Consent, Domain, Kind, ReferralStatus, Role, ServiceCategory
from setting_app.domain.errors import AppError, NotFound, PermissionDenied
from setting_app.domain.models import Carer, NewChild, NewEntry, NewFamily
from setting_app.domain.referrals import NewTrackedReferral, SharingOccasion
from setting_app.services import audit, families, records, staff, subject_access, support_log
from setting_app.services import referrals as R
from setting_app.services.casebook import create_casebook, unlock
from setting_app.services.document_review import Choices
from setting_app.storage import audit_repo, sharing_repo
from setting_app.storage.audit_repo import AuditFilter
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from setting_app.storage.sharing_repo import SharingFilter
from setting_app.storage.unit_of_work import unit_of_work
from tests.conftest import PASSPHRASE, assert_mode, fixed_clock, posix_only, setting_details
from tests.test_agreements import cover_all

S = ReferralStatus
OTHER_SECRET = "Quokka-canary-of-the-other-family"


def _pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _flat(text: str) -> str:
    return " ".join(text.split())


def build_casebook(session) -> dict:
    """Two families. FAM-0001's notes name the other family, its people and a staff member."""
    ours = families.add_family(
        session,
        NewFamily(
            "FAM-0001",
            date(2026, 1, 5),
            carers=(Carer("Rosa Brown", "mother", "07700 900123"),),
            postcode="N1 9GU",
            notes="Mum prefers texts. Knows Zara Quinn from church.",
            children=(
                NewChild("Ava Brown", date(2023, 3, 1), "c1"),
                NewChild("Leo Brown", date(2024, 6, 2), "c2"),
            ),
        ),
    )
    other = families.add_family(
        session,
        NewFamily(
            "FAM-0002",
            date(2026, 2, 1),
            carers=(Carer("Zara Quinn", "mother"),),
            children=(NewChild("Milo Quinn", date(2023, 5, 5), "c1"),),
        ),
    )
    ava, leo = families.list_children(session, ours.id)
    milo = families.list_children(session, other.id)[0]

    def log(family_id, day, note, child_id=None, domain=Domain.FAMILY_WELLBEING):
        return support_log.log_entry(
            session,
            NewEntry(family_id, day, domain, 30, child_id=child_id, staff_id=session.user.id, note=note),
        )

    whole = log(ours.id, date(2026, 9, 1), "Whole-family chat about routines; Zara Quinn came along.")
    ava_entry = log(ours.id, date(2026, 9, 8), "Ava played with Milo; FAM-0002 mentioned.", ava.id)
    leo_entry = log(ours.id, date(2026, 9, 9), "Leo-only-canary: speech check with Mina Manager.", leo.id)
    restricted = log(ours.id, date(2026, 10, 2), "Safeguarding discussion with DSL.", ava.id)
    log(other.id, date(2026, 9, 10), OTHER_SECRET, milo.id)
    conn = session.conn
    with unit_of_work(conn):
        conn.execute("UPDATE support_entries SET restricted = 1 WHERE id = ?", (restricted.id,))
        # An amended entry: version 1 kept with who, when and why it was replaced.
        conn.execute(
            """INSERT INTO support_entry_versions (entry_id, version, entry_date, child_id, staff_id, domain, kind,
                   activity_code, minutes, contact_mode, note, follow_up_on, restricted, replaced_at, replaced_by,
                   reason)
               VALUES (?, 1, '2026-09-08', ?, ?, 'family_wellbeing', 'direct', NULL, 20, 'in_person',
                   'First-version-canary note', NULL, 0, '2026-09-09T09:00:00+00:00', ?, 'wrong minutes')""",
            (ava_entry.id, ava.id, session.user.id, session.user.id),
        )
        conn.execute("UPDATE support_entries SET version = 2 WHERE id = ?", (ava_entry.id,))
    cover_all(session)  # sending now names the data-sharing agreement that covers it
    referral = R.make_referral(
        session,
        NewTrackedReferral(
            family_id=ours.id,
            service_name="Islington Food Bank",
            service_category=ServiceCategory.FOOD_ESSENTIALS,
            domain=Domain.FINANCIAL_HARDSHIP,
            made_on=date(2026, 10, 3),
            consent=Consent.GIVEN,
            consent_given_by="Rosa Brown",
            consent_given_on=date(2026, 10, 3),
            consent_scope="Address and needs, to the food bank",
            reason="Short of food before payday",
        ),
    )
    R.change_status(session, referral.id, S.SENT, on=date(2026, 10, 4), note="Emailed the voucher form")
    R.chase_referral(session, referral.id, on=date(2026, 10, 20), note="Chase-canary: left a message")
    leo_referral = R.make_referral(
        session,
        NewTrackedReferral(
            family_id=ours.id,
            service_name="Speech and Language Therapy",
            service_category=ServiceCategory.SPEECH_LANGUAGE,
            domain=Domain.INCLUSION_SEND,
            made_on=date(2026, 10, 5),
            consent=Consent.GIVEN,
            consent_given_by="Rosa Brown",
            consent_given_on=date(2026, 10, 5),
            child_id=leo.id,
            note="Leo-referral-canary",
        ),
    )
    families.view_family(session, ours.id)
    return {
        "ours": ours,
        "other": other,
        "ava": ava,
        "leo": leo,
        "whole": whole,
        "ava_entry": ava_entry,
        "leo_entry": leo_entry,
        "restricted": restricted,
        "referral": referral,
        "leo_referral": leo_referral,
    }


@pytest.fixture
def casebook(session) -> dict:
    return build_casebook(session)


def _everything_in(session, ref: str = "FAM-0001", child: str | None = None) -> dict:
    """A manager's review putting every withheld item back and keeping every flagged name, with reasons."""
    assessment = subject_access.assess_pack(session, ref, child)
    _, candidates = subject_access.review(session, ref, child)
    return {
        "choices": Choices(
            include={x.key: "Checked with the DSL: safe to give" for x in assessment.left_out}
        ),
        "keep": {c.text: "Checked: the family know them" for c in candidates},
    }


def test_family_pack_holds_everything_about_the_family_and_nothing_of_another(
    session, casebook, tmp_path
) -> None:
    written = subject_access.write_pack(session, "FAM-0001", tmp_path / "pack", **_everything_in(session))
    assert written.pdf.name == "FAM-0001-subject-access.pdf"
    assert written.json.name == "FAM-0001-subject-access.json"
    text = _flat(_pdf_text(written.pdf))
    for expected in (
        "Subject access pack: Rosa Brown",
        "Rosa Brown",
        "07700 900123",
        "Ava Brown",
        "Leo Brown",
        "Whole-family chat about routines",
        "Leo-only-canary",
        "Safeguarding discussion with DSL",
        "1 record is marked Restricted",
        "Earlier version 1",
        "First-version-canary note",
        "wrong minutes",
        "Islington Food Bank",
        "Emailed the voucher form",
        "Chase-canary: left a message",
        "Short of food before payday",
        "Information sharing",
        "Who has accessed these records",
        "Opened the record",
        "About this information",
        "Information Commissioner's Office",
    ):
        assert expected in text, expected
    assert OTHER_SECRET not in text
    assert "Milo Quinn" not in text  # the other family's child appears nowhere (only "Milo" in a note)
    assert written.entries == 4 and written.referrals == 2 and written.redactions == 0
    pages = subprocess.run(["pdfinfo", str(written.pdf)], capture_output=True, text=True, check=True).stdout
    assert "Subject access pack: Rosa Brown (FAM-0001)" in pages


def test_json_is_a_record_file_that_reads_and_imports_back(session, casebook, tmp_path) -> None:
    written = subject_access.write_pack(session, "FAM-0001", tmp_path, **_everything_in(session))
    data = records.read_record_file(written.json)
    checked = records.parse_record_file(data, today=session.clock.today())
    (family,) = checked.families
    assert family.ref == "FAM-0001"
    assert len(family.entries) == 4 and len(family.referrals) == 2
    assert {e.note for e in family.entries} >= {"Safeguarding discussion with DSL."}
    assert OTHER_SECRET not in written.json.read_text(encoding="utf-8")
    # It imports into another casebook without loss.
    other = create_casebook(
        tmp_path / "elsewhere",
        setting_details(),
        "manager",
        "M",
        PASSPHRASE,
        kdf=TEST_ONLY_FAST_KDF,
        clock=fixed_clock(),
    ).session
    try:
        summary = records.import_records(other, checked)
        assert (summary.families, summary.children, summary.entries, summary.referrals) == (1, 2, 4, 2)
    finally:
        other.close()


@posix_only(reason="the umask and POSIX permission bits")
def test_files_are_private(session, casebook, tmp_path) -> None:
    old = os.umask(0o022)
    try:
        written = subject_access.write_pack(session, "FAM-0001", tmp_path / "new")
    finally:
        os.umask(old)
    for path in (written.pdf, written.json):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == [written.json.name, written.pdf.name]


def test_child_pack_holds_that_child_and_whole_family_records_only(session, casebook, tmp_path) -> None:
    written = subject_access.write_pack(
        session, "FAM-0001", tmp_path, child="Ava", **_everything_in(session, child="Ava")
    )
    assert written.pdf.name == "FAM-0001-c1-subject-access.pdf"
    text = _flat(_pdf_text(written.pdf))
    assert "Subject access pack: Ava Brown" in text
    assert "Whole-family chat about routines" in text  # whole-family entry
    assert "Ava played with Milo" in text
    assert "Islington Food Bank" in text  # whole-family referral
    for absent in ("Leo-only-canary", "Leo-referral-canary", "Leo Brown", OTHER_SECRET):
        assert absent not in text, absent
    document = json.loads(written.json.read_text(encoding="utf-8"))
    (family,) = document["families"]
    assert [c["name"] for c in family["children"]] == ["Ava Brown"]
    assert {e["child"] for e in family["entries"]} == {None, "c1"}
    assert [r["service"] for r in family["referrals"]] == ["Islington Food Bank"]
    records.parse_record_file(document, today=session.clock.today())
    assert written.entries == 3 and written.referrals == 1


def test_candidates_flag_other_families_and_optionally_staff(session, casebook) -> None:
    pack, candidates = subject_access.review(session, "FAM-0001")
    texts = {c.text for c in candidates}
    assert {"Zara Quinn", "FAM-0002", "Milo"} <= texts
    assert all(c.kind == "other_family" for c in candidates)
    # The family's own people are never flagged.
    assert not texts & {"Rosa Brown", "Ava", "Leo", "FAM-0001", "Brown"}
    zara = next(c for c in candidates if c.text == "Zara Quinn")
    assert zara.occurrences == 2 and "FAM-0002" in zara.why and "Zara Quinn" in zara.example
    assert "Mina Manager" not in texts
    _, with_staff = subject_access.review(session, "FAM-0001", include_staff=True)
    staff_names = {c.text for c in with_staff if c.is_staff}
    assert "Mina Manager" in staff_names


def test_redaction_applies_to_pdf_and_json(session, casebook, tmp_path) -> None:
    _, candidates = subject_access.review(session, "FAM-0001", include_staff=True)
    chosen = [c.text for c in candidates]
    written = subject_access.write_pack(session, "FAM-0001", tmp_path, redact=chosen)
    assert written.redactions >= 5
    text = _flat(_pdf_text(written.pdf))
    raw = written.json.read_text(encoding="utf-8")
    for gone in ("Zara Quinn", "FAM-0002", "Milo", "Mina Manager"):
        assert gone not in raw, gone
    for gone in ("Zara Quinn", "FAM-0002", "Milo"):
        assert gone not in text, gone
    # Staff names are redacted from the notes; who recorded what stays.
    assert "speech check with [redacted]." in raw and "Recorded by" in text
    assert text.count("[redacted]") >= written.redactions
    assert "Knows [redacted] from church" in text
    assert "Ava played with [redacted]; [redacted] mentioned." in raw
    assert "[redacted] passages have been replaced" not in text
    assert f"{written.redactions} passages have been replaced by [redacted]" in text
    records.parse_record_file(json.loads(raw), today=session.clock.today())


def test_redaction_of_free_text_is_whole_word_and_any_case(session, casebook, tmp_path) -> None:
    written = subject_access.write_pack(
        session,
        "FAM-0001",
        tmp_path,
        redact=["church", "  "],
        keep={"Zara Quinn": "She is a family friend the mother named herself"},
    )
    raw = written.json.read_text(encoding="utf-8")
    assert "Knows Zara Quinn from [redacted]." in raw
    assert "church" in written.redacted_texts and "Zara Quinn" not in written.redacted_texts


def test_practitioner_is_refused(session, casebook, data_dir, tmp_path) -> None:
    staff.add_user(session, "pat", Role.PRACTITIONER, "another long passphrase", kdf=TEST_ONLY_FAST_KDF)
    pat = unlock(data_dir, "pat", "another long passphrase", clock=fixed_clock())
    try:
        with pytest.raises(PermissionDenied, match="Only a manager"):
            subject_access.write_pack(pat, "FAM-0001", tmp_path / "out")
        with pytest.raises(PermissionDenied):
            subject_access.review(pat, "FAM-0001")
    finally:
        pat.close()
    assert not (tmp_path / "out").exists()


def test_pack_writes_audit_and_sharing_rows(session, casebook, tmp_path) -> None:
    family_id = casebook["ours"].id
    subject_access.write_pack(session, "FAM-0001", tmp_path, recipient="Rosa Brown (mother)")
    (row,) = audit_repo.list_audit(session.conn, AuditFilter(family_id=family_id, action=audit.EXPORT))
    assert row.detail == "subject_access" and row.username == "manager" and row.object_type == "family"
    shares = [
        s
        for s in sharing_repo.list_records(session.conn, SharingFilter(family_id=family_id))
        if s.occasion is SharingOccasion.SUBJECT_ACCESS
    ]
    assert len(shares) == 1 and shares[0].recipient == "Rosa Brown (mother)"
    assert "Prepared for Rosa Brown (mother)" in _flat(_pdf_text(tmp_path / "FAM-0001-subject-access.pdf"))
    assert audit.verify(session) is None
    # A child's pack names the child in the audit row.
    subject_access.write_pack(session, "FAM-0001", tmp_path, child="c2")
    rows = audit_repo.list_audit(session.conn, AuditFilter(family_id=family_id, action=audit.EXPORT))
    assert rows[0].object_type == "child" and rows[0].object_id == casebook["leo"].id


def test_a_failed_write_keeps_no_rows_and_no_files(session, casebook, tmp_path) -> None:
    target = tmp_path / "out"
    # The PDF can be written but the JSON cannot (a folder is in the way): neither file is left.
    (target / "FAM-0001-subject-access.json").mkdir(parents=True)
    with pytest.raises(AppError, match="Nothing was written"):
        subject_access.write_pack(session, "FAM-0001", target)
    assert [p.name for p in target.iterdir()] == ["FAM-0001-subject-access.json"]
    assert audit_repo.list_audit(session.conn, AuditFilter(action=audit.EXPORT)) == []
    assert not any(
        s.occasion is SharingOccasion.SUBJECT_ACCESS for s in sharing_repo.list_records(session.conn)
    )
    # A file where the folder should be: a plain error, nothing recorded.
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(AppError, match="Nothing was written"):
        subject_access.write_pack(session, "FAM-0001", tmp_path / "a-file" / "packs")
    with pytest.raises(AppError, match="is a file, not a folder"):
        subject_access.write_pack(session, "FAM-0001", tmp_path / "a-file")
    assert audit_repo.list_audit(session.conn, AuditFilter(action=audit.EXPORT)) == []


def test_unknown_family_or_child_is_a_plain_error(session, casebook, tmp_path) -> None:
    with pytest.raises(NotFound, match="FAM-9999"):
        subject_access.write_pack(session, "FAM-9999", tmp_path / "out")
    with pytest.raises(NotFound, match="no child called 'Zed'"):
        subject_access.write_pack(session, "FAM-0001", tmp_path / "out", child="Zed")
    assert not (tmp_path / "out").exists()


# --- command line ----------------------------------------------------------------------------------


def test_cli_writes_the_pack_with_redactions(cli, tmp_path) -> None:
    assert cli.init().code == 0
    session = unlock(cli.data_dir, "manager", PASSPHRASE, clock=fixed_clock())
    try:
        build_casebook(session)
    finally:
        session.close()
    out_dir = tmp_path / "packs"
    result = cli(
        "subject-access", "FAM-0001", "--out-dir", str(out_dir), "--redact", "church", "--redact-staff"
    )
    assert result.code == 0, result.err
    pdf, js = out_dir / "FAM-0001-subject-access.pdf", out_dir / "FAM-0001-subject-access.json"
    assert_mode(pdf, 0o600)
    assert_mode(js, 0o600)
    raw = js.read_text(encoding="utf-8")
    text = _flat(_pdf_text(pdf))
    for gone in ("church", "Zara Quinn", "FAM-0002", "Mina Manager"):
        assert gone not in raw, gone
    for gone in ("church", "Zara Quinn", "FAM-0002"):
        assert gone not in text, gone
    assert "Wrote" in result.out and "redacted" in result.out and "withheld" in result.out
    # --list shows the candidates and writes nothing.
    listed = cli("subject-access", "FAM-0001", "--child", "Ava", "--list")
    assert listed.code == 0 and "Milo" in listed.out and "Nothing was written" in listed.out
    # --keep leaves a candidate as written.
    no_reason = cli("subject-access", "FAM-0001", "--out-dir", str(tmp_path / "kept"), "--keep", "Zara Quinn")
    assert no_reason.code == 2 and "--keep-reason" in no_reason.err
    kept = cli(
        "subject-access",
        "FAM-0001",
        "--out-dir",
        str(tmp_path / "kept"),
        "--keep",
        "Zara Quinn",
        "--keep-reason",
        "A family friend the mother named herself",
    )
    assert kept.code == 0, kept.err
    assert "Zara Quinn" in (tmp_path / "kept" / "FAM-0001-subject-access.json").read_text(encoding="utf-8")


def test_cli_refuses_a_practitioner_and_needs_an_out_dir(cli, tmp_path) -> None:
    assert cli.init().code == 0
    session = unlock(cli.data_dir, "manager", PASSPHRASE, clock=fixed_clock())
    try:
        build_casebook(session)
        staff.add_user(session, "pat", Role.PRACTITIONER, "another long passphrase", kdf=TEST_ONLY_FAST_KDF)
    finally:
        session.close()
    refused = cli(
        "subject-access",
        "FAM-0001",
        "--out-dir",
        str(tmp_path / "x"),
        user="pat",
        passphrase="another long passphrase",
    )
    assert refused.code == 1 and "Only a manager" in refused.err and "Traceback" not in refused.err
    assert not (tmp_path / "x").exists()
    assert cli("subject-access", "FAM-0001").code == 2


def test_restricted_records_are_withheld_unless_put_back_and_then_marked(session, casebook, tmp_path) -> None:
    with unit_of_work(session.conn):
        session.conn.execute(
            "UPDATE referrals SET restricted = 1 WHERE id = ?", (casebook["leo_referral"].id,)
        )
    default = subject_access.write_pack(session, "FAM-0001", tmp_path / "default")
    text = _flat(_pdf_text(default.pdf))
    assert "Speech and Language Therapy" not in text and "Safeguarding discussion with DSL" not in text
    assert "Restricted" not in text and default.restricted == 0
    assert {x.key for x, _ in default.withheld} == {
        f"referral-{casebook['leo_referral'].id}",
        f"entry-{casebook['restricted'].id}",
    }
    written = subject_access.write_pack(session, "FAM-0001", tmp_path / "out", **_everything_in(session))
    text = _flat(_pdf_text(written.pdf))
    assert "Speech and Language Therapy, 5 October 2026 (Restricted)" in text
    assert "2 records are marked Restricted" in text
    assert written.restricted == 2


def test_kind_words_in_pdf(session, casebook, tmp_path) -> None:
    """Codes are printed as words (no raw 'family_wellbeing' or 'in_person')."""
    written = subject_access.write_pack(session, "FAM-0001", tmp_path)
    text = _flat(_pdf_text(written.pdf))
    assert "Family wellbeing" in text and "family_wellbeing" not in text
    assert Kind.DIRECT.label.lower() in text


def test_names_outside_latin_1_print_as_written(session, tmp_path) -> None:
    """A pack names people: Polish, Vietnamese or Turkish letters must not print as black boxes."""
    from setting_app.services.subject_access_pdf import pack_fonts

    if pack_fonts()[0] == "Helvetica":
        pytest.skip("no Unicode TrueType font installed on this machine")
    family = families.add_family(
        session,
        NewFamily(
            "FAM-0100",
            date(2026, 3, 1),
            carers=(Carer("Nguyễn Thị Hương", "mother"),),
            children=(NewChild("Łucja Öztürk", date(2023, 1, 2), "c1"),),
        ),
    )
    support_log.log_entry(
        session, NewEntry(family.id, date(2026, 9, 1), Domain.CHILD_DEVELOPMENT, 15, note="Ğ ş ő — “quoted”")
    )
    written = subject_access.write_pack(session, "FAM-0100", tmp_path / "out")
    text = _pdf_text(written.pdf)
    assert "Nguyễn Thị Hương" in text and "Łucja Öztürk" in text and "Ğ ş ő — “quoted”" in text
    assert "\u25a0" not in text  # the black box a missing glyph turns into


def test_names_across_lines_possessives_and_phone_numbers_are_flagged(session, casebook, tmp_path) -> None:
    with unit_of_work(session.conn):
        session.conn.execute(
            "UPDATE carers SET phone = '07700 900999' WHERE family_id = ?", (casebook["other"].id,)
        )
    support_log.log_entry(
        session,
        NewEntry(
            casebook["ours"].id,
            date(2026, 11, 2),
            Domain.FAMILY_WELLBEING,
            10,
            note="Walked home with Zara\nQuinn's sister. Zara's number: +44 7700 900999.",
        ),
    )
    _, candidates = subject_access.review(session, "FAM-0001")
    found = {c.text: c for c in candidates}
    assert found["Zara Quinn"].occurrences == 3  # family notes, an entry, and across a line break
    assert "Zara" in found and found["Zara"].occurrences == 1  # "Zara's" on its own
    assert "+44 7700 900999" in found and "phone number (FAM-0002)" in found["+44 7700 900999"].why
    assert "07700 900123" not in found  # the family's own number
    written = subject_access.write_pack(session, "FAM-0001", tmp_path / "out", redact=list(found))
    notes = [
        e["note"] for e in json.loads(written.json.read_text(encoding="utf-8"))["families"][0]["entries"]
    ]
    assert "Walked home with [redacted]'s sister. [redacted]'s number: [redacted]." in notes


def test_a_family_with_nothing_logged_gets_a_short_clear_pack(session, tmp_path) -> None:
    families.add_family(session, NewFamily("FAM-0200", date(2026, 11, 1)))
    written = subject_access.write_pack(session, "FAM-0200", tmp_path / "out")
    text = _flat(_pdf_text(written.pdf))
    for expected in ("There are no support entries.", "There are no referrals.", "None recorded."):
        assert expected in text
    assert written.entries == 0 and written.referrals == 0 and written.pages >= 1
    records.parse_record_file(records.read_record_file(written.json), today=session.clock.today())

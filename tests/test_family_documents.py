"""Family-facing documents safe for every carer (issue 16).

A two-carer family: a domestic abuse referral, a mental health referral for the mother, a private
note, an ordinary baby bank referral, and an item for each carer. Documents are made for one person;
sensitive items and the other carer's items are left out by default; a manager's review puts items
back with a reason; bad review files are refused in one line and nothing is written.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest

from setting_app.domain.codes import Consent, Domain, ReferralStatus, Role, ServiceCategory
from setting_app.domain.errors import AppError, ImportRejected, PermissionDenied
from setting_app.domain.models import Carer, NewChild, NewEntry, NewFamily
from setting_app.domain.referrals import LawfulBasis, NewTrackedReferral, Route
from setting_app.domain.sensitivity import (
    DocumentItem,
    Exemption,
    ItemKind,
    Reader,
    SensitiveMarks,
    Why,
    default_exemption,
    left_out_reasons,
    subject_access_due,
)
from setting_app.services import (
    audit,
    document_review,
    families,
    family_summary,
    info_sharing,
    records,
    staff,
    subject_access,
    support_log,
)
from setting_app.services import referrals as R
from setting_app.services.casebook import create_casebook, unlock
from setting_app.services.document_review import Choices, ReviewRefused
from setting_app.storage import audit_repo
from setting_app.storage.audit_repo import AuditFilter
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import PASSPHRASE, fixed_clock, setting_details

KASIA, CRAIG = "Kasia Hussain", "Craig Hussain"
#: Texts of items that must never reach a default document for Kasia.
WITHHELD_CANARIES = (
    "Hope Refuge Canary",  # domestic abuse referral (whole family)
    "safety plan",  # its note... and its purpose in the sharing record
    "Perinatal Canary Team",  # Kasia's mental health referral
    "Low mood since the baby was born",  # its reason
    "Craig-benefits-canary",  # Craig's own entry's note
    "07700 900777",  # Craig's phone
)


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


def build_family(session) -> dict:
    family = families.add_family(
        session,
        NewFamily(
            "FAM-0001",
            date(2026, 3, 2),
            carers=(Carer(KASIA, "mother", "07700 900555"), Carer(CRAIG, "father", "07700 900777")),
            children=(NewChild("Amira Hussain", date(2024, 6, 1), "c1"),),
        ),
    )
    other = families.add_family(
        session, NewFamily("FAM-0002", date(2026, 3, 2), carers=(Carer("Zed Other", "father"),))
    )

    def log(day, domain, minutes, note, **kw):
        return support_log.log_entry(
            session, NewEntry(family.id, day, domain, minutes, staff_id=session.user.id, note=note, **kw)
        )

    def refer(service, category, domain, made_on, **kw):
        return R.make_referral(
            session,
            NewTrackedReferral(
                family_id=family.id,
                service_name=service,
                service_category=category,
                domain=domain,
                made_on=made_on,
                consent=Consent.NOT_NEEDED,
                consent_note="The family contact the service themselves",
                route=Route.SIGNPOSTED,
                **kw,
            ),
        )

    entries = {
        "private": log(date(2026, 9, 1), Domain.FAMILY_WELLBEING, 30, "PRIVATE-NOTE-CANARY", activity_code="parenting_support"),
        "kasia": log(date(2026, 9, 8), Domain.FAMILY_WELLBEING, 20, "Kasia-own-canary", activity_code="wellbeing_checkin", carer=KASIA),
        "craig": log(date(2026, 9, 15), Domain.FINANCIAL_HARDSHIP, 40, "Craig-benefits-canary", activity_code="benefits_form_help", carer=CRAIG),
        "debt": log(date(2026, 10, 1), Domain.FINANCIAL_HARDSHIP, 15, "", activity_code="debt_advice_signpost"),
    }  # fmt: skip
    abuse = refer(
        "Hope Refuge Canary",
        ServiceCategory.DOMESTIC_ABUSE,
        Domain.FAMILY_WELLBEING,
        date(2026, 9, 20),
        note="Referral with the family's safety plan",
    )
    perinatal = refer(
        "Perinatal Canary Team",
        ServiceCategory.MENTAL_HEALTH,
        Domain.FAMILY_WELLBEING,
        date(2026, 9, 22),
        reason="Low mood since the baby was born",
        carer=KASIA,
    )
    baby_bank = refer(
        "Islington Baby Bank", ServiceCategory.FOOD_ESSENTIALS, Domain.FINANCIAL_HARDSHIP, date(2026, 10, 3)
    )
    R.change_status(session, baby_bank.id, ReferralStatus.SENT, on=date(2026, 10, 3))
    info_sharing.record_share_now(
        session,
        recipient="Hope Refuge Canary",
        what="Names and the safety plan",
        purpose="So the refuge could contact her",
        lawful_basis=LawfulBasis.CONSENT,
        consent="given",
        family_id=family.id,
        referral_id=abuse.id,
        shared_on=date(2026, 9, 20),
    )
    return {
        "family": family,
        "other": other,
        "entries": entries,
        "abuse": abuse,
        "perinatal": perinatal,
        "baby_bank": baby_bank,
    }


@pytest.fixture
def casebook(session) -> dict:
    return build_family(session)


# --- the rule ---------------------------------------------------------------------------------------


def test_the_rule_says_what_is_sensitive_and_why() -> None:
    mum = Reader(carers=(KASIA, CRAIG), carer=KASIA)

    def why(**kw) -> set[Why]:
        return {r.why for r in left_out_reasons(DocumentItem(ItemKind.REFERRAL, 1, **kw), mum)}

    assert why(service_category=ServiceCategory.DOMESTIC_ABUSE) == {Why.SENSITIVE_AREA}
    assert why(service_category=ServiceCategory.SOCIAL_CARE) == {Why.SENSITIVE_AREA}
    assert why(service_category=ServiceCategory.MENTAL_HEALTH) == {Why.SENSITIVE_AREA}
    # Sexual health and substance use have no category of their own: the service's name tells.
    assert why(service_category=ServiceCategory.OTHER, service_name="Camden Sexual Health Clinic") == {
        Why.SENSITIVE_AREA
    }
    assert why(service_category=ServiceCategory.GP_PRIMARY_CARE, service_name="Drug and Alcohol Service")
    assert why(service_category=ServiceCategory.FOOD_ESSENTIALS, service_name="Islington Baby Bank") == set()
    assert why(restricted=True) == {Why.RESTRICTED}
    assert why(carer=CRAIG) == {Why.OTHER_CARER}
    assert why(carer="Someone Gone") == {Why.NOT_A_CARER}
    assert why(carer="kasia  HUSSAIN") == set()  # her own, however it is written
    entry = DocumentItem(ItemKind.ENTRY, 2, activity_code="safeguarding_discussion")
    assert {r.why for r in left_out_reasons(entry, mum)} == {Why.SAFEGUARDING}
    signpost = DocumentItem(ItemKind.ENTRY, 3, activity_code="mental_health_signpost")
    assert [r.words for r in left_out_reasons(signpost, mum)] == ["About mental health"]
    # A note or a referral's reason can say it too (a wellbeing check-in about the perinatal team).
    chat = DocumentItem(
        ItemKind.ENTRY, 11, activity_code="wellbeing_checkin", text="Shared the perinatal team's leaflet"
    )
    assert [r.words for r in left_out_reasons(chat, mum)] == ["About mental health"]
    assert left_out_reasons(DocumentItem(ItemKind.ENTRY, 12, text="Talked about sleep routines"), mum) == ()
    # What the manager marks sensitive in Settings.
    marks = SensitiveMarks(
        categories=frozenset({ServiceCategory.HOUSING}),
        activities=frozenset({"parenting_support"}),
        services=frozenset({"islington baby bank"}),
    )
    housing = DocumentItem(ItemKind.REFERRAL, 4, service_category=ServiceCategory.HOUSING, service_name="X")
    assert {r.why for r in left_out_reasons(housing, mum, marks)} == {Why.MARKED_CATEGORY}
    parenting = DocumentItem(ItemKind.ENTRY, 5, activity_code="parenting_support")
    assert {r.why for r in left_out_reasons(parenting, mum, marks)} == {Why.MARKED_ACTIVITY}
    bank = DocumentItem(ItemKind.REFERRAL, 6, service_name="Islington  Baby Bank")
    assert {r.why for r in left_out_reasons(bank, mum, marks)} == {Why.MARKED_SERVICE}
    # A young person's document: adults' items and another child's are someone else's.
    child = Reader(carers=(KASIA, CRAIG), child_id=7, child_name="Amira")
    assert {r.why for r in left_out_reasons(DocumentItem(ItemKind.ENTRY, 8, carer=KASIA), child)} == {
        Why.ABOUT_AN_ADULT
    }
    assert {r.why for r in left_out_reasons(DocumentItem(ItemKind.ENTRY, 9, child_id=99), child)} == {
        Why.OTHER_CHILD
    }
    # A sharing record about a left-out referral is left out with it.
    share = DocumentItem(ItemKind.SHARING, 10, text="Health visitor", referral_id=1)
    assert {r.why for r in left_out_reasons(share, mum, left_out_referrals=frozenset({1}))} == {Why.LINKED}
    assert left_out_reasons(share, mum) == ()


def test_exemptions_are_named_and_defaulted() -> None:
    mum = Reader(carers=(KASIA, CRAIG), carer=KASIA)
    other = left_out_reasons(DocumentItem(ItemKind.ENTRY, 1, carer=CRAIG), mum)
    assert default_exemption(other) is Exemption.THIRD_PARTY
    assert "Schedule 2, Part 3, paragraph 16" in Exemption.THIRD_PARTY.label
    talk = left_out_reasons(DocumentItem(ItemKind.ENTRY, 2, activity_code="safeguarding_discussion"), mum)
    assert default_exemption(talk) is Exemption.CHILD_ABUSE_DATA
    health = left_out_reasons(
        DocumentItem(ItemKind.REFERRAL, 3, service_category=ServiceCategory.MENTAL_HEALTH), mum
    )
    assert default_exemption(health) is Exemption.SERIOUS_HARM_HEALTH
    abuse = left_out_reasons(
        DocumentItem(ItemKind.REFERRAL, 4, service_category=ServiceCategory.DOMESTIC_ABUSE), mum
    )
    assert default_exemption(abuse) is Exemption.SERIOUS_HARM_SOCIAL_WORK
    assert "serious harm test" in Exemption.SERIOUS_HARM_SOCIAL_WORK.label
    assert "Schedule 3, Part 3" in Exemption.SERIOUS_HARM_SOCIAL_WORK.label


def test_the_one_month_clock() -> None:
    assert subject_access_due(date(2026, 11, 3)) == date(2026, 12, 3)
    assert subject_access_due(date(2027, 1, 31)) == date(2027, 3, 1)  # 28 Feb 2027 is a Sunday
    assert subject_access_due(date(2028, 1, 31)) == date(2028, 2, 29)  # leap year, a Tuesday
    assert subject_access_due(date(2026, 12, 15)) == date(2027, 1, 15)
    assert subject_access_due(date(2026, 9, 5)) == date(2026, 10, 5)  # a Monday
    assert subject_access_due(date(2026, 9, 3)) == date(2026, 10, 5)  # 3 October 2026 is a Saturday


# --- the family summary ----------------------------------------------------------------------------


def _count_claims(text: str) -> int:
    match = re.search(r"We have helped your family (once|twice|(\d+) times)", text)
    assert match, "no count in the summary"
    return {"once": 1, "twice": 2}.get(match.group(1)) or int(match.group(2))


def test_default_summary_for_the_mother_has_the_baby_bank_and_nothing_sensitive(
    session, casebook, tmp_path
) -> None:
    target = tmp_path / "kasia.pdf"
    prepared = family_summary.write_summary(session, "FAM-0001", target, person=KASIA)
    summary = prepared.summary
    text = pdf_text(target)
    assert "For Kasia Hussain (family reference FAM-0001)" in text
    assert "Islington Baby Bank" in text
    for canary in (*WITHHELD_CANARIES, "PRIVATE-NOTE-CANARY"):  # staff's notes are not in a summary
        assert canary not in text, canary
    assert CRAIG not in text and "Domestic abuse" not in text and "Mental health" not in text
    # Her own wellbeing check-in is in; Craig's benefits help and the private-note entry are not.
    assert "A chat about how you are" in text and "Help with a benefits or funding form" not in text
    assert [r.service for r in summary.referrals] == ["Islington Baby Bank"]
    assert [line.about for line in summary.support if line.what == "A chat about how you are"] == ["You"]
    # Counts add up over what is shown.
    assert _count_claims(text) == len(summary.support) == 3
    assert "Who we asked to help you" in text and len(summary.referrals) == 1
    assert summary.sharing == ()  # the share with the refuge went with its referral
    assert "We have not shared information about your family with anyone." in text
    # Plain English: no "signposting".
    assert "ignpost" not in text and "We put you in touch with money or debt advice" in text
    left = {x.key: x for x in summary.left_out}
    assert {k for k in left if not k.startswith("sharing-")} == {
        f"entry-{casebook['entries']['craig'].id}",
        f"referral-{casebook['abuse'].id}",
        f"referral-{casebook['perinatal'].id}",
    }
    (share,) = [x for x in summary.left_out if x.key.startswith("sharing-")]
    assert "About a referral that is left out" in share.why or "domestic abuse" in share.why
    assert left[f"referral-{casebook['abuse'].id}"].why == "About domestic abuse"
    assert "About another carer (Craig Hussain)" in left[f"entry-{casebook['entries']['craig'].id}"].why
    # The dates of a referral are the same everywhere in the document.
    assert text.count("3 October 2026") >= 1 and "Since" not in text


def test_the_fathers_summary_holds_his_items_and_not_the_mothers(session, casebook, tmp_path) -> None:
    target = tmp_path / "craig.pdf"
    prepared = family_summary.write_summary(session, "FAM-0001", target, person="craig hussain")
    text = pdf_text(target)
    assert prepared.summary.made_for == CRAIG and "For Craig Hussain" in text
    assert "Help with a benefits or funding form" in text and "07700 900777" in text
    for canary in ("Perinatal Canary Team", "Low mood", "A chat about how you are", "07700 900555", KASIA):
        assert canary not in text, canary
    assert "Hope Refuge Canary" not in text


def test_a_young_persons_summary_leaves_out_the_adults_items(session, casebook, tmp_path) -> None:
    families.add_child(session, casebook["family"].id, NewChild("Zayn Hussain", date(2025, 2, 1)))
    target = tmp_path / "amira.pdf"
    prepared = family_summary.write_summary(session, "FAM-0001", target, person="Amira Hussain")
    text = pdf_text(target)
    assert prepared.summary.made_for == "Amira Hussain" and "For Amira Hussain" in text
    assert "Zayn Hussain" not in text and KASIA not in text and CRAIG not in text
    assert "A chat about how you are" not in text  # about her mother
    assert "Islington Baby Bank" in text


def test_a_summary_is_for_a_person_never_the_family(session, casebook, tmp_path) -> None:
    with pytest.raises(AppError, match="Say who the document for FAM-0001 is for: 'Kasia Hussain' or"):
        family_summary.prepare_summary(session, "FAM-0001")
    with pytest.raises(AppError, match="'Nobody' is not a carer or child of FAM-0001"):
        family_summary.prepare_summary(session, "FAM-0001", person="Nobody")


def test_a_manager_puts_an_item_back_with_a_reason_and_it_is_audited(session, casebook, tmp_path) -> None:
    key = f"referral-{casebook['perinatal'].id}"
    with pytest.raises(ReviewRefused, match="without a reason"):
        family_summary.prepare_summary(session, "FAM-0001", person=KASIA, choices=Choices(include={key: " "}))
    prepared = family_summary.prepare_summary(
        session, "FAM-0001", person=KASIA, choices=Choices(include={key: "She asked for it to be listed"})
    )
    assert [r.service for r in prepared.summary.referrals] == ["Perinatal Canary Team", "Islington Baby Bank"]
    family_summary.save_summary(session, prepared, tmp_path / "s.pdf")
    assert "Perinatal Canary Team" in pdf_text(tmp_path / "s.pdf")
    rows = audit_repo.list_audit(
        session.conn, AuditFilter(family_id=casebook["family"].id, action=audit.UPDATE)
    )
    assert any("put back 1 left-out item" in r.detail and key in r.detail for r in rows)
    assert all("She asked" not in r.detail for r in rows)  # the reason is not in the audit trail
    (decision,) = [
        d for d in document_review.decisions(session, casebook["family"].id) if d["decision"] == "included"
    ]
    assert (decision["item"], decision["reason"], decision["made_for"]) == (
        key,
        "She asked for it to be listed",
        KASIA,
    )


def test_a_practitioner_cannot_put_items_back(session, casebook, data_dir) -> None:
    staff.add_user(session, "pat", Role.PRACTITIONER, "another long passphrase", kdf=TEST_ONLY_FAST_KDF)
    pat = unlock(data_dir, "pat", "another long passphrase", clock=fixed_clock())
    try:
        default = family_summary.prepare_summary(pat, "FAM-0001", person=KASIA)
        assert [r.service for r in default.summary.referrals] == ["Islington Baby Bank"]
        key = f"referral-{casebook['abuse'].id}"
        with pytest.raises(PermissionDenied, match="Only a manager"):
            family_summary.prepare_summary(pat, "FAM-0001", person=KASIA, choices=Choices(include={key: "x"}))
    finally:
        pat.close()


def test_marking_an_activity_or_service_sensitive_leaves_it_out(session, casebook) -> None:
    before = family_summary.prepare_summary(session, "FAM-0001", person=KASIA).summary
    assert "Islington Baby Bank" in [r.service for r in before.referrals]
    document_review.set_sensitive_marks(
        session,
        SensitiveMarks(
            activities=frozenset({"wellbeing_checkin"}), services=frozenset({"islington baby bank"})
        ),
    )
    marks = document_review.sensitive_marks(session)
    assert marks.activities == {"wellbeing_checkin"} and marks.services == {"islington baby bank"}
    after = family_summary.prepare_summary(session, "FAM-0001", person=KASIA).summary
    assert after.referrals == () and len(after.support) == len(before.support) - 1
    with pytest.raises(AppError, match="There is no activity type 'nonsense'"):
        document_review.set_sensitive_marks(session, SensitiveMarks(activities=frozenset({"nonsense"})))


# --- the review file -------------------------------------------------------------------------------


def test_cli_review_file_round_trip_and_bad_files(cli, tmp_path) -> None:
    assert cli.init().code == 0
    session = unlock(cli.data_dir, "manager", PASSPHRASE, clock=fixed_clock())
    try:
        ids = build_family(session)
    finally:
        session.close()
    review = tmp_path / "review.json"
    out = tmp_path / "summary.pdf"
    # Two carers and no --for: one plain line.
    nobody = cli("family", "summary", "FAM-0001", "--out", str(out))
    assert nobody.code == 1 and len(nobody.err.strip().splitlines()) == 1 and "Say who" in nobody.err
    # The review file is written, and no summary.
    first = cli("family", "summary", "FAM-0001", "--for", KASIA, "--review", str(review))
    assert first.code == 0, first.err
    assert "No summary was made" in first.out and not out.exists()
    doc = json.loads(review.read_text(encoding="utf-8"))
    assert doc["family"] == "FAM-0001" and doc["made_for"] == KASIA
    by_id = {item["id"]: item for item in doc["left_out"]}
    abuse = f"referral-{ids['abuse'].id}"
    assert by_id[abuse]["why"] == ["About domestic abuse"] and by_id[abuse]["include"] is False

    def refused(data: dict, name: str) -> str:
        path = tmp_path / name
        path.write_text(json.dumps(data), encoding="utf-8")
        target = tmp_path / f"{name}.pdf"
        result = cli(
            "family", "summary", "FAM-0001", "--for", KASIA, "--review", str(path), "--out", str(target)
        )
        assert result.code == 1 and not target.exists(), result.out
        assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
        assert "No document was written" in result.err
        return result.err

    assert "another family" in refused({**doc, "family": "FAM-0002"}, "other.json")
    unknown = {**doc, "left_out": [*doc["left_out"], {"id": "entry-99999", "include": False, "reason": ""}]}
    assert "entry-99999" in refused(unknown, "unknown.json")
    assert "made for" in refused({**doc, "made_for": CRAIG}, "craig.json")
    no_reason = json.loads(json.dumps(doc))
    next(i for i in no_reason["left_out"] if i["id"] == abuse)["include"] = True
    assert "without a reason" in refused(no_reason, "no-reason.json")
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    broken = cli(
        "family",
        "summary",
        "FAM-0001",
        "--for",
        KASIA,
        "--review",
        str(tmp_path / "broken.json"),
        "--out",
        str(out),
    )
    assert broken.code == 1 and "not a review file" in broken.err and not out.exists()

    # A manager puts the baby bank's neighbour back: the perinatal referral, with a reason.
    chosen = json.loads(json.dumps(doc))
    perinatal = f"referral-{ids['perinatal'].id}"
    item = next(i for i in chosen["left_out"] if i["id"] == perinatal)
    item["include"], item["reason"] = True, "Kasia asked for it to be in her summary"
    review.write_text(json.dumps(chosen), encoding="utf-8")
    applied = cli("family", "summary", "FAM-0001", "--for", KASIA, "--review", str(review), "--out", str(out))
    assert applied.code == 0, applied.err
    text = pdf_text(out)
    assert "Perinatal Canary Team" in text and "Hope Refuge Canary" not in text
    assert "put 1 left-out item back in" in applied.out

    # The casebook changes: the same file is now stale.
    session = unlock(cli.data_dir, "manager", PASSPHRASE, clock=fixed_clock())
    try:
        R.change_status(session, ids["baby_bank"].id, ReferralStatus.ACCEPTED, on=date(2026, 10, 10))
    finally:
        session.close()
    stale = tmp_path / "stale.pdf"
    result = cli(
        "family", "summary", "FAM-0001", "--for", KASIA, "--review", str(review), "--out", str(stale)
    )
    assert result.code == 1 and "records changed" in result.err and not stale.exists()


# --- the subject access pack ----------------------------------------------------------------------


def test_the_mothers_pack_holds_her_own_items_and_not_the_fathers(session, casebook, tmp_path) -> None:
    written = subject_access.write_pack(
        session, "FAM-0001", tmp_path / "pack", person=KASIA, received_on=date(2026, 11, 3)
    )
    text = " ".join(pdf_text(written.pdf).split())
    raw = written.json.read_text(encoding="utf-8")
    assert "Subject access pack: Kasia Hussain" in text and "Kasia Hussain (subject access request)" in text
    assert "Kasia-own-canary" in text and "07700 900555" in text  # her own
    assert "Islington Baby Bank" in text and "Islington Baby Bank" in raw
    for canary in WITHHELD_CANARIES:
        assert canary not in text, canary
        assert canary not in raw, canary
    assert "Craig" not in text and "Craig" not in raw
    # The one-month clock.
    assert "Request received" in text and "Reply due by" in text
    assert "3 November 2026 3 December 2026 (one calendar month)" in text
    assert (written.received_on, written.due_on) == (date(2026, 11, 3), date(2026, 12, 3))
    # The pack says what the law allows, whatever was withheld; it names nothing withheld.
    assert "Data Protection Act 2018, Schedules 2 and 3" in text
    # Counts match what is shown.
    counts = re.search(
        r"In this pack: (\d+) support entr\w+, (\d+) referrals?, (\d+) information-sharing", text
    )
    assert counts and (int(counts[1]), int(counts[2]), int(counts[3])) == (
        written.entries,
        written.referrals,
        0,
    )
    family = json.loads(raw)["families"][0]
    assert (
        len(family["entries"]) == written.entries == 3 and len(family["referrals"]) == written.referrals == 1
    )
    assert [c["name"] for c in family["carers"]] == [KASIA]
    # The withheld log: each item, why, and the exemption; kept in the casebook, not in the pack.
    withheld = {x.key: label for x, label in written.withheld}
    assert "Schedule 2, Part 3, paragraph 16" in withheld[f"entry-{casebook['entries']['craig'].id}"]
    assert "Schedule 3, Part 2, paragraph 5" in withheld[f"referral-{casebook['perinatal'].id}"]
    assert "Schedule 3, Part 3, paragraph 10" in withheld[f"referral-{casebook['abuse'].id}"]
    log = subject_access.withheld_log(session, "FAM-0001")
    assert {r["item"] for r in log if r["decision"] == "withheld"} == set(withheld)
    assert {r["exemption"] for r in log if r["item"] == f"referral-{casebook['abuse'].id}"} == {
        "serious_harm_social_work"
    }
    # The pack's own sharing record says Kasia asked: Craig's summary leaves it out.
    craigs = family_summary.prepare_summary(session, "FAM-0001", person=CRAIG).summary
    assert all("subject access" not in x.with_whom for x in craigs.sharing)
    assert any("subject access request" in x.why for x in craigs.left_out)
    # The access audit in the pack names no record by number (a gap in a run could give one away).
    assert not re.search(r"(entry|referral) #\d", text)
    assert "entry" in text  # ...but it does list the entries' audit rows


def test_the_pack_redacts_the_other_carers_name_in_her_own_notes(session, casebook, tmp_path) -> None:
    support_log.log_entry(
        session,
        NewEntry(casebook["family"].id, date(2026, 11, 2), Domain.FAMILY_WELLBEING, 10,
                 note="Craig Hussain phoned on 07700 900777 about Craig's shifts", carer=KASIA),
    )  # fmt: skip
    written = subject_access.write_pack(session, "FAM-0001", tmp_path / "a", person=KASIA)
    raw = written.json.read_text(encoding="utf-8")
    assert "[redacted] phoned on [redacted] about [redacted]'s shifts" in raw
    assert "Craig" not in pdf_text(written.pdf)
    kept = subject_access.write_pack(
        session, "FAM-0001", tmp_path / "b", person=KASIA,
        keep={"Craig Hussain": "He is named with his agreement", "Craig": "He is named with his agreement"},
    )  # fmt: skip
    assert "Craig Hussain phoned" in kept.json.read_text(encoding="utf-8")
    log = subject_access.withheld_log(session, "FAM-0001")
    assert any(r["decision"] == "kept" and r["reason"] == "He is named with his agreement" for r in log)


def test_cli_pack_review_and_exemption_choice(cli, tmp_path) -> None:
    assert cli.init().code == 0
    session = unlock(cli.data_dir, "manager", PASSPHRASE, clock=fixed_clock())
    try:
        ids = build_family(session)
    finally:
        session.close()
    review = tmp_path / "sar-review.json"
    first = cli("subject-access", "FAM-0001", "--for", KASIA, "--review", str(review))
    assert first.code == 0, first.err and "No pack was written" in first.out
    doc = json.loads(review.read_text(encoding="utf-8"))
    assert doc["document"] == "subject_access" and "third_party" in doc["exemptions"]
    abuse = next(i for i in doc["left_out"] if i["id"] == f"referral-{ids['abuse'].id}")
    abuse["exemption"] = "crime"
    perinatal = next(i for i in doc["left_out"] if i["id"] == f"referral-{ids['perinatal'].id}")
    perinatal["include"], perinatal["reason"] = True, "Her own referral; she asked for it"
    # A bad exemption in the review file: one line, nothing written.
    bad_doc = json.loads(json.dumps(doc))
    next(i for i in bad_doc["left_out"] if i["id"] == abuse["id"])["exemption"] = "because"
    (tmp_path / "bad.json").write_text(json.dumps(bad_doc), encoding="utf-8")
    bad = cli(
        "subject-access",
        "FAM-0001",
        "--for",
        KASIA,
        "--review",
        str(tmp_path / "bad.json"),
        "--out-dir",
        str(tmp_path / "x"),
    )
    assert bad.code == 1 and "not an exemption" in bad.err and not (tmp_path / "x").exists()
    review.write_text(json.dumps(doc), encoding="utf-8")
    out_dir = tmp_path / "pack"
    result = cli(
        "subject-access", "FAM-0001", "--for", KASIA, "--review", str(review), "--out-dir", str(out_dir),
        "--received", "2026-11-03",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert "reply is due by 2026-12-03" in result.out and "withheld" in result.out
    assert "Schedule 2, Part 1, paragraph 2" in result.out  # the exemption chosen for the refuge referral
    text = pdf_text(out_dir / "FAM-0001-subject-access.pdf")
    assert "Perinatal Canary Team" in text and "Hope Refuge Canary" not in text
    log = cli("subject-access", "FAM-0001", "--withheld-log")
    assert log.code == 0 and "crime" in log.out and "Her own referral" in log.out


# --- the record format -----------------------------------------------------------------------------


def test_record_format_4_carries_the_carer_and_older_versions_still_read(session, casebook, tmp_path) -> None:
    doc = records.export_families(session, ["FAM-0001"])
    assert doc["version"] == 4
    family = doc["families"][0]
    assert [e.get("carer") for e in family["entries"]] == [None, KASIA, CRAIG, None]
    assert [r.get("carer") for r in family["referrals"]] == [None, KASIA, None]
    checked = records.parse_record_file(doc, today=session.clock.today())
    assert [e.carer for e in checked.families[0].entries] == ["", KASIA, CRAIG, ""]
    # Version 3 cannot mark a carer: export refuses it, and a version-3 file may not use the field.
    with pytest.raises(AppError, match="version 4"):
        records.export_families(session, ["FAM-0001"], version=3)
    with pytest.raises(ImportRejected, match=r"unknown field 'carer' \(it needs version 4 of the format\)"):
        records.parse_record_file({**doc, "version": 3}, today=session.clock.today())
    wrong = json.loads(json.dumps(doc))
    wrong["families"][0]["entries"][1]["carer"] = "Someone Else"
    with pytest.raises(ImportRejected, match="is not the name of a carer of this family"):
        records.parse_record_file(wrong, today=session.clock.today())
    # It imports into another casebook with the carers kept.
    other = create_casebook(
        tmp_path / "elsewhere",
        setting_details(), "manager", "M", PASSPHRASE, kdf=TEST_ONLY_FAST_KDF, clock=fixed_clock(),
    ).session  # fmt: skip
    try:
        records.import_records(other, {**doc, "families": [family]})
        moved = families.find_family(other, "FAM-0001")
        assert sorted(e.carer for e in support_log.family_chronology(other, moved.id)) == [
            "",
            "",
            CRAIG,
            KASIA,
        ]
        assert sorted(x.carer for x in R.family_referrals(other, moved.id)) == ["", "", KASIA]
    finally:
        other.close()
    # A family without carer marks still exports as version 3 for an older app.
    assert records.export_families(session, ["FAM-0002"], version=3)["version"] == 3


def test_cli_marks_sensitive_items_and_logs_for_one_carer(cli, tmp_path) -> None:
    assert cli.init().code == 0
    session = unlock(cli.data_dir, "manager", PASSPHRASE, clock=fixed_clock())
    try:
        build_family(session)
    finally:
        session.close()
    logged = cli(
        "log", "add", "--family", "FAM-0001", "--domain", "family_wellbeing", "--minutes", "10",
        "--carer", "craig hussain", "--note", "Craig-cli-canary",
    )  # fmt: skip
    assert logged.code == 0, logged.err
    wrong = cli(
        "log",
        "add",
        "--family",
        "FAM-0001",
        "--domain",
        "family_wellbeing",
        "--minutes",
        "10",
        "--carer",
        "Nobody",
    )
    assert wrong.code == 1 and "is not a carer of family FAM-0001" in wrong.err
    marked = cli("sensitive", "mark", "--service", "Islington Baby Bank", "--category", "housing")
    assert marked.code == 0 and "1 service kinds" in marked.out and "1 services" in marked.out
    listed = cli("sensitive", "list")
    assert "Islington Baby Bank" in listed.out and "housing" in listed.out
    out = tmp_path / "s.pdf"
    made = cli("family", "summary", "FAM-0001", "--for", KASIA, "--out", str(out))
    assert made.code == 0, made.err
    assert "Islington Baby Bank" not in pdf_text(out)
    assert cli("sensitive", "unmark", "--service", "islington baby bank").code == 0
    cli("family", "summary", "FAM-0001", "--for", KASIA, "--out", str(out))
    assert "Islington Baby Bank" in pdf_text(out)
    craigs = tmp_path / "craig.pdf"
    assert (
        cli("family", "summary", "FAM-0001", "--for", CRAIG, "--out", str(craigs), "--every-visit").code == 0
    )
    # His entry is his, but its note is a staff note: never in a default summary.
    assert "Craig-cli-canary" not in pdf_text(craigs)


def test_a_manager_says_which_carer_an_existing_record_concerns(cli, tmp_path) -> None:
    assert cli.init().code == 0
    session = unlock(cli.data_dir, "manager", PASSPHRASE, clock=fixed_clock())
    try:
        ids = build_family(session)
    finally:
        session.close()
    baby_bank = ids["baby_bank"].id
    done = cli("family", "carer", "FAM-0001", "--referral", str(baby_bank), "--carer", "craig hussain")
    assert done.code == 0 and "now about Craig Hussain" in done.out
    out = tmp_path / "k.pdf"
    assert cli("family", "summary", "FAM-0001", "--for", KASIA, "--out", str(out)).code == 0
    assert "Islington Baby Bank" not in pdf_text(out)
    other = cli("family", "carer", "FAM-0002", "--referral", str(baby_bank), "--carer", "")
    assert other.code == 1 and "FAM-0002 has no referral" in other.err
    assert cli("family", "carer", "FAM-0001", "--referral", str(baby_bank), "--carer", "").code == 0
    assert cli("family", "summary", "FAM-0001", "--for", KASIA, "--out", str(out)).code == 0
    assert "Islington Baby Bank" in pdf_text(out)
    assert cli("family", "carer", "FAM-0001", "--carer", KASIA).code == 2

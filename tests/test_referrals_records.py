"""Record file version 3: referrals travel with their workflow details, status history and chases."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest

from setting_app.domain.codes import Consent, Domain, ReferralStatus, Role, ServiceCategory
from setting_app.domain.errors import ImportRejected
from setting_app.domain.models import NewChild, NewFamily
from setting_app.domain.referrals import LawfulBasis, NewTrackedReferral, Route, StatusReason, Urgency
from setting_app.services import families, records
from setting_app.services import referrals as R
from setting_app.services.casebook import create_casebook
from setting_app.storage import referral_repo, service_repo, staff_repo
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from setting_app.storage.unit_of_work import unit_of_work
from tests.conftest import PASSPHRASE, fixed_clock, setting_details
from tests.test_agreements import cover_all

S = ReferralStatus
FIXTURES = Path(__file__).parent / "fixtures" / "records"


def _casebook_with_referrals(session) -> None:
    """Referrals made and moved through the services, with every workflow field used."""
    cover_all(session)  # sending now names the data-sharing agreement that covers it
    with unit_of_work(session.conn):
        worker = staff_repo.add_staff(
            session.conn, "jo.smith", "Jo Smith", Role.PRACTITIONER, session.clock.now()
        )
    family = families.add_family(
        session, NewFamily("FAM-0007", date(2026, 1, 5), children=(NewChild("Łucja", date(2023, 3, 1)),))
    )
    child = families.list_children(session, family.id)[0]
    slt = R.make_referral(
        session,
        NewTrackedReferral(
            family_id=family.id,
            service_name="Children's Speech and Language Therapy",
            service_category=ServiceCategory.SPEECH_LANGUAGE,
            domain=Domain.INCLUSION_SEND,
            made_on=date(2026, 9, 1),
            consent=Consent.GIVEN,
            consent_given_by="Zoë (mother)",
            consent_given_on=date(2026, 8, 30),
            consent_scope="Speech concerns, to the SLT team",
            child_id=child.id,
            made_by=worker.id,
            route=Route.REFERRED,
            urgency=Urgency.SOON,
            reason='Few words at 3; "urgent" per Mum',
            expected_response_on=date(2026, 9, 20),
            note="Line one\nLine two",
        ),
    )
    R.change_status(session, slt.id, S.SENT, on=date(2026, 9, 2), note="Emailed the form")
    R.chase_referral(session, slt.id, on=date(2026, 9, 25), note="Voicemail")
    R.change_status(session, slt.id, S.WAITLISTED, on=date(2026, 10, 1))
    R.change_status(
        session, slt.id, S.DECLINED, reason=StatusReason.WAITING_LIST_CLOSED, on=date(2026, 11, 2)
    )

    override = R.make_referral(
        session,
        NewTrackedReferral(
            family_id=family.id,
            service_name="Early Help Front Door",
            service_category=ServiceCategory.EARLY_HELP,
            domain=Domain.FAMILY_WELLBEING,
            made_on=date(2026, 11, 10),
            consent=Consent.OVERRIDDEN,
            lawful_basis=LawfulBasis.LEGAL_OBLIGATION,
            override_rationale="Risk of harm; asking would increase it",
            urgency=Urgency.URGENT,
            status=S.SENT,
        ),
    )
    R.chase_referral(session, override.id, on=date(2026, 11, 20), next_due_on=date(2026, 11, 27))
    signposted = R.make_referral(
        session,
        NewTrackedReferral(
            family_id=family.id,
            service_name="Rhyme Time",
            service_category=ServiceCategory.OTHER,
            domain=Domain.CHILD_DEVELOPMENT,
            made_on=date(2026, 11, 1),
            consent=Consent.NOT_NEEDED,
            consent_note="Family go themselves",
            route=Route.SIGNPOSTED,
        ),
    )
    R.change_status(session, signposted.id, S.COMPLETED, on=date(2026, 11, 15), note="They loved it")


def _fresh(tmp_path: Path, name: str):
    return create_casebook(
        tmp_path / name,
        setting_details(),
        "manager",
        "M",
        PASSPHRASE,
        kdf=TEST_ONLY_FAST_KDF,
        clock=fixed_clock(),
    ).session


def test_version_3_round_trip_keeps_every_referral_detail(session, tmp_path: Path) -> None:
    _casebook_with_referrals(session)
    first = records.export_families(session)
    assert first["version"] == records.WRITE_VERSION == 4
    [family] = first["families"]
    slt = family["referrals"][0]
    assert (
        slt["route"] == "referred"
        and slt["urgency"] == "soon"
        and slt["expected_response_on"] == "2026-09-20"
    )
    assert slt["consent_given_on"] == "2026-08-30" and slt["made_by"] == "jo.smith"
    assert [(h["status"], h["changed_on"], h["reason"]) for h in slt["history"]] == [
        ("draft", "2026-09-01", None),
        ("sent", "2026-09-02", None),
        ("waitlisted", "2026-10-01", None),
        ("declined", "2026-11-02", "waiting_list_closed"),
    ]
    assert list(slt["history"][0]) == ["status", "changed_on", "reason", "note", "changed_by"]
    assert slt["history"][1]["note"] == "Emailed the form" and slt["history"][1]["changed_by"] == "manager"
    assert slt["chases"] == [
        {"chased_on": "2026-09-25", "chased_by": "manager", "note": "Voicemail", "next_due_on": "2026-10-09"}
    ]
    override = family["referrals"][2]
    assert (override["lawful_basis"], override["override_by"], override["due_on"]) == (
        "legal_obligation",
        "manager",
        "2026-11-27",
    )

    fresh = _fresh(tmp_path, "other")
    try:
        summary = records.import_records(fresh, first)
        assert summary.referrals == 3
        again = records.export_families(fresh)
        assert records.dumps_record_file(again) == records.dumps_record_file(first)
        imported = {
            r.service_name: r for r in R.family_referrals(fresh, families.find_family(fresh, "FAM-0007").id)
        }
        early_help = imported["Early Help Front Door"]
        assert early_help.due_on == date(2026, 11, 27) and early_help.chase_count == 1
        assert early_help.override_by == fresh.user.id
        assert [s.name for s in service_repo.list_services(fresh.conn)] == [
            "Children's Speech and Language Therapy",
            "Early Help Front Door",
            "Rhyme Time",
        ]
        assert all(r.service_id is not None for r in imported.values())
    finally:
        fresh.close()


def test_version_1_and_2_files_are_still_read(session) -> None:
    v1 = json.loads((FIXTURES / "sample_v1.json").read_text())
    records.import_records(session, v1)
    [referral] = referral_repo.list_family_referrals(
        session.conn, families.find_family(session, "FAM-0001").id
    )
    assert referral.status is S.ACCEPTED and referral.route is Route.REFERRED
    assert referral.due_on == date(2026, 10, 17)  # out with the service: followed up 14 days on
    assert [h.status for h in referral_repo.list_history(session.conn, referral.id)] == [S.ACCEPTED]
    assert service_repo.get_service(session.conn, referral.service_id).name == "Islington Food Bank"
    # The same referral exported as version 2 has no version-3 fields.
    v2 = records.export_families(session, version=2)
    assert "history" not in v2["families"][0]["referrals"][0]
    with pytest.raises(Exception, match="Export writes version 2 or 3"):
        records.export_families(session, version=1)


def _v3_with(session, change) -> dict:
    _casebook_with_referrals(session)
    doc = records.export_families(session)
    doc["families"][0]["ref"] = "FAM-0999"
    change(doc["families"][0]["referrals"][0])
    return doc


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r["history"].pop(), "ends at waitlisted but the referral's status is declined"),
        (lambda r: r["history"][2].update(status="completed"), "A sent referral cannot become completed"),
        (lambda r: r["history"][2].update(changed_on="2026-09-01"), "is before the change listed above it"),
        (lambda r: r["history"][1].update(reason="no_response"), "only a declined or withdrawn"),
        (lambda r: r["history"][0].update(when="today"), "unknown field 'when'"),
        (lambda r: r.update(route="carrier_pigeon"), "route: 'carrier_pigeon' is not one of"),
        (lambda r: r.update(lawful_basis="because"), "lawful_basis: 'because' is not one of"),
        (lambda r: r["chases"][0].update(next_due_on="2026-09-01"), "is before chased_on"),
        (lambda r: r["history"][3].update(changed_on="2027-01-01"), "in the future"),
    ],
)
def test_bad_version_3_referrals_are_refused_whole(session, change, message) -> None:
    doc = _v3_with(session, change)
    before = session.conn.execute("SELECT count(*) FROM referrals").fetchone()[0]
    with pytest.raises(ImportRejected, match=message):
        records.import_records(session, doc)
    assert session.conn.execute("SELECT count(*) FROM referrals").fetchone()[0] == before


def test_version_3_fields_in_a_version_2_file_are_refused(session) -> None:
    doc = json.loads((FIXTURES / "full_v2.json").read_text())
    broken = copy.deepcopy(doc)
    broken["families"][0]["referrals"][0]["history"] = []
    with pytest.raises(ImportRejected, match=r"unknown field 'history' \(it needs version 3 of the format\)"):
        records.import_records(session, broken)
    v1 = json.loads((FIXTURES / "sample_v1.json").read_text())
    v1["families"][0]["referrals"][0]["made_by"] = "manager"
    with pytest.raises(ImportRejected, match=r"needs version 2 of the format"):
        records.import_records(session, v1)

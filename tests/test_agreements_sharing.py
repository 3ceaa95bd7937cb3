"""Shares name their data-sharing agreement: a referral sent, a record file exported for a partner."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from setting_app.domain.agreements import AgreementParty
from setting_app.domain.codes import Consent, Domain, ReferralStatus, ServiceCategory
from setting_app.domain.errors import NotFound, ValidationError
from setting_app.domain.models import NewFamily
from setting_app.domain.referrals import NewTrackedReferral, SharingOccasion
from setting_app.services import agreements as A
from setting_app.services import families, records
from setting_app.services import referrals as R
from setting_app.storage import sharing_repo
from tests.conftest import TODAY
from tests.test_agreements import new_agreement

S = ReferralStatus


def _draft(
    session,
    *,
    status: ReferralStatus = S.DRAFT,
    category=ServiceCategory.HOUSING,
    service="Town Hall Housing",
):
    family = families.add_family(session, NewFamily("FAM-0001", date(2026, 1, 5)))
    return R.make_referral(
        session,
        NewTrackedReferral(
            family_id=family.id,
            service_name=service,
            service_category=category,
            domain=Domain.FINANCIAL_HARDSHIP,
            made_on=date(2026, 11, 20),
            consent=Consent.GIVEN,
            consent_given_by="A Carer (father)",
            consent_given_on=date(2026, 11, 20),
            consent_scope="Contact details and housing worries",
            status=status,
            reason="Damp flat",
        ),
    )


def _state(session) -> tuple:
    conn = session.conn
    return tuple(
        tuple(tuple(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY 1"))
        for table in ("referrals", "referral_status_history", "information_sharing")
    )


def test_a_send_with_no_agreement_and_no_reason_is_refused_and_nothing_changes(session) -> None:
    draft = _draft(session)
    before = _state(session)
    with pytest.raises(ValidationError) as caught:
        R.change_status(session, draft.id, S.SENT)
    assert caught.value.field == "agreement" and "say why" in caught.value.problem
    assert _state(session) == before
    assert R.get_referral(session, draft.id).status is S.DRAFT


def test_a_share_without_an_agreement_records_its_reason_in_the_same_transaction(session) -> None:
    draft = _draft(session)
    sent = R.change_status(
        session, draft.id, S.SENT, no_agreement_reason="Council has not signed one yet; urgent"
    )
    assert sent.status is S.SENT
    [record] = sharing_repo.list_records(session.conn)
    assert (record.referral_id, record.agreement_id, record.no_agreement_reason) == (
        draft.id,
        None,
        "Council has not signed one yet; urgent",
    )
    [missing] = A.shares_without_agreement(session)
    assert missing.id == record.id


def test_a_failed_share_undoes_the_send_with_its_agreement_choice(session) -> None:
    draft = _draft(session)
    session.conn.execute(
        "CREATE TEMP TRIGGER fail_share BEFORE INSERT ON information_sharing "
        "BEGIN SELECT RAISE(ABORT, 'simulated failure'); END"
    )
    before = _state(session)
    with pytest.raises(Exception, match="simulated failure"):
        R.change_status(session, draft.id, S.SENT, no_agreement_reason="Urgent")
    assert _state(session) == before


def test_the_one_covering_agreement_is_named_on_the_share_and_lists_it(session) -> None:
    housing = A.add_agreement(
        session,
        new_agreement(
            title="Housing agreement",
            parties=(AgreementParty("Town Hall Housing", "local_authority", "housing"),),
        ),
    )
    draft = _draft(session)
    R.change_status(session, draft.id, S.SENT, on=TODAY)
    [record] = A.shares_covered(session, housing.id)
    assert (record.referral_id, record.agreement_id, record.no_agreement_reason) == (draft.id, housing.id, "")
    assert A.get_agreement(session, housing.id).share_count == 1
    assert A.shares_without_agreement(session) == []


def test_a_referral_made_as_sent_follows_the_same_rule(session) -> None:
    with pytest.raises(ValidationError):
        _draft(session, status=S.SENT)
    assert session.conn.execute("SELECT count(*) FROM referrals").fetchone()[0] == 0
    family = families.add_family(session, NewFamily("FAM-0002", date(2026, 1, 5)))
    ended = A.add_agreement(session, new_agreement(ends_on=TODAY - timedelta(days=30)))
    with pytest.raises(ValidationError, match="not in force"):
        R.make_referral(
            session,
            NewTrackedReferral(
                family_id=family.id,
                service_name="Eastbrook Family Hub",
                service_category=ServiceCategory.FAMILY_HUB,
                domain=Domain.FAMILY_WELLBEING,
                made_on=TODAY,
                consent=Consent.GIVEN,
                consent_given_by="A Carer",
                consent_given_on=TODAY,
                consent_scope="Everything",
                status=S.SENT,
            ),
            agreement_id=ended.id,
        )
    assert session.conn.execute("SELECT count(*) FROM referrals").fetchone()[0] == 0


def test_record_export_for_a_partner_records_a_share(session, tmp_path) -> None:
    families.add_family(session, NewFamily("FAM-0001", date(2026, 1, 5)))
    hub = A.add_agreement(session, new_agreement())
    # Exported for the family hub: the hub's agreement is found by the party's name.
    records.export_to_file(session, tmp_path / "for-hub.json", ["FAM-0001"], partner="Eastbrook Family Hub")
    [record] = sharing_repo.list_records(session.conn)
    assert (record.occasion, record.recipient, record.agreement_id) == (
        SharingOccasion.RECORD_EXPORT,
        "Eastbrook Family Hub",
        hub.id,
    )
    # No agreement with the partner and no reason: refused, no file, no row.
    with pytest.raises(ValidationError):
        records.export_to_file(session, tmp_path / "x.json", ["FAM-0001"], partner="Another Nursery")
    assert not (tmp_path / "x.json").exists()
    assert len(sharing_repo.list_records(session.conn)) == 1
    with pytest.raises(ValidationError) as caught:  # with no agreement, the basis must be said
        records.export_to_file(
            session,
            tmp_path / "y.json",
            ["FAM-0001"],
            partner="Another Nursery",
            no_agreement_reason="Moving",
        )
    assert caught.value.field == "lawful basis"
    records.export_to_file(
        session,
        tmp_path / "y.json",
        ["FAM-0001"],
        partner="Another Nursery",
        no_agreement_reason="Family moving",
        lawful_basis="legitimate_interests",
    )
    newest = sharing_repo.list_records(session.conn)[0]
    assert (newest.recipient, newest.agreement_id, newest.no_agreement_reason) == (
        "Another Nursery",
        None,
        "Family moving",
    )
    # A plain export (a backup copy, kept in the setting) records no share.
    records.export_to_file(session, tmp_path / "z.json", ["FAM-0001"])
    assert len(sharing_repo.list_records(session.conn)) == 2
    with pytest.raises(NotFound):
        A.shares_covered(session, 999)


def test_a_subject_access_pack_is_not_listed_as_a_share_without_an_agreement(session) -> None:
    """It goes to the person the information is about, not to a partner."""
    from setting_app.services import info_sharing

    draft = _draft(session)
    info_sharing.record_share_now(
        session,
        recipient="The family (subject access request)",
        what="Their records",
        purpose="Subject access request",
        lawful_basis="legal_obligation",
        occasion=SharingOccasion.SUBJECT_ACCESS,
        family_id=draft.family_id,
    )
    assert A.shares_without_agreement(session) == []
    R.change_status(session, draft.id, S.SENT, no_agreement_reason="Urgent")
    assert [r.referral_id for r in A.shares_without_agreement(session)] == [draft.id]


def test_a_change_that_would_leave_covered_shares_outside_the_agreement_is_refused(session) -> None:
    housing = A.add_agreement(
        session,
        new_agreement(
            title="Housing agreement",
            parties=(AgreementParty("Town Hall Housing", "local_authority", "housing"),),
        ),
    )
    R.change_status(session, _draft(session).id, S.SENT, on=TODAY)
    base = A.get_agreement(session, housing.id)
    fields = {name: getattr(base, name) for name in new_agreement().__dataclass_fields__}
    for changes, field in (
        ({"starts_on": TODAY + timedelta(days=1), "review_on": date(2027, 6, 1)}, "start date"),
        ({"ends_on": TODAY - timedelta(days=1)}, "end date"),
        ({"direction": "from_partners"}, "direction"),
        ({"parties": (AgreementParty("Town Hall Benefits", "local_authority", "debt_benefits"),)}, "parties"),
    ):
        with pytest.raises(ValidationError) as caught:
            A.update_agreement(session, housing.id, new_agreement(**(fields | changes)))
        assert caught.value.field == field
    assert A.get_agreement(session, housing.id) == base
    # Ending it on the day of its last share, or reviewing it later, is fine.
    ended = A.update_agreement(session, housing.id, new_agreement(**(fields | {"ends_on": TODAY})))
    assert ended.ends_on == TODAY and [r.agreement_id for r in A.shares_covered(session, housing.id)] == [
        housing.id
    ]
    # Renaming the party is fine while it still receives housing referrals.
    renamed = (AgreementParty("Town Hall Housing Options", "local_authority", "housing"),)
    assert (
        A.update_agreement(session, housing.id, new_agreement(**(fields | {"parties": renamed}))).parties
        == renamed
    )


def test_an_agreement_or_reason_without_a_partner_is_refused_not_dropped(session, tmp_path) -> None:
    families.add_family(session, NewFamily("FAM-0001", date(2026, 1, 5)))
    hub = A.add_agreement(session, new_agreement())
    for extra in (
        {"agreement_id": hub.id},
        {"partner": "   ", "agreement_id": hub.id},
        {"no_agreement_reason": "Court order"},
        {"lawful_basis": "legal_obligation"},
    ):
        with pytest.raises(ValidationError) as caught:
            records.export_to_file(session, tmp_path / "x.json", ["FAM-0001"], **extra)
        assert caught.value.field == "for"
    assert not (tmp_path / "x.json").exists()
    assert sharing_repo.list_records(session.conn) == []

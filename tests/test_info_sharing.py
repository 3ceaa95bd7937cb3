"""The information-sharing record: written with the share in one transaction, decisions not to share,
and ``record_share`` for other features."""

from __future__ import annotations

from datetime import date

import pytest

from setting_app.domain.codes import Consent, Domain, ReferralStatus, ServiceCategory
from setting_app.domain.errors import NotFound, ValidationError
from setting_app.domain.models import NewFamily
from setting_app.domain.referrals import LawfulBasis, NewTrackedReferral, SharingDecision, SharingOccasion
from setting_app.services import families, info_sharing
from setting_app.services import referrals as R
from setting_app.storage import referral_repo, sharing_repo
from setting_app.storage.database import DatabaseError
from setting_app.storage.sharing_repo import SharingFilter
from setting_app.storage.unit_of_work import unit_of_work
from tests.conftest import TODAY
from tests.test_agreements import cover_all

S = ReferralStatus


def _family(session, ref: str = "FAM-0001"):
    cover_all(session)  # sending now names the data-sharing agreement that covers it
    return families.add_family(session, NewFamily(ref, date(2026, 1, 5)))


def _referral(session, family, status: ReferralStatus = S.DRAFT):
    return R.make_referral(
        session,
        NewTrackedReferral(
            family_id=family.id,
            service_name="Money Matters Advice Line",
            service_category=ServiceCategory.DEBT_BENEFITS,
            domain=Domain.FINANCIAL_HARDSHIP,
            made_on=date(2026, 11, 20),
            consent=Consent.GIVEN,
            consent_given_by="A Carer (father)",
            consent_given_on=date(2026, 11, 20),
            consent_scope="Contact details and debt worries, to the advice line",
            status=status,
            reason="Rent arrears and a court letter",
        ),
    )


def _break_sharing(conn) -> None:
    """Make every write to the sharing record fail, as a full disk or a fault would, mid-transaction."""
    conn.execute(
        "CREATE TEMP TRIGGER fail_share BEFORE INSERT ON information_sharing "
        "BEGIN SELECT RAISE(ABORT, 'simulated failure writing the sharing record'); END"
    )


def _history_rows(conn, referral_id: int) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT status FROM referral_status_history WHERE referral_id = ? ORDER BY id", (referral_id,)
        )
    ]


def test_sending_writes_the_record_with_the_status_change(session) -> None:
    family = _family(session)
    draft = _referral(session, family)
    R.change_status(session, draft.id, S.SENT, on=date(2026, 11, 21))
    [record] = info_sharing.list_sharing(session, SharingFilter(referral_id=draft.id))
    assert record.decision is SharingDecision.SHARED
    assert record.occasion is SharingOccasion.REFERRAL
    assert (record.family_id, record.family_ref, record.decided_on) == (
        family.id,
        "FAM-0001",
        date(2026, 11, 21),
    )
    assert record.recipient == "Money Matters Advice Line"
    assert "FAM-0001" in record.what and "contact details" in record.what
    assert record.purpose == "Rent arrears and a court letter"
    assert (record.lawful_basis, record.consent) == (LawfulBasis.CONSENT, Consent.GIVEN)
    assert "A Carer (father)" in record.reason
    assert record.recorded_by == session.user.id and record.recorded_by_name == "Mina Manager"
    # Later moves share nothing new.
    R.change_status(session, draft.id, S.ACKNOWLEDGED)
    assert sharing_repo.count_records(session.conn) == 1


def test_a_failed_share_record_undoes_the_status_change(session) -> None:
    family = _family(session)
    draft = _referral(session, family)
    _break_sharing(session.conn)
    with pytest.raises(DatabaseError, match="simulated failure"):
        R.change_status(session, draft.id, S.SENT)
    assert not session.conn.in_transaction
    assert _history_rows(session.conn, draft.id) == ["draft"]
    assert sharing_repo.count_records(session.conn) == 0
    referral = R.get_referral(session, draft.id)
    assert referral.status is S.DRAFT and referral.due_on is None
    # Once the fault is gone the same move works.
    session.conn.execute("DROP TRIGGER fail_share")
    assert R.change_status(session, draft.id, S.SENT).status is S.SENT
    assert _history_rows(session.conn, draft.id) == ["draft", "sent"]
    assert sharing_repo.count_records(session.conn) == 1


def test_a_failed_share_record_undoes_a_referral_created_as_sent(session) -> None:
    family = _family(session)
    _break_sharing(session.conn)
    with pytest.raises(DatabaseError):
        _referral(session, family, status=S.SENT)
    assert referral_repo.count_referrals(session.conn) == 0
    assert session.conn.execute("SELECT count(*) FROM referral_status_history").fetchone()[0] == 0
    assert session.conn.execute("SELECT count(*) FROM services").fetchone()[0] == 0


def test_record_share_joins_the_callers_transaction(session) -> None:
    """How a family record export or a subject access pack records what it shares."""
    family = _family(session)
    with pytest.raises(RuntimeError), unit_of_work(session.conn):
        info_sharing.record_share(
            session.conn,
            recipient="The family (subject access request)",
            what="Family record FAM-0001",
            purpose="Subject access request",
            shared_on=TODAY,
            now=session.clock.now(),
            recorded_by=session.user.id,
            lawful_basis="legal_obligation",
            occasion="subject_access",
            family_id=family.id,
        )
        raise RuntimeError("the export itself failed")
    assert sharing_repo.count_records(session.conn) == 0

    with unit_of_work(session.conn):
        record = info_sharing.record_share(
            session.conn,
            recipient="Eastbrook Council Early Help",
            what="Family record FAM-0001 (export file)",
            purpose="Transfer to the early help team",
            shared_on=TODAY,
            now=session.clock.now(),
            recorded_by=session.user.id,
            consent=Consent.GIVEN,
            lawful_basis=LawfulBasis.CONSENT,
            occasion=SharingOccasion.RECORD_EXPORT,
            method="Encrypted email",
            family_id=family.id,
        )
    assert record.occasion is SharingOccasion.RECORD_EXPORT and record.method == "Encrypted email"
    assert [r.id for r in sharing_repo.list_records(session.conn, SharingFilter(family_id=family.id))] == [
        record.id
    ]


def test_record_share_refuses_a_share_with_no_basis(session) -> None:
    with pytest.raises(ValidationError, match="consent or another lawful basis"):
        info_sharing.record_share(
            session.conn,
            recipient="Someone",
            what="Something",
            purpose="A reason",
            shared_on=TODAY,
            now=session.clock.now(),
            recorded_by=session.user.id,
        )
    with pytest.raises(ValidationError, match="not one of"):
        info_sharing.record_share(
            session.conn,
            recipient="Someone",
            what="Something",
            purpose="A reason",
            shared_on=TODAY,
            now=session.clock.now(),
            recorded_by=session.user.id,
            lawful_basis="because",
        )
    with pytest.raises(ValidationError, match="consent cannot be the basis"):
        info_sharing.record_share_now(
            session,
            recipient="Someone",
            what="Something",
            purpose="A reason",
            lawful_basis=LawfulBasis.CONSENT,
            consent=Consent.NOT_GIVEN,
        )
    assert sharing_repo.count_records(session.conn) == 0


def test_a_decision_not_to_share_is_recorded_with_its_reasons(session) -> None:
    family = _family(session)
    draft = _referral(session, family)
    with pytest.raises(ValidationError, match="needs its reasons"):
        info_sharing.record_decision_not_to_share(
            session, recipient="A relative", what="Address", purpose="Wants to visit", reason="  "
        )
    record = info_sharing.record_decision_not_to_share(
        session,
        recipient="A relative on the phone",
        what="The family's new address",
        purpose="Said they wanted to send a present",
        reason="Identity not confirmed and no consent; the parent has asked us not to share",
        family_id=family.id,
        referral_id=draft.id,
    )
    assert record.decision is SharingDecision.NOT_SHARED and record.lawful_basis is None
    with pytest.raises(NotFound):
        info_sharing.record_decision_not_to_share(
            session, recipient="x", what="y", purpose="z", reason="r", family_id=9999
        )
    other = _family(session, "FAM-0002")
    with pytest.raises(ValidationError, match="different family"):
        info_sharing.record_decision_not_to_share(
            session,
            recipient="x",
            what="y",
            purpose="z",
            reason="r",
            family_id=other.id,
            referral_id=draft.id,
        )
    assert [r.id for r in info_sharing.list_sharing(session)] == [record.id]


def test_the_schema_itself_refuses_incomplete_records(session) -> None:
    """Even a caller that skips the service cannot store a share without a basis or a refusal without reasons."""
    conn = session.conn
    with pytest.raises(DatabaseError):
        conn.execute(
            "INSERT INTO information_sharing (decision, occasion, decided_on, recipient, what, purpose, created_at) "
            "VALUES ('shared', 'other', '2026-11-23', 'x', 'y', 'z', '2026-11-23T10:00:00+00:00')"
        )
    with pytest.raises(DatabaseError):
        conn.execute(
            "INSERT INTO information_sharing (decision, occasion, decided_on, recipient, what, purpose, created_at) "
            "VALUES ('not_shared', 'other', '2026-11-23', 'x', 'y', 'z', '2026-11-23T10:00:00+00:00')"
        )
    assert sharing_repo.count_records(conn) == 0

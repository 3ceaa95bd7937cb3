"""Referrals against a real casebook: the consent gate, follow-up dates with a fixed clock, chasing,
editing, and the measures per category of service."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from setting_app.domain.codes import Consent, Domain, ReferralStatus, Role, ServiceCategory
from setting_app.domain.errors import NotFound, PermissionDenied, ValidationError
from setting_app.domain.models import NewChild, NewFamily, NewReferral
from setting_app.domain.referrals import (
    LawfulBasis,
    NewTrackedReferral,
    Route,
    TransitionRefused,
    Urgency,
)
from setting_app.services import families
from setting_app.services import referrals as R
from setting_app.services.session import Session
from setting_app.storage import referral_repo, sharing_repo, staff_repo
from setting_app.storage.referral_repo import ReferralFilter
from setting_app.storage.unit_of_work import unit_of_work
from tests.conftest import TODAY
from tests.test_agreements import cover_all

S = ReferralStatus


def _family(session, ref: str = "FAM-0001"):
    cover_all(session)  # sending now names the data-sharing agreement that covers it
    return families.add_family(
        session, NewFamily(ref, date(2026, 1, 5), children=(NewChild("Ava", date(2023, 3, 1), key="c1"),))
    )


def _draft(session, family, **changes) -> NewTrackedReferral:
    base = NewTrackedReferral(
        family_id=family.id,
        service_name="Eastbrook Community Food Bank",
        service_category=ServiceCategory.FOOD_ESSENTIALS,
        domain=Domain.FINANCIAL_HARDSHIP,
        made_on=date(2026, 11, 2),
        consent=Consent.GIVEN,
        consent_given_by="A Parent (mother)",
        consent_given_on=date(2026, 11, 2),
        consent_scope="Name, address and household size to the food bank",
        reason="No food in the house until payday",
    )
    return replace(base, **changes)


def _practitioner(session: Session) -> Session:
    """The same casebook, used by a practitioner (shares the manager's connection; do not close)."""
    with unit_of_work(session.conn):
        user = staff_repo.add_staff(
            session.conn, "pat", "Pat Practitioner", Role.PRACTITIONER, session.clock.now()
        )
    return Session(
        session.conn, user, session.setting, session.data_dir, session.clock, bytearray(session.data_key())
    )


def _counts(session) -> tuple[int, int, int]:
    conn = session.conn
    return (
        referral_repo.count_referrals(conn),
        conn.execute("SELECT count(*) FROM referral_status_history").fetchone()[0],
        sharing_repo.count_records(conn),
    )


# ---------------------------------------------------------------- the consent gate


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"consent": Consent.NOT_GIVEN}, "consent"),
        ({"consent_given_by": ""}, "consent given by"),
        ({"consent_given_on": None}, "consent date"),
        ({"consent_scope": "  "}, "consent scope"),
        ({"consent": Consent.NOT_NEEDED}, "consent"),
        ({"consent": Consent.OVERRIDDEN, "override_rationale": "Risk of harm"}, "lawful basis"),
        ({"consent": Consent.OVERRIDDEN, "lawful_basis": LawfulBasis.LEGAL_OBLIGATION}, "override rationale"),
    ],
)
def test_no_send_without_consent_recorded(session, changes, field) -> None:
    family = _family(session)
    draft = R.make_referral(session, _draft(session, family, **changes))
    before = _counts(session)
    with pytest.raises(ValidationError) as caught:
        R.change_status(session, draft.id, S.SENT)
    assert caught.value.field == field
    assert _counts(session) == before
    assert R.get_referral(session, draft.id).status is S.DRAFT
    # Nor can it be created as sent.
    with pytest.raises(ValidationError):
        R.make_referral(session, _draft(session, family, status=S.SENT, **changes))
    assert _counts(session) == before


def test_not_given_message_says_what_to_do(session) -> None:
    family = _family(session)
    draft = R.make_referral(session, _draft(session, family, consent=Consent.NOT_GIVEN))
    with pytest.raises(ValidationError, match="a manager can override"):
        R.change_status(session, draft.id, S.SENT)


def test_sent_with_consent_given(session) -> None:
    family = _family(session)
    sent = R.make_referral(session, _draft(session, family, status=S.SENT))
    assert sent.status is S.SENT
    assert [h.status for h in R.referral_history(session, sent.id)] == [S.SENT]
    [record] = sharing_repo.list_records(session.conn)
    assert record.referral_id == sent.id and record.lawful_basis is LawfulBasis.CONSENT


def test_not_needed_with_a_reason_may_be_sent(session) -> None:
    family = _family(session)
    draft = R.make_referral(
        session,
        _draft(
            session,
            family,
            consent=Consent.NOT_NEEDED,
            consent_note="Only the setting's own name is shared; the family will call the service themselves",
            lawful_basis=LawfulBasis.PUBLIC_TASK,
        ),
    )
    assert draft.consent_given_by == "" and draft.consent_given_on is None  # details of 'given' are dropped
    assert R.change_status(session, draft.id, S.SENT).status is S.SENT
    [record] = sharing_repo.list_records(session.conn)
    assert record.consent is Consent.NOT_NEEDED and record.lawful_basis is LawfulBasis.PUBLIC_TASK


def test_a_practitioner_cannot_override_consent(session) -> None:
    family = _family(session)
    practitioner = _practitioner(session)
    override = _draft(
        session,
        family,
        consent=Consent.OVERRIDDEN,
        lawful_basis=LawfulBasis.LEGAL_OBLIGATION,
        override_rationale="Risk of significant harm; asking would increase the risk",
    )
    before = _counts(session)
    with pytest.raises(PermissionDenied, match="Only a manager can override consent"):
        R.make_referral(practitioner, override)
    with pytest.raises(PermissionDenied):
        R.make_referral(practitioner, replace(override, status=S.SENT))
    draft = R.make_referral(practitioner, _draft(session, family, consent=Consent.NOT_GIVEN))
    with pytest.raises(PermissionDenied):
        R.update_referral(practitioner, draft.id, replace(override, status=S.DRAFT))
    assert R.get_referral(session, draft.id).consent is Consent.NOT_GIVEN
    assert _counts(session)[2] == before[2]


def test_a_managers_override_lets_the_referral_go_and_is_recorded(session) -> None:
    family = _family(session)
    practitioner = _practitioner(session)
    draft = R.make_referral(practitioner, _draft(session, family, consent=Consent.NOT_GIVEN))
    with pytest.raises(ValidationError):
        R.change_status(practitioner, draft.id, S.SENT)
    overridden = R.update_referral(
        session,
        draft.id,
        replace(
            draft.as_new(),
            consent=Consent.OVERRIDDEN,
            lawful_basis=LawfulBasis.LEGAL_OBLIGATION,
            override_rationale="Risk of significant harm; asking would increase the risk",
        ),
    )
    assert overridden.override_by == session.user.id
    # The practitioner may now send it (the override was a manager's), and may edit other details.
    edited = R.update_referral(practitioner, draft.id, replace(overridden.as_new(), urgency=Urgency.URGENT))
    assert edited.urgency is Urgency.URGENT and edited.override_by == session.user.id
    sent = R.change_status(practitioner, draft.id, S.SENT)
    assert sent.status is S.SENT
    [record] = sharing_repo.list_records(session.conn)
    assert record.consent is Consent.OVERRIDDEN
    assert record.lawful_basis is LawfulBasis.LEGAL_OBLIGATION
    assert "Risk of significant harm" in record.reason
    assert record.recorded_by == practitioner.user.id


def test_override_cannot_rely_on_consent(session) -> None:
    family = _family(session)
    with pytest.raises(ValidationError, match="cannot rely on consent"):
        R.make_referral(
            session,
            _draft(
                session,
                family,
                consent=Consent.OVERRIDDEN,
                lawful_basis=LawfulBasis.CONSENT,
                override_rationale="x",
            ),
        )


def test_signposting_needs_no_consent_and_shares_nothing(session) -> None:
    family = _family(session)
    signposted = R.make_referral(
        session, _draft(session, family, consent=Consent.NOT_GIVEN, route=Route.SIGNPOSTED, status=S.SENT)
    )
    assert signposted.status is S.SENT
    assert sharing_repo.count_records(session.conn) == 0


# ---------------------------------------------------------------- follow-up dates with a fixed clock


def test_due_date_is_fourteen_days_after_sending_and_surfaces_when_overdue(session, clock) -> None:
    family = _family(session)
    draft = R.make_referral(session, _draft(session, family))
    assert draft.due_on is None  # a draft is not out with anyone
    sent = R.change_status(session, draft.id, S.SENT, on=date(2026, 11, 9))
    assert sent.due_on == date(2026, 11, 23)
    assert R.overdue_referrals(session) == []  # due today is not overdue ...
    assert [r.id for r in R.referrals_due(session)] == [sent.id]  # ... but it needs chasing today
    assert sent.is_due(TODAY) and sent.days_overdue(TODAY) == 0
    clock.advance(days=3)
    [overdue] = R.overdue_referrals(session)
    assert overdue.id == sent.id and overdue.days_overdue(clock.today()) == 3 and overdue.no_response
    assert R.describe_status(overdue, clock.today()) == "Sent - OVERDUE 3 days"


def test_expected_response_date_wins_until_the_service_answers(session, clock) -> None:
    family = _family(session)
    draft = R.make_referral(session, _draft(session, family, expected_response_on=date(2026, 11, 30)))
    sent = R.change_status(session, draft.id, S.SENT, on=date(2026, 11, 5))
    assert sent.due_on == date(2026, 11, 30)
    answered = R.change_status(session, draft.id, S.WAITLISTED, on=date(2026, 11, 20))
    assert answered.due_on == date(2026, 12, 4)
    clock.advance(days=20)
    assert [r.id for r in R.overdue_referrals(session)] == [draft.id]
    done = R.change_status(session, draft.id, S.DECLINED, reason="waiting_list_closed", on=clock.today())
    assert done.due_on is None
    assert R.overdue_referrals(session) == []


def test_a_chase_is_logged_and_pushes_the_due_date_on(session, clock) -> None:
    family = _family(session)
    draft = R.make_referral(session, _draft(session, family))
    R.change_status(session, draft.id, S.SENT, on=date(2026, 11, 2))
    assert [r.id for r in R.overdue_referrals(session)] == [draft.id]
    chase = R.chase_referral(session, draft.id, note="Rang the food bank; they will call Mum")
    assert (chase.chased_on, chase.next_due_on, chase.chased_by_name) == (
        TODAY,
        date(2026, 12, 7),
        "Mina Manager",
    )
    assert R.overdue_referrals(session) == []
    again = R.chase_referral(session, draft.id, next_due_on=date(2026, 11, 25))
    referral = R.get_referral(session, draft.id)
    assert referral.due_on == date(2026, 11, 25) == again.next_due_on
    assert referral.chase_count == 2 and referral.last_chased_on == TODAY
    assert [c.note for c in R.referral_chases(session, draft.id)] == [
        "Rang the food bank; they will call Mum",
        "",
    ]
    clock.advance(days=3)
    assert [r.id for r in R.overdue_referrals(session)] == [draft.id]


def test_chasing_a_draft_or_a_closed_referral_is_refused(session) -> None:
    family = _family(session)
    draft = R.make_referral(session, _draft(session, family))
    with pytest.raises(TransitionRefused, match="still a draft"):
        R.chase_referral(session, draft.id)
    R.change_status(session, draft.id, S.WITHDRAWN, reason="family_declined")
    with pytest.raises(TransitionRefused, match="withdrawn referral is closed"):
        R.chase_referral(session, draft.id)
    with pytest.raises(NotFound):
        R.chase_referral(session, 999)
    assert referral_repo.list_chases(session.conn, draft.id) == []


def test_chase_dates_are_checked(session) -> None:
    family = _family(session)
    draft = R.make_referral(session, _draft(session, family))
    R.change_status(session, draft.id, S.SENT, on=date(2026, 11, 10))
    with pytest.raises(ValidationError, match="before this referral's last change"):
        R.chase_referral(session, draft.id, on=date(2026, 11, 9))
    with pytest.raises(ValidationError, match="before the date of the chase"):
        R.chase_referral(session, draft.id, next_due_on=date(2026, 11, 20))
    with pytest.raises(ValidationError, match="in the future"):
        R.chase_referral(session, draft.id, on=TODAY + timedelta(days=1))


def test_manager_sets_the_follow_up_days(session) -> None:
    family = _family(session)
    practitioner = _practitioner(session)
    with pytest.raises(PermissionDenied):
        R.set_follow_up_days(practitioner, 7)
    for bad in ("0", "181", "a week"):
        with pytest.raises(ValidationError, match="follow-up days"):
            R.set_follow_up_days(session, bad)
    assert R.follow_up_days(session.conn) == 14
    assert R.set_follow_up_days(session, "7") == 7
    sent = R.make_referral(session, _draft(session, family, status=S.SENT, made_on=date(2026, 11, 20)))
    assert sent.due_on == date(2026, 11, 27)


def test_board_filters(session) -> None:
    family = _family(session)
    other = _family(session, "FAM-0002")
    food = R.make_referral(session, _draft(session, family, status=S.SENT))
    slt = R.make_referral(
        session,
        _draft(
            session,
            other,
            service_name="Speech and Language Therapy",
            service_category=ServiceCategory.SPEECH_LANGUAGE,
            domain=Domain.INCLUSION_SEND,
        ),
    )
    closed = R.make_referral(session, _draft(session, family))
    R.change_status(session, closed.id, S.WITHDRAWN, reason="duplicate")

    def ids(**flt) -> list[int]:
        return [r.id for r in R.list_referrals(session, ReferralFilter(**flt))]

    assert ids() == [slt.id, food.id]  # board order: draft before sent; closed ones left out
    assert ids(state="all") == [slt.id, food.id, closed.id]
    assert ids(domain=Domain.INCLUSION_SEND) == [slt.id]
    assert ids(service_id=food.service_id) == [food.id]
    assert ids(family_id=other.id) == [slt.id]
    assert ids(state="final") == [closed.id]
    assert R.count_referrals(session) == 2
    # Referrals to the same service share one directory entry.
    assert closed.service_id == food.service_id


# ---------------------------------------------------------------- editing and old callers


def test_details_can_be_edited_until_closed(session) -> None:
    family = _family(session)
    draft = R.make_referral(session, _draft(session, family))
    edited = R.update_referral(
        session,
        draft.id,
        replace(draft.as_new(), reason="Benefit sanction", child_id=None, urgency=Urgency.SOON),
    )
    assert (edited.reason, edited.urgency, edited.status) == ("Benefit sanction", Urgency.SOON, S.DRAFT)
    with pytest.raises(ValidationError, match="that child does not belong"):
        R.update_referral(session, draft.id, replace(draft.as_new(), child_id=999))
    R.change_status(session, draft.id, S.WITHDRAWN, reason="family_declined")
    with pytest.raises(TransitionRefused, match="can no longer be changed"):
        R.update_referral(session, draft.id, draft.as_new())


def test_plain_new_referral_from_older_callers_still_works(session) -> None:
    family = _family(session)
    saved = R.make_referral(
        session,
        NewReferral(
            family_id=family.id,
            service_name="Health visiting team",
            service_category=ServiceCategory.HEALTH_VISITING,
            domain=Domain.CHILD_DEVELOPMENT,
            made_on=date(2026, 11, 1),
            consent=Consent.NOT_GIVEN,
        ),
    )
    assert saved.route is Route.REFERRED and saved.service_id is not None
    assert referral_repo.list_family_referrals(session.conn, family.id)[0].id == saved.id


def test_bad_referral_details_name_the_field(session) -> None:
    family = _family(session)
    cases = [
        ({"service_name": " "}, "service"),
        ({"made_on": TODAY + timedelta(days=1)}, "date made"),
        ({"made_on": date(2025, 12, 31)}, "date made"),
        ({"expected_response_on": date(2026, 11, 1)}, "expected response date"),
        ({"consent_given_on": TODAY + timedelta(days=2)}, "consent date"),
        ({"child_id": 12345}, "child"),
    ]
    for changes, field in cases:
        with pytest.raises(ValidationError) as caught:
            R.make_referral(session, _draft(session, family, **changes))
        assert caught.value.field == field, changes
    assert referral_repo.count_referrals(session.conn) == 0


# ---------------------------------------------------------------- measures


def _through(session, family, category: ServiceCategory, made_on: date, steps) -> int:
    referral = R.make_referral(
        session,
        _draft(
            session,
            family,
            service_name=f"{category.label} service",
            service_category=category,
            made_on=made_on,
        ),
    )
    for status, on, *reason in steps:
        R.change_status(session, referral.id, status, on=on, reason=reason[0] if reason else None)
    return referral.id


def test_measures_per_category(session) -> None:
    family = _family(session)
    d = date
    food = ServiceCategory.FOOD_ESSENTIALS
    slt = ServiceCategory.SPEECH_LANGUAGE
    # Food: acknowledged after 2 days then seen after 5; accepted straight away after 4 (counts as an
    # answer) and completed after 10 without 'seen'; one still unanswered.
    _through(
        session,
        family,
        food,
        d(2026, 10, 1),
        [(S.SENT, d(2026, 10, 1)), (S.ACKNOWLEDGED, d(2026, 10, 3)), (S.SEEN, d(2026, 10, 6))],
    )
    _through(
        session,
        family,
        food,
        d(2026, 10, 2),
        [(S.SENT, d(2026, 10, 2)), (S.ACCEPTED, d(2026, 10, 6)), (S.COMPLETED, d(2026, 10, 12))],
    )
    _through(session, family, food, d(2026, 10, 3), [(S.SENT, d(2026, 10, 3))])
    # SLT: declined after 30 days; one withdrawn as a draft (never reached the service: not counted).
    _through(
        session,
        family,
        slt,
        d(2026, 10, 5),
        [(S.SENT, d(2026, 10, 5)), (S.DECLINED, d(2026, 11, 4), "not_eligible")],
    )
    _through(session, family, slt, d(2026, 10, 6), [(S.WITHDRAWN, d(2026, 10, 7), "duplicate")])
    # Outside the period.
    _through(session, family, slt, d(2026, 11, 2), [(S.SENT, d(2026, 11, 2))])

    measures = {m.category: m for m in R.referral_measures(session.conn, d(2026, 10, 1), d(2026, 10, 31))}
    assert set(measures) == {food, slt}
    f = measures[food]
    assert (f.referrals, f.acknowledged, f.median_days_to_acknowledged) == (3, 2, 3.0)
    assert (f.seen, f.median_days_to_seen) == (2, 7.5)
    assert (f.outcome_known, f.outcome_unknown) == (2, 1)
    s = measures[slt]
    assert (s.referrals, s.acknowledged, s.median_days_to_acknowledged, s.seen, s.median_days_to_seen) == (
        1,
        1,
        30.0,
        0,
        None,
    )
    assert (s.outcome_known, s.outcome_unknown) == (1, 0)

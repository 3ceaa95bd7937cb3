"""Every legal and illegal status move, in the rules and through the service against a real casebook."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from setting_app.domain.codes import Consent, Domain, ReferralStatus, ServiceCategory
from setting_app.domain.errors import ValidationError
from setting_app.domain.models import NewChild, NewFamily
from setting_app.domain.referrals import (
    FINAL_STATUSES,
    STATUS_ORDER,
    TRANSITIONS,
    NewTrackedReferral,
    Route,
    StatusReason,
    TransitionRefused,
    allowed_next,
    transition_problem,
)
from setting_app.services import families
from setting_app.services import referrals as R
from setting_app.services.casebook import create_casebook
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import PASSPHRASE, TODAY, fixed_clock, setting_details
from tests.test_agreements import cover_all

S = ReferralStatus

#: The lifecycle as the brief states it, written out independently of the code's table.
EXPECTED = {
    "draft": {"sent", "withdrawn"},
    "sent": {"acknowledged", "accepted", "waitlisted", "declined", "seen", "withdrawn"},
    "acknowledged": {"accepted", "waitlisted", "declined", "seen", "withdrawn"},
    "waitlisted": {"accepted", "declined", "seen", "withdrawn"},
    "accepted": {"seen", "completed", "withdrawn", "declined"},
    "seen": {"completed", "withdrawn"},
    "completed": set(),
    "declined": set(),
    "withdrawn": set(),
}

#: How to reach each status by legal moves (for a referral the setting makes).
PATHS = {
    S.DRAFT: [],
    S.SENT: [S.SENT],
    S.ACKNOWLEDGED: [S.SENT, S.ACKNOWLEDGED],
    S.WAITLISTED: [S.SENT, S.WAITLISTED],
    S.ACCEPTED: [S.SENT, S.ACCEPTED],
    S.SEEN: [S.SENT, S.SEEN],
    S.COMPLETED: [S.SENT, S.ACCEPTED, S.COMPLETED],
    S.DECLINED: [S.SENT, S.DECLINED],
    S.WITHDRAWN: [S.WITHDRAWN],
}

ALL_PAIRS = list(itertools.product(STATUS_ORDER, STATUS_ORDER))


def _reason(status: ReferralStatus) -> StatusReason | None:
    return StatusReason.NOT_ELIGIBLE if status in (S.DECLINED, S.WITHDRAWN) else None


def test_the_table_is_the_one_agreed() -> None:
    assert {s.value: {t.value for t in targets} for s, targets in TRANSITIONS.items()} == EXPECTED
    assert set(PATHS) == set(ReferralStatus)


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS, ids=[f"{a}-{b}" for a, b in ALL_PAIRS])
def test_rules_for_a_setting_referral(current: ReferralStatus, target: ReferralStatus) -> None:
    problem = transition_problem(current, target, Route.REFERRED)
    if target.value in EXPECTED[current.value]:
        assert problem is None
    else:
        assert problem and problem.endswith(".")
        assert "Traceback" not in problem


@pytest.mark.parametrize("route", [Route.SIGNPOSTED, Route.SUPPORTED_SELF_REFERRAL])
@pytest.mark.parametrize(("current", "target"), ALL_PAIRS, ids=[f"{a}-{b}" for a, b in ALL_PAIRS])
def test_rules_for_routes_that_may_skip_ahead(current, target, route) -> None:
    legal = set(EXPECTED[current.value])
    if current not in FINAL_STATUSES:
        legal |= {"seen", "completed"} - {current.value}
    assert (transition_problem(current, target, route) is None) == (target.value in legal)


def test_messages_say_why_in_plain_words() -> None:
    assert transition_problem(S.COMPLETED, S.DRAFT) == "A completed referral cannot go back to draft."
    assert "is closed" in transition_problem(S.DECLINED, S.ACCEPTED)
    assert transition_problem(S.SENT, S.SENT) == "This referral is already sent."
    assert "it can become: completed, withdrawn" in transition_problem(S.SEEN, S.ACCEPTED)
    assert allowed_next(S.DRAFT, Route.SIGNPOSTED) == (S.SENT, S.SEEN, S.COMPLETED, S.WITHDRAWN)


# ---------------------------------------------------------------- through the service


@pytest.fixture(scope="module")
def casebook(tmp_path_factory):
    """One casebook for the whole table: each case makes its own referral in it."""
    created = create_casebook(
        tmp_path_factory.mktemp("lifecycle") / "data",
        setting_details(),
        "manager",
        "Mina Manager",
        PASSPHRASE,
        kdf=TEST_ONLY_FAST_KDF,
        clock=fixed_clock(),
    )
    session = created.session
    cover_all(session)  # sending now names the data-sharing agreement that covers it
    family = families.add_family(
        session, NewFamily("FAM-0001", date(2026, 1, 5), children=(NewChild("Ava", date(2023, 3, 1)),))
    )
    yield session, family
    session.close()


def _new_referral(session, family, route: Route = Route.REFERRED):
    return R.make_referral(
        session,
        NewTrackedReferral(
            family_id=family.id,
            service_name="Children's Speech and Language Therapy",
            service_category=ServiceCategory.SPEECH_LANGUAGE,
            domain=Domain.INCLUSION_SEND,
            made_on=TODAY - timedelta(days=30),
            consent=Consent.GIVEN,
            consent_given_by="A Parent (mother)",
            consent_given_on=TODAY - timedelta(days=30),
            consent_scope="Speech concerns and contact details, to the SLT team",
            route=route,
        ),
    )


def _walk(session, referral_id: int, path: list[ReferralStatus]) -> None:
    for step, status in enumerate(path, start=1):
        R.change_status(
            session, referral_id, status, reason=_reason(status), on=TODAY - timedelta(days=30 - step)
        )


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS, ids=[f"{a}-{b}" for a, b in ALL_PAIRS])
def test_service_applies_the_table(casebook, current: ReferralStatus, target: ReferralStatus) -> None:
    session, family = casebook
    referral = _new_referral(session, family)
    _walk(session, referral.id, PATHS[current])
    before = R.referral_history(session, referral.id)
    assert before[-1].status is current
    if target.value in EXPECTED[current.value]:
        moved = R.change_status(
            session, referral.id, target, reason=_reason(target), note="moved on", on=TODAY
        )
        after = R.referral_history(session, referral.id)
        assert moved.status is target
        assert len(after) == len(before) + 1
        last = after[-1]
        assert (last.status, last.changed_on, last.changed_by, last.reason, last.note) == (
            target,
            TODAY,
            session.user.id,
            _reason(target),
            "moved on",
        )
        assert moved.status_since == TODAY
    else:
        with pytest.raises(TransitionRefused):
            R.change_status(session, referral.id, target, reason=_reason(target), on=TODAY)
        assert R.get_referral(session, referral.id).status is current
        assert R.referral_history(session, referral.id) == before


def test_creating_writes_the_first_history_row(casebook) -> None:
    session, family = casebook
    referral = _new_referral(session, family)
    history = R.referral_history(session, referral.id)
    assert [(h.status, h.changed_on, h.changed_by) for h in history] == [
        (S.DRAFT, referral.made_on, session.user.id)
    ]


def test_a_referral_cannot_be_created_past_sent(casebook) -> None:
    session, family = casebook
    base = _new_referral(session, family).as_new()
    from dataclasses import replace

    with pytest.raises(TransitionRefused, match="starts as a draft or as sent"):
        R.make_referral(session, replace(base, status=S.ACCEPTED))


@pytest.mark.parametrize("target", [S.DECLINED, S.WITHDRAWN])
def test_declined_and_withdrawn_need_a_structured_reason(casebook, target) -> None:
    session, family = casebook
    referral = _new_referral(session, family)
    _walk(session, referral.id, [S.SENT])
    with pytest.raises(ValidationError, match="needs a reason") as caught:
        R.change_status(session, referral.id, target)
    assert caught.value.field == "reason"
    with pytest.raises(ValidationError, match="not one of"):
        R.change_status(session, referral.id, target, reason="because")
    with pytest.raises(ValidationError, match="say what the other reason was"):
        R.change_status(session, referral.id, target, reason="other")
    assert R.get_referral(session, referral.id).status is S.SENT
    done = R.change_status(session, referral.id, target, reason="other", note="Family moved away")
    assert done.status is target
    assert R.referral_history(session, referral.id)[-1].reason is StatusReason.OTHER


def test_a_reason_on_any_other_status_is_refused(casebook) -> None:
    session, family = casebook
    referral = _new_referral(session, family)
    _walk(session, referral.id, [S.SENT])
    with pytest.raises(ValidationError, match="only a declined or withdrawn"):
        R.change_status(session, referral.id, S.ACCEPTED, reason=StatusReason.DUPLICATE)


def test_dates_of_changes_cannot_run_backwards_or_into_the_future(casebook) -> None:
    session, family = casebook
    referral = _new_referral(session, family)
    R.change_status(session, referral.id, S.SENT, on=TODAY - timedelta(days=5))
    with pytest.raises(ValidationError, match="before this referral's last change"):
        R.change_status(session, referral.id, S.ACKNOWLEDGED, on=TODAY - timedelta(days=6))
    with pytest.raises(ValidationError, match="in the future"):
        R.change_status(session, referral.id, S.ACKNOWLEDGED, on=TODAY + timedelta(days=1))
    assert len(R.referral_history(session, referral.id)) == 2


@pytest.mark.parametrize("route", [Route.SIGNPOSTED, Route.SUPPORTED_SELF_REFERRAL])
def test_signposting_may_go_straight_to_an_outcome(casebook, route) -> None:
    session, family = casebook
    referral = _new_referral(session, family, route)
    seen = R.change_status(session, referral.id, S.SEEN, note="Mum went to the session")
    assert seen.status is S.SEEN
    assert R.change_status(session, referral.id, S.COMPLETED).status is S.COMPLETED


def test_a_setting_referral_may_not_skip_being_sent(casebook) -> None:
    session, family = casebook
    referral = _new_referral(session, family)
    with pytest.raises(TransitionRefused, match="cannot become seen"):
        R.change_status(session, referral.id, S.SEEN)

"""Retention schedule, review queue and decisions (keep, legal hold), managers only, all audited."""

from __future__ import annotations

from datetime import date

import pytest

from setting_app.domain.errors import AppError, NotFound, PermissionDenied, ValidationError
from setting_app.domain.models import NewChild, NewFamily
from setting_app.services import audit, families, retention
from setting_app.services.casebook import unlock
from setting_app.services.staff import add_user
from setting_app.storage.audit_repo import AuditFilter
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import TODAY

PAT_PASSPHRASE = "practitioner passphrase 1"


def _family(session, ref: str, closed_on: date | None, births: tuple[date | None, ...] = ()) -> int:
    children = tuple(NewChild(f"Child {i}", born) for i, born in enumerate(births))
    opened = date(2005, 1, 1)
    return families.add_family(session, NewFamily(ref, opened, closed_on=closed_on, children=children)).id


def _refs(queue) -> list[str]:
    return [item.ref for item in queue]


def _retention_audit(session) -> list[tuple]:
    return [
        (r.action, r.family_id, r.detail)
        for r in audit.list_audit(session, AuditFilter(action=audit.RETENTION))
    ]


@pytest.fixture
def practitioner(session, data_dir):
    add_user(session, "pat", "practitioner", PAT_PASSPHRASE, kdf=TEST_ONLY_FAST_KDF)
    pat = unlock(data_dir, "pat", PAT_PASSPHRASE)
    yield pat
    pat.close()


def test_default_schedule_and_queue(session) -> None:
    assert retention.schedule(session) == retention.Schedule(6, 25)
    _family(session, "FAM-0001", date(2020, 11, 23))  # exactly six years ago today: due
    _family(session, "FAM-0002", date(2020, 11, 24))  # due tomorrow
    _family(session, "FAM-0003", None)  # open: never due
    _family(session, "FAM-0004", date(2010, 1, 1))  # long closed
    queue = retention.review_queue(session)
    assert _refs(queue) == ["FAM-0004", "FAM-0001"]
    assert queue[1].review_on == TODAY
    assert "closed on 2020-11-23, 6 years have passed" in queue[1].why
    assert _refs(retention.review_queue(session, date(2026, 11, 24))) == [
        "FAM-0004",
        "FAM-0001",
        "FAM-0002",
    ]


def test_safeguarding_is_kept_until_the_youngest_child_is_25(session) -> None:
    young = _family(session, "FAM-0010", date(2012, 5, 1), (date(2001, 1, 1), date(2005, 6, 1)))
    grown = _family(session, "FAM-0011", date(2012, 5, 1), (date(2001, 3, 4), date(2001, 11, 23)))
    unknown = _family(session, "FAM-0012", date(2012, 5, 1), (None,))
    for family_id in (young, grown, unknown):
        retention.mark_safeguarding(session, family_id)
    queue = {item.ref: item for item in retention.review_queue(session)}
    assert set(queue) == {"FAM-0011", "FAM-0012"}
    assert queue["FAM-0011"].review_on == date(2026, 11, 23)
    assert "youngest child turned 25 on 2026-11-23" in queue["FAM-0011"].why
    assert "no child's date of birth" in queue["FAM-0012"].why
    status = retention.family_status(session, young)
    assert status is not None and status.review_on == date(2030, 6, 1)
    # Without the marker the ordinary six years apply.
    retention.mark_safeguarding(session, young, on=False)
    assert "FAM-0010" in _refs(retention.review_queue(session))


def test_schedule_changes_the_queue_and_is_audited(session) -> None:
    _family(session, "FAM-0001", date(2022, 1, 1))
    assert retention.review_queue(session) == []
    assert retention.set_schedule(session, closed_years=3) == retention.Schedule(3, 25)
    assert _refs(retention.review_queue(session)) == ["FAM-0001"]
    assert retention.set_schedule(session, safeguarding_age="30") == retention.Schedule(3, 30)
    assert retention.schedule(session) == retention.Schedule(3, 30)
    assert _retention_audit(session)[0] == (
        audit.RETENTION,
        None,
        "schedule closed_years=3 safeguarding_age=30",
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"closed_years": "six"}, "years after closure: 'six' is not a whole number of years"),
        ({"closed_years": 0}, "years after closure: must be from 1 to 50 years"),
        ({"safeguarding_age": 17}, "safeguarding age: must be from 18 to 100 years"),
    ],
)
def test_bad_schedule_is_refused_and_nothing_changes(session, changes, message) -> None:
    with pytest.raises(ValidationError, match=message):
        retention.set_schedule(session, **changes)
    assert retention.schedule(session) == retention.Schedule(6, 25)


def test_keep_moves_the_next_review(session) -> None:
    family_id = _family(session, "FAM-0001", date(2019, 1, 1))
    assert _refs(retention.review_queue(session)) == ["FAM-0001"]
    review = retention.keep(session, family_id, date(2028, 1, 1), "  Sibling   still attends ")
    assert (review.decision, review.reason, review.next_review_on) == (
        "keep",
        "Sibling still attends",
        date(2028, 1, 1),
    )
    assert retention.review_queue(session) == []
    assert _refs(retention.review_queue(session, date(2028, 1, 1))) == ["FAM-0001"]
    assert "kept by a manager until 2028-01-01" in retention.review_queue(session, date(2028, 1, 1))[0].why
    assert _retention_audit(session) == [(audit.RETENTION, family_id, "decision=keep next_review=2028-01-01")]
    # Nothing of the reason reaches the audit trail.
    assert "Sibling" not in str(_retention_audit(session))


def test_keep_needs_a_future_date_and_a_reason(session) -> None:
    family_id = _family(session, "FAM-0001", date(2019, 1, 1))
    with pytest.raises(ValidationError, match="next review date: must be after today"):
        retention.keep(session, family_id, TODAY, "reason")
    with pytest.raises(ValidationError, match="reason: give the reason"):
        retention.keep(session, family_id, date(2030, 1, 1), "   ")
    assert retention.reviews(session, family_id) == []
    assert _retention_audit(session) == []


def test_legal_hold_takes_a_family_out_of_the_queue_until_released(session) -> None:
    family_id = _family(session, "FAM-0001", date(2019, 1, 1))
    retention.place_hold(session, family_id, "Court order")
    assert retention.review_queue(session) == []
    assert [f.ref for f in retention.families_on_hold(session)] == ["FAM-0001"]
    assert retention.families_on_hold(session)[0].legal_hold_reason == "Court order"
    with pytest.raises(AppError, match="already on legal hold"):
        retention.place_hold(session, family_id, "Again")
    retention.release_hold(session, family_id, "Order lifted")
    with pytest.raises(AppError, match="not on legal hold"):
        retention.release_hold(session, family_id, "Again")
    assert _refs(retention.review_queue(session)) == ["FAM-0001"]
    decisions = [(r.decision, r.reason) for r in retention.reviews(session, family_id)]
    assert decisions == [("hold", "Court order"), ("release_hold", "Order lifted")]
    assert [d for _a, _f, d in _retention_audit(session)] == ["decision=release_hold", "decision=hold"]


def test_decision_and_audit_land_together(session, monkeypatch) -> None:
    """If the audit row cannot be written, the decision is not kept either."""
    family_id = _family(session, "FAM-0001", date(2019, 1, 1))

    def broken(*_args, **_kwargs):
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        retention.place_hold(session, family_id, "Court order")
    monkeypatch.undo()
    assert retention.reviews(session, family_id) == []
    assert retention.families_on_hold(session) == []


def test_unknown_family(session) -> None:
    with pytest.raises(NotFound):
        retention.place_hold(session, 404, "Court order")
    with pytest.raises(NotFound, match="no family with reference 'FAM-9'"):
        retention.find_family_id(session, " FAM-9 ")


def test_practitioners_are_refused_everything(session, practitioner) -> None:
    family_id = _family(session, "FAM-0001", date(2019, 1, 1))
    calls = [
        lambda: retention.review_queue(practitioner),
        lambda: retention.families_on_hold(practitioner),
        lambda: retention.set_schedule(practitioner, closed_years=1),
        lambda: retention.keep(practitioner, family_id, date(2030, 1, 1), "r"),
        lambda: retention.place_hold(practitioner, family_id, "r"),
        lambda: retention.release_hold(practitioner, family_id, "r"),
        lambda: retention.mark_safeguarding(practitioner, family_id),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied, match="Only a manager"):
            call()
    assert retention.reviews(session, family_id) == []
    assert retention.schedule(session) == retention.Schedule(6, 25)


def test_leap_day_closure() -> None:
    assert retention.add_years(date(2020, 2, 29), 6) == date(2026, 2, 28)


# --- command line -----------------------------------------------------------------------------------


def test_cli_due_decide_and_schedule(session, cli) -> None:
    family_id = _family(session, "FAM-0001", date(2019, 1, 1))
    _family(session, "FAM-0002", date(2019, 2, 1))
    result = cli("retention", "due")
    assert result.code == 0, result.err
    assert "FAM-0001     due 2025-01-01  closed on 2019-01-01, 6 years have passed" in result.out
    assert "FAM-0002" in result.out

    result = cli(
        "retention", "decide", "FAM-0001", "--keep-until", "2027-06-01", "--reason", "Sibling attends"
    )
    assert (result.code, result.out.strip()) == (0, "FAM-0001: kept; next review on 2027-06-01.")
    result = cli("retention", "decide", "FAM-0002", "--hold", "--reason", "Court order")
    assert result.code == 0 and "legal hold" in result.out
    result = cli("retention", "due")
    assert "No family is due" in result.out
    assert "On legal hold (1):\n  FAM-0002     Court order" in result.out
    assert cli("retention", "decide", "FAM-0002", "--release-hold", "--reason", "Lifted").code == 0
    assert [r.decision for r in retention.reviews(session, family_id)] == ["keep"]

    result = cli("retention", "schedule", "--closed-years", "8", "--safeguarding-age", "26")
    assert result.code == 0
    assert "reviewed 8 years after closure" in result.out
    assert "until the youngest child is 26" in cli("retention", "schedule").out

    result = cli("retention", "safeguarding", "FAM-0001")
    assert result.code == 0 and "marked as touching safeguarding" in result.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("decide", "FAM-0404", "--hold", "--reason", "x"), "There is no family with reference 'FAM-0404'."),
        (("decide", "FAM-0001", "--hold"), "reason: give the reason for this decision"),
        (("decide", "FAM-0001", "--keep-until", "soon", "--reason", "x"), "keep until"),
        (("decide", "FAM-0001", "--keep-until", "2020-01-01", "--reason", "x"), "must be after today"),
        (("decide", "FAM-0001", "--release-hold", "--reason", "x"), "This family is not on legal hold."),
        (("schedule", "--closed-years", "0"), "years after closure: must be from 1 to 50 years"),
    ],
)
def test_cli_bad_input_gets_a_plain_message(session, cli, args, message) -> None:
    _family(session, "FAM-0001", date(2019, 1, 1))
    result = cli("retention", *args)
    assert result.code == 1
    assert message in result.err
    assert "Traceback" not in result.err and result.err.count("\n") == 1
    assert retention.reviews(session, retention.find_family_id(session, "FAM-0001")) == []


def test_cli_decide_needs_exactly_one_decision(session, cli) -> None:
    _family(session, "FAM-0001", date(2019, 1, 1))
    assert cli("retention", "decide", "FAM-0001", "--reason", "x").code == 2
    assert cli("retention", "decide", "FAM-0001", "--hold", "--release-hold", "--reason", "x").code == 2


def test_cli_practitioner_is_refused(session, practitioner, cli) -> None:
    _family(session, "FAM-0001", date(2019, 1, 1))
    for args in (("due",), ("decide", "FAM-0001", "--hold", "--reason", "x"), ("schedule",)):
        result = cli("retention", *args, user="pat", passphrase=PAT_PASSPHRASE)
        assert result.code == 1
        assert "Only a manager can" in result.err

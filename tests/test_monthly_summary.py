"""The monthly summary's figures, against a casebook whose every count is known by hand.

Report month: October 2026 (today is 23 November 2026). The casebook is built through the services
(families, children, entries); referrals through ``referral_repo`` plus their status history rows,
as the referral workflow service was still being written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import pytest
from conftest import PASSPHRASE

from setting_app.domain.codes import Consent, Domain, Kind, ReferralStatus, Role, ServiceCategory
from setting_app.domain.errors import PermissionDenied, ValidationError
from setting_app.domain.models import Carer, NewChild, NewEntry, NewFamily, NewReferral
from setting_app.services import families, staff, support_log
from setting_app.services.casebook import unlock
from setting_app.services.monthly_summary import ENTRY_QUERIES, Month, monthly_summary, parse_month
from setting_app.services.session import Session
from setting_app.storage import referral_repo
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from setting_app.storage.unit_of_work import unit_of_work

#: Strings that must never reach a report: every name, note, postcode and date of birth is one.
CANARIES = (
    "Quentinzz Canarycarer",
    "Zebedeezz Canarychild",
    "Bramblezz Canarychild",
    "Ottilie Canarycarer",
    "CANARYNOTE",
    "CANARYFAMNOTE",
    "N1 9ZZ",
    "07700 900123",
)
CHILD_DOBS = (date(2023, 3, 17), date(2022, 7, 9), date(2024, 1, 30), date(2021, 11, 2))


@dataclass
class KnownCasebook:
    session: Session
    family_ids: dict[str, int]


def _d(text: str) -> date:
    return date.fromisoformat(text)


def _add_family(session: Session, ref: str, opened: str, children: tuple[str, ...] = (), closed=None) -> int:
    family = families.add_family(
        session,
        NewFamily(
            ref=ref,
            opened_on=_d(opened),
            closed_on=_d(closed) if closed else None,
            carers=(Carer("Quentinzz Canarycarer", "mother", "07700 900123"), Carer("Ottilie Canarycarer")),
            postcode="N1 9ZZ",
            notes="CANARYFAMNOTE private family notes",
            children=tuple(
                NewChild(name, CHILD_DOBS[i % len(CHILD_DOBS)], key=f"c{i + 1}")
                for i, name in enumerate(children)
            ),
        ),
    )
    return family.id


def _log(
    session: Session,
    family_id: int,
    day: str,
    domain: Domain,
    minutes: int,
    *,
    kind: Kind | None = None,
    child: str | None = None,
    follow_up: str | None = None,
) -> None:
    child_id = None
    if child:
        child_id = next(c.id for c in families.list_children(session, family_id) if c.key == child)
    support_log.log_entry(
        session,
        NewEntry(
            family_id=family_id,
            entry_date=_d(day),
            domain=domain,
            minutes=minutes,
            kind=kind,
            child_id=child_id,
            note=f"CANARYNOTE about {day}",
            follow_up_on=_d(follow_up) if follow_up else None,
        ),
    )


def _refer(
    session: Session,
    family_id: int,
    category: ServiceCategory,
    domain: Domain,
    history: list[tuple[str, str]],
    *,
    due_on: str | None = None,
) -> int:
    """A referral with its status history (status, date); made on the first history date."""
    made_on = _d(history[0][1])
    now = session.clock.now()
    with unit_of_work(session.conn):
        referral = referral_repo.add_referral(
            session.conn,
            NewReferral(
                family_id=family_id,
                service_name=f"CANARYNOTE service {category.value}",
                service_category=category,
                domain=domain,
                made_on=made_on,
                consent=Consent.GIVEN,
                status=ReferralStatus(history[0][0]),
                made_by=session.user.id,
                note="CANARYNOTE referral note",
            ),
            now,
        )
        # Whatever history the repository wrote, replace it with exactly this one.
        session.conn.execute("DELETE FROM referral_status_history WHERE referral_id = ?", (referral.id,))
        session.conn.execute("UPDATE referrals SET status = ? WHERE id = ?", (history[-1][0], referral.id))
        for status, changed_on in history:
            session.conn.execute(
                "INSERT INTO referral_status_history (referral_id, status, changed_on, changed_by, note, created_at)"
                " VALUES (?, ?, ?, ?, 'CANARYNOTE', ?)",
                (referral.id, status, changed_on, session.user.id, now.isoformat()),
            )
        columns = {row["name"] for row in session.conn.execute("PRAGMA table_info(referrals)")}
        if "due_on" in columns:
            # With recorded due dates, these give the same overdue referrals as the 14-day rule.
            session.conn.execute("UPDATE referrals SET due_on = ? WHERE id = ?", (due_on, referral.id))
    return referral.id


def build_known_casebook(session: Session) -> KnownCasebook:
    cd, inc, fw, fh = (
        Domain.CHILD_DEVELOPMENT,
        Domain.INCLUSION_SEND,
        Domain.FAMILY_WELLBEING,
        Domain.FINANCIAL_HARDSHIP,
    )
    ids = {
        "F1": _add_family(session, "FAM-0001", "2026-08-01", ("Zebedeezz Canarychild",)),
        # Closed in the middle of October.
        "F2": _add_family(session, "FAM-0002", "2026-09-10", ("Bramblezz Canarychild",), closed="2026-10-15"),
        "F3": _add_family(session, "FAM-0003", "2026-10-01", ("Child Three A", "Child Three B")),
        # Opened and closed within October; no children recorded.
        "F4": _add_family(session, "FAM-0004", "2026-10-20", closed="2026-10-28"),
        "F5": _add_family(session, "FAM-0005", "2026-06-01"),
        "F6": _add_family(session, "FAM-0006", "2026-11-02"),
    }
    f1, f2, f3, f4, f5, f6 = (ids[k] for k in ("F1", "F2", "F3", "F4", "F5", "F6"))
    # September (the previous month).
    _log(session, f5, "2026-09-05", cd, 20, follow_up="2026-09-20")  # never followed up
    _log(session, f1, "2026-09-15", fw, 30, child="c1")
    _log(session, f2, "2026-09-30", cd, 5, child="c1")  # last day of September: not October
    # October.
    _log(session, f1, "2026-10-01", cd, 30, child="c1")  # first day of the month
    _log(session, f1, "2026-10-31", fh, 15)  # last day; no child; hardship is indirect by default
    _log(session, f2, "2026-10-05", fw, 45, child="c1", follow_up="2026-10-12")  # family closed 15th
    _log(session, f2, "2026-10-10", fw, 20, kind=Kind.INDIRECT, child="c1")
    _log(session, f3, "2026-10-02", inc, 60, child="c1", follow_up="2026-10-20")  # met on the 22nd
    _log(session, f3, "2026-10-22", cd, 25, child="c2", follow_up="2026-10-29")  # overdue at month end
    _log(session, f4, "2026-10-21", fh, 10)
    # November (after the month).
    _log(session, f1, "2026-11-01", fw, 40, child="c1")
    _log(session, f6, "2026-11-03", fh, 15)

    _refer(
        session,
        f1,
        ServiceCategory.FOOD_ESSENTIALS,
        fh,
        [
            ("sent", "2026-09-25"),
            ("acknowledged", "2026-09-28"),
            ("seen", "2026-10-06"),
            ("completed", "2026-10-20"),
        ],
    )
    # Made in October, completed in November.
    _refer(
        session,
        f3,
        ServiceCategory.SPEECH_LANGUAGE,
        cd,
        [
            ("sent", "2026-10-03"),
            ("acknowledged", "2026-10-08"),
            ("accepted", "2026-10-12"),
            ("seen", "2026-11-05"),
            ("completed", "2026-11-10"),
        ],
        due_on="2026-10-26",
    )
    _refer(session, f2, ServiceCategory.EARLY_HELP, fw, [("sent", "2026-10-05")], due_on="2026-10-19")
    _refer(session, f4, ServiceCategory.DEBT_BENEFITS, fh, [("sent", "2026-10-21"), ("seen", "2026-10-27")])
    _refer(session, f1, ServiceCategory.HEALTH_VISITING, cd, [("draft", "2026-10-30")])
    _refer(
        session,
        f5,
        ServiceCategory.HOUSING,
        fh,
        [("sent", "2026-08-10"), ("acknowledged", "2026-08-20"), ("waitlisted", "2026-09-01")],
        due_on="2026-09-15",
    )
    _refer(session, f3, ServiceCategory.SEND_SUPPORT, inc, [("sent", "2026-11-03")], due_on="2026-11-17")
    return KnownCasebook(session, ids)


@pytest.fixture
def known(session: Session) -> KnownCasebook:
    return build_known_casebook(session)


ZERO_STATUSES = {s.value: 0 for s in ReferralStatus}


def audit_head_expected(session: Session) -> str | None:
    """The audit trail (issue 7) may not be there yet; once it is, the summary carries its head."""
    try:
        from setting_app.storage.audit_repo import chain_head
    except ImportError:
        return None
    return chain_head(session.conn)


def test_october_figures_match_the_hand_count(known: KnownCasebook) -> None:
    figures = monthly_summary(known.session, "2026-10").to_json_dict()

    assert figures["month"] == "2026-10"
    assert figures["as_of"] == "2026-10-31"
    assert figures["families_supported"] == 4  # F1, F2, F3, F4 (F2 closed mid-month still counts)
    assert figures["children_supported"] == 4  # the child-less entries add no child
    assert figures["entries"] == 7
    assert figures["minutes"] == 205
    assert figures["entries_by_domain_kind"] == {
        "child_development": {"direct": 2, "indirect": 0},
        "inclusion_send": {"direct": 1, "indirect": 0},
        "family_wellbeing": {"direct": 1, "indirect": 1},
        "financial_hardship": {"direct": 0, "indirect": 2},
    }
    assert figures["minutes_by_domain"] == {
        "child_development": 55,
        "inclusion_send": 60,
        "family_wellbeing": 65,
        "financial_hardship": 25,
    }
    assert figures["minutes_by_domain_kind"]["family_wellbeing"] == {"direct": 45, "indirect": 20}
    assert figures["families_by_domain"] == {
        "child_development": 2,
        "inclusion_send": 1,
        "family_wellbeing": 1,
        "financial_hardship": 2,
    }
    assert figures["families"] == {"new": 2, "ongoing": 2, "closed": 2, "open_at_month_end": 3}

    assert figures["referrals_made"] == 4
    # Status on 31 October: the speech and language referral was completed only in November.
    assert figures["referrals_by_status"] == {
        **ZERO_STATUSES,
        "draft": 1,
        "sent": 1,
        "accepted": 1,
        "seen": 1,
    }
    assert figures["referrals_by_category"]["speech_language"] == {
        "made": 1,
        "by_status": {**ZERO_STATUSES, "accepted": 1},
    }
    assert figures["referrals_by_category"]["housing"]["made"] == 0
    assert set(figures["referrals_by_category"]) == {c.value for c in ServiceCategory}
    assert figures["referral_outcomes_this_month"] == {
        "accepted": 1,
        "waitlisted": 0,
        "declined": 0,
        "seen": 2,
        "completed": 1,
        "withdrawn": 0,
    }
    assert figures["median_days_to_acknowledgement"] == 5.5  # 5 (speech) and 6 (debt: seen directly)
    assert figures["acknowledgements_measured"] == 2
    assert figures["median_days_to_first_contact"] == 8.5  # 11 (food, made in September) and 6 (debt)
    assert figures["first_contacts_measured"] == 2
    assert figures["overdue_referrals"] == 3  # early help (sent 5 Oct), speech (accepted 12 Oct), housing
    assert figures["follow_ups_overdue"] == [
        {"family_ref": "FAM-0005", "follow_ups": 1, "oldest_due": "2026-09-20"},
        {"family_ref": "FAM-0003", "follow_ups": 1, "oldest_due": "2026-10-29"},
    ]

    assert figures["previous_month"] == {
        "month": "2026-09",
        "families_supported": 3,
        "children_supported": 2,
        "entries": 3,
        "direct_entries": 3,
        "indirect_entries": 0,
        "minutes": 55,
        "referrals_made": 1,
        "new_families": 1,
    }
    assert figures["change_from_previous_month"]["families_supported"] == 1
    assert figures["change_from_previous_month"]["minutes"] == 150

    trend = figures["trend_12_months"]
    assert [t["month"] for t in trend][0] == "2025-11" and trend[-1]["month"] == "2026-10"
    assert len(trend) == 12
    assert trend[-2]["entries_by_domain"] == {
        "child_development": 2,
        "inclusion_send": 0,
        "family_wellbeing": 1,
        "financial_hardship": 0,
    }
    assert trend[-1]["entries_by_domain"] == {
        "child_development": 2,
        "inclusion_send": 1,
        "family_wellbeing": 2,
        "financial_hardship": 2,
    }
    assert sum(sum(t["entries_by_domain"].values()) for t in trend[:-2]) == 0
    assert figures["audit_chain_head"] == audit_head_expected(known.session)


def test_month_in_progress_counts_to_today(known: KnownCasebook) -> None:
    summary = monthly_summary(known.session, Month(2026, 11))
    figures = summary.to_json_dict()
    assert summary.is_partial_month
    assert figures["as_of"] == "2026-11-23"
    assert figures["families_supported"] == 2  # F1 and F6
    assert figures["families"] == {"new": 1, "ongoing": 3, "closed": 0, "open_at_month_end": 4}
    assert figures["referrals_made"] == 1
    assert figures["referrals_by_status"]["sent"] == 1
    # The October referral completed in November shows as this month's outcome.
    assert figures["referral_outcomes_this_month"]["completed"] == 1
    assert figures["referral_outcomes_this_month"]["seen"] == 1
    assert figures["median_days_to_first_contact"] == 33  # sent 3 October, seen 5 November
    assert figures["previous_month"]["entries"] == 7


def test_a_month_with_nothing_recorded_is_all_zeros(known: KnownCasebook) -> None:
    figures = monthly_summary(known.session, "2025-03").to_json_dict()
    assert figures["families_supported"] == 0
    assert figures["entries_by_domain_kind"] == {d.value: {"direct": 0, "indirect": 0} for d in Domain}
    assert figures["referrals_by_status"] == ZERO_STATUSES
    assert figures["median_days_to_acknowledgement"] is None
    assert figures["follow_ups_overdue"] == []


def test_practitioner_is_refused(known: KnownCasebook, data_dir, clock) -> None:
    staff.add_user(known.session, "pat", Role.PRACTITIONER, PASSPHRASE, kdf=TEST_ONLY_FAST_KDF)
    with (
        unlock(data_dir, "pat", PASSPHRASE, clock=clock) as practitioner,
        pytest.raises(PermissionDenied, match="Only a manager"),
    ):
        monthly_summary(practitioner, "2026-10")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2026-13", "month number"),
        ("2026-00", "month number"),
        ("next month", "YYYY-MM"),
        ("2026-1", "YYYY-MM"),
        ("", "YYYY-MM"),
        ("2026-12", "has not started"),
        ("2030-01", "has not started"),
    ],
)
def test_bad_months_are_refused_in_plain_words(text: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem) as caught:
        parse_month(text, date(2026, 11, 23))
    assert caught.value.field == "month"


def test_month_arithmetic() -> None:
    assert parse_month("2026-01", date(2026, 11, 23)).previous == Month(2025, 12)
    assert Month(2024, 2).last_day == date(2024, 2, 29)
    assert Month(2026, 10).shifted(-11) == Month(2025, 11)
    assert Month(2026, 10).label == "October 2026"


def test_entry_queries_use_the_date_index(known: KnownCasebook) -> None:
    """Cost follows the month: every query over entries is a range search on idx_entries_date."""
    for sql in ENTRY_QUERIES:
        plan = " ".join(
            row[3]
            for row in known.session.conn.execute(f"EXPLAIN QUERY PLAN {sql}", ("2026-10-01", "2026-10-31"))
        )
        assert "USING INDEX idx_entries_date (entry_date>? AND entry_date<?)" in plan, plan


# --- the command line --------------------------------------------------------------------------


def test_cli_json_prints_the_same_figures(cli, known: KnownCasebook) -> None:
    result = cli("report", "monthly", "--month", "2026-10", "--format", "json")
    assert result.code == 0, result.err
    printed = json.loads(result.out)
    direct = monthly_summary(known.session, "2026-10").to_json_dict()
    printed.pop("generated_at")
    direct.pop("generated_at")
    assert printed == direct
    assert not any(canary in result.out for canary in CANARIES)


@pytest.mark.parametrize("month", ["2026-13", "next month", "2026-12"])
def test_cli_bad_month_is_one_plain_line(cli, known: KnownCasebook, month: str) -> None:
    result = cli("report", "monthly", "--month", month, "--format", "json")
    assert result.code == 1
    assert result.out == ""
    assert len(result.err.strip().splitlines()) == 1
    assert "month" in result.err and "Traceback" not in result.err


def test_cli_practitioner_is_refused(cli, known: KnownCasebook) -> None:
    staff.add_user(known.session, "pat", Role.PRACTITIONER, PASSPHRASE, kdf=TEST_ONLY_FAST_KDF)
    result = cli("report", "monthly", "--month", "2026-10", "--format", "json", user="pat")
    assert result.code == 1
    assert "Only a manager can make the monthly summary" in result.err
    assert result.out == ""


def test_cli_usage_errors_exit_2(cli, known: KnownCasebook) -> None:
    assert cli("report", "monthly").code == 2  # no --month
    assert cli("report", "monthly", "--month", "2026-10").code == 2  # PDF needs --out
    assert cli("report", "monthly", "--month", "2026-10", "--format", "xml").code == 2


def test_overdue_uses_due_dates_and_falls_back_to_14_days_without_one(known: KnownCasebook) -> None:
    conn = known.session.conn
    if not any(row["name"] == "due_on" for row in conn.execute("PRAGMA table_info(referrals)")):
        pytest.skip("this casebook records no referral due dates")
    with unit_of_work(conn):
        conn.execute("UPDATE referrals SET due_on = NULL")
    # No due dates at all: open and unchanged for more than 14 days (early help, speech, housing).
    assert monthly_summary(known.session, "2026-10").overdue_referrals == 3
    with unit_of_work(conn):
        # A due date still to come overrides the 14-day rule for the early help referral.
        conn.execute("UPDATE referrals SET due_on = '2026-11-02' WHERE service_category = 'early_help'")
        # A passed due date makes the debt advice referral overdue only while it is open (it is seen).
        conn.execute("UPDATE referrals SET due_on = '2026-10-22' WHERE service_category = 'debt_benefits'")
    assert monthly_summary(known.session, "2026-10").overdue_referrals == 2

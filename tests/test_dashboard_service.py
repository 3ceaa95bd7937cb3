"""The dashboard's figures, the app settings and staff switching: values, SQL plans and role checks."""

from __future__ import annotations

from datetime import date

import pytest

from setting_app.domain.codes import Domain, Kind, Nation, Role
from setting_app.domain.errors import PermissionDenied, ValidationError
from setting_app.domain.models import NewEntry, NewFamily, SettingDetails
from setting_app.services import app_settings, casebook, dashboard, staff, staff_admin
from setting_app.services.families import add_family, update_family
from setting_app.services.support_log import log_entry
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import PASSPHRASE, TODAY, setting_details


def _family(session, ref: str, opened: date = date(2025, 1, 6)) -> int:
    return add_family(session, NewFamily(ref=ref, opened_on=opened)).id


def _entry(session, family_id: int, day: date, domain: Domain, minutes: int = 30, **kw) -> int:
    return log_entry(session, NewEntry(family_id, day, domain, minutes, **kw)).id


def _practitioner(session, data_dir):
    staff.add_user(session, "pat", "practitioner", PASSPHRASE, display_name="Pat", kdf=TEST_ONLY_FAST_KDF)
    return casebook.unlock(data_dir, "pat", PASSPHRASE, clock=session.clock)


def test_this_month_figures(session) -> None:
    a, b, c = _family(session, "FAM-A"), _family(session, "FAM-B"), _family(session, "FAM-C")
    _entry(session, a, date(2026, 11, 2), Domain.CHILD_DEVELOPMENT, 30)
    _entry(session, a, date(2026, 11, 20), Domain.FINANCIAL_HARDSHIP, 15)  # indirect by default
    _entry(session, b, date(2026, 11, 23), Domain.FAMILY_WELLBEING, 45, kind=Kind.INDIRECT)
    _entry(session, c, date(2026, 10, 31), Domain.INCLUSION_SEND, 60)  # last month: not counted

    figures = dashboard.dashboard_figures(session)

    assert (figures.month_start, figures.month_end) == (date(2026, 11, 1), date(2026, 11, 30))
    assert figures.families_supported == 2
    assert figures.entries == 3
    assert figures.entries_by_domain_kind[(Domain.CHILD_DEVELOPMENT, Kind.DIRECT)] == 1
    assert figures.entries_by_domain_kind[(Domain.FINANCIAL_HARDSHIP, Kind.INDIRECT)] == 1
    assert figures.entries_by_domain_kind[(Domain.FAMILY_WELLBEING, Kind.INDIRECT)] == 1
    assert figures.entries_for(Domain.INCLUSION_SEND) == 0
    assert figures.staff_minutes == 90
    assert figures.staff_hours == pytest.approx(1.5)


def test_last_twelve_months_by_domain(session) -> None:
    fam = _family(session, "FAM-A")
    _entry(session, fam, date(2025, 11, 30), Domain.CHILD_DEVELOPMENT)  # 13 months back: outside
    _entry(session, fam, date(2025, 12, 1), Domain.CHILD_DEVELOPMENT, 20)
    _entry(session, fam, date(2025, 12, 15), Domain.CHILD_DEVELOPMENT, 40)
    _entry(session, fam, date(2026, 6, 10), Domain.FAMILY_WELLBEING)
    _entry(session, fam, date(2026, 11, 1), Domain.FINANCIAL_HARDSHIP)

    months = dashboard.dashboard_figures(session).months

    assert [m.month for m in months][:2] == [date(2025, 12, 1), date(2026, 1, 1)]
    assert months[-1].month == date(2026, 11, 1)
    assert len(months) == 12
    assert months[0].entries[Domain.CHILD_DEVELOPMENT] == 2
    assert months[0].minutes[Domain.CHILD_DEVELOPMENT] == 60
    assert months[6].entries[Domain.FAMILY_WELLBEING] == 1
    assert months[-1].entries[Domain.FINANCIAL_HARDSHIP] == 1
    assert sum(m.total_entries for m in months) == 4


def test_follow_ups_due_and_overdue_stay_open_until_something_later_is_logged(session) -> None:
    a, b, c, d = (_family(session, ref) for ref in ("FAM-A", "FAM-B", "FAM-C", "FAM-D"))
    _entry(session, a, date(2026, 11, 10), Domain.FAMILY_WELLBEING, follow_up_on=TODAY)
    _entry(session, b, date(2026, 11, 1), Domain.FAMILY_WELLBEING, follow_up_on=date(2026, 11, 8))
    _entry(session, c, date(2026, 11, 1), Domain.FAMILY_WELLBEING, follow_up_on=date(2026, 11, 5))
    _entry(session, c, date(2026, 11, 6), Domain.FAMILY_WELLBEING)  # family C was followed up
    _entry(session, d, date(2026, 11, 20), Domain.FAMILY_WELLBEING, follow_up_on=date(2026, 12, 1))

    figures = dashboard.dashboard_figures(session)

    assert figures.follow_ups_due_today == 1
    assert figures.follow_ups_overdue == 1
    assert [(f.family_ref, f.due_on) for f in figures.follow_ups] == [
        ("FAM-A", TODAY),
        ("FAM-B", date(2026, 11, 8)),
    ]
    # A closed family has nothing to follow up.
    update_family(session, b, NewFamily(ref="FAM-B", opened_on=date(2025, 1, 6), closed_on=TODAY))
    assert dashboard.dashboard_figures(session).follow_ups_overdue == 0


def test_month_queries_use_the_date_index(session) -> None:
    plans = []
    for sql in (
        "SELECT domain, kind, count(*), sum(minutes) FROM support_entries "
        "WHERE entry_date >= ? AND entry_date <= ? GROUP BY domain, kind",
        "SELECT count(DISTINCT family_id) FROM support_entries WHERE entry_date >= ? AND entry_date <= ?",
    ):
        rows = session.conn.execute(f"EXPLAIN QUERY PLAN {sql}", ("2026-11-01", "2026-11-30")).fetchall()
        plans.append(" ".join(str(r[-1]) for r in rows))
    assert all("idx_entries_date" in plan for plan in plans), plans


def test_auto_lock_minutes_default_and_manager_change(session) -> None:
    assert app_settings.auto_lock_minutes(session) == 5
    assert app_settings.set_auto_lock_minutes(session, "12") == 12
    assert app_settings.auto_lock_minutes(session) == 12
    with pytest.raises(ValidationError) as err:
        app_settings.set_auto_lock_minutes(session, 0)
    assert err.value.field == "auto-lock minutes"
    with pytest.raises(ValidationError):
        app_settings.set_auto_lock_minutes(session, "soon")
    assert app_settings.auto_lock_minutes(session) == 12


def test_setting_details_change_by_manager(session) -> None:
    scottish = setting_details(Nation.SCOTLAND)
    saved = app_settings.update_setting_details(session, scottish)
    assert saved.nation is Nation.SCOTLAND
    assert session.setting.name == "Wee Acorns ELC"
    with pytest.raises(ValidationError) as err:
        app_settings.update_setting_details(session, SettingDetails("X", "?", Nation.ENGLAND, "E09000019"))
    assert err.value.field == "URN"
    assert session.setting.name == "Wee Acorns ELC"


def test_practitioners_are_refused_by_the_services(session, data_dir) -> None:
    pat = _practitioner(session, data_dir)
    try:
        with pytest.raises(PermissionDenied):
            app_settings.set_auto_lock_minutes(pat, 10)
        with pytest.raises(PermissionDenied):
            app_settings.update_setting_details(pat, setting_details(Nation.SCOTLAND))
        with pytest.raises(PermissionDenied):
            staff_admin.set_user_active(pat, session.user.id, False)
        with pytest.raises(PermissionDenied):
            staff.add_user(pat, "sam", "practitioner", PASSPHRASE, kdf=TEST_ONLY_FAST_KDF)
        # Practitioners can read the dashboard.
        assert dashboard.dashboard_figures(pat).entries == 0
        assert app_settings.auto_lock_minutes(pat) == 5
    finally:
        pat.close()


def test_switching_an_account_off_stops_it_unlocking(session, data_dir) -> None:
    _practitioner(session, data_dir).close()
    pat = next(u for u in staff.list_users(session) if u.username == "pat")
    assert staff_admin.set_user_active(session, pat.id, False).active is False
    with pytest.raises(Exception, match="switched off"):
        casebook.unlock(data_dir, "pat", PASSPHRASE, clock=session.clock)
    staff_admin.set_user_active(session, pat.id, True)
    casebook.unlock(data_dir, "pat", PASSPHRASE, clock=session.clock).close()


def test_a_manager_cannot_switch_off_themself_or_the_last_manager(session) -> None:
    with pytest.raises(ValidationError, match="your own account"):
        staff_admin.set_user_active(session, session.user.id, False)
    other = staff.add_user(session, "boss2", Role.MANAGER, PASSPHRASE, kdf=TEST_ONLY_FAST_KDF)
    staff_admin.set_user_active(session, other.id, False)
    assert [u.username for u in staff.list_users(session) if u.active] == ["manager"]


def test_restricted_entries_count_only_for_managers(session, data_dir) -> None:
    open_fam, secret_fam = _family(session, "FAM-A"), _family(session, "FAM-S")
    _entry(session, open_fam, date(2026, 11, 2), Domain.CHILD_DEVELOPMENT, 30)
    _entry(
        session,
        secret_fam,
        date(2026, 11, 3),
        Domain.FAMILY_WELLBEING,
        50,
        follow_up_on=date(2026, 11, 10),
        restricted=True,
    )
    manager_view = dashboard.dashboard_figures(session)
    assert (manager_view.entries, manager_view.families_supported, manager_view.follow_ups_overdue) == (
        2,
        2,
        1,
    )
    pat = _practitioner(session, data_dir)
    try:
        seen = dashboard.dashboard_figures(pat)
        assert (seen.entries, seen.families_supported, seen.staff_minutes) == (1, 1, 30)
        assert seen.follow_ups_overdue == 0 and seen.follow_ups == ()
        assert sum(m.entries[Domain.FAMILY_WELLBEING] for m in seen.months) == 0
    finally:
        pat.close()

"""Upgrading a schema-2 casebook that already holds referrals: the directory and due dates are back-filled."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from setting_app.domain.codes import Consent, ReferralStatus, Role, ServiceCategory
from setting_app.domain.referrals import Route, ServiceSource, Urgency
from setting_app.services import casebook
from setting_app.services import referrals as R
from setting_app.storage import database, migrations, service_repo, setting_repo, staff_repo
from setting_app.storage.casebook_store import CasebookPaths
from tests.conftest import PASSPHRASE, setting_details

NOW = "2026-10-01T09:00:00+00:00"


def _rebuild_at_version_2(session, data_dir: Path, tmp_path: Path, clock) -> None:
    key = session.data_key()
    session.close()
    db = CasebookPaths(data_dir).db
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    first_two = tmp_path / "v2-migrations"
    first_two.mkdir()
    for migration in migrations.available_migrations()[:2]:
        shutil.copy(migration.path, first_two / migration.path.name)
    conn = database.open_database(db, key, create=True)
    migrations.migrate(conn, first_two)
    assert migrations.current_version(conn) == 2
    setting_repo.save_setting(conn, setting_details(), clock.now())
    staff_repo.add_staff(conn, "manager", "Mina Manager", Role.MANAGER, clock.now())
    conn.execute("INSERT INTO app_settings (key, value) VALUES ('referral_follow_up_days', '10')")
    conn.execute(
        "INSERT INTO families (ref, opened_on, created_at, updated_at) VALUES ('FAM-0001', '2026-01-05', ?, ?)",
        (NOW, NOW),
    )
    rows = [
        # service_name, category, made_on, consent, status
        ("Eastbrook Food Bank", "food_essentials", "2026-09-01", "given", "sent"),
        ("eastbrook food bank ", "food_essentials", "2026-09-10", "not_needed", "completed"),
        ("Speech and Language Therapy", "speech_language", "2026-09-15", "overridden", "waitlisted"),
        ("Health visitor", "health_visiting", "2026-09-20", "not_given", "draft"),
    ]
    for name, category, made_on, consent, status in rows:
        cur = conn.execute(
            """INSERT INTO referrals (family_id, service_name, service_category, domain, made_on, consent, status,
                                      made_by, created_at)
               VALUES (1, ?, ?, 'family_wellbeing', ?, ?, ?, 1, ?)""",
            (name, category, made_on, consent, status, NOW),
        )
        conn.execute(
            """INSERT INTO referral_status_history (referral_id, status, changed_on, changed_by, created_at)
               VALUES (?, ?, ?, 1, ?)""",
            (cur.lastrowid, status, made_on, NOW),
        )
    conn.close()


def test_schema_2_referrals_are_carried_into_the_workflow(
    session, data_dir: Path, tmp_path: Path, clock
) -> None:
    _rebuild_at_version_2(session, data_dir, tmp_path, clock)
    upgraded = casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock)
    try:
        assert migrations.current_version(upgraded.conn) == migrations.latest_version()
        services = service_repo.list_services(upgraded.conn)
        assert [(s.name, s.category, s.source) for s in services] == [
            ("Eastbrook Food Bank", ServiceCategory.FOOD_ESSENTIALS, ServiceSource.REFERRAL),
            ("Health visitor", ServiceCategory.HEALTH_VISITING, ServiceSource.REFERRAL),
            ("Speech and Language Therapy", ServiceCategory.SPEECH_LANGUAGE, ServiceSource.REFERRAL),
        ]
        food, health, slt = services
        referrals = {r.id: r for r in R.family_referrals(upgraded, 1)}
        assert [referrals[i].service_id for i in (1, 2, 3, 4)] == [food.id, food.id, slt.id, health.id]
        assert all(r.route is Route.REFERRED and r.urgency is Urgency.ROUTINE for r in referrals.values())
        # Referrals out with a service get a due date: the setting's 10 days after their last change.
        assert referrals[1].due_on == date(2026, 9, 11)
        assert referrals[3].due_on == date(2026, 9, 25)
        assert referrals[2].due_on is None and referrals[4].due_on is None
        # Consent recorded as given is dated the day the referral was made.
        assert referrals[1].consent is Consent.GIVEN and referrals[1].consent_given_on == date(2026, 9, 1)
        assert referrals[3].consent_note.startswith("Recorded before consent details")
        # They carry on through the workflow.
        [overdue_first, *_] = R.overdue_referrals(upgraded)
        assert overdue_first.id == 1
        moved = R.change_status(upgraded, 1, ReferralStatus.ACKNOWLEDGED)
        assert moved.status is ReferralStatus.ACKNOWLEDGED and moved.due_on == date(2026, 12, 3)
    finally:
        upgraded.close()

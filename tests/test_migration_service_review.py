"""Upgrading a casebook whose imported services had their categories guessed from words in their text:
they become "to review" (shown as Other), with the old guess kept as a suggestion; services added by hand
or from a referral keep their category, confirmed."""

from __future__ import annotations

import shutil
from pathlib import Path

from setting_app.domain.codes import ServiceCategory
from setting_app.domain.referrals import CategoryStatus, ServiceContact
from setting_app.storage import database, migrations, service_repo

NOW = "2026-10-01T09:00:00+00:00"
BEFORE = 7  # the last schema without category status


def test_guessed_categories_become_suggestions_to_review(tmp_path: Path) -> None:
    folder = tmp_path / "old-migrations"
    folder.mkdir()
    for migration in migrations.available_migrations()[:BEFORE]:
        shutil.copy(migration.path, folder / migration.path.name)
    db, key = tmp_path / "casebook.db", bytes(range(32))
    conn = database.open_database(db, key, create=True)
    migrations.migrate(conn, folder)
    assert migrations.current_version(conn) == BEFORE
    rows = [
        ("Tai Chi", "debt_benefits", "financial_hardship", "import", "b-101"),
        ("Toy Library", "other", None, "import", "b-102"),
        ("Eastbrook Food Bank", "food_essentials", "financial_hardship", "manual", None),
        ("Speech Therapy", "speech_language", "inclusion_send", "referral", None),
    ]
    for name, category, domain, source, hsds_id in rows:
        conn.execute(
            """INSERT INTO services (name, category, domain, source, hsds_id, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            (name, category, domain, source, hsds_id, NOW, NOW),
        )
    assert migrations.migrate(conn) == (BEFORE, migrations.latest_version())
    services = {s.name: service_repo.get_service(conn, s.id) for s in service_repo.list_services(conn)}
    tai_chi = services["Tai Chi"]
    assert (tai_chi.category, tai_chi.domain, tai_chi.category_status) == (
        ServiceCategory.OTHER,
        None,
        CategoryStatus.TO_REVIEW,
    )
    assert tai_chi.suggested_category is ServiceCategory.DEBT_BENEFITS
    assert "earlier import" in tai_chi.suggestion_reason
    toy = services["Toy Library"]
    assert (toy.category_status, toy.suggested_category, toy.suggestion_reason) == (
        CategoryStatus.TO_REVIEW,
        None,
        "",
    )
    for name, category in (
        ("Eastbrook Food Bank", ServiceCategory.FOOD_ESSENTIALS),
        ("Speech Therapy", ServiceCategory.SPEECH_LANGUAGE),
    ):
        assert (services[name].category, services[name].category_status) == (
            category,
            CategoryStatus.CONFIRMED,
        )
    assert service_repo.count_to_review(conn) == 2
    # Contacts are kept in their own table, removed with their service.
    conn.execute("PRAGMA foreign_keys = ON")
    service_repo.update_service(
        conn,
        toy.id,
        toy.as_new().__class__(
            **{**toy.as_new().__dict__, "contacts": (ServiceContact("Jo", phone="0117 496 0000"),)}
        ),
        tai_chi.updated_at,
    )
    assert service_repo.get_service(conn, toy.id).contacts == (ServiceContact("Jo", phone="0117 496 0000"),)
    conn.execute("DELETE FROM services WHERE id = ?", (toy.id,))
    assert conn.execute("SELECT count(*) FROM service_contacts").fetchone()[0] == 0
    conn.close()

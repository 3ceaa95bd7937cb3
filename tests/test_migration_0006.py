"""Upgrading a schema-5 casebook with information-sharing rows to schema 6 (joining up and partnership
working): the sharing table is rebuilt in place, so every row must come through unchanged, and the
built-in activities get their outcome tags."""

from __future__ import annotations

import shutil
from pathlib import Path

from setting_app.domain.codes import Role
from setting_app.storage import database, migrations, setting_repo, staff_repo
from tests.conftest import setting_details

NOW = "2026-10-01T09:00:00+00:00"


def _casebook_at(version: int, tmp_path: Path, clock) -> tuple[Path, bytes]:
    folder = tmp_path / f"v{version}-migrations"
    folder.mkdir()
    for migration in migrations.available_migrations()[:version]:
        shutil.copy(migration.path, folder / migration.path.name)
    db, key = tmp_path / "casebook.db", bytes(range(32))
    conn = database.open_database(db, key, create=True)
    migrations.migrate(conn, folder)
    assert migrations.current_version(conn) == version
    setting_repo.save_setting(conn, setting_details(), clock.now())
    staff_repo.add_staff(conn, "manager", "Mina Manager", Role.MANAGER, clock.now())
    conn.execute(
        "INSERT INTO families (ref, opened_on, created_at, updated_at) VALUES ('FAM-0001', '2026-01-05', ?, ?)",
        (NOW, NOW),
    )
    conn.execute(
        """INSERT INTO information_sharing (decision, occasion, decided_on, family_id, recipient, what, purpose,
               lawful_basis, consent, reason, method, recorded_by, created_at)
           VALUES ('shared', 'referral', '2026-09-01', 1, 'Eastbrook Health Visiting', 'Contact details',
                   'Two-year check', 'consent', 'given', 'Consent given by A Parent', 'phone', 1, ?)""",
        (NOW,),
    )
    conn.execute(
        """INSERT INTO information_sharing (decision, occasion, decided_on, family_id, recipient, what, purpose,
               reason, recorded_by, created_at)
           VALUES ('not_shared', 'other', '2026-09-02', 1, 'A neighbour', 'Anything', 'Asked by phone',
                   'No consent and no lawful basis', 1, ?)""",
        (NOW,),
    )
    conn.close()
    return db, key


def test_sharing_rows_survive_the_rebuild_and_built_in_activities_get_tags(tmp_path: Path, clock) -> None:
    db, key = _casebook_at(5, tmp_path, clock)
    conn = database.open_database(db, key)
    columns = (
        "id, decision, occasion, decided_on, family_id, recipient, what, purpose, lawful_basis, consent, "
    )
    columns += "reason, method, recorded_by, created_at"
    before = conn.execute(f"SELECT {columns} FROM information_sharing ORDER BY id").fetchall()
    assert migrations.migrate(conn) == (5, migrations.latest_version())
    after = conn.execute(f"SELECT {columns} FROM information_sharing ORDER BY id").fetchall()
    assert [tuple(r) for r in after] == [tuple(r) for r in before] and len(after) == 2
    assert (
        conn.execute(
            "SELECT count(*) FROM information_sharing WHERE agreement_id IS NULL AND no_agreement_reason = ''"
        ).fetchone()[0]
        == 2
    )
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {
        "idx_sharing_family",
        "idx_sharing_referral",
        "idx_sharing_date",
        "idx_sharing_agreement",
    } <= indexes
    # Every one of the 20 built-in activities carries at least one tag of each framework.
    untagged = conn.execute(
        """SELECT count(*) FROM activity_types a WHERE a.builtin = 1 AND (
               NOT EXISTS (SELECT 1 FROM activity_outcomes o WHERE o.activity_id = a.id
                           AND o.framework = 'supporting_families')
               OR NOT EXISTS (SELECT 1 FROM activity_outcomes o WHERE o.activity_id = a.id
                              AND o.framework = 'shanarri'))"""
    ).fetchone()[0]
    assert untagged == 0
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()

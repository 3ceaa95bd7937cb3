"""At rest nothing is readable: canaries in every text field never appear in any file's bytes."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from setting_app.domain.codes import Consent, Domain, ReferralStatus, ServiceCategory
from setting_app.domain.models import Carer, NewChild, NewEntry, NewFamily, NewReferral
from setting_app.services import families, staff, support_log
from setting_app.storage import referral_repo
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from setting_app.storage.unit_of_work import unit_of_work

CANARIES = {
    "staff_name": "CanaryStaffQuokka",
    "family_ref": "CANARYREF77",
    "carer_name": "CanaryCarerPangolin",
    "carer_relationship": "CanaryRelAxolotl",
    "carer_phone": "CanaryPhone0771",
    "family_notes": "CanaryFamilyNotesNarwhal",
    "child_name": "CanaryChildOkapi",
    "entry_note": "CanaryEntryNoteTapir",
    "referral_service": "CanaryServiceWombat",
    "referral_note": "CanaryReferralNoteDugong",
    "activity_label": "CanaryActivityCaracal",
}


def _seed(session) -> None:
    staff.add_user(
        session,
        "pat",
        "practitioner",
        "practitioner passphrase",
        display_name=CANARIES["staff_name"],
        kdf=TEST_ONLY_FAST_KDF,
    )
    support_log.add_activity_type(session, Domain.FAMILY_WELLBEING, CANARIES["activity_label"])
    family = families.add_family(
        session,
        NewFamily(
            ref=CANARIES["family_ref"],
            opened_on=date(2026, 1, 5),
            carers=(Carer(CANARIES["carer_name"], CANARIES["carer_relationship"], CANARIES["carer_phone"]),),
            postcode="ZE2 9QQ",
            home_la_code="E09000019",
            notes=CANARIES["family_notes"],
            children=(NewChild(CANARIES["child_name"], date(2023, 3, 1)),),
        ),
    )
    for _ in range(50):  # enough to spill into several pages and the WAL
        support_log.log_entry(
            session,
            NewEntry(
                family.id, date(2026, 10, 3), Domain.FINANCIAL_HARDSHIP, 20, note=CANARIES["entry_note"]
            ),
        )
    with unit_of_work(session.conn):
        referral_repo.add_referral(
            session.conn,
            NewReferral(
                family.id,
                CANARIES["referral_service"],
                ServiceCategory.FOOD_ESSENTIALS,
                Domain.FINANCIAL_HARDSHIP,
                date(2026, 10, 3),
                Consent.GIVEN,
                ReferralStatus.SENT,
                note=CANARIES["referral_note"],
            ),
            session.clock.now(),
        )


def _all_casebook_files(data_dir: Path) -> list[Path]:
    return [p for p in data_dir.rglob("*") if p.is_file()]


def _assert_no_canary(paths: list[Path]) -> None:
    for path in paths:
        data = path.read_bytes()
        for label, canary in CANARIES.items():
            for encoding in ("utf-8", "utf-16-le"):
                assert canary.encode(encoding) not in data, f"{label} readable in {path.name}"
        assert b"ZE2 9QQ" not in data, f"postcode readable in {path.name}"


def test_no_canary_in_database_wal_shm_or_slots_while_open(session, data_dir: Path) -> None:
    _seed(session)
    files = _all_casebook_files(data_dir)
    names = {p.name for p in files}
    assert {"casebook.db", "casebook.db-wal", "casebook.db-shm", "casebook.keys"} <= names
    assert Path(data_dir / "casebook.db-wal").stat().st_size > 0
    _assert_no_canary(files)
    # The canaries really are in the casebook (so the test could fail).
    assert support_log.search_notes(session, "CanaryEntryNoteTapir")


def test_no_canary_after_checkpoint_and_close(session, data_dir: Path) -> None:
    _seed(session)
    session.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    session.close()
    _assert_no_canary(_all_casebook_files(data_dir))


def test_plain_sqlite_cannot_read_the_casebook(session, data_dir: Path) -> None:
    _seed(session)
    session.close()
    plain = sqlite3.connect(data_dir / "casebook.db")
    with pytest.raises(sqlite3.DatabaseError):
        plain.execute("SELECT count(*) FROM sqlite_master").fetchone()
    plain.close()
    assert (data_dir / "casebook.db").read_bytes()[:16] != b"SQLite format 3\x00"

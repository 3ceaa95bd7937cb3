"""Restricted (safeguarding) marks travel in the record format and stay managers-only after import."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from setting_app.domain.codes import Consent, Domain, ReferralStatus, ServiceCategory
from setting_app.domain.errors import AppError, ImportRejected
from setting_app.domain.models import NewEntry, NewFamily, NewReferral
from setting_app.services import casebook, records, staff
from setting_app.services.casebook import create_casebook
from setting_app.services.families import add_family, find_family
from setting_app.services.session import Session
from setting_app.services.support_log import family_chronology, log_entry
from setting_app.storage import entry_repo, referral_repo
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from setting_app.storage.unit_of_work import unit_of_work
from tests.conftest import PASSPHRASE, fixed_clock, setting_details


def _family_with_secrets(session: Session) -> None:
    family = add_family(session, NewFamily(ref="FAM-0001", opened_on=date(2026, 1, 5)))
    log_entry(session, NewEntry(family.id, date(2026, 3, 2), Domain.CHILD_DEVELOPMENT, 20, note="Open note"))
    log_entry(
        session,
        NewEntry(family.id, date(2026, 3, 3), Domain.FAMILY_WELLBEING, 30, note="Sensitive", restricted=True),
    )
    with unit_of_work(session.conn):
        referral_repo.add_referral(
            session.conn,
            NewReferral(
                family.id,
                "Children's social care",
                ServiceCategory.SOCIAL_CARE,
                Domain.FAMILY_WELLBEING,
                date(2026, 3, 3),
                Consent.NOT_NEEDED,
                ReferralStatus.SENT,
                restricted=True,
            ),
            session.clock.now(),
        )


def _fresh(tmp_path: Path) -> Session:
    return create_casebook(
        tmp_path / "fresh", setting_details(), "manager", "Mina Manager", PASSPHRASE,
        kdf=TEST_ONLY_FAST_KDF, clock=fixed_clock(),
    ).session  # fmt: skip


def test_restricted_marks_survive_export_and_import(session: Session, tmp_path: Path) -> None:
    _family_with_secrets(session)
    document = records.export_families(session)
    entries = document["families"][0]["entries"]
    assert [e.get("restricted", False) for e in entries] == [False, True]
    assert document["families"][0]["referrals"][0]["restricted"] is True

    fresh = _fresh(tmp_path)
    try:
        records.import_records(fresh, document)
        family = find_family(fresh, "FAM-0001")
        marks = [e.restricted for e in entry_repo.list_family_entries(fresh.conn, family.id)]
        assert marks == [False, True]
        assert [x.restricted for x in referral_repo.list_family_referrals(fresh.conn, family.id)] == [True]
        assert records.export_families(fresh) == document
        staff.add_user(fresh, "pat", "practitioner", PASSPHRASE, display_name="Pat", kdf=TEST_ONLY_FAST_KDF)
    finally:
        fresh.close()
    pat = casebook.unlock(tmp_path / "fresh", "pat", PASSPHRASE, clock=fixed_clock())
    try:
        assert [e.note for e in family_chronology(pat, family.id)] == ["Open note"]
    finally:
        pat.close()


def test_an_older_format_cannot_carry_the_mark_so_export_refuses(session: Session) -> None:
    _family_with_secrets(session)
    with pytest.raises(AppError, match="restricted records.*version 3"):
        records.export_families(session, version=2)


def test_the_mark_must_be_true_or_false(session: Session) -> None:
    _family_with_secrets(session)
    document = records.export_families(session)
    document["families"][0]["entries"][1]["restricted"] = "yes"
    document["families"][0]["ref"] = "FAM-0099"
    with pytest.raises(ImportRejected, match="restricted"):
        records.import_records(session, document)

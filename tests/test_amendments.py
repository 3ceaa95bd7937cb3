"""Amendments keep the earlier version (who, when, why); rectification by a manager removes text for good."""

from __future__ import annotations

from datetime import date

import pytest

from setting_app.domain.codes import ContactMode, Domain
from setting_app.domain.errors import NotFound, PermissionDenied, ValidationError
from setting_app.domain.models import NewChild, NewEntry, NewFamily
from setting_app.services import audit, families, support_log
from setting_app.services.casebook import unlock
from setting_app.services.staff import add_user
from setting_app.storage.audit_repo import AuditFilter
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF

PAT = "practitioner passphrase 1"
SAM = "practitioner passphrase 2"


@pytest.fixture
def family_id(session) -> int:
    family = NewFamily("FAM-A1", date(2026, 1, 5), children=(NewChild("Ava Example", date(2023, 4, 1)),))
    return families.add_family(session, family).id


@pytest.fixture
def staff(session, data_dir):
    add_user(session, "pat", "practitioner", PAT, display_name="Pat Practitioner", kdf=TEST_ONLY_FAST_KDF)
    add_user(session, "sam", "practitioner", SAM, kdf=TEST_ONLY_FAST_KDF)
    pat, sam = unlock(data_dir, "pat", PAT), unlock(data_dir, "sam", SAM)
    pat.clock = sam.clock = session.clock
    yield pat, sam
    pat.close()
    sam.close()


def _log(session, family_id: int, note: str = "Talked about the food bank."):
    return support_log.log_entry(
        session, NewEntry(family_id, date(2026, 11, 2), Domain.FINANCIAL_HARDSHIP, 20, note=note)
    )


def _amend_audit(session) -> list[tuple]:
    return [
        (r.username, r.object_id, r.detail)
        for r in audit.list_audit(session, AuditFilter(action=audit.AMEND))
    ]


def test_amendment_keeps_the_earlier_version_with_who_when_why(session, family_id, staff) -> None:
    pat, _ = staff
    entry = _log(pat, family_id)
    amended = support_log.amend_entry(
        pat,
        entry.id,
        {"note": "Talked about the food bank and school uniform.", "minutes": 30},
        "Wrong minutes",
    )
    assert amended.version == 2 and amended.minutes == 30 and "uniform" in amended.note
    [old] = support_log.entry_history(pat, entry.id)
    assert (old.version, old.minutes, old.note) == (1, 20, "Talked about the food bank.")
    assert old.replaced_by_name == "Pat Practitioner" and old.reason == "Wrong minutes"
    assert old.replaced_at == session.clock.now()
    # The chronology shows the current version only; the history has the rest.
    [current] = support_log.family_chronology(session, family_id)
    assert current.note.endswith("uniform.") and current.version == 2
    assert _amend_audit(session) == [("pat", entry.id, "changed: minutes, note")]
    # Search finds the new words through the notes index.
    assert [e.id for e in support_log.search_notes(session, "uniform")] == [entry.id]


def test_second_amendment_keeps_both_earlier_versions(session, family_id) -> None:
    entry = _log(session, family_id)
    support_log.amend_entry(session, entry.id, {"contact_mode": ContactMode.PHONE}, "It was a call")
    third = support_log.amend_entry(session, entry.id, {"entry_date": date(2026, 11, 3)}, "Wrong day")
    history = support_log.entry_history(session, entry.id)
    assert [v.version for v in history] == [1, 2] and third.version == 3
    assert history[0].contact_mode is ContactMode.IN_PERSON and history[1].contact_mode is ContactMode.PHONE
    assert history[1].entry_date == date(2026, 11, 2) and third.entry_date == date(2026, 11, 3)


def test_only_the_author_or_a_manager_may_amend(session, family_id, staff) -> None:
    pat, sam = staff
    entry = _log(pat, family_id)
    with pytest.raises(PermissionDenied, match="person who logged this entry or a manager"):
        support_log.amend_entry(sam, entry.id, {"minutes": 5}, "Typo")
    assert support_log.amend_entry(session, entry.id, {"minutes": 5}, "Typo").version == 2
    assert support_log.get_entry(session, entry.id).minutes == 5


@pytest.mark.parametrize(
    ("changes", "reason", "field"),
    [
        ({"minutes": 5}, "  ", "reason"),
        ({"minutes": 0}, "Typo", "minutes"),
        ({"entry_date": date(2030, 1, 1)}, "Typo", "date"),
        ({"entry_date": "yesterday"}, "Typo", "date"),
        ({"follow_up_on": date(2026, 1, 1)}, "Typo", "follow-up date"),
        ({"staff_id": 99}, "Typo", "staff_id"),
        ({"note": "Talked about the food bank."}, "Typo", "changes"),
    ],
)
def test_bad_amendments_are_refused_and_nothing_changes(session, family_id, changes, reason, field) -> None:
    entry = _log(session, family_id)
    with pytest.raises(ValidationError) as refused:
        support_log.amend_entry(session, entry.id, changes, reason)
    assert refused.value.field == field
    assert support_log.get_entry(session, entry.id) == entry
    assert support_log.entry_history(session, entry.id) == [] and _amend_audit(session) == []


def test_unknown_entry(session) -> None:
    with pytest.raises(NotFound):
        support_log.amend_entry(session, 999, {"minutes": 5}, "Typo")


def test_rectification_removes_text_from_the_entry_and_every_version(session, family_id, staff) -> None:
    pat, _ = staff
    entry = _log(pat, family_id, "Dad mentioned Zebrafinch Street debts.")
    support_log.amend_entry(
        pat, entry.id, {"note": "Dad mentioned Zebrafinch Street debts to the bank."}, "More"
    )
    with pytest.raises(PermissionDenied):
        support_log.rectify_entry(pat, entry.id, "Zebrafinch Street", "[address removed]", "Wrong family")
    with pytest.raises(ValidationError, match="does not appear"):
        support_log.rectify_entry(session, entry.id, "Nowhere Lane", "", "Wrong family")
    with pytest.raises(ValidationError, match="reason"):
        support_log.rectify_entry(session, entry.id, "Zebrafinch Street", "", "")
    fixed = support_log.rectify_entry(
        session, entry.id, "Zebrafinch Street", "[address removed]", "Wrong family"
    )
    assert fixed.note == "Dad mentioned [address removed] debts to the bank." and fixed.version == 3
    history = support_log.entry_history(session, entry.id)
    assert all("Zebrafinch" not in v.note for v in history)
    assert history[-1].reason == "Rectified: Wrong family" and history[-1].replaced_by_name == "Mina Manager"
    assert support_log.search_notes(session, "Zebrafinch") == []
    rows = session.conn.execute("SELECT count(*) FROM support_entry_versions WHERE note LIKE '%Zebrafinch%'")
    assert rows.fetchone()[0] == 0
    assert ("manager", entry.id, "rectified: note (2 version(s))") in _amend_audit(session)
    assert "Zebrafinch" not in " ".join(r.detail for r in audit.list_audit(session))

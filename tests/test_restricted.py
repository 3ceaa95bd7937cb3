"""Restricted (safeguarding-sensitive) entries and referrals: only managers see them, anywhere.

A practitioner never gets a restricted row from any list, search, chronology, count or referral query;
a manager opening one gives a reason that lands in the audit trail. Referral changes are audited.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from setting_app.domain.codes import Consent, Domain, ReferralStatus, ServiceCategory
from setting_app.domain.errors import NotFound, PermissionDenied, ValidationError
from setting_app.domain.models import NewEntry, NewFamily
from setting_app.domain.referrals import NewTrackedReferral
from setting_app.services import audit, families, referrals, support_log
from setting_app.services.casebook import unlock
from setting_app.services.staff import add_user
from setting_app.storage.audit_repo import AuditFilter
from setting_app.storage.entry_repo import EntryFilter
from setting_app.storage.family_repo import FamilyFilter
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from setting_app.storage.referral_repo import ReferralFilter
from setting_app.storage.unit_of_work import unit_of_work
from tests.test_agreements import cover_all

PAT = "practitioner passphrase 1"
DAY = date(2026, 11, 2)


@pytest.fixture
def pat(session, data_dir):
    add_user(session, "pat", "practitioner", PAT, kdf=TEST_ONLY_FAST_KDF)
    pat = unlock(data_dir, "pat", PAT)
    pat.clock = session.clock
    yield pat
    pat.close()


@pytest.fixture
def book(session, pat) -> dict:
    """One family with an open and a restricted entry, and an open and a restricted referral (both sent)."""
    family = families.add_family(session, NewFamily("FAM-R1", date(2026, 1, 5))).id
    cover_all(session)  # sending now names the data-sharing agreement that covers it

    def entry(note: str, restricted: bool):
        new = NewEntry(
            family, DAY, Domain.FAMILY_WELLBEING, 15, note=note, follow_up_on=DAY, restricted=restricted
        )
        return support_log.log_entry(pat, new)

    def referral(name: str, restricted: bool):
        saved = referrals.make_referral(session, _referral(family, name, ReferralStatus.SENT))
        if restricted:
            referrals.set_referral_restricted(session, saved.id, True)
        return saved

    return {
        "family": family,
        "open_entry": entry("Weekly stay and play chat.", False),
        "secret_entry": entry("Disclosure Kestrelmoor discussed with DSL.", True),
        "open_referral": referral("Health visitor", False),
        "secret_referral": referral("Kestrelmoor children's social care", True),
    }


def _referral(family: int, name: str, status: ReferralStatus) -> NewTrackedReferral:
    return NewTrackedReferral(
        family_id=family,
        service_name=name,
        service_category=ServiceCategory.HEALTH_VISITING,
        domain=Domain.FAMILY_WELLBEING,
        made_on=DAY - timedelta(days=40),
        consent=Consent.GIVEN,
        status=status,
        consent_given_by="A Parent (mother)",
        consent_given_on=DAY - timedelta(days=40),
        consent_scope="Name and address to the service",
    )


def _everything_seen_by(viewer, book) -> dict[str, set[int]]:
    """Every read a screen or command makes of entries and referrals, by what it returned."""
    flt = EntryFilter(family_id=book["family"])
    newest = support_log.log_window(viewer, EntryFilter(), offset=0, limit=50)
    first = newest[0]
    entries = {
        "chronology": support_log.family_chronology(viewer, book["family"]),
        "list": support_log.list_entries(viewer),
        "window": newest,
        "window_from_end": support_log.log_window(viewer, flt, offset=0, limit=50, from_end=True),
        "window_near": support_log.log_window_near(
            viewer, EntryFilter(), (first.entry_date, first.id + 10), forward=True, skip=0, limit=50
        ),
        "search": support_log.search_notes(viewer, "discussed"),
        "search_word": support_log.search_notes(viewer, "Kestrelmoor"),
        "follow_ups": support_log.follow_ups_due(viewer),
    }
    out = {name: {e.id for e in rows} for name, rows in entries.items()}
    refs = {
        "family_referrals": support_log.family_referrals(viewer, book["family"]),
        "referral_service_family": referrals.family_referrals(viewer, book["family"]),
        "referral_list_all": referrals.list_referrals(viewer, ReferralFilter(state="all")),
        "referral_list_open": referrals.list_referrals(viewer),
        "referrals_due": referrals.referrals_due(viewer),
        "overdue": referrals.overdue_referrals(viewer),
    }
    out.update({name: {r.id for r in rows} for name, rows in refs.items()})
    return out


def test_a_practitioner_never_gets_a_restricted_row(session, pat, book) -> None:
    secret_entry, secret_referral = book["secret_entry"].id, book["secret_referral"].id
    seen = _everything_seen_by(pat, book)
    for name, ids in seen.items():
        secret = secret_referral if "referral" in name or name == "overdue" else secret_entry
        assert secret not in ids, name
    assert seen["chronology"] == {book["open_entry"].id}
    assert seen["referral_list_all"] == {book["open_referral"].id}
    # Counts leave them out too.
    assert support_log.count_entries(pat) == 1
    assert support_log.count_entries(pat, EntryFilter(family_id=book["family"])) == 1
    assert support_log.log_row_of_date(pat, EntryFilter(), DAY - timedelta(days=1)) == 1
    assert referrals.count_referrals(pat, ReferralFilter(state="all")) == 1
    assert sum(referrals.count_by_status(pat).values()) == 1
    # Asking for one by number gets "not found", as if it were not there.
    for call in (
        lambda: support_log.get_entry(pat, secret_entry),
        lambda: support_log.entry_history(pat, secret_entry),
        lambda: support_log.amend_entry(pat, secret_entry, {"minutes": 5}, "Typo"),
        lambda: referrals.get_referral(pat, secret_referral),
        lambda: referrals.referral_history(pat, secret_referral),
        lambda: referrals.referral_chases(pat, secret_referral),
        lambda: referrals.chase_referral(pat, secret_referral),
    ):
        with pytest.raises(NotFound):
            call()
    with pytest.raises(PermissionDenied):
        support_log.open_restricted_entry(pat, secret_entry, "safeguarding")


def test_a_manager_sees_everything(session, book) -> None:
    seen = _everything_seen_by(session, book)
    assert book["secret_entry"].id in seen["chronology"] and book["secret_entry"].id in seen["search_word"]
    assert book["secret_referral"].id in seen["referral_list_all"]
    assert support_log.count_entries(session) == 2
    assert referrals.count_referrals(session, ReferralFilter(state="all")) == 2


def test_opening_a_restricted_record_needs_a_reason_in_the_audit(session, book) -> None:
    with pytest.raises(ValidationError, match="choose why"):
        support_log.open_restricted_entry(session, book["secret_entry"].id, "")
    with pytest.raises(ValidationError):
        referrals.open_restricted_referral(session, book["secret_referral"].id, "curiosity")
    entry = support_log.open_restricted_entry(session, book["secret_entry"].id, "safeguarding")
    referral = referrals.open_restricted_referral(session, book["secret_referral"].id, "information_request")
    assert entry.restricted and referral.restricted
    rows = audit.list_audit(session, AuditFilter(action=audit.VIEW_RESTRICTED))
    assert sorted((r.object_type, r.object_id, r.detail) for r in rows) == [
        ("entry", entry.id, "safeguarding"),
        ("referral", referral.id, "information_request"),
    ]


def test_marking_later_and_lifting(session, pat, book) -> None:
    entry = book["open_entry"]
    support_log.set_entry_restricted(pat, entry.id, True)  # its author may restrict it
    assert support_log.count_entries(pat) == 0
    with pytest.raises(NotFound):  # and can no longer see it, so cannot lift it
        support_log.set_entry_restricted(pat, entry.id, False)
    support_log.set_entry_restricted(session, entry.id, False)
    assert support_log.count_entries(pat) == 1
    with pytest.raises(PermissionDenied):  # a referral someone else made
        referrals.set_referral_restricted(pat, book["open_referral"].id, True)
    details = [
        r.detail
        for r in audit.list_audit(session, AuditFilter(action=audit.UPDATE))
        if r.object_id == entry.id
    ]
    assert "restricted" in details and "restriction lifted" in details


def test_restricted_at_logging_time_is_kept_and_audited(session, book) -> None:
    assert book["secret_entry"].restricted and not book["open_entry"].restricted
    rows = audit.list_audit(session, AuditFilter(action=audit.CREATE))
    detail = {r.object_id: r.detail for r in rows if r.object_type == "entry"}
    assert detail[book["secret_entry"].id].endswith(", restricted")
    assert "restricted" not in detail[book["open_entry"].id]
    assert "Kestrelmoor" not in " ".join(r.detail for r in audit.list_audit(session))


def test_referral_create_status_change_and_chase_are_audited(session, book) -> None:
    referral = referrals.make_referral(
        session, _referral(book["family"], "Speech therapy", ReferralStatus.DRAFT)
    )
    referrals.change_status(session, referral.id, ReferralStatus.SENT, on=DAY - timedelta(days=30))
    referrals.chase_referral(session, referral.id, on=DAY)
    rows = [
        (r.action, r.detail)
        for r in reversed(audit.list_audit(session, AuditFilter()))
        if r.object_type == "referral" and r.object_id == referral.id
    ]
    assert rows == [
        (audit.CREATE, "draft, health_visiting"),
        (audit.UPDATE, "status: draft -> sent"),
        (audit.UPDATE, "chased"),
    ]


@pytest.mark.parametrize("subtract_above", [0, 1_000_000])
def test_practitioner_counts_agree_by_either_route(session, pat, book, monkeypatch, subtract_above) -> None:
    """Big counts subtract the restricted rows, small ones check each row: both give the same answer."""
    from setting_app.storage import entry_repo

    monkeypatch.setattr(entry_repo, "_SUBTRACT_ABOVE", subtract_above)
    more = [
        NewEntry(book["family"], DAY - timedelta(days=i), Domain.FAMILY_WELLBEING, 5) for i in range(1, 6)
    ]
    with unit_of_work(session.conn):
        entry_repo.add_entries(session.conn, more, session.clock.now())
        session.conn.execute(
            "UPDATE support_entries SET restricted = 1 WHERE entry_date = ?", ("2026-10-30",)
        )
    assert support_log.count_entries(pat) == 5  # 7 entries, 2 restricted
    assert support_log.count_entries(session) == 7
    assert support_log.log_row_of_date(pat, EntryFilter(), date(2026, 10, 29)) == 3  # 2 Nov, 1 Nov, 31 Oct
    assert support_log.count_entries(pat, EntryFilter(domain=Domain.FAMILY_WELLBEING)) == 5


def test_the_families_list_never_betrays_a_restricted_entry_to_a_practitioner(session, data_dir) -> None:
    """Neither the 'seen this month for' filter nor the last-support date counts a restricted entry."""
    fam = families.add_family(session, NewFamily(ref="FAM-0900", opened_on=date(2026, 1, 5)))
    support_log.log_entry(session, NewEntry(fam.id, date(2026, 11, 2), Domain.CHILD_DEVELOPMENT, 10))
    support_log.log_entry(
        session, NewEntry(fam.id, date(2026, 11, 20), Domain.FAMILY_WELLBEING, 30, restricted=True)
    )
    seen = FamilyFilter(
        domain_seen=Domain.FAMILY_WELLBEING, seen_from=date(2026, 11, 1), seen_to=date(2026, 11, 30)
    )
    assert [f.ref for f in families.list_families(session, seen)] == ["FAM-0900"]
    assert families.list_family_rows(session)[0].last_support_on == date(2026, 11, 20)
    add_user(session, "pat2", "practitioner", PAT, display_name="Pat", kdf=TEST_ONLY_FAST_KDF)
    pat = unlock(data_dir, "pat2", PAT, clock=session.clock)
    try:
        assert families.list_families(pat, seen) == [] and families.count_families(pat, seen) == 0
        assert families.list_family_rows(pat)[0].last_support_on == date(2026, 11, 2)
    finally:
        pat.close()


def test_the_sharing_record_of_a_restricted_referral_is_for_managers_only(session, pat, book) -> None:
    """Sending it made a sharing row naming the service: that row would give the referral away."""
    from setting_app.services import info_sharing

    secret = book["secret_referral"].id
    seen_by_manager = {r.referral_id for r in info_sharing.list_sharing(session)}
    seen_by_practitioner = {r.referral_id for r in info_sharing.list_sharing(pat)}
    assert secret in seen_by_manager
    assert secret not in seen_by_practitioner and book["open_referral"].id in seen_by_practitioner

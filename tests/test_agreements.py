"""The data-sharing agreements register against a real casebook: validation, audit, the signed document
kept encrypted, which agreement covers a share, and the dashboard's review list."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, timedelta

import pytest

from setting_app.domain.agreements import (
    MAX_DOCUMENT_BYTES,
    AgreementParty,
    AgreementStatus,
    NewAgreement,
    parse_party,
)
from setting_app.domain.codes import Role, ServiceCategory
from setting_app.domain.errors import ImportRejected, NotFound, PermissionDenied, ValidationError
from setting_app.services import agreements as A
from setting_app.services.session import Session
from setting_app.storage import staff_repo
from setting_app.storage.unit_of_work import unit_of_work
from tests.conftest import TODAY


def new_agreement(**changes) -> NewAgreement:
    base = NewAgreement(
        title="Eastbrook early help sharing agreement",
        parties=(
            AgreementParty("Little Acorns Nursery", "this_setting"),
            AgreementParty("Eastbrook Family Hub", "family_hub", "family_hub", "hub@example.org"),
        ),
        purpose="Referring families to the family hub for early help",
        data_items="Carers' names and contact details, the child's name and date of birth, the reason",
        direction="to_partners",
        lawful_basis="public_task",
        retention="Kept by the hub for 6 years after the case closes",
        security_measures="Secure email only; no paper copies",
        starts_on=date(2026, 1, 1),
        review_on=date(2027, 1, 1),
    )
    return replace(base, **changes)


COVER_ALL_TITLE = "Test agreement covering every service"


def cover_all(session: Session, starts_on: date = date(2000, 1, 1)) -> int:
    """Register one agreement covering every referral category (for tests that send referrals).

    Called again on the same casebook, it returns the one already there.
    """
    for existing in A.list_agreements(session):
        if existing.title == COVER_ALL_TITLE:
            return existing.id
    agreement = A.add_agreement(
        session,
        new_agreement(
            title=COVER_ALL_TITLE,
            parties=tuple(AgreementParty(c.label, "other", c) for c in ServiceCategory),
            starts_on=starts_on,
            review_on=date(2099, 12, 31),
        ),
    )
    return agreement.id


def practitioner(session: Session) -> Session:
    with unit_of_work(session.conn):
        user = staff_repo.add_staff(
            session.conn, "pat", "Pat Practitioner", Role.PRACTITIONER, session.clock.now()
        )
    return Session(
        session.conn, user, session.setting, session.data_dir, session.clock, bytearray(session.data_key())
    )


def _count(session: Session) -> int:
    return session.conn.execute("SELECT count(*) FROM sharing_agreements").fetchone()[0]


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"review_on": date(2025, 12, 31)}, "review date"),
        ({"review_on": date(2026, 1, 1)}, "review date"),  # on the start day
        ({"starts_on": date(26, 1, 1)}, "start date"),  # a slip for 2026
        ({"review_on": date(2207, 1, 1)}, "review date"),
        ({"ends_on": date(9999, 12, 31)}, "end date"),
        ({"ends_on": date(2025, 12, 1)}, "end date"),
        ({"parties": ()}, "parties"),
        ({"purpose": "  "}, "purpose"),
        ({"title": ""}, "title"),
        ({"data_items": ""}, "data items"),
        ({"retention": ""}, "retention"),
        ({"security_measures": ""}, "security measures"),
        ({"direction": "sideways"}, "direction"),
        ({"lawful_basis": "because"}, "lawful basis"),
        ({"special_category_condition": "article_99"}, "special category condition"),
        ({"parties": (AgreementParty("Hub", "pub"),)}, "party type"),
        ({"parties": (AgreementParty("Hub", "family_hub", "cake"),)}, "party service category"),
        ({"parties": (AgreementParty(" ", "family_hub"),)}, "party name"),
        ({"parties": (AgreementParty("Hub", "family_hub"), AgreementParty("hub", "other"))}, "parties"),
        ({"starts_on": "1st January"}, "start date"),
        ({"title": "Hub\x00agreement"}, "title"),
        ({"notes": "bell\x07"}, "notes"),
        ({"parties": (AgreementParty("Hub\x1b[31m", "family_hub"),)}, "party name"),
    ],
)
def test_each_rule_is_refused_with_its_field_named_and_nothing_saved(session, changes, field) -> None:
    with pytest.raises(ValidationError) as caught:
        A.add_agreement(session, new_agreement(**changes))
    assert caught.value.field.startswith(field)
    assert _count(session) == 0


def test_a_valid_agreement_is_saved_with_its_parties_and_audited(session) -> None:
    saved = A.add_agreement(
        session, new_agreement(special_category_condition="health_social_care", notes="Signed")
    )
    assert saved.id > 0
    assert [p.name for p in saved.parties] == ["Little Acorns Nursery", "Eastbrook Family Hub"]
    assert saved.parties[1].service_category is ServiceCategory.FAMILY_HUB
    assert saved.special_category_condition.label.startswith("9(2)(h)")
    assert saved.status(TODAY) is AgreementStatus.IN_FORCE
    row = session.conn.execute(
        "SELECT action, object_type, object_id FROM audit_log WHERE object_type = 'agreement'"
    ).fetchone()
    assert tuple(row) == ("create", "agreement", saved.id)

    changed = A.update_agreement(session, saved.id, replace(new_agreement(), review_on=date(2026, 12, 1)))
    assert changed.status(TODAY) is AgreementStatus.DUE
    assert changed.special_category_condition is None
    detail = session.conn.execute(
        "SELECT detail FROM audit_log WHERE object_type = 'agreement' AND action = 'update'"
    ).fetchone()[0]
    assert "review_on" in detail and "special_category_condition" in detail


def test_only_managers_add_or_change_but_anyone_may_read(session) -> None:
    saved = A.add_agreement(session, new_agreement())
    pat = practitioner(session)
    with pytest.raises(PermissionDenied):
        A.add_agreement(pat, new_agreement())
    with pytest.raises(PermissionDenied):
        A.update_agreement(pat, saved.id, new_agreement(title="Mine now"))
    assert A.get_agreement(pat, saved.id).title == saved.title
    assert [a.id for a in A.list_agreements(pat)] == [saved.id]


def test_statuses_follow_the_dates() -> None:
    a = new_agreement()
    from setting_app.domain.agreements import agreement_status

    assert (
        agreement_status(replace(a, review_on=TODAY + timedelta(days=31)), TODAY) is AgreementStatus.IN_FORCE
    )
    assert agreement_status(replace(a, review_on=TODAY + timedelta(days=30)), TODAY) is AgreementStatus.DUE
    assert agreement_status(replace(a, review_on=TODAY - timedelta(days=1)), TODAY) is AgreementStatus.OVERDUE
    assert agreement_status(replace(a, ends_on=TODAY - timedelta(days=1)), TODAY) is AgreementStatus.ENDED
    assert agreement_status(
        replace(a, starts_on=TODAY + timedelta(days=1), review_on=date(2028, 1, 1)), TODAY
    ) is (AgreementStatus.NOT_STARTED)


def test_due_for_review_lists_due_and_overdue_but_not_ended_or_far_off(session) -> None:
    far = A.add_agreement(session, new_agreement(title="Far", review_on=TODAY + timedelta(days=200)))
    due = A.add_agreement(session, new_agreement(title="Due", review_on=TODAY + timedelta(days=10)))
    overdue = A.add_agreement(session, new_agreement(title="Overdue", review_on=TODAY - timedelta(days=3)))
    A.add_agreement(
        session,
        new_agreement(title="Ended", review_on=TODAY - timedelta(days=60), ends_on=TODAY - timedelta(days=1)),
    )
    listed = A.agreements_due(session)
    assert [a.title for a in listed] == ["Overdue", "Due"]
    assert far.id not in {a.id for a in listed} and {due.id, overdue.id} == {a.id for a in listed}


def test_party_from_the_command_line() -> None:
    party = parse_party("Eastbrook Hub|family_hub|family_hub|0161 000 0000")
    assert (party.name, party.party_type, party.service_category, party.contact) == (
        "Eastbrook Hub",
        "family_hub",
        "family_hub",
        "0161 000 0000",
    )
    assert parse_party("Council|local_authority").service_category is None
    with pytest.raises(ValidationError):
        parse_party("just a name")


# ---------------------------------------------------------------- import


def _as_dict(**changes) -> dict:
    data = {
        "title": "Health visiting agreement",
        "parties": [
            {"name": "Eastbrook Health Visiting", "type": "health_visiting", "category": "health_visiting"}
        ],
        "purpose": "Two-year checks and concerns about development",
        "data_items": "Names, dates of birth, development notes",
        "direction": "both_ways",
        "lawful_basis": "public_task",
        "special_category_condition": "health_social_care",
        "retention": "Until the child starts school",
        "security_measures": "NHS mail",
        "starts_on": "2026-02-01",
        "review_on": "2027-02-01",
    }
    data.update(changes)
    return data


def test_import_one_or_a_list_all_or_nothing(session) -> None:
    [one] = A.import_agreements(session, _as_dict())
    assert one.parties[0].service_category is ServiceCategory.HEALTH_VISITING
    with pytest.raises(ImportRejected) as caught:
        A.import_agreements(session, [_as_dict(title="Good"), _as_dict(title="Bad", review_on="2026-01-01")])
    assert "agreement 2" in caught.value.message and "review date" in caught.value.message
    with pytest.raises(ImportRejected) as caught:
        A.import_agreements(session, [_as_dict(title="Good"), _as_dict(colour="blue")])
    assert "colour" in caught.value.message
    with pytest.raises(ImportRejected) as caught:
        A.import_agreements(session, _as_dict(parties=[{"name": "X", "type": "other", "phone": "1"}]))
    assert "phone" in caught.value.message
    assert [a.title for a in A.list_agreements(session)] == ["Health visiting agreement"]


# ---------------------------------------------------------------- the signed document


def test_document_round_trips_byte_identical_and_is_not_readable_in_the_casebook_file(
    session, tmp_path
) -> None:
    saved = A.add_agreement(session, new_agreement())
    canary = b"CANARY-SIGNED-AGREEMENT-7f3a9"
    original = tmp_path / "signed agreement.pdf"
    original.write_bytes(b"%PDF-1.4\n" + canary * 50 + bytes(range(256)) * 40)
    attached = A.attach_document(session, saved.id, original)
    assert attached.document_name == "signed agreement.pdf"
    assert attached.document_sha256 == hashlib.sha256(original.read_bytes()).hexdigest()
    assert attached.document_size == original.stat().st_size

    back = A.save_document(session, saved.id, tmp_path / "back.pdf")
    assert back.read_bytes() == original.read_bytes()
    into_folder = A.save_document(session, saved.id, tmp_path)
    assert into_folder.name == "signed agreement.pdf"

    session.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = b"".join(p.read_bytes() for p in session.data_dir.iterdir() if p.is_file())
    assert canary not in raw
    actions = [
        tuple(r)
        for r in session.conn.execute("SELECT action, detail FROM audit_log WHERE object_type = 'agreement'")
    ]
    assert ("update", f"signed document attached ({original.stat().st_size} bytes)") in actions


def test_document_refusals(session, tmp_path) -> None:
    saved = A.add_agreement(session, new_agreement())
    with pytest.raises(NotFound):
        A.save_document(session, saved.id, tmp_path / "none.pdf")
    with pytest.raises(ValidationError) as caught:
        A.attach_document(session, saved.id, tmp_path / "missing.pdf")
    assert caught.value.field == "document"
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(ValidationError, match="empty"):
        A.attach_document(session, saved.id, empty)
    big = tmp_path / "big.pdf"
    with big.open("wb") as handle:
        handle.truncate(MAX_DOCUMENT_BYTES + 1)
    with pytest.raises(ValidationError, match="too big"):
        A.attach_document(session, saved.id, big)
    with pytest.raises(ValidationError, match="folder"):
        A.attach_document(session, saved.id, tmp_path)
    small = tmp_path / "small.txt"
    small.write_bytes(b"signed")
    with pytest.raises(NotFound):
        A.attach_document(session, 999, small)
    assert A.get_agreement(session, saved.id).document_name is None
    pat = practitioner(session)
    with pytest.raises(PermissionDenied):
        A.attach_document(pat, saved.id, small)


# ---------------------------------------------------------------- which agreement covers a share


def test_cover_is_picked_when_exactly_one_agreement_covers_the_category(session) -> None:
    hub = A.add_agreement(session, new_agreement())
    cover = A.check_cover(session.conn, on=TODAY, partner="Some hub", category="family_hub")
    assert cover == A.Cover(hub.id)
    # By the party's name too, whatever the category.
    by_name = A.check_cover(session.conn, on=TODAY, partner="eastbrook family hub", category="housing")
    assert by_name == A.Cover(hub.id)
    with pytest.raises(ValidationError) as caught:
        A.check_cover(session.conn, on=TODAY, partner="Housing team", category="housing")
    assert caught.value.field == "agreement" and "say why" in caught.value.problem
    reason = A.check_cover(
        session.conn, on=TODAY, partner="Housing team", category="housing", no_agreement_reason=" Urgent "
    )
    assert reason == A.Cover(None, "Urgent")
    A.add_agreement(session, new_agreement(title="Second hub agreement"))
    with pytest.raises(ValidationError, match="2 agreements"):
        A.check_cover(session.conn, on=TODAY, partner="Some hub", category="family_hub")
    assert A.check_cover(
        session.conn, on=TODAY, partner="Some hub", category="family_hub", agreement_id=hub.id
    ) == A.Cover(hub.id)


def test_an_ended_or_not_yet_started_agreement_does_not_cover(session) -> None:
    ended = A.add_agreement(session, new_agreement(ends_on=TODAY - timedelta(days=1)))
    with pytest.raises(ValidationError):
        A.check_cover(session.conn, on=TODAY, partner="Some hub", category="family_hub")
    with pytest.raises(ValidationError, match="not in force"):
        A.check_cover(session.conn, on=TODAY, partner="Some hub", agreement_id=ended.id)
    # It did cover a share on a day it was in force.
    assert A.check_cover(
        session.conn, on=TODAY - timedelta(days=5), partner="x", category="family_hub"
    ) == A.Cover(ended.id)
    A.add_agreement(session, new_agreement(starts_on=TODAY + timedelta(days=1), review_on=date(2028, 1, 1)))
    with pytest.raises(ValidationError):
        A.check_cover(session.conn, on=TODAY, partner="Some hub", category="family_hub")
    with pytest.raises(NotFound):
        A.check_cover(session.conn, on=TODAY, partner="Some hub", agreement_id=404)


def test_an_agreement_for_what_partners_send_covers_no_share_to_them(session) -> None:
    incoming = A.add_agreement(session, new_agreement(direction="from_partners"))
    with pytest.raises(ValidationError) as caught:
        A.check_cover(session.conn, on=TODAY, partner="Some hub", category="family_hub")
    assert "say why" in caught.value.problem
    with pytest.raises(ValidationError, match="only what partners send"):
        A.check_cover(session.conn, on=TODAY, partner="Some hub", agreement_id=incoming.id)
    assert A.covering_agreements(session, partner="Eastbrook Family Hub", category="family_hub") == []
    both = A.add_agreement(session, new_agreement(title="Both ways", direction="both_ways"))
    assert A.check_cover(session.conn, on=TODAY, partner="Some hub", category="family_hub") == A.Cover(
        both.id
    )


def test_an_agreement_ending_soon_is_listed_for_review_too(session) -> None:
    A.add_agreement(session, new_agreement(title="Far", review_on=TODAY + timedelta(days=200)))
    ending = A.add_agreement(
        session,
        new_agreement(
            title="Ending", review_on=TODAY + timedelta(days=200), ends_on=TODAY + timedelta(days=12)
        ),
    )
    due = A.add_agreement(session, new_agreement(title="Due", review_on=TODAY + timedelta(days=20)))
    A.add_agreement(
        session,
        new_agreement(
            title="Not yet", starts_on=TODAY + timedelta(days=5), review_on=TODAY + timedelta(days=300)
        ),
    )
    assert [a.id for a in A.agreements_due(session)] == [ending.id, due.id]


def test_a_named_agreement_must_name_the_partner(session) -> None:
    hub = A.add_agreement(session, new_agreement())
    # By the party's name (a record export or transfer) or the category it receives (a referral).
    assert A.check_cover(
        session.conn, on=TODAY, partner=" eastbrook FAMILY hub", agreement_id=hub.id
    ) == A.Cover(hub.id)
    assert A.check_cover(
        session.conn, on=TODAY, partner="Hub outreach", category="family_hub", agreement_id=hub.id
    ) == A.Cover(hub.id)
    with pytest.raises(ValidationError) as caught:
        A.check_cover(session.conn, on=TODAY, partner="Oak Tree Nursery", agreement_id=hub.id)
    assert caught.value.field == "agreement" and "not a party" in caught.value.problem
    with pytest.raises(ValidationError, match="that kind of referral"):
        A.check_cover(session.conn, on=TODAY, partner="Town Housing", category="housing", agreement_id=hub.id)

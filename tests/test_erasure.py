"""Erasure: a manager's decision, refused while open or on hold, and the text gone from every page.

The page check decrypts the casebook file (and its ``-wal``) ourselves, page by page, with the data
key (SQLCipher 4: AES-256-CBC, the IV in each page's reserved tail, the salt in page 1's first 16
bytes), so free pages and stale WAL frames are read too, not only what SQL can still see.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from setting_app.domain.codes import Consent, Domain, ServiceCategory
from setting_app.domain.errors import AppError, NotFound, PermissionDenied, ValidationError
from setting_app.domain.models import Carer, NewChild, NewEntry, NewFamily
from setting_app.domain.referrals import NewTrackedReferral
from setting_app.services import audit, erasure, families, info_sharing, retention, support_log
from setting_app.services import referrals as R
from setting_app.services.casebook import unlock
from setting_app.services.staff import add_user
from setting_app.storage.audit_repo import AuditFilter
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import PASSPHRASE, TODAY
from tests.test_agreements import cover_all

PAGE_SIZE = 4096
RESERVE = 80  # 16-byte IV + 64-byte HMAC-SHA512 at the end of every page
WAL_HEADER = 32
FRAME_HEADER = 24

#: Made-up words only (a real word could also appear in labels or the schema), one per place the
#: family's text is kept.
CANARIES = {
    "carer": "Quillowby Marchbank",
    "phone": "07700 913579",
    "child": "Zephyrine Tolliver",
    "postcode": "ZZ9 4QX",
    "family_note": "Brambleton Lanternquay",
    "entry_note": "Frostwicket Gooseblimp Discuzzle",
    "version_note": "Plonkwhistle Wordlemire",
    "referral_note": "Snorlaxian Speechwock",
    "consent_by": "Ottoline Quibbage",
    "status_note": "Wobblethorpe Acknowzle",
    "chase_note": "Gribbleston Twicemarch",
    "share_what": "Grimsditch Summaflange",
    "keep_reason": "Vexillary Tribunoodle",
}
KEEPER_NOTE = "Keeperfamily Larkspur note"


def _decrypt_page(key: bytes, page: bytes, first: bool) -> bytes:
    iv = page[PAGE_SIZE - RESERVE : PAGE_SIZE - RESERVE + 16]
    start = 16 if first else 0
    body = page[start : PAGE_SIZE - RESERVE]
    plain = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor().update(body)
    return (b"SQLite format 3\x00" if first else b"") + plain


def decrypted_pages(db: Path, key: bytes) -> bytes:
    """Every page of the database file and every frame of its WAL, decrypted."""
    out = []
    data = db.read_bytes()
    for n in range(len(data) // PAGE_SIZE):
        out.append(_decrypt_page(key, data[n * PAGE_SIZE : (n + 1) * PAGE_SIZE], n == 0))
    wal = Path(f"{db}-wal")
    if wal.exists():
        raw = wal.read_bytes()
        pos = WAL_HEADER
        while pos + FRAME_HEADER + PAGE_SIZE <= len(raw):
            page_no = int.from_bytes(raw[pos : pos + 4], "big")
            frame = raw[pos + FRAME_HEADER : pos + FRAME_HEADER + PAGE_SIZE]
            out.append(_decrypt_page(key, frame, page_no == 1))
            pos += FRAME_HEADER + PAGE_SIZE
    return b"".join(out).lower()


def found_canaries(db: Path, key: bytes) -> set[str]:
    plain = decrypted_pages(db, key)
    found = set()
    for name, text in CANARIES.items():
        # Whole values and single words (the full-text index keeps lower-cased words).
        for piece in [text, *text.split()]:
            if len(piece) >= 5 and piece.lower().encode() in plain:
                found.add(name)
    return found


def _family_with_everything(session) -> int:
    c = CANARIES
    family = families.add_family(
        session,
        NewFamily(
            "FAM-0007",
            date(2018, 1, 10),
            carers=(Carer(c["carer"], "mother", c["phone"]),),
            postcode=c["postcode"],
            notes=c["family_note"],
            children=(NewChild(c["child"], date(2016, 2, 3)),),
        ),
    )
    child = families.list_children(session, family.id)[0]
    entry = support_log.log_entry(
        session,
        NewEntry(
            family.id, date(2018, 3, 1), Domain.FAMILY_WELLBEING, 30, child_id=child.id, note=c["entry_note"]
        ),
    )
    session.conn.execute(
        "INSERT INTO support_entry_versions (entry_id, version, entry_date, domain, kind, minutes,"
        " contact_mode, note, restricted, replaced_at, reason) VALUES"
        " (?, 1, '2018-03-01', 'family_wellbeing', 'direct', 30, 'in_person', ?, 0, '2018-03-02', 'typo')",
        (entry.id, c["version_note"]),
    )
    cover_all(session)  # sending now names the data-sharing agreement that covers it
    referral = R.make_referral(
        session,
        NewTrackedReferral(
            family_id=family.id,
            child_id=child.id,
            service_name="Children's Speech and Language Therapy",
            service_category=ServiceCategory.SPEECH_LANGUAGE,
            domain=Domain.INCLUSION_SEND,
            made_on=date(2018, 4, 1),
            consent=Consent.GIVEN,
            consent_given_by=c["consent_by"],
            consent_given_on=date(2018, 4, 1),
            consent_scope="Speech concerns",
            note=c["referral_note"],
        ),
    )
    R.change_status(session, referral.id, "sent", note=c["status_note"], on=date(2018, 4, 2))
    R.chase_referral(session, referral.id, note=c["chase_note"], on=date(2018, 4, 20))
    info_sharing.record_share_now(
        session,
        recipient="Health visiting team",
        what=c["share_what"],
        purpose="Support",
        shared_on=date(2018, 5, 1),
        consent=Consent.GIVEN,
        family_id=family.id,
    )
    closed = families.get_family(session, family.id)
    families.update_family(session, family.id, _as_new(closed, closed_on=date(2019, 6, 30)))
    retention.keep(session, family.id, TODAY + timedelta(days=1), c["keep_reason"])
    return family.id


def _as_new(family, **changes) -> NewFamily:
    return NewFamily(
        ref=family.ref,
        opened_on=family.opened_on,
        carers=family.carers,
        postcode=family.postcode,
        home_la_code=family.home_la_code,
        key_worker_id=family.key_worker_id,
        closed_on=changes.get("closed_on", family.closed_on),
        notes=family.notes,
    )


@pytest.fixture
def keeper(session) -> int:
    """Another family, which erasure must leave alone."""
    family = families.add_family(
        session,
        NewFamily("FAM-0100", date(2020, 1, 1), notes=KEEPER_NOTE, children=(NewChild("Kit Keeper"),)),
    )
    support_log.log_entry(
        session, NewEntry(family.id, date(2020, 2, 1), Domain.CHILD_DEVELOPMENT, 20, note="Keeper entry")
    )
    return family.id


def test_erasure_leaves_no_text_in_any_page_or_the_wal(session, keeper) -> None:
    family_id = _family_with_everything(session)
    key = session.data_key()
    db = session.paths.db
    # The check can see the text before erasure (so it could fail afterwards).
    assert found_canaries(db, key) == set(CANARIES)

    result = erasure.erase_family(session, family_id, "erasure_request")

    assert result.wal_cleared
    assert result.rows_deleted >= 10
    assert found_canaries(db, key) == set()
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
    assert session.conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
    # Nothing left in any table that points at the family.
    for table in ("families", "carers", "children", "support_entries", "referrals", "information_sharing"):
        column = "id" if table == "families" else "family_id"
        assert (
            session.conn.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?", (family_id,)).fetchone()[
                0
            ]
            == 0
        )
    for table in (
        "support_entry_versions",
        "referral_status_history",
        "referral_chases",
        "retention_reviews",
    ):
        assert session.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    # The other family and its searchable note are untouched; the erased note is not searchable.
    assert families.get_family(session, keeper).notes == KEEPER_NOTE
    assert [e.note for e in support_log.search_notes(session, "Keeper")] == ["Keeper entry"]
    assert support_log.search_notes(session, "Frostwicket") == []
    assert b"larkspur" in decrypted_pages(db, key)
    # The audit keeps the number and the reason code, and the chain still verifies.
    rows = audit.list_audit(session, AuditFilter(action=audit.ERASE))
    last = session.conn.execute(
        "SELECT action, object_id, family_id, detail FROM audit_log ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert tuple(last) == (audit.ERASE, family_id, family_id, "reason=erasure_request")
    assert len(rows) == 1
    assert audit.verify(session) is None
    assert session.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_erasure_scrubs_after_a_reopen(session, data_dir) -> None:
    """A casebook unlocked afresh (WAL checkpointed into the file) is scrubbed too."""
    family_id = _family_with_everything(session)
    session.close()
    again = unlock(data_dir, "manager", PASSPHRASE)
    try:
        key = again.data_key()
        assert "entry_note" in found_canaries(again.paths.db, key)
        erasure.erase_family(again, family_id, "retention_ended")
        assert found_canaries(again.paths.db, key) == set()
    finally:
        again.close()


def _closed_family(session, ref: str = "FAM-0200", closed_on: date | None = date(2019, 1, 31)) -> int:
    family = families.add_family(
        session, NewFamily(ref, date(2018, 1, 1), notes="Kept safe", closed_on=closed_on)
    )
    return family.id


def test_refused_while_on_legal_hold_and_nothing_lost(session) -> None:
    family_id = _closed_family(session)
    retention.place_hold(session, family_id, "Court proceedings")
    with pytest.raises(AppError, match="legal hold"):
        erasure.erase_family(session, family_id, "retention_ended")
    assert families.get_family(session, family_id).notes == "Kept safe"
    retention.release_hold(session, family_id, "Proceedings over")
    erasure.erase_family(session, family_id, "retention_ended")
    with pytest.raises(NotFound):
        families.get_family(session, family_id)


def test_refused_while_open(session) -> None:
    family_id = _closed_family(session, closed_on=None)
    with pytest.raises(AppError, match="still open"):
        erasure.erase_family(session, family_id, "created_in_error")
    assert families.get_family(session, family_id).notes == "Kept safe"


@pytest.mark.parametrize("reason", ["", "   ", "because I said so"])
def test_reason_must_be_one_of_the_list(session, reason: str) -> None:
    family_id = _closed_family(session)
    with pytest.raises(ValidationError, match="reason"):
        erasure.erase_family(session, family_id, reason)
    assert families.get_family(session, family_id).notes == "Kept safe"


def test_unknown_family(session) -> None:
    with pytest.raises(NotFound):
        erasure.erase_family(session, 9999, "duplicate")


def test_practitioners_cannot_erase(session, data_dir) -> None:
    family_id = _closed_family(session)
    add_user(session, "pat", "practitioner", "practitioner passphrase 1", kdf=TEST_ONLY_FAST_KDF)
    pat = unlock(data_dir, "pat", "practitioner passphrase 1")
    try:
        with pytest.raises(PermissionDenied):
            erasure.erase_family(pat, family_id, "duplicate")
    finally:
        pat.close()
    assert families.get_family(session, family_id).notes == "Kept safe"


def test_reason_words_are_accepted_in_any_case(session) -> None:
    assert erasure.parse_reason(" Created In Error ") is erasure.ErasureReason.CREATED_IN_ERROR
    assert replace(erasure.ErasureResult(1, 2, True), rows_deleted=3).rows_deleted == 3


# --- command line -----------------------------------------------------------------------------------


def test_cli_erases_a_closed_family(session, cli) -> None:
    family_id = _closed_family(session)
    result = cli("erase", "family", "FAM-0200", "--reason", "created_in_error", "--confirm", "FAM-0200")
    assert result.code == 0, result.err
    assert result.out.startswith("FAM-0200 has been erased")
    with pytest.raises(NotFound):
        families.get_family(session, family_id)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("FAM-0200", "--reason", "duplicate", "--confirm", "FAM-0201"),
            "is not FAM-0200; nothing was erased",
        ),
        (("FAM-0200", "--confirm", "FAM-0200"), "reason: choose why the family is erased"),
        (
            ("FAM-0200", "--reason", "tidying", "--confirm", "FAM-0200"),
            "'tidying' is not one of the erasure reasons",
        ),
        (
            ("FAM-0404", "--reason", "duplicate", "--confirm", "FAM-0404"),
            "There is no family with reference 'FAM-0404'.",
        ),
        (("FAM-0300", "--reason", "duplicate", "--confirm", "FAM-0300"), "FAM-0300 is still open"),
        (("FAM-0400", "--reason", "duplicate", "--confirm", "FAM-0400"), "FAM-0400 is on legal hold"),
    ],
)
def test_cli_refusals_are_plain_and_nothing_is_lost(session, cli, args, message) -> None:
    _closed_family(session)
    _closed_family(session, "FAM-0300", closed_on=None)
    retention.place_hold(session, _closed_family(session, "FAM-0400"), "Court order")
    result = cli("erase", "family", *args)
    assert result.code == 1
    assert message in result.err
    assert "Traceback" not in result.err and result.err.count("\n") == 1
    assert session.conn.execute("SELECT count(*) FROM families").fetchone()[0] == 3


def test_cli_erase_needs_the_reference_twice(session, cli) -> None:
    _closed_family(session)
    result = cli("erase", "family", "FAM-0200", "--reason", "duplicate")
    assert result.code == 2
    assert "--confirm" in result.err


def test_cli_practitioner_cannot_erase(session, cli) -> None:
    _closed_family(session)
    add_user(session, "pat", "practitioner", "practitioner passphrase 1", kdf=TEST_ONLY_FAST_KDF)
    result = cli(
        "erase",
        "family",
        "FAM-0200",
        "--reason",
        "duplicate",
        "--confirm",
        "FAM-0200",
        user="pat",
        passphrase="practitioner passphrase 1",
    )
    assert result.code == 1
    assert "Only a manager can erase" in result.err
    assert families.get_family(session, retention.find_family_id(session, "FAM-0200")).notes == "Kept safe"

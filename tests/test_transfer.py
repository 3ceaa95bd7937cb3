"""Transfer of a family's record between two real casebooks: sealing, signing, refusals, records."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from setting_app.domain.codes import Nation
from setting_app.domain.errors import AppError, ImportRejected, PermissionDenied, ValidationError
from setting_app.domain.models import SettingDetails
from setting_app.domain.referrals import SharingDecision, SharingOccasion
from setting_app.services import audit, export_keys, records, staff, transfer, transfer_keys
from setting_app.services.casebook import create_casebook
from setting_app.services.session import Session
from setting_app.storage import audit_repo, transfer_repo
from setting_app.storage.audit_repo import AuditFilter
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import PASSPHRASE, assert_mode, fixed_clock, setting_details

OAK_TREE = SettingDetails("Oak Tree Nursery", "EY654321", Nation.ENGLAND, "E09000007", "Camden")

#: A family with children, entries (one restricted), and referrals: open with history and a chase,
#: closed, and open-but-restricted.
FAMILY = {
    "format": "setting-app/records",
    "version": 3,
    "families": [
        {
            "ref": "FAM-0042",
            "carers": [{"name": "Ada Example", "relationship": "mother", "phone": "07700 900001"}],
            "postcode": "N1 9GU",
            "home_la_code": "E09000019",
            "key_worker": "jo.smith",
            "opened_on": "2026-01-05",
            "closed_on": None,
            "notes": "Family notes: prefers mornings",
            "children": [
                {"key": "c1", "name": "Bea Example", "date_of_birth": "2023-03-01"},
                {"key": "c2", "name": "Cal Example", "date_of_birth": None},
            ],
            "entries": [
                {
                    "date": "2026-02-03",
                    "child": "c1",
                    "domain": "child_development",
                    "kind": "direct",
                    "activity": "home_learning_pack",
                    "minutes": 30,
                    "contact_mode": "in_person",
                    "note": "Home learning pack — talked about “bedtime stories”",
                    "follow_up_on": "2026-03-03",
                    "recorded_by": "jo.smith",
                },
                {
                    "date": "2026-04-10",
                    "child": None,
                    "domain": "financial_hardship",
                    "kind": "direct",
                    "activity": "food_bank_voucher",
                    "minutes": 15,
                    "contact_mode": "phone",
                    "note": "Voucher given",
                    "follow_up_on": None,
                    "recorded_by": "manager",
                },
                {
                    "date": "2026-05-01",
                    "child": "c2",
                    "domain": "family_wellbeing",
                    "kind": "direct",
                    "activity": None,
                    "minutes": 45,
                    "contact_mode": "in_person",
                    "note": "SAFEGUARDING-SECRET discussion",
                    "follow_up_on": None,
                    "recorded_by": "manager",
                    "restricted": True,
                },
                {
                    "date": "2026-06-12",
                    "child": None,
                    "domain": "inclusion_send",
                    "kind": "indirect",
                    "activity": "my_own_activity",
                    "minutes": 20,
                    "contact_mode": "in_person",
                    "note": "",
                    "follow_up_on": None,
                    "recorded_by": None,
                },
            ],
            "referrals": [
                {
                    "service": "Area SENCO",
                    "service_category": "send_support",
                    "domain": "inclusion_send",
                    "made_on": "2026-03-01",
                    "consent": "given",
                    "status": "acknowledged",
                    "child": "c1",
                    "made_by": "jo.smith",
                    "note": "Speech concerns",
                    "route": "referred",
                    "urgency": "soon",
                    "reason": "Not many words at 3",
                    "expected_response_on": "2026-03-15",
                    "due_on": "2026-04-20",
                    "consent_given_by": "Ada Example",
                    "consent_given_on": "2026-03-01",
                    "consent_scope": "Speech details to the SENCO",
                    "consent_note": "",
                    "lawful_basis": None,
                    "override_rationale": "",
                    "override_by": None,
                    "history": [
                        {"status": "draft", "changed_on": "2026-03-01", "reason": None, "note": "", "changed_by": "jo.smith"},
                        {"status": "sent", "changed_on": "2026-03-02", "reason": None, "note": "", "changed_by": "jo.smith"},
                        {"status": "acknowledged", "changed_on": "2026-03-20", "reason": None, "note": "Letter", "changed_by": "manager"},
                    ],
                    "chases": [
                        {"chased_on": "2026-04-06", "chased_by": "manager", "note": "Rang them", "next_due_on": "2026-04-20"}
                    ],
                },
                {
                    "service": "Islington Food Bank",
                    "service_category": "food_essentials",
                    "domain": "financial_hardship",
                    "made_on": "2026-04-10",
                    "consent": "given",
                    "status": "completed",
                    "child": None,
                    "made_by": "manager",
                    "note": "",
                    "route": "signposted",
                    "urgency": "routine",
                    "reason": "",
                    "expected_response_on": None,
                    "due_on": None,
                    "consent_given_by": "Ada Example",
                    "consent_given_on": "2026-04-10",
                    "consent_scope": "Name to the food bank",
                    "consent_note": "",
                    "lawful_basis": None,
                    "override_rationale": "",
                    "override_by": None,
                    "history": [
                        {"status": "sent", "changed_on": "2026-04-10", "reason": None, "note": "", "changed_by": "manager"},
                        {"status": "completed", "changed_on": "2026-05-10", "reason": None, "note": "", "changed_by": "manager"},
                    ],
                    "chases": [],
                },
                {
                    "service": "Children's social care",
                    "service_category": "social_care",
                    "domain": "family_wellbeing",
                    "made_on": "2026-05-01",
                    "consent": "not_needed",
                    "status": "sent",
                    "child": "c2",
                    "made_by": "manager",
                    "note": "SAFEGUARDING-SECRET referral",
                    "restricted": True,
                    "route": "referred",
                    "urgency": "urgent",
                    "reason": "Concern",
                    "expected_response_on": None,
                    "due_on": "2026-05-15",
                    "consent_given_by": "",
                    "consent_given_on": None,
                    "consent_scope": "",
                    "consent_note": "Safeguarding: consent would put the child at risk",
                    "lawful_basis": None,
                    "override_rationale": "",
                    "override_by": None,
                    "history": [
                        {"status": "sent", "changed_on": "2026-05-01", "reason": None, "note": "", "changed_by": "manager"}
                    ],
                    "chases": [],
                },
            ],
        }
    ],
}  # fmt: skip

STAFF_FIELDS = ("recorded_by", "made_by", "override_by", "changed_by", "chased_by", "key_worker")


def make_receiver(tmp_path: Path, setting: SettingDetails = OAK_TREE, name: str = "receiver") -> Session:
    return create_casebook(
        tmp_path / name,
        setting,
        "manager",
        "Rita Receiver",
        PASSPHRASE,
        kdf=TEST_ONLY_FAST_KDF,
        clock=fixed_clock(),
    ).session


def add_sample_family(session: Session) -> None:
    records.import_records(session, json.loads(json.dumps(FAMILY)))


def key_file_of(session: Session, path: Path) -> Path:
    transfer_keys.write_key_file(session, path)
    return path


def strip_staff(value):
    """A record document without staff usernames (they do not travel between settings)."""
    if isinstance(value, dict):
        return {k: strip_staff(v) for k, v in value.items() if k not in STAFF_FIELDS}
    if isinstance(value, list):
        return [strip_staff(v) for v in value]
    return value


def table_counts(session: Session) -> dict[str, int]:
    tables = (
        "families",
        "children",
        "support_entries",
        "referrals",
        "transfers",
        "information_sharing",
        "audit_log",
    )
    return {t: session.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


@pytest.fixture
def receiver(tmp_path: Path):
    session = make_receiver(tmp_path)
    yield session
    session.close()


@pytest.fixture
def sender(session: Session) -> Session:
    add_sample_family(session)
    return session


def send(sender: Session, receiver: Session, tmp_path: Path, **options) -> transfer.SentTransfer:
    keys = transfer_keys.read_key_file(key_file_of(receiver, tmp_path / "oak-tree.key.json"))
    options.setdefault("consent_by", "Ada Example")
    options.setdefault("no_agreement_reason", "No agreement with Oak Tree yet; the family asked for it")
    return transfer.send_family(
        sender, "FAM-0042", keys, options.pop("out", tmp_path / "fam.transfer"), **options
    )


# --- keys ----------------------------------------------------------------------------------------


def test_key_is_made_once_and_key_file_holds_both_public_keys(session: Session, tmp_path: Path) -> None:
    first = transfer_keys.ensure_transfer_key(session)
    assert first == transfer_keys.ensure_transfer_key(session)
    assert len(first.split()) == 8 and all(len(g) == 4 for g in first.split())
    path = key_file_of(session, tmp_path / "mine.json")
    document = json.loads(path.read_text())
    assert document["format"] == "setting-app/transfer-key"
    assert document["setting_name"] == "Little Acorns Nursery" and document["urn"] == "EY123456"
    assert document["transfer_key_fingerprint"] == first
    keys = transfer_keys.read_key_file(path)
    assert keys.fingerprint == first
    from setting_app.services import export_keys

    assert keys.signing_fingerprint == export_keys.export_key_fingerprint(session.conn)
    # The private key is not in the file; it lives under the manager key only, not in app_settings.
    from setting_app.storage import manager_vault

    assert (
        session.conn.execute("SELECT value FROM app_settings WHERE key = 'transfer_key'").fetchone() is None
    )
    private = manager_vault.get(session.conn, session.manager_key(), "transfer_key").decode()
    assert private not in path.read_text()
    assert "transfer_key" not in path.read_text().replace("transfer_key_fingerprint", "")


def test_a_changed_or_foreign_key_file_is_refused(session: Session, tmp_path: Path) -> None:
    path = key_file_of(session, tmp_path / "mine.json")
    document = json.loads(path.read_text())
    document["transfer_public_key"] = document["signing_public_key"]
    damaged = tmp_path / "damaged.json"
    damaged.write_text(json.dumps(document))
    with pytest.raises(AppError, match="damaged"):
        transfer_keys.read_key_file(damaged)
    other = tmp_path / "other.json"
    other.write_text('{"format": "setting-app/records"}')
    with pytest.raises(AppError, match="not a transfer key file"):
        transfer_keys.read_key_file(other)


# --- the round trip ------------------------------------------------------------------------------


def test_round_trip_gives_exactly_the_same_history(
    sender: Session, receiver: Session, tmp_path: Path
) -> None:
    sent = send(
        sender,
        receiver,
        tmp_path,
        all_referrals=True,
        include_restricted=True,
        restricted_reason="Child protection plan continues",
    )
    received = transfer.receive_family(receiver, sent.path)

    before = strip_staff(records.export_families(sender, ["FAM-0042"]))
    after = strip_staff(records.export_families(receiver, ["FAM-0042"]))
    assert after == before
    family = after["families"][0]
    assert len(family["entries"]) == 4 and len(family["referrals"]) == 3
    assert [h["status"] for h in family["referrals"][0]["history"]] == ["draft", "sent", "acknowledged"]
    assert family["referrals"][0]["chases"][0]["note"] == "Rang them"
    assert family["entries"][3]["activity"] == "my_own_activity"

    # Every entry and referral carries the transfer; the row names the sender and the date.
    assert received.entries == 4 and received.referrals == 3
    assert transfer.received_entry_ids(receiver, received.family_id) == {
        r[0] for r in receiver.conn.execute("SELECT id FROM support_entries")
    }
    arrived = transfer.received_from(receiver, received.family_id)
    assert arrived.other_setting_name == "Little Acorns Nursery" and arrived.other_setting_urn == "EY123456"
    assert arrived.sealed_on == date(2026, 11, 23) and arrived.received_on == date(2026, 11, 23)
    assert arrived.restricted_included and arrived.restricted_reason == "Child protection plan continues"
    # No staff account of the sender appears in the receiving casebook.
    names = {s.username for s in staff.list_users(receiver)}
    assert names == {"manager"}


def test_default_sends_chronology_and_open_referrals_without_restricted(
    sender: Session, receiver: Session, tmp_path: Path
) -> None:
    sent = send(sender, receiver, tmp_path)
    assert sent.entries == 3 and sent.referrals == 1
    assert sent.restricted_left_out == 2 and sent.closed_referrals_left_out == 1
    assert b"SAFEGUARDING-SECRET" not in sent.path.read_bytes()
    transfer.receive_family(receiver, sent.path)
    family = records.export_families(receiver, ["FAM-0042"])["families"][0]
    notes = [e["note"] for e in family["entries"]]
    assert "SAFEGUARDING-SECRET discussion" not in notes and len(notes) == 3
    assert [x["service"] for x in family["referrals"]] == ["Area SENCO"]
    row = transfer.list_transfers(sender)[0]
    assert row.direction == "out" and not row.restricted_included
    assert row.contents == "2 children, 3 entries, 1 referral"


def test_restricted_needs_a_reason(sender: Session, receiver: Session, tmp_path: Path) -> None:
    before = table_counts(sender)
    with pytest.raises(ValidationError, match="restricted reason"):
        send(sender, receiver, tmp_path, include_restricted=True)
    assert table_counts(sender) == before
    assert not (tmp_path / "fam.transfer").exists()


def test_consent_or_a_lawful_basis_with_a_reason_is_required(
    sender: Session, receiver: Session, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match="consent"):
        send(sender, receiver, tmp_path, consent_by="")
    with pytest.raises(ValidationError, match="reason"):
        send(sender, receiver, tmp_path, consent_by="", lawful_basis="public_task")
    sent = send(sender, receiver, tmp_path, consent_by="", lawful_basis="public_task", reason="Court order")
    transfer.receive_family(receiver, sent.path)
    shared = receiver.conn.execute("SELECT lawful_basis, consent, reason FROM information_sharing").fetchone()
    assert tuple(shared) == ("public_task", None, "Court order")


def test_an_agreement_or_a_reason_is_required(sender: Session, receiver: Session, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="agreement"):
        send(sender, receiver, tmp_path, no_agreement_reason="")


def test_sharing_and_audit_rows_on_both_sides(sender: Session, receiver: Session, tmp_path: Path) -> None:
    sent = send(sender, receiver, tmp_path)
    out = sender.conn.execute("SELECT * FROM information_sharing WHERE occasion = 'transfer'").fetchall()
    assert len(out) == 1
    assert out[0]["decision"] == SharingDecision.SHARED and out[0]["transfer_id"] == sent.transfer.id
    assert out[0]["recipient"] == "Oak Tree Nursery" and out[0]["consent"] == "given"
    assert out[0]["no_agreement_reason"].startswith("No agreement with Oak Tree")
    assert out[0]["family_id"] == sent.transfer.family_id
    rows = audit_repo.list_audit(sender.conn, AuditFilter(), offset=0, limit=50)
    sealed = [r for r in rows if r.object_type == "transfer"]
    assert len(sealed) == 1 and sealed[0].action == audit.EXPORT
    assert "Ada" not in sealed[0].detail and "FAM-0042" not in sealed[0].detail

    received = transfer.receive_family(receiver, sent.path)
    back = receiver.conn.execute("SELECT * FROM information_sharing").fetchall()
    assert len(back) == 1
    assert back[0]["decision"] == SharingDecision.RECEIVED and back[0]["occasion"] == SharingOccasion.TRANSFER
    assert back[0]["recipient"] == "Little Acorns Nursery" and back[0]["transfer_id"] == received.transfer.id
    rows = audit_repo.list_audit(receiver.conn, AuditFilter(), offset=0, limit=50)
    assert [r.action for r in rows if r.object_type == "transfer"] == [audit.CREATE]
    assert audit.verify(receiver) is None and audit.verify(sender) is None


def test_a_failure_while_receiving_leaves_nothing(
    sender: Session, receiver: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = send(sender, receiver, tmp_path)
    before = table_counts(receiver)
    real = audit.record

    def failing(session, action, **kwargs):
        if kwargs.get("object_type") == "transfer":
            raise AppError("disk full (simulated)")
        return real(session, action, **kwargs)

    monkeypatch.setattr(audit, "record", failing)
    with pytest.raises(AppError, match="simulated"):
        transfer.receive_family(receiver, sent.path)
    assert table_counts(receiver) == before
    monkeypatch.setattr(audit, "record", real)
    transfer.receive_family(receiver, sent.path)  # and it imports once the fault is gone
    assert table_counts(receiver)["families"] == before["families"] + 1


def test_a_failure_while_sending_leaves_no_rows_and_no_file(
    sender: Session, receiver: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = transfer_keys.read_key_file(key_file_of(receiver, tmp_path / "k.json"))
    transfer_keys.ensure_transfer_key(sender)
    before = table_counts(sender)

    def failing(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(transfer, "atomic_write", failing)
    out = tmp_path / "fam.transfer"
    with pytest.raises(AppError, match="No space left"):
        transfer.send_family(sender, "FAM-0042", keys, out, consent_by="Ada", no_agreement_reason="none yet")
    assert table_counts(sender) == before and not out.exists()


# --- refusals ------------------------------------------------------------------------------------


def test_a_file_sealed_for_another_setting_is_refused(
    sender: Session, receiver: Session, tmp_path: Path
) -> None:
    sent = send(sender, receiver, tmp_path)
    third = make_receiver(tmp_path, OAK_TREE, "third")
    try:
        transfer_keys.ensure_transfer_key(third)  # its own key, made (and audited) on first use
        before = table_counts(third)
        with pytest.raises(ImportRejected, match="sealed for a different setting") as refused:
            transfer.receive_family(third, sent.path)
        assert transfer_keys.ensure_transfer_key(receiver) in str(refused.value)
        assert table_counts(third) == before
    finally:
        third.close()


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def _position(data: bytes, field: str, offset: int) -> int:
    """A byte ``offset`` characters into the value of ``"field": "..."``."""
    start = data.index(f'"{field}": "'.encode()) + len(field) + 5
    return start + offset


@pytest.mark.parametrize(
    "where",
    [
        ("name", 3),  # the sender's name in the header
        ("sealed_on", 9),  # the date in the header
        ("transfer_uid", 5),
        ("ciphertext", 40),
        ("ciphertext", -1),  # computed below: near the end of the ciphertext
        ("signature", 10),
        ("ephemeral_public_key", 4),
    ],
)
def test_one_changed_byte_is_refused(sender: Session, receiver: Session, tmp_path: Path, where) -> None:
    sent = send(sender, receiver, tmp_path)
    data = sent.path.read_bytes()
    field, offset = where
    if offset < 0:
        start = data.index(b'"ciphertext": "') + 15
        offset = data.index(b'"', start) - start - 5
    changed = tmp_path / "changed.transfer"
    changed.write_bytes(_flip(data, _position(data, field, offset)))
    before = table_counts(receiver)
    with pytest.raises(ImportRejected, match="changed since it was signed"):
        transfer.receive_family(receiver, changed)
    assert table_counts(receiver) == before


def test_changed_spacing_and_a_truncated_file_are_refused(
    sender: Session, receiver: Session, tmp_path: Path
) -> None:
    sent = send(sender, receiver, tmp_path)
    data = sent.path.read_bytes()
    for i, bad in enumerate((data.replace(b"  ", b"   ", 1), data[:-40], data + b" ")):
        path = tmp_path / f"bad{i}.transfer"
        path.write_bytes(bad)
        with pytest.raises(ImportRejected, match="changed since it was signed"):
            transfer.read_transfer_file(path)


def test_every_single_byte_flip_in_a_sample_is_refused(
    sender: Session, receiver: Session, tmp_path: Path
) -> None:
    """A spread of positions across the whole file: none is accepted."""
    sent = send(sender, receiver, tmp_path)
    data = sent.path.read_bytes()
    path = tmp_path / "flipped.transfer"
    for at in range(0, len(data), max(1, len(data) // 60)):
        path.write_bytes(_flip(data, at))
        with pytest.raises(ImportRejected):
            transfer.read_transfer_file(path)


def test_a_replay_is_refused(sender: Session, receiver: Session, tmp_path: Path) -> None:
    sent = send(sender, receiver, tmp_path)
    transfer.receive_family(receiver, sent.path)
    before = table_counts(receiver)
    with pytest.raises(ImportRejected, match="already imported on 2026-11-23 as FAM-0042"):
        transfer.receive_family(receiver, sent.path, new_ref="FAM-9000")
    assert table_counts(receiver) == before


def test_a_ref_already_in_the_casebook_can_come_in_under_a_new_one(
    sender: Session, receiver: Session, tmp_path: Path
) -> None:
    add_sample_family(receiver)
    sent = send(sender, receiver, tmp_path)
    with pytest.raises(ImportRejected, match="already has a family FAM-0042.*--as NEWREF"):
        transfer.receive_family(receiver, sent.path)
    received = transfer.receive_family(receiver, sent.path, new_ref="FAM-0100")
    assert received.transfer.family_ref == "FAM-0100"
    assert len(transfer.received_entry_ids(receiver, received.family_id)) == 3


def test_expected_fingerprint_is_checked(sender: Session, receiver: Session, tmp_path: Path) -> None:
    sent = send(sender, receiver, tmp_path)
    with pytest.raises(ImportRejected, match="not the one you expected"):
        transfer.receive_family(receiver, sent.path, expect_fingerprint="0000 " * 8)
    from setting_app.services import export_keys

    good = export_keys.export_key_fingerprint(sender.conn).lower().replace(" ", "")
    assert transfer.receive_family(receiver, sent.path, expect_fingerprint=good).transfer.direction == "in"


def test_not_a_transfer_file_and_a_newer_format(session: Session, tmp_path: Path) -> None:
    other = tmp_path / "records.json"
    other.write_text(json.dumps(FAMILY))
    with pytest.raises(ImportRejected, match="not a transfer file"):
        transfer.read_transfer_file(other)
    newer = tmp_path / "newer.transfer"
    newer.write_text(
        json.dumps(
            {"header": {"format": "setting-app/transfer", "version": 2}, "ciphertext": "", "signature": ""}
        )
    )
    with pytest.raises(ImportRejected, match="newer version of the app"):
        transfer.read_transfer_file(newer)
    with pytest.raises(ImportRejected, match="There is no file"):
        transfer.read_transfer_file(tmp_path / "missing.transfer")


def test_practitioners_can_neither_send_nor_receive(
    sender: Session, receiver: Session, tmp_path: Path
) -> None:
    sent = send(sender, receiver, tmp_path)
    staff.add_user(receiver, "pat", "practitioner", "another passphrase here", kdf=TEST_ONLY_FAST_KDF)
    from setting_app.services.casebook import unlock

    with unlock(receiver.data_dir, "pat", "another passphrase here", clock=fixed_clock()) as pat:
        with pytest.raises(PermissionDenied):
            transfer.receive_family(pat, sent.path)
        keys = transfer_keys.SettingKeys("X", "", b"\x01" * 32, b"\x02" * 32)
        with pytest.raises(PermissionDenied):
            transfer.send_family(
                pat, "FAM-0042", keys, tmp_path / "x", consent_by="A", no_agreement_reason="r"
            )


def test_sending_to_this_settings_own_key_is_refused(sender: Session, tmp_path: Path) -> None:
    keys = transfer_keys.read_key_file(key_file_of(sender, tmp_path / "own.json"))
    with pytest.raises(ValidationError, match="own transfer key"):
        transfer.send_family(
            sender, "FAM-0042", keys, tmp_path / "x", consent_by="A", no_agreement_reason="r"
        )


def test_the_file_has_no_personal_data_in_the_clear(
    sender: Session, receiver: Session, tmp_path: Path
) -> None:
    sent = send(
        sender, receiver, tmp_path, all_referrals=True, include_restricted=True, restricted_reason="why"
    )
    text = sent.path.read_text()
    for secret in ("Ada Example", "Bea Example", "FAM-0042", "N1 9GU", "Voucher", "SENCO", "jo.smith"):
        assert secret not in text
    header = json.loads(text)["header"]
    assert header["receiver"]["transfer_key_fingerprint"] == transfer_keys.ensure_transfer_key(receiver)
    assert header["sender"]["name"] == "Little Acorns Nursery"
    assert_mode(sent.path, 0o600)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left
    assert transfer_repo.find_by_uid(sender.conn, "out", header["transfer_uid"]) is not None


def test_received_history_does_not_count_in_the_receivers_dashboard(
    sender: Session, receiver: Session, tmp_path: Path
) -> None:
    from setting_app.domain.codes import Domain
    from setting_app.domain.models import NewEntry
    from setting_app.services import dashboard, families, support_log

    family = families.find_family(sender, "FAM-0042")
    support_log.log_entry(
        sender,
        NewEntry(family.id, date(2026, 11, 20), Domain.FAMILY_WELLBEING, 25, follow_up_on=date(2026, 11, 22)),
    )
    mine = dashboard.dashboard_figures(sender)
    assert mine.families_supported == 1 and mine.follow_ups_overdue == 1
    transfer.receive_family(receiver, send(sender, receiver, tmp_path).path)
    theirs = dashboard.dashboard_figures(receiver)
    assert theirs.families_supported == 0 and theirs.entries == 0
    assert theirs.follow_ups_overdue == 0 and theirs.follow_ups == ()
    assert sum(sum(m.entries.values()) for m in theirs.months) == 0
    # Work this setting then does with the family counts as usual.
    here = families.find_family(receiver, "FAM-0042")
    support_log.log_entry(receiver, NewEntry(here.id, date(2026, 11, 23), Domain.CHILD_DEVELOPMENT, 10))
    assert dashboard.dashboard_figures(receiver).families_supported == 1


def test_a_received_family_can_be_erased(session: Session, receiver: Session, tmp_path: Path) -> None:
    from setting_app.services import erasure

    closed = json.loads(json.dumps(FAMILY))
    closed["families"][0]["closed_on"] = "2026-11-01"
    records.import_records(session, closed)
    received = transfer.receive_family(receiver, send(session, receiver, tmp_path).path)
    erasure.erase_family(receiver, received.family_id, "retention_ended")
    counts = table_counts(receiver)
    assert counts["families"] == 0 and counts["support_entries"] == 0 and counts["referrals"] == 0
    assert counts["transfers"] == 0 and counts["information_sharing"] == 0
    # The same file cannot bring the erased family back.
    with pytest.raises(
        ImportRejected, match="already imported on 2026-11-23, and that family's record has since"
    ):
        transfer.receive_family(receiver, tmp_path / "fam.transfer")
    assert table_counts(receiver)["families"] == 0
    assert audit.verify(receiver) is None


# --- the sender's key, pinned on first use -------------------------------------------------------


def test_a_known_setting_signing_with_a_new_key_is_held_back_until_confirmed(
    sender: Session, receiver: Session, tmp_path: Path
) -> None:
    """The first file from a setting pins its signing key; a file claiming the same setting (its URN)
    but signed by another key is either its reinstalled app or an impostor: checked by phone first."""
    first = send(sender, receiver, tmp_path)
    transfer.receive_family(receiver, first.path)
    # The same setting's details in another casebook: a new installation, with a new signing key.
    impostor = create_casebook(
        tmp_path / "reinstalled", setting_details(), "manager", "Mina Manager", PASSPHRASE,
        kdf=TEST_ONLY_FAST_KDF, clock=fixed_clock(),
    ).session  # fmt: skip
    try:
        add_sample_family(impostor)
        second = send(impostor, receiver, tmp_path, out=tmp_path / "second.transfer")
    finally:
        impostor.close()
    before = table_counts(receiver)
    with pytest.raises(transfer.SenderKeyChanged) as caught:
        transfer.receive_family(receiver, second.path, new_ref="FAM-0043")
    changed = caught.value
    assert changed.known_fingerprint == export_keys.export_key_fingerprint(sender.conn)
    assert changed.new_fingerprint != changed.known_fingerprint
    assert "--expect-fingerprint" in changed.message and "Nothing was imported" in changed.message
    assert table_counts(receiver) == before
    # Confirmed by phone: received, and the new key is the one expected from now on.
    received = transfer.receive_family(
        receiver, second.path, new_ref="FAM-0043", expect_fingerprint=changed.new_fingerprint
    )
    assert received.sender_fingerprint == changed.new_fingerprint
    urn = setting_details().urn.upper()
    assert transfer_repo.known_sender_key(receiver.conn, urn) == changed.new_fingerprint

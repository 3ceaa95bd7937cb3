"""Review of issue #10: what a received family does to the receiving setting's figures and papers,
and how the receiver answers damaged or odd transfer files."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

import pytest

from setting_app.domain.errors import ImportRejected
from setting_app.services import family_summary, monthly_summary, records, transfer
from setting_app.services.session import Session
from setting_app.storage import transfer_repo
from tests.conftest import posix_only
from tests.test_transfer import FAMILY, add_sample_family, make_receiver, send


@pytest.fixture
def receiver(tmp_path: Path):
    session = make_receiver(tmp_path)
    yield session
    session.close()


@pytest.fixture
def sender(session: Session) -> Session:
    add_sample_family(session)
    return session


def _families(session: Session, month: str) -> dict[str, int]:
    return monthly_summary.monthly_summary(session, month).to_json_dict()["families"]


def test_a_received_family_is_not_new_or_ongoing_here_before_it_arrived(
    sender: Session, receiver: Session, tmp_path: Path
) -> None:
    # The sender opened FAM-0042 in January 2026; the receiver had it from 23 November 2026.
    assert _families(sender, "2026-01")["new"] == 1
    transfer.receive_family(receiver, send(sender, receiver, tmp_path).path)
    nothing = {"new": 0, "ongoing": 0, "closed": 0, "open_at_month_end": 0}
    assert _families(receiver, "2026-01") == nothing
    assert _families(receiver, "2026-10") == nothing
    assert _families(receiver, "2026-11") == {"new": 1, "ongoing": 0, "closed": 0, "open_at_month_end": 1}


def _pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(done.stdout.split())


def test_a_received_familys_summary_says_which_setting_gave_the_support(
    sender: Session, receiver: Session, tmp_path: Path
) -> None:
    from setting_app.domain.codes import Domain
    from setting_app.domain.models import NewEntry
    from setting_app.services import families, support_log

    transfer.receive_family(receiver, send(sender, receiver, tmp_path).path)
    here = families.find_family(receiver, "FAM-0042")
    support_log.log_entry(receiver, NewEntry(here.id, date(2026, 11, 23), Domain.CHILD_DEVELOPMENT, 10))
    family_summary.write_summary(receiver, "FAM-0042", tmp_path / "mine.pdf", every_visit=True)
    text = _pdf_text(tmp_path / "mine.pdf")
    assert "came to us from Little Acorns Nursery on 23 November 2026" in text
    assert "We opened your family's record" not in text
    # Only the one entry logged here is this setting's help; the three received are the sender's.
    assert "We have helped your family once. Altogether that was 10 minutes of our time." in text
    assert "Before your record came to us, Little Acorns Nursery helped your family 3 times" in text
    assert text.count("(at Little Acorns") == 3  # one per received entry
    assert "Little Acorns Nursery referred you" in text and "We referred you" not in text
    # One line a month (the default): the sending setting's months say where the help was.
    family_summary.write_summary(receiver, "FAM-0042", tmp_path / "monthly.pdf")
    monthly = _pdf_text(tmp_path / "monthly.pdf")
    # Three months of theirs (February, April, June), and the sentence that explains the mark.
    assert monthly.count("at Little Acorns Nursery") == 3 + 1


def test_a_file_cut_short_anywhere_is_called_damaged_not_foreign(
    sender: Session, receiver: Session, tmp_path: Path
) -> None:
    data = send(sender, receiver, tmp_path).path.read_bytes()
    before = transfer_repo.list_transfers(receiver.conn)
    for keep in (20, len(data) // 3, len(data) // 2, len(data) - 300):
        path = tmp_path / f"cut{keep}.transfer"
        path.write_bytes(data[:keep])
        with pytest.raises(ImportRejected, match="changed since it was signed, or damaged on the way"):
            transfer.receive_family(receiver, path)
    assert transfer_repo.list_transfers(receiver.conn) == before


def _sealed_for(receiver: Session, sender: Session, tmp_path: Path, plaintext_payload) -> Path:
    """A file properly sealed and signed by ``sender``, holding whatever payload is given."""
    from setting_app.services import export_keys, transfer_keys

    transfer_keys.write_key_file(receiver, tmp_path / "receiver.key.json")
    keys = transfer_keys.read_key_file(tmp_path / "receiver.key.json")
    data = transfer.seal(
        plaintext_payload,
        receiver=keys,
        sender=transfer_keys.my_keys(sender),
        signer=export_keys.signing_key(sender),
        transfer_uid="0123abcd",
        sealed_on=sender.clock.today(),
    )
    path = tmp_path / "crafted.transfer"
    path.write_bytes(data)
    return path


def _payload(**changes) -> dict:
    family = json.loads(json.dumps(FAMILY))["families"][0]
    family["entries"] = [e for e in family["entries"] if not e.get("restricted")]
    family["referrals"] = [x for x in family["referrals"] if not x.get("restricted")]
    payload = {
        "format": transfer.PAYLOAD_FORMAT,
        "version": transfer.VERSION,
        "transfer_uid": "0123abcd",
        "family_ref": family["ref"],
        "contents": "",
        "sharing": {
            "consent": "given",
            "consent_by": "Ada Example",
            "lawful_basis": "consent",
            "purpose": "",
        },
        "restricted_reason": "",
        "records": {"format": records.FORMAT, "version": 3, "families": [family]},
    }
    return payload | changes


def test_a_signed_file_whose_sharing_record_is_incomplete_is_refused_plainly(
    session: Session, receiver: Session, tmp_path: Path
) -> None:
    path = _sealed_for(receiver, session, tmp_path, _payload(sharing={"consent": None, "lawful_basis": None}))
    with pytest.raises(ImportRejected, match="the sending setting's record of the transfer is incomplete"):
        transfer.receive_family(receiver, path)
    assert receiver.conn.execute("SELECT count(*) FROM families").fetchone()[0] == 0
    assert transfer_repo.list_transfers(receiver.conn) == []


def test_a_signed_file_nested_too_deep_to_read_is_refused_not_a_crash(
    session: Session, receiver: Session, tmp_path: Path, monkeypatch
) -> None:
    nested = "[" * 100_000 + "]" * 100_000
    deep = f'{{"format": "{transfer.PAYLOAD_FORMAT}", "transfer_uid": "0123abcd", "x": {nested}}}'
    real_dumps = transfer.json.dumps
    monkeypatch.setattr(
        transfer.json,
        "dumps",
        lambda value, **kw: deep if value == {"deep": True} else real_dumps(value, **kw),
    )
    path = _sealed_for(receiver, session, tmp_path, {"deep": True})
    monkeypatch.undo()
    with pytest.raises(ImportRejected, match="changed since it was signed"):
        transfer.receive_family(receiver, path)
    assert receiver.conn.execute("SELECT count(*) FROM families").fetchone()[0] == 0


def test_received_referrals_stay_out_of_the_receivers_referral_measures(
    sender: Session, receiver: Session, tmp_path: Path
) -> None:
    from setting_app.services import referrals

    period = (date(2026, 1, 1), date(2026, 11, 23))
    assert referrals.referral_measures(sender.conn, *period) != []
    transfer.receive_family(receiver, send(sender, receiver, tmp_path).path)
    assert referrals.referral_measures(receiver.conn, *period) == []


def test_nothing_is_written_over_the_casebooks_own_files(
    sender: Session, receiver: Session, tmp_path: Path
) -> None:
    from setting_app.domain.errors import AppError
    from setting_app.services import transfer_keys

    casebook = sender.data_dir / "casebook.db"
    keys = sender.data_dir / "casebook.keys"
    before = {p: p.read_bytes() for p in (casebook, keys)}
    with pytest.raises(AppError, match="is in the casebook's own folder"):
        transfer_keys.write_key_file(sender, keys)
    with pytest.raises(AppError, match="is in the casebook's own folder"):
        send(sender, receiver, tmp_path, out=sender.data_dir / "sub" / ".." / "casebook.db")
    assert {p: p.read_bytes() for p in (casebook, keys)} == before
    assert transfer_repo.list_transfers(sender.conn) == []  # nothing recorded as sent
    transfer.receive_family(receiver, send(sender, receiver, tmp_path).path)
    with pytest.raises(AppError, match="is in the casebook's own folder"):
        family_summary.write_summary(receiver, "FAM-0042", receiver.data_dir / "casebook.db")
    assert not any(p.name.endswith(".part") for p in receiver.data_dir.iterdir())


@posix_only(reason="named pipes made with os.mkfifo")
def test_a_pipe_named_as_a_file_is_refused_not_waited_on(session: Session, tmp_path: Path) -> None:
    import os

    from setting_app.domain.errors import AppError
    from setting_app.services import transfer_keys

    pipe = tmp_path / "fam.transfer"
    os.mkfifo(pipe)
    with pytest.raises(ImportRejected, match="is not a transfer file"):
        transfer.read_transfer_file(pipe)
    with pytest.raises(AppError, match="is not a transfer key file"):
        transfer_keys.read_key_file(pipe)


def test_the_sharing_record_practitioners_read_does_not_say_restricted_records_went(
    sender: Session, receiver: Session, tmp_path: Path
) -> None:
    from setting_app.services import info_sharing

    sent = send(sender, receiver, tmp_path, include_restricted=True, restricted_reason="Plan continues")
    received = transfer.receive_family(receiver, sent.path)
    assert "restricted" in sent.transfer.contents and "restricted" in received.transfer.contents
    for session in (sender, receiver):
        (share,) = info_sharing.list_sharing(session)
        assert share.what.startswith("The family's record: 2 children, 4 entries")
        assert "restricted" not in share.what

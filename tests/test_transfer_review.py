"""Review of issue #10: what a received family does to the receiving setting's figures and papers,
and how the receiver answers damaged or odd transfer files."""

from __future__ import annotations

from pathlib import Path

import pytest

from setting_app.services import monthly_summary, transfer
from setting_app.services.session import Session
from tests.test_transfer import add_sample_family, make_receiver, send


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

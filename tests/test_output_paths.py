"""Files made for people (reports, exports, packs, backups) never go in the casebook's own folder.

A file named casebook.db or casebook.keys there would replace the casebook itself: before this check,
``report monthly --out <data dir>/casebook.db`` destroyed it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from setting_app.domain.errors import AppError
from setting_app.domain.models import NewFamily
from setting_app.domain.self_evaluation import INGREDIENT_CODES
from setting_app.services import (
    agreement_template,
    agreements,
    backup,
    casebook,
    families,
    family_summary,
    records,
    self_evaluation,
    subject_access,
    transfer_keys,
)
from setting_app.services.monthly_summary import monthly_summary, parse_month, save_summary_file
from tests.conftest import PASSPHRASE
from tests.test_agreements import new_agreement


@pytest.fixture
def family(session):
    return families.add_family(session, NewFamily("FAM-0001", date(2026, 1, 5)))


def _writers(session, data_dir: Path):
    month = parse_month("2026-10", session.clock.today())
    summary = monthly_summary(session, month)
    return {
        "monthly summary": lambda: save_summary_file(
            session, summary, b"%PDF-1.4", data_dir / "casebook.db", kind="pdf"
        ),
        "record file": lambda: records.export_to_file(session, data_dir / "casebook.keys", ["FAM-0001"]),
        "subject access pack": lambda: subject_access.write_pack(session, "FAM-0001", data_dir),
        "backup": lambda: backup.make_backup(session, data_dir / "casebook.db"),
        "transfer key file": lambda: transfer_keys.write_key_file(session, data_dir / "casebook.keys"),
        "family summary": lambda: family_summary.write_summary(session, "FAM-0001", data_dir / "casebook.db"),
        "agreement template": lambda: agreement_template.write_template(
            session, data_dir / "casebook.docx", overwrite=True
        ),
        "signed agreement": lambda: agreements.save_document(session, _signed(session, data_dir), data_dir),
        "self-evaluation PDF": lambda: self_evaluation.save_pdf(
            session,
            self_evaluation.record(session, dict.fromkeys(INGREDIENT_CODES, 3), completed_on="2026-11-01"),
            data_dir / "casebook.db",
        ),
    }


def _signed(session, data_dir: Path) -> int:
    """An agreement whose signed copy is called casebook.keys (saved into a folder, it keeps that name)."""
    made = agreements.add_agreement(session, new_agreement())
    signed = data_dir.parent / "casebook.keys"
    signed.write_bytes(b"%PDF-1.4 signed copy")
    agreements.attach_document(session, made.id, signed)
    return made.id


WRITERS = [
    "monthly summary",
    "record file",
    "subject access pack",
    "backup",
    "transfer key file",
    "family summary",
    "agreement template",
    "signed agreement",
    "self-evaluation PDF",
]


@pytest.mark.parametrize("what", WRITERS)
def test_nothing_is_written_over_the_casebook(session, family, data_dir: Path, clock, what: str) -> None:
    writer = _writers(session, data_dir)[what]
    names = sorted(p.name for p in data_dir.iterdir())
    keys = (data_dir / "casebook.keys").read_bytes()
    with pytest.raises(AppError, match="casebook's own folder"):
        writer()
    assert sorted(p.name for p in data_dir.iterdir()) == names  # nothing new, not even a temp file
    assert (data_dir / "casebook.keys").read_bytes() == keys
    session.close()
    reopened = casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock)
    assert [f.ref for f in families.list_families(reopened)] == ["FAM-0001"]
    reopened.close()


def test_the_cli_says_so_in_one_line(cli, data_dir: Path) -> None:
    assert cli.init().code == 0
    result = cli("report", "monthly", "--month", "2026-10", "--out", str(data_dir / "casebook.db"))
    assert result.code == 1 and "casebook's own folder" in result.err
    assert cli("check").code == 0

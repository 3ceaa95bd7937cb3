"""Exports, imports and prints each write exactly one audit row of the right action, in the same
step as the action: a write that fails leaves no row. Also the ``audit list`` and ``audit verify``
commands."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from setting_app.domain.codes import Domain
from setting_app.domain.errors import AppError
from setting_app.domain.models import NewEntry, NewFamily
from setting_app.services import audit, casebook, families, records, support_log
from setting_app.services.la_export import SdcParams, prepare_export, write_return
from setting_app.services.monthly_summary import monthly_summary, save_summary_file
from setting_app.storage.audit_repo import AuditFilter
from setting_app.storage.casebook_store import CasebookPaths
from setting_app.storage.database import open_database
from tests.conftest import PASSPHRASE


def _rows(session, action: str, object_type: str | None = None) -> list:
    rows = audit.list_audit(session, AuditFilter(action=action))
    return [r for r in rows if object_type is None or r.object_type == object_type]


def _cli_rows(cli, action: str, object_type: str | None = None) -> list:
    session = casebook.unlock(cli.data_dir, "manager", PASSPHRASE, clock=cli.clock)
    try:
        return _rows(session, action, object_type)
    finally:
        session.close()


def _family(session, ref: str = "FAM-0001") -> int:
    family = families.add_family(session, NewFamily(ref, date(2026, 1, 5)))
    support_log.log_entry(session, NewEntry(family.id, date(2026, 10, 6), Domain.CHILD_DEVELOPMENT, 30))
    return family.id


def test_record_export_to_file_writes_one_export_row(session, tmp_path: Path) -> None:
    family_id = _family(session)
    out = tmp_path / "fam.json"
    records.export_to_file(session, out, ["FAM-0001"])
    rows = _rows(session, audit.EXPORT)
    assert len(rows) == 1
    assert rows[0].object_type == "record_file" and rows[0].family_id == family_id
    assert json.loads(out.read_text())["families"][0]["ref"] == "FAM-0001"
    assert audit.verify(session) is None


def test_record_export_that_cannot_be_written_leaves_no_row(session, tmp_path: Path) -> None:
    _family(session)
    with pytest.raises(AppError, match="Nothing was written"):
        records.export_to_file(session, tmp_path / "no-such-folder" / "fam.json")
    assert _rows(session, audit.EXPORT) == []


def test_record_import_writes_one_create_row(session, tmp_path: Path) -> None:
    _family(session)
    document = records.export_families(session)
    document["families"][0]["ref"] = "FAM-0099"
    before = len(_rows(session, audit.CREATE))
    records.import_records(session, document)
    rows = _rows(session, audit.CREATE)
    assert len(rows) == before + 1
    assert rows[0].object_type == "record_file" and "1 family" in rows[0].detail


def test_cli_export_family_writes_one_export_row(cli, tmp_path: Path) -> None:
    assert cli.init().code == 0
    assert cli("family", "add", "--carer", "Jo Canary", "--opened", "2026-01-05").code == 0
    result = cli("export", "family", "FAM-0001", "--out", str(tmp_path / "f.json"))
    assert result.code == 0, result.err
    assert len(_cli_rows(cli, audit.EXPORT, "record_file")) == 1


@pytest.mark.parametrize(
    ("args", "kind"),
    [
        (("--format", "pdf", "--out", "{tmp}/s.pdf"), "PDF"),
        (("--format", "json", "--out", "{tmp}/s.json"), "JSON"),
        (("--format", "json"), "JSON"),
    ],
)
def test_cli_monthly_summary_writes_one_export_row(cli, tmp_path: Path, args, kind: str) -> None:
    assert cli.init().code == 0
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = cli("report", "monthly", "--month", "2026-10", *argv)
    assert result.code == 0, result.err
    rows = _cli_rows(cli, audit.EXPORT, "monthly_summary")
    assert len(rows) == 1
    assert "2026-10" in rows[0].detail and kind in rows[0].detail


def test_monthly_summary_save_failure_leaves_no_row(session, tmp_path: Path) -> None:
    summary = monthly_summary(session, "2026-10")
    with pytest.raises(AppError):
        save_summary_file(session, summary, b"%PDF", tmp_path / "missing" / "s.pdf", kind="pdf")
    assert _rows(session, audit.EXPORT) == []
    save_summary_file(session, summary, b"%PDF", tmp_path / "s.pdf", kind="pdf")
    assert len(_rows(session, audit.EXPORT, "monthly_summary")) == 1


def test_la_return_writes_one_export_row(session, tmp_path: Path) -> None:
    _family(session)
    write_return(session, prepare_export(session, "2026-10", SdcParams(5, 1)), tmp_path / "out")
    rows = _rows(session, audit.EXPORT)
    assert len(rows) == 1 and rows[0].object_type == "la_return"


def test_monthly_summary_panel_save_and_print_are_audited(qtbot, session, tmp_path: Path) -> None:
    from PySide6.QtPrintSupport import QPrinter

    from setting_app.ui.context import AppContext
    from setting_app.ui.widgets.monthly_summary_panel import MonthlySummaryPanel

    ctx = AppContext(session, session.clock)
    panel = MonthlySummaryPanel(ctx)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.summary_ready, timeout=20000):
        panel.generate()
    panel.save_pdf_to(tmp_path / "summary.pdf")
    assert len(_rows(session, audit.EXPORT, "monthly_summary")) == 1
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    pages = panel.print_to(printer)
    prints = _rows(session, audit.PRINT)
    assert pages >= 1 and len(prints) == 1
    assert prints[0].object_type == "monthly_summary"
    assert (tmp_path / "printed.pdf").stat().st_size > 0


def test_audit_list_filters_and_verify(cli) -> None:
    assert cli.init().code == 0
    assert cli("family", "add", "--carer", "Jo Canary", "--opened", "2026-01-05").code == 0
    assert cli("family", "add", "--carer", "Al Canary", "--opened", "2026-01-06").code == 0
    result = cli("audit", "list", "--family", "FAM-0002")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("row\t")
    assert len(lines) == 3 and "FAM-0002" in lines[1] and "create" in lines[1]
    assert "Canary" not in result.out
    created = cli("audit", "list", "--action", "create", "--from", "2026-11-23", "--to", "2026-11-23")
    assert "Showing 2 of 2" in created.out
    assert "No audit rows match." in cli("audit", "list", "--from", "2026-11-24").out
    assert cli("audit", "list", "--user", "nobody").out.startswith("No audit rows")
    missing = cli("audit", "list", "--family", "FAM-0404")
    assert missing.code == 1 and "FAM-0404" in missing.err
    bad_date = cli("audit", "list", "--from", "23/11/2026")
    assert bad_date.code == 1 and "--from" in bad_date.err and "Traceback" not in bad_date.err
    verified = cli("audit", "verify")
    assert verified.code == 0 and "whole" in verified.out


def test_audit_verify_names_the_first_broken_row(cli) -> None:
    assert cli.init().code == 0
    assert cli("family", "add", "--carer", "Jo", "--opened", "2026-01-05").code == 0
    session = casebook.unlock(cli.data_dir, "manager", PASSPHRASE, clock=cli.clock)
    key = session.data_key()
    session.close()
    raw = open_database(CasebookPaths(cli.data_dir).db, key)
    raw.execute("UPDATE audit_log SET action = 'view_family' WHERE id = 2")
    raw.close()
    result = cli("audit", "verify")
    assert result.code == 1
    assert "audit row 2 has been changed" in result.err


def test_practitioners_cannot_list_the_trail(cli) -> None:
    assert cli.init().code == 0
    assert cli("users", "add", "pat", "--role", "practitioner", new_passphrase="pat passphrase 1").code == 0
    result = cli("audit", "list", user="pat", passphrase="pat passphrase 1")
    assert result.code == 1 and "manager" in result.err

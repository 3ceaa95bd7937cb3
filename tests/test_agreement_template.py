"""The data-sharing agreement template: a real PDF read back with pdftotext/pdfinfo and a real DOCX read
back with python-docx, from real casebooks; saving rules and the audit row."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import docx
import pytest

from setting_app import __version__
from setting_app.domain.codes import Nation, Role
from setting_app.domain.errors import AlreadyExists, NotFound, PermissionDenied, ValidationError
from setting_app.services import audit, staff
from setting_app.services.agreement_template import (
    BLANK,
    DPO_NOTICE,
    SECTION_HEADINGS,
    TemplateWriteError,
    write_template,
)
from setting_app.services.casebook import create_casebook, unlock
from setting_app.storage.audit_repo import AuditFilter
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from setting_app.storage.unit_of_work import unit_of_work
from tests.conftest import PASSPHRASE, fixed_clock, setting_details

FOOTER = f"Template made by setting_app {__version__} on 23 November 2026"
PARTIES = (
    ("Little Acorns Nursery", "this_setting", None, "Mina Manager, 020 7946 0000"),
    ("Islington Health Visiting Team", "health_visiting", "health_visiting", "hv.team@example.org"),
    ("Bright Futures Family Hub", "family_hub", "family_hub", ""),
    ("Islington Early Help", "early_help", "early_help", "earlyhelp@example.org"),
)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _pdf_text(path: Path) -> str:
    """The PDF's text with the page footers taken out, so paragraphs that cross pages read whole."""
    raw = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    lines = [
        line
        for line in raw.splitlines()
        if not line.startswith("Template made by") and not re.fullmatch(r"\s*Page \d+ of \d+\s*", line)
    ]
    return _flat("\n".join(lines))


def _pdf_info(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def _docx_texts(path: Path) -> tuple[list[str], list[str], list[list[list[str]]]]:
    """(headings, other paragraphs, tables as rows of cell texts)."""
    document = docx.Document(str(path))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    paragraphs = [p.text for p in document.paragraphs if p.text and not p.style.name.startswith("Heading")]
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]
    return headings, paragraphs, tables


def _add_agreement(session) -> int:
    """An agreement in the register, written with plain SQL (the register's own service is not needed)."""
    now = session.clock.now().isoformat()
    with unit_of_work(session.conn):
        cursor = session.conn.execute(
            """INSERT INTO sharing_agreements (title, purpose, data_items, direction, lawful_basis,
                   special_category_condition, retention, security_measures, starts_on, review_on, ends_on,
                   created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                "Islington early years partnership agreement",
                "To refer families to health visiting, the family hub and early help, and to hear back.",
                "Child and carer names and contact details\n- Reason for the referral\nRelevant health needs",
                "both_ways",
                "public_task",
                "substantial_public_interest",
                "Kept until the child leaves the setting, then 3 years",
                "Egress secure email only; paper kept in a locked cabinet",
                "2026-09-01",
                "2027-08-31",
                "2028-08-31",
                now,
                now,
            ),
        )
        agreement_id = int(cursor.lastrowid)
        for name, party_type, category, contact in PARTIES:
            session.conn.execute(
                """INSERT INTO sharing_agreement_parties (agreement_id, name, party_type, service_category, contact)
                   VALUES (?, ?, ?, ?, ?)""",
                (agreement_id, name, party_type, category, contact),
            )
    return agreement_id


def _template_rows(session) -> list:
    rows = audit.list_audit(session, AuditFilter(action=audit.EXPORT))
    return [r for r in rows if r.object_type == "agreement_template"]


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An empty folder for the templates (the casebook lives elsewhere in tmp_path)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def scottish_session(tmp_path: Path):
    created = create_casebook(
        tmp_path / "scottish-data",
        setting_details(Nation.SCOTLAND),
        "manager",
        "Morag Manager",
        PASSPHRASE,
        kdf=TEST_ONLY_FAST_KDF,
        clock=fixed_clock(),
    )
    yield created.session
    created.session.close()


# --- the PDF ---------------------------------------------------------------------------------------


def test_pdf_carries_the_setting_the_dpo_statement_and_every_section(session, out: Path) -> None:
    written = write_template(session, out / "agreement.pdf")
    assert written == out / "agreement.pdf"
    text = _pdf_text(written)
    assert "Little Acorns Nursery" in text
    assert "Ofsted URN EY123456" in text
    assert "Islington (E09000019)" in text
    assert DPO_NOTICE in text
    # The statement is near the top: before the first section.
    assert text.index(DPO_NOTICE) < text.index(SECTION_HEADINGS[0])
    positions = [text.index(heading) for heading in SECTION_HEADINGS]
    assert positions == sorted(positions)
    # Unknown fields are blanks to fill in, not invented values.
    assert f"Address {BLANK}" in text
    assert f"Lawful basis (article 6): {BLANK}" in text
    assert "UK GDPR" in text and "Schedule 1" in text and "72 hours" in text

    raw = subprocess.run(["pdftotext", str(written), "-"], capture_output=True, text=True, check=True).stdout
    info = _pdf_info(written)
    pages = int(info["Pages"])
    assert pages >= 2
    assert raw.count(FOOTER) == pages
    assert f"Page {pages} of {pages}" in raw
    assert info["Title"] == "Data-sharing agreement: Little Acorns Nursery and its local partners"


def test_pdf_from_an_agreement_shows_its_parties_dates_and_bases(session, out: Path) -> None:
    agreement_id = _add_agreement(session)
    written = write_template(session, out / "islington.pdf", agreement_id=agreement_id)
    text = _pdf_text(written)
    for name, _, _, _ in PARTIES:
        assert name in text
    assert "hv.team@example.org" in text
    assert "Starts on 1 September 2026" in text
    assert "Review by 31 August 2027" in text
    assert "Ends on 31 August 2028" in text
    assert "It will be reviewed by 31 August 2027" in text
    assert "Information flows both ways between Little Acorns Nursery and the partners" in text
    assert "Article 6(1)(e), public task" in text
    assert "Article 9(2)(g), substantial public interest" in text
    assert "paragraph 18 (safeguarding of children and of individuals at risk)" in text
    assert "Kept until the child leaves the setting, then 3 years" in text
    assert "Egress secure email only" in text
    assert "Reason for the referral" in text and "- Reason" not in text
    assert f"Direction of sharing: {BLANK}" not in text
    # One signature box per party, each naming its organisation.
    assert text.count("Signature") >= len(PARTIES)
    assert (
        _pdf_info(written)["Title"] == "Data-sharing agreement: Islington early years partnership agreement"
    )


def test_an_agreement_without_special_category_data_says_so(session, out: Path) -> None:
    agreement_id = _add_agreement(session)
    with unit_of_work(session.conn):
        session.conn.execute(
            "UPDATE sharing_agreements SET special_category_condition = NULL, lawful_basis = 'consent' WHERE id = ?",
            (agreement_id,),
        )
    text = _pdf_text(write_template(session, out / "a.pdf", agreement_id=agreement_id))
    assert "No special category information is shared under this agreement." in text
    assert "Article 6(1)(a), consent" in text
    assert "Article 9(2)" not in text


# --- the DOCX --------------------------------------------------------------------------------------


def test_docx_is_editable_with_headings_paragraphs_and_signature_tables(session, out: Path) -> None:
    agreement_id = _add_agreement(session)
    written = write_template(session, out / "islington.docx", agreement_id=agreement_id)
    document = docx.Document(str(written))
    assert len(document.inline_shapes) == 0  # text, not pictures of text
    headings, paragraphs, tables = _docx_texts(written)
    assert headings == list(SECTION_HEADINGS)
    assert (
        document.paragraphs[0].style.name == "Title"
        and document.paragraphs[0].text == "Data-sharing agreement"
    )
    assert DPO_NOTICE in paragraphs
    assert any("Ofsted URN" in row[0] and row[1] == "EY123456" for row in tables[0])
    signature_tables = [
        t for t in tables if [row[0] for row in t] == ["Organisation", "Name", "Role", "Signature", "Date"]
    ]
    assert [t[0][1] for t in signature_tables] == [name for name, _, _, _ in PARTIES]
    assert all(row[1] == BLANK for t in signature_tables for row in t[1:])
    assert FOOTER in document.sections[0].footer.paragraphs[0].text
    assert (
        document.core_properties.title
        == "Data-sharing agreement: Islington early years partnership agreement"
    )


def test_docx_and_pdf_carry_the_same_text(session, out: Path) -> None:
    agreement_id = _add_agreement(session)
    pdf_text = _pdf_text(write_template(session, out / "a.pdf", agreement_id=agreement_id))
    headings, paragraphs, tables = _docx_texts(
        write_template(session, out / "a.docx", agreement_id=agreement_id)
    )
    missing = [p for p in [*headings, *paragraphs] if _flat(p) not in pdf_text]
    assert missing == []
    cells = {_flat(cell) for table in tables for row in table for cell in row if cell.strip()}
    assert [c for c in sorted(cells) if c not in pdf_text] == []
    # And the PDF has nothing of substance the DOCX lacks: every sentence start in the PDF is in the DOCX.
    docx_text = _flat(" ".join([*headings, *paragraphs, *cells]))
    for sentence in (
        "Each party signs to confirm",
        "Any party may leave this agreement",
        "What is not shared:",
    ):
        assert sentence in docx_text and sentence in pdf_text


# --- England and Scotland ----------------------------------------------------------------------------


def test_scotland_uses_its_own_words(session, scottish_session, out: Path) -> None:
    england = _pdf_text(write_template(session, out / "england.pdf"))
    scotland = _pdf_text(write_template(scottish_session, out / "scotland.pdf"))
    _, scottish_paragraphs, scottish_tables = _docx_texts(
        write_template(scottish_session, out / "scotland.docx")
    )

    assert "Wee Acorns ELC" in scotland
    assert "Care Inspectorate number CS2003012345" in scotland
    for word in (
        "GIRFEC",
        "early learning and childcare (ELC)",
        "additional support needs (ASN)",
        "child's plan",
    ):
        assert word in scotland
        assert word not in england
    assert "National Guidance for Child Protection in Scotland" in scotland
    assert (
        "in Scotland, a child of 12 or over is presumed to be (Data Protection Act 2018, section 208)"
        in scotland
    )
    assert "section 208" not in england
    for word in ("Ofsted", "early help", "SEND", "Working Together to Safeguard Children", "Family hub"):
        assert word in england
        assert word not in scotland
    assert any("GIRFEC" in p for p in scottish_paragraphs)
    assert any(row[0] == "Care Inspectorate number" for row in scottish_tables[0])


# --- saving rules and the audit row -------------------------------------------------------------------


def test_a_file_name_without_pdf_or_docx_is_refused(session, out: Path) -> None:
    for name in ("agreement.odt", "agreement", "agreement.pdf.txt"):
        with pytest.raises(ValidationError, match=r"\.pdf.*\.docx") as caught:
            write_template(session, out / name)
        assert caught.value.field == "file name"
    assert list(out.iterdir()) == []
    assert _template_rows(session) == []


def test_an_existing_file_is_kept_unless_overwrite_is_asked_for(session, out: Path) -> None:
    target = out / "agreement.docx"
    target.write_bytes(b"the partners' edited copy")
    with pytest.raises(AlreadyExists, match="already exists"):
        write_template(session, target)
    assert target.read_bytes() == b"the partners' edited copy"
    assert _template_rows(session) == []

    write_template(session, target, overwrite=True)
    assert docx.Document(str(target)).paragraphs[0].text == "Data-sharing agreement"
    assert sorted(p.name for p in out.iterdir()) == ["agreement.docx"]  # no temporary file left
    assert len(_template_rows(session)) == 1


def test_a_missing_folder_gets_a_plain_message_and_no_audit_row(session, out: Path) -> None:
    with pytest.raises(TemplateWriteError, match="does not exist; nothing was saved"):
        write_template(session, out / "no-such-folder" / "agreement.pdf")
    with pytest.raises(TemplateWriteError, match="is a folder"):
        (out / "folder.pdf").mkdir()
        write_template(session, out / "folder.pdf")
    assert _template_rows(session) == []


def test_making_a_template_is_audited_without_personal_data(session, out: Path) -> None:
    agreement_id = _add_agreement(session)
    write_template(session, out / "blank.pdf")
    write_template(session, out / "filled.docx", agreement_id=agreement_id)
    blank, filled = sorted(_template_rows(session), key=lambda r: r.id)
    assert blank.object_id is None and blank.detail == "data-sharing agreement template saved as PDF"
    assert filled.object_id == agreement_id and filled.detail.startswith(
        "data-sharing agreement template saved as DOCX"
    )
    for row in (blank, filled):
        assert row.username == "manager" and row.family_id is None
        assert "Acorns" not in row.detail and "Islington" not in row.detail
    assert audit.verify(session) is None


def test_an_unknown_agreement_and_a_practitioner_are_refused(session, data_dir: Path, out: Path) -> None:
    with pytest.raises(NotFound, match="no data-sharing agreement #999"):
        write_template(session, out / "a.pdf", agreement_id=999)
    staff.add_user(session, "pat", Role.PRACTITIONER, "another long passphrase", kdf=TEST_ONLY_FAST_KDF)
    pat = unlock(data_dir, "pat", "another long passphrase", clock=fixed_clock())
    try:
        with pytest.raises(PermissionDenied, match="Only a manager"):
            write_template(pat, out / "b.pdf")
    finally:
        pat.close()
    assert list(out.iterdir()) == []
    assert _template_rows(session) == []


def test_a_control_character_kept_in_an_older_record_does_not_break_the_docx(session, out: Path) -> None:
    agreement_id = _add_agreement(session)
    with unit_of_work(session.conn):
        session.conn.execute(
            "UPDATE sharing_agreements SET title = ?, retention = ? WHERE id = ?",
            ("Null\x00byte agreement", "Three\x0b years", agreement_id),
        )
    written = write_template(session, out / "agreement.docx", agreement_id=agreement_id)
    _, paragraphs, _ = _docx_texts(written)
    assert any("Nullbyte agreement" in p for p in paragraphs)


def test_the_law_paragraph_is_precise_and_a_retention_ending_in_a_stop_reads_once(session, out: Path) -> None:
    agreement_id = _add_agreement(session)
    with unit_of_work(session.conn):
        session.conn.execute(
            "UPDATE sharing_agreements SET retention = ? WHERE id = ?",
            ("Kept for 2 years, then deleted securely.", agreement_id),
        )
    text = _pdf_text(write_template(session, out / "a.pdf", agreement_id=agreement_id))
    assert "Kept for 2 years, then deleted securely. Information that is part" in text
    assert ".." not in text
    # Only article 9(2)(b), (g), (h), (i) and (j) need a Schedule 1 condition (DPA 2018 section 10).
    assert "for conditions (b), (g), (h), (i) and (j) one from Schedule 1" in text
    assert "for most conditions" not in text
    assert "criminal offences or allegations (article 10)" in text

"""The monthly summary PDF: real text, metadata, page numbers, the same figures as the JSON, no names."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import PASSPHRASE, assert_mode, fixed_clock, setting_details
from test_monthly_summary import CANARIES, CHILD_DOBS, build_known_casebook

from setting_app.domain.codes import DOMAIN_ORDER, Nation
from setting_app.services.casebook import create_casebook
from setting_app.services.monthly_summary import MonthlySummary, monthly_summary
from setting_app.services.report_pdf import (
    LINE_STYLES,
    ReportWriteError,
    format_minutes,
    pdf_author,
    pdf_title,
    render_monthly_pdf,
    save_monthly_pdf,
    trend_drawing,
    write_file_atomically,
)
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF


def pdf_text(path: Path, *, layout: bool = True) -> str:
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def pdf_info(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines() if ":" in line)}


def _line(text: str, label: str, occurrence: int = 0) -> list[str]:
    """The figures after ``label`` on the n-th layout line where a cell ``label`` is followed by figures.

    (Lines where the label is followed by words, such as the chart's legend, are passed over.)
    """
    seen = 0
    for line in text.splitlines():
        found = re.search(rf"(^|\s{{2,}}){re.escape(label)}(\s{{2,}}|$)", line.strip())
        if found:
            cells = re.split(r"\s{2,}", line.strip()[found.end() :].strip())
            if not re.match(r"^([-+]?\d|no change)", cells[0]):
                continue
            if seen == occurrence:
                return cells
            seen += 1
    raise AssertionError(f"no line {occurrence} with {label!r}")


@pytest.fixture
def october(session) -> MonthlySummary:
    build_known_casebook(session)
    return monthly_summary(session, "2026-10")


def test_pdf_has_metadata_page_numbers_and_real_text(october: MonthlySummary, tmp_path: Path) -> None:
    target = tmp_path / "summary.pdf"
    rendered = save_monthly_pdf(october, target)

    info = pdf_info(target)
    assert info["Title"] == "Monthly family support summary, October 2026: Little Acorns Nursery"
    assert info["Title"] == pdf_title(october)
    assert info["Author"] == "Mina Manager, Little Acorns Nursery" == pdf_author(october)
    assert int(info["Pages"]) == rendered.pages >= 2
    assert "A4" in info["Page size"]

    text = pdf_text(target)
    words_only = " ".join(pdf_text(target, layout=False).split())
    assert (
        f"Setting export key fingerprint: {october.export_key_fingerprint or 'not yet created'}" in words_only
    )
    assert f"Audit trail head: {october.audit_chain_head or 'audit trail not yet enabled'}" in words_only
    for page in range(1, rendered.pages + 1):
        assert f"Page {page} of {rendered.pages}" in text
    for words in (
        "Little Acorns Nursery",
        "Ofsted URN",
        "EY123456",
        "Islington (E09000019)",
        "October 2026",
        "by Mina Manager",
        "What each figure counts",
        "Inclusion and SEND",
    ):
        assert words in text, words


def test_pdf_and_json_carry_the_same_figures(october: MonthlySummary, tmp_path: Path) -> None:
    """One MonthlySummary feeds both: every figure in the JSON's headline is the one printed."""
    figures = october.to_json_dict()
    target = tmp_path / "summary.pdf"
    save_monthly_pdf(october, target)
    text = pdf_text(target)
    before = figures["previous_month"]
    change = figures["change_from_previous_month"]

    def signed(n: int) -> str:
        return "no change" if n == 0 else f"{n:+d}"

    for label, key in (
        ("Families supported", "families_supported"),
        ("Children supported", "children_supported"),
        ("Support entries", "entries"),
        ("of which direct", "direct_entries"),
        ("of which indirect", "indirect_entries"),
        ("Referrals made", "referrals_made"),
        ("New families", "new_families"),
    ):
        this = figures[key] if key in figures else october.headline.as_dict()[key]
        assert _line(text, label) == [str(this), str(before[key]), signed(change[key])], label
    assert _line(text, "Staff time") == [
        format_minutes(figures["minutes"]),
        format_minutes(before["minutes"]),
        "+" + format_minutes(change["minutes"]),
    ]
    assert format_minutes(205) == "3 h 25 min"

    tables = text[text.index("Support entries by need domain and kind") :]
    for domain in DOMAIN_ORDER:
        label = domain.label(Nation.ENGLAND)
        by_kind = figures["entries_by_domain_kind"][domain.value]
        assert _line(tables, label, 0) == [
            str(by_kind["direct"]),
            str(by_kind["indirect"]),
            str(by_kind["direct"] + by_kind["indirect"]),
            str(figures["families_by_domain"][domain.value]),
        ], domain
        minutes = figures["minutes_by_domain_kind"][domain.value]
        assert _line(tables, label, 1) == [
            format_minutes(minutes["direct"]),
            format_minutes(minutes["indirect"]),
            format_minutes(figures["minutes_by_domain"][domain.value]),
        ], domain

    statuses = figures["referrals_by_status"]
    assert _line(text, "All services") == [*map(str, statuses.values()), str(figures["referrals_made"])]
    assert f"Overdue referrals on 31 October 2026: {figures['overdue_referrals']}" in text
    assert _line(text, "Sent to acknowledgement") == [
        f"{figures['median_days_to_acknowledgement']:g}",
        str(figures["acknowledgements_measured"]),
    ]
    assert _line(text, "Sent to first contact (seen)")[-2:] == ["8.5", "2"]
    lines = [line.split() for line in text.splitlines() if line.strip()]
    header_at = next(i for i, cells in enumerate(lines) if cells[:2] == ["New", "Ongoing"])
    families = figures["families"]
    assert lines[header_at + 1] == [
        str(families[k]) for k in ("new", "ongoing", "closed", "open_at_month_end")
    ]
    for item in figures["follow_ups_overdue"]:
        assert _line(text, item["family_ref"])[0] == str(item["follow_ups"])
    # The trend table under the chart (the first "All domains" row) holds the 12 months' totals.
    trend = figures["trend_12_months"]
    assert _line(text, "All domains", 0) == [str(sum(t["entries_by_domain"].values())) for t in trend]
    assert _line(text, "Family wellbeing", 0) == [
        str(t["entries_by_domain"]["family_wellbeing"]) for t in trend
    ]


def test_pdf_holds_no_names_notes_postcodes_or_dates_of_birth(
    october: MonthlySummary, tmp_path: Path
) -> None:
    target = tmp_path / "summary.pdf"
    save_monthly_pdf(october, target)
    text = pdf_text(target) + pdf_text(target, layout=False)
    raw = target.read_bytes()
    forbidden = list(CANARIES)
    for dob in CHILD_DOBS:
        forbidden += [dob.isoformat(), dob.strftime("%d/%m/%Y"), f"{dob.day} {dob.strftime('%B %Y')}"]
    for canary in forbidden:
        assert canary not in text, canary
        assert canary.encode() not in raw, canary
    assert "Child Three" not in text
    # Families appear, by reference only.
    assert "FAM-0005" in text and "FAM-0003" in text


def test_scotland_words(session, tmp_path: Path) -> None:
    scottish = create_casebook(
        tmp_path / "scot",
        setting_details(Nation.SCOTLAND),
        "manager",
        "Mina Manager",
        PASSPHRASE,
        kdf=TEST_ONLY_FAST_KDF,
        clock=fixed_clock(),
    ).session
    try:
        build_known_casebook(scottish)
        target = tmp_path / "scot.pdf"
        save_monthly_pdf(monthly_summary(scottish, "2026-10"), target)
    finally:
        scottish.close()
    text = pdf_text(target)
    assert "Inclusion and ASN" in text and "Care Inspectorate number" in text and "ELC terms" in text
    assert "SEND" not in text and "Ofsted" not in text


def test_trend_chart_tells_domains_apart_without_colour(october: MonthlySummary) -> None:
    from setting_app.domain.palette import DOMAIN_PATTERNS

    styles = [LINE_STYLES[DOMAIN_PATTERNS[d]] for d in DOMAIN_ORDER]
    assert len({dash for dash, _ in styles}) == 4  # four different line patterns
    assert len({marker for _, marker in styles}) == 4  # and four marker shapes
    chart = trend_drawing(october).contents[0]
    assert [list(series) for series in chart.data][0][-2:] == [2, 2]  # child development, Sep and Oct
    dashes = [getattr(chart.lines[i], "strokeDashArray", None) for i in range(4)]
    assert len({tuple(d) if d else None for d in dashes}) == 4


def test_an_empty_month_still_makes_a_readable_pdf(session, tmp_path: Path) -> None:
    rendered = render_monthly_pdf(monthly_summary(session, "2026-10"))
    target = write_file_atomically(rendered.data, tmp_path / "empty.pdf")
    text = pdf_text(target)
    assert "No referrals were made this month." in text
    assert "Median" not in text or "not available" in text
    assert _line(text, "Families supported") == ["0", "0", "no change"]


def test_saving_is_atomic_private_and_only_where_asked(october: MonthlySummary, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "summary.pdf"
    target.write_bytes(b"an older summary")
    save_monthly_pdf(october, target)
    assert sorted(p.name for p in folder.iterdir()) == ["summary.pdf"]  # no temporary file left
    assert target.read_bytes().startswith(b"%PDF")
    assert_mode(target, 0o600)

    with pytest.raises(ReportWriteError, match="does not exist"):
        save_monthly_pdf(october, tmp_path / "missing" / "summary.pdf")
    assert not (tmp_path / "missing").exists()
    with pytest.raises(ReportWriteError, match="is a folder"):
        save_monthly_pdf(october, folder)


def test_cli_saves_the_pdf(cli, session, tmp_path: Path) -> None:
    build_known_casebook(session)
    target = tmp_path / "october.pdf"
    result = cli("report", "monthly", "--month", "2026-10", "--out", str(target))
    assert result.code == 0, result.err
    pages = int(pdf_info(target)["Pages"])
    assert result.out.strip() == f"Saved the monthly summary for October 2026 to {target} ({pages} pages)."
    assert "Families supported" in pdf_text(target)

    bad = cli("report", "monthly", "--month", "2026-10", "--out", str(tmp_path / "nowhere" / "x.pdf"))
    assert bad.code == 1
    assert len(bad.err.strip().splitlines()) == 1 and "does not exist" in bad.err

"""The monthly summary as a printable PDF (reportlab), drawn only from a ``MonthlySummary``.

The PDF holds real text (screen readers and ``pdftotext`` read it), title and author metadata and
"Page X of Y" footers. The trend chart tells domains apart by line pattern and marker shape as well
as colour, and its figures are repeated in a table, so it reads in black and white and aloud.
Family references are the only family identifiers it carries: the summary holds no names, dates of
birth, postcodes or notes, so none can reach the page.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from setting_app.domain.codes import DOMAIN_ORDER, Kind, Nation, ReferralStatus, ServiceCategory, terms
from setting_app.domain.errors import AppError
from setting_app.domain.palette import DOMAIN_COLOURS, DOMAIN_PATTERNS
from setting_app.services.monthly_summary import OUTCOME_STATUSES, OVERDUE_RULE_DUE_DATE, MonthlySummary
from setting_app.services.pdf_document import (
    GRID_GREY,
    HEADER_FILL,
    MARGIN,
    PAGE_SIZE,
    RenderedPdf,
    render_document,
)
from setting_app.storage.fsutil import temp_file_beside

CONTENT_WIDTH = PAGE_SIZE[0] - 2 * MARGIN

#: How each print pattern of the palette is drawn as a line: dash pattern and marker shape.
LINE_STYLES: dict[str, tuple[tuple[float, ...] | None, str]] = {
    "solid": (None, "FilledCircle"),
    "diagonal": ((6, 3), "FilledTriangle"),
    "dots": ((1.2, 2.2), "FilledSquare"),
    "cross": ((7, 2, 1.5, 2), "FilledCross"),
}

STATUS_SHORT: dict[ReferralStatus, str] = {
    ReferralStatus.DRAFT: "Draft",
    ReferralStatus.SENT: "Sent",
    ReferralStatus.ACKNOWLEDGED: "Ack.",
    ReferralStatus.ACCEPTED: "Acc.",
    ReferralStatus.WAITLISTED: "Wait.",
    ReferralStatus.DECLINED: "Decl.",
    ReferralStatus.SEEN: "Seen",
    ReferralStatus.COMPLETED: "Compl.",
    ReferralStatus.WITHDRAWN: "Withdr.",
}


class ReportWriteError(AppError):
    """The PDF could not be saved where the user asked."""


# --- words and numbers ---------------------------------------------------------------------------


def format_minutes(minutes: int) -> str:
    """Staff time as people say it: '3 h 25 min', '2 h 0 min', '40 min'.

    Whole hours keep their '0 min': text extractors run a lone '2 h' together into '2h'.
    """
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    if hours:
        return f"{sign}{hours} h {rest} min"
    return f"{sign}{rest} min"


def format_change(change: int, *, minutes: bool = False) -> str:
    if change == 0:
        return "no change"
    text = format_minutes(abs(change)) if minutes else str(abs(change))
    return f"+{text}" if change > 0 else f"-{text}"


def format_day(day) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"


def format_median(value: float | None) -> str:
    if value is None:
        return "not available"
    return f"{value:g}"


def status_label(status: ReferralStatus) -> str:
    return status.value.capitalize()


def category_label(category: ServiceCategory, nation: Nation) -> str:
    return category.label_for(nation)


def setting_number_label(nation: Nation) -> str:
    return "Care Inspectorate number" if nation is Nation.SCOTLAND else "Ofsted URN"


def figure_notes(summary: MonthlySummary) -> list[str]:
    """'What each figure counts', in the words printed at the end of the report."""
    as_of = format_day(summary.as_of)
    words = terms(summary.setting.nation)
    overdue_rule = "open referrals (sent, acknowledged, waitlisted or accepted) " + (
        "whose follow-up due date had passed (or, with no due date recorded, whose status had not changed "
        "for more than 14 days)"
        if summary.overdue_rule == OVERDUE_RULE_DUE_DATE
        else "whose status had not changed for more than 14 days"
    )
    return [
        "Families (children) supported: distinct families (children) with at least one support entry dated "
        "in the month. An entry about the whole family names no child and adds no child.",
        "Support entries: each piece of support logged. Direct support is given by the setting itself; "
        "indirect support connects the family to someone else. Staff time is the sum of the minutes logged.",
        "New families: records opened in the month (a family received from another setting, on the day it "
        "arrived). Ongoing: opened before the month and still open at its "
        "end. Closed: closed during the month (a family opened and closed in the same month counts as both "
        "new and closed).",
        f"Referrals made: referrals dated in the month, drafts included, by the status they had on {as_of}.",
        "Outcomes this month: referrals made in any month that reached that status on a date in this month; "
        "one referral can appear under two statuses.",
        "Days to acknowledgement: from the day a referral was sent (or made, if never marked sent) to the "
        "service's first response (acknowledged or any later stage), for responses dated in the month. "
        "Days to first contact: the same, up to the day the family was first seen.",
        f"Overdue referrals: {overdue_rule}, on {as_of}.",
        f"Follow-ups overdue: follow-up dates before {as_of} in families still open, with no entry for that "
        "family dated on or after the follow-up date.",
        f"{summary.outcomes.title}: for each {summary.outcomes.framework.outcome_word} of the "
        f"{summary.outcomes.framework.long_label}, the families, children, entries and staff time of the "
        "month's entries whose activity type is tagged with it (Settings, Activity types). An entry counts "
        "under every one its activity type carries; entries with no tagged activity have a line of their own.",
        "History received from another setting is that setting's work and counts in none of these figures.",
        f"Need domains use the {words['ecec']} terms of {summary.setting.nation.value.capitalize()}. "
        "This summary names no child or carer and carries no notes: families appear only by reference.",
    ]


# --- styles --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Styles:
    title: ParagraphStyle
    subtitle: ParagraphStyle
    h2: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle


def _styles() -> _Styles:
    base = getSampleStyleSheet()
    body = ParagraphStyle("Body", parent=base["BodyText"], fontName="Helvetica", fontSize=9.5, leading=12.5)
    return _Styles(
        title=ParagraphStyle(
            "Title",
            parent=base["Title"],
            fontName="Helvetica-Bold",
            fontSize=18,
            leading=22,
            alignment=TA_LEFT,
        ),
        subtitle=ParagraphStyle("Subtitle", parent=body, fontSize=12, leading=15, spaceAfter=4),
        h2=ParagraphStyle(
            "H2",
            parent=base["Heading2"],
            fontName="Helvetica-Bold",
            fontSize=12.5,
            leading=15,
            spaceBefore=10,
            spaceAfter=5,
        ),
        body=body,
        small=ParagraphStyle("Small", parent=body, fontSize=8, leading=10),
        cell=ParagraphStyle("Cell", parent=body, fontSize=8.5, leading=10.5),
        cell_bold=ParagraphStyle(
            "CellBold", parent=body, fontName="Helvetica-Bold", fontSize=8.5, leading=10.5
        ),
    )


def _table(
    rows: list[list[object]],
    widths: list[float],
    *,
    total_row: bool = False,
    font_size: float = 8.5,
    numbers_from_column: int = 1,
) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    style = [
        ("FONT", (0, 0), (-1, -1), "Helvetica", font_size),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", font_size),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, GRID_GREY),
        ("ALIGN", (numbers_from_column, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    if total_row:
        style += [
            ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", font_size),
            ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
        ]
    table.setStyle(TableStyle(style))
    return table


# --- sections ------------------------------------------------------------------------------------


def _header(summary: MonthlySummary, st: _Styles) -> list[Flowable]:
    setting = summary.setting
    la = f"{setting.la_name} ({setting.la_code})" if setting.la_name else setting.la_code
    made = summary.generated_at.astimezone()
    partial = (
        f" (month in progress: figures to {format_day(summary.as_of)})" if summary.is_partial_month else ""
    )
    rows = [
        ["Setting", escape(setting.name)],
        [setting_number_label(setting.nation), escape(setting.urn)],
        ["Local authority", escape(la)],
        ["Month", f"{summary.month.label}{partial}"],
        ["Made", f"{format_day(made.date())} at {made.strftime('%H:%M')} by {escape(summary.generated_by)}"],
    ]
    table = Table(
        [[Paragraph(k, st.cell_bold), Paragraph(v, st.cell)] for k, v in rows],
        colWidths=[42 * mm, CONTENT_WIDTH - 42 * mm],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [
        Paragraph("Monthly family support summary", st.title),
        Paragraph(f"{escape(setting.name)}: {summary.month.label}", st.subtitle),
        table,
        Spacer(1, 4),
    ]


def _headline_section(summary: MonthlySummary, st: _Styles) -> list[Flowable]:
    now, before = summary.headline, summary.previous
    rows: list[list[object]] = [
        ["", summary.month.label, summary.month.previous.label, "Change"],
    ]
    figures = [
        ("Families supported", now.families_supported, before.families_supported, False),
        ("Children supported", now.children_supported, before.children_supported, False),
        ("Support entries", now.entries, before.entries, False),
        ("   of which direct", now.direct_entries, before.direct_entries, False),
        ("   of which indirect", now.indirect_entries, before.indirect_entries, False),
        ("Staff time", now.minutes, before.minutes, True),
        ("Referrals made", now.referrals_made, before.referrals_made, False),
        ("New families", now.new_families, before.new_families, False),
    ]
    for label, this, last, is_minutes in figures:
        show = format_minutes if is_minutes else str
        rows.append([label, show(this), show(last), format_change(this - last, minutes=is_minutes)])
    return [
        Paragraph("Headline figures", st.h2),
        _table(rows, [58 * mm, 38 * mm, 38 * mm, CONTENT_WIDTH - 134 * mm], font_size=9.5),
    ]


def _domain_section(summary: MonthlySummary, st: _Styles) -> list[Flowable]:
    nation = summary.setting.nation
    entries, minutes = summary.entries_by_domain_kind, summary.minutes_by_domain_kind
    label_width = 70 * mm
    entry_rows: list[list[object]] = [["Need domain", "Direct", "Indirect", "All entries", "Families"]]
    time_rows: list[list[object]] = [["Need domain", "Direct", "Indirect", "All staff time"]]
    for domain in DOMAIN_ORDER:
        label = domain.label(nation)
        entry_rows.append(
            [
                label,
                str(entries[domain][Kind.DIRECT]),
                str(entries[domain][Kind.INDIRECT]),
                str(sum(entries[domain].values())),
                str(summary.families_by_domain[domain]),
            ]
        )
        time_rows.append(
            [
                label,
                format_minutes(minutes[domain][Kind.DIRECT]),
                format_minutes(minutes[domain][Kind.INDIRECT]),
                format_minutes(sum(minutes[domain].values())),
            ]
        )
    h = summary.headline
    entry_rows.append(
        [
            "All domains",
            str(h.direct_entries),
            str(h.indirect_entries),
            str(h.entries),
            str(h.families_supported),
        ]
    )
    time_rows.append(
        [
            "All domains",
            format_minutes(sum(minutes[d][Kind.DIRECT] for d in DOMAIN_ORDER)),
            format_minutes(sum(minutes[d][Kind.INDIRECT] for d in DOMAIN_ORDER)),
            format_minutes(h.minutes),
        ]
    )
    return [
        KeepTogether(
            [
                Paragraph("Support entries by need domain and kind", st.h2),
                _table(entry_rows, [label_width] + [(CONTENT_WIDTH - label_width) / 4] * 4, total_row=True),
                Paragraph(
                    "Families are counted once in each domain they were supported in, so the domain figures "
                    "can add up to more than the families supported in all.",
                    st.small,
                ),
            ]
        ),
        KeepTogether(
            [
                Paragraph("Staff time by need domain and kind", st.h2),
                _table(time_rows, [label_width] + [(CONTENT_WIDTH - label_width) / 3] * 3, total_row=True),
            ]
        ),
    ]


def _outcomes_section(summary: MonthlySummary, st: _Styles) -> list[Flowable]:
    table = summary.outcomes
    word = table.framework.outcome_word
    rows: list[list[object]] = [
        [word.capitalize(), "Families", "Children", "Entries", "Staff time"],
    ]
    for _, label, figures in table.rows():
        rows.append(
            [
                Paragraph(escape(label), st.cell),
                str(figures.families),
                str(figures.children),
                str(figures.entries),
                format_minutes(figures.minutes),
            ]
        )
    untagged = table.untagged
    rows.append(
        [
            Paragraph("<i>No tagged activity</i>", st.cell),
            str(untagged.families),
            str(untagged.children),
            str(untagged.entries),
            format_minutes(untagged.minutes),
        ]
    )
    label_width = 96 * mm  # the longest outcome fits on one line
    return [
        KeepTogether(
            [
                Paragraph(escape(table.title), st.h2),
                _table(rows, [label_width] + [(CONTENT_WIDTH - label_width) / 4] * 4),
                Paragraph(
                    f"An entry counts under every {word} its activity type is tagged with, so the rows can "
                    "add up to more than the month's totals. No tagged activity: entries with no activity "
                    f"type, or one with no {table.framework.label} tag.",
                    st.small,
                ),
            ]
        )
    ]


def trend_drawing(summary: MonthlySummary, width: float = CONTENT_WIDTH, height: float = 78 * mm) -> Drawing:
    """Entries per need domain over the 12 months to the report month, as patterned lines."""
    nation = summary.setting.nation
    drawing = Drawing(width, height)
    chart = HorizontalLineChart()
    legend_height = 16 * mm
    chart.x, chart.y = 14 * mm, legend_height + 8 * mm
    chart.width, chart.height = width - 18 * mm, height - legend_height - 15 * mm
    chart.data = [tuple(counts[d] for _, counts in summary.trend) for d in DOMAIN_ORDER]
    chart.categoryAxis.categoryNames = [m.first_day.strftime("%b %y") for m, _ in summary.trend]
    chart.categoryAxis.labels.fontName = "Helvetica"
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.dy = -3
    top = max((max(series) for series in chart.data), default=0)
    step = _nice_step(top)
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(step, ((top + step - 1) // step) * step)
    chart.valueAxis.valueStep = step
    chart.valueAxis.labels.fontName = "Helvetica"
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#D0D0D0")
    chart.valueAxis.gridStrokeWidth = 0.3
    chart.joinedLines = 1
    for index, domain in enumerate(DOMAIN_ORDER):
        dash, marker = LINE_STYLES[DOMAIN_PATTERNS[domain]]
        line = chart.lines[index]
        line.strokeColor = colors.HexColor(DOMAIN_COLOURS[domain])
        line.strokeWidth = 1.6
        if dash:
            line.strokeDashArray = dash
        line.symbol = makeMarker(marker, size=5.5, fillColor=colors.HexColor(DOMAIN_COLOURS[domain]))
        line.symbol.strokeColor = colors.HexColor(DOMAIN_COLOURS[domain])
    drawing.add(chart)
    drawing.add(String(0, height - 8, "Entries", fontName="Helvetica", fontSize=7.5))
    # Legend: a sample of each line with its marker and the domain's name, in two columns.
    for index, domain in enumerate(DOMAIN_ORDER):
        dash, marker = LINE_STYLES[DOMAIN_PATTERNS[domain]]
        colour = colors.HexColor(DOMAIN_COLOURS[domain])
        column, row = index % 2, index // 2
        x = 14 * mm + column * (width / 2)
        y = legend_height - 5 * mm - row * 6 * mm
        sample = Line(x, y, x + 12 * mm, y, strokeColor=colour, strokeWidth=1.6)
        if dash:
            sample.strokeDashArray = dash
        drawing.add(sample)
        mark = makeMarker(marker, size=5.5, fillColor=colour, x=x + 6 * mm, y=y)
        mark.strokeColor = colour
        drawing.add(mark)
        drawing.add(String(x + 15 * mm, y - 2.5, domain.label(nation), fontName="Helvetica", fontSize=8))
    return drawing


def _nice_step(top: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if top / step <= 6:
            return step
    return 10_000


def _trend_section(summary: MonthlySummary, st: _Styles) -> list[Flowable]:
    nation = summary.setting.nation
    months = [m for m, _ in summary.trend]
    header = ["Need domain"] + [m.first_day.strftime("%b %y") for m in months]
    rows: list[list[object]] = [header]
    for domain in DOMAIN_ORDER:
        rows.append([domain.short_label(nation)] + [str(counts[domain]) for _, counts in summary.trend])
    rows.append(["All domains"] + [str(sum(counts.values())) for _, counts in summary.trend])
    label_width = 30 * mm
    widths = [label_width] + [(CONTENT_WIDTH - label_width) / len(months)] * len(months)
    return [
        KeepTogether(
            [
                Paragraph(f"Support entries by need domain, 12 months to {summary.month.label}", st.h2),
                trend_drawing(summary),
                Spacer(1, 3),
                _table(rows, widths, total_row=True, font_size=7),
            ]
        )
    ]


def _families_section(summary: MonthlySummary, st: _Styles) -> list[Flowable]:
    rows = [
        ["New", "Ongoing", "Closed", "Open at month end"],
        [
            str(summary.families_new),
            str(summary.families_ongoing),
            str(summary.families_closed),
            str(summary.families_open_at_end),
        ],
    ]
    return [
        Paragraph("Family records", st.h2),
        _table(rows, [CONTENT_WIDTH / 4] * 4, font_size=9.5, numbers_from_column=0),
    ]


def _referrals_section(summary: MonthlySummary, st: _Styles) -> list[Flowable]:
    nation = summary.setting.nation
    as_of = format_day(summary.as_of)
    story: list[Flowable] = [
        CondPageBreak(60 * mm),
        Paragraph("Referrals", st.h2),
        Paragraph(
            f"Referrals made in {summary.month.label}: <b>{summary.referrals_made}</b>. "
            f"By service and by their status on {as_of}:",
            st.body,
        ),
        Spacer(1, 3),
    ]
    used = [c for c in ServiceCategory if sum(summary.referrals_by_category[c].values())]
    if used:
        statuses = list(ReferralStatus)
        rows: list[list[object]] = [["Service", *[STATUS_SHORT[s] for s in statuses], "Total"]]
        for category in used:
            by_status = summary.referrals_by_category[category]
            rows.append(
                [
                    Paragraph(escape(category_label(category, nation)), st.cell),
                    *[str(by_status[s]) for s in statuses],
                    str(sum(by_status.values())),
                ]
            )
        rows.append(
            [
                "All services",
                *[str(summary.referrals_by_status[s]) for s in statuses],
                str(summary.referrals_made),
            ]
        )
        label_width = 46 * mm
        widths = [label_width] + [(CONTENT_WIDTH - label_width) / (len(statuses) + 1)] * (len(statuses) + 1)
        story.append(_table(rows, widths, total_row=True, font_size=8))
        story.append(
            Paragraph(
                "Ack. acknowledged; Acc. accepted; Wait. waitlisted; Decl. declined; Compl. completed; "
                "Withdr. withdrawn.",
                st.small,
            )
        )
    else:
        story.append(Paragraph("No referrals were made this month.", st.body))

    outcome_rows = [["Outcome this month", "Referrals"]] + [
        [status_label(s), str(summary.outcomes_this_month[s])] for s in OUTCOME_STATUSES
    ]
    response_rows = [
        ["Response times (median days)", "Days", "Referrals"],
        [
            "Sent to acknowledgement",
            format_median(summary.median_days_to_acknowledgement),
            str(summary.acknowledgements_measured),
        ],
        [
            "Sent to first contact (seen)",
            format_median(summary.median_days_to_first_contact),
            str(summary.first_contacts_measured),
        ],
    ]
    half = (CONTENT_WIDTH - 8 * mm) / 2
    pair = Table(
        [
            [
                _table(outcome_rows, [half - 22 * mm, 22 * mm]),
                _table(response_rows, [half - 40 * mm, 18 * mm, 22 * mm]),
            ]
        ],
        colWidths=[half + 8 * mm, half],
        hAlign="LEFT",
    )
    pair.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story += [
        Spacer(1, 6),
        pair,
        Spacer(1, 6),
        Paragraph(f"Overdue referrals on {as_of}: <b>{summary.overdue_referrals}</b>", st.body),
    ]
    return story


def _follow_ups_section(summary: MonthlySummary, st: _Styles) -> list[Flowable]:
    story: list[Flowable] = [
        CondPageBreak(30 * mm),
        Paragraph(f"Follow-ups overdue on {format_day(summary.as_of)}", st.h2),
    ]
    if not summary.follow_ups_overdue:
        story.append(Paragraph("None.", st.body))
        return story
    rows: list[list[object]] = [["Family reference", "Follow-ups overdue", "Oldest due date"]]
    rows += [[f.family_ref, str(f.follow_ups), format_day(f.oldest_due)] for f in summary.follow_ups_overdue]
    story.append(_table(rows, [60 * mm, 40 * mm, 50 * mm]))
    return story


def _integrity_section(summary: MonthlySummary, st: _Styles) -> list[Flowable]:
    fingerprint = summary.export_key_fingerprint or "not yet created"
    audit = summary.audit_chain_head or "audit trail not yet enabled"
    rows = [
        [Paragraph("Setting export key fingerprint:", st.cell_bold), Paragraph(escape(fingerprint), st.cell)],
        [Paragraph("Audit trail head:", st.cell_bold), Paragraph(escape(audit), st.cell)],
    ]
    table = Table(rows, colWidths=[52 * mm, CONTENT_WIDTH - 52 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return [
        KeepTogether(
            [
                Paragraph("Record integrity", st.h2),
                table,
                Paragraph(
                    "The fingerprint identifies the key that signs this setting's local authority exports; "
                    "the audit trail head changes with every recorded action, so it dates this summary "
                    "within the trail.",
                    st.small,
                ),
            ]
        )
    ]


def _notes_section(summary: MonthlySummary, st: _Styles) -> list[Flowable]:
    items = [ListItem(Paragraph(escape(note), st.small), leftIndent=10) for note in figure_notes(summary)]
    return [
        CondPageBreak(40 * mm),
        Paragraph("What each figure counts", st.h2),
        ListFlowable(items, bulletType="bullet", start="\u2022", leftIndent=10, bulletFontSize=7),
    ]


# --- the document ----------------------------------------------------------------------------------


def pdf_title(summary: MonthlySummary) -> str:
    return f"Monthly family support summary, {summary.month.label}: {summary.setting.name}"


def pdf_author(summary: MonthlySummary) -> str:
    return f"{summary.generated_by}, {summary.setting.name}"


def render_monthly_pdf(summary: MonthlySummary) -> RenderedPdf:
    """The whole PDF, in memory (nothing is written to disk here)."""
    st = _styles()
    story: list[Flowable] = []
    story += _header(summary, st)
    story += _headline_section(summary, st)
    story += _trend_section(summary, st)
    story += _domain_section(summary, st)
    story += _outcomes_section(summary, st)
    story += _families_section(summary, st)
    story += _referrals_section(summary, st)
    story += _follow_ups_section(summary, st)
    story += _integrity_section(summary, st)
    story += _notes_section(summary, st)
    return render_document(
        story,
        title=pdf_title(summary),
        author=pdf_author(summary),
        subject=f"Family support given by {summary.setting.name} in {summary.month.label}",
        keywords="monthly summary, family support",
        footer_left=f"{summary.setting.name}: monthly summary, {summary.month.label}. "
        "Confidential: family references only.",
        header_right=f"{summary.setting.name} \u00b7 {summary.month.label}",
    )


def write_file_atomically(data: bytes, target: Path) -> Path:
    """Write beside ``target`` then rename over it: a reader never sees half a file.

    The file is created private (0600): it is the user's to share, and holds family references.
    """
    target = Path(target).expanduser()
    folder = target.parent
    if target.is_dir():
        raise ReportWriteError(
            f"{target} is a folder; give a file name, for example {target / 'summary.pdf'}."
        )
    if not folder.is_dir():
        raise ReportWriteError(f"The folder {folder} does not exist; nothing was saved.")
    try:
        temp = temp_file_beside(target, data)
    except OSError as exc:
        raise ReportWriteError(
            f"Could not save in {folder}: {exc.strerror or exc}. Nothing was saved."
        ) from None
    try:
        os.replace(temp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise ReportWriteError(
            f"Could not save {target}: {exc.strerror or exc}. Nothing was saved."
        ) from None
    return target


def save_monthly_pdf(summary: MonthlySummary, target: Path) -> RenderedPdf:
    """Render and save the PDF where the user asked. Returns what was written."""
    rendered = render_monthly_pdf(summary)
    write_file_atomically(rendered.data, target)
    return rendered

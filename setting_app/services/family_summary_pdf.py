"""The family summary as a PDF (reportlab), drawn only from a ``FamilySummary``.

Written to the family in short sentences and a larger type than staff reports, with real text
(``pdftotext`` and screen readers read it), "Page X of Y" footers, and no codes.
"""

from __future__ import annotations

import collections
import itertools
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Paragraph, Spacer
from reportlab.platypus.flowables import Flowable

from setting_app.domain.codes import DOMAIN_ORDER
from setting_app.domain.referrals import SharingDecision
from setting_app.services.family_summary import FamilySummary, area_meaning, duration_words
from setting_app.services.pdf_document import (
    MARGIN,
    PAGE_SIZE,
    RenderedPdf,
    chunked,
    grid,
    paragraph_text,
    render_document,
)
from setting_app.services.report_pdf import format_day
from setting_app.services.subject_access_pdf import pack_fonts

CONTENT_WIDTH = PAGE_SIZE[0] - 2 * MARGIN

DECISION_WORDS = {
    SharingDecision.SHARED: "We shared",
    SharingDecision.NOT_SHARED: "We decided not to share",
    SharingDecision.RECEIVED: "We received",
}


class _Styles:
    def __init__(self) -> None:
        base = getSampleStyleSheet()
        regular, bold = pack_fonts()
        self.body = ParagraphStyle(
            "FsBody", parent=base["BodyText"], fontName=regular, fontSize=11, leading=15, spaceAfter=4
        )
        self.title = ParagraphStyle(
            "FsTitle", parent=base["Title"], fontName=bold, fontSize=20, leading=25, alignment=TA_LEFT
        )
        self.subtitle = ParagraphStyle("FsSubtitle", parent=self.body, fontSize=13, leading=17)
        self.h2 = ParagraphStyle(
            "FsH2", parent=self.body, fontName=bold, fontSize=14, leading=18, spaceBefore=12, spaceAfter=5
        )
        self.h3 = ParagraphStyle(
            "FsH3", parent=self.body, fontName=bold, fontSize=11.5, leading=15, spaceBefore=8, spaceAfter=3
        )
        self.bullet = ParagraphStyle(
            "FsBullet", parent=self.body, leftIndent=14, bulletIndent=3, spaceAfter=2
        )
        self.cell = ParagraphStyle("FsCell", parent=self.body, fontSize=10, leading=13, spaceAfter=0)
        self.cell_bold = ParagraphStyle("FsCellBold", parent=self.cell, fontName=bold)


def _day(value: date | None) -> str:
    return format_day(value) if value else ""


def _head(cells: list[str], st: _Styles) -> list[Paragraph]:
    return [Paragraph(c, st.cell_bold) for c in cells]


def _times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


# --- sections ------------------------------------------------------------------------------------


def _intro(s: FamilySummary, st: _Styles) -> list[Flowable]:
    setting = escape(s.setting.name)
    for_whom = f"For {escape(s.made_for)}" if s.made_for else "For you"
    flow: list[Flowable] = [
        Paragraph(f"Support you have had from {setting}", st.title),
        Paragraph(f"{for_whom} (family reference {escape(s.family.ref)})", st.subtitle),
        Paragraph(f"Made on {_day(s.produced_at.date())}.", st.body),
        Spacer(1, 3 * mm),
        Paragraph(
            f"This is a short summary for you. It shows the help {setting} has given your family. "
            "It shows who we asked to help you, and what happened. "
            "It also tells you what we have written down about you, and who we have shared it with.",
            st.body,
        ),
    ]
    if s.include_notes:
        notes = (
            "This summary includes the notes our staff wrote about each time we helped you. "
            "Staff write these notes for each other, so some words may be short or formal."
        )
    else:
        notes = (
            "This summary does not include the notes our staff write for each other about each visit. "
            "You can ask to see them. The last part of this summary tells you how."
        )
    flow.append(Paragraph(notes, st.body))
    return flow


def _family_section(s: FamilySummary, st: _Styles) -> list[Flowable]:
    family = s.family
    flow: list[Flowable] = [Paragraph("Your family, as we have written it down", st.h2)]
    opened = f"We opened your family's record on {_day(family.opened_on)}."
    if s.received_from:
        sender = escape(s.received_from)
        opened = (
            f"Your family's record came to us from {sender} on {_day(s.received_on)}. "
            f"{sender} opened it on {_day(family.opened_on)}."
        )
    if family.closed_on:
        opened += f" We closed it on {_day(family.closed_on)}."
    flow.append(Paragraph(opened, st.body))
    if s.own_carers:  # only the person it is for: another adult's details are theirs
        rows = [
            [
                Paragraph(paragraph_text(c.name), st.cell),
                Paragraph(paragraph_text(c.relationship) or "Not written down", st.cell),
                Paragraph(paragraph_text(c.phone) or "None", st.cell),
            ]
            for c in s.own_carers
        ]
        flow += [
            Paragraph("Your details", st.h3),
            grid([_head(["Name", "Who they are", "Phone"], st), *rows], [70 * mm, 52 * mm, 52 * mm]),
        ]
    if s.children:
        rows = [
            [
                Paragraph(paragraph_text(c.name), st.cell),
                Paragraph(_day(c.date_of_birth) or "Not written down", st.cell),
            ]
            for c in s.children
        ]
        flow += [
            Paragraph("Children", st.h3),
            grid([_head(["Name", "Date of birth"], st), *rows], [70 * mm, 104 * mm]),
        ]
    other: list[str] = []
    if family.postcode.strip():
        other.append(f"Your postcode: {escape(family.postcode)}.")
    if s.key_worker:
        other.append(f"Your key worker: {escape(s.key_worker)}.")
    if s.include_notes and family.notes.strip():
        other.append(f"Our note about your family: {paragraph_text(family.notes)}")
    if other:
        flow.append(Spacer(1, 2 * mm))
        flow += [Paragraph(line, st.body) for line in other]
    flow.append(Paragraph("If anything here is wrong, please tell us and we will put it right.", st.body))
    return flow


def _support_section(s: FamilySummary, st: _Styles) -> list[Flowable]:
    nation = s.nation
    flow: list[Flowable] = [CondPageBreak(45 * mm), Paragraph("The support you have had", st.h2)]
    if not s.support:
        return [*flow, Paragraph("We have not written down any support for your family yet.", st.body)]
    own, received = s.own_support, s.received_support
    if own:
        flow.append(
            Paragraph(
                f"We have helped your family {_times(len(own))}. "
                f"Altogether that was {duration_words(sum(line.minutes for line in own))} of our time.",
                st.body,
            )
        )
    if received:
        sender = escape(s.received_from)
        flow.append(
            Paragraph(
                f"Before your record came to us, {sender} helped your family {_times(len(received))} "
                f"({duration_words(sum(line.minutes for line in received))}). "
                f"That help is marked \u201cat {sender}\u201d below.",
                st.body,
            )
        )
    by_area: dict = {}
    for line in s.support:
        count, minutes = by_area.get(line.domain, (0, 0))
        by_area[line.domain] = (count + 1, minutes + line.minutes)
    rows = [
        [
            Paragraph(f"<b>{escape(d.label(nation))}</b>: {escape(area_meaning(d, nation))}", st.cell),
            Paragraph(_times(by_area[d][0]).capitalize(), st.cell),
            Paragraph(duration_words(by_area[d][1]), st.cell),
        ]
        for d in DOMAIN_ORDER
        if d in by_area
    ]
    flow += [
        Paragraph("What the help was about", st.h3),
        grid([_head(["Area", "How often", "Time"], st), *rows], [110 * mm, 28 * mm, 36 * mm]),
    ]
    if not s.every_visit:
        return [*flow, *_months_table(s, st)]
    flow += [CondPageBreak(45 * mm), Paragraph("Each time we helped, month by month", st.h3)]
    if s.include_notes:
        headings = ["Date", "Who for", "What we did", "How", "Time", "Our note"]
        widths = [28 * mm, 26 * mm, 42 * mm, 22 * mm, 20 * mm, CONTENT_WIDTH - 138 * mm]
    else:
        headings = ["Date", "Who for", "What we did", "How", "Time"]
        widths = [31 * mm, 32 * mm, 60 * mm, 25 * mm, CONTENT_WIDTH - 148 * mm]
    for month, lines in itertools.groupby(s.support, key=lambda line: line.day.replace(day=1)):
        body = []
        for line in lines:
            row = [
                Paragraph(f"{line.day.day} {line.day.strftime('%B')}", st.cell),
                Paragraph(escape(line.about), st.cell),
                Paragraph(
                    f"{escape(line.described)}<br/><i>{escape(line.domain.label(nation))}</i>", st.cell
                ),
                Paragraph(escape(line.how), st.cell),
                Paragraph(duration_words(line.minutes), st.cell),
            ]
            if s.include_notes:
                row.append(Paragraph(paragraph_text(line.note) or "No note", st.cell))
            body.append(row)
        flow += [CondPageBreak(25 * mm), Paragraph(month.strftime("%B %Y"), st.h3)]
        flow += chunked(_head(headings, st), body, widths)
    return flow


def _months_table(s: FamilySummary, st: _Styles) -> list[Flowable]:
    """One line per month: how often, what the help was (the most frequent first), and the time."""
    body = []
    # A month's help from the setting the record came from gets a line of its own, saying so.
    groups: dict[tuple[date, str], list] = {}
    for line in s.support:
        groups.setdefault((line.day.replace(day=1), line.from_setting), []).append(line)
    for (month, from_setting), lines in sorted(groups.items(), key=lambda item: (item[0][0], not item[0][1])):
        kinds = collections.Counter(line.what for line in lines)
        what = "; ".join(f"{escape(name)} ({_times(n)})" for name, n in kinds.most_common())
        when = month.strftime("%B %Y") + (f"<br/><i>at {escape(from_setting)}</i>" if from_setting else "")
        body.append(
            [
                Paragraph(when, st.cell),
                Paragraph(_times(len(lines)).capitalize(), st.cell),
                Paragraph(what, st.cell),
                Paragraph(duration_words(sum(line.minutes for line in lines)), st.cell),
            ]
        )
    widths = [30 * mm, 22 * mm, CONTENT_WIDTH - 84 * mm, 32 * mm]
    return [
        CondPageBreak(45 * mm),
        Paragraph("Month by month", st.h3),
        *chunked(_head(["Month", "How often", "What we did", "Time"], st), body, widths),
        Paragraph("You can ask us for a list of every single time we helped, with the dates.", st.body),
    ]


def _referrals_section(s: FamilySummary, st: _Styles) -> list[Flowable]:
    flow: list[Flowable] = [CondPageBreak(45 * mm), Paragraph("Who we asked to help you", st.h2)]
    if not s.referrals:
        return [*flow, Paragraph("We have not referred your family to any other service.", st.body)]
    flow.append(
        Paragraph(
            "Sometimes another service can help more than we can. "
            "These are the services we referred you to, or helped you to contact, and what happened.",
            st.body,
        )
    )
    if any(r.from_setting for r in s.referrals):
        flow.append(
            Paragraph(
                f"Some were made by {escape(s.received_from)} before your record came to us: "
                "each of those says so.",
                st.body,
            )
        )
    body = []
    for r in s.referrals:
        service = f"<b>{escape(r.service)}</b><br/>{escape(r.kind_of_service)}"
        if r.how:
            service += f"<br/><i>{escape(r.how)}</i>"
        happened = escape(r.happened)
        if r.why_ended:
            happened += f" {escape(r.why_ended)}"
        if r.since and r.since != r.made_on:
            happened += f"<br/>Since {_day(r.since)}."
        if s.include_notes and r.note.strip():
            happened += f"<br/><i>Our note:</i> {paragraph_text(r.note)}"
        body.append(
            [
                Paragraph(_day(r.made_on), st.cell),
                Paragraph(service, st.cell),
                Paragraph(escape(r.about), st.cell),
                Paragraph(happened, st.cell),
            ]
        )
    header = _head(["Date", "Service", "Who for", "What happened"], st)
    flow += chunked(header, body, [36 * mm, 56 * mm, 28 * mm, CONTENT_WIDTH - 120 * mm])
    return flow


def _holdings_section(s: FamilySummary, st: _Styles) -> list[Flowable]:
    flow: list[Flowable] = [
        CondPageBreak(45 * mm),
        Paragraph("What we keep about you", st.h2),
        Paragraph(
            f"{escape(s.setting.name)} keeps these kinds of information about your family, "
            "in a locked, private computer record:",
            st.body,
        ),
    ]
    flow += [Paragraph(escape(item) + ".", st.bullet, bulletText="\u2022") for item in s.holdings]
    flow.append(
        Paragraph(
            "We keep this so we can plan your support and follow it up, and to help keep children safe. "
            "We also send the local council some numbers, such as how many families we helped. "
            "Those numbers never say who you are.",
            st.body,
        )
    )
    return flow


def _sharing_section(s: FamilySummary, st: _Styles) -> list[Flowable]:
    flow: list[Flowable] = [CondPageBreak(45 * mm), Paragraph("Who we have shared information with", st.h2)]
    if not s.sharing:
        return [*flow, Paragraph("We have not shared information about your family with anyone.", st.body)]
    flow.append(
        Paragraph(
            "Each time information about your family left us, or came to us from somewhere else. "
            "It says who it went to, what it was, and why.",
            st.body,
        )
    )
    body = [
        [
            Paragraph(_day(x.day), st.cell),
            Paragraph(DECISION_WORDS.get(x.decision, x.decision.label), st.cell),
            Paragraph(paragraph_text(x.with_whom), st.cell),
            Paragraph(paragraph_text(x.what), st.cell),
            Paragraph(paragraph_text(x.why), st.cell),
        ]
        for x in s.sharing
    ]
    header = _head(["Date", "What we did", "With whom", "What", "Why"], st)
    flow += chunked(header, body, [34 * mm, 30 * mm, 32 * mm, 42 * mm, CONTENT_WIDTH - 138 * mm])
    return flow


def _keeping_section(s: FamilySummary, st: _Styles) -> list[Flowable]:
    return [
        CondPageBreak(35 * mm),
        Paragraph("How long we keep it", st.h2),
        Paragraph(
            "We keep your records while we are working with your family. "
            f"When your file is closed, we keep it for {s.closed_years} more years. "
            "Then a manager checks it and decides if it can be deleted. "
            "Records about keeping a child safe are kept for longer: "
            f"until the youngest child is {s.safeguarding_age} years old.",
            st.body,
        ),
    ]


def _rights_section(s: FamilySummary, st: _Styles) -> list[Flowable]:
    setting = escape(s.setting.name)
    if s.managers:
        names = [escape(n) for n in s.managers]
        who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        ask = f"Ask our manager ({who})."
    else:
        ask = f"Ask the manager at {setting}."
    return [
        CondPageBreak(45 * mm),
        Paragraph("Asking for a copy, or for a change", st.h2),
        Paragraph(
            "You have the right to a full copy of everything we keep about you, including our staff's notes. "
            "This is called a <b>subject access request</b>. "
            f"{ask} You can ask face to face or in writing. We will reply within one month.",
            st.body,
        ),
        Paragraph(
            "If something we have written is wrong, tell us and we will correct it. "
            "You can also ask us to stop using some information, or to delete it.",
            st.body,
        ),
        Paragraph(
            "If you are unhappy with how we look after your information, please tell us first. "
            "You can also complain to the Information Commissioner's Office: ico.org.uk, 0303 123 1113.",
            st.body,
        ),
    ]


# --- the document ----------------------------------------------------------------------------------


def summary_title(s: FamilySummary) -> str:
    return f"Support you have had from {s.setting.name} (family {s.family.ref})"


def render_summary_pdf(s: FamilySummary) -> RenderedPdf:
    """The whole PDF, in memory (nothing is written to disk here)."""
    st = _Styles()
    story: list[Flowable] = []
    for section in (
        _intro,
        _family_section,
        _support_section,
        _referrals_section,
        _holdings_section,
        _sharing_section,
        _keeping_section,
        _rights_section,
    ):
        story += section(s, st)
    return render_document(
        story,
        title=summary_title(s),
        author=s.setting.name,
        subject=f"Family summary for {s.family.ref}",
        keywords="family summary, personal data",
        footer_left=f"{s.setting.name}: summary for {s.made_for or 'you'} ({s.family.ref}). Private.",
        header_right=f"{s.setting.name} \u00b7 {s.family.ref} \u00b7 {_day(s.produced_at.date())}",
    )

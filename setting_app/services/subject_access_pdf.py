"""The subject access pack as a readable PDF (reportlab), drawn only from a ``SubjectAccessPack``.

Real text throughout (``pdftotext`` and screen readers read it), "Page X of Y" footers, and plain
words for every code. Restricted (safeguarding-sensitive) records are marked "Restricted record".
"""

from __future__ import annotations

import functools
import itertools
import os
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from setting_app.services import audit
from setting_app.services.pdf_document import (
    MARGIN,
    PAGE_SIZE,
    RenderedPdf,
    chunked,
    grid,
    paragraph_text,
    render_document,
)
from setting_app.services.report_pdf import (
    category_label,
    format_day,
    setting_number_label,
)
from setting_app.services.subject_access import EntryVersion, PackEntry, PackReferral, SubjectAccessPack

CONTENT_WIDTH = PAGE_SIZE[0] - 2 * MARGIN
RESTRICTED_FILL = colors.HexColor("#FBE9E7")
RESTRICTED_MARK = "Restricted"

ACTION_WORDS = {
    audit.UNLOCK: "Unlocked the casebook",
    audit.UNLOCK_FAILED: "Failed unlock",
    audit.VIEW_FAMILY: "Opened the record",
    audit.VIEW_RESTRICTED: "Opened a restricted record",
    audit.CREATE: "Added",
    audit.UPDATE: "Changed",
    audit.AMEND: "Amended",
    audit.DELETE: "Deleted",
    audit.ERASE: "Erased",
    audit.EXPORT: "Exported",
    audit.PRINT: "Printed",
    audit.BACKUP: "Backed up",
    audit.RESTORE: "Restored",
    audit.ACCOUNT: "Staff account change",
    audit.SETTINGS: "Settings change",
    audit.RETENTION: "Retention decision",
}


#: Fonts with wide Unicode coverage (names in a pack can be Polish, Vietnamese, Turkish...): the
#: built-in Helvetica prints a black box for any letter outside Latin-1. Each set is (folders,
#: (regular, bold, italic, bold italic) file names); the first set found is used.
_UNICODE_FONT_SETS: tuple[tuple[tuple[str, ...], tuple[str, str, str, str]], ...] = (
    (
        ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF"),
        ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf"),
    ),
    (
        (os.path.join(os.environ.get("WINDIR", "C:\\Windows"), "Fonts"),),
        ("arial.ttf", "arialbd.ttf", "ariali.ttf", "arialbi.ttf"),
    ),
    (
        ("/System/Library/Fonts/Supplemental", "/Library/Fonts"),
        ("Arial.ttf", "Arial Bold.ttf", "Arial Italic.ttf", "Arial Bold Italic.ttf"),
    ),
)
PACK_FONT = "PackSans"


@functools.cache
def pack_fonts() -> tuple[str, str]:
    """(regular, bold) font names for the pack: a Unicode TrueType family when one is installed."""
    names = (PACK_FONT, f"{PACK_FONT}-Bold", f"{PACK_FONT}-Italic", f"{PACK_FONT}-BoldItalic")
    for folders, files in _UNICODE_FONT_SETS:
        for folder in folders:
            paths = [Path(folder) / name for name in files]
            if not (paths[0].is_file() and paths[1].is_file()):
                continue
            try:
                for i, name in enumerate(names):
                    path = paths[i] if paths[i].is_file() else paths[i % 2]
                    pdfmetrics.registerFont(TTFont(name, str(path)))
            except Exception:  # noqa: BLE001 (a damaged font file: try the next)
                continue
            pdfmetrics.registerFontFamily(
                PACK_FONT, normal=names[0], bold=names[1], italic=names[2], boldItalic=names[3]
            )
            return names[0], names[1]
    return "Helvetica", "Helvetica-Bold"


class _Styles:
    def __init__(self) -> None:
        base = getSampleStyleSheet()
        regular, bold = pack_fonts()
        self.body = ParagraphStyle("Body", parent=base["BodyText"], fontName=regular, fontSize=9, leading=12)
        self.title = ParagraphStyle(
            "Title",
            parent=base["Title"],
            fontName=bold,
            fontSize=18,
            leading=22,
            alignment=TA_LEFT,
        )
        self.subtitle = ParagraphStyle("Subtitle", parent=self.body, fontSize=12, leading=15, spaceAfter=4)
        self.h2 = ParagraphStyle(
            "H2",
            parent=base["Heading2"],
            fontName=bold,
            fontSize=12.5,
            leading=15,
            spaceBefore=10,
            spaceAfter=5,
        )
        self.h3 = ParagraphStyle(
            "H3",
            parent=self.body,
            fontName=bold,
            fontSize=10,
            leading=13,
            spaceBefore=8,
            spaceAfter=3,
        )
        self.small = ParagraphStyle("Small", parent=self.body, fontSize=8, leading=10)
        self.cell = ParagraphStyle("Cell", parent=self.body, fontSize=8, leading=10)
        self.cell_bold = ParagraphStyle("CellBold", parent=self.cell, fontName=bold)
        self.cell_small = ParagraphStyle(
            "CellSmall", parent=self.cell, fontSize=7.5, leading=9.2, textColor=colors.HexColor("#333333")
        )


def _day(value: date | None) -> str:
    return format_day(value) if value else ""


def _short_day(value: date | None) -> str:
    """For table cells: '1 Sep 2026' fits a narrow column on one line."""
    return f"{value.day} {value.strftime('%b %Y')}" if value else ""


def _when(value: datetime | None, *, short: bool = False) -> str:
    if value is None:
        return ""
    local = value.astimezone()
    day = _short_day(local.date()) if short else format_day(local.date())
    return f"{day} {local.strftime('%H:%M')}"


def _label(value: object) -> str:
    if value is None:
        return ""
    label = getattr(value, "label", None)
    if isinstance(label, str):
        return label
    return str(getattr(value, "value", value)).replace("_", " ").capitalize()


def _grid(rows: list[list[object]], widths: list[float], *, restricted_rows: tuple[int, ...] = ()) -> Table:
    return grid(rows, widths, padding=2.5, row_fills=dict.fromkeys(restricted_rows, RESTRICTED_FILL))


def _chunked(rows: list[list[object]], widths: list[float]) -> list[Flowable]:
    """A long table (header first) as consecutive tables, each with the header."""
    return chunked(rows[0], rows[1:], widths, padding=2.5)


def _key_values(rows: list[tuple[str, str]], st: _Styles, key_width: float = 42 * mm) -> Table:
    table = Table(
        [[Paragraph(k, st.cell_bold), Paragraph(v, st.cell)] for k, v in rows if v],
        colWidths=[key_width, CONTENT_WIDTH - key_width],
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
    return table


def _head(cells: list[str], st: _Styles) -> list[Paragraph]:
    return [Paragraph(c, st.cell_bold) for c in cells]


# --- sections ------------------------------------------------------------------------------------


def _intro(pack: SubjectAccessPack, st: _Styles) -> list[Flowable]:
    setting = pack.setting
    title = (
        f"Subject access pack: {escape(pack.child.name)}"
        if pack.child
        else f"Subject access pack: {escape(pack.made_for)}"
        if pack.made_for
        else f"Subject access pack: family {escape(pack.family.ref)}"
    )
    rows = [
        ("Setting", escape(setting.name)),
        (setting_number_label(setting.nation), escape(setting.urn)),
        ("Family reference", escape(pack.family.ref)),
        (
            "About",
            escape(f"{pack.child.name}, one child of the family")
            if pack.child
            else escape(pack.made_for or "The whole family"),
        ),
        ("Produced", f"{_when(pack.produced_at)} by {escape(pack.produced_by)}"),
        ("Prepared for", escape(pack.recipient)),
    ]
    if pack.received_on is not None and pack.due_on is not None:
        rows += [
            ("Request received", _day(pack.received_on)),
            ("Reply due by", f"{_day(pack.due_on)} (one calendar month)"),
        ]
    scope = (
        f"It holds {escape(pack.child.name)}'s details, the support entries and referrals about "
        f"{escape(pack.child.name)} and those about the whole family, "
        if pack.child
        else f"It holds {escape(pack.made_for)}'s details, the children's, the support entries and "
        f"referrals about {escape(pack.made_for)} and the whole family, "
        if pack.made_for
        else "It holds the family's details, carers and children, every support entry and referral, "
    )
    flow: list[Flowable] = [
        Paragraph(title, st.title),
        Paragraph("A copy of the personal information held in the family support casebook", st.subtitle),
        _key_values(rows, st),
        Spacer(1, 4 * mm),
        Paragraph(
            f"This pack is a copy of the information {escape(setting.name)} holds about "
            f"{escape(pack.subject)} in its family support casebook on {_day(pack.produced_at.date())}. "
            + scope
            + "earlier versions of any entry that was corrected, the record of when information about "
            "the family was shared and with whom, and a list of every time staff opened, changed or "
            "exported these records.",
            st.body,
        ),
    ]
    counts = [
        f"{len(pack.entries)} support entr{'y' if len(pack.entries) == 1 else 'ies'}",
        f"{len(pack.referrals)} referral{'' if len(pack.referrals) == 1 else 's'}",
        f"{len(pack.sharing)} information-sharing record{'' if len(pack.sharing) == 1 else 's'}",
        f"{len(pack.audit)} access record{'' if len(pack.audit) == 1 else 's'}",
    ]
    flow.append(Paragraph("In this pack: " + ", ".join(counts) + ".", st.body))
    if pack.redactions:
        flow.append(
            Paragraph(
                f"{pack.redactions} passage{' has' if pack.redactions == 1 else 's have'} been replaced by "
                "<b>[redacted]</b> because they named or identified other people.",
                st.body,
            )
        )
    # Said in every pack, whether or not anything was held back, so it gives nothing away.
    flow.append(
        Paragraph(
            "The law allows some information to be held back from a copy like this one: information about "
            "other people, and information that could cause serious harm to someone or that is about "
            "keeping a child safe (Data Protection Act 2018, Schedules 2 and 3). We looked at every record "
            "before making this copy. If you think something is missing, please ask us, or contact the "
            "Information Commissioner's Office.",
            st.body,
        )
    )
    restricted = sum(e.restricted for e in pack.entries) + sum(x.restricted for x in pack.referrals)
    if restricted:
        flow.append(
            Paragraph(
                f"{restricted} record{' is' if restricted == 1 else 's are'} marked <b>{RESTRICTED_MARK}</b>: "
                "safeguarding-sensitive records that only managers of the setting can see.",
                st.body,
            )
        )
    return flow


def _family_section(pack: SubjectAccessPack, st: _Styles) -> list[Flowable]:
    family = pack.family
    la = escape(family.home_la_code)
    rows = [
        ("Reference", escape(family.ref)),
        ("Opened", _day(family.opened_on)),
        ("Closed", _day(family.closed_on) or "Still open"),
        ("Postcode", escape(family.postcode)),
        ("Home local authority", la),
        ("Key worker", escape(pack.staff_name(family.key_worker_id))),
        ("Notes", paragraph_text(family.notes)),
    ]
    flow: list[Flowable] = [Paragraph("Family details", st.h2), _key_values(rows, st)]
    flow.append(Paragraph("Parents and carers", st.h3))
    if family.carers:
        table_rows = [_head(["Name", "Relationship", "Phone"], st)]
        table_rows += [
            [
                Paragraph(paragraph_text(c.name), st.cell),
                Paragraph(paragraph_text(c.relationship), st.cell),
                Paragraph(paragraph_text(c.phone), st.cell),
            ]
            for c in family.carers
        ]
        flow.append(_grid(table_rows, [70 * mm, 50 * mm, CONTENT_WIDTH - 120 * mm]))
    else:
        flow.append(Paragraph("None recorded.", st.body))
    flow.append(Paragraph("Child" if pack.child else "Children", st.h3))
    if pack.children:
        table_rows = [_head(["Name", "Date of birth"], st)]
        table_rows += [
            [
                Paragraph(paragraph_text(c.name), st.cell),
                Paragraph(_day(c.date_of_birth) or "Not recorded", st.cell),
            ]
            for c in pack.children
        ]
        flow.append(_grid(table_rows, [70 * mm, CONTENT_WIDTH - 70 * mm]))
    else:
        flow.append(Paragraph("None recorded.", st.body))
    return flow


def _entry_what(pack: SubjectAccessPack, domain, kind, activity_code, minutes, contact_mode) -> str:
    nation = pack.setting.nation
    parts = [domain.label(nation), f"{kind.label.lower()} support"]
    if activity_code:
        parts.append(pack.activity_labels.get((domain, activity_code), activity_code.replace("_", " ")))
    parts.append(f"{minutes} min")
    parts.append(contact_mode.label.lower())
    return escape(", ".join(parts))


def _entries_section(pack: SubjectAccessPack, st: _Styles) -> list[Flowable]:
    flow: list[Flowable] = [CondPageBreak(40 * mm), Paragraph("Support entries", st.h2)]
    if not pack.entries:
        return [*flow, Paragraph("There are no support entries.", st.body)]
    flow.append(
        Paragraph(
            "Each piece of support the setting logged, oldest first. A corrected entry shows its current "
            "version, with each earlier version beneath it.",
            st.body,
        )
    )
    widths = [28 * mm, 24 * mm, 38 * mm, 24 * mm, CONTENT_WIDTH - 114 * mm]
    # One table per month, under the month's name: easier to find a date in, and reportlab splits
    # many short tables across pages far faster than one long one.
    for month, items in itertools.groupby(
        pack.entries, key=lambda item: item.entry.entry_date.replace(day=1)
    ):
        rows: list[list[object]] = [_head(["Date", "About", "Support", "Recorded by", "Note"], st)]
        restricted_rows: list[int] = []
        spans: list[int] = []
        for item in items:
            rows.append(_entry_row(pack, item, st))
            if item.restricted:
                restricted_rows.append(len(rows) - 1)
            for v in item.earlier:
                rows.append(["", Paragraph(_earlier_text(pack, v), st.cell_small), "", "", ""])
                spans.append(len(rows) - 1)
        table = _grid(rows, widths, restricted_rows=tuple(restricted_rows))
        table.setStyle(TableStyle([("SPAN", (1, r), (-1, r)) for r in spans]))
        flow += [CondPageBreak(25 * mm), Paragraph(month.strftime("%B %Y"), st.h3), table]
    return flow


def _earlier_text(pack: SubjectAccessPack, v: EntryVersion) -> str:
    replaced = f"replaced {_when(v.replaced_at)}"
    if v.replaced_by:
        replaced += f" by {escape(v.replaced_by)}"
    return (
        f"<b>Earlier version {v.version}</b> ({replaced}; reason: {paragraph_text(v.reason) or 'not given'}): "
        f"{_day(v.entry_date)}, {escape(pack.child_name(v.child_id))}, "
        f"{_entry_what(pack, v.domain, v.kind, v.activity_code, v.minutes, v.contact_mode)}"
        + (f", {RESTRICTED_MARK.lower()}" if v.restricted else "")
        + f". Note: {paragraph_text(v.note) or '(none)'}"
    )


def _entry_row(pack: SubjectAccessPack, item: PackEntry, st: _Styles) -> list[object]:
    e = item.entry
    date_text = _short_day(e.entry_date)
    if item.restricted:
        date_text += f"<br/><b>{RESTRICTED_MARK}</b>"
    if item.version > 1:
        date_text += f"<br/>Version {item.version}"
    if e.follow_up_on:
        date_text += f"<br/>Follow up {_short_day(e.follow_up_on)}"
    return [
        Paragraph(date_text, st.cell),
        Paragraph(escape(e.carer or pack.child_name(e.child_id)), st.cell),
        Paragraph(_entry_what(pack, e.domain, e.kind, e.activity_code, e.minutes, e.contact_mode), st.cell),
        Paragraph(escape(pack.staff_name(e.staff_id)), st.cell),
        Paragraph(paragraph_text(e.note), st.cell),
    ]


def _referrals_section(pack: SubjectAccessPack, st: _Styles) -> list[Flowable]:
    flow: list[Flowable] = [CondPageBreak(50 * mm), Paragraph("Referrals", st.h2)]
    if not pack.referrals:
        return [*flow, Paragraph("There are no referrals.", st.body)]
    flow.append(
        Paragraph(
            "Each time the setting referred the family to another service or helped them contact one, "
            "with the consent recorded, every change of status and every time the service was chased.",
            st.body,
        )
    )
    for item in pack.referrals:
        flow += _referral_block(pack, item, st)
    return flow


def _referral_block(pack: SubjectAccessPack, item: PackReferral, st: _Styles) -> list[Flowable]:
    x = item.referral
    nation = pack.setting.nation
    heading = f"{escape(x.service_name)}, {_day(x.made_on)}"
    if item.restricted:
        heading += f" ({RESTRICTED_MARK})"
    consent = _label(x.consent)
    if x.consent_given_by or x.consent_given_on:
        consent = f"Given by {escape(x.consent_given_by) or '(name not recorded)'}"
        if x.consent_given_on:
            consent += f" on {_day(x.consent_given_on)}"
    rows = [
        ("About", escape(x.carer or pack.child_name(x.child_id))),
        ("Service", f"{escape(x.service_name)} ({escape(category_label(x.service_category, nation))})"),
        ("Need", escape(x.domain.label(nation))),
        ("How", escape(f"{_label(x.route)}, {_label(x.urgency).lower()}")),
        ("Status now", escape(_label(x.status))),
        ("Made by", escape(pack.staff_name(x.made_by))),
        ("Why", paragraph_text(x.reason)),
        ("Consent", consent),
        ("What consent covers", paragraph_text(x.consent_scope)),
        ("Consent note", paragraph_text(x.consent_note)),
        ("Lawful basis", escape(_label(x.lawful_basis))),
        ("Why consent was not relied on", paragraph_text(x.override_rationale)),
        ("Decided by", escape(pack.staff_name(x.override_by))),
        ("Response expected", _day(x.expected_response_on)),
        ("Next follow-up", _day(x.due_on)),
        ("Note", paragraph_text(x.note)),
    ]
    block: list[Flowable] = [Paragraph(heading, st.h3), _key_values(rows, st, 48 * mm)]
    if item.history:
        table_rows = [_head(["Date", "Status", "Reason", "By", "Note"], st)]
        table_rows += [
            [
                Paragraph(_short_day(h.changed_on), st.cell),
                Paragraph(escape(_label(h.status)), st.cell),
                Paragraph(escape(_label(h.reason)), st.cell),
                Paragraph(escape(pack.staff_name(h.changed_by)), st.cell),
                Paragraph(paragraph_text(h.note), st.cell),
            ]
            for h in item.history
        ]
        block += [Spacer(1, 2 * mm), Paragraph("<i>Status history</i>", st.small)]
        block.append(_grid(table_rows, [27 * mm, 24 * mm, 30 * mm, 28 * mm, CONTENT_WIDTH - 109 * mm]))
    if item.chases:
        table_rows = [_head(["Chased on", "By", "Next due", "Note"], st)]
        table_rows += [
            [
                Paragraph(_short_day(c.chased_on), st.cell),
                Paragraph(escape(pack.staff_name(c.chased_by)), st.cell),
                Paragraph(_short_day(c.next_due_on), st.cell),
                Paragraph(paragraph_text(c.note), st.cell),
            ]
            for c in item.chases
        ]
        block += [Spacer(1, 2 * mm), Paragraph("<i>Chases</i>", st.small)]
        block.append(_grid(table_rows, [27 * mm, 28 * mm, 27 * mm, CONTENT_WIDTH - 82 * mm]))
    block.append(Spacer(1, 3 * mm))
    return [KeepTogether(block)]


def _sharing_section(pack: SubjectAccessPack, st: _Styles) -> list[Flowable]:
    flow: list[Flowable] = [CondPageBreak(40 * mm), Paragraph("Information sharing", st.h2)]
    if not pack.sharing:
        return [*flow, Paragraph("No sharing of information about the family has been recorded.", st.body)]
    flow.append(
        Paragraph(
            "Every time information about the family left the setting, and every decision not to share it, "
            "with the reasons.",
            st.body,
        )
    )
    rows: list[list[object]] = [_head(["Date", "Decision", "With", "What and why", "Basis", "By"], st)]
    for s in pack.sharing:
        decision = s.decision.label
        basis = ", ".join(
            b
            for b in (_label(s.lawful_basis), _label(s.consent) and f"consent {_label(s.consent).lower()}")
            if b
        )
        what = f"{paragraph_text(s.what)}<br/><i>Why:</i> {paragraph_text(s.purpose)}"
        if s.reason:
            what += f"<br/><i>Reason:</i> {paragraph_text(s.reason)}"
        if s.method:
            what += f"<br/><i>How:</i> {paragraph_text(s.method)}"
        rows.append(
            [
                Paragraph(_short_day(s.decided_on), st.cell),
                Paragraph(f"{decision}<br/>{escape(_label(s.occasion))}", st.cell),
                Paragraph(paragraph_text(s.recipient), st.cell),
                Paragraph(what, st.cell),
                Paragraph(escape(basis), st.cell),
                Paragraph(escape(s.recorded_by_name), st.cell),
            ]
        )
    flow += _chunked(rows, [20 * mm, 20 * mm, 26 * mm, CONTENT_WIDTH - 114 * mm, 26 * mm, 22 * mm])
    return flow


def _audit_section(pack: SubjectAccessPack, st: _Styles) -> list[Flowable]:
    flow: list[Flowable] = [CondPageBreak(40 * mm), Paragraph("Who has accessed these records", st.h2)]
    if not pack.audit:
        return [*flow, Paragraph("No access to these records has been recorded.", st.body)]
    flow.append(
        Paragraph(
            "From the casebook's audit trail: every time a member of staff opened, added to, changed or "
            "exported the family's records, oldest first. The audit trail holds no notes.",
            st.body,
        )
    )
    rows: list[list[object]] = [_head(["When", "Who", "What", "Record", "Detail"], st)]
    for a in pack.audit:
        who = pack.staff_names.get(a.staff_id, "") if a.staff_id is not None else ""
        who = f"{who} ({a.username})" if who and who != a.username else a.username
        record = a.object_type.replace("_", " ")
        # No record numbers: the pack does not number its entries, and a run of numbers with a gap
        # could hint at a record held back.
        if a.object_id is not None and record and a.object_type not in ("entry", "referral"):
            record += f" #{a.object_id}"
        rows.append(
            [
                Paragraph(_when(a.at, short=True), st.cell),
                Paragraph(escape(who), st.cell),
                Paragraph(
                    escape(ACTION_WORDS.get(a.action, a.action.replace("_", " ").capitalize())), st.cell
                ),
                Paragraph(escape(record), st.cell),
                Paragraph(escape(a.detail.replace("_", " ")), st.cell_small),
            ]
        )
    flow += _chunked(rows, [36 * mm, 40 * mm, 34 * mm, 24 * mm, CONTENT_WIDTH - 134 * mm])
    return flow


def _about_section(pack: SubjectAccessPack, st: _Styles) -> list[Flowable]:
    """What UK GDPR asks a subject access response to say besides the copy of the data."""
    name = escape(pack.setting.name)
    items = [
        (
            "Why we hold it",
            f"{name} records the support it gives families and the referrals it makes, to plan and follow up "
            "that support, to keep children safe, and to report figures to the local authority. Those "
            "figures are counts only: they name no family or child.",
        ),
        (
            "Where it came from",
            "From the family, from the setting's staff, and from services the family was referred to.",
        ),
        (
            "Who it has been shared with",
            "The services listed under Information sharing above, each time with the reason and what it "
            "relied on (consent or another lawful basis).",
        ),
        (
            "How long it is kept",
            "Records are reviewed under the setting's retention schedule once the family's file is closed; "
            "records touching safeguarding are kept longer. Nothing is deleted without a manager's decision.",
        ),
        (
            "Your rights",
            "You can ask for anything inaccurate to be corrected, for information to be deleted or its use "
            "limited, and you can object to how it is used. Ask the setting's manager. If you are unhappy "
            "with the answer you can complain to the Information Commissioner's Office: ico.org.uk, "
            "0303 123 1113.",
        ),
    ]
    return [
        CondPageBreak(50 * mm),
        Paragraph("About this information", st.h2),
        _key_values([(k, v) for k, v in items], st, 44 * mm),
    ]


# --- the document ----------------------------------------------------------------------------------


def render_pack_pdf(pack: SubjectAccessPack) -> RenderedPdf:
    """The whole PDF, in memory (nothing is written to disk here)."""
    st = _Styles()
    story: list[Flowable] = []
    story += _intro(pack, st)
    story += _family_section(pack, st)
    story += _entries_section(pack, st)
    story += _referrals_section(pack, st)
    story += _sharing_section(pack, st)
    story += _audit_section(pack, st)
    story += _about_section(pack, st)
    return render_document(
        story,
        title=f"Subject access pack: {pack.subject}",
        author=f"{pack.produced_by}, {pack.setting.name}",
        subject=f"Personal information held by {pack.setting.name}",
        keywords="subject access, personal data",
        footer_left=f"{pack.setting.name}: subject access pack, {pack.family.ref}. Confidential.",
        header_right=f"{pack.setting.name} \u00b7 {pack.family.ref} \u00b7 {_day(pack.produced_at.date())}",
    )

"""A family-facing summary: "Support you have had from <setting>", in plain words, to hand to a family.

It says who the family is as recorded, the support they have had, who they were referred to and what
happened, what the setting holds about them and has shared (and with whom), how long it is kept, and
how to ask for a copy or a correction. It is the family's own information, so any member of staff may
make one; but only a manager may include the notes staff write for each other (off by default, and
the summary says so either way).

A summary is made for one person: a named carer (or a young person), never "the family". Sensitive
items (domestic abuse, children's social care, mental health, sexual health, substance use, anything
marked sensitive in Settings, restricted records, safeguarding discussions) and another carer's items
are left out by default, by the one rule in ``domain.sensitivity``; the other carers' details are not
shown either. A manager reviews what was left out and may put an item back in with a reason
(``services.document_review``); that decision is kept and audited when the summary is saved or
printed. Everything the summary counts, it counts over what it shows.

A practitioner gets no summary while the family has any restricted record (they must not learn that
such records exist, nor review them): they are told to ask a manager. A manager gets one with the
restricted records left out.

Saving or printing one writes a PRINT audit row (no personal data) in the same transaction as the
restricted check and the file's rename into place (or the printing): if the file cannot be written or
the printer fails, no audit row claims it was produced.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from setting_app.domain.codes import ContactMode, Domain, Kind, Nation, ReferralStatus, ServiceCategory
from setting_app.domain.errors import AppError
from setting_app.domain.models import Child, Family, SettingDetails, SupportEntry
from setting_app.domain.referrals import Route, SharingDecision, SharingRecord, StatusReason
from setting_app.services import audit, document_review, families, retention, support_log
from setting_app.services.document_review import Assessment, Choices, LeftOut
from setting_app.services.session import Session
from setting_app.storage import (
    entry_repo,
    family_repo,
    referral_repo,
    sharing_repo,
    staff_repo,
    transfer_repo,
)
from setting_app.storage.database import Connection
from setting_app.storage.fsutil import temp_file_beside
from setting_app.storage.sharing_repo import SharingFilter
from setting_app.storage.unit_of_work import unit_of_work

#: The audit detail's first words (the rest: how it was produced, page count, notes or not).
AUDIT_DETAIL = "family summary"


class SummaryWithheld(AppError):
    """The family has restricted records: no summary may be produced until the marks are lifted."""


# --- plain words ----------------------------------------------------------------------------------

CONTACT_WORDS: dict[ContactMode, str] = {
    ContactMode.IN_PERSON: "Face to face",
    ContactMode.PHONE: "Phone call",
    ContactMode.HOME_VISIT: "Home visit",
    ContactMode.MEETING: "Meeting",
    ContactMode.MESSAGE: "Message",
}

#: Service kinds in everyday words (the directory's own labels use abbreviations such as "incl.").
SERVICE_WORDS: dict[ServiceCategory, str] = {
    ServiceCategory.HEALTH_VISITING: "Health visiting",
    ServiceCategory.SPEECH_LANGUAGE: "Speech and language therapy",
    ServiceCategory.GP_PRIMARY_CARE: "GP (family doctor)",
    ServiceCategory.MENTAL_HEALTH: "Mental health support",
    ServiceCategory.FAMILY_HUB: "Family hub",
    ServiceCategory.EARLY_HELP: "Early help (extra support for families)",
    ServiceCategory.SOCIAL_CARE: "Children's social care",
    ServiceCategory.SEND_SUPPORT: "Support for special educational needs",
    ServiceCategory.HOUSING: "Housing",
    ServiceCategory.FOOD_ESSENTIALS: "Food and essentials",
    ServiceCategory.DEBT_BENEFITS: "Money, debt and benefits advice",
    ServiceCategory.DOMESTIC_ABUSE: "Domestic abuse support",
    ServiceCategory.OTHER: "Other support",
}


def service_words(category: ServiceCategory, nation: Nation) -> str:
    if category is ServiceCategory.SEND_SUPPORT and nation is Nation.SCOTLAND:
        return "Support for additional support needs"
    return SERVICE_WORDS[category]


def area_meaning(domain: Domain, nation: Nation) -> str:
    """What each area of need means, for the key under the support table."""
    if domain is Domain.INCLUSION_SEND:
        if nation is Nation.SCOTLAND:
            return "help for children who need extra support with their learning (additional support needs)"
        return "help for children with special educational needs or a disability"
    return {
        Domain.CHILD_DEVELOPMENT: "help with how your child is growing, learning and playing, at home too",
        Domain.FAMILY_WELLBEING: "help with how your family is feeling and getting on",
        Domain.FINANCIAL_HARDSHIP: "help with money, food, housing and other things you need",
    }[domain]


ROUTE_WORDS: dict[Route, str] = {
    Route.REFERRED: "We referred you",
    Route.SUPPORTED_SELF_REFERRAL: "We helped you contact them",
    Route.SIGNPOSTED: "We gave you their details",
}

_STATUS_WORDS: dict[ReferralStatus, str] = {
    ReferralStatus.DRAFT: "We have not sent this yet.",
    ReferralStatus.SENT: "We sent it. We are waiting to hear back.",
    ReferralStatus.ACKNOWLEDGED: "They told us they got it.",
    ReferralStatus.WAITLISTED: "You are on their waiting list.",
    ReferralStatus.ACCEPTED: "They said yes. They will help you.",
    ReferralStatus.SEEN: "They have seen you.",
    ReferralStatus.COMPLETED: "They have finished helping you.",
    ReferralStatus.DECLINED: "They said no.",
    ReferralStatus.WITHDRAWN: "It was stopped.",
}

_REASON_WORDS: dict[StatusReason, str] = {
    StatusReason.NOT_ELIGIBLE: "The service said it was not the right one for you.",
    StatusReason.WAITING_LIST_CLOSED: "Their waiting list was closed.",
    StatusReason.FAMILY_DECLINED: "You decided not to go ahead.",
    StatusReason.NO_RESPONSE: "The service did not reply.",
    StatusReason.DUPLICATE: "It was sent twice by mistake.",
    StatusReason.OTHER: "",
}


def status_words(status: ReferralStatus, route: Route = Route.REFERRED) -> str:
    """What happened to a referral, in a short plain sentence."""
    if status is ReferralStatus.SENT and route is Route.SIGNPOSTED:
        return "We gave you their details."
    if status is ReferralStatus.SENT and route is Route.SUPPORTED_SELF_REFERRAL:
        return "You contacted them. We are waiting to hear what happened."
    return _STATUS_WORDS[status]


def as_said_by(text: str, setting_name: str) -> str:
    """Words written as this setting ("We referred you") for another setting's work."""
    return f"{setting_name}{text[2:]}" if setting_name and text.startswith("We ") else text


def reason_words(reason: StatusReason | None) -> str:
    return _REASON_WORDS.get(reason, "") if reason is not None else ""


def duration_words(minutes: int) -> str:
    """'45 minutes', '1 hour', '2 hours 15 minutes'."""
    hours, rest = divmod(max(0, int(minutes)), 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


#: The built-in activity types in words for parents (the staff labels say "signposting", "liaison").
ACTIVITY_WORDS: dict[str, str] = {
    "home_learning_pack": "Things to help your child learn at home",
    "development_advice": "Advice on how your child is growing, or on routines",
    "stay_and_play": "A stay-and-play or parent session",
    "progress_check": "A talk about how your child is getting on",
    "health_visitor_liaison": "We talked to your health visitor",
    "support_plan": "A plan for your child's extra support, or a check of how it is going",
    "ehcp_application": "Help asking for an assessment or plan for your child's needs",
    "inclusion_advice": "Advice on helping your child join in",
    "specialist_liaison": "We talked to a specialist who helps your child",
    "transition_support": "Help getting ready for a new room, nursery or school",
    "wellbeing_checkin": "A chat about how you are",
    "parenting_support": "Support with parenting",
    "mental_health_signpost": "We put you in touch with support for how you are feeling",
    "safeguarding_discussion": "A talk about keeping your child safe",
    "early_help_contact": "We asked early help to support your family",
    "food_bank_voucher": "A food bank or baby bank voucher",
    "benefits_form_help": "Help with a benefits or funding form",
    "debt_advice_signpost": "We put you in touch with money or debt advice",
    "housing_signpost": "We put you in touch with help with housing",
    "essentials_provided": "Clothes, nappies or other things you needed",
}


def plain_activity(code: str | None, label: str) -> str:
    """An activity in words for parents: the built-in wording, or the setting's own label made plain."""
    if code and code in ACTIVITY_WORDS:
        return ACTIVITY_WORDS[code]
    text = label.strip()
    for staff_word, plain in (
        ("Signposting to ", "We put you in touch with "),
        ("Signposting ", "We put you in touch with "),
        ("signposting", "putting you in touch"),
        ("Signposted to ", "We put you in touch with "),
        ("Liaison with ", "We talked to "),
    ):
        text = text.replace(staff_word, plain)
    return text


def describe_support(entry: SupportEntry, activity_label: str, nation: Nation) -> str:
    """What was done, from the activity type, or in general words for the area when none was chosen."""
    if activity_label or entry.activity_code in ACTIVITY_WORDS:
        return plain_activity(entry.activity_code, activity_label)
    label = entry.domain.label(nation)
    area = label[:1].lower() + label[1:]  # "inclusion and SEND": keep the capitals of an abbreviation
    if entry.kind is Kind.INDIRECT:
        return f"Helped you get support with {area}"
    return f"Support with {area}"


# --- what a summary holds ----------------------------------------------------------------------


@dataclass(frozen=True)
class SupportLine:
    day: date
    #: The child's name, or "The whole family".
    about: str
    domain: Domain
    what: str
    how: str
    minutes: int
    #: Staff's note: empty unless notes were included.
    note: str = ""
    #: The setting that gave this support, when it came with the family's record from there.
    from_setting: str = ""

    @property
    def described(self) -> str:
        """What was done, saying where when it was another setting's work."""
        return f"{self.what} (at {self.from_setting})" if self.from_setting else self.what


@dataclass(frozen=True)
class ReferralLine:
    made_on: date
    about: str
    service: str
    kind_of_service: str
    how: str
    #: The status now, in a plain sentence.
    happened: str
    #: Since when (the latest change of status), when known.
    since: date | None
    #: Why it was declined or stopped, when recorded.
    why_ended: str = ""
    note: str = ""
    #: The setting that made this referral, when it came with the family's record from there.
    from_setting: str = ""


@dataclass(frozen=True)
class SharingLine:
    day: date
    decision: SharingDecision
    with_whom: str
    what: str
    why: str


@dataclass(frozen=True)
class FamilySummary:
    setting: SettingDetails
    family: Family
    children: tuple[Child, ...]
    support: tuple[SupportLine, ...]
    referrals: tuple[ReferralLine, ...]
    sharing: tuple[SharingLine, ...]
    #: The kinds of information held about the family, in plain words.
    holdings: tuple[str, ...]
    #: Years records are kept after the file closes, and the age records about safety are kept to.
    closed_years: int
    safeguarding_age: int
    key_worker: str
    #: Managers' names: who to ask for a copy or a correction.
    managers: tuple[str, ...]
    include_notes: bool
    produced_at: datetime
    produced_by: str
    #: List every time the setting helped (always, with notes); otherwise one line per month.
    every_visit: bool = False
    #: Support the family will read about that a manager should look at first (for example a
    #: safeguarding discussion not marked restricted): plain labels with how many times.
    check_first: tuple[str, ...] = ()
    #: Where and when the family's record came from, if another setting sent it here.
    received_from: str = ""
    received_on: date | None = None
    #: Who the summary is for (a carer's name, or a young person's), and the review behind it.
    made_for: str = ""
    assessment: Assessment | None = None
    choices: Choices | None = None
    #: The left-out items that stay out, and the ones a manager put back in (with the reasons).
    left_out: tuple[LeftOut, ...] = ()
    put_back: tuple[LeftOut, ...] = ()

    @property
    def nation(self) -> Nation:
        return self.setting.nation

    @property
    def carer_names(self) -> str:
        """Who the summary is for (one person: a document is never for "the family")."""
        return self.made_for

    @property
    def own_carers(self) -> tuple:
        """The carers whose details the summary shows: only the person it is for."""
        key = " ".join(self.made_for.lower().split())
        return tuple(c for c in self.family.carers if " ".join(c.name.lower().split()) == key)

    @property
    def total_minutes(self) -> int:
        return sum(line.minutes for line in self.support)

    @property
    def own_support(self) -> tuple[SupportLine, ...]:
        """The support this setting gave (not what came with the record from another setting)."""
        return tuple(line for line in self.support if not line.from_setting)

    @property
    def received_support(self) -> tuple[SupportLine, ...]:
        return tuple(line for line in self.support if line.from_setting)


@dataclass(frozen=True)
class PreparedSummary:
    """A summary and its PDF, rendered in memory and not yet saved or printed."""

    summary: FamilySummary
    pdf: bytes
    pages: int


# --- the restricted check ------------------------------------------------------------------------


def restricted_counts(conn: Connection, family_id: int) -> tuple[int, int]:
    """(restricted entries, restricted referrals) for the family, counting every record."""
    row = conn.execute(
        """SELECT (SELECT count(*) FROM support_entries WHERE family_id = ? AND restricted = 1),
                  (SELECT count(*) FROM referrals WHERE family_id = ? AND restricted = 1)""",
        (family_id, family_id),
    ).fetchone()
    return int(row[0]), int(row[1])


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def check_not_withheld(session: Session, family: Family) -> None:
    """For a practitioner, raise ``SummaryWithheld`` while the family has any restricted record.

    A manager's summary leaves the restricted records out instead (they are listed at the review).
    """
    entries, referrals = restricted_counts(session.conn, family.id)
    if not (entries or referrals) or session.user.is_manager:
        return
    raise SummaryWithheld(
        f"A summary cannot be printed for {family.ref} at the moment. Ask a manager about it."
    )


# --- gathering -----------------------------------------------------------------------------------


def _family_by_ref_or_id(session: Session, family: str | int) -> Family:
    return (
        families.get_family(session, family)
        if isinstance(family, int)
        else families.find_family(session, family)
    )


#: Activities whose mention in a family's own summary a manager should weigh before handing it over.
CHECK_FIRST_ACTIVITIES: frozenset[str] = frozenset({"safeguarding_discussion"})


def _check_first(entries, labels: dict) -> tuple[str, ...]:
    counts: dict[str, int] = {}
    for e in entries:
        if e.activity_code in CHECK_FIRST_ACTIVITIES:
            label = labels.get((e.domain, e.activity_code), e.activity_code)
            counts[label] = counts.get(label, 0) + 1
    return tuple(f"{label} ({n})" for label, n in sorted(counts.items()))


def left_out_note(summary: FamilySummary) -> str:
    """A sentence for the person making the summary: what was left out, and how to review it."""
    n, back = len(summary.left_out), len(summary.put_back)
    if not n and not back:
        return ""
    text = ""
    if n:
        text = (
            f"{_plural(n, 'item was', 'items were')} left out of the summary for {summary.made_for} "
            "(sensitive, or about someone else). A manager can review them and put one in with a reason."
        )
    if back:
        text += f" A manager put {_plural(back, 'left-out item', 'left-out items')} back in."
    return text.strip()


def check_first_warning(summary: FamilySummary) -> str:
    """A sentence for the person printing, or "" when nothing needs a second look."""
    if not summary.check_first:
        return ""
    return (
        "Check before handing it over: the family will read that the setting recorded "
        f"{', '.join(summary.check_first)}. If telling them could put a child at risk, do not give it; "
        "a manager can mark those entries restricted instead."
    )


def assess_summary(session: Session, family: str | int, person: str | None = None) -> Assessment:
    """What a summary for ``person`` leaves out by default, and why (the review's list)."""
    found = _family_by_ref_or_id(session, family)
    check_not_withheld(session, found)
    reader = document_review.reader_for(session, found, person)
    return document_review.assess(session, found, reader, document_review.FAMILY_SUMMARY)


def review_file(session: Session, family: str | int, person: str | None, target: Path) -> Assessment:
    """Write the review (every left-out item with why) as JSON at ``target``; no summary is made."""
    assessment = assess_summary(session, family, person)
    document_review.write_review_file(target, document_review.review_document(assessment))
    return assessment


def gather_summary(
    session: Session,
    family: str | int,
    *,
    person: str | None = None,
    include_notes: bool = False,
    every_visit: bool = False,
    choices: Choices | None = None,
    review: Path | None = None,
) -> FamilySummary:
    """Everything the summary for ``person`` says, for one family only (by reference or id).

    Left-out items stay out unless ``choices`` (or the review file ``review``) puts them back in.
    """
    if include_notes:
        session.require_manager("include staff notes in a family summary")
    conn = session.conn
    found = _family_by_ref_or_id(session, family)
    assessment = assess_summary(session, found.id, person)
    if review is not None:
        choices = document_review.read_review(review, assessment)
    document_review.check_choices(session, assessment, choices)
    shown_back = document_review.include_keys(assessment, choices)
    hidden = assessment.left_out_keys() - shown_back
    nation = session.setting.nation
    every_child = tuple(family_repo.list_children(conn, found.id))
    child_names = {c.id: c.name for c in every_child}
    # A young person's summary shows their own details, not their brothers' and sisters'.
    reader = assessment.reader
    children = (
        tuple(c for c in every_child if c.id == reader.child_id) if reader.is_young_person else every_child
    )

    def about(child_id: int | None, carer: str = "") -> str:
        if carer.strip():  # the reader's own item says "You"; another's (put back by a manager), the name
            return (
                "You" if " ".join(carer.lower().split()) == " ".join(reader.name.lower().split()) else carer
            )
        return child_names.get(child_id, "Your child") if child_id is not None else "The whole family"

    labels = support_log.activity_labels(session)
    # A family received from another setting: its history there is that setting's work, not ours.
    arrived = transfer_repo.received_for_family(conn, found.id)
    sender = arrived.other_setting_name if arrived else ""
    received_entries = transfer_repo.received_entry_ids(conn, found.id) if arrived else set()
    received_referrals = transfer_repo.received_referral_ids(conn, found.id) if arrived else set()
    # Every record is read, then what is left out (restricted, sensitive, another carer's) is dropped.
    entries = [e for e in entry_repo.list_family_entries(conn, found.id) if f"entry-{e.id}" not in hidden]
    support = tuple(
        SupportLine(
            day=e.entry_date,
            about=about(e.child_id, e.carer),
            domain=e.domain,
            what=describe_support(e, labels.get((e.domain, e.activity_code or ""), ""), nation),
            how=CONTACT_WORDS.get(e.contact_mode, e.contact_mode.label),
            minutes=e.minutes,
            note=e.note if include_notes else "",
            from_setting=sender if e.id in received_entries else "",
        )
        for e in sorted(entries, key=lambda e: (e.entry_date, e.id))
    )

    tracked = [
        x for x in referral_repo.list_family_referrals(conn, found.id) if f"referral-{x.id}" not in hidden
    ]
    histories = referral_repo.history_for(conn, [x.id for x in tracked])
    referrals = []
    for x in sorted(tracked, key=lambda x: (x.made_on, x.id)):
        history = histories.get(x.id, [])
        last = history[-1] if history else None
        made_by = sender if x.id in received_referrals else ""
        referrals.append(
            ReferralLine(
                made_on=x.made_on,
                about=about(x.child_id, x.carer),
                service=x.service_name,
                kind_of_service=service_words(x.service_category, nation),
                how=as_said_by(ROUTE_WORDS.get(x.route, ""), made_by),
                happened=as_said_by(status_words(x.status, x.route), made_by),
                since=x.status_since or (last.changed_on if last else None),
                why_ended=reason_words(last.reason) if last and last.status is x.status else "",
                note=x.note if include_notes else "",
                from_setting=made_by,
            )
        )

    records = [
        s
        for s in sharing_repo.list_records(conn, SharingFilter(family_id=found.id), limit=100_000)
        if f"sharing-{s.id}" not in hidden
    ]
    sharing = tuple(_sharing_line(s) for s in sorted(records, key=lambda s: (s.decided_on, s.id)))

    sched = retention.schedule(session)
    staff = staff_repo.list_staff(conn)
    names = {s.id: s.display_name for s in staff}
    managers = tuple(s.display_name for s in staff if s.active and s.is_manager)
    return FamilySummary(
        setting=session.setting,
        family=found,
        children=children,
        support=support,
        referrals=tuple(referrals),
        sharing=sharing,
        holdings=_holdings(found, children, entries, bool(tracked), bool(records), assessment.reader),
        closed_years=sched.closed_years,
        safeguarding_age=sched.safeguarding_age,
        key_worker=names.get(found.key_worker_id, "") if found.key_worker_id is not None else "",
        managers=managers,
        include_notes=include_notes,
        produced_at=session.clock.now(),
        produced_by=session.user.display_name,
        every_visit=every_visit or include_notes,
        check_first=_check_first(entries, labels),
        received_from=sender,
        received_on=(arrived.received_on or arrived.created_at.date()) if arrived else None,
        made_for=assessment.reader.name,
        assessment=assessment,
        choices=choices,
        left_out=tuple(x for x in assessment.left_out if x.key in hidden),
        put_back=tuple(x for x in assessment.left_out if x.key in shown_back),
    )


def _sharing_line(s: SharingRecord) -> SharingLine:
    return SharingLine(
        day=s.decided_on, decision=s.decision, with_whom=s.recipient, what=s.what, why=s.purpose
    )


def _holdings(
    family: Family,
    children: tuple[Child, ...],
    entries: list[SupportEntry],
    has_referrals: bool,
    has_sharing: bool,
    reader=None,
) -> tuple[str, ...]:
    """The categories of information held, in plain words (only those that apply, over what is shown)."""
    held = ["Your family reference number and the date your record was opened (and closed, if it is)"]
    people = []
    if family.carers:
        people.append("your name, and how you are related to the children")
    if children:
        people.append(
            "the children's names and dates of birth"
            if any(c.date_of_birth for c in children)
            else "the children's names"
        )
    if people:
        held.append(people[0][0].upper() + "; ".join(people)[1:])
    own = [c for c in family.carers if reader is None or c.name == reader.carer]
    if any(c.phone.strip() for c in own):
        held.append("Your phone number")
    if family.postcode.strip() or family.home_la_code.strip():
        held.append("Your postcode and which local council area you live in")
    if family.key_worker_id is not None:
        held.append("Who your key worker is")
    if family.notes.strip():
        held.append("A short note about your family, written by our staff")
    if entries:
        held.append("Each time we supported you: the date, what we did, how long it took and who helped")
    if any(e.note.strip() for e in entries):
        held.append("Notes our staff wrote about the support")
    if has_referrals:
        held.append("The services we referred you to, your consent, and what happened")
    if has_sharing:
        held.append("When we shared information about you, who with, and why")
    held.append("A log of when our staff looked at or changed your records")
    return tuple(held)


def prepare_summary(
    session: Session,
    family: str | int,
    *,
    person: str | None = None,
    include_notes: bool = False,
    every_visit: bool = False,
    choices: Choices | None = None,
    review: Path | None = None,
) -> PreparedSummary:
    """Gather and render the summary in memory, for a preview (nothing is saved or audited)."""
    from setting_app.services.family_summary_pdf import render_summary_pdf

    summary = gather_summary(
        session,
        family,
        person=person,
        include_notes=include_notes,
        every_visit=every_visit,
        choices=choices,
        review=review,
    )
    rendered = render_summary_pdf(summary)
    return PreparedSummary(summary, rendered.data, rendered.pages)


# --- saving and printing -------------------------------------------------------------------------


def _audit_detail(prepared: PreparedSummary, how: str) -> str:
    pages = _plural(prepared.pages, "page", "pages")
    notes = "with staff notes" if prepared.summary.include_notes else "without staff notes"
    return f"{AUDIT_DETAIL} {how} ({pages}, {notes})"


def _recheck(session: Session, prepared: PreparedSummary) -> Family:
    """Inside the transaction: the family is still there, a practitioner's has no restricted record,
    and the records are as they were reviewed (else the preview could show what should be left out);
    the manager's choices are kept."""
    summary = prepared.summary
    if summary.include_notes:
        session.require_manager("include staff notes in a family summary")
    family = families.get_family(session, summary.family.id)
    check_not_withheld(session, family)
    if summary.assessment is not None:
        now = assess_summary(session, family.id, summary.made_for)
        if now.fingerprint != summary.assessment.fingerprint:
            raise document_review.ReviewRefused(
                f"{family.ref}'s records changed since the summary was made: make it again. Nothing was saved."
            )
        document_review.record_decisions(session, summary.assessment, summary.choices)
    return family


def save_summary(session: Session, prepared: PreparedSummary, target: Path) -> Path:
    """Save the prepared PDF (the very bytes previewed) at ``target``, with its PRINT audit row.

    The PDF goes to a private temporary file beside the target first; then, in one transaction, the
    restricted check is made again, the audit row written and the file renamed into place. If any
    step fails, neither the file nor the audit row is left.
    """
    target = Path(target).expanduser()
    if target.is_dir():
        raise AppError(f"{target} is a folder: give a file name, for example {target / 'summary.pdf'}.")
    session.check_output_path(target)
    folder = target.parent
    if not folder.is_dir():
        raise AppError(f"The folder {folder} does not exist. Nothing was saved.")
    try:
        temp_name = temp_file_beside(target, prepared.pdf)
    except OSError as exc:
        raise AppError(f"Could not save in {folder}: {exc.strerror or exc}. Nothing was saved.") from None
    renamed = False
    try:
        with unit_of_work(session.conn):
            family = _recheck(session, prepared)
            audit.record(
                session,
                audit.PRINT,
                object_type="family",
                object_id=family.id,
                family_id=family.id,
                detail=_audit_detail(prepared, "saved as PDF"),
            )
            os.replace(temp_name, target)
            renamed = True
    except BaseException as exc:
        if renamed:  # the rename happened but the transaction did not commit: take the file back
            with contextlib.suppress(OSError):
                target.unlink()
        if isinstance(exc, OSError):
            raise AppError(f"Could not save {target}: {exc.strerror or exc}. Nothing was saved.") from None
        raise
    finally:
        if not renamed:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
    return target


def print_summary(session: Session, prepared: PreparedSummary, send: Callable[[], int]) -> int:
    """Run ``send`` (which prints and returns the pages sent) with its PRINT audit row, in one step."""
    with unit_of_work(session.conn):
        family = _recheck(session, prepared)
        pages = send()
        audit.record(
            session,
            audit.PRINT,
            object_type="family",
            object_id=family.id,
            family_id=family.id,
            detail=_audit_detail(prepared, "printed"),
        )
    return pages


def write_summary(
    session: Session,
    ref: str,
    target: Path,
    *,
    person: str | None = None,
    include_notes: bool = False,
    every_visit: bool = False,
    choices: Choices | None = None,
    review: Path | None = None,
) -> PreparedSummary:
    """Make and save a summary for one person in one go (the command line)."""
    prepared = prepare_summary(
        session,
        ref,
        person=person,
        include_notes=include_notes,
        every_visit=every_visit,
        choices=choices,
        review=review,
    )
    save_summary(session, prepared, target)
    return prepared


def suggested_file_name(summary: FamilySummary) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in summary.family.ref)
    person = "".join(ch if ch.isalnum() else "-" for ch in summary.made_for).strip("-")
    return f"{safe}-{person}-summary.pdf" if person else f"{safe}-family-summary.pdf"


__all__ = [
    "FamilySummary",
    "assess_summary",
    "review_file",
    "PreparedSummary",
    "SummaryWithheld",
    "check_not_withheld",
    "gather_summary",
    "prepare_summary",
    "print_summary",
    "restricted_counts",
    "save_summary",
    "write_summary",
]

"""The managers' monthly summary: one computation of the month's figures, shown as JSON or as a PDF.

Everything here is read in one snapshot (a read transaction), so the JSON and the PDF made from one
``MonthlySummary`` always agree. Support entries are read only for the months concerned, through the
``entry_date`` index with range predicates and ``GROUP BY`` in SQL, so the cost follows the month's
data, not the size of the whole casebook.

What each figure counts (these words are also printed in the PDF's notes):

- *Families / children supported*: distinct families (children) with at least one support entry dated
  in the month. An entry about the whole family names no child and adds no child.
- *Entries*: support entries dated in the month; *staff time*: the sum of their minutes.
- *New families*: records opened in the month (a family received from another setting opens here on
  the day it was received). *Ongoing*: opened before the month and still open at its end. *Closed*:
  closed in the month (a family opened and closed in the same month is both new and closed).
- *Referrals made*: referrals dated (``made_on``) in the month, drafts included; their status is the
  one they had at the end of the month (today, for the month in progress), from the status history.
- *Outcomes this month*: referrals (made in any month) that reached accepted, waitlisted, declined,
  seen, completed or withdrawn on a date in the month; one referral can count under two statuses.
- *Days to acknowledgement*: for referrals whose first response from the service (acknowledged or
  any later stage) is dated in the month, the days from being sent (or made, if never marked sent)
  to that response. *Days to first contact*: the same up to the first ``seen`` (or ``completed``).
- *Overdue referrals*: referrals open at the as-of date (sent, acknowledged, waitlisted or accepted)
  whose due date (``referrals.due_on``, where the casebook records one) is before the as-of date, or,
  with no due date recorded, whose latest status change is more than 14 days before the as-of date.
  The due date is the referral's current one (a later chase may have moved it).
- *Follow-ups overdue*: follow-up dates before the as-of date, in families still open, with no entry
  for that family dated on or after the follow-up date (up to the as-of date).
- The *as-of date* is the last day of the month, or today for the month in progress.
- *By outcome* (Supporting Families in England, SHANARRI wellbeing indicators in Scotland): for each
  outcome, the families, children, entries and minutes of the month's entries whose activity type is
  tagged with it. An entry counts under every outcome its activity type carries, so the rows can add
  up to more than the month's totals; entries with no activity type, or one with no tag in the
  framework, are counted on a line of their own.
- History received from another setting (entries and referrals with a ``transfer_id``) is that
  setting's work: it counts in none of these figures.
"""

from __future__ import annotations

import contextlib
import re
import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from setting_app.domain.codes import DOMAIN_ORDER, Domain, Kind, ReferralStatus, ServiceCategory
from setting_app.domain.errors import ValidationError
from setting_app.domain.frameworks import Framework, framework_for
from setting_app.domain.models import SettingDetails
from setting_app.services import audit
from setting_app.services.session import Session
from setting_app.storage import visibility
from setting_app.storage.database import Connection
from setting_app.storage.unit_of_work import unit_of_work

REPORT_FORMAT_VERSION = 1

#: Statuses in which a referral is still waiting on the service.
OPEN_STATUSES: tuple[ReferralStatus, ...] = (
    ReferralStatus.SENT,
    ReferralStatus.ACKNOWLEDGED,
    ReferralStatus.WAITLISTED,
    ReferralStatus.ACCEPTED,
)
#: Any of these means the service has responded (the first one dates the acknowledgement).
RESPONSE_STATUSES: tuple[ReferralStatus, ...] = (
    ReferralStatus.ACKNOWLEDGED,
    ReferralStatus.ACCEPTED,
    ReferralStatus.WAITLISTED,
    ReferralStatus.DECLINED,
    ReferralStatus.SEEN,
    ReferralStatus.COMPLETED,
)
#: First contact: the family was seen by the service.
CONTACT_STATUSES: tuple[ReferralStatus, ...] = (ReferralStatus.SEEN, ReferralStatus.COMPLETED)
#: What "outcomes this month" reports on.
OUTCOME_STATUSES: tuple[ReferralStatus, ...] = (
    ReferralStatus.ACCEPTED,
    ReferralStatus.WAITLISTED,
    ReferralStatus.DECLINED,
    ReferralStatus.SEEN,
    ReferralStatus.COMPLETED,
    ReferralStatus.WITHDRAWN,
)
#: Without a recorded due date, an open referral is overdue after this many days with no change.
OVERDUE_AFTER_DAYS = 14
TREND_MONTHS = 12
#: How overdue referrals were judged (the casebook may or may not record due dates).
OVERDUE_RULE_DUE_DATE = "due_date_passed_else_no_change_for_14_days"
OVERDUE_RULE_NO_CHANGE = "no_status_change_for_14_days"

_MONTH_TEXT = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def code(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return self.first_day.strftime("%B %Y")

    @property
    def short_label(self) -> str:
        return self.first_day.strftime("%b %Y")

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return self.shifted(1).first_day - timedelta(days=1)

    def shifted(self, months: int) -> Month:
        index = self.year * 12 + (self.month - 1) + months
        return Month(index // 12, index % 12 + 1)

    @property
    def previous(self) -> Month:
        return self.shifted(-1)

    def __str__(self) -> str:
        return self.code


def parse_month(text: object, today: date, field: str = "month") -> Month:
    """``YYYY-MM``, a real month, not after the current one."""
    raw = str(text if text is not None else "").strip()
    match = _MONTH_TEXT.match(raw)
    if not match:
        raise ValidationError(field, f"'{raw}' is not a month in the form YYYY-MM (for example 2026-10)")
    year, month_number = int(match.group(1)), int(match.group(2))
    if not 1 <= month_number <= 12:
        raise ValidationError(field, f"'{raw}' is not a month: the month number must be from 01 to 12")
    if year < 1900:
        raise ValidationError(field, f"'{raw}' is too long ago")
    month = Month(year, month_number)
    if month > Month.of(today):
        raise ValidationError(
            field, f"{month.label} has not started yet (today is {today.strftime('%d %B %Y').lstrip('0')})"
        )
    return month


@dataclass(frozen=True)
class Headline:
    """The figures compared with the previous month."""

    families_supported: int
    children_supported: int
    entries: int
    direct_entries: int
    indirect_entries: int
    minutes: int
    referrals_made: int
    new_families: int

    def as_dict(self) -> dict[str, int]:
        return {
            "families_supported": self.families_supported,
            "children_supported": self.children_supported,
            "entries": self.entries,
            "direct_entries": self.direct_entries,
            "indirect_entries": self.indirect_entries,
            "minutes": self.minutes,
            "referrals_made": self.referrals_made,
            "new_families": self.new_families,
        }


@dataclass(frozen=True)
class OutcomeFigures:
    """One line of the table by outcome: what the month's entries tagged with it add up to."""

    families: int = 0
    children: int = 0
    entries: int = 0
    minutes: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "families": self.families,
            "children": self.children,
            "entries": self.entries,
            "minutes": self.minutes,
        }


@dataclass(frozen=True)
class OutcomeTable:
    """The month by the setting's outcome framework; ``untagged``: entries with no tagged activity."""

    framework: Framework
    by_outcome: dict[str, OutcomeFigures]
    untagged: OutcomeFigures

    @property
    def title(self) -> str:
        return self.framework.table_title

    def rows(self) -> list[tuple[str, str, OutcomeFigures]]:
        """(code, label, figures) in the framework's order."""
        return [(o.code, o.label, self.by_outcome[o.code]) for o in self.framework.outcomes]

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework.value,
            "title": self.title,
            "by_outcome": {code: figures.as_dict() for code, _, figures in self.rows()},
            "no_tagged_activity": self.untagged.as_dict(),
            "note": "an entry counts under every outcome its activity type is tagged with",
        }


@dataclass(frozen=True)
class OverdueFollowUp:
    family_ref: str
    follow_ups: int
    oldest_due: date


@dataclass(frozen=True)
class MonthlySummary:
    month: Month
    as_of: date
    generated_at: datetime
    generated_by: str
    setting: SettingDetails
    headline: Headline
    previous: Headline
    entries_by_domain_kind: dict[Domain, dict[Kind, int]]
    minutes_by_domain_kind: dict[Domain, dict[Kind, int]]
    families_by_domain: dict[Domain, int]
    families_new: int
    families_ongoing: int
    families_closed: int
    families_open_at_end: int
    referrals_by_status: dict[ReferralStatus, int]
    referrals_by_category: dict[ServiceCategory, dict[ReferralStatus, int]]
    outcomes_this_month: dict[ReferralStatus, int]
    median_days_to_acknowledgement: float | None
    acknowledgements_measured: int
    median_days_to_first_contact: float | None
    first_contacts_measured: int
    overdue_referrals: int
    overdue_rule: str
    follow_ups_overdue: tuple[OverdueFollowUp, ...]
    trend: tuple[tuple[Month, dict[Domain, int]], ...]
    export_key_fingerprint: str | None
    audit_chain_head: str | None
    outcomes: OutcomeTable

    @property
    def minutes_by_domain(self) -> dict[Domain, int]:
        return {d: sum(self.minutes_by_domain_kind[d].values()) for d in DOMAIN_ORDER}

    @property
    def referrals_made(self) -> int:
        return self.headline.referrals_made

    @property
    def is_partial_month(self) -> bool:
        return self.as_of < self.month.last_day

    def to_json_dict(self) -> dict[str, Any]:
        """The figures as one JSON-ready object (codes as keys, ISO dates)."""
        h = self.headline
        return {
            "report": "monthly_summary",
            "format_version": REPORT_FORMAT_VERSION,
            "month": self.month.code,
            "period": {"from": self.month.first_day.isoformat(), "to": self.month.last_day.isoformat()},
            "as_of": self.as_of.isoformat(),
            "generated_at": self.generated_at.isoformat(),
            "generated_by": self.generated_by,
            "setting": {
                "name": self.setting.name,
                "urn": self.setting.urn,
                "nation": self.setting.nation.value,
                "la_code": self.setting.la_code,
                "la_name": self.setting.la_name,
            },
            "families_supported": h.families_supported,
            "children_supported": h.children_supported,
            "entries": h.entries,
            "minutes": h.minutes,
            "entries_by_domain_kind": _domain_kind_json(self.entries_by_domain_kind),
            "minutes_by_domain": {d.value: n for d, n in self.minutes_by_domain.items()},
            "minutes_by_domain_kind": _domain_kind_json(self.minutes_by_domain_kind),
            "families_by_domain": {d.value: self.families_by_domain[d] for d in DOMAIN_ORDER},
            "families": {
                "new": self.families_new,
                "ongoing": self.families_ongoing,
                "closed": self.families_closed,
                "open_at_month_end": self.families_open_at_end,
            },
            "referrals_made": h.referrals_made,
            "referrals_by_status": {s.value: self.referrals_by_status[s] for s in ReferralStatus},
            "referrals_by_category": {
                c.value: {
                    "made": sum(self.referrals_by_category[c].values()),
                    "by_status": {s.value: self.referrals_by_category[c][s] for s in ReferralStatus},
                }
                for c in ServiceCategory
            },
            "referral_outcomes_this_month": {s.value: self.outcomes_this_month[s] for s in OUTCOME_STATUSES},
            "median_days_to_acknowledgement": self.median_days_to_acknowledgement,
            "acknowledgements_measured": self.acknowledgements_measured,
            "median_days_to_first_contact": self.median_days_to_first_contact,
            "first_contacts_measured": self.first_contacts_measured,
            "overdue_referrals": self.overdue_referrals,
            "overdue_referrals_rule": self.overdue_rule,
            "follow_ups_overdue": [
                {
                    "family_ref": f.family_ref,
                    "follow_ups": f.follow_ups,
                    "oldest_due": f.oldest_due.isoformat(),
                }
                for f in self.follow_ups_overdue
            ],
            "previous_month": {"month": self.month.previous.code, **self.previous.as_dict()},
            "change_from_previous_month": {
                key: value - self.previous.as_dict()[key] for key, value in h.as_dict().items()
            },
            "trend_12_months": [
                {"month": m.code, "entries_by_domain": {d.value: counts[d] for d in DOMAIN_ORDER}}
                for m, counts in self.trend
            ],
            "outcomes": self.outcomes.to_json_dict(),
            "export_key_fingerprint": self.export_key_fingerprint,
            "audit_chain_head": self.audit_chain_head,
        }


def _domain_kind_json(table: dict[Domain, dict[Kind, int]]) -> dict[str, dict[str, int]]:
    return {d.value: {k.value: table[d][k] for k in Kind} for d in DOMAIN_ORDER}


# --- the computation ---------------------------------------------------------------------------


def monthly_summary(session: Session, month: Month | str) -> MonthlySummary:
    """Compute the month's figures. Managers only."""
    session.require_manager("make the monthly summary")
    today = session.clock.today()
    if not isinstance(month, Month):
        month = parse_month(month, today)
    elif month > Month.of(today):
        raise ValidationError("month", f"{month.label} has not started yet")
    return compute_summary(
        session.conn,
        month,
        today=today,
        generated_at=session.clock.now(),
        generated_by=session.user.display_name or session.user.username,
        setting=session.setting,
    )


def save_summary_file(
    session: Session, summary: MonthlySummary, data: bytes, target: Path, *, kind: str
) -> Path:
    """Write the summary's PDF or JSON (``kind``) where the manager asked, audited in the same step.

    The audit row and the file land together: if the file cannot be written the row is rolled back.
    """
    from setting_app.services.report_pdf import write_file_atomically

    session.require_manager("save the monthly summary")
    session.check_output_path(Path(target).expanduser())
    with unit_of_work(session.conn):
        audit.record(
            session,
            audit.EXPORT,
            object_type="monthly_summary",
            detail=f"monthly summary {summary.month.code} saved as {kind.upper()}",
        )
        audit.sign_head(session, "monthly summary")
        return write_file_atomically(data, target)


def show_summary(
    session: Session, month: Month | str, show: Callable[[MonthlySummary], None]
) -> MonthlySummary:
    """Compute the figures and hand them to ``show`` (e.g. the terminal), audited in the same step.

    The audit row is written first, so the summary's audit-trail head includes it.
    """
    session.require_manager("make the monthly summary")
    with unit_of_work(session.conn):
        code = month.code if isinstance(month, Month) else parse_month(month, session.clock.today()).code
        audit.record(
            session,
            audit.EXPORT,
            object_type="monthly_summary",
            detail=f"monthly summary {code} written out as JSON",
        )
        audit.sign_head(session, "monthly summary")
        summary = monthly_summary(session, month)
        show(summary)
    return summary


def print_summary(session: Session, summary: MonthlySummary, send: Callable[[], int]) -> int:
    """Run ``send`` (which prints and returns the pages sent) with its PRINT audit row in one step."""
    session.require_manager("print the monthly summary")
    with unit_of_work(session.conn):
        pages = send()
        audit.record(
            session,
            audit.PRINT,
            object_type="monthly_summary",
            detail=f"monthly summary {summary.month.code} printed ({pages} page{'s' if pages != 1 else ''})",
        )
        audit.sign_head(session, "monthly summary")
    return pages


def compute_summary(
    conn: Connection,
    month: Month,
    *,
    today: date,
    generated_at: datetime,
    generated_by: str,
    setting: SettingDetails,
) -> MonthlySummary:
    """All the figures, read in one snapshot of the casebook."""
    as_of = min(month.last_day, today)
    with _read_snapshot(conn):
        entries, minutes = _entries_by_domain_kind(conn, month)
        families = _families_movement(conn, month)
        by_category = _referrals_by_category(conn, month, as_of)
        by_status = {s: sum(by_category[c][s] for c in ServiceCategory) for s in ReferralStatus}
        ack_days = _days_to_first(conn, month, RESPONSE_STATUSES)
        contact_days = _days_to_first(conn, month, CONTACT_STATUSES)
        overdue, rule = _overdue_referrals(conn, as_of)
        headline = _headline(conn, month, entries, minutes, families["new"])
        previous = _headline(conn, month.previous)
        return MonthlySummary(
            month=month,
            as_of=as_of,
            generated_at=generated_at,
            generated_by=generated_by,
            setting=setting,
            headline=headline,
            previous=previous,
            entries_by_domain_kind=entries,
            minutes_by_domain_kind=minutes,
            families_by_domain=_families_by_domain(conn, month),
            families_new=families["new"],
            families_ongoing=families["ongoing"],
            families_closed=families["closed"],
            families_open_at_end=families["open_at_end"],
            referrals_by_status=by_status,
            referrals_by_category=by_category,
            outcomes_this_month=_outcomes(conn, month),
            median_days_to_acknowledgement=_median(ack_days),
            acknowledgements_measured=len(ack_days),
            median_days_to_first_contact=_median(contact_days),
            first_contacts_measured=len(contact_days),
            overdue_referrals=overdue,
            overdue_rule=rule,
            follow_ups_overdue=_follow_ups_overdue(conn, as_of),
            trend=_trend(conn, month),
            export_key_fingerprint=_export_key_fingerprint(conn),
            audit_chain_head=_audit_chain_head(conn),
            outcomes=_outcome_table(conn, month, framework_for(setting.nation)),
        )


@contextlib.contextmanager
def _read_snapshot(conn: Connection) -> Iterator[None]:
    """A deferred read transaction: every query sees the same data, and no writer is blocked."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


def _month_params(month: Month) -> tuple[str, str]:
    return month.first_day.isoformat(), month.last_day.isoformat()


ENTRIES_BY_DOMAIN_KIND_SQL = """
    SELECT domain, kind, count(*) AS entries, coalesce(sum(minutes), 0) AS minutes
    FROM support_entries
    WHERE entry_date >= ? AND entry_date <= ? AND transfer_id IS NULL
    GROUP BY domain, kind"""

PEOPLE_SUPPORTED_SQL = """
    SELECT count(DISTINCT family_id) AS families, count(DISTINCT child_id) AS children
    FROM support_entries
    WHERE entry_date >= ? AND entry_date <= ? AND transfer_id IS NULL"""

FAMILIES_BY_DOMAIN_SQL = """
    SELECT domain, count(DISTINCT family_id) AS families
    FROM support_entries
    WHERE entry_date >= ? AND entry_date <= ? AND transfer_id IS NULL
    GROUP BY domain"""

TREND_SQL = """
    SELECT substr(entry_date, 1, 7) AS month, domain, count(*) AS entries
    FROM support_entries
    WHERE entry_date >= ? AND entry_date <= ? AND transfer_id IS NULL
    GROUP BY month, domain"""

#: Entries by the outcome their activity type is tagged with (an entry under each of its tags). CROSS
#: JOIN keeps the month's entries (by the date index) as the outer loop.
ENTRIES_BY_OUTCOME_SQL = """
    SELECT o.outcome, count(DISTINCT e.family_id) AS families, count(DISTINCT e.child_id) AS children,
           count(*) AS entries, coalesce(sum(e.minutes), 0) AS minutes
    FROM support_entries e
    CROSS JOIN activity_types a ON a.domain = e.domain AND a.code = e.activity_code
    CROSS JOIN activity_outcomes o ON o.activity_id = a.id AND o.framework = ?
    WHERE e.entry_date >= ? AND e.entry_date <= ? AND e.transfer_id IS NULL
    GROUP BY o.outcome"""

#: Entries with no activity type, or one carrying no tag in the framework.
ENTRIES_UNTAGGED_SQL = """
    SELECT count(DISTINCT e.family_id) AS families, count(DISTINCT e.child_id) AS children,
           count(*) AS entries, coalesce(sum(e.minutes), 0) AS minutes
    FROM support_entries e
    WHERE e.entry_date >= ? AND e.entry_date <= ? AND e.transfer_id IS NULL
      AND NOT EXISTS (
          SELECT 1 FROM activity_types a JOIN activity_outcomes o ON o.activity_id = a.id
          WHERE a.domain = e.domain AND a.code = e.activity_code AND o.framework = ?)"""

#: Every query over support entries, for the test that checks they all use the date index (the
#: outcome queries take the framework as a third parameter).
ENTRY_QUERIES = (ENTRIES_BY_DOMAIN_KIND_SQL, PEOPLE_SUPPORTED_SQL, FAMILIES_BY_DOMAIN_SQL, TREND_SQL)
OUTCOME_QUERIES = (ENTRIES_BY_OUTCOME_SQL, ENTRIES_UNTAGGED_SQL)


def _zero_domain_kind() -> dict[Domain, dict[Kind, int]]:
    return {d: {k: 0 for k in Kind} for d in DOMAIN_ORDER}


def _entries_by_domain_kind(
    conn: Connection, month: Month
) -> tuple[dict[Domain, dict[Kind, int]], dict[Domain, dict[Kind, int]]]:
    entries, minutes = _zero_domain_kind(), _zero_domain_kind()
    for row in conn.execute(ENTRIES_BY_DOMAIN_KIND_SQL, _month_params(month)):
        domain, kind = Domain(row["domain"]), Kind(row["kind"])
        entries[domain][kind] = int(row["entries"])
        minutes[domain][kind] = int(row["minutes"])
    return entries, minutes


def _outcome_table(conn: Connection, month: Month, framework: Framework) -> OutcomeTable:
    start, end = _month_params(month)
    by_outcome = {code: OutcomeFigures() for code in framework.codes}
    for row in conn.execute(ENTRIES_BY_OUTCOME_SQL, (framework.value, start, end)):
        if row["outcome"] in by_outcome:
            by_outcome[row["outcome"]] = _figures(row)
    untagged = _figures(conn.execute(ENTRIES_UNTAGGED_SQL, (start, end, framework.value)).fetchone())
    return OutcomeTable(framework, by_outcome, untagged)


def _figures(row) -> OutcomeFigures:
    return OutcomeFigures(
        int(row["families"]), int(row["children"]), int(row["entries"]), int(row["minutes"])
    )


def _families_by_domain(conn: Connection, month: Month) -> dict[Domain, int]:
    counts = dict.fromkeys(DOMAIN_ORDER, 0)
    for row in conn.execute(FAMILIES_BY_DOMAIN_SQL, _month_params(month)):
        counts[Domain(row["domain"])] = int(row["families"])
    return counts


def _headline(
    conn: Connection,
    month: Month,
    entries: dict[Domain, dict[Kind, int]] | None = None,
    minutes: dict[Domain, dict[Kind, int]] | None = None,
    new_families: int | None = None,
) -> Headline:
    if entries is None or minutes is None:
        entries, minutes = _entries_by_domain_kind(conn, month)
    if new_families is None:
        new_families = _families_movement(conn, month)["new"]
    people = conn.execute(PEOPLE_SUPPORTED_SQL, _month_params(month)).fetchone()
    referrals_made = conn.execute(
        "SELECT count(*) FROM referrals WHERE made_on >= ? AND made_on <= ? AND transfer_id IS NULL",
        _month_params(month),
    ).fetchone()[0]
    direct = sum(entries[d][Kind.DIRECT] for d in DOMAIN_ORDER)
    indirect = sum(entries[d][Kind.INDIRECT] for d in DOMAIN_ORDER)
    return Headline(
        families_supported=int(people["families"]),
        children_supported=int(people["children"]),
        entries=direct + indirect,
        direct_entries=direct,
        indirect_entries=indirect,
        minutes=sum(sum(by_kind.values()) for by_kind in minutes.values()),
        referrals_made=int(referrals_made),
        new_families=int(new_families),
    )


#: When a family's record opened at this setting: the day it was received, for a family that came
#: from another setting (its ``opened_on`` is the sending setting's, before it was this one's family).
_OPENED_HERE_SQL = """coalesce(
    (SELECT min(t.received_on) FROM transfers t WHERE t.family_id = f.id AND t.direction = 'in'),
    f.opened_on)"""


def _families_movement(conn: Connection, month: Month) -> dict[str, int]:
    start, end = _month_params(month)
    row = conn.execute(
        f"""SELECT
               coalesce(sum(opened_on >= :start), 0) AS new,
               coalesce(sum(opened_on < :start AND (closed_on IS NULL OR closed_on > :end)), 0) AS ongoing,
               coalesce(sum(closed_on IS NOT NULL AND closed_on <= :end), 0) AS closed,
               coalesce(sum(closed_on IS NULL OR closed_on > :end), 0) AS open_at_end
           FROM (SELECT {_OPENED_HERE_SQL} AS opened_on, f.closed_on FROM families f)
           WHERE opened_on <= :end AND (closed_on IS NULL OR closed_on >= :start)""",
        {"start": start, "end": end},
    ).fetchone()
    return {key: int(row[key]) for key in ("new", "ongoing", "closed", "open_at_end")}


def _status_as_of_sql(referral: str) -> str:
    """The status a referral had at the end of :as_of, from its history (else its current status)."""
    return f"""coalesce(
        (SELECT h.status FROM referral_status_history h
         WHERE h.referral_id = {referral}.id AND h.changed_on <= :as_of
         ORDER BY h.changed_on DESC, h.id DESC LIMIT 1),
        {referral}.status)"""


def _referrals_by_category(
    conn: Connection, month: Month, as_of: date
) -> dict[ServiceCategory, dict[ReferralStatus, int]]:
    start, end = _month_params(month)
    table = {c: dict.fromkeys(ReferralStatus, 0) for c in ServiceCategory}
    rows = conn.execute(
        f"""SELECT service_category, status, count(*) AS n FROM (
                SELECT {visibility.sealed_value("r", "referrals", "service_category")} AS service_category,
                    {_status_as_of_sql("r")} AS status
                FROM referrals r
                WHERE r.made_on >= :start AND r.made_on <= :end AND r.transfer_id IS NULL)
            GROUP BY service_category, status""",
        {"start": start, "end": end, "as_of": as_of.isoformat()},
    )
    for row in rows:
        table[ServiceCategory(row["service_category"])][ReferralStatus(row["status"])] = int(row["n"])
    return table


def _placeholders(statuses: tuple[ReferralStatus, ...]) -> str:
    return ", ".join(f"'{s.value}'" for s in statuses)


def _outcomes(conn: Connection, month: Month) -> dict[ReferralStatus, int]:
    counts = dict.fromkeys(OUTCOME_STATUSES, 0)
    rows = conn.execute(
        f"""SELECT h.status, count(DISTINCT h.referral_id) AS n
            FROM referral_status_history h JOIN referrals r ON r.id = h.referral_id
            WHERE h.status IN ({_placeholders(OUTCOME_STATUSES)}) AND h.changed_on >= ? AND h.changed_on <= ?
              AND r.transfer_id IS NULL
            GROUP BY h.status""",
        _month_params(month),
    )
    for row in rows:
        counts[ReferralStatus(row["status"])] = int(row["n"])
    return counts


def _days_to_first(conn: Connection, month: Month, statuses: tuple[ReferralStatus, ...]) -> list[int]:
    """Days from sent (or made) to the first history row in ``statuses``, where that falls in the month.

    Only referrals with such a row in the month are looked at (through the status/date index).
    """
    wanted = _placeholders(statuses)
    rows = conn.execute(
        f"""WITH candidates AS (
                SELECT DISTINCT referral_id FROM referral_status_history
                WHERE status IN ({wanted}) AND changed_on >= :start AND changed_on <= :end),
            firsts AS (
                SELECT c.referral_id,
                    (SELECT min(h.changed_on) FROM referral_status_history h
                     WHERE h.referral_id = c.referral_id AND h.status IN ({wanted})) AS reached_on,
                    (SELECT min(h.changed_on) FROM referral_status_history h
                     WHERE h.referral_id = c.referral_id AND h.status = 'sent') AS sent_on
                FROM candidates c)
            SELECT julianday(f.reached_on) - julianday(coalesce(f.sent_on, r.made_on)) AS days
            FROM firsts f JOIN referrals r ON r.id = f.referral_id
            WHERE f.reached_on >= :start AND f.reached_on <= :end AND r.transfer_id IS NULL""",
        {"start": _month_params(month)[0], "end": _month_params(month)[1]},
    )
    return [int(row["days"]) for row in rows if row["days"] is not None and row["days"] >= 0]


def _median(values: list[int]) -> float | None:
    if not values:
        return None
    middle = statistics.median(values)
    return int(middle) if float(middle).is_integer() else float(middle)


def _has_column(conn: Connection, table: str, column: str) -> bool:
    return any(row["name"] == column for row in conn.execute(f"PRAGMA table_info({table})"))


def _overdue_referrals(conn: Connection, as_of: date) -> tuple[int, str]:
    """Referrals still open at ``as_of`` and past their due date (or unchanged for 14 days)."""
    params = {
        "as_of": as_of.isoformat(),
        "stale_before": (as_of - timedelta(days=OVERDUE_AFTER_DAYS)).isoformat(),
    }
    stale = "last_change < :stale_before"
    if _has_column(conn, "referrals", "due_on"):
        rule = OVERDUE_RULE_DUE_DATE
        due = "r.due_on"
        overdue_clause = f"(due_on IS NOT NULL AND due_on < :as_of) OR (due_on IS NULL AND {stale})"
    else:
        rule = OVERDUE_RULE_NO_CHANGE
        due = "NULL"
        overdue_clause = stale
    count = conn.execute(
        f"""SELECT count(*) FROM (
                SELECT {_status_as_of_sql("r")} AS status, {due} AS due_on,
                    coalesce((SELECT max(h.changed_on) FROM referral_status_history h
                              WHERE h.referral_id = r.id AND h.changed_on <= :as_of), r.made_on) AS last_change
                FROM referrals r WHERE r.made_on <= :as_of AND r.transfer_id IS NULL)
            WHERE status IN ({_placeholders(OPEN_STATUSES)}) AND ({overdue_clause})""",
        params,
    ).fetchone()[0]
    return int(count), rule


def _follow_ups_overdue(conn: Connection, as_of: date) -> tuple[OverdueFollowUp, ...]:
    rows = conn.execute(
        """SELECT f.ref AS family_ref, count(*) AS follow_ups, min(e.follow_up_on) AS oldest_due
           FROM families f CROSS JOIN support_entries e ON e.family_id = f.id
           WHERE (f.closed_on IS NULL OR f.closed_on > :as_of)
             AND e.follow_up_on IS NOT NULL AND e.follow_up_on < :as_of AND e.transfer_id IS NULL
             AND NOT EXISTS (
                 SELECT 1 FROM support_entries later
                 WHERE later.family_id = e.family_id AND later.transfer_id IS NULL
                   AND later.entry_date >= e.follow_up_on AND later.entry_date <= :as_of)
           GROUP BY f.id
           ORDER BY oldest_due, f.ref""",
        {"as_of": as_of.isoformat()},
    )
    return tuple(
        OverdueFollowUp(row["family_ref"], int(row["follow_ups"]), date.fromisoformat(row["oldest_due"]))
        for row in rows
    )


def _trend(conn: Connection, month: Month) -> tuple[tuple[Month, dict[Domain, int]], ...]:
    months = [month.shifted(-offset) for offset in range(TREND_MONTHS - 1, -1, -1)]
    counts = {m.code: dict.fromkeys(DOMAIN_ORDER, 0) for m in months}
    rows = conn.execute(TREND_SQL, (months[0].first_day.isoformat(), month.last_day.isoformat()))
    for row in rows:
        counts[row["month"]][Domain(row["domain"])] = int(row["entries"])
    return tuple((m, counts[m.code]) for m in months)


def _export_key_fingerprint(conn: Connection) -> str | None:
    """The setting's export-key fingerprint, once the LA export feature provides one."""
    try:
        from setting_app.services.export_keys import export_key_fingerprint
    except ImportError:
        return None
    return export_key_fingerprint(conn)


def _audit_chain_head(conn: Connection) -> str | None:
    """The audit trail's current head (printed on the report to date it)."""
    from setting_app.storage.audit_repo import chain_head

    return chain_head(conn)

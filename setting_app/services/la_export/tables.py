"""The exact counts behind a return, read from the casebook in a few queries.

Nothing here leaves the setting as it is: ``sdc.apply_sdc`` decides what is published, and only the
exact-count file encrypted to the authority carries these numbers.

History received from another setting (entries and referrals with a ``transfer_id``) is that
setting's work: it is left out of every count here.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from setting_app.domain.frameworks import framework_for
from setting_app.domain.models import SettingDetails
from setting_app.services.la_export import spec
from setting_app.services.la_export.periods import Period
from setting_app.services.la_export.spec import TOTAL, CellKey
from setting_app.storage import activity_repo, visibility
from setting_app.storage.database import Connection

GSS_CODE = re.compile(r"^[ENSW]\d{8}$")


@dataclass
class ExactCounts:
    """Exact counts for one setting (or, summed, for an authority) and one period."""

    cells: dict[CellKey, int] = field(default_factory=dict)
    home_la_codes: tuple[str, ...] = ()
    #: Days from sent to the first answer / to first contact, per service category (not "total").
    days_to_acknowledgement: dict[str, list[int]] = field(default_factory=dict)
    days_to_first_contact: dict[str, list[int]] = field(default_factory=dict)
    minutes: dict[str, int] = field(default_factory=dict)
    #: The outcome framework of the table by outcome (the setting's nation's); None for returns made
    #: before that table existed.
    framework: str | None = None

    def value(self, key: CellKey) -> int:
        return self.cells.get(key, 0)

    def medians(self) -> dict[CellKey, float | None]:
        """Median days per category and overall, or None where fewer than 10 referrals stand behind it."""
        from setting_app.services.la_export.sdc import MIN_DENOMINATOR

        result: dict[CellKey, float | None] = {}
        for name, data in (
            ("median_ack", self.days_to_acknowledgement),
            ("median_first_contact", self.days_to_first_contact),
        ):
            every: list[int] = []
            for category in spec.CATEGORIES:
                values = data.get(category, [])
                every.extend(values)
                result[(name, category)] = _median(values) if len(values) >= MIN_DENOMINATOR else None
            result[(name, TOTAL)] = _median(every) if len(every) >= MIN_DENOMINATOR else None
        return result

    def hours(self) -> dict[str, float]:
        by_domain = {d: round(self.minutes.get(d, 0) / 60, 1) for d in spec.DOMAINS}
        by_domain[TOTAL] = round(sum(self.minutes.get(d, 0) for d in spec.DOMAINS) / 60, 1)
        return by_domain


def _median(values: list[int]) -> float:
    return round(float(statistics.median(values)), 1)


def _age_in_years(born: date, on: date) -> int:
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return max(years, 0)


def collect(conn: Connection, period: Period, setting: SettingDetails) -> ExactCounts:
    """Every count of the return, exact, for ``period``."""
    start, end = period.start.isoformat(), period.end.isoformat()
    framework = framework_for(setting.nation)
    counts = ExactCounts(framework=framework.value)
    sets: dict[CellKey, set] = defaultdict(set)
    tags = activity_repo.outcome_tags_by_activity(conn, framework)

    rows = conn.execute(
        """SELECT DISTINCT e.family_id, e.child_id, e.domain, e.kind, e.activity_code, f.home_la_code,
                  c.date_of_birth
           FROM support_entries e
           JOIN families f ON f.id = e.family_id
           LEFT JOIN children c ON c.id = e.child_id
           WHERE e.entry_date BETWEEN ? AND ? AND e.transfer_id IS NULL""",
        (start, end),
    ).fetchall()
    builtin = {d: set(spec.activities(d)) - {spec.OTHER_ACTIVITY, spec.UNSPECIFIED} for d in spec.DOMAINS}
    la_codes: set[str] = set()
    for row in rows:
        family, child, domain, kind = row["family_id"], row["child_id"], row["domain"], row["kind"]
        code = row["activity_code"]
        activity = (
            spec.UNSPECIFIED if not code else (code if code in builtin[domain] else spec.OTHER_ACTIVITY)
        )
        home = (row["home_la_code"] or "").strip().upper()
        if not GSS_CODE.match(home):
            home = setting.la_code
        la_codes.add(home)
        for d in (domain, TOTAL):
            for k in (kind, TOTAL):
                sets[spec.families(d, k)].add(family)
                if child is not None:
                    sets[spec.children(d, k)].add(child)
        sets[spec.families_by_activity(domain, activity)].add(family)
        for outcome in tags.get((domain, code), ()) or (spec.UNTAGGED,):
            sets[spec.families_by_outcome(outcome)].add(family)
        sets[spec.families_by_home_la(home)].add(family)
        if child is not None:
            sets[spec.children_by_activity(domain, activity)].add(child)
            born = date.fromisoformat(row["date_of_birth"]) if row["date_of_birth"] else None
            band = spec.age_band(_age_in_years(born, period.start) if born else None)
            sets[spec.children_by_age(band)].add(child)

    for row in conn.execute(
        """SELECT domain, count(*) AS contacts, sum(minutes) AS minutes FROM support_entries
           WHERE entry_date BETWEEN ? AND ? AND transfer_id IS NULL GROUP BY domain""",
        (start, end),
    ):
        counts.cells[spec.contacts(row["domain"])] = int(row["contacts"])
        counts.minutes[row["domain"]] = int(row["minutes"])
    counts.cells[spec.contacts(TOTAL)] = sum(counts.cells.get(spec.contacts(d), 0) for d in spec.DOMAINS)

    referrals = conn.execute(
        f"""SELECT r.id, r.family_id, {visibility.sealed_value("r", "referrals", "service_category")}
               AS service_category, r.status, r.made_on FROM referrals r
           WHERE r.made_on BETWEEN ? AND ? AND r.status != 'draft' AND r.transfer_id IS NULL""",
        (start, end),
    ).fetchall()
    first_reached: dict[int, dict[str, str]] = defaultdict(dict)
    for row in conn.execute(
        """SELECT h.referral_id, h.status, min(h.changed_on) AS first_on
           FROM referral_status_history h JOIN referrals r ON r.id = h.referral_id
           WHERE r.made_on BETWEEN ? AND ? AND r.status != 'draft' AND r.transfer_id IS NULL
           GROUP BY h.referral_id, h.status""",
        (start, end),
    ):
        first_reached[row["referral_id"]][row["status"]] = row["first_on"]
    for row in referrals:
        family, category, status = row["family_id"], row["service_category"], row["status"]
        for c in (category, TOTAL):
            for s in (status, TOTAL):
                sets[spec.referred(c, s)].add(family)
            if status in spec.OUTCOME_STATUSES:
                sets[spec.outcome_known(c)].add(family)
        reached = first_reached.get(row["id"], {})
        sent = date.fromisoformat(reached.get("sent", row["made_on"]))
        for statuses, store in (
            (spec.ACKNOWLEDGED_STATUSES, counts.days_to_acknowledgement),
            (spec.FIRST_CONTACT_STATUSES, counts.days_to_first_contact),
        ):
            dates = [reached[s] for s in statuses if s in reached]
            if dates:
                days = (date.fromisoformat(min(dates)) - sent).days
                store.setdefault(category, []).append(max(days, 0))

    for key, members in sets.items():
        counts.cells[key] = len(members)
    counts.home_la_codes = tuple(sorted(la_codes))
    complete_cells(counts)
    return counts


def complete_cells(counts: ExactCounts) -> None:
    """Every cell of the layout gets a value (0 where nothing was counted); outcome cells go when
    there is no table by outcome (merging with a return made before it existed)."""
    if not counts.framework:
        for key in [k for k in counts.cells if k[0] == spec.OUTCOME_CELL]:
            del counts.cells[key]
    for table in spec.build_tables(counts.home_la_codes, counts.framework):
        for row in table.rows:
            for indicator in table.indicators:
                if indicator.is_count:
                    counts.cells.setdefault(row.values[indicator.name], 0)

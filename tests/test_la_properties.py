"""Properties of the return over random small casebooks (hypothesis):

* canary strings put in every free-text field of the casebook never appear in any byte of the return,
  and no date finer than a month does;
* no suppressed count can be worked out from the published totals: for every line (a total and its
  cells, across all tables) each primary-suppressed cell could still take more than one value.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from test_la_builders import new_casebook
from test_la_sdc import recoverable

from setting_app.domain.codes import (
    BUILTIN_ACTIVITIES,
    Consent,
    Domain,
    Kind,
    ReferralStatus,
    ServiceCategory,
)
from setting_app.domain.models import NewChild, NewEntry, NewFamily, NewReferral
from setting_app.services.la_export import SdcParams, prepare_export, spec, write_return
from setting_app.services.la_export.exact import generate_authority_keys
from setting_app.services.session import Session
from setting_app.storage import activity_repo, entry_repo, family_repo, referral_repo
from setting_app.storage.unit_of_work import unit_of_work

START = date(2026, 10, 1)
#: Published on purpose (they identify the return, not a person), or parsed as codes by the app.
NOT_FREE_TEXT = {("setting", "urn"), ("setting", "la_code"), ("setting", "provider_type")}
#: Free text a return publishes on purpose: the setting's own name, in EES's provider_name column (and
#: the manifest), unless the setting is a childminder (test_la_export checks that case).
PUBLISHED = {("setting", "name")}
#: Keys, names and hashes, not free text (the vault holds only ciphertexts, named by the app).
SKIP_TABLES = ("app_settings", "audit_log", "manager_vault", "audit_heads")
#: Each example builds a casebook: shrinking a failure would take minutes, so report it as found.
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)
DATE_LIKE = re.compile(r"(_on|_at|date|date_of_birth)$")
FULL_DATE = re.compile(rb"\d{4}-\d{2}-\d{2}")

entry_st = st.tuples(
    st.sampled_from(list(Domain)),
    st.sampled_from(list(Kind)),
    st.integers(-8, 36),  # days from 1 October: some fall outside the month
    st.booleans(),  # names the child
    st.sampled_from(["builtin", "custom", None]),
)
referral_st = st.tuples(
    st.sampled_from(list(ServiceCategory)),
    st.sampled_from([s for s in ReferralStatus if s is not ReferralStatus.DRAFT]),
    st.integers(0, 20),
)
family_st = st.tuples(
    st.lists(entry_st, max_size=4),
    st.lists(referral_st, max_size=2),
    st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2026, 9, 1))),
    st.sampled_from(["", "E09000007", "E09000019", "E09000012"]),
)
casebook_st = st.lists(family_st, min_size=0, max_size=20)
#: Base 1 (no rounding) most often: it is where a hidden cell is most at risk.
rule_st = st.sampled_from([(8, 1), (5, 1), (6, 1), (8, 5), (10, 10), (6, 2)])


def fill(session: Session, families: list) -> None:
    conn = session.conn
    now = session.clock.now()
    with unit_of_work(conn):
        custom = {
            d: activity_repo.add_activity_type(conn, d, f"own_{d.value}", f"Own {d.value}") for d in Domain
        }
        entries = []
        for entries_spec, referrals_spec, born, home in families:
            ref = family_repo.next_family_ref(conn)
            fam = family_repo.add_family(
                conn,
                NewFamily(
                    ref=ref,
                    opened_on=date(2026, 1, 1),
                    home_la_code=home,
                    children=(NewChild("Child", born, "c1"),),
                ),
                now,
            )
            child = family_repo.list_children(conn, fam.id)[0].id
            for domain, kind, offset, named, activity in entries_spec:
                code = {
                    "builtin": BUILTIN_ACTIVITIES[domain][0][0],
                    "custom": custom[domain].code,
                    None: None,
                }[activity]
                entries.append(
                    NewEntry(
                        fam.id,
                        START + timedelta(days=offset),
                        domain,
                        25,
                        kind=kind,
                        child_id=child if named else None,
                        activity_code=code,
                        note="note",
                    )
                )
            for category, status, days in referrals_spec:
                r = referral_repo.add_referral(
                    conn,
                    NewReferral(
                        fam.id,
                        "Service",
                        category,
                        Domain.FAMILY_WELLBEING,
                        START + timedelta(days=days),
                        Consent.GIVEN,
                        status=ReferralStatus.SENT,
                        note="note",
                    ),
                    now,
                )
                conn.execute(
                    "INSERT INTO referral_status_history (referral_id, status, changed_on, note, created_at) VALUES (?, ?, ?, 'n', 'x')",
                    (r.id, status.value, (START + timedelta(days=days + 3)).isoformat()),
                )
                conn.execute("UPDATE referrals SET status = ? WHERE id = ?", (status.value, r.id))
        entry_repo.add_entries(conn, entries, now)


def plant_canaries(session: Session, tag: str) -> list[bytes]:
    """Overwrite every free-text column of every table with a canary; return the canaries."""
    conn = session.conn
    canaries = []
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE '%VIRTUAL%'"
        )
    ]
    for table in tables:
        if table in SKIP_TABLES or "_fts" in table or table.startswith("sqlite_"):
            continue
        for column in conn.execute(f"PRAGMA table_info({table})").fetchall():
            name, kind = column[1], str(column[2]).upper()
            if kind != "TEXT" or DATE_LIKE.search(name) or (table, name) in NOT_FREE_TEXT:
                continue
            canary = f"Zq{tag}{table[:3]}{name[:4]}".replace("_", "")
            try:
                with unit_of_work(conn):
                    conn.execute(f"UPDATE {table} SET {name} = ? || rowid", (canary,))
            except Exception:  # a code column with a CHECK: not free text
                continue
            if (table, name) not in PUBLISHED:
                canaries.append(canary.encode())
    return canaries


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=NO_SHRINK)
@given(casebook_st, rule_st, st.text("abcdefghjkmnpqrstuvwxyz", min_size=4, max_size=8))
def test_no_canary_and_no_full_date_reaches_any_byte_of_the_return(families, rule, tag) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        session = new_casebook(root / "cb")
        try:
            fill(session, families)
            canaries = plant_canaries(session, tag)
            assert len(canaries) >= 20  # names, notes, phones, postcodes, refs, services, labels, ...
            _, public, _ = generate_authority_keys(root / "keys")
            out = root / "return"
            write_return(session, prepare_export(session, "2026-10", SdcParams(*rule)), out, exact_for=public)
        finally:
            session.close()
        setting_name = f"Zq{tag}setname".encode()
        for path in out.iterdir():
            data = path.read_bytes()
            for canary in canaries:
                assert canary not in data, (canary, path.name)
            if path.name != "exact.enc":
                assert not FULL_DATE.search(data), path.name
            # The setting's name only where EES asks for it.
            if path.suffix == ".csv" and setting_name in data:
                named = [r for r in csv.DictReader(io.StringIO(data.decode())) if r.get("provider_name")]
                assert data.count(setting_name) == len(named), path.name
            elif path.name == "manifest.json":
                assert (
                    data.count(setting_name) == 1
                    and setting_name.decode() in json.loads(data)["provider_name"]
                )
            else:
                assert setting_name not in data, path.name


def _families(n: int, domain: Domain, kind: Kind, born: date | None = None) -> list:
    return [([(domain, kind, 5, born is not None, None)], [], born, "")] * n


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=NO_SHRINK)
@given(casebook_st, rule_st)
# Without secondary suppression these give a hidden cell away: 3 hardship contacts = 13 - 10;
# 2 one-year-olds = 11 children - 9 three-year-olds.
@example(
    _families(10, Domain.CHILD_DEVELOPMENT, Kind.DIRECT)
    + _families(3, Domain.FINANCIAL_HARDSHIP, Kind.INDIRECT),
    (8, 1),
)
@example(
    _families(9, Domain.CHILD_DEVELOPMENT, Kind.DIRECT, date(2023, 5, 1))
    + _families(2, Domain.CHILD_DEVELOPMENT, Kind.DIRECT, date(2025, 5, 1)),
    (8, 1),
)
def test_no_suppressed_cell_can_be_worked_out_from_published_totals(families, rule) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        session = new_casebook(Path(tmp) / "cb")
        try:
            fill(session, families)
            export = prepare_export(session, "2026-10", SdcParams(*rule))
        finally:
            session.close()
    result = export.result
    lines = spec.build_lines(export.counts.home_la_codes, export.counts.framework)
    assert recoverable(result.exact, list(lines), result.published, result.reasons, result.params) == []
    for key, shown in result.published.items():
        assert shown == "c" or result.params.allows(shown), key
    # Every family counted once in the grand total (when it is shown), and every child in the age bands.
    total = result.exact[spec.families(spec.TOTAL, spec.TOTAL)]
    assert total == sum(result.exact[spec.families_by_home_la(c)] for c in export.counts.home_la_codes)
    assert result.exact[spec.children(spec.TOTAL, spec.TOTAL)] == sum(
        result.exact[spec.children_by_age(b)] for b in spec.AGE_BANDS
    )

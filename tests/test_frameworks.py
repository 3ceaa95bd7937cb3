"""Outcome-framework tags (issue 10 item 2): the tag service, the monthly summary's table by outcome
(figures, JSON, PDF), the LA return's table by outcome under disclosure control (verify, Frictionless,
merge by both methods), and history received from another setting kept out of all of them.

The casebook (October 2026, England), with the tags migration 0006 ships:

=====  ========================================  =========  ====================================
group  activity (domain)                         families   Supporting Families / SHANARRI tags
=====  ========================================  =========  ====================================
A      stay_and_play (child development), x2     10         early_years, family_relationships /
                                                            active, nurtured
B      safeguarding_discussion (wellbeing)       9          safe_from_abuse / safe
C      housing_signpost (hardship, no child)     3          housing / safe
D      no activity (child development)           4          untagged
E      "Warm bank visit" (setting's own)         2          tagged here: financial_stability,
                                                            housing / untagged
F      "Coffee morning" (setting's own)          1          untagged
R      stay_and_play, received from elsewhere    3          (must count nowhere)
=====  ========================================  =========  ====================================
"""

from __future__ import annotations

import csv
import subprocess
from datetime import date
from pathlib import Path

import frictionless
import pytest
from conftest import PASSPHRASE, fixed_clock, setting_details
from test_la_builders import Group, Referrals, build, new_casebook, new_setting

from setting_app.domain.codes import Domain, Kind, Nation, ReferralStatus, Role, ServiceCategory
from setting_app.domain.errors import NotFound, PermissionDenied, ValidationError
from setting_app.domain.frameworks import Framework, framework_for, parse_outcomes
from setting_app.services import activity_outcomes, audit, casebook, staff, support_log
from setting_app.services.casebook import create_casebook
from setting_app.services.la_export import prepare_export, spec, write_return
from setting_app.services.la_export.exact import decrypt, generate_authority_keys, load_authority_private_key
from setting_app.services.la_export.merge import merge_returns
from setting_app.services.la_export.sdc import Reason
from setting_app.services.la_export.verify import verify_package
from setting_app.services.monthly_summary import OUTCOME_QUERIES, OutcomeFigures, monthly_summary
from setting_app.services.report_pdf import render_monthly_pdf
from setting_app.services.session import Session
from setting_app.storage import activity_repo
from setting_app.storage.audit_repo import AuditFilter
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from setting_app.storage.unit_of_work import unit_of_work

TODAY = date(2026, 11, 23)
FIXTURE_RETURN = Path(__file__).parent / "fixtures" / "la" / "return-v1-2026-10"


def _custom(session: Session, domain: Domain, label: str) -> str:
    return support_log.add_activity_type(session, domain, label).code


def _groups(session: Session) -> list[Group]:
    warm = _custom(session, Domain.FINANCIAL_HARDSHIP, "Warm bank visit")
    coffee = _custom(session, Domain.FAMILY_WELLBEING, "Coffee morning")
    warm_id = activity_repo.get_activity_type(session.conn, Domain.FINANCIAL_HARDSHIP, warm).id
    activity_outcomes.set_activity_tags(
        session, warm_id, Framework.SUPPORTING_FAMILIES, ["housing", "financial_stability"]
    )
    return [
        Group(10, Domain.CHILD_DEVELOPMENT, Kind.DIRECT, entries_each=2, activity="stay_and_play"),
        Group(9, Domain.FAMILY_WELLBEING, Kind.DIRECT, activity="safeguarding_discussion"),
        Group(3, Domain.FINANCIAL_HARDSHIP, Kind.INDIRECT, activity="housing_signpost", with_child=False),
        Group(4, Domain.CHILD_DEVELOPMENT, Kind.DIRECT),
        Group(2, Domain.FINANCIAL_HARDSHIP, Kind.INDIRECT, activity=warm),
        Group(1, Domain.FAMILY_WELLBEING, Kind.DIRECT, activity=coffee),
        Group(3, Domain.CHILD_DEVELOPMENT, Kind.DIRECT, activity="stay_and_play"),  # R: received
    ]


def mark_received(session: Session, family_ids: list[int]) -> None:
    """History received from another setting, as the transfer import marks it."""
    conn = session.conn
    with unit_of_work(conn):
        cur = conn.execute(
            """INSERT INTO transfers (direction, transfer_uid, family_id, family_ref, other_setting_name,
                   other_key_fingerprint, sealed_on, received_on, file_sha256, contents, created_at)
               VALUES ('in', 'uid-1', ?, 'FAM-R', 'Oak Tree Nursery', 'AAAA BBBB', '2026-10-01',
                   '2026-10-02', 'ab12', '3 entries', '2026-10-02T09:00:00+00:00')""",
            (family_ids[0],),
        )
        marks = ",".join("?" * len(family_ids))
        for table in ("support_entries", "referrals"):
            conn.execute(
                f"UPDATE {table} SET transfer_id = ? WHERE family_id IN ({marks})",
                (cur.lastrowid, *family_ids),
            )


def _known(session: Session, *, received: bool = True) -> list[list[int]]:
    built = build(
        session,
        _groups(session),
        [
            (1, Referrals(2, ServiceCategory.SOCIAL_CARE, ReferralStatus.SENT)),
            (6, Referrals(3, ServiceCategory.HEALTH_VISITING, ReferralStatus.SENT)),  # received ones
        ],
    )
    if received:
        mark_received(session, built.family_ids[6])
    return built.family_ids


@pytest.fixture
def known(session: Session) -> Session:
    _known(session)
    return session


# --- the frameworks and the tag service ------------------------------------------------------------


def test_frameworks_follow_the_nation_and_hold_their_outcomes() -> None:
    assert framework_for(Nation.ENGLAND) is Framework.SUPPORTING_FAMILIES
    assert framework_for(Nation.SCOTLAND) is Framework.SHANARRI
    assert len(Framework.SUPPORTING_FAMILIES.codes) == 10
    assert Framework.SHANARRI.codes == (
        "safe",
        "healthy",
        "achieving",
        "nurtured",
        "active",
        "respected",
        "responsible",
        "included",
    )
    assert Framework.SUPPORTING_FAMILIES.outcome_label("early_years") == "Good early years development"
    assert Framework.SUPPORTING_FAMILIES.table_title == "By outcome (Supporting Families)"
    assert Framework.SHANARRI.table_title == "By wellbeing indicator (SHANARRI)"
    # Repeats go; the framework's own order is kept.
    assert parse_outcomes(Framework.SHANARRI, ["included", "safe", "safe"]) == ("safe", "included")


def test_built_in_activities_carry_the_default_tags_and_own_types_start_untagged(session: Session) -> None:
    plays = activity_repo.get_activity_type(session.conn, Domain.CHILD_DEVELOPMENT, "stay_and_play")
    tags = activity_outcomes.activity_tags(session, plays.id)
    assert tags.tags == {
        Framework.SUPPORTING_FAMILIES: ("early_years", "family_relationships"),
        Framework.SHANARRI: ("nurtured", "active"),
    }
    assert tags.labels(Framework.SUPPORTING_FAMILIES) == (
        "Good early years development",
        "Improved family relationships",
    )
    tagged = session.conn.execute("SELECT count(DISTINCT activity_id) FROM activity_outcomes").fetchone()[0]
    assert tagged == 20
    own = support_log.add_activity_type(session, Domain.FAMILY_WELLBEING, "Coffee morning")
    assert activity_outcomes.activity_tags(session, own.id).tags == {f: () for f in Framework}


def test_a_manager_tags_an_activity_and_the_change_is_audited(session: Session) -> None:
    own = support_log.add_activity_type(session, Domain.FINANCIAL_HARDSHIP, "Warm bank visit")
    saved = activity_outcomes.set_activity_tags(session, own.id, "shanarri", "included, healthy")
    assert saved.tags[Framework.SHANARRI] == ("healthy", "included")
    assert saved.tags[Framework.SUPPORTING_FAMILIES] == ()
    activity_outcomes.set_activity_tags(
        session, own.id, Framework.SHANARRI, ["healthy", "included"]
    )  # no change
    activity_outcomes.set_activity_tags(session, own.id, Framework.SHANARRI, [])
    assert activity_outcomes.activity_tags(session, own.id).tags[Framework.SHANARRI] == ()
    rows = [
        r
        for r in audit.list_audit(session, AuditFilter(action=audit.SETTINGS))
        if r.object_type == "activity_type"
    ]
    assert len(rows) == 2  # saving the same tags again records nothing
    assert all(r.object_id == own.id for r in rows)
    assert {r.detail for r in rows} == {
        "SHANARRI tags of activity financial_hardship/warm_bank_visit: healthy, included (were none)",
        "SHANARRI tags of activity financial_hardship/warm_bank_visit: none (were healthy, included)",
    }
    assert audit.verify(session) is None


def test_unknown_codes_a_practitioner_and_a_missing_activity_are_refused(
    session: Session, data_dir: Path
) -> None:
    own = support_log.add_activity_type(session, Domain.FINANCIAL_HARDSHIP, "Warm bank visit")
    with pytest.raises(ValidationError) as caught:
        activity_outcomes.set_activity_tags(session, own.id, "supporting_families", ["housing", "happiness"])
    assert caught.value.field == "outcome"
    assert "'happiness' is not a Supporting Families outcome" in caught.value.message
    with pytest.raises(ValidationError, match="'safe' is not a Supporting Families outcome"):
        activity_outcomes.set_activity_tags(session, own.id, "supporting_families", ["safe"])
    with pytest.raises(ValidationError) as caught:
        activity_outcomes.set_activity_tags(session, own.id, "girfec", ["safe"])
    assert caught.value.field == "framework"
    with pytest.raises(NotFound):
        activity_outcomes.set_activity_tags(session, 9999, "shanarri", ["safe"])
    assert activity_outcomes.activity_tags(session, own.id).tags[Framework.SUPPORTING_FAMILIES] == ()

    staff.add_user(session, "pat", Role.PRACTITIONER, PASSPHRASE, kdf=TEST_ONLY_FAST_KDF)
    pat = casebook.unlock(data_dir, "pat", PASSPHRASE, clock=fixed_clock())
    try:
        with pytest.raises(PermissionDenied):
            activity_outcomes.set_activity_tags(pat, own.id, "shanarri", ["safe"])
        assert activity_outcomes.activity_tags(pat, own.id).tags[Framework.SHANARRI] == ()  # reading is fine
    finally:
        pat.close()


# --- the monthly summary ---------------------------------------------------------------------------


SF_EXPECTED = {
    "education": OutcomeFigures(),
    "early_years": OutcomeFigures(10, 10, 20, 600),
    "health": OutcomeFigures(),
    "substance_use": OutcomeFigures(),
    "family_relationships": OutcomeFigures(10, 10, 20, 600),
    "safe_from_abuse": OutcomeFigures(9, 9, 9, 270),
    "crime": OutcomeFigures(),
    "domestic_abuse": OutcomeFigures(),
    "housing": OutcomeFigures(5, 2, 5, 150),
    "financial_stability": OutcomeFigures(2, 2, 2, 60),
}


def test_monthly_summary_tallies_each_outcome_from_the_tags(known: Session) -> None:
    summary = monthly_summary(known, "2026-10")
    table = summary.outcomes
    assert table.framework is Framework.SUPPORTING_FAMILIES
    assert table.by_outcome == SF_EXPECTED
    assert table.untagged == OutcomeFigures(5, 5, 5, 150)  # D (no activity) and F (own, untagged)
    # Only this setting's own work: 29 families, not the 3 received.
    assert summary.headline.families_supported == 29
    assert summary.headline.entries == 39
    assert summary.headline.referrals_made == 2
    data = summary.to_json_dict()["outcomes"]
    assert data["framework"] == "supporting_families"
    assert data["title"] == "By outcome (Supporting Families)"
    assert data["by_outcome"]["housing"] == {"families": 5, "children": 2, "entries": 5, "minutes": 150}
    assert data["no_tagged_activity"] == {"families": 5, "children": 5, "entries": 5, "minutes": 150}
    assert list(data["by_outcome"]) == list(Framework.SUPPORTING_FAMILIES.codes)


def test_received_history_counts_in_no_figure_of_the_summary(session: Session) -> None:
    ids = _known(session, received=False)
    before = monthly_summary(session, "2026-10")
    assert before.outcomes.by_outcome["early_years"] == OutcomeFigures(13, 13, 23, 690)
    assert (before.headline.families_supported, before.headline.referrals_made) == (32, 5)
    mark_received(session, ids[6])
    after = monthly_summary(session, "2026-10")
    assert after.outcomes.by_outcome == SF_EXPECTED
    assert (after.headline.families_supported, after.headline.children_supported) == (29, 26)
    assert after.headline.referrals_made == 2
    assert sum(after.referrals_by_status.values()) == 2
    assert after.trend[-1][1][Domain.CHILD_DEVELOPMENT] == 24  # 20 + 4, not the 3 received
    assert after.families_by_domain[Domain.CHILD_DEVELOPMENT] == 14


def test_a_scottish_summary_uses_shanarri(tmp_path: Path) -> None:
    session = create_casebook(
        tmp_path / "scot",
        setting_details(Nation.SCOTLAND),
        "manager",
        "Mina Manager",
        PASSPHRASE,
        kdf=TEST_ONLY_FAST_KDF,
        clock=fixed_clock(),
    ).session
    try:
        _known(session)
        table = monthly_summary(session, "2026-10").outcomes
        assert table.framework is Framework.SHANARRI
        assert {code: f.families for code, f in table.by_outcome.items()} == {
            "safe": 12,  # safeguarding 9 + housing signpost 3
            "healthy": 0,
            "achieving": 0,
            "nurtured": 10,
            "active": 10,
            "respected": 0,
            "responsible": 0,
            "included": 0,
        }
        assert table.untagged == OutcomeFigures(7, 7, 7, 210)  # D, F and E (tagged in England's only)
        assert table.title == "By wellbeing indicator (SHANARRI)"
    finally:
        session.close()


def test_outcome_queries_read_the_month_through_the_date_index(known: Session) -> None:
    by_outcome, untagged = OUTCOME_QUERIES
    for sql, params in (
        (by_outcome, ("supporting_families", "2026-10-01", "2026-10-31")),
        (untagged, ("2026-10-01", "2026-10-31", "supporting_families")),
    ):
        plan = [row[3] for row in known.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
        entries = [step for step in plan if step.startswith(("SEARCH e", "SCAN e"))]
        assert entries == ["SEARCH e USING INDEX idx_entries_date (entry_date>? AND entry_date<?)"], plan


def test_the_pdf_prints_the_outcome_table(known: Session, tmp_path: Path) -> None:
    path = tmp_path / "summary.pdf"
    path.write_bytes(render_monthly_pdf(monthly_summary(known, "2026-10")).data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "By outcome (Supporting Families)" in lines
    assert "Outcome Families Children Entries Staff time" in lines
    assert "Good early years development 10 10 20 10 h 0 min" in lines
    assert "Children safe from abuse and exploitation 9 9 9 4 h 30 min" in lines
    assert "Secure housing 5 2 5 2 h 30 min" in lines
    assert "Crime prevention and tackling crime 0 0 0 0 min" in lines
    assert "No tagged activity 5 5 5 2 h 30 min" in lines
    assert "An entry counts under every outcome its activity type is tagged with" in " ".join(lines)


# --- the LA return -----------------------------------------------------------------------------------


def _csv(out: Path, name: str) -> dict[str, dict[str, str]]:
    with (out / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return {r["outcome"]: r for r in csv.DictReader(handle)}


def test_la_return_has_a_table_by_outcome_under_disclosure_control(known: Session, tmp_path: Path) -> None:
    export = prepare_export(known, "2026-10")
    exact = {
        o: export.counts.value(spec.families_by_outcome(o))
        for o in spec.outcome_values("supporting_families")
    }
    assert exact == {
        "education": 0,
        "early_years": 10,
        "health": 0,
        "substance_use": 0,
        "family_relationships": 10,
        "safe_from_abuse": 9,
        "crime": 0,
        "domestic_abuse": 0,
        "housing": 5,
        "financial_stability": 2,
        "untagged": 5,
    }
    assert export.counts.value(spec.families(spec.TOTAL, spec.TOTAL)) == 29  # the 3 received left out
    assert export.counts.value(spec.referred(spec.TOTAL, spec.TOTAL)) == 2
    assert export.result.reasons[spec.families_by_outcome("housing")] is Reason.PRIMARY
    out = tmp_path / "return"
    write_return(known, export, out)
    rows = _csv(out, "support_by_outcome")
    assert {o: r["families_supported"] for o, r in rows.items()} == {
        "education": "0",
        "early_years": "10",
        "health": "0",
        "substance_use": "0",
        "family_relationships": "10",
        "safe_from_abuse": "10",  # 9, rounded to 5
        "crime": "0",
        "domestic_abuse": "0",
        "housing": "c",  # 5: below the threshold of 8
        "financial_stability": "c",
        "untagged": "c",
        "Total": "30",  # 29: the same cell as every other "families supported" total
    }
    assert {r["outcome_framework"] for r in rows.values()} == {"supporting_families"}
    assert rows["Total"]["provider_ukprn"] == "EY123456"
    preview = [c for c in export.preview() if c.table == "support_by_outcome"]
    assert ("Supporting Families, Secure housing", 5, "c") in {
        (c.breakdown, c.exact, c.published) for c in preview
    }
    report = verify_package(out)
    assert report.ok, report.problems
    validated = frictionless.validate(str(out / "datapackage.json"))
    assert validated.valid, validated.flatten(["type", "message"])


def test_dominance_hides_an_outcome_every_family_shares(session: Session) -> None:
    build(session, [Group(12, Domain.CHILD_DEVELOPMENT, Kind.DIRECT, activity="progress_check")])
    export = prepare_export(session, "2026-10")
    key = spec.families_by_outcome
    assert export.counts.value(key("early_years")) == 12 == export.counts.value(key(spec.TOTAL))
    published = {o: export.result.published[key(o)] for o in spec.outcome_values("supporting_families")}
    assert set(published.values()) == {"c"}  # "all 12 were early years" would tell on everyone
    assert export.result.published[key(spec.TOTAL)] == 10


def test_a_scottish_return_counts_shanarri_indicators(tmp_path: Path) -> None:
    session = new_casebook(tmp_path / "scot", setting_details(Nation.SCOTLAND))
    try:
        _known(session)
        out = tmp_path / "return"
        write_return(session, prepare_export(session, "2026-10"), out)
    finally:
        session.close()
    rows = _csv(out, "support_by_outcome")
    assert list(rows) == [*Framework.SHANARRI.codes, "untagged", "Total"]
    assert (rows["safe"]["families_supported"], rows["nurtured"]["families_supported"]) == ("10", "10")
    assert rows["safe"]["outcome_framework"] == "shanarri"
    assert verify_package(out).ok
    assert frictionless.validate(str(out / "datapackage.json")).valid


# --- merging returns -------------------------------------------------------------------------------------

MERGE_SETTINGS = {
    "EY100001": [
        Group(6, Domain.CHILD_DEVELOPMENT, Kind.DIRECT, activity="stay_and_play"),
        Group(3, Domain.FINANCIAL_HARDSHIP, Kind.INDIRECT, activity="housing_signpost"),
    ],
    "EY100002": [
        Group(5, Domain.CHILD_DEVELOPMENT, Kind.DIRECT, activity="stay_and_play"),
        Group(4, Domain.FAMILY_WELLBEING, Kind.DIRECT, activity="safeguarding_discussion"),
    ],
    "EY100003": [
        Group(9, Domain.CHILD_DEVELOPMENT, Kind.DIRECT, activity="progress_check"),
        Group(2, Domain.FINANCIAL_HARDSHIP, Kind.INDIRECT, activity="housing_signpost"),
    ],
}
#: The true sums: early years 6+5+9, family relationships 6+5, safe from abuse 4, housing 3+2; 29 families.
MERGED_TRUTH = {
    "early_years": 20,
    "family_relationships": 11,
    "safe_from_abuse": 4,
    "housing": 5,
    "total": 29,
}


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("outcome_merge")
    private, public, _ = generate_authority_keys(root / "keys")
    dirs = []
    for urn, groups in MERGE_SETTINGS.items():
        session = new_casebook(root / f"cb-{urn}", new_setting(urn))
        try:
            build(session, groups)
            out = root / f"return-{urn}"
            write_return(session, prepare_export(session, "2026-10"), out, exact_for=public)
        finally:
            session.close()
        dirs.append(out)
    return {"dirs": dirs, "private": private}


def test_exact_merge_sums_outcomes_then_controls_once(returns: dict, tmp_path: Path) -> None:
    single = _csv(returns["dirs"][0], "support_by_outcome")
    assert single["early_years"]["families_supported"] == "c"  # 6 in one setting
    out = tmp_path / "merged"
    merge_returns(returns["dirs"], out, today=TODAY, key_path=returns["private"])
    rows = _csv(out, "support_by_outcome")
    assert {o: rows[spec.written(o)]["families_supported"] for o in MERGED_TRUTH} == {
        "early_years": "20",  # useful once merged
        "family_relationships": "10",  # 11
        "safe_from_abuse": "c",  # 4
        "housing": "c",  # 5
        "total": "30",  # 29 (written "Total")
    }
    assert rows["education"]["families_supported"] == "0"
    assert rows["Total"]["geographic_level"] == "Local authority"
    assert verify_package(out).ok
    validated = frictionless.validate(str(out / "datapackage.json"))
    assert validated.valid, validated.flatten(["type", "message"])


def test_published_merge_bounds_hold_the_true_outcome_sums(returns: dict, tmp_path: Path) -> None:
    out = tmp_path / "merged"
    merge_returns(returns["dirs"], out, today=TODAY)
    rows = _csv(out, "support_by_outcome")
    private = load_authority_private_key(returns["private"])
    truth: dict = {}
    for d in returns["dirs"]:
        for key, value in decrypt((d / "exact.enc").read_bytes(), private, "exact.enc")["cells"]:
            truth[tuple(key)] = truth.get(tuple(key), 0) + value
    assert truth[spec.families_by_outcome("early_years")] == MERGED_TRUTH["early_years"]
    for outcome, row in rows.items():
        value = truth.get(spec.families_by_outcome(spec.internal(outcome)), 0)
        lower, upper = row["families_supported_lower"], row["families_supported_upper"]
        assert int(lower) <= value, outcome
        assert upper == "x" or value <= int(upper), outcome
    assert rows["early_years"]["families_supported"] == "x"  # hidden in two of the three returns
    assert rows["Total"]["families_supported"] == "30"  # 10 + 10 + 10 published
    assert verify_package(out).ok
    validated = frictionless.validate(str(out / "datapackage.json"))
    assert validated.valid, validated.flatten(["type", "message"])


def test_a_return_made_before_the_outcome_table_still_merges_without_it(
    returns: dict, tmp_path: Path
) -> None:
    out = tmp_path / "merged"
    merge_returns([FIXTURE_RETURN, returns["dirs"][0]], out, today=TODAY)
    assert not (out / "support_by_outcome.csv").exists()
    assert (out / "support_by_domain_and_type.csv").exists()
    assert verify_package(out).ok

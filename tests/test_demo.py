"""The demo generator: deterministic for a seed, believable, refuses a used folder, and the CLI's passphrase."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from setting_app.cli import main
from setting_app.domain.codes import DOMAIN_ORDER, Domain, Kind, ReferralStatus, ServiceCategory
from setting_app.domain.errors import AlreadyExists, ValidationError
from setting_app.services import casebook, demo
from setting_app.storage.casebook_store import CasebookPaths
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import PASSPHRASE, TODAY, fixed_clock

#: Every table the demo fills, with the columns that must match exactly between two runs.
COMPARED = {
    "families": "ref, postcode, home_la_code, key_worker_id, opened_on, closed_on, notes",
    "carers": "family_id, position, name, relationship, phone",
    "children": "family_id, name, date_of_birth",
    "support_entries": (
        "family_id, child_id, staff_id, entry_date, domain, kind, activity_code, minutes, contact_mode, note, "
        "follow_up_on"
    ),
    "referrals": "family_id, child_id, service_id, domain, status, made_on",
    "referral_status_history": "referral_id, status, changed_on, reason, note",
    "services": "name, organisation, category, phone",
}


def build(folder: Path, *, families: int = 30, months: int = 18, seed: int = 1) -> demo.DemoResult:
    return demo.build_demo(
        folder,
        families=families,
        months=months,
        seed=seed,
        passphrase=PASSPHRASE,
        kdf=TEST_ONLY_FAST_KDF,
        clock=fixed_clock(),
    )


def dump(folder: Path) -> dict[str, list[tuple]]:
    session = casebook.unlock(folder, "demo", PASSPHRASE, clock=fixed_clock())
    try:
        return {
            table: [tuple(row) for row in session.conn.execute(f"SELECT {columns} FROM {table} ORDER BY id")]
            for table, columns in COMPARED.items()
        }
    finally:
        session.close()


@pytest.fixture(scope="module")
def larger(tmp_path_factory: pytest.TempPathFactory) -> tuple[demo.DemoResult, dict[str, list[tuple]]]:
    """One casebook big enough to see the shape of a year: 150 families over two years."""
    folder = tmp_path_factory.mktemp("demo") / "casebook"
    result = build(folder, families=150, months=24, seed=7)
    session = casebook.unlock(folder, "demo", PASSPHRASE, clock=fixed_clock())
    try:
        rows = {
            "entries": session.conn.execute(
                "SELECT entry_date, domain, kind, minutes, family_id, child_id FROM support_entries"
            ).fetchall(),
            "children": session.conn.execute(
                "SELECT family_id, COUNT(*) FROM children GROUP BY family_id"
            ).fetchall(),
            "families": session.conn.execute("SELECT id, opened_on, closed_on FROM families").fetchall(),
            "referrals": session.conn.execute(
                "SELECT r.status, s.category FROM referrals r JOIN services s ON s.id = r.service_id"
            ).fetchall(),
            "phones": session.conn.execute("SELECT phone FROM carers").fetchall(),
        }
    finally:
        session.close()
    return result, rows


def test_the_same_seed_makes_the_same_records_and_another_seed_does_not(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    result_a = build(first)
    result_b = build(second)
    build(other, seed=2)
    assert (result_a.families, result_a.entries, result_a.referrals) == (
        result_b.families,
        result_b.entries,
        result_b.referrals,
    )
    same, different = dump(first), dump(other)
    assert dump(second) == same
    assert same["support_entries"] and same["referrals"]
    assert different["support_entries"] != same["support_entries"]
    assert result_a.recovery_code != result_b.recovery_code  # keys are never derived from the seed


def test_counts_reported_are_the_rows_written(tmp_path: Path) -> None:
    result = build(tmp_path / "casebook", families=12, months=6)
    rows = dump(tmp_path / "casebook")
    assert result.families == len(rows["families"]) == 12
    assert result.entries == len(rows["support_entries"])
    assert result.referrals == len(rows["referrals"])
    assert result.status_changes == len(rows["referral_status_history"])
    assert result.children == sum(1 for _ in rows["children"])


def test_families_have_one_to_three_children_and_entries_stay_inside_their_dates(larger) -> None:
    result, rows = larger
    per_family = [count for _, count in rows["children"]]
    assert len(per_family) == result.families and min(per_family) >= 1 and max(per_family) <= 3
    assert len(set(per_family)) == 3  # all three sizes occur
    span = {
        fid: (date.fromisoformat(opened), closed and date.fromisoformat(closed))
        for fid, opened, closed in rows["families"]
    }
    assert 0 < result.open_families < result.families  # some families have moved on
    for day, _domain, _kind, minutes, family_id, _child in rows["entries"]:
        on = date.fromisoformat(day)
        opened, closed = span[family_id]
        assert opened <= on <= TODAY and (closed is None or on <= closed)
        assert 1 <= minutes <= 600
        assert on.weekday() < 5  # the setting is open on weekdays


def test_every_domain_and_both_kinds_with_the_usual_kind_most_common(larger) -> None:
    _, rows = larger
    by_domain = Counter(domain for _, domain, *_ in rows["entries"])
    assert set(by_domain) == {d.value for d in DOMAIN_ORDER}
    kinds = Counter((domain, kind) for _, domain, kind, *_ in rows["entries"])
    mostly_direct = (Domain.CHILD_DEVELOPMENT, Domain.INCLUSION_SEND)
    for domain in mostly_direct:
        assert kinds[(domain.value, Kind.DIRECT.value)] > kinds[(domain.value, Kind.INDIRECT.value)] > 0
    hardship = Domain.FINANCIAL_HARDSHIP.value
    assert kinds[(hardship, Kind.INDIRECT.value)] > kinds[(hardship, Kind.DIRECT.value)] > 0
    wellbeing = Domain.FAMILY_WELLBEING.value
    assert kinds[(wellbeing, Kind.DIRECT.value)] > 0 and kinds[(wellbeing, Kind.INDIRECT.value)] > 0


def test_the_year_has_a_rhythm(larger) -> None:
    """Quiet in August, busy in September; hardship work peaks in winter."""
    _, rows = larger
    by_month = Counter(date.fromisoformat(day).month for day, *_ in rows["entries"])
    assert by_month[8] < 0.7 * by_month[9]
    hardship = Counter(
        date.fromisoformat(day).month
        for day, domain, *_ in rows["entries"]
        if domain == Domain.FINANCIAL_HARDSHIP.value
    )
    share = {m: hardship[m] / by_month[m] for m in (1, 6)}
    assert share[1] > share[6]
    christmas = sum(1 for day, *_ in rows["entries"] if day.endswith(("-12-25", "-12-26", "-01-01")))
    assert christmas == 0


def test_referrals_reach_every_service_category_with_a_spread_of_outcomes(larger) -> None:
    _, rows = larger
    categories = {category for _, category in rows["referrals"]}
    assert categories == {c.value for c in ServiceCategory}
    statuses = Counter(status for status, _ in rows["referrals"])
    assert len(statuses) >= 6, statuses
    assert statuses[ReferralStatus.COMPLETED.value] > 0 and statuses[ReferralStatus.DECLINED.value] > 0


def test_phone_numbers_are_in_the_range_kept_for_drama(larger) -> None:
    _, rows = larger
    phones = [phone for (phone,) in rows["phones"] if phone]
    assert phones and all(phone.replace(" ", "").startswith("07700900") for phone in phones)


def test_a_demo_casebook_passes_the_integrity_checks(tmp_path: Path) -> None:
    build(tmp_path / "casebook", families=10, months=6)
    session = casebook.unlock(tmp_path / "casebook", "demo", PASSPHRASE, clock=fixed_clock())
    try:
        assert casebook.check_casebook(session) == []
    finally:
        session.close()


def test_a_folder_with_a_casebook_is_refused_and_left_alone(tmp_path: Path) -> None:
    folder = tmp_path / "casebook"
    build(folder, families=5, months=3)
    database = CasebookPaths(folder).db
    before = (database.read_bytes(), database.stat().st_mtime_ns)
    with pytest.raises(AlreadyExists, match="already holds a casebook"):
        build(folder, families=5, months=3)
    assert (database.read_bytes(), database.stat().st_mtime_ns) == before


@pytest.mark.parametrize(("families", "months"), [(0, 12), (40, 0), (40, 10_000)])
def test_sizes_out_of_range_are_refused_before_anything_is_made(
    tmp_path: Path, families: int, months: int
) -> None:
    with pytest.raises(ValidationError):
        build(tmp_path / "casebook", families=families, months=months)
    assert not (tmp_path / "casebook").exists()


def run_cli(folder: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--data-dir", str(folder), *args], kdf=TEST_ONLY_FAST_KDF, clock=fixed_clock())
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_prints_the_passphrase_it_chose_and_that_passphrase_opens_the_casebook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SETTING_APP_PASSPHRASE", raising=False)
    folder = tmp_path / "casebook"
    code, out, err = run_cli(folder, "demo", "--families", "8", "--months", "4", capsys=capsys)
    assert code == 0, err
    chosen = next(line for line in out.splitlines() if line.startswith("Passphrase for demo:")).split(
        ": ", 1
    )[1]
    assert len(chosen) >= 16
    session = casebook.unlock(folder, "demo", chosen, clock=fixed_clock())
    assert session.user.role.value == "manager"
    session.close()
    assert "8 families" in out and "invented" in out


def test_cli_uses_the_passphrase_from_the_environment_and_the_named_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SETTING_APP_PASSPHRASE", PASSPHRASE)
    folder = tmp_path / "casebook"
    code, out, err = run_cli(
        folder, "--user", "trainer", "demo", "--families", "5", "--months", "3", capsys=capsys
    )
    assert code == 0, err
    assert PASSPHRASE not in out
    casebook.unlock(folder, "trainer", PASSPHRASE, clock=fixed_clock()).close()


def test_cli_refusals_are_one_plain_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SETTING_APP_PASSPHRASE", PASSPHRASE)
    folder = tmp_path / "casebook"
    code, _, err = run_cli(folder, "demo", "--families", "0", capsys=capsys)
    assert code == 1 and "families" in err and "Traceback" not in err
    assert not folder.exists()
    assert run_cli(folder, "demo", "--families", "3", "--months", "2", capsys=capsys)[0] == 0
    code, _, err = run_cli(folder, "demo", capsys=capsys)
    assert code == 1 and "already holds a casebook" in err and "Traceback" not in err


def test_the_demo_has_agreements_its_shares_name_and_two_self_evaluations(tmp_path: Path) -> None:
    from setting_app.services import agreements, self_evaluation

    folder = tmp_path / "casebook"
    build(folder, families=40, months=24)
    session = casebook.unlock(folder, "demo", PASSPHRASE, clock=fixed_clock())
    try:
        found = agreements.list_agreements(session)
        assert len(found) == 4
        assert [a.title for a in agreements.agreements_due(session)] == [
            "Health visiting and family hub information sharing"
        ]
        shares = session.conn.execute(
            "SELECT agreement_id, no_agreement_reason FROM information_sharing WHERE decision = 'shared'"
        ).fetchall()
        assert shares and all((a is None) != (reason == "") for a, reason in shares)
        assert any(a is not None for a, _ in shares) and any(a is None for a, _ in shares)
        evaluations = self_evaluation.list_evaluations(session)
        assert len(evaluations) == 2 and evaluations[0].completed_on < TODAY
    finally:
        session.close()

"""Returns and merges pass DfE's data screener (eesyscreener, through the port in
tests/eesyscreener_port): every data file of a month, a quarter and a financial-year return, and of
both kinds of merge, for an England setting; for a Scottish one, every rule but the check against
England's list of local authorities. Format version 1 returns (stored fixtures) still verify and merge,
alone or with version 2 returns, and the merge of them passes too.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from datetime import date, datetime
from pathlib import Path

import frictionless
import pytest
from conftest import PASSPHRASE, fixed_clock
from eesyscreener_port import screener
from eesyscreener_port.returns import ENGLAND_LOOKUP_CHECKS, screen_package
from eesyscreener_port.source import package_source

from setting_app.domain.codes import Nation, ProviderType
from setting_app.services import casebook, demo
from setting_app.services.la_export import prepare_export, write_return
from setting_app.services.la_export.exact import generate_authority_keys
from setting_app.services.la_export.merge import merge_returns
from setting_app.services.la_export.verify import verify_package
from setting_app.storage import setting_repo
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from setting_app.storage.unit_of_work import unit_of_work

TODAY = date(2026, 11, 23)
PERIODS = ("2026-10", "2026-Q3", "FY2025-26")
FIXTURES = Path(__file__).parent / "fixtures" / "la"
#: What a return may still be warned about: its own indicators and filters are not (yet) in EES's
#: data dictionary, which keeps a file out of the EES API but not out of publication (see
#: docs/ees-conventions.md for the list and why).
ALLOWED_WARNINGS = {"data_dict_col_name"}
HAVE_PACKAGE = package_source() is not None


def _demo(root: Path, nation: Nation, seed: int, urn_suffix: str) -> casebook.Session:
    folder = root / f"cb-{nation.value}-{seed}"
    demo.build_demo(
        folder,
        families=60,
        months=24,
        seed=seed,
        passphrase=PASSPHRASE,
        kdf=TEST_ONLY_FAST_KDF,
        clock=fixed_clock(),
        nation=nation,
    )
    session = casebook.unlock(folder, "demo", PASSPHRASE, clock=fixed_clock())
    details = setting_repo.get_setting(session.conn)
    with unit_of_work(session.conn):
        setting_repo.save_setting(
            session.conn,
            dataclasses.replace(details, urn=details.urn[:-1] + urn_suffix),
            datetime(2026, 11, 1),
        )
    return session


def _returns_and_merges(root: Path, nation: Nation) -> dict[str, Path]:
    private, public, _ = generate_authority_keys(root / f"keys-{nation.value}")
    made: dict[str, Path] = {}
    by_period: dict[str, list[Path]] = {p: [] for p in PERIODS}
    for seed, suffix in ((5, "1"), (6, "2")):
        session = _demo(root, nation, seed, suffix)
        try:
            for period in PERIODS:
                out = root / f"{nation.value}-{seed}-{period}"
                write_return(session, prepare_export(session, period), out, exact_for=public)
                by_period[period].append(out)
                made[f"return {seed} {period}"] = out
        finally:
            session.close()
    for period, dirs in by_period.items():
        exact_out, public_out = (
            root / f"{nation.value}-exact-{period}",
            root / f"{nation.value}-public-{period}",
        )
        merge_returns(dirs, exact_out, today=TODAY, key_path=private)
        merge_returns(dirs, public_out, today=TODAY)
        made[f"exact merge {period}"] = exact_out
        made[f"public merge {period}"] = public_out
    return made


@pytest.fixture(scope="module")
def england(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _returns_and_merges(tmp_path_factory.mktemp("ees-england"), Nation.ENGLAND)


@pytest.fixture(scope="module")
def scotland(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _returns_and_merges(tmp_path_factory.mktemp("ees-scotland"), Nation.SCOTLAND)


def _assert_passes(made: dict[str, Path], skip: tuple[str, ...] = ()) -> int:
    screened = 0
    for what, directory in made.items():
        results = screen_package(directory, skip=skip)
        expected = 9 if what.startswith("return") else 10
        assert len(results) == expected, (what, sorted(results))
        for name, result in results.items():
            failures = [(r.check, r.message) for r in result.failures()]
            assert result.passed and not failures, (what, name, failures)
            assert result.results[-1].stage == "Check API", (what, name)  # every stage ran
            warnings = {r.check for r in result.by_result(screener.WARNING)}
            assert warnings <= ALLOWED_WARNINGS, (what, name, warnings)
            not_run = {r.check for r in result.by_result(screener.NOT_RUN)}
            if HAVE_PACKAGE:
                assert not not_run, (what, name, not_run)
            else:  # only the checks that need the package's big lookups
                assert not_run <= {"geog_la_combos", "data_dict_col_name", "data_dict_fil_item"}
            screened += 1
    return screened


def test_every_england_return_and_merge_passes_the_screener(england: dict[str, Path]) -> None:
    assert _assert_passes(england) == 6 * 9 + 6 * 10


def test_every_scottish_return_and_merge_passes_every_rule_outside_englands_lookups(
    scotland: dict[str, Path],
) -> None:
    assert _assert_passes(scotland, skip=ENGLAND_LOOKUP_CHECKS) == 6 * 9 + 6 * 10


@pytest.mark.skipif(not HAVE_PACKAGE, reason="needs the package's list of local authorities")
def test_a_scottish_authority_is_not_on_englands_list(scotland: dict[str, Path]) -> None:
    results = screen_package(scotland["return 5 2026-10"])
    assert {tuple(r.check for r in result.failures()) for result in results.values()} == {("geog_la_combos",)}


def test_the_time_columns_follow_ees(england: dict[str, Path]) -> None:
    expected = {
        "2026-10": ("2026", "October"),
        "2026-Q3": ("202627", "Financial year Q2"),  # July to September 2026
        "FY2025-26": ("202526", "Financial year"),
    }
    for period, (time_period, identifier) in expected.items():
        for what in (f"return 5 {period}", f"exact merge {period}", f"public merge {period}"):
            with (england[what] / "support_by_domain_and_type.csv").open(encoding="utf-8") as handle:
                rows = list(csv.DictReader(handle))
            assert {(r["time_period"], r["time_identifier"]) for r in rows} == {(time_period, identifier)}, (
                what
            )


def test_returns_and_merges_still_verify_and_validate(england: dict[str, Path]) -> None:
    for what in ("return 5 2026-Q3", "exact merge 2026-Q3", "public merge FY2025-26"):
        directory = england[what]
        report = verify_package(directory)
        assert report.ok, (what, report.problems)
        assert json.loads((directory / "manifest.json").read_text())["version"] == 2
        result = frictionless.validate(str(directory / "datapackage.json"))
        assert result.valid, (what, result.flatten(["type", "message"]))
    assert verify_package(england["return 5 2026-Q3"]).signed


def test_a_version_1_return_failed_the_screener(tmp_path: Path) -> None:
    """The reported problem, kept as a fixture: what version 1 wrote fails."""
    results = screen_package(FIXTURES / "return-v1-2026-Q4")
    failed = {r.check for result in results.values() for r in result.failures()}
    assert {"time_id_valid", "time_id_mix"} <= failed
    month = screen_package(FIXTURES / "return-v1-2026-10")
    assert "geog_level_present" in {r.check for result in month.values() for r in result.failures()}


def test_version_1_returns_merge_with_version_2_returns_and_the_merge_passes(
    england: dict[str, Path], tmp_path: Path
) -> None:
    # Version 1 quarter return (Calendar year Q4 for October to December 2026) and a month return.
    for fixture, period in (("return-v1-2026-Q4", "2026-Q4"), ("return-v1-2026-10", "2026-10")):
        assert verify_package(FIXTURES / fixture).ok
        session = casebook.unlock(
            next(p for p in england["return 5 2026-10"].parent.iterdir() if p.name == "cb-england-5"),
            "demo",
            PASSPHRASE,
            clock=fixed_clock(),
        )
        try:
            fresh = tmp_path / f"v2-{period}"
            write_return(session, prepare_export(session, period), fresh)
        finally:
            session.close()
        out = tmp_path / f"merged-{period}"
        summary = merge_returns([FIXTURES / fixture, fresh], out, today=TODAY)
        assert summary.returns == 2
        assert verify_package(out).ok
        results = screen_package(out)
        assert all(r.passed for r in results.values()), {
            n: [x.check for x in r.failures()] for n, r in results.items()
        }
        with (out / "self_evaluation_by_setting.csv").open(encoding="utf-8") as handle:
            names = {(r["provider_ukprn"], r["provider_name"]) for r in csv.DictReader(handle)}
        v1_urn = json.loads((FIXTURES / fixture / "manifest.json").read_text())["provider_urn"]
        assert (v1_urn, f"Early years setting {v1_urn}") in names  # version 1 carried no name


def test_a_childminders_name_is_withheld(tmp_path: Path) -> None:
    demo.build_demo(
        tmp_path / "cb",
        families=12,
        months=3,
        seed=3,
        passphrase=PASSPHRASE,
        kdf=TEST_ONLY_FAST_KDF,
        clock=fixed_clock(),
    )
    session = casebook.unlock(tmp_path / "cb", "demo", PASSPHRASE, clock=fixed_clock())
    try:
        details = setting_repo.get_setting(session.conn)
        with unit_of_work(session.conn):
            setting_repo.save_setting(
                session.conn,
                dataclasses.replace(
                    details, name="Jane Smith Childminding", provider_type=ProviderType.CHILDMINDER
                ),
                datetime(2026, 11, 1),
            )
        write_return(session, prepare_export(session, "2026-10"), tmp_path / "out")
    finally:
        session.close()
    every = b"".join(p.read_bytes() for p in (tmp_path / "out").iterdir())
    assert b"Jane Smith" not in every
    with (tmp_path / "out" / "contacts_and_hours.csv").open(encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    assert row["provider_name"] == f"Childminder {details.urn}"
    assert all(r.passed for r in screen_package(tmp_path / "out").values())


@pytest.mark.parametrize(
    ("code", "time_period", "identifier"),
    [
        ("2026-Q1", "202526", "Financial year Q4"),  # January to March 2026
        ("2026-Q2", "202627", "Financial year Q1"),
        ("2026-Q3", "202627", "Financial year Q2"),
        ("2026-Q4", "202627", "Financial year Q3"),
        ("2026-01", "2026", "January"),
        ("FY2026-27", "202627", "Financial year"),
    ],
)
def test_every_period_has_ees_time_columns(code: str, time_period: str, identifier: str) -> None:
    from setting_app.services.la_export.periods import TIME_IDENTIFIERS, parse_period

    period = parse_period(code)
    assert (period.time_period, period.time_identifier) == (time_period, identifier)
    assert identifier in TIME_IDENTIFIERS
    one = screener.Frame(["time_period", "time_identifier"], [[time_period, identifier]])
    for check in (
        screener.precheck_time_id_valid,
        screener.check_time_period,
        screener.check_time_period_six,
    ):
        assert check(one).result == screener.PASS, (code, check.__name__)


def test_an_empty_casebooks_return_and_its_merge_pass(tmp_path: Path) -> None:
    """No support, no referrals, no self-evaluation: filters with one value drop out of the metadata."""
    from test_la_builders import new_casebook, new_setting

    session = new_casebook(tmp_path / "cb", new_setting("EY777777"))
    try:
        write_return(session, prepare_export(session, "2026-10"), tmp_path / "return")
    finally:
        session.close()
    merge_returns([tmp_path / "return"], tmp_path / "merged", today=TODAY)
    assert _assert_passes({"return": tmp_path / "return", "merge": tmp_path / "merged"}) == 19
    with (tmp_path / "return" / "families_by_home_la.meta.csv").open(encoding="utf-8") as handle:
        assert [r["col_name"] for r in csv.DictReader(handle)] == ["families_supported"]


def test_the_port_screens_a_folder_from_the_command_line(
    england: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from eesyscreener_port.__main__ import main

    assert main([str(england["return 5 2026-Q3"])]) == 0
    assert capsys.readouterr().out.count(": passed") == 9
    assert main([str(FIXTURES / "return-v1-2026-Q4")]) == 1
    assert "FAIL     time_id_valid" in capsys.readouterr().out


def test_without_the_package_every_other_rule_still_runs(
    england: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on a machine where the package is not available: only the big-lookup checks are not run."""
    monkeypatch.setattr(screener, "dataset", lambda name: None)
    monkeypatch.setattr(screener, "_LOOKUP_CACHE", {})
    monkeypatch.setattr(screener, "_DICTIONARY", {})
    for result in screen_package(england["exact merge 2026-Q3"]).values():
        assert result.passed and result.results[-1].stage == "Check API"
        assert {r.check for r in result.by_result(screener.NOT_RUN)} == {
            "geog_la_combos",
            "data_dict_col_name",
            "data_dict_fil_item",
        }

"""The authority's merge of three settings' returns: exact counts summed and controlled once; public
returns summed with honest bounds; and every return it must refuse, refused with the file named."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path

import frictionless
import pytest
from test_la_builders import Group, build, new_casebook, new_setting

from setting_app.domain.codes import Domain, Kind
from setting_app.domain.errors import AppError
from setting_app.services.la_export import prepare_export, spec, write_return
from setting_app.services.la_export.exact import decrypt, generate_authority_keys, load_authority_private_key
from setting_app.services.la_export.merge import merge_returns
from setting_app.services.la_export.verify import verify_package

TODAY = date(2026, 11, 23)
SETTINGS = {
    "EY000001": [
        Group(12, Domain.CHILD_DEVELOPMENT, Kind.DIRECT),
        Group(3, Domain.FINANCIAL_HARDSHIP, Kind.INDIRECT),
    ],
    "EY000002": [
        Group(5, Domain.CHILD_DEVELOPMENT, Kind.DIRECT),
        Group(9, Domain.FAMILY_WELLBEING, Kind.DIRECT),
    ],
    "EY000003": [
        Group(20, Domain.CHILD_DEVELOPMENT, Kind.DIRECT),
        Group(6, Domain.FINANCIAL_HARDSHIP, Kind.INDIRECT),
    ],
}


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("la_merge")
    private, public, _ = generate_authority_keys(root / "keys")
    dirs = []
    for urn, groups in SETTINGS.items():
        session = new_casebook(root / f"cb-{urn}", new_setting(urn))
        try:
            build(session, groups)
            out = root / f"return-{urn}"
            write_return(session, prepare_export(session, "2026-10"), out, exact_for=public)
            if urn == "EY000003":
                write_return(session, prepare_export(session, "2026-09"), root / "september")
                write_return(session, prepare_export(session, "2026-10"), root / "public-only")
        finally:
            session.close()
        dirs.append(out)
    return {"dirs": dirs, "private": private, "root": root}


def rows(out: Path, name: str, *filters: str) -> dict[tuple[str, ...], dict[str, str]]:
    with (out / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return {tuple(r[f] for f in filters): r for r in csv.DictReader(handle)}


def copy(returns: dict, index: int, tmp_path: Path) -> Path:
    target = tmp_path / f"copy-{index}"
    shutil.copytree(returns["dirs"][index], target)
    return target


def test_exact_merge_sums_then_controls_once(returns: dict, tmp_path: Path) -> None:
    out = tmp_path / "merged"
    summary = merge_returns(returns["dirs"], out, today=TODAY, key_path=returns["private"])
    assert (summary.returns, summary.method, summary.la_code) == (3, "exact", "E09000019")
    t = rows(out, "support_by_domain_and_type", "need_domain", "support_type")
    got = {k: r["families_supported"] for k, r in t.items() if k[1] == "Total"}
    assert got == {
        ("child_development", "Total"): "35",  # 12 + 5 + 20 = 37
        ("inclusion_send", "Total"): "0",
        ("family_wellbeing", "Total"): "10",  # 9
        ("financial_hardship", "Total"): "10",  # 3 + 6 = 9: hidden in every return, useful once merged
        ("Total", "Total"): "55",  # 55
    }
    first = t[("Total", "Total")]
    assert (first["geographic_level"], first["new_la_code"], first["la_name"]) == (
        "Local authority",
        "E09000019",
        "Islington",
    )
    assert "provider_urn" not in first and "provider_ukprn" not in first
    assert (first["region_code"], first["region_name"]) == ("E12000007", "London")
    report = verify_package(out)
    assert report.ok, report.problems
    assert frictionless.validate(str(out / "datapackage.json")).valid
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "authority_merge" and manifest["method"] == "exact"
    assert [s["provider_urn"] for s in manifest["sources"]] == list(SETTINGS)


def test_public_merge_carries_suppressed_cells_as_bounds_that_hold_the_truth(
    returns: dict, tmp_path: Path
) -> None:
    out = tmp_path / "merged"
    summary = merge_returns(returns["dirs"], out, today=TODAY)
    assert summary.method == "published-with-bounds"
    t = rows(out, "support_by_domain_and_type", "need_domain", "support_type")
    total = t[("Total", "Total")]
    # 15 + 15 + 25 published; each rounded value stands for itself +-2.
    assert (
        total["families_supported"],
        total["families_supported_lower"],
        total["families_supported_upper"],
    ) == ("55", "49", "61")
    hardship = t[("financial_hardship", "Total")]
    assert hardship["families_supported"] == "x"  # suppressed in two returns: no pretending
    assert int(hardship["families_supported_lower"]) <= 9 <= int(hardship["families_supported_upper"])

    # Every count of every table: the bounds hold the true sum (read from the exact counts).
    private = load_authority_private_key(returns["private"])
    truth: dict = {}
    for d in returns["dirs"]:
        payload = decrypt((d / "exact.enc").read_bytes(), private, "exact.enc")
        for key, value in payload["cells"]:
            truth[tuple(key)] = truth.get(tuple(key), 0) + value
    checked = 0
    for table in spec.build_tables(("E09000019",)):
        published = rows(out, table.name, *(f.name for f in table.filters))
        for row in table.rows:
            line = published[tuple(map(spec.written, row.filters))]
            for indicator in (i for i in table.indicators if i.is_count):
                value = truth.get(row.values[indicator.name], 0)
                lower, upper = line[f"{indicator.name}_lower"], line[f"{indicator.name}_upper"]
                assert int(lower) <= value, (table.name, row.filters, indicator.name)
                assert upper == "x" or value <= int(upper), (table.name, row.filters, indicator.name)
                if line[indicator.name] != "x":
                    assert int(lower) <= int(line[indicator.name]) <= int(upper)
                checked += 1
    assert checked > 200
    assert verify_package(out).ok
    report = frictionless.validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["type", "message"])


def test_merge_refuses_a_tampered_return_naming_it(returns: dict, tmp_path: Path) -> None:
    bad = copy(returns, 1, tmp_path)
    path = bad / "contacts_and_hours.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n", 1))
    with pytest.raises(AppError) as caught:
        merge_returns([returns["dirs"][0], bad, returns["dirs"][2]], tmp_path / "out", today=TODAY)
    assert str(bad) in str(caught.value) and "contacts_and_hours.csv: changed" in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_merge_refuses_an_unsigned_return(returns: dict, tmp_path: Path) -> None:
    bad = copy(returns, 0, tmp_path)
    (bad / "manifest.sig").unlink()
    with pytest.raises(AppError, match="manifest.sig: missing"):
        merge_returns([bad, returns["dirs"][1]], tmp_path / "out", today=TODAY)


def test_merge_refuses_mixed_periods_and_duplicates(returns: dict, tmp_path: Path) -> None:
    september = returns["root"] / "september"
    with pytest.raises(AppError) as caught:
        merge_returns([returns["dirs"][0], september], tmp_path / "a", today=TODAY)
    assert f"{september / 'manifest.json'}: refused: it is for 2026-09" in str(caught.value)
    again = copy(returns, 2, tmp_path)
    with pytest.raises(AppError) as caught:
        merge_returns([*returns["dirs"], again], tmp_path / "b", today=TODAY)
    assert f"{again / 'manifest.json'}: refused: a second return from provider EY000003" in str(caught.value)


def test_exact_merge_refuses_a_return_without_exact_counts(returns: dict, tmp_path: Path) -> None:
    public_only = returns["root"] / "public-only"
    with pytest.raises(AppError) as caught:
        merge_returns(
            [returns["dirs"][0], public_only], tmp_path / "out", today=TODAY, key_path=returns["private"]
        )
    assert f"{public_only / 'exact.enc'}: refused: this return has no exact counts" in str(caught.value)


def test_command_line_merge(returns: dict, tmp_path: Path, cli) -> None:
    out = tmp_path / "merged"
    args = [str(d) for d in returns["dirs"]]
    result = cli("la", "merge", *args, "--out", str(out), "--key", str(returns["private"]), user=None)
    assert result.code == 0, result.err
    assert "Merged 3 returns for October 2026" in result.out
    result = cli("la", "verify", str(out), user=None)
    assert result.code == 0 and "merged dataset of 3 returns" in result.out
    bad = cli("la", "merge", args[0], args[0], "--out", str(tmp_path / "dup"), user=None)
    assert bad.code == 1 and "a second return from provider EY000001" in bad.err

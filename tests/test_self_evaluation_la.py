"""Self-evaluation ratings in the LA return and across three settings after ``la merge``; the
evidence notes never reach any exported file."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import frictionless
import pytest
from test_la_builders import Group, build, new_casebook, new_setting

from setting_app.domain.codes import Domain, Kind
from setting_app.domain.errors import AppError
from setting_app.domain.self_evaluation import INGREDIENT_CODES
from setting_app.services import self_evaluation
from setting_app.services.la_export import prepare_export, write_return
from setting_app.services.la_export.exact import generate_authority_keys
from setting_app.services.la_export.merge import merge_returns
from setting_app.services.la_export.periods import parse_period
from setting_app.services.la_export.self_evaluation import read_ratings, window
from setting_app.services.la_export.verify import _field_problem, verify_package

TODAY = date(2026, 11, 23)
CANARY = "CANARY-7f3a-evidence-must-stay-home"
#: Per setting: ratings in questionnaire order and the day completed (None: never evaluated).
SETTINGS: dict[str, tuple[tuple[int, ...], date] | None] = {
    "EY000001": ((1, 2, 3, 4, 2, 3), date(2026, 6, 10)),
    "EY000002": ((3, 2, 4, 4, 1, 3), date(2026, 10, 2)),
    "EY000003": None,
}


def _ratings(values: tuple[int, ...]) -> dict[str, int]:
    return dict(zip(INGREDIENT_CODES, values, strict=True))


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("selfeval_la")
    private, public, _ = generate_authority_keys(root / "keys")
    dirs = []
    for urn, evaluation in SETTINGS.items():
        session = new_casebook(root / f"cb-{urn}", new_setting(urn))
        try:
            build(session, [Group(12, Domain.CHILD_DEVELOPMENT, Kind.DIRECT)])
            if evaluation is not None:
                # An older evaluation that a later one replaces, and one after the period's end.
                self_evaluation.record(session, _ratings((4,) * 6), completed_on=date(2025, 12, 1))
                values, day = evaluation
                self_evaluation.record(
                    session,
                    _ratings(values),
                    {code: f"{CANARY} {code}" for code in INGREDIENT_CODES},
                    completed_on=day,
                )
                self_evaluation.record(session, _ratings((1,) * 6), completed_on=date(2026, 11, 5))
            out = root / f"return-{urn}"
            write_return(session, prepare_export(session, "2026-10"), out, exact_for=public)
            dirs.append(out)
        finally:
            session.close()
    return {"root": root, "dirs": dirs, "private": private}


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def every_byte(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def test_window_is_the_twelve_months_to_the_periods_end() -> None:
    assert window(parse_period("2026-10")) == (date(2025, 10, 31), date(2026, 10, 31))
    assert window(parse_period("FY2027-28")) == (date(2027, 3, 31), date(2028, 3, 31))
    leap = window(parse_period("2028-02"))
    assert leap == (date(2027, 2, 28), date(2028, 2, 29))


def test_the_return_carries_the_latest_ratings_in_the_window(exported: dict) -> None:
    out = exported["dirs"][0]
    rows = {r["ingredient"]: r for r in read(out / "self_evaluation.csv")}
    assert list(rows) == list(INGREDIENT_CODES)
    assert {k: r["rating"] for k, r in rows.items()} == {
        k: str(v) for k, v in _ratings((1, 2, 3, 4, 2, 3)).items()
    }
    assert rows["shared_ethos"]["rating_label"] == "Not in place"
    assert rows["partnership_structures"]["rating_label"] == "Embedded"
    assert {r["evaluation_month"] for r in rows.values()} == {"2026-06"}
    first = rows["shared_ethos"]
    assert (first["provider_ukprn"], first["time_period"], first["time_identifier"]) == (
        "EY000001",
        "2026",
        "October",
    )
    assert "evidence" not in first and CANARY.encode() not in every_byte(out)


def test_a_setting_without_an_evaluation_says_unavailable(exported: dict) -> None:
    rows = read(exported["dirs"][2] / "self_evaluation.csv")
    assert len(rows) == 6
    assert {(r["rating"], r["rating_label"], r["evaluation_month"]) for r in rows} == {("x", "x", "x")}


def test_the_datapackage_describes_it_and_frictionless_validates(exported: dict) -> None:
    out = exported["dirs"][0]
    package = json.loads((out / "datapackage.json").read_text())
    resource = next(r for r in package["resources"] if r["name"] == "self_evaluation")
    assert "not disclosure-controlled" in resource["description"]
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    assert fields["rating"]["type"] == "integer" and fields["rating"]["sdc"] == "none"
    assert fields["rating"]["constraints"] == {"minimum": 1, "maximum": 4}
    assert resource["schema"]["primaryKey"] == ["ingredient"]
    assert any(r["path"] == "self_evaluation.meta.csv" for r in package["resources"])
    # EES metadata: only numbers are indicators; the rating in words is a filter.
    meta = {r["col_name"]: r["col_type"] for r in read(out / "self_evaluation.meta.csv")}
    assert meta["rating"] == "Indicator" and meta["rating_label"] == "Filter"
    assert verify_package(out).ok
    for folder in exported["dirs"]:
        report = frictionless.validate(str(folder / "datapackage.json"))
        assert report.valid, report.flatten(["type", "message"])


def test_a_rating_out_of_range_breaks_the_schema_and_is_refused_by_the_merge(exported: dict) -> None:
    package = json.loads((exported["dirs"][0] / "datapackage.json").read_text())
    resource = next(r for r in package["resources"] if r["name"] == "self_evaluation")
    rating = next(f for f in resource["schema"]["fields"] if f["name"] == "rating")
    missing = set(resource["schema"]["missingValues"])
    assert _field_problem(rating, "4", missing, None) is None
    assert _field_problem(rating, "x", missing, None) is None
    assert "above its maximum 4" in _field_problem(rating, "5", missing, None)
    assert "below its minimum 1" in _field_problem(rating, "0", missing, None)
    data = (
        (exported["dirs"][0] / "self_evaluation.csv").read_bytes().replace(b",4,Embedded,", b",5,Embedded,")
    )
    with pytest.raises(AppError, match="self_evaluation.csv: refused: rating '5'"):
        read_ratings(Path("return"), {"self_evaluation.csv": data}, "EY000001", "hub")


@pytest.mark.parametrize("method", ["exact", "published-with-bounds"])
def test_merge_across_three_settings_gives_the_distribution(
    exported: dict, tmp_path: Path, method: str
) -> None:
    out = tmp_path / "merged"
    key = exported["private"] if method == "exact" else None
    summary = merge_returns(exported["dirs"], out, today=TODAY, key_path=key)
    assert summary.method == method
    rows = {r["ingredient"]: r for r in read(out / "self_evaluation_summary.csv")}
    assert list(rows) == list(INGREDIENT_CODES)
    ethos = rows["shared_ethos"]  # EY000001: 1, EY000002: 3, EY000003: not rated
    assert (ethos["settings"], ethos["settings_rated"], ethos["settings_not_rated"]) == ("3", "2", "1")
    assert [ethos[f"rated_{n}"] for n in (1, 2, 3, 4)] == ["1", "0", "1", "0"]
    assert ethos["median_rating"] == "2.0"
    partnership = rows["partnership_structures"]  # 4 and 4
    assert [partnership[f"rated_{n}"] for n in (1, 2, 3, 4)] == ["0", "0", "0", "2"]
    assert partnership["median_rating"] == "4.0"
    support = rows["support_capacity"]  # 2 and 1
    assert (support["rated_1"], support["rated_2"], support["median_rating"]) == ("1", "1", "1.5")
    assert ethos["geographic_level"] == "Local authority" and "provider_ukprn" not in ethos

    by_setting = {
        (r["provider_ukprn"], r["ingredient"]): r for r in read(out / "self_evaluation_by_setting.csv")
    }
    assert len(by_setting) == 18
    assert by_setting[("EY000002", "co_location_outreach")]["rating"] == "4"
    assert by_setting[("EY000002", "co_location_outreach")]["evaluation_month"] == "2026-10"
    assert by_setting[("EY000003", "training_spotting_need")]["rating"] == "x"
    assert by_setting[("EY000001", "shared_ethos")]["geographic_level"] == "Provider"
    assert by_setting[("EY000001", "shared_ethos")]["integration_model"] == "hub"
    assert by_setting[("EY000001", "shared_ethos")]["provider_name"] == "Little Acorns Nursery"
    meta = [r["col_name"] for r in read(out / "self_evaluation_by_setting.meta.csv")]
    assert "provider_ukprn" not in meta and "provider_name" not in meta  # geography, not filters
    for table in ("self_evaluation_summary", "self_evaluation_by_setting"):
        indicators = [r["col_name"] for r in read(out / f"{table}.meta.csv") if r["col_type"] == "Indicator"]
        assert "rating_label" not in indicators and "ingredient" not in indicators

    assert verify_package(out).ok
    report = frictionless.validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["type", "message"])
    assert CANARY.encode() not in every_byte(out)


def test_the_canary_is_in_the_casebook_but_in_no_exported_file(exported: dict, tmp_path: Path) -> None:
    merged = tmp_path / "merged"
    merge_returns(exported["dirs"], merged, today=TODAY)
    for folder in [*exported["dirs"], merged]:
        data = every_byte(folder)
        assert CANARY.encode() not in data and CANARY.lower().encode() not in data.lower()
    # The canary is really there to leak: the evaluation kept it.
    session = new_casebook(tmp_path / "cb", new_setting("EY000009"))
    try:
        saved = self_evaluation.record(session, _ratings((2,) * 6), {"shared_ethos": CANARY})
        assert self_evaluation.get(session, saved.id).by_ingredient()["shared_ethos"].evidence == CANARY
    finally:
        session.close()


def test_a_return_whose_ratings_were_tampered_with_is_refused(exported: dict, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(exported["dirs"][1], copy)
    path = copy / "self_evaluation.csv"
    path.write_text(path.read_text().replace(",3,Developing,", ",2,Starting,", 1))
    with pytest.raises(AppError, match="self_evaluation.csv: changed"):
        merge_returns([exported["dirs"][0], copy], tmp_path / "merged", today=TODAY)

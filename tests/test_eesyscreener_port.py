"""The eesyscreener port (tests/eesyscreener_port) is faithful to DfE's R package.

With the package available (see ``eesyscreener_port.source``): its reference values equal ours; its
example data screens to exactly its stored ``example_output`` (every check name, result and stage);
every file in its ``tests/testthat/pass`` folder passes, every one in ``pass-warn-api`` passes but is
not API-suitable, and every one in ``fail`` fails, on the checks listed below. Without it those are
skipped, and the unit cases below (ported from the package's ``test-*.R`` files, which build their data
in code) still run.
"""

from __future__ import annotations

import pytest
from eesyscreener_port import reference as ref
from eesyscreener_port import screener as s
from eesyscreener_port.source import dataset, package_source

SOURCE = package_source()
needs_package = pytest.mark.skipif(SOURCE is None, reason="the eesyscreener package is not available here")

#: Each failing test file of the package -> the checks that fail on it, in the order reported. Where
#: the file's name points at a later check, an earlier stage already fails it in the package too (for
#: example "Yorkshire and the Humber", which the regions lookup spells "Yorkshire and The Humber").
FAIL_FILES: dict[str, tuple[str, ...]] = {
    "adding_z_locationCode": ("geog_country_combos",),
    "blanks_filters": ("filter_blanks",),
    "blanks_indicators": ("geog_region_combos",),
    "col_name_completed": ("meta_col_name",),
    "col_name_duplicate": ("meta_col_name_dupe",),
    "col_name_spaces": ("col_names_spaces",),
    "col_type": ("meta_col_type",),
    "col_type_blank": ("cross_meta_to_data",),
    "country_combinations": ("geog_country_combos", "geog_region_combos", "geog_la_combos"),
    "data_empty_cols": ("geog_region_combos",),
    "data_mandatory_cols": ("col_req_data",),
    "data_to_meta_crosscheck": ("geog_region_combos",),
    "data_variable_spaces": ("col_names_spaces",),
    "duplicate_label": ("meta_dupe_label",),
    "duplicate_rows": ("geog_region_combos",),
    "duplicate_variable_names": ("geog_region_combos",),
    "eda_combinations": ("geog_region_combos", "geog_eda_combos", "geog_la_combos"),
    "ethnicity_characteristics_filter_wrong_group_and_values": ("harmonised_eth_char_grp",),
    "fails_allchecks": ("time_period",),
    "fails_everything_ancillary": ("meta_filter_hint",),
    "fails_file validation": ("filename_spaces",),
    "fails_prescreening1": ("geog_level",),
    "fails_prescreening2": ("col_names_spaces",),
    "file_separator": ("col_req_meta", "col_invalid_meta"),
    "filename spaces": ("filename_spaces",),
    "filter_group": ("meta_fil_grp", "meta_fil_grp_dupe"),
    "filter_group_duplicate": ("meta_dupe_label", "meta_fil_grp_dupe"),
    "filter_group_level": ("filter_group_level",),
    "filter_group_match": ("cross_meta_to_data",),
    "filter_group_stripped": ("meta_fil_grp_stripped",),
    "filter_hint": ("meta_filter_hint",),
    "filter_level": ("filter_not_singular",),
    "geographic_catch": ("meta_geog_catch",),
    "geographic_level": ("geog_level",),
    "geography_level_completed": ("geog_country_combos", "geog_region_combos", "geog_level_completed"),
    "geography_level_present": ("geog_level_present",),
    "ignored_rows": ("geog_lad_combos", "geog_lep_combos"),
    "indicator_dp": ("meta_indicator_dp",),
    "indicator_dp_completed": ("geog_region_combos",),
    "indicator_dp_negative": ("meta_ind_dp_values",),
    "indicator_dp_nonInteger": ("meta_ind_dp_values",),
    "indicator_dp_validation": ("meta_ind_dp_values",),
    "indicator_group_stripped": ("meta_indicator_grouping",),
    "indicator_grouping": ("meta_indicator_grouping",),
    "indicator_unit": ("meta_ind_unit",),
    "indicator_unit_validation": ("meta_ind_unit_validation",),
    "indicators_smushed": ("col_ind_smushed",),
    "invalid_meta_cols": ("col_invalid_meta",),
    "invalid_type3": ("file_read",),
    "la_col_present": ("geog_lad_combos", "geog_la_col_present"),
    "la_combinations": ("geog_region_combos", "geog_la_combos"),
    "label": ("meta_dupe_label", "meta_label"),
    "label_blank_notNA": ("meta_label",),
    "lad_combinations": (
        "geog_region_combos",
        "geog_lad_combos",
        "geog_la_combos",
        "geog_overcompleted_cols",
    ),
    "lep_combinations": (
        "geog_region_combos",
        "geog_lep_combos",
        "geog_la_combos",
        "geog_overcompleted_cols",
    ),
    "lsip_combinations": ("geog_lsip_combos",),
    "meta_mandatory_cols": ("col_req_meta",),
    "meta_to_data_crosscheck": ("cross_meta_to_data",),
    "missing_region_name": ("geog_region_col_present",),
    "multiple_stripped_filter_groups": ("meta_fil_grp_stripped",),
    "na_geography": ("geog_lep_combos", "geog_na", "geog_other_code_dupes"),
    "na_geography_code": ("geog_lep_combos", "geog_other_dupes", "geog_na_code", "geog_other_code_dupes"),
    "naming_convention-metaFail": ("file_read",),
    "naming_convention": ("file_read",),
    "no_data_symbols": ("geog_region_combos",),
    "non_standard_headers": ("harmonised_variables",),
    "not_sch_but_one_filter": ("filter_ob_total",),
    "not_table_tool": ("meta_filter_hint",),
    "notavailable_symbols": ("ind_invalid_entry",),
    "null": ("cross_meta_to_data",),
    "ob_unit_meta": ("meta_ob_unit",),
    "ob_unit_total": ("filter_ob_total",),
    "observational_total": ("filter_ob_total",),
    "other_geography_code_duplicates": ("geog_lep_combos", "geog_eda_combos", "geog_other_code_dupes"),
    "other_geography_duplicates": (
        "geog_ward_combos",
        "geog_lep_combos",
        "geog_eda_combos",
        "geog_other_dupes",
    ),
    "overcompleted_cols": ("geog_region_combos", "geog_overcompleted_cols"),
    "passes_everything_ancillary": ("geog_ignored_rows",),
    "pcon_combinations": ("geog_region_combos", "geog_pcon_combos", "geog_la_combos"),
    "prov_level_only_dupes": ("general_dupes",),
    "provider_col_incorrect": ("geog_level_present",),
    "region_col_present": ("geog_region_col_present",),
    "region_combinations": ("geog_region_combos", "geog_la_combos"),
    "region_for_la": ("geog_region_combos",),
    "region_for_lad": ("geog_region_combos", "geog_lad_combos"),
    "regional_blanks": ("geog_level_completed",),
    "roundedzero_symbols": ("ind_invalid_entry",),
    "sch_level_missing_col": ("geog_level_present",),
    "sch_many_filter": ("meta_geog_catch",),
    "sch_prov": ("geog_ignored_rows",),
    "special_characters-+#'@": ("filename_special",),
    "time_identifier": ("time_id_valid", "time_id_mix"),
    "time_identifier_mix": ("time_id_mix",),
    "time_period": ("time_period_num",),
    "time_period_six": ("time_period_six",),
    "time_validation": ("time_period_num",),
    "total": ("geog_region_combos",),
    "utf8": ("file_read",),
    "ward_combinations": ("geog_ward_combos",),
    "whitespace_filters": ("filter_whitespace",),
}


def example(name: str) -> s.Frame:
    found = dataset(name)
    assert found is not None
    return s.Frame.from_dataset(found)


def frame(**columns) -> s.Frame:
    names = list(columns)
    n = max(len(v) if isinstance(v, list) else 1 for v in columns.values())
    cols = [v if isinstance(v, list) else [v] * n for v in columns.values()]
    return s.Frame(names, [[c[i] for c in cols] for i in range(n)])


def meta(*rows: tuple[str, str, str]) -> s.Frame:
    """Metadata rows (col_name, col_type, label) with the other required columns blank."""
    return s.Frame(
        list(ref.REQ_META_COLS),
        [
            [name, kind, label, None, None, "0" if kind == "Indicator" else None, None, None]
            for name, kind, label in rows
        ],
    )


# --- against the package's own data and files -----------------------------------------------------------------------


@needs_package
def test_reference_values_are_the_packages() -> None:
    geography = example("geography_df")
    assert {r[1]: tuple(r[2:]) for r in geography.rows} == ref.GEOGRAPHY
    assert tuple(tuple(g) for g in dataset("acceptable_time_ids")) == ref.TIME_IDENTIFIER_GROUPS
    assert tuple(dataset("four_digit_identifiers")) == ref.FOUR_DIGIT_IDENTIFIERS
    assert tuple(dataset("six_digit_identifiers")) == ref.SIX_DIGIT_IDENTIFIERS
    assert tuple(dataset("req_meta_cols")) == ref.REQ_META_COLS
    assert tuple(dataset("optional_meta_cols")) == ref.OPTIONAL_META_COLS
    assert tuple(dataset("req_data_cols")) == ref.REQ_DATA_COLS
    assert tuple(dataset("acceptable_indicator_units")) == ref.ACCEPTABLE_INDICATOR_UNITS
    assert tuple(dataset("gss_symbols")) == ref.GSS_SYMBOLS
    assert tuple(dataset("legacy_gss_symbols")) == ref.LEGACY_GSS_SYMBOLS
    assert dataset("potential_ob_units_regex") == [ref.POTENTIAL_OB_UNITS_REGEX]
    assert {r[1]: (r[0], int(r[2])) for r in example("api_char_limits").rows} == ref.API_CHAR_LIMITS
    assert tuple(map(tuple, example("harmonised_col_names").rows)) == ref.HARMONISED_COL_NAMES
    assert tuple(map(tuple, example("acceptable_countries").rows)) == ref.ACCEPTABLE_COUNTRIES
    assert tuple(map(tuple, example("acceptable_regions").rows)) == ref.ACCEPTABLE_REGIONS
    assert tuple(map(tuple, example("acceptable_extra_geog_options").rows)) == ref.EXTRA_GEOG_OPTIONS


@needs_package
def test_example_data_screens_to_the_packages_example_output() -> None:
    expected = [(r[0], r[1], r[4]) for r in example("example_output").rows]
    results = s.screen_filenames("myfile.csv", "myfile.meta.csv") + s.screen_dfs(
        example("example_data"), example("example_meta")
    )
    assert [r.as_tuple() for r in results] == expected
    messages = [r[2] for r in example("example_output").rows]
    # The stored output predates one full stop the package has since added.
    differ = [r.check for r, m in zip(results, messages, strict=True) if r.message != m]
    assert differ == ["meta_ind_unit_validation"]


def _folder(folder: str) -> list[tuple[str, bytes, str, bytes]]:
    assert SOURCE is not None
    names = SOURCE.list(f"tests/testthat/{folder}")
    found = []
    for name in names:
        if not name.endswith(".csv") or ".meta." in name:
            continue
        stem = name[:-4]
        meta_name = next((m for m in names if m.startswith(f"{stem}.meta.")), f"{stem}.meta.csv")
        data, meta_bytes = (
            SOURCE.read(f"tests/testthat/{folder}/{name}"),
            SOURCE.read(f"tests/testthat/{folder}/{meta_name}"),
        )
        if data is not None and meta_bytes is not None:  # a few blobs are missing from the snapshot
            found.append((name, data, meta_name, meta_bytes))
    assert found
    return found


@needs_package
def test_every_pass_file_passes() -> None:
    for name, data, meta_name, meta_bytes in _folder("pass"):
        result = s.screen_files(data, meta_bytes, name, meta_name)
        assert result.passed, (name, [r.check for r in result.failures()])
        assert not result.by_result(s.NOT_RUN)


@needs_package
def test_every_pass_warn_api_file_passes_but_is_not_for_the_api() -> None:
    for name, data, meta_name, meta_bytes in _folder("pass-warn-api"):
        result = s.screen_files(data, meta_bytes, name, meta_name)
        assert result.passed and not result.api_suitable, name


@needs_package
def test_every_fail_file_fails_on_its_checks() -> None:
    seen = set()
    for name, data, meta_name, meta_bytes in _folder("fail"):
        result = s.screen_files(data, meta_bytes, name, meta_name)
        stem = name[:-4]
        seen.add(stem)
        assert not result.passed, name
        assert tuple(dict.fromkeys(r.check for r in result.failures())) == FAIL_FILES[stem], name
    assert seen == set(FAIL_FILES)


@needs_package
def test_robot_test_files_from_the_ees_service_screen_without_stopping() -> None:
    for robot in dataset("ees_robot_test_data"):
        data = s.Frame.from_dataset(robot["data"])
        data.rows = [[None if c == "" else c for c in r] for r in data.rows]
        results = s.screen_dfs(data, s.Frame.from_dataset(robot["meta"]))
        assert {r.result for r in results} <= {s.PASS, s.WARNING, s.FAIL}, robot["robot_name"]


# --- unit cases ported from the package's test-*.R files (no package needed) ----------------------------------------

DATA = frame(
    time_period="201718",
    time_identifier="Academic year",
    geographic_level="National",
    country_code="E92000001",
    country_name="England",
    sex=["All pupils", "Female", "Male", "All pupils", "Female", "Male"],
    education_phase=["All schools", "All schools", "All schools", "Primary", "Primary", "Primary"],
    enrolment_count=["1000", "500", "500", "600", "300", "300"],
)
META = meta(
    ("sex", "Filter", "Sex of pupil"),
    ("education_phase", "Filter", "Education phase"),
    ("enrolment_count", "Indicator", "Enrolment count"),
)


def test_a_clean_national_file_passes_every_check() -> None:
    results = s.screen_dfs(DATA, META, dd_checks=False)
    assert results[-1].stage == "Check API"
    assert {r.result for r in results} == {s.PASS, s.WARNING}
    assert [r.check for r in results if r.result == s.WARNING] == ["filter_defaults"]


def test_time_identifiers() -> None:
    every = [t for g in ref.TIME_IDENTIFIER_GROUPS for t in g]
    assert s.precheck_time_id_valid(frame(time_identifier=every)).result == s.PASS
    bad = s.precheck_time_id_valid(frame(time_identifier=["Calendar year", "InvalidID"]))
    assert (bad.result, "'InvalidID'" in bad.message) == (s.FAIL, True)
    two = s.precheck_time_id_valid(frame(time_identifier=["Bad", "Calendar year", "Ugly"]))
    assert "'Bad', 'Ugly'" in two.message
    assert "is blank" in s.precheck_time_id_valid(frame(time_identifier=["Calendar year", None])).message
    assert s.precheck_time_id_valid(frame(time_identifier="Calendar year Q3")).result == s.FAIL
    assert s.precheck_time_id_mix(frame(time_identifier=["January", "February"])).result == s.PASS
    assert s.precheck_time_id_mix(frame(time_identifier=["January", "Calendar year"])).result == s.FAIL
    assert (
        s.precheck_time_id_mix(frame(time_identifier=["Financial year Q1", "Financial year Q4"])).result
        == s.PASS
    )


def test_time_periods() -> None:
    assert s.check_time_period(frame(time_identifier="October", time_period="2026")).result == s.PASS
    assert s.check_time_period(frame(time_identifier="October", time_period="202627")).result == s.FAIL
    assert (
        s.check_time_period(frame(time_identifier="Financial year Q2", time_period="202627")).result == s.PASS
    )
    assert s.check_time_period(frame(time_identifier="Financial year", time_period="2026")).result == s.FAIL
    assert s.check_time_period_six(frame(time_period=["202627", "199900"])).result == s.PASS
    assert s.check_time_period_six(frame(time_period=["202628"])).result == s.FAIL
    assert s.precheck_time_period_num(frame(time_period=["2026", "2026-10"])).result == s.FAIL


def test_filter_not_singular() -> None:
    assert s.precheck_filter_not_singular(DATA, META).result == s.PASS
    one = frame(**{**dict(zip(DATA.columns, zip(*DATA.rows, strict=True), strict=True))})
    del one
    single = s.Frame(DATA.columns, [r[:5] + ["Male"] + r[6:] for r in DATA.rows])
    result = s.precheck_filter_not_singular(single, META)
    assert result.result == s.FAIL and "sex" in result.message and "filter has" in result.message
    both = s.Frame(DATA.columns, [r[:5] + ["Male", "Primary"] + r[7:] for r in DATA.rows])
    assert "filters have" in s.precheck_filter_not_singular(both, META).message


def test_geography_columns_required_by_level() -> None:
    la = frame(
        geographic_level="Local authority",
        la_name="Bracknell Forest",
        new_la_code="E06000036",
    )
    result = s.precheck_geog_level_present(la)
    assert result.message == (
        "Given that the following geographic_level values are present: 'Local authority'; the following "
        "column is missing from the file: 'old_la_code'."
    )
    provider = frame(geographic_level="Provider", provider_urn="EY123456")
    assert "'provider_ukprn' and 'provider_name'" in s.precheck_geog_level_present(provider).message
    ok = frame(geographic_level="Provider", provider_ukprn="EY123456", provider_name="Little Stars")
    assert s.precheck_geog_level_present(ok).result == s.PASS


def test_meta_geog_catch() -> None:
    caught = s.check_meta_geog_catch(
        meta(("provider_urn", "Filter", "Provider"), ("rating", "Indicator", "R"))
    )
    assert caught.result == s.FAIL and "provider_urn" in caught.message
    school_name_only = meta(("school_name", "Filter", "School"), ("n", "Indicator", "N"))
    assert s.check_meta_geog_catch(school_name_only).result == s.PASS
    assert s.check_meta_geog_catch(meta(("la_code", "Filter", "LA"))).result == s.FAIL
    assert s.check_meta_geog_catch(META).result == s.PASS


def test_filter_defaults() -> None:
    assert s.check_filter_defaults(DATA, META).result == s.WARNING
    with_defaults = s.Frame(
        [*META.columns, "filter_default"],
        [r + [d] for r, d in zip(META.rows, ["All pupils", "All schools", None], strict=True)],
    )
    assert s.check_filter_defaults(DATA, with_defaults).result == s.PASS
    totals = s.Frame(
        DATA.columns, [[("Total" if v and v.startswith("All ") else v) for v in r] for r in DATA.rows]
    )
    assert s.check_filter_defaults(totals, META).result == s.PASS
    lower = s.Frame(
        DATA.columns, [[("total" if v and v.startswith("All ") else v) for v in r] for r in DATA.rows]
    )
    assert s.check_filter_defaults(lower, META).result == s.WARNING


def test_region_for_la_and_overcompleted() -> None:
    la = frame(
        geographic_level="Local authority", new_la_code="E09000019", la_name="Islington", old_la_code="206"
    )
    assert s.check_geog_region_for_la(la).result == s.WARNING
    with_region = frame(
        geographic_level="Local authority",
        new_la_code="E09000019",
        la_name="Islington",
        old_la_code="206",
        region_code="E12000007",
        region_name="London",
    )
    assert s.check_geog_region_for_la(with_region).result == s.PASS
    assert s.check_geog_region_combos(with_region).result == s.PASS
    wrong = frame(
        geographic_level="Regional", region_code="E12000003", region_name="Yorkshire and the Humber"
    )
    assert s.check_geog_region_combos(wrong).result == s.FAIL
    mixed = frame(
        geographic_level=["National", "Local authority"],
        new_la_code=["E09000019", "E09000019"],
        la_name=["Islington", "Islington"],
        old_la_code=["206", "206"],
    )
    assert s.check_geog_overcompleted_cols(mixed, META).result == s.FAIL


def test_provider_rows_and_not_available() -> None:
    provider = frame(
        geographic_level="Provider", provider_ukprn=["x", "EY1"], provider_name=["Somewhere", "A"]
    )
    assert s.check_geog_na(provider).result == s.FAIL
    named = frame(geographic_level="Provider", provider_ukprn=["EY1"], provider_name=["Not available"])
    assert s.check_geog_na_code(named).result == s.FAIL
    assert s.check_geog_ignored_rows(frame(geographic_level="Provider")).result == s.PASS
    assert s.check_geog_ignored_rows(frame(geographic_level="Institution")).result == s.FAIL
    assert s.check_geog_ignored_rows(frame(geographic_level=["School", "Provider"])).result == s.FAIL


def test_totals_in_geography_columns_and_blank_filters() -> None:
    ob = frame(geographic_level="Provider", provider_ukprn=["EY1", "Total"], provider_name=["A", "B"])
    assert s.check_filter_ob_total(ob, META).result == s.FAIL
    caught_by_name = frame(geographic_level="National", provider_urn=["EY1", "total"])
    assert s.check_filter_ob_total(caught_by_name, META).result == s.FAIL
    blanks = s.Frame(DATA.columns, [r[:5] + [None] + r[6:] for r in DATA.rows[:1]] + DATA.rows[1:])
    assert s.check_filter_blanks(blanks, META).result == s.FAIL


def test_null_symbols_and_indicator_entries() -> None:
    nulls = s.Frame(DATA.columns, [r[:-1] + ["NA"] for r in DATA.rows])
    assert s.check_general_null(nulls, META).result == s.FAIL
    legacy = s.Frame(DATA.columns, [r[:-1] + ["-"] for r in DATA.rows])
    assert s.check_general_null(legacy, META).result == s.WARNING
    tilde = s.Frame(DATA.columns, [r[:-1] + ["~"] for r in DATA.rows])
    assert s.check_ind_invalid_entry(tilde, META).result == s.FAIL
    symbols = s.Frame(DATA.columns, [r[:-1] + [v] for r, v in zip(DATA.rows, "cxzc00", strict=True)])
    assert s.check_ind_invalid_entry(symbols, META).result == s.PASS


def test_duplicate_rows_and_smushed_indicators() -> None:
    dupes = s.Frame(DATA.columns, DATA.rows + DATA.rows[:1])
    assert s.check_general_dupes(dupes, META).result == s.FAIL
    provider_dupes = frame(geographic_level=["Provider", "Provider"], provider_ukprn="EY1", provider_name="A")
    assert s.check_general_dupes(provider_dupes, meta()).result == s.FAIL
    smushed = meta(("sex", "Filter", "Sex"), ("female_count", "Indicator", "Female count"))
    assert s.check_col_ind_smushed(smushed).result == s.FAIL
    # "arab" is in "comparable": the package flags it too.
    assert s.check_col_ind_smushed(meta(("comparable_count", "Indicator", "N"))).result == s.FAIL


def test_filenames() -> None:
    assert s.check_filename_spaces("my file.csv").result == s.FAIL
    assert s.check_filename_special("special_characters-+#'@.csv").result == s.FAIL
    assert s.check_filename_special("support_by_domain_and_type.meta.csv").result == s.PASS
    assert s.check_filenames_match("a.csv", "a.meta.csv").result == s.PASS
    assert s.check_filenames_match("a.csv", "a_meta.csv").result == s.FAIL


def test_without_a_lookup_a_check_says_not_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(s, "dataset", lambda name: None)
    monkeypatch.setattr(s, "_LOOKUP_CACHE", {})
    monkeypatch.setattr(s, "_DICTIONARY", {})
    la = frame(
        geographic_level="Local authority", new_la_code="E09000019", la_name="Islington", old_la_code="206"
    )
    assert s.check_geog_la_combos(la).result == s.NOT_RUN
    assert s.check_data_dict_col_name(META).result == s.NOT_RUN


@needs_package
def test_la_combinations_against_the_packages_lookup() -> None:
    la = frame(
        geographic_level="Local authority", new_la_code="E06000001", la_name="Hartlepool", old_la_code="805"
    )
    assert s.check_geog_la_combos(la).result == s.PASS
    bad = frame(geographic_level="Local authority", new_la_code="BADCODE", la_name="BadLA", old_la_code="999")
    result = s.check_geog_la_combos(bad)
    assert (
        result.result == s.FAIL
        and "999 BADCODE BadLA" in result.message
        and "combination is" in result.message
    )
    assert (
        s.check_geog_la_combos(frame(new_la_code="x", la_name="anything", old_la_code="999")).result == s.PASS
    )
    assert (
        s.check_geog_la_combos(frame(new_la_code="BAD", la_name="BadLA", old_la_code=None)).result == s.PASS
    )
    z = frame(new_la_code="z", la_name="Not applicable", old_la_code="z")
    assert s.check_geog_la_combos(z).result == s.PASS
    scotland = frame(new_la_code="S12000036", la_name="City of Edinburgh", old_la_code="z")
    assert s.check_geog_la_combos(scotland).result == s.FAIL  # England's lookup only


@needs_package
def test_data_dictionary_checks() -> None:
    standard = meta(("sex", "Filter", "Sex"), ("children_count", "Indicator", "Children"))
    data = frame(geographic_level="National", sex=["Total", "Male"], children_count=["1", "2"])
    assert s.check_data_dict_col_name(standard).result == s.PASS
    assert s.check_data_dict_fil_item(data, standard).result == s.PASS
    odd = meta(("need_domain", "Filter", "Need"), ("families_supported", "Indicator", "Families"))
    result = s.check_data_dict_col_name(odd)
    assert result.result == s.WARNING and "Indicators: 'families_supported'." in result.message
    assert "Filters: 'need_domain'." in result.message
    items = frame(geographic_level="National", sex=["Total", "Boys and girls"], children_count=["1", "2"])
    assert "'sex / Boys and girls'" in s.check_data_dict_fil_item(items, standard).message

"""A Python port of DfE's eesyscreener 0.3.1 (``screen_csv`` / ``screen_dfs`` / ``screen_filenames``).

Every check keeps the package's name (``time_id_valid``, ``geog_level_present`` ...), its stage, its
result (PASS, WARNING or FAIL) and, in substance, its message; stages run in the package's order and
stop after the first stage with a failure, as the package's do. Values are read as the package reads
them: every data cell as text, an empty cell as missing (None, R's NA), and R's handling of NA in
comparisons (a missing value matches nothing, ``n_distinct`` counts it) is followed where it changes a
result. Where the R code does something surprising, the port does the same and says so.

Checks that need one of the package's large lookups (local authorities, wards, the data dictionary
...) read it from the package (see ``source``); when it is not available they report ``NOT RUN``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import reference as ref
from .source import dataset

PASS, WARNING, FAIL, NOT_RUN = "PASS", "WARNING", "FAIL", "NOT RUN"
Cell = str | None


# --- frames -------------------------------------------------------------------------------------------------


@dataclass
class Frame:
    """A table as the screener sees it: named columns of text cells (None: missing)."""

    columns: list[str]
    rows: list[list[Cell]]

    @classmethod
    def from_records(cls, records: Sequence[dict[str, Cell]], columns: Sequence[str] | None = None) -> Frame:
        cols = list(columns or (records[0].keys() if records else []))
        return cls(cols, [[r.get(c) for c in cols] for r in records])

    @classmethod
    def from_dataset(cls, data: dict) -> Frame:
        return cls(list(data["columns"]), [list(r) for r in data["rows"]])

    def has(self, name: str) -> bool:
        return name in self.columns

    def col(self, name: str) -> list[Cell]:
        i = self.columns.index(name)
        return [r[i] for r in self.rows]

    def cols(self, names: Sequence[str]) -> list[tuple[Cell, ...]]:
        idx = [self.columns.index(n) for n in names]
        return [tuple(r[i] for i in idx) for r in self.rows]

    def where(self, name: str, keep) -> Frame:
        i = self.columns.index(name)
        return Frame(self.columns, [r for r in self.rows if keep(r[i])])

    def __len__(self) -> int:
        return len(self.rows)


def unique(values: Iterable) -> list:
    """R's unique(): first appearance order, NA kept once."""
    seen: set = set()
    out = []
    for v in values:
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out


def setdiff(a: Iterable, b: Iterable) -> list:
    other = set(b)
    return [v for v in unique(a) if v not in other]


def intersect(a: Iterable, b: Iterable) -> list:
    other = set(b)
    return [v for v in unique(a) if v in other]


def n_distinct(values: Iterable) -> int:
    return len(set(values))


def blank(value: Cell) -> bool:
    return value is None or value == ""


def remove_nas_blanks(values: Iterable[Cell]) -> list[str]:
    return [v for v in values if not blank(v)]


def duplicated(values: Sequence) -> list:
    seen: set = set()
    out = []
    for v in values:
        if v in seen:
            out.append(v)
        seen.add(v)
    return out


def quoted(values: Iterable) -> str:
    return "', '".join("NA" if v is None else str(v) for v in values)


def cli_collapse(items: Sequence[str]) -> str:
    """How cli writes a vector into a message: "a", "a and b", "a, b, and c"."""
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


def plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


@dataclass(frozen=True)
class Result:
    check: str
    result: str
    message: str
    stage: str = ""

    def as_tuple(self) -> tuple[str, str, str]:
        return (self.check, self.result, self.stage)


def out(check: str, result: str, message: str) -> Result:
    return Result(check, result, message)


# --- helpers from utils.R -------------------------------------------------------------------------------------


def geography_rows() -> list[tuple[str, str | None, str | None, str | None]]:
    return [(level, *cols) for level, cols in ref.GEOGRAPHY.items()]


def acceptable_ob_units() -> list[str]:
    code = [r[1] for r in geography_rows()]
    name = [r[2] for r in geography_rows()]
    secondary = [r[3] for r in geography_rows()]
    return ["time_period", "time_identifier", "geographic_level", *remove_nas_blanks(code + name + secondary)]


def geo_code_cols() -> list[str]:
    return unique(remove_nas_blanks([r[1] for r in geography_rows()] + [r[3] for r in geography_rows()]))


def geo_name_cols() -> list[str]:
    return unique(remove_nas_blanks([r[2] for r in geography_rows()]))


def geog_level_cols(level: str) -> list[str]:
    return remove_nas_blanks(ref.GEOGRAPHY[level])


def cols_meta(meta: Frame, grouping_cols: bool = False, excl_indicators: bool = False) -> list[str]:
    rows = meta
    if excl_indicators:
        # meta[meta$col_type != "Indicator", ]: a missing col_type gives a row of NAs.
        i = meta.columns.index("col_type")
        rows = Frame(
            meta.columns,
            [r if r[i] is not None else [None] * len(r) for r in meta.rows if r[i] != "Indicator"],
        )
    cols = rows.col("col_name")
    if grouping_cols:
        cols = cols + rows.col("filter_grouping_column")
    return unique(remove_nas_blanks(cols))


def filter_groups(meta: Frame) -> list[str]:
    return remove_nas_blanks(meta.col("filter_grouping_column"))


def filters(meta: Frame, include_filter_groups: bool = False) -> list[Cell]:
    # meta$col_name[meta$col_type == "Filter"]: a missing col_type gives NA.
    found: list[Cell] = [
        None if t is None else n
        for n, t in zip(meta.col("col_name"), meta.col("col_type"), strict=True)
        if t is None or t == "Filter"
    ]
    return found + filter_groups(meta) if include_filter_groups else found


def meta_value(meta: Frame, name: str) -> list[Cell]:
    return meta.col(name) if meta.has(name) else [None] * len(meta)


def distinct_values(data: Frame, name: str) -> list[Cell]:
    return unique(data.col(name))


# --- filenames ------------------------------------------------------------------------------------------------


def check_filename_spaces(filename: str) -> Result:
    if " " in filename:
        return out(
            "filename_spaces", FAIL, f"There are spaces that need removing in '{filename}' (filename)."
        )
    return out("filename_spaces", PASS, f"'{filename}' does not have spaces in the filename.")


def check_filename_special(filename: str) -> Result:
    stem = re.sub(r"\.[^.]*$", "", filename) if re.search(r"\.[A-Za-z0-9]+$", filename) else filename
    stem = re.sub(r"\.meta$", "", stem)
    cleaned = re.sub(r"-|_|\s", "", stem)
    if re.search(r"[^\w]|_", cleaned):
        special = unique(re.sub(r"[A-Za-z0-9]|-|_|\s", "", stem))
        return out(
            "filename_special",
            FAIL,
            f"The following special characters need removing from {filename} (filename): {' '.join(special)}. "
            "Filenames must only contain numbers, letters, hyphens or underscores.",
        )
    return out("filename_special", PASS, f"'{filename}' does not contain any special characters.")


def check_filenames_match(datafilename: str, metafilename: str) -> Result:
    expected = datafilename.replace(".csv", ".meta.csv", 1)
    if metafilename == expected:
        return out(
            "filenames_match", PASS, "The names of the files follow the recommended naming convention."
        )
    return out(
        "filenames_match",
        FAIL,
        "The filenames do not follow the recommended naming convention. Based on the given data filename, "
        f"the metadata filename is expected to be '{expected}'.",
    )


def screen_filenames(datafilename: str, metafilename: str) -> list[Result]:
    results = [
        check_filename_spaces(datafilename),
        check_filename_spaces(metafilename),
        check_filename_special(datafilename),
        check_filename_special(metafilename),
        check_filenames_match(datafilename, metafilename),
    ]
    return [Result(r.check, r.result, r.message, "filename") for r in results]


# --- precheck columns -----------------------------------------------------------------------------------------


def precheck_col_req_meta(meta: Frame) -> Result:
    missing = [c for c in ref.REQ_META_COLS if c not in meta.columns]
    if not missing:
        return out("col_req_meta", PASS, "All of the required columns are present in the metadata file.")
    word = plural(len(missing), "column is", "columns are")
    return out(
        "col_req_meta",
        FAIL,
        f"The following required {word} missing from the metadata file: '{quoted(missing)}'.",
    )


def precheck_col_invalid_meta(meta: Frame) -> Result:
    invalid = setdiff(meta.columns, (*ref.REQ_META_COLS, *ref.OPTIONAL_META_COLS))
    if not invalid:
        return out("col_invalid_meta", PASS, "There are no invalid columns in the metadata file.")
    if len(invalid) == 1:
        return out("col_invalid_meta", FAIL, f"{invalid[0]} is an invalid column in the metadata file.")
    return out(
        "col_invalid_meta", FAIL, f"These are invalid columns in the metadata file: {', '.join(invalid)}"
    )


def precheck_col_req_data(data: Frame) -> Result:
    missing = [c for c in ref.REQ_DATA_COLS if c not in data.columns]
    if not missing:
        return out("col_req_data", PASS, "All of the required columns are present in the data file.")
    word = plural(len(missing), "column is", "columns are")
    return out(
        "col_req_data",
        FAIL,
        f"The following required {word} missing from the data file: '{quoted(missing)}'.",
    )


def precheck_col_to_rows(data: Frame, meta: Frame) -> Result:
    data_cols = len(data.columns) - 5
    meta_rows = len(meta)
    if data_cols < meta_rows:
        return out(
            "col_to_rows",
            FAIL,
            f"There are more rows in the metadata file ({meta_rows:,}) than the number of non-mandatory "
            f"columns in the data file ({data_cols:,}). This is not expected, please check the csv files.",
        )
    if data_cols == meta_rows:
        return out(
            "col_to_rows",
            PASS,
            f"There are an equal number of rows in the metadata file ({meta_rows:,}) and non-mandatory "
            f"columns in the data file ({data_cols:,}).",
        )
    return out(
        "col_to_rows",
        PASS,
        f"There are fewer rows in the metadata file ({meta_rows:,}) than non-mandatory columns in the "
        f"data file ({data_cols:,}).",
    )


# --- precheck cross-file ---------------------------------------------------------------------------------------


def precheck_cross_meta_to_data(data: Frame, meta: Frame) -> Result:
    missing = setdiff(filters(meta, include_filter_groups=True), data.columns)
    if not missing:
        return out("cross_meta_to_data", PASS, "All variables from the metadata were found in the data file.")
    return out(
        "cross_meta_to_data",
        FAIL,
        f"The following {plural(len(missing), 'variable was', 'variables were')} found in the metadata file, "
        f"but could not be found in the data file: '{quoted(missing)}'.",
    )


def precheck_cross_data_to_meta(data: Frame, meta: Frame) -> Result:
    non_ob = setdiff(data.columns, acceptable_ob_units())
    single = [c for c in non_ob if n_distinct(data.col(c)) == 1]
    not_in_meta = setdiff(setdiff(non_ob, single), cols_meta(meta, grouping_cols=True))
    if not not_in_meta:
        return out(
            "cross_data_to_meta",
            PASS,
            "All variables in the data file are observational units or are represented in the metadata file.",
        )
    return out(
        "cross_data_to_meta",
        WARNING,
        f"The following {plural(len(not_in_meta), 'variable', 'variables')} in the data file "
        "are not observational units, do not have a single level, and are not represented in the "
        f"metadata: '{quoted(not_in_meta)}'.",
    )


# --- check columns -----------------------------------------------------------------------------------------------


def check_col_names_spaces(data: Frame) -> Result:
    failed = [c for c in data.columns if re.search(r"\s", c)]
    if not failed:
        return out("col_names_spaces", PASS, "There are no spaces in the variable names in the datafile.")
    return out(
        "col_names_spaces",
        FAIL,
        f"The following variable name{'s' if len(failed) > 1 else ''} "
        f"{'each have' if len(failed) > 1 else 'has'} at least one space that needs removing: '{quoted(failed)}'.",
    )


def check_col_snake_case(data: Frame) -> Result:
    chars = unique(ch for c in data.columns for ch in re.sub(r"[a-z0-9]|_", "", c))
    if not chars:
        return out(
            "col_snake_case", PASS, "The variable names in the data file follow the snake_case convention."
        )
    word = "character was" if len(chars) == 1 else "characters were"
    return out(
        "col_snake_case",
        WARNING,
        f"The following invalid {word} found in the variable names of the data file: '{quoted(chars)}'.",
    )


def check_col_var_start(data: Frame) -> Result:
    invalid = [c for c in data.columns if not re.match(r"[a-z]", c)]
    if not invalid:
        return out(
            "col_var_start", PASS, "All variable names in the data file start with a lowercase letter."
        )
    return out(
        "col_var_start",
        WARNING,
        f"The following variable {plural(len(invalid), 'name starts', 'names start')} with a character "
        f"that isn't a lowercase letter: '{quoted(invalid)}'.",
    )


SMUSHED = (
    "male",
    "female",
    "asian",
    "chinese",
    "indian",
    "pakistani",
    "bangladeshi",
    "black",
    "african",
    "caribbean",
    "white",
    "roma",
    "irish",
    "english",
    "british",
    "scottish",
    "welsh",
    "northern irish",
    "arab",
)


def check_col_ind_smushed(meta: Frame) -> Result:
    pattern = re.compile("|".join(SMUSHED), re.IGNORECASE)
    found = [
        n
        for n, t in zip(meta.col("col_name"), meta.col("col_type"), strict=True)
        if t == "Indicator" and n is not None and pattern.search(n)
    ]
    if not found:
        return out("col_ind_smushed", PASS, "No indicators found containing typical filter entries.")
    return out(
        "col_ind_smushed",
        FAIL,
        f"The following {plural(len(found), 'indicator appears', 'indicators appear')} to not conform to "
        f"tidy data principles: '{quoted(found)}'. We recommend pivoting your data longer and adding a "
        "filter to contain characteristic choices.",
    )


def check_col_var_characteristic(meta: Frame) -> Result:
    names = meta.col("col_name")
    if (
        "characteristic" in names
        or "characteristic_group" in names
        or ("characteristic_group" in meta_value(meta, "filter_grouping_column"))
    ):
        return out(
            "col_var_characteristic",
            WARNING,
            "The fields 'characteristic' and / or 'characteristic_group' have been included in the data. "
            "These are not recommended for use with the EES Table Tool. Please refer to the guidance pages on "
            "filters.",
        )
    return out(
        "col_var_characteristic",
        PASS,
        "Neither 'characteristic' nor 'characteristic_group' were found as listed fields in the metadata file.",
    )


# --- precheck meta ---------------------------------------------------------------------------------------------------


def precheck_meta_col_type(meta: Frame) -> Result:
    invalid = setdiff(meta.col("col_type"), ("Filter", "Indicator"))
    if not invalid:
        return out("meta_col_type", PASS, "col_type is always 'Filter' or 'Indicator'.")
    word = plural(len(invalid), "value was", "values were")
    return out(
        "meta_col_type",
        FAIL,
        f"The following invalid col_type {word} found in the metadata file: '{quoted(invalid)}'",
    )


def precheck_meta_ob_unit(meta: Frame) -> Result:
    ob = setdiff(acceptable_ob_units(), ("school_name", "provider_name"))
    found = intersect(ob, cols_meta(meta, grouping_cols=True))
    if not found:
        return out("meta_ob_unit", PASS, "No observational units have been included in the metadata file.")
    word = plural(len(found), "unit needs", "units need")
    return out(
        "meta_ob_unit",
        FAIL,
        f"The following observational {word} removing from the metadata file: '{quoted(found)}'.",
    )


def precheck_meta_col_name(meta: Frame) -> Result:
    blanks = sum(1 for v in meta.col("col_name") if v is None or v.strip() == "")
    if blanks == 0:
        return out("meta_col_name", PASS, "The col_name column is completed for every row in the metadata.")
    if blanks == 1:
        return out("meta_col_name", FAIL, "There is a col_name missing in 1 row of the metadata file.")
    return out(
        "meta_col_name", FAIL, f"There are col_name values missing in {blanks} rows of the metadata file."
    )


# --- check meta --------------------------------------------------------------------------------------------------------


def _meta_rows(meta: Frame) -> list[dict[str, Cell]]:
    return [dict(zip(meta.columns, r, strict=True)) for r in meta.rows]


def check_meta_dupe_label(meta: Frame) -> Result:
    dupes = duplicated(meta.col("label"))
    if not dupes:
        return out("meta_dupe_label", PASS, "All labels are unique.")
    word = plural(len(dupes), "label is", "labels are")
    return out(
        "meta_dupe_label", FAIL, f"The following {word} duplicated in the metadata file: '{quoted(dupes)}'."
    )


def check_meta_fil_grp(meta: Frame) -> Result:
    bad = [
        r["col_name"]
        for r in _meta_rows(meta)
        if r["col_type"] == "Indicator" and not blank(r["filter_grouping_column"])
    ]
    if not bad:
        return out("meta_fil_grp", PASS, "No indicators have a filter_grouping_column value.")
    return out(
        "meta_fil_grp",
        FAIL,
        "Indicators should not have a filter_grouping_column value in the metadata file. The following "
        f"indicator rows have filter_grouping_column values: '{quoted(bad)}'.",
    )


def check_meta_fil_grp_dupe(meta: Frame) -> Result:
    groups = filter_groups(meta)
    if not groups:
        return out("meta_fil_grp_dupe", PASS, "There are no filter groups present.")
    if len(groups) != n_distinct(groups):
        return out(
            "meta_fil_grp_dupe",
            FAIL,
            f"There are duplicate filter_group values: {', '.join(unique(duplicated(groups)))}.",
        )
    return out("meta_fil_grp_dupe", PASS, "All of the filter_group values are unique.")


def check_meta_fil_grp_is_fil(meta: Frame) -> Result:
    groups = filter_groups(meta)
    if not groups:
        return out("meta_fil_grp_is_fil", PASS, "There are no filter groups present.")
    missing = [g for g in groups if g not in meta.col("col_name")]
    if not missing:
        return out("meta_fil_grp_is_fil", PASS, "All filter groups are included in the col_name column.")
    return out(
        "meta_fil_grp_is_fil",
        WARNING,
        "Filter groups should appear in the col_name column in the metadata file. Please add rows for the "
        f"following col_name(s): '{quoted(missing)}'.",
    )


def check_meta_fil_grp_match(data: Frame, meta: Frame) -> Result:
    groups = filter_groups(meta)
    if not groups:
        return out("meta_fil_grp_match", PASS, "There are no filter groups present.")
    missing = setdiff(groups, data.columns)
    if not missing:
        return out(
            "meta_fil_grp_match", PASS, "All filter groups from the metadata were found in the data file."
        )
    word = plural(len(missing), "filter group from the metadata was", "filter groups from the metadata were")
    return out(
        "meta_fil_grp_match",
        FAIL,
        f"The following {word} not found as {plural(len(missing), 'a variable', 'variables')} in the data file: "
        f"'{quoted(missing)}'.",
    )


def check_meta_fil_grp_stripped(data: Frame, meta: Frame) -> Result:
    groups = filter_groups(meta)
    if not groups:
        return out("meta_fil_grp_stripped", PASS, "There are no filter groups present.")
    raw = [distinct_values(data, g) for g in groups]
    stripped = [unique(None if v is None else re.sub(r"[^\w]|_", "", v) for v in values) for values in raw]
    failed = [i for i, (a, b) in enumerate(zip(raw, stripped, strict=True)) if len(a) != len(b)]
    if failed:
        return out(
            "meta_fil_grp_stripped",
            FAIL,
            "The number of unique filter groups should not change when non-alphanumeric characters are "
            f"stripped. Please check this list for erroneous filter group values: "
            f"'{quoted(v for i in failed for v in raw[i])}'.",
        )
    return out(
        "meta_fil_grp_stripped",
        PASS,
        "There are no issues when stripping non-alphanumeric characters from filter groups.",
    )


def check_meta_label(meta: Frame) -> Result:
    blanks = sum(1 for v in meta.col("label") if v is None or v in ("", " "))
    if blanks == 0:
        return out("meta_label", PASS, "The label column is completed for every row in the metadata.")
    if blanks == 1:
        return out("meta_label", FAIL, "There is a label missing in 1 row of the metadata file.")
    return out("meta_label", FAIL, f"There are labels missing in {blanks} rows of the metadata file.")


def check_meta_filter_hint(meta: Frame) -> Result:
    bad = [
        r["col_name"]
        for r in _meta_rows(meta)
        if r["col_type"] == "Indicator" and not blank(r["filter_hint"])
    ]
    if not bad:
        return out("meta_filter_hint", PASS, "No indicators have a filter_hint value.")
    return out(
        "meta_filter_hint",
        FAIL,
        "Indicators should not have a filter_hint value in the metadata file. The following indicator rows "
        f"have filter_hint values: '{quoted(bad)}'.",
    )


SCH_PROV_NAMES = ("school_name", "provider_name")


def check_meta_geog_catch(meta: Frame) -> Result:
    filter_cols = [r["col_name"] for r in _meta_rows(meta) if r["col_type"] == "Filter"]
    groups = filter_groups(meta)
    both = filter_cols + groups
    if len(filter_cols) == 1 and (
        filter_cols[0] in SCH_PROV_NAMES or (groups[:1] and groups[0] in SCH_PROV_NAMES)
    ):
        both = [c for c in both if c not in SCH_PROV_NAMES]
    pattern = re.compile(ref.POTENTIAL_OB_UNITS_REGEX, re.IGNORECASE)
    caught = [c for c in both if c is not None and pattern.search(c)]
    if not caught:
        return out("meta_geog_catch", PASS, "No filters appear to be mislabelled geography columns.")
    return out(
        "meta_geog_catch",
        FAIL,
        f"The following {plural(len(caught), 'filter appears', 'filters appear')} to be "
        f"{plural(len(caught), 'a geographic column', 'geographic columns')} and shouldn't be included in the "
        f"metadata file: '{quoted(caught)}'.",
    )


def check_meta_indicator_dp(meta: Frame) -> Result:
    bad = [r for r in _meta_rows(meta) if r["col_type"] == "Filter" and not blank(r["indicator_dp"])]
    if not bad:
        return out("meta_indicator_dp", PASS, "No filters have an indicator_dp value.")
    return out(
        "meta_indicator_dp", FAIL, "Filters should not have an indicator_dp value in the metadata file."
    )


def check_meta_col_name_spaces(meta: Frame) -> Result:
    bad = [v for v in meta.col("col_name") if v is not None and re.search(r"\s", v)]
    if bad:
        return out(
            "meta_col_name_spaces",
            FAIL,
            f"The following {len(bad)} col_name value{'s' if len(bad) != 1 else ''} have spaces in the "
            f"metadata: {', '.join(bad)}.",
        )
    return out("meta_col_name_spaces", PASS, "There are no spaces in the col_name values.")


def check_meta_col_name_dupe(meta: Frame) -> Result:
    dupes = duplicated(meta.col("col_name"))
    if not dupes:
        return out("meta_col_name_dupe", PASS, "All col_name values are unique.")
    word = plural(len(dupes), "value is", "values are")
    return out(
        "meta_col_name_dupe",
        FAIL,
        f"The following col_name {word} duplicated in the metadata file: '{quoted(dupes)}'.",
    )


def check_meta_ind_dp_set(meta: Frame) -> Result:
    bad = [
        r["col_name"]
        for r in _meta_rows(meta)
        if r["col_type"] == "Indicator" and (r["indicator_dp"] is None or r["indicator_dp"].strip() == "")
    ]
    if not bad:
        return out("meta_ind_dp_set", PASS, "The indicator_dp column is completed for all indicators.")
    if len(bad) == 1:
        return out(
            "meta_ind_dp_set",
            WARNING,
            f"{bad[0]} does not have a specified number of decimal places in the metadata file, this should "
            "be explicitly stated where possible.",
        )
    return out(
        "meta_ind_dp_set",
        WARNING,
        "The following indicators do not have a specified number of decimal places in the indicator_dp "
        f"column of metadata file, explicitly state this if possible: '{quoted(bad)}'",
    )


def _number(text: str) -> float | None:
    try:
        return float(text.strip())
    except ValueError:
        return None


def check_meta_ind_dp_values(meta: Frame) -> Result:
    bad_message = "The indicator_dp column must only contain blanks, zero, or positive integer values in the metadata file."
    values = [None if v is None or v.strip() == "" else v for v in meta.col("indicator_dp")]
    numbers = []
    for v in values:
        if v is None:
            continue
        n = _number(v)
        if n is None or n != n:
            return out("meta_ind_dp_values", FAIL, bad_message)
        numbers.append(n)
    if not numbers:
        return out("meta_ind_dp_values", PASS, "The indicator_dp column only contains blanks.")
    if any(n != int(n) or n < 0 for n in numbers):
        return out("meta_ind_dp_values", FAIL, bad_message)
    return out(
        "meta_ind_dp_values",
        PASS,
        "The indicator_dp column only contains blanks, zero, or positive integer values.",
    )


def check_meta_ind_unit(meta: Frame) -> Result:
    rows = _meta_rows(meta)
    positions = [
        i + 1 for i, r in enumerate(rows) if r["col_type"] == "Filter" and not blank(r["indicator_unit"])
    ]
    if positions:
        labels = sorted({str(rows[p - 1]["label"]) for p in positions})
        return out(
            "meta_ind_unit",
            FAIL,
            "Filters should not have an indicator_unit value in the metadata file. This occurs for columns: "
            f"{', '.join(labels)} at positions: {', '.join(map(str, positions))}.",
        )
    return out("meta_ind_unit", PASS, "No filters have an indicator_unit value.")


def check_meta_ind_unit_validation(meta: Frame) -> Result:
    units = unique(
        r["indicator_unit"]
        for r in _meta_rows(meta)
        if r["col_type"] == "Indicator" and not blank(r["indicator_unit"])
    )
    invalid = setdiff(units, ref.ACCEPTABLE_INDICATOR_UNITS)
    if not invalid:
        return out("meta_ind_unit_validation", PASS, "The indicator_unit values are valid.")
    return out(
        "meta_ind_unit_validation",
        FAIL,
        f"The following invalid indicator unit(s) is / are present in the meta data file: {quoted(invalid)}.",
    )


def check_meta_indicator_grouping(meta: Frame) -> Result:
    bad = [r for r in _meta_rows(meta) if r["col_type"] == "Filter" and not blank(r["indicator_grouping"])]
    if not bad:
        return out("meta_indicator_grouping", PASS, "No filters have an indicator_grouping value.")
    return out(
        "meta_indicator_grouping",
        FAIL,
        "Filters should not have an indicator_grouping value in the metadata file.",
    )


# --- precheck time, filters, geography -------------------------------------------------------------------------------


def precheck_time_period_num(data: Frame) -> Result:
    bad = [
        v for v in distinct_values(data, "time_period") if v is None or not re.fullmatch(r"\d{4}(\d{2})?", v)
    ]
    if not bad:
        return out("time_period_num", PASS, "The time_period column only contains numeric values.")
    return out(
        "time_period_num",
        FAIL,
        f"The following invalid time_period {plural(len(bad), 'value', 'values')} were found in the data file: "
        f"'{quoted(bad)}', time_period must always be either a 4 or 6 digit number.",
    )


def _all_time_ids() -> set[str]:
    return {t for group in ref.TIME_IDENTIFIER_GROUPS for t in group}


def precheck_time_id_valid(data: Frame) -> Result:
    invalid = [v for v in distinct_values(data, "time_identifier") if v not in _all_time_ids()]
    if not invalid:
        return out("time_id_valid", PASS, "The time_identifier values are all valid.")
    if len(invalid) == 1:
        if blank(invalid[0]):
            return out(
                "time_id_valid", FAIL, "At least one of the time_identifier values is blank or missing."
            )
        return out("time_id_valid", FAIL, f"The following invalid time_identifier was found: '{invalid[0]}'.")
    ordered = sorted(invalid, key=lambda v: (v is None, str(v).lower()))
    return out(
        "time_id_valid", FAIL, f"The following invalid time_identifiers were found: '{quoted(ordered)}'."
    )


def precheck_time_id_mix(data: Frame) -> Result:
    ids = distinct_values(data, "time_identifier")
    base = ids[0] if ids else None
    base_level = [t for group in ref.TIME_IDENTIFIER_GROUPS if base in group for t in group]
    if not all(v in base_level for v in ids):
        return out(
            "time_id_mix",
            FAIL,
            f"The datafile is mixing incompatible time identifiers. Allowable values with ' {base} ' present, "
            f"are: ' {quoted(base_level)} '.",
        )
    if len(ids) == 1:
        return out("time_id_mix", PASS, "There is only one time_identifier value in the data.")
    return out("time_id_mix", PASS, "The time_identifier values are mixed appropriately.")


def precheck_filter_not_singular(data: Frame, meta: Frame) -> Result:
    cols = filters(meta)
    if not cols:
        return out("filter_not_singular", PASS, "There are no filters in the data to test.")
    singular = [c for c in cols if n_distinct(data.col(c)) < 2]
    if not singular:
        return out("filter_not_singular", PASS, "All filters have two or more levels.")
    return out(
        "filter_not_singular",
        FAIL,
        f"The following {plural(len(singular), 'filter has', 'filters have')} fewer than two levels and "
        f"should be removed from the metadata: '{quoted(singular)}'.",
    )


def precheck_geog_level(data: Frame) -> Result:
    invalid = setdiff(distinct_values(data, "geographic_level"), ref.GEOGRAPHY)
    if not invalid:
        return out("geog_level", PASS, "The geographic_level values are all valid.")
    return out(
        "geog_level",
        FAIL,
        f"The following invalid geographic level(s) were found in the file: {quoted(invalid)}.",
    )


def precheck_geog_level_present(data: Frame) -> Result:
    levels = distinct_values(data, "geographic_level")
    if all(v == "National" for v in levels):
        return out("geog_level_present", PASS, "There is only National level data in the file.")
    expected = [
        c
        for level, *cols in geography_rows()
        if level != "Planning area" and level in levels
        for c in cols
        if c is not None
    ]
    missing = setdiff(expected, data.columns)
    if not missing:
        return out(
            "geog_level_present",
            PASS,
            "The geography columns are present as expected for the geographic_level values in the file.",
        )
    return out(
        "geog_level_present",
        FAIL,
        f"Given that the following geographic_level values are present: '{quoted(levels)}'; the following "
        f"{plural(len(missing), 'column is', 'columns are')} missing from the file: "
        + cli_collapse(["'" + m + "'" for m in missing])
        + ".",
    )


# --- check time --------------------------------------------------------------------------------------------------------


def check_time_period(data: Frame) -> Result:
    ids = distinct_values(data, "time_identifier")
    base = ids[0] if ids else None
    periods = distinct_values(data, "time_period")
    result: Result | None = None
    ok = "The time_period length matches the time_identifier values in the data file."
    if base in ref.FOUR_DIGIT_IDENTIFIERS:
        if all(p is not None and len(p) == 4 for p in periods):
            result = out("time_period", PASS, ok)
        else:
            result = out(
                "time_period",
                FAIL,
                f"The time_period length for '{base}' must always be a four digit number.",
            )
    if base in ref.SIX_DIGIT_IDENTIFIERS:
        if all(p is not None and len(p) == 6 for p in periods):
            result = out("time_period", PASS, ok)
        else:
            result = out(
                "time_period", FAIL, f"The time_period length for '{base}' must always be a six digit number."
            )
    if result is None:  # the R code stops with an error here ("object 'result' not found")
        raise RuntimeError(f"check_time_period cannot run for time_identifier {base!r}")
    return result


def check_time_period_six(data: Frame) -> Result:
    periods = distinct_values(data, "time_period")
    if None in periods:
        return out(
            "time_period_six",
            FAIL,
            "NA values found in time_period; all values must be valid six digit numbers referring to consecutive years.",
        )
    six = [p for p in periods if len(p) == 6]
    if not six:
        return out("time_period_six", PASS, "There are no six digit time_period values in the file.")

    def consecutive(p: str) -> bool:
        first, second = int(p[2:4]), int(p[4:6])
        return (first == 99 and second == 0) or first + 1 == second

    if all(consecutive(p) for p in six):
        return out("time_period_six", PASS, "The six digit time_period values refer to consecutive years.")
    return out(
        "time_period_six",
        FAIL,
        "When the time period is six digits, the years must be consecutive such as 201920.",
    )


# --- check filters -----------------------------------------------------------------------------------------------------


def check_filter_defaults(data: Frame, meta: Frame) -> Result:
    names = filters(meta)
    if not names:
        return out("filter_defaults", PASS, "There are no filters in the data file.")
    if meta.has("filter_default"):
        raw = [
            d for d, t in zip(meta.col("filter_default"), meta.col("col_type"), strict=True) if t == "Filter"
        ]
        defaults = ["Total" if blank(d) else d for d in raw]
    else:
        defaults = ["Total"] * len(names)
    wanted = dict(zip(names, defaults, strict=False))
    for group in filter_groups(meta):
        if group not in meta.col("col_name"):
            wanted[group] = "Total"
    missing = [c for c, d in wanted.items() if d not in distinct_values(data, c)]
    if not missing:
        return out("filter_defaults", PASS, "All filters and groups have a default filter item present.")
    return out(
        "filter_defaults",
        WARNING,
        "A 'Total' entry or default filter item should be specified for the following filters and / or "
        f"filter_groups where applicable: '{quoted(missing)}'.",
    )


def check_filter_group_level(data: Frame, meta: Frame) -> Result:
    pairs = [
        (r["col_name"], r["filter_grouping_column"])
        for r in _meta_rows(meta)
        if r["col_type"] == "Filter" and not blank(r["filter_grouping_column"])
    ]
    if not pairs:
        return out("filter_group_level", PASS, "There are no filter groups present.")
    failed = [
        (f, g, n_distinct(data.col(f)), n_distinct(data.col(g)))
        for f, g in pairs
        if n_distinct(data.col(f)) < n_distinct(data.col(g))
    ]
    if not failed:
        return out(
            "filter_group_level",
            PASS,
            "All filter groups have an equal or lower number of levels than their corresponding filter.",
        )
    if len(failed) == 1:
        f, g, nf, ng = failed[0]
        return out(
            "filter_group_level",
            FAIL,
            f"The filter group '{g}' has more levels ({ng}) than its corresponding filter '{f}' ({nf}). This "
            "suggests that the hierarchy is the wrong way around in the metadata.",
        )
    return out(
        "filter_group_level",
        FAIL,
        "The following filter groups each have more levels than their corresponding filters, check that "
        f"they are entered the correct way around in the metadata: '{quoted(g for _, g, _, _ in failed)}'.",
    )


def check_filter_item_limit(data: Frame, meta: Frame, limit: int = 25000) -> Result:
    cols = cols_meta(meta, grouping_cols=True, excl_indicators=True)
    if not cols:
        return out("filter_item_limit", PASS, "There are no filters in the data file.")
    large = [c for c in cols if n_distinct(data.col(c)) > limit]
    if not large:
        return out(
            "filter_item_limit", PASS, f"All filters and groups have less than {limit} unique entries."
        )
    return out(
        "filter_item_limit",
        FAIL,
        "The following filters or filter groups contain more than the advised maximum number of unique "
        f"entries: '{quoted(large)}'.",
    )


def check_filter_whitespace(data: Frame, meta: Frame) -> Result:
    names = filters(meta)
    if not names:
        return out("filter_whitespace", PASS, "No filters present.")
    # The R code means to add the geography columns too, but as.character() on a data frame slice gives
    # three deparsed vectors that never match a column name: only filters are checked.
    cols = intersect(names, data.columns)
    spaced = [v for c in cols for v in distinct_values(data, c) if v is not None and v != v.strip()]
    if not spaced:
        return out("filter_whitespace", PASS, "No filter labels contain leading or trailing whitespace.")
    return out(
        "filter_whitespace",
        FAIL,
        f"{len(spaced)} filter label(s) contain leading or trailing whitespace: "
        + ", ".join(f"'{v}'" for v in spaced),
    )


def check_filter_ob_total(data: Frame, meta: Frame) -> Result:
    ob_units = [u for u in acceptable_ob_units() if u not in SCH_PROV_NAMES]
    pattern = re.compile(ref.POTENTIAL_OB_UNITS_REGEX, re.IGNORECASE)
    ob_cols = unique(intersect(ob_units, data.columns) + [c for c in data.columns if pattern.search(c)])
    names, groups = filters(meta), filter_groups(meta)
    if len(names) == 1 and (names[0] in SCH_PROV_NAMES or (groups[:1] and groups[0] in SCH_PROV_NAMES)):
        ob_cols = [c for c in ob_cols if c not in SCH_PROV_NAMES]
    if not ob_cols:
        return out("filter_ob_total", PASS, "No observational unit columns were found in this data to check.")
    totals = {"Total", "total", "All", "all"}
    with_total = [c for c in ob_cols if totals & set(distinct_values(data, c))]
    if not with_total:
        return out(
            "filter_ob_total", PASS, "There are no Total or All values in the observational unit columns."
        )
    return out(
        "filter_ob_total",
        FAIL,
        f"There are Total or All rows in the following observational unit "
        f"{plural(len(with_total), 'column', 'columns')}: '{quoted(with_total)}'. These cells should be blank.",
    )


def check_filter_blanks(data: Frame, meta: Frame) -> Result:
    cols = unique(filters(meta, include_filter_groups=True))
    if not cols:
        return out("filter_blanks", PASS, "There are no filter columns to check.")
    # sum(. == "") > 0 in R: a missing cell makes the sum NA, and the column is reported (as NA).
    flagged = [c for c in cols if any(blank(v) for v in data.col(c))]
    if not flagged:
        return out("filter_blanks", PASS, "There are no blank values in any filter or filter group columns.")
    return out(
        "filter_blanks",
        FAIL,
        f"There {plural(len(flagged), 'is', 'are')} at least one blank value in the following filter or filter "
        f"group {plural(len(flagged), 'column', 'columns')}: '{quoted(flagged)}'. All filter cells must have a value.",
    )


# --- check geography -----------------------------------------------------------------------------------------------------

LOOKUPS = {
    "region_code": None,
    "lad_code": ("acceptable_lads", "Local authority district"),
    "pcon_code": ("acceptable_pcons", "Parliamentary constituency"),
    "local_enterprise_partnership_code": ("acceptable_leps", "Local enterprise partnership"),
    "ward_code": ("acceptable_wards", "Ward"),
    "lsip_code": ("acceptable_lsips", "Local skills improvement plan area"),
    "english_devolved_area_code": ("acceptable_edas", "English devolved area"),
    "new_la_code": ("acceptable_las", None),
}


def _lookup_rows(name: str, columns: Sequence[str]) -> list[tuple[Cell, ...]] | None:
    key = (name, tuple(columns))
    if key not in _LOOKUP_CACHE:
        found = dataset(name)
        _LOOKUP_CACHE[key] = None if found is None else Frame.from_dataset(found).cols(columns)
    return _LOOKUP_CACHE[key]


_LOOKUP_CACHE: dict[tuple[str, tuple[str, ...]], list[tuple[Cell, ...]] | None] = {}


def _geog_combos(
    data: Frame,
    check: str,
    code_col: str,
    name_col: str,
    lookup: Callable[[], list[tuple[Cell, ...]] | None],
    restricted_level: str | None = None,
    extra_code_col: str | None = None,
) -> Result:
    all_cols = [c for c in (extra_code_col, code_col, name_col) if c]
    if not all(c in data.columns for c in all_cols):
        return out(
            check,
            PASS,
            f"At least one of the {' / '.join(all_cols)} columns is not present in this data file.",
        )
    acceptable = lookup()
    if acceptable is None:
        return out(check, NOT_RUN, "The package's lookup for this geography is not available here.")
    extra = [(("z",) if extra_code_col else ()) + option for option in ref.EXTRA_GEOG_OPTIONS]
    valid = set(acceptable) | set(extra)
    code_i = all_cols.index(code_col)
    combos = data.cols(all_cols)
    if restricted_level is not None:
        kept = [c for c in combos if not blank(c[code_i]) and c[code_i] != "x"]
    else:
        kept = [c for c in combos if c[code_i] is not None and c[code_i] != "x"]
        if extra_code_col:
            kept = [c for c in kept if c[0] is not None]
    invalid = [c for c in unique(kept) if c not in valid]
    label = " / ".join(all_cols)
    if not invalid:
        return out(check, PASS, f"All {label} combinations are valid.")
    return out(
        check,
        FAIL,
        f"The following {label} {plural(len(invalid), 'combination is', 'combinations are')} invalid: "
        f"'{quoted(' '.join('NA' if v is None else v for v in c) for c in invalid)}'. We do not expect any "
        "combinations outside of the standard geographies lookup (case sensitive), please check your name "
        "and code combinations against this lookup.",
    )


def check_geog_country_combos(data: Frame) -> Result:
    return _geog_combos(
        data, "geog_country_combos", "country_code", "country_name", lambda: list(ref.ACCEPTABLE_COUNTRIES)
    )


def check_geog_region_combos(data: Frame) -> Result:
    return _geog_combos(
        data,
        "geog_region_combos",
        "region_code",
        "region_name",
        lambda: list(ref.ACCEPTABLE_REGIONS),
        "Regional",
    )


def _lookup_combos(data: Frame, check: str, code_col: str, name_col: str) -> Result:
    name, level = LOOKUPS[code_col]
    return _geog_combos(
        data, check, code_col, name_col, lambda: _lookup_rows(name, [code_col, name_col]), level
    )


def check_geog_ward_combos(data: Frame) -> Result:
    return _lookup_combos(data, "geog_ward_combos", "ward_code", "ward_name")


def check_geog_pcon_combos(data: Frame) -> Result:
    return _lookup_combos(data, "geog_pcon_combos", "pcon_code", "pcon_name")


def check_geog_lad_combos(data: Frame) -> Result:
    return _lookup_combos(data, "geog_lad_combos", "lad_code", "lad_name")


def check_geog_lep_combos(data: Frame) -> Result:
    return _lookup_combos(
        data, "geog_lep_combos", "local_enterprise_partnership_code", "local_enterprise_partnership_name"
    )


def check_geog_lsip_combos(data: Frame) -> Result:
    return _lookup_combos(data, "geog_lsip_combos", "lsip_code", "lsip_name")


def check_geog_eda_combos(data: Frame) -> Result:
    return _lookup_combos(data, "geog_eda_combos", "english_devolved_area_code", "english_devolved_area_name")


def check_geog_la_combos(data: Frame) -> Result:
    return _geog_combos(
        data,
        "geog_la_combos",
        "new_la_code",
        "la_name",
        lambda: _lookup_rows("acceptable_las", ["old_la_code", "new_la_code", "la_name"]),
        extra_code_col="old_la_code",
    )


def check_geog_level_completed(data: Frame) -> Result:
    levels = distinct_values(data, "geographic_level")
    present = [
        (level, None if code == "new_la_code" else code, name, secondary)
        for level, code, name, secondary in geography_rows()
        if level != "Planning area" and level in levels
    ]
    if not present:
        return out("geog_level_completed", PASS, "No valid geographic levels present in the data to test.")
    incomplete = []
    for level, *cols in present:
        rows = data.where("geographic_level", lambda v, level=level: v == level)
        for c in cols:
            if c is not None and c in data.columns and any(blank(v) for v in rows.col(c)):
                incomplete.append(c)
    if not incomplete:
        return out("geog_level_completed", PASS, "All geographic level columns are completed as expected.")
    return out(
        "geog_level_completed",
        FAIL,
        f"The following {plural(len(incomplete), 'column is', 'columns are')} incomplete for the associated "
        f"geographic level: '{quoted(incomplete)}'.",
    )


def check_geog_ignored_rows(data: Frame) -> Result:
    levels = data.col("geographic_level")
    if not any(v not in ("Institution", "Planning area") for v in levels):
        return out(
            "geog_ignored_rows",
            FAIL,
            "This file only contains rows at Institution or Planning area level, which are ignored by the EES "
            "table tool. Consider uploading this as an ancillary file without the metadata.",
        )
    ignored = sum(1 for v in levels if v in ("School", "Provider", "Institution", "Planning area"))
    if ignored == 0:
        return out("geog_ignored_rows", PASS, "No rows in the file will be ignored by the EES table tool.")
    present = unique(levels)
    if len(present) == 1 and present[0] in ("School", "Provider"):
        return out("geog_ignored_rows", PASS, "No rows in the file will be ignored by the EES table tool.")
    if "School" in present and "Provider" in present:
        return out(
            "geog_ignored_rows",
            FAIL,
            "School and Provider data has been mixed - please contact the Explore education statistics platforms team.",
        )
    return out(
        "geog_ignored_rows",
        PASS,
        f"{ignored} {plural(ignored, 'row', 'rows')} will be ignored by the EES table tool, at School, Provider, "
        "Institution, or Planning area level.",
    )


def _other_dupes(data: Frame, check: str, by_name: bool) -> Result:
    levels = distinct_values(data, "geographic_level")
    relevant = [(lv, ref.GEOGRAPHY[lv]) for lv in ("Opportunity area", "MAT", "Sponsor") if lv in levels]
    if not relevant:
        return out(check, PASS, "Lower-level geography data is not present in this data file.")
    multi = []
    for level, (code_col, name_col, _) in relevant:
        if not (data.has(code_col) and data.has(name_col)):
            continue
        rows = data.where("geographic_level", lambda v, level=level: v == level).where(
            code_col, lambda v: not blank(v)
        )
        pairs = unique(rows.cols([code_col, name_col]))
        counts: dict = {}
        for code, name in pairs:
            key = name if by_name else code
            counts[key] = counts.get(key, 0) + 1
        for key in sorted(counts, key=lambda k: (k is None, str(k))):
            if counts[key] > 1:
                word = "codes" if by_name else "names"
                multi.append(f"{key} - {counts[key]} different {word}")
    if not multi:
        return out(
            check,
            PASS,
            "Every geography has one code."
            if by_name
            else "Every geography code has one assigned geography.",
        )
    if by_name:
        message = (
            f"The following {plural(len(multi), 'geography has', 'geographies have')} multiple codes: "
            f"'{quoted(multi)}'. Each geography should have only one code."
        )
    else:
        message = (
            f"The following geography {plural(len(multi), 'code has', 'codes have')} multiple assigned "
            f"geographies: '{quoted(multi)}'. Each geography code should have only one assigned geography."
        )
    return out(check, FAIL, message)


def check_geog_other_dupes(data: Frame) -> Result:
    return _other_dupes(data, "geog_other_dupes", by_name=True)


def check_geog_other_code_dupes(data: Frame) -> Result:
    return _other_dupes(data, "geog_other_code_dupes", by_name=False)


def _col_present(data: Frame, check: str, level: str) -> Result:
    label = level.lower()
    required = geog_level_cols(level)
    present = intersect(required, data.columns)
    missing = setdiff(required, data.columns)
    if not present:
        return out(check, PASS, f"No {label} columns are present in this data file.")
    if not missing:
        return out(check, PASS, f"All {label} columns are present in the data file.")
    return out(
        check,
        FAIL,
        f"The following {label} {plural(len(missing), 'column is', 'columns are')} missing from the data file: "
        f"'{quoted(missing)}'. When any {label} column is present, all should be included.",
    )


def check_geog_la_col_present(data: Frame) -> Result:
    return _col_present(data, "geog_la_col_present", "Local authority")


def check_geog_region_col_present(data: Frame) -> Result:
    return _col_present(data, "geog_region_col_present", "Regional")


def _region_for(data: Frame, check: str, level: str) -> Result:
    rows = data.where("geographic_level", lambda v: v == level)
    if not rows:
        return out(check, PASS, f"There is no {level} level data in the data file.")
    missing = setdiff(("region_code", "region_name"), data.columns)
    if missing:
        return out(
            check,
            WARNING,
            f"The following region {plural(len(missing), 'column is', 'columns are')} missing from the data file: "
            f"'{quoted(missing)}'. Regional information should ideally be given for all {level} level data.",
        )
    if any(blank(v) for v in rows.col("region_code")) or any(blank(v) for v in rows.col("region_name")):
        return out(
            check,
            WARNING,
            f"region_code and / or region_name have missing values for {level} rows in the data file. It is "
            f"recommended to include the information from these columns for {level} level data.",
        )
    return out(
        check, PASS, f"Both region_code and region_name are completed for all {level} rows in the data file."
    )


def check_geog_region_for_la(data: Frame) -> Result:
    return _region_for(data, "geog_region_for_la", "Local authority")


def check_geog_region_for_lad(data: Frame) -> Result:
    return _region_for(data, "geog_region_for_lad", "Local authority district")


NA_EXCLUDED_LEVELS = (
    "National",
    "Regional",
    "Local authority",
    "Local authority district",
    "Parliamentary constituency",
    "Ward",
    "Local enterprise partnership",
    "Local skills improvement plan area",
    "English devolved area",
    "RSC region",
    "Institution",
    "Planning area",
)


def check_geog_na(data: Frame) -> Result:
    levels = distinct_values(data, "geographic_level")
    testable = [
        (level, code, name)
        for level, code, name, _ in geography_rows()
        if level not in NA_EXCLUDED_LEVELS and code is not None and name is not None and level in levels
    ]
    if not testable:
        return out("geog_na", PASS, "No applicable geographic levels to test.")
    failing = []
    for level, code, name in testable:
        if not (data.has(code) and data.has(name)):
            continue
        # Over the whole file, not only that level's rows (as the R code does).
        if any(
            c == "x" and n is not None and n != "Not available" for c, n in unique(data.cols([code, name]))
        ):
            failing.append(level)
    if not failing:
        return out(
            "geog_na",
            PASS,
            "No tested locations have a code of 'x' without the corresponding name 'Not available'.",
        )
    return out(
        "geog_na",
        FAIL,
        f"The following geographic {plural(len(failing), 'level has', 'levels have')} at least one location with "
        f"a code of 'x' but without the corresponding name 'Not available': '{quoted(failing)}'. The name for "
        "'x' should always be 'Not available'.",
    )


def check_geog_na_code(data: Frame) -> Result:
    levels = distinct_values(data, "geographic_level")
    testable = [
        (level, code, name)
        for level, code, name, _ in geography_rows()
        if level not in NA_EXCLUDED_LEVELS and level in levels
    ]
    if not testable:
        return out(
            "geog_na_code", PASS, "No applicable geographic levels to check for 'Not available' codes."
        )
    failing = []
    for level, code, name in testable:
        if code is None or name is None or not (data.has(code) and data.has(name)):
            continue
        rows = data.where("geographic_level", lambda v, level=level: v == level)
        if any(n == "Not available" and c is not None and c != "x" for c, n in rows.cols([code, name])):
            failing.append(level)
    if not failing:
        return out(
            "geog_na_code",
            PASS,
            "No locations have a name of 'Not available' without the corresponding code 'x'.",
        )
    return out(
        "geog_na_code",
        FAIL,
        f"The following geographic {plural(len(failing), 'level has', 'levels have')} at least one location with "
        f"a name of 'Not available' that does not have the corresponding code 'x': '{quoted(failing)}'. The code "
        "for 'Not available' should always be 'x'.",
    )


LOW_LEVELS = ("School", "Provider", "Institution")
COMPATIBLE_LEVELS: dict[str, tuple[str, ...]] = {
    "Regional": (
        "Regional",
        "Local skills improvement plan area",
        "Local authority",
        "Local enterprise partnership",
        "Opportunity area",
        "Local authority district",
        "Parliamentary constituency",
        "English devolved area",
        "Ward",
        *LOW_LEVELS,
        "Planning area",
        "Police force area",
    ),
    "Local authority": (
        "Local authority",
        "Parliamentary constituency",
        "Local authority district",
        "Ward",
        *LOW_LEVELS,
        "Planning area",
        "Police force area",
    ),
    "Local authority district": ("Local authority district", "Ward", *LOW_LEVELS, "Police force area"),
    "Local skills improvement plan area": (
        "Local skills improvement plan area",
        "Local authority district",
        *LOW_LEVELS,
        "Planning area",
    ),
    "RSC region": ("RSC region", *LOW_LEVELS),
    "Parliamentary constituency": ("Parliamentary constituency", *LOW_LEVELS),
    "Local enterprise partnership": ("Local enterprise partnership", *LOW_LEVELS),
    "English devolved area": ("English devolved area", *LOW_LEVELS),
    "Opportunity area": ("Opportunity area", *LOW_LEVELS),
    "Ward": ("Ward", *LOW_LEVELS),
    "MAT": ("MAT", *LOW_LEVELS),
    "Sponsor": ("Sponsor", *LOW_LEVELS),
    "Planning area": ("Planning area", *LOW_LEVELS),
    "Police force area": ("Police force area", *LOW_LEVELS),
    "School": ("School",),
    "Provider": ("Provider",),
    "Institution": ("Institution",),
}


def check_geog_overcompleted_cols(data: Frame, meta: Frame) -> Result:
    levels = distinct_values(data, "geographic_level")
    filter_cols = [
        n for n, t in zip(meta.col("col_name"), meta.col("col_type"), strict=True) if t == "Filter"
    ]
    groups = filter_groups(meta)
    over: list[str] = []
    for level, code, name, secondary in geography_rows():
        if level == "National" or level not in COMPATIBLE_LEVELS:
            continue
        cols = [c for c in (code, name, secondary) if c is not None and c in data.columns]
        if not cols:
            continue
        if (
            level in ("School", "Provider")
            and len(filter_cols) == 1
            and (name in filter_cols or name in groups)
        ):
            cols = [c for c in cols if c != name]
            if not cols:
                continue
        incompatible = setdiff(levels, COMPATIBLE_LEVELS[level])
        if not incompatible:
            continue
        rows = data.where("geographic_level", lambda v, bad=set(incompatible): v in bad)
        for c in cols:
            if any(not blank(v) for v in rows.col(c)):
                over.append(c)
    over = unique(over)
    if not over:
        return out("geog_overcompleted_cols", PASS, "All geographic columns are empty where expected.")
    return out(
        "geog_overcompleted_cols",
        FAIL,
        f"The following geographic {plural(len(over), 'column is', 'columns are')} completed for unexpected "
        f"geographic_level rows: '{quoted(over)}'.",
    )


# --- check general, indicators, harmonised ------------------------------------------------------------------------------


def check_general_dupes(data: Frame, meta: Frame) -> Result:
    check_cols = intersect(acceptable_ob_units() + filters(meta, include_filter_groups=True), data.columns)
    levels = distinct_values(data, "geographic_level")
    if len(levels) == 1 and levels[0] in ("School", "Provider"):
        exclude = ("Institution", "Planning area")
        note = "Note that Institution and Planning area rows were not included in this check."
    else:
        exclude = ("School", "Provider", "Institution", "Planning area")
        note = (
            "Note that School, Provider, Institution, and Planning area rows were not included in this check."
        )
    rows = data.where("geographic_level", lambda v: v not in exclude).cols(check_cols)
    dupes = len(rows) - len(set(rows))
    if dupes == 0:
        return out("general_dupes", PASS, f"There are no duplicate rows in the data file. {note}")
    return out(
        "general_dupes",
        FAIL,
        f"There {plural(dupes, 'is', 'are')} {dupes} duplicate {plural(dupes, 'row', 'rows')} in the data file. {note}",
    )


NULL_SYMBOLS = ("NULL", "Null", "null", "NA", "na")
LEGACY_SYMBOLS = ("N/A", "n/a", ".", "..", "-")


def check_general_null(data: Frame, meta: Frame) -> Result:
    cells = {v for r in data.rows for v in r}
    has_null = bool(cells & set(NULL_SYMBOLS))
    has_legacy = bool(cells & set(LEGACY_SYMBOLS))
    meta_cells = {v for r in meta.rows for v in r}
    null_in_meta = [s for s in NULL_SYMBOLS if s in meta_cells]
    if has_null or null_in_meta:
        parts = []
        if has_null:
            parts.append(
                "Problematic null or NA symbols were found in the data file. The symbols checked for are: "
                f"'{quoted(NULL_SYMBOLS)}'."
            )
        if null_in_meta:
            parts.append(
                f"The following problematic {plural(len(null_in_meta), 'symbol was', 'symbols were')} found in "
                f"the metadata file: '{quoted(null_in_meta)}'."
            )
        return out("general_null", FAIL, " ".join(parts))
    if has_legacy:
        return out(
            "general_null",
            WARNING,
            "Legacy no-data symbols were found in the data file. The symbols checked for are: "
            f"'{quoted(LEGACY_SYMBOLS)}'. Please check the GSS guidance for advice on the symbols to use for no data.",
        )
    return out(
        "general_null",
        PASS,
        "No problematic null or legacy no-data symbols were found in the data or metadata files.",
    )


def check_ind_invalid_entry(data: Frame, meta: Frame) -> Result:
    indicators = [
        n for n, t in zip(meta.col("col_name"), meta.col("col_type"), strict=True) if t == "Indicator"
    ]
    bad_vals = {*ref.LEGACY_GSS_SYMBOLS, ""}
    # A missing cell (NA) is not %in% the bad values: only "" read as text is caught.
    invalid = [c for c in intersect(indicators, data.columns) if any(v in bad_vals for v in data.col(c))]
    if not invalid:
        return out(
            "ind_invalid_entry", PASS, "There are no blank values or GSS legacy symbols in any indicators."
        )
    return out(
        "ind_invalid_entry",
        FAIL,
        f"{len(invalid)} {plural(len(invalid), 'indicator', 'indicators')} with invalid entries: "
        f"{', '.join(invalid)} contains either a blank or at least one of '{quoted(ref.LEGACY_GSS_SYMBOLS)}'",
    )


def check_harmonised_variables(meta: Frame) -> Result:
    search = re.compile("|".join(unique(s for s, _ in ref.HARMONISED_COL_NAMES)))
    standard = {h for _, h in ref.HARMONISED_COL_NAMES}
    bad = [c for c in cols_meta(meta, grouping_cols=True) if search.search(c.lower()) and c not in standard]
    if not bad:
        return out("harmonised_variables", PASS, "No standardised column name issues found.")
    return out(
        "harmonised_variables",
        FAIL,
        f"The following {plural(len(bad), 'column', 'columns')} '{quoted(bad)}' "
        f"{plural(len(bad), 'appears', 'appear')} to relate to contexts that fall under the harmonised data "
        "standards. Please verify your column headers against the data standards.",
    )


def _eth_warning(check: str, nonstandard: list, value_type: str = "value") -> Result:
    n = len(nonstandard)
    return out(
        check,
        WARNING,
        f"The following ethnicity filter {value_type}{'s' if n != 1 else ''} '{quoted(nonstandard)}' "
        f"do{'es' if n == 1 else ''} not conform to the GSS standards. Please cross check against the published "
        "standards.",
    )


def check_harmonised_eth_vals(data: Frame) -> Result:
    has_major, has_minor = data.has("ethnicity_major"), data.has("ethnicity_minor")
    if not has_major and not has_minor:
        return out("harmonised_eth_vals", PASS, "No ethnicity columns found.")
    values = dataset("acceptable_ethnicity_values")
    if values is None:
        return out("harmonised_eth_vals", NOT_RUN, "The package's ethnicity values are not available here.")
    acceptable = Frame.from_dataset(values)
    if has_major and has_minor:
        ok = set(acceptable.cols(["ethnicity_major", "ethnicity_minor"]))
        bad = [
            f"{a}, {b}"
            for a, b in unique(data.cols(["ethnicity_major", "ethnicity_minor"]))
            if (a, b) not in ok
        ]
        value_type = "combination"
    else:
        col = "ethnicity_major" if has_major else "ethnicity_minor"
        ok_values = set(acceptable.col(col))
        bad = [v for v in distinct_values(data, col) if v not in ok_values]
        value_type = "value"
    if not bad:
        return out("harmonised_eth_vals", PASS, "All ethnicity values are consistent with the GSS standards.")
    return _eth_warning("harmonised_eth_vals", bad, value_type)


def _standard_eth_groups() -> list[str]:
    names = unique(h for s, h in ref.HARMONISED_COL_NAMES if "ethnic" in s)
    return [" ".join(w[:1].upper() + w[1:] for w in n.replace("_", " ").split(" ")) for n in names]


def check_harmonised_eth_char_grp(data: Frame) -> Result:
    if not data.has("characteristic_group"):
        return out("harmonised_eth_char_grp", PASS, "No characteristic_group column found.")
    standard = _standard_eth_groups()
    pattern = re.compile("|".join(standard))
    bad = [
        v
        for v in distinct_values(data, "characteristic_group")
        if v is not None and re.search("ethnic", v, re.IGNORECASE) and not pattern.search(v)
    ]
    if not bad:
        return out(
            "harmonised_eth_char_grp",
            PASS,
            "All ethnicity characteristic_group values are consistent with the expected standards.",
        )
    return out(
        "harmonised_eth_char_grp",
        FAIL,
        f"The following characteristic_group {plural(len(bad), 'value', 'values')} '{quoted(bad)}' "
        f"{plural(len(bad), 'appears', 'appear')} to relate to ethnicity data, but do{'es' if len(bad) == 1 else ''} "
        f"not conform to the standard conventions. Expected values: {', '.join(standard)} (or these combined with "
        "other filters with 'and' - e.g. 'Gender and Minority Ethnic').",
    )


def check_harmonised_eth_char_vals(data: Frame) -> Result:
    if not (data.has("characteristic_group") and data.has("characteristic")):
        return out(
            "harmonised_eth_char_vals", PASS, "No characteristic_group and characteristic columns found."
        )
    rows = [
        c
        for g, c in data.cols(["characteristic_group", "characteristic"])
        if g is not None and re.search("ethnic", g, re.IGNORECASE)
    ]
    if not rows:
        return out(
            "harmonised_eth_char_vals",
            PASS,
            "All ethnicity characteristic values are consistent with the GSS standards.",
        )
    values = dataset("acceptable_ethnicity_values")
    if values is None:
        return out(
            "harmonised_eth_char_vals", NOT_RUN, "The package's ethnicity values are not available here."
        )
    acceptable = Frame.from_dataset(values)
    ok = set(acceptable.col("ethnicity_major")) | set(acceptable.col("ethnicity_minor"))
    bad = [v for v in unique(rows) if v not in ok]
    if not bad:
        return out(
            "harmonised_eth_char_vals",
            PASS,
            "All ethnicity characteristic values are consistent with the GSS standards.",
        )
    return _eth_warning("harmonised_eth_char_vals", bad)


# --- check API --------------------------------------------------------------------------------------------------------------

API_NAMES = {
    "column-name": "col_name",
    "column-label": "col_label",
    "location-code": "loc_code",
    "column-item": "filter_items",
}


def api_char_limit(values: Iterable[Cell], kind: str) -> Result:
    check = f"api_char_{API_NAMES[kind]}"
    pretty, limit = ref.API_CHAR_LIMITS[kind]
    long = [v for v in values if v is not None and len(v) > limit]
    if long:
        shown = ", ".join("'" + v.replace("'", "'\\''") + "'" for v in long)
        return out(
            check,
            WARNING,
            f"The following {pretty} exceed the character limit of {limit} for type '{kind}': {shown}.",
        )
    return out(check, PASS, f"All {pretty} are less than or equal to the character limit of {limit}.")


def check_api_char_col_name(data: Frame) -> Result:
    return api_char_limit(data.columns, "column-name")


def check_api_char_col_label(meta: Frame) -> Result:
    return api_char_limit(meta.col("label"), "column-label")


def check_api_char_loc_code(data: Frame) -> Result:
    cols = intersect(data.columns, geo_code_cols())
    return api_char_limit([v for c in cols for v in distinct_values(data, c)], "location-code")


def check_api_char_filter_items(data: Frame, meta: Frame) -> Result:
    cols = intersect(data.columns, unique(filters(meta, include_filter_groups=True) + geo_name_cols()))
    return api_char_limit([v for c in cols for v in distinct_values(data, c)], "column-item")


def _dictionary() -> Frame | None:
    if "frame" not in _DICTIONARY:
        found = dataset("data_dictionary")
        _DICTIONARY["frame"] = Frame.from_dataset(found) if found else None
    return _DICTIONARY["frame"]


_DICTIONARY: dict[str, Frame | None] = {}


def _meta_dd_cols(meta: Frame, dictionary: Frame) -> list[tuple[Cell, str, bool]]:
    valid = {
        (t, n)
        for n, p, t in dictionary.cols(["col_name", "col_name_parent", "col_type"])
        for n in (n, p)
        if n
    }
    pairs = []
    for r in _meta_rows(meta):
        for name in (r["col_name"], r["filter_grouping_column"]):
            if not blank(name):
                pairs.append((r["col_type"], name, (r["col_type"], name) in valid))
    return unique(pairs)


def check_data_dict_col_name(meta: Frame) -> Result:
    dictionary = _dictionary()
    if dictionary is None:
        return out("data_dict_col_name", NOT_RUN, "The package's data dictionary is not available here.")
    non_standard = [(t, n) for t, n, ok in _meta_dd_cols(meta, dictionary) if not ok]
    if not non_standard:
        return out("data_dict_col_name", PASS, "All col_names are consistent with the data dictionary.")
    parts = []
    indicators = [n for t, n in non_standard if t == "Indicator"]
    filter_cols = [n for t, n in non_standard if t == "Filter"]
    if indicators:
        parts.append(f"Indicators: '{quoted(indicators)}'.")
    if filter_cols:
        parts.append(f"Filters: '{quoted(filter_cols)}'.")
    n = len(non_standard)
    return out(
        "data_dict_col_name",
        WARNING,
        f"The following {plural(n, 'column is', 'columns are')} not present in the data dictionary and should not "
        f"be used as part of an API data set until resolved. {' '.join(parts)}",
    )


def check_data_dict_fil_item(data: Frame, meta: Frame) -> Result:
    dictionary = _dictionary()
    if dictionary is None:
        return out("data_dict_fil_item", NOT_RUN, "The package's data dictionary is not available here.")
    dd_filters = [n for t, n, ok in _meta_dd_cols(meta, dictionary) if ok and t == "Filter"]
    if not dd_filters:
        return out("data_dict_fil_item", PASS, "No data dictionary filter columns found in the metadata.")
    valid: set[tuple[str, str]] = set()
    for n, item, parent, parent_item in dictionary.cols(
        ["col_name", "filter_item", "col_name_parent", "filter_item_parent"]
    ):
        if n is not None and item is not None:
            valid.add((n, item))
        if parent is not None and parent_item is not None:
            valid.add((parent, parent_item))
    bad = [(c, v) for c in dd_filters for v in distinct_values(data, c) if (c, v) not in valid]
    if not bad:
        return out("data_dict_fil_item", PASS, "All filter items are consistent with the data dictionary.")
    shown = ", ".join(sorted(f"'{c} / {'NA' if v is None else v}'" for c, v in bad))
    return out(
        "data_dict_fil_item",
        WARNING,
        f"The following col_name / filter_item {plural(len(bad), 'combination is', 'combinations are')} not present "
        f"in the data dictionary and should not be used as part of an API data set until resolved: {shown}.",
    )


# --- running ----------------------------------------------------------------------------------------------------------------


def _safe(check_name: str, call) -> Result:
    """A check that the R code would stop on (an error) is reported as a failure of that check."""
    try:
        return call()
    except (KeyError, ValueError, RuntimeError, IndexError) as exc:
        return out(check_name, FAIL, f"The check stopped with an error: {exc}")


def screen_dfs(data: Frame, meta: Frame, *, dd_checks: bool = True, skip: Iterable[str] = ()) -> list[Result]:
    """Every stage in the package's order; stops after the first stage with a FAIL. Checks named in
    ``skip`` are left out (for a file that a lookup cannot apply to, such as a Scottish authority against
    England's list), so the stages after theirs still run."""
    skipped = set(skip)
    stages = [
        (
            "Precheck columns",
            lambda: [
                precheck_col_req_meta(meta),
                precheck_col_invalid_meta(meta),
                precheck_col_req_data(data),
                precheck_col_to_rows(data, meta),
            ],
        ),
        (
            "Precheck cross-file",
            lambda: [precheck_cross_meta_to_data(data, meta), precheck_cross_data_to_meta(data, meta)],
        ),
        (
            "Check columns",
            lambda: [
                check_col_names_spaces(data),
                check_col_snake_case(data),
                check_col_var_start(data),
                check_col_ind_smushed(meta),
                check_col_var_characteristic(meta),
            ],
        ),
        (
            "Precheck meta",
            lambda: [precheck_meta_col_type(meta), precheck_meta_ob_unit(meta), precheck_meta_col_name(meta)],
        ),
        (
            "Check meta",
            lambda: [
                check_meta_dupe_label(meta),
                check_meta_fil_grp(meta),
                check_meta_fil_grp_dupe(meta),
                check_meta_fil_grp_is_fil(meta),
                check_meta_fil_grp_match(data, meta),
                check_meta_fil_grp_stripped(data, meta),
                check_meta_label(meta),
                check_meta_filter_hint(meta),
                check_meta_geog_catch(meta),
                check_meta_indicator_dp(meta),
                check_meta_col_name_spaces(meta),
                check_meta_col_name_dupe(meta),
                check_meta_ind_dp_set(meta),
                check_meta_ind_dp_values(meta),
                check_meta_ind_unit(meta),
                check_meta_ind_unit_validation(meta),
                check_meta_indicator_grouping(meta),
            ],
        ),
        (
            "Precheck time",
            lambda: [
                precheck_time_period_num(data),
                precheck_time_id_valid(data),
                precheck_time_id_mix(data),
            ],
        ),
        ("Precheck filters", lambda: [precheck_filter_not_singular(data, meta)]),
        ("Precheck geography", lambda: [precheck_geog_level(data), precheck_geog_level_present(data)]),
        (
            "Check time",
            lambda: [_safe("time_period", lambda: check_time_period(data)), check_time_period_six(data)],
        ),
        (
            "Check filters",
            lambda: [
                check_filter_defaults(data, meta),
                check_filter_group_level(data, meta),
                check_filter_item_limit(data, meta),
                check_filter_whitespace(data, meta),
                check_filter_ob_total(data, meta),
                check_filter_blanks(data, meta),
            ],
        ),
        (
            "Check geography",
            lambda: [
                check_geog_country_combos(data),
                check_geog_region_combos(data),
                check_geog_ward_combos(data),
                check_geog_pcon_combos(data),
                check_geog_lad_combos(data),
                check_geog_lep_combos(data),
                check_geog_lsip_combos(data),
                check_geog_eda_combos(data),
                check_geog_la_combos(data),
                check_geog_level_completed(data),
                check_geog_ignored_rows(data),
                check_geog_other_dupes(data),
                check_geog_la_col_present(data),
                check_geog_region_col_present(data),
                check_geog_region_for_la(data),
                check_geog_region_for_lad(data),
                check_geog_na(data),
                check_geog_na_code(data),
                check_geog_other_code_dupes(data),
                check_geog_overcompleted_cols(data, meta),
            ],
        ),
        ("Check general", lambda: [check_general_dupes(data, meta), check_general_null(data, meta)]),
        ("Check indicators", lambda: [check_ind_invalid_entry(data, meta)]),
    ]
    if dd_checks:
        stages.append(
            (
                "Check harmonised",
                lambda: [
                    check_harmonised_variables(meta),
                    check_harmonised_eth_vals(data),
                    check_harmonised_eth_char_grp(data),
                    check_harmonised_eth_char_vals(data),
                ],
            )
        )

    def api() -> list[Result]:
        found = [
            check_api_char_col_name(data),
            check_api_char_col_label(meta),
            check_api_char_loc_code(data),
            check_api_char_filter_items(data, meta),
        ]
        if dd_checks:
            found += [check_data_dict_col_name(meta), check_data_dict_fil_item(data, meta)]
        return found

    stages.append(("Check API", api))
    results: list[Result] = []
    for stage, run in stages:
        results += [Result(r.check, r.result, r.message, stage) for r in run() if r.check not in skipped]
        if any(r.result == FAIL for r in results):
            break
    return results


@dataclass
class ScreenResult:
    results: list[Result]
    passed: bool
    api_suitable: bool
    overall_stage: str

    def failures(self) -> list[Result]:
        return [r for r in self.results if r.result == FAIL]

    def by_result(self, result: str) -> list[Result]:
        return [r for r in self.results if r.result == result]

    def check(self, name: str) -> Result:
        return next(r for r in self.results if r.check == name)


def _mime_ok(path: Path) -> bool:
    return path.suffix.lower() in (".csv", ".gz")


def read_csv_text(text: str) -> Frame:
    """As the package reads a CSV (through DuckDB, every column as text): an empty cell, quoted or not,
    is missing."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows = [r for r in reader]
    if not rows:
        return Frame([], [])
    header = _dedupe_header(rows[0])
    body = [[None if c == "" else c for c in r] for r in rows[1:] if r]
    width = len(header)
    body = [(r + [None] * width)[:width] for r in body]
    return Frame(header, body)


def _dedupe_header(names: list[str]) -> list[str]:
    """DuckDB renames a repeated column name ``name_1``, ``name_2`` ..."""
    seen: dict[str, int] = {}
    out_names = []
    for n in names:
        if n in seen:
            seen[n] += 1
            out_names.append(f"{n}_{seen[n]}")
        else:
            seen[n] = 0
            out_names.append(n)
    return out_names


def screen_files(
    data_bytes: bytes,
    meta_bytes: bytes,
    datafilename: str,
    metafilename: str,
    *,
    dd_checks: bool = True,
    skip: Iterable[str] = (),
) -> ScreenResult:
    """``screen_csv`` on two files' contents and names."""
    if not (_mime_ok(Path(datafilename)) and _mime_ok(Path(metafilename))):
        result = Result("file_read", FAIL, "The file does not have a CSV or GZIP MIME type.", "File read")
        return ScreenResult([result], False, False, "File read")
    try:
        data = read_csv_text(data_bytes.decode("utf-8"))
        meta = read_csv_text(meta_bytes.decode("utf-8"))
    except (UnicodeDecodeError, csv.Error) as exc:
        result = Result("file_read", FAIL, str(exc), "File read")
        return ScreenResult([result], False, False, "File read")
    names = screen_filenames(datafilename, metafilename)
    if any(r.result == FAIL for r in names):
        return ScreenResult(names, False, False, "filename checks")
    results = names + screen_dfs(data, meta, dd_checks=dd_checks, skip=skip)
    failed = [r for r in results if r.result == FAIL]
    if failed:
        return ScreenResult(results, False, False, f"{failed[0].stage} checks")
    api = all(r.result == PASS for r in results if r.stage == "Check API")
    return ScreenResult(results, True, api, "Passed")


def screen_csv(
    data_path: Path, meta_path: Path, *, dd_checks: bool = True, skip: Iterable[str] = ()
) -> ScreenResult:
    data_path, meta_path = Path(data_path), Path(meta_path)
    return screen_files(
        data_path.read_bytes(),
        meta_path.read_bytes(),
        data_path.name,
        meta_path.name,
        dd_checks=dd_checks,
        skip=skip,
    )

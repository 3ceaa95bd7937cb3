"""The integration self-evaluation in the LA return, and across settings after ``la merge``.

A setting's return carries ``self_evaluation.csv``: one row per ingredient with the rating (1 to 4),
its words and the month of the evaluation, from the latest self-evaluation completed in the 12 months
up to the end of the return's period. With none, every rating is ``x`` (unavailable, in the EES
symbols). The evidence notes never leave the setting: only ratings are read here.

Ratings describe the setting, not people, so they are not disclosure-controlled (their fields say
``"sdc": "none"``). The merge gives the authority ``self_evaluation_summary.csv`` (per ingredient: the
settings merged, how many rated it, how many at each rating, the median) and
``self_evaluation_by_setting.csv`` (each setting's ratings at EES's ``Provider`` level, keyed by
``provider_ukprn``, which holds the setting's registration number). Both merge methods carry them
unchanged: there is nothing to bound.
"""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from setting_app.domain.errors import AppError
from setting_app.domain.self_evaluation import INGREDIENT_CODES, INGREDIENTS, SCALE, SPECS
from setting_app.services.la_export import writer
from setting_app.services.la_export.build import (
    PROVIDER_CODE,
    PROVIDER_NAME,
    SETTING_LEVEL,
    published_provider_name,
)
from setting_app.services.la_export.periods import Period
from setting_app.services.la_export.sdc import MISSING_VALUES, UNAVAILABLE
from setting_app.services.la_export.spec import FilterSpec, TableSpec
from setting_app.storage import self_evaluation_repo
from setting_app.storage.database import Connection

TABLE = "self_evaluation"
SUMMARY_TABLE = "self_evaluation_summary"
BY_SETTING_TABLE = "self_evaluation_by_setting"
NOT_DISCLOSURE_CONTROLLED = (
    "Ratings describe the setting, not people, so they are not disclosure-controlled. "
    "The setting's evidence notes stay in the setting and are not part of the return."
)
SCALE_TEXT = "; ".join(f"{n} {words}" for n, words in SCALE.items())

INGREDIENT_FILTER = FilterSpec(
    "ingredient",
    "Integration ingredient",
    INGREDIENT_CODES,
    "Filter by ingredient",
)


@dataclass(frozen=True)
class SettingRatings:
    """One setting's ratings as its return states them (None: not rated)."""

    provider_urn: str
    integration_model: str
    ratings: dict[str, int | None]
    evaluation_month: str

    @property
    def rated(self) -> bool:
        return any(v is not None for v in self.ratings.values())


# --- the setting's return ---------------------------------------------------------------------------------


def window(period: Period) -> tuple[date, date]:
    """(after, upto): an evaluation counts if completed after ``after`` and on or before ``upto``, the
    12 months up to the end of the period."""
    end = period.end
    try:
        year_before = end.replace(year=end.year - 1)
    except ValueError:  # 29 February
        year_before = end.replace(year=end.year - 1, day=28)
    return year_before, end


def _rating_fields() -> list[dict]:
    return [
        {
            "name": "rating",
            "title": "Rating (1 to 4)",
            "description": f"{SCALE_TEXT}. x: no self-evaluation in the 12 months to the period's end. "
            f"{NOT_DISCLOSURE_CONTROLLED}",
            "type": "integer",
            "constraints": {"minimum": 1, "maximum": 4},
            "sdc": "none",
        },
        {
            "name": "rating_label",
            "title": "Rating in words",
            "type": "string",
            "constraints": {"enum": list(SCALE.values())},
            "sdc": "none",
        },
        {
            "name": "evaluation_month",
            "title": "Month the self-evaluation was completed",
            "type": "string",
            "constraints": {"pattern": r"^\d{4}-\d{2}$"},
        },
    ]


def _ingredient_field() -> dict:
    return {
        "name": INGREDIENT_FILTER.name,
        "title": INGREDIENT_FILTER.label,
        "type": "string",
        "constraints": {"required": True, "enum": list(INGREDIENT_CODES)},
    }


def _spec(name: str, title: str, description: str, filters: tuple[FilterSpec, ...]) -> TableSpec:
    return TableSpec(name, title, description, filters, (), ())


def _extra_meta(*columns: tuple[str, str]) -> list[dict[str, str]]:
    """Metadata rows for the descriptive columns that are neither filters nor indicators."""
    return [
        {c: "" for c in writer.META_COLUMNS} | {"col_name": name, "col_type": "Filter", "label": label}
        for name, label in columns
    ]


def setting_table(conn: Connection, period: Period, identity_columns: dict[str, str]) -> writer.OutTable:
    """The return's ``self_evaluation`` table, from the casebook (ratings only)."""
    after, upto = window(period)
    found = self_evaluation_repo.latest_between(conn, after, upto)
    ratings = found.by_ingredient() if found else {}
    month = f"{found.completed_on.year:04d}-{found.completed_on.month:02d}" if found else UNAVAILABLE
    spec = _spec(
        TABLE,
        "Integration self-evaluation ratings",
        "The setting's own rating of each ingredient of joined-up early years support, from its latest "
        "self-evaluation completed in the 12 months up to the end of the period (x: none). "
        f"{NOT_DISCLOSURE_CONTROLLED}",
        (INGREDIENT_FILTER,),
    )
    fields = writer.identity_fields(identity_columns) + [_ingredient_field()] + _rating_fields()
    rows = []
    for ingredient in INGREDIENTS:
        rating = ratings.get(ingredient.code)
        rows.append(
            dict(identity_columns)
            | {
                "ingredient": ingredient.code,
                "rating": str(rating.rating) if rating else UNAVAILABLE,
                "rating_label": SCALE[rating.rating] if rating else UNAVAILABLE,
                "evaluation_month": month,
            }
        )
    # The rating in words is text: a filter, not an indicator (EES indicators are numbers).
    meta = writer.meta_rows(spec, [("rating", "Rating (1 to 4)", 0)])
    meta += _extra_meta(
        ("rating_label", "Rating in words"), ("evaluation_month", "Month of the self-evaluation")
    )
    return writer.OutTable(spec, fields, rows, meta)


def return_note(conn: Connection, period: Period) -> str:
    """What the return will say about the self-evaluation, for the manager making it."""
    after, upto = window(period)
    found = self_evaluation_repo.latest_between(conn, after, upto)
    if found is None:
        return (
            "No self-evaluation was completed in the 12 months to the end of the period: the return marks "
            "the ratings as unavailable (x)."
        )
    return (
        f"The self-evaluation of {found.completed_on.day} {found.completed_on.strftime('%B %Y')} goes with "
        "the return (the ratings only, never the evidence notes)."
    )


# --- the authority's merge ----------------------------------------------------------------------------------


def _where(directory: Path, name: str) -> str:
    return str(Path(directory) / name)


def read_ratings(directory: Path, files: dict[str, bytes], provider_urn: str, model: str) -> SettingRatings:
    """A verified return's ratings; a return made before the self-evaluation existed counts as not rated."""
    data = files.get(f"{TABLE}.csv")
    empty = SettingRatings(provider_urn, model, dict.fromkeys(INGREDIENT_CODES), UNAVAILABLE)
    if data is None:
        return empty
    where = _where(directory, f"{TABLE}.csv")
    try:
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    except (UnicodeDecodeError, csv.Error):
        raise AppError(f"{where}: refused: not a readable CSV") from None
    ratings: dict[str, int | None] = {}
    months = set()
    for row in rows:
        ingredient = row.get("ingredient", "")
        if ingredient not in SPECS or ingredient in ratings:
            raise AppError(f"{where}: refused: unexpected row {ingredient!r}")
        # Version 2 returns carry the number in provider_ukprn, version 1 returns in provider_urn.
        stated = row.get(PROVIDER_CODE, row.get("provider_urn", provider_urn))
        if stated != provider_urn:
            raise AppError(f"{where}: refused: a row is for provider {stated}, not {provider_urn}")
        text = row.get("rating", "")
        if text in MISSING_VALUES:
            ratings[ingredient] = None
        elif text.isdigit() and 1 <= int(text) <= 4:
            ratings[ingredient] = int(text)
        else:
            raise AppError(f"{where}: refused: rating {text!r} for {ingredient} is not 1 to 4")
        months.add(row.get("evaluation_month", UNAVAILABLE) or UNAVAILABLE)
    if set(ratings) != set(INGREDIENT_CODES):
        raise AppError(f"{where}: refused: rows are missing")
    month = next(iter(months)) if len(months) == 1 else UNAVAILABLE
    return SettingRatings(provider_urn, model, ratings, month)


def _count_field(name: str, title: str) -> dict:
    return {"name": name, "title": title, "type": "integer", "constraints": {"minimum": 0}, "sdc": "none"}


def median_text(values: list[int]) -> str:
    return f"{statistics.median(values):.1f}" if values else UNAVAILABLE


def authority_tables(
    returns: list[Any], period: Period, authority_columns: dict[str, str]
) -> list[writer.OutTable]:
    """The summary and per-setting tables for a merge; ``returns`` are the merge's verified returns
    (each with ``directory``, ``urn``, ``manifest`` and ``report.files``)."""
    settings = [
        read_ratings(r.directory, r.report.files, r.urn, str(r.manifest.get("integration_model", "")))
        for r in returns
    ]
    summary_spec = _spec(
        SUMMARY_TABLE,
        "Integration self-evaluation across settings",
        "For each ingredient: the settings merged, how many rated it in a self-evaluation completed in the "
        "12 months to the end of the period, how many gave each rating, and the median rating. "
        f"Scale: {SCALE_TEXT}. A setting with no self-evaluation counts as not rated. {NOT_DISCLOSURE_CONTROLLED}",
        (INGREDIENT_FILTER,),
    )
    counts = [
        ("settings", "Settings in the merge"),
        ("settings_rated", "Settings that rated it"),
        ("settings_not_rated", "Settings with no rating"),
        *((f"rated_{n}", f"Settings rating it {n} ({SCALE[n]})") for n in SCALE),
    ]
    fields = (
        writer.identity_fields(authority_columns)
        + [_ingredient_field()]
        + [_count_field(name, title) for name, title in counts]
        + [
            {
                "name": "median_rating",
                "title": "Median rating of the settings that rated it",
                "type": "number",
                "constraints": {"minimum": 1, "maximum": 4},
                "sdc": "none",
            }
        ]
    )
    rows = []
    for ingredient in INGREDIENT_CODES:
        given = [s.ratings[ingredient] for s in settings if s.ratings[ingredient] is not None]
        values = {
            "ingredient": ingredient,
            "settings": str(len(settings)),
            "settings_rated": str(len(given)),
            "settings_not_rated": str(len(settings) - len(given)),
            **{f"rated_{n}": str(sum(1 for g in given if g == n)) for n in SCALE},
            "median_rating": median_text(given),
        }
        rows.append(dict(authority_columns) | values)
    summary = writer.OutTable(
        summary_spec,
        fields,
        rows,
        writer.meta_rows(
            summary_spec, [*((n, t, 0) for n, t in counts), ("median_rating", "Median rating", 1)]
        ),
    )

    urns = tuple(s.provider_urn for s in settings)
    # The provider columns are EES geography (observational units), not filters: the metadata leaves
    # them out; the spec names the column only for the table's primary key.
    urn_filter = FilterSpec(
        PROVIDER_CODE, "Provider (Ofsted URN or Care Inspectorate number)", urns, "Filter by provider"
    )
    names = {
        r.urn: str(r.manifest.get("provider_name") or "") or published_provider_name("", r.urn)
        for r in returns
    }
    by_setting_spec = _spec(
        BY_SETTING_TABLE,
        "Integration self-evaluation ratings by setting",
        "Each setting's ratings as its return gave them (x: no self-evaluation in the 12 months to the end "
        f"of the period). Settings, not people. {NOT_DISCLOSURE_CONTROLLED}",
        (urn_filter, INGREDIENT_FILTER),
    )
    provider_columns = dict(authority_columns) | {"geographic_level": SETTING_LEVEL}
    by_fields = writer.identity_fields(provider_columns | {PROVIDER_CODE: "", PROVIDER_NAME: ""})
    next(f for f in by_fields if f["name"] == PROVIDER_CODE)["constraints"] = {
        "required": True,
        "enum": list(urns),
    }
    by_fields += [
        {"name": "integration_model", "title": "Integration model", "type": "string"},
        _ingredient_field(),
        *_rating_fields(),
    ]
    by_rows = []
    for setting in settings:
        for ingredient in INGREDIENT_CODES:
            rating = setting.ratings[ingredient]
            by_rows.append(
                dict(provider_columns)
                | {
                    PROVIDER_CODE: setting.provider_urn,
                    PROVIDER_NAME: names[setting.provider_urn],
                    "integration_model": setting.integration_model or UNAVAILABLE,
                    "ingredient": ingredient,
                    "rating": str(rating) if rating is not None else UNAVAILABLE,
                    "rating_label": SCALE[rating] if rating is not None else UNAVAILABLE,
                    "evaluation_month": setting.evaluation_month if rating is not None else UNAVAILABLE,
                }
            )
    by_setting = writer.OutTable(
        by_setting_spec,
        by_fields,
        by_rows,
        writer.meta_rows(by_setting_spec, [("rating", "Rating (1 to 4)", 0)])
        + _extra_meta(
            ("rating_label", "Rating in words"),
            ("integration_model", "Integration model"),
            ("evaluation_month", "Month of the self-evaluation"),
        ),
    )
    return [summary, by_setting]

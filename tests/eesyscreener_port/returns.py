"""Screening a written return (or merged dataset): every data file that has a ``.meta.csv``."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .screener import ScreenResult, screen_csv

#: Checks that compare with England-only lookups (a Scottish authority is on none of them).
ENGLAND_LOOKUP_CHECKS = ("geog_la_combos",)


def screen_package(directory: Path, *, skip: Iterable[str] = ()) -> dict[str, ScreenResult]:
    directory = Path(directory)
    found = {}
    for meta in sorted(directory.glob("*.meta.csv")):
        data = meta.with_name(meta.name.replace(".meta.csv", ".csv"))
        found[data.name] = screen_csv(data, meta, skip=tuple(skip))
    return found

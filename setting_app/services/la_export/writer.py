"""Writing a return: tidy CSVs in the explore-education-statistics (EES) style, their ``.meta.csv``,
a Frictionless ``datapackage.json``, and ``manifest.json`` with every file's SHA-256, signed
(``manifest.sig``) with the setting's Ed25519 export key.

One CSV per table (each with its own filters), so each has a plain primary key (its filter columns)
and validates on its own. Columns (format version 2): ``time_period``, ``time_identifier``,
``geographic_level``, ``country_code``, ``country_name``, ``region_code``, ``region_name``,
``new_la_code``, ``la_name``, ``old_la_code`` (``z`` in Scotland, ``x`` if unknown), then for a setting's
return ``provider_ukprn`` (the setting's Ofsted URN or Care Inspectorate number), ``provider_name`` and
``integration_model``, then the filters, then the indicators. Totals are written ``Total``.

The ``.meta.csv`` follows what DfE's screener (eesyscreener) asks: a column with one value in the file
is not declared a filter (it stays in the data as a constant), geography columns are never filters, and
every filter states its ``filter_default`` (``Total`` where it has one). docs/ees-conventions.md says
which EES conventions the return follows and why.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from setting_app.domain import text_safety
from setting_app.domain.codes import IntegrationModel
from setting_app.domain.errors import AlreadyExists, AppError
from setting_app.services.la_export import signing, spec
from setting_app.services.la_export.build import (
    AUTHORITY_LEVEL,
    PROVIDER_CODE,
    PROVIDER_NAME,
    SETTING_LEVEL,
    LaExport,
)
from setting_app.services.la_export.periods import TIME_IDENTIFIERS
from setting_app.services.la_export.sdc import MISSING_VALUES, SYMBOLS, SdcParams
from setting_app.services.la_export.spec import IndicatorSpec, TableSpec
from setting_app.storage.fsutil import make_private_dirs, write_private_file

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
DATAPACKAGE = "datapackage.json"
MANIFEST_FORMAT = "setting-app/la-return"
KIND_SETTING = "setting_return"
KIND_MERGE = "authority_merge"
#: Version 2: EES's Provider columns, region columns, Total, financial-year quarters, filter_default.
FORMAT_VERSION = 2
#: Versions ``la verify`` and ``la merge`` read.
READABLE_VERSIONS = (1, 2)
META_COLUMNS = (
    "col_name",
    "col_type",
    "label",
    "indicator_grouping",
    "indicator_unit",
    "indicator_dp",
    "filter_hint",
    "filter_grouping_column",
    "filter_default",
)
#: EES's observational units: time and geography columns, never declared in the metadata.
OBSERVATIONAL_COLUMNS = frozenset(
    {
        "time_period",
        "time_identifier",
        "geographic_level",
        "country_code",
        "country_name",
        "region_code",
        "region_name",
        "new_la_code",
        "la_name",
        "old_la_code",
        PROVIDER_CODE,
        PROVIDER_NAME,
    }
)
SYMBOL_MEANINGS = {
    "c": "confidential: suppressed by disclosure control",
    "x": "unavailable",
    "z": "not applicable",
    "low": "rounds to 0 but is not 0 (not used by this export)",
}


@dataclass
class OutTable:
    spec: TableSpec
    fields: list[dict]
    rows: list[dict[str, str]]
    meta_rows: list[dict[str, str]] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return [f["name"] for f in self.fields]


@dataclass(frozen=True)
class WrittenPackage:
    out_dir: Path
    files: tuple[str, ...]
    manifest_sha256: str
    fingerprint: str | None


# --- schema ------------------------------------------------------------------------------------------------


def identity_fields(columns: dict[str, str]) -> list[dict]:
    """Field descriptors for the time and geography columns (one value each in a return)."""
    known: dict[str, dict] = {
        "time_period": {"type": "string", "constraints": {"required": True, "pattern": r"^\d{4}(\d{2})?$"}},
        "time_identifier": {
            "type": "string",
            "constraints": {"required": True, "enum": list(TIME_IDENTIFIERS)},
        },
        "geographic_level": {
            "type": "string",
            "constraints": {"required": True, "enum": [SETTING_LEVEL, AUTHORITY_LEVEL]},
        },
        "country_code": {
            "type": "string",
            "constraints": {"required": True, "enum": ["E92000001", "S92000003"]},
        },
        "country_name": {
            "type": "string",
            "constraints": {"required": True, "enum": ["England", "Scotland"]},
        },
        # x (not available) and z (outside England) are missing values, as old_la_code's are.
        "region_code": {"type": "string", "constraints": {"pattern": r"^E1[23]\d{6}$"}},
        "region_name": {"type": "string", "constraints": {"required": True}},
        "new_la_code": {"type": "string", "constraints": {"required": True, "pattern": r"^[ENSW]\d{8}$"}},
        "la_name": {"type": "string"},
        "old_la_code": {"type": "string", "constraints": {"pattern": r"^\d{3}$"}},
        PROVIDER_CODE: {
            "type": "string",
            "title": "Ofsted URN or Care Inspectorate number of the setting",
            "constraints": {"required": True, "pattern": r"^[A-Za-z0-9][A-Za-z0-9-]{2,19}$"},
        },
        PROVIDER_NAME: {"type": "string", "constraints": {"required": True}},
        "integration_model": {
            "type": "string",
            "constraints": {"required": True, "enum": [m.value for m in IntegrationModel]},
        },
    }
    return [{"name": name, **known[name]} for name in columns]


def filter_fields(table: TableSpec) -> list[dict]:
    return [
        {
            "name": f.name,
            "title": f.label,
            "type": "string",
            "constraints": {"required": True, "enum": [spec.written(v) for v in f.values]},
        }
        for f in table.filters
    ]


def indicator_field(
    indicator: IndicatorSpec, *, name: str | None = None, title: str | None = None, sdc: str | None = None
) -> dict:
    if indicator.kind == "count":
        descriptor = {"type": "integer", "constraints": {"minimum": 0}}
    else:
        descriptor = {"type": "number", "constraints": {"minimum": 0}}
    return {
        "name": name or indicator.name,
        "title": title or indicator.label,
        **descriptor,
        "sdc": sdc or indicator.kind,
    }


def meta_rows(table: TableSpec, indicators: Iterable[tuple[str, str, int]]) -> list[dict[str, str]]:
    rows = [
        {c: "" for c in META_COLUMNS}
        | {"col_name": f.name, "col_type": "Filter", "label": f.label, "filter_hint": f.hint}
        for f in table.filters
    ]
    for name, label, dp in indicators:
        rows.append(
            {c: "" for c in META_COLUMNS}
            | {"col_name": name, "col_type": "Indicator", "label": label, "indicator_dp": str(dp)}
        )
    return rows


def ees_meta_rows(table: OutTable) -> list[dict[str, str]]:
    """The ``.meta.csv`` rows as EES screens them: geography columns and columns with fewer than two
    values in the file are not filters; every filter names its default item (``Total``, or else its
    first value)."""
    rows = []
    for row in table.meta_rows:
        row = {c: "" for c in META_COLUMNS} | row
        if row["col_type"] == "Filter":
            name = row["col_name"]
            if name in OBSERVATIONAL_COLUMNS:
                continue
            values = list(dict.fromkeys(r.get(name, "") for r in table.rows))
            if len(values) < 2:
                continue
            row["filter_default"] = spec.WRITTEN_TOTAL if spec.WRITTEN_TOTAL in values else values[0]
        rows.append(row)
    return rows


def export_out_tables(export: LaExport) -> list[OutTable]:
    identity = export.identity_columns()
    tables = []
    for table in export.tables:
        fields = (
            identity_fields(identity) + filter_fields(table) + [indicator_field(i) for i in table.indicators]
        )
        meta = meta_rows(table, ((i.name, i.label, i.dp) for i in table.indicators))
        tables.append(OutTable(table, fields, export.table_rows(table), meta))
    return tables


def sdc_block(params: SdcParams, suppressed: int | None) -> dict:
    block = {
        "rule": params.describe(),
        "threshold": params.threshold,
        "base": params.base,
        "smallest_published_count": params.smallest_published,
        "check": (
            'every field marked "sdc": "count" holds a symbol, 0, or a multiple of base '
            f"no smaller than {params.smallest_published}"
        ),
        "dominance": True,
        "secondary_suppression": True,
        "sensitive_crosstabs": "off",
        "symbols": SYMBOL_MEANINGS,
    }
    if suppressed is not None:
        block["suppressed_cells"] = suppressed
    return block


# --- files -------------------------------------------------------------------------------------------------


def csv_bytes(columns: list[str], rows: Iterable[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: text_safety.for_spreadsheet(value) for key, value in row.items()})
    return buffer.getvalue().encode("utf-8")


def json_bytes(document: dict) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def prepare_out_dir(out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise AppError(f"{out_dir} is a file, not a folder.")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise AlreadyExists(
            f"{out_dir} is not empty; choose an empty or new folder, so no old file is mistaken for part of this return."
        )
    try:
        make_private_dirs(out_dir)
    except OSError as exc:
        raise AppError(f"Cannot make the folder {out_dir}: {exc.strerror or exc}.") from None
    return out_dir


def datapackage(
    tables: list[OutTable], *, name: str, title: str, description: str, sdc: dict, period: dict
) -> dict:
    resources = []
    for table in tables:
        key = [f.name for f in table.spec.filters]
        resources.append(
            {
                "name": table.spec.name,
                "path": table.spec.path,
                "title": table.spec.title,
                "description": table.spec.description,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": table.fields, "missingValues": list(MISSING_VALUES), "primaryKey": key},
            }
        )
        resources.append(
            {
                "name": f"{table.spec.name}-meta",
                "path": table.spec.meta_path,
                "title": f"{table.spec.title}: column metadata (EES .meta.csv)",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [{"name": c, "type": "string"} for c in META_COLUMNS],
                    "missingValues": [""],
                    "primaryKey": ["col_name"],
                },
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": name,
        "title": title,
        "description": description,
        "period": period,
        "sdc": sdc,
        "symbols": list(SYMBOLS),
        "resources": resources,
    }


def write_package(
    out_dir: Path,
    tables: list[OutTable],
    *,
    package: dict,
    manifest: dict,
    extra_files: dict[str, bytes] | None = None,
    signing_key: Ed25519PrivateKey | None = None,
) -> WrittenPackage:
    """Write every file, then the manifest over them, then its signature (if a key is given)."""
    out_dir = prepare_out_dir(out_dir)
    contents: dict[str, bytes] = {}
    for table in tables:
        contents[table.spec.path] = csv_bytes(table.columns, table.rows)
        contents[table.spec.meta_path] = csv_bytes(list(META_COLUMNS), ees_meta_rows(table))
    contents[DATAPACKAGE] = json_bytes(package)
    contents.update(extra_files or {})
    manifest = dict(manifest)
    manifest["files"] = [
        {"path": p, "sha256": sha256(data), "bytes": len(data)} for p, data in contents.items()
    ]
    fingerprint = None
    if signing_key is not None:
        public_raw = signing.raw_public(signing_key)
        fingerprint = signing.fingerprint(public_raw)
        manifest["signing_key"] = {
            "algorithm": signing.ALGORITHM,
            "public_key": signing.b64(public_raw),
            "fingerprint": fingerprint,
        }
    contents[MANIFEST] = json_bytes(manifest)
    if signing_key is not None:
        contents[SIGNATURE] = (signing.b64(signing.sign(signing_key, contents[MANIFEST])) + "\n").encode(
            "ascii"
        )
    try:
        for path, data in contents.items():
            write_private_file(out_dir / path, data, overwrite=False)
    except OSError as exc:
        raise AppError(f"Could not write the return into {out_dir}: {exc.strerror or exc}.") from None
    return WrittenPackage(out_dir, tuple(contents), sha256(contents[MANIFEST]), fingerprint)

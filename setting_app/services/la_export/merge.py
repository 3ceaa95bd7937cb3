"""``la merge``: many settings' returns for one period become one authority dataset, same format.

Every return is verified first (hashes, signature, schema, rule) and refused, with the file named, if
it fails, if it is for another period or another authority, or if a provider sent two.

* With the authority's private key (``--key``), each return's ``exact.enc`` is decrypted, checked
  against the return's own published tables (disclosure control re-applied to the exact counts must
  give exactly what was published), summed, and disclosure-controlled once over the whole authority:
  counts large enough to be useful survive.
* Without it, the published tables are summed. A suppressed or rounded cell is carried as the range
  of values it could stand for (from the rule and from the totals it takes part in), so each count
  has ``<name>_lower`` and ``<name>_upper`` beside it (``x`` where nothing bounds it) and ``<name>``
  is the sum of published values only where no part was suppressed (``x`` otherwise). Medians cannot
  be combined from published values (``x``).

Merged output is not signed: it is the authority's own dataset. Its manifest lists the returns it was
made from (provider URN, key fingerprint, manifest SHA-256) and covers every file's hash.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from setting_app import __version__
from setting_app.domain.codes import Nation
from setting_app.domain.errors import AppError
from setting_app.services.la_export import exact, self_evaluation, spec, writer
from setting_app.services.la_export.build import ReturnIdentity, build_export, format_number
from setting_app.services.la_export.periods import Period, parse_period
from setting_app.services.la_export.sdc import SUPPRESSED, UNAVAILABLE, SdcParams, apply_sdc, public_bounds
from setting_app.services.la_export.spec import TOTAL, CellKey, IndicatorSpec
from setting_app.services.la_export.tables import ExactCounts, complete_cells
from setting_app.services.la_export.verify import VerifyReport, verify_package
from setting_app.storage.bounded_read import SMALL_JSON_LIMIT, read_bytes

METHOD_EXACT = "exact"
METHOD_PUBLIC = "published-with-bounds"


@dataclass
class Return:
    """One verified setting return, read."""

    directory: Path
    report: VerifyReport
    params: SdcParams
    home_la_codes: tuple[str, ...]
    published: dict[CellKey, int | str]
    other: dict[CellKey, str]
    #: The framework of its table by outcome (None: made before that table existed).
    framework: str | None = None

    @property
    def manifest(self) -> dict:
        return self.report.manifest

    @property
    def urn(self) -> str:
        return self.report.provider_urn


@dataclass(frozen=True)
class MergeSummary:
    out_dir: Path
    method: str
    period: Period
    returns: int
    la_code: str
    suppressed: int | None


def _where(ret_dir: Path, name: str) -> str:
    return str(Path(ret_dir) / name)


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def read_return(directory: Path) -> Return:
    report = verify_package(directory)
    if not report.ok:
        raise AppError(f"{directory}: refused: {report.problems[0]}")
    if report.kind != writer.KIND_SETTING:
        raise AppError(
            f"{_where(directory, writer.MANIFEST)}: refused: this is a merged dataset, not a setting's return"
        )
    sdc = report.manifest["sdc"]
    params = SdcParams(int(sdc["threshold"]), int(sdc["base"]))
    la_table = next(t for t in spec.build_tables(()) if t.name == "families_by_home_la")
    try:
        la_rows = _csv_rows(report.files[la_table.path])
        codes = tuple(r["home_la_code"] for r in la_rows if spec.internal(r["home_la_code"]) != TOTAL)
    except (KeyError, UnicodeDecodeError):
        raise AppError(
            f"{_where(directory, la_table.path)}: refused: not the table this version expects"
        ) from None
    published: dict[CellKey, int | str] = {}
    other: dict[CellKey, str] = {}
    framework = spec.return_framework(report.files)
    # A version 1 return names some indicators as they were before EES's data dictionary was followed.
    legacy = spec.LEGACY_INDICATOR_NAMES if report.manifest.get("version") == 1 else {}
    for table in spec.build_tables(codes, framework):
        rows_by_filters = {row.filters: row for row in table.rows}
        data = report.files.get(table.path)
        if data is None:
            raise AppError(f"{_where(directory, table.path)}: refused: missing from the return")
        seen = set()
        for values in _csv_rows(data):
            key = tuple(spec.internal(values.get(f.name, "")) for f in table.filters)
            row = rows_by_filters.get(key)
            if row is None:
                raise AppError(f"{_where(directory, table.path)}: refused: unexpected row {', '.join(key)}")
            seen.add(key)
            for indicator in table.indicators:
                text = values.get(indicator.name, values.get(legacy.get(indicator.name, ""), ""))
                cell = row.values[indicator.name]
                if indicator.is_count:
                    published[cell] = int(text) if text.isdigit() else text
                else:
                    other[cell] = text
        if seen != set(rows_by_filters):
            raise AppError(f"{_where(directory, table.path)}: refused: rows are missing")
    return Return(Path(directory), report, params, codes, published, other, framework)


def _check_together(returns: list[Return]) -> None:
    first = returns[0]
    by_urn: dict[str, Path] = {}
    for ret in returns:
        where = _where(ret.directory, writer.MANIFEST)
        if ret.report.period_code != first.report.period_code:
            raise AppError(
                f"{where}: refused: it is for {ret.report.period_code}, but {first.directory} is for "
                f"{first.report.period_code}; merge one period at a time"
            )
        if ret.manifest.get("la_code") != first.manifest.get("la_code"):
            raise AppError(
                f"{where}: refused: it is from local authority {ret.manifest.get('la_code')}, not "
                f"{first.manifest.get('la_code')} like {first.directory}"
            )
        if ret.urn in by_urn:
            raise AppError(
                f"{where}: refused: a second return from provider {ret.urn} (the first is {by_urn[ret.urn]})"
            )
        by_urn[ret.urn] = ret.directory


def merge_returns(
    directories: list[Path],
    out_dir: Path,
    *,
    today: date,
    key_path: Path | None = None,
    params: SdcParams | None = None,
) -> MergeSummary:
    if not directories:
        raise AppError("Name at least one return folder to merge.")
    returns = [read_return(Path(d)) for d in directories]
    _check_together(returns)
    first = returns[0].manifest
    period = parse_period(first["period"]["code"])
    nation = Nation(first.get("nation", "england"))
    identity = ReturnIdentity.for_authority(nation, str(first["la_code"]), str(first.get("la_name", "")))
    made_in = f"{today.year:04d}-{today.month:02d}"
    sources = [
        {
            "provider_urn": r.urn,
            "signing_key_fingerprint": r.report.fingerprint,
            "manifest_sha256": writer.sha256(read_bytes(r.directory / writer.MANIFEST, SMALL_JSON_LIMIT)),
            "threshold": r.params.threshold,
            "base": r.params.base,
        }
        for r in returns
    ]
    manifest = {
        "format": writer.MANIFEST_FORMAT,
        "version": writer.FORMAT_VERSION,
        "kind": writer.KIND_MERGE,
        "period": _period_block(period),
        "nation": nation.value,
        "la_code": identity.geography.new_la_code,
        "la_name": identity.geography.la_name,
        "made_in": made_in,
        "app_version": __version__,
        "returns": len(returns),
        "sources": sources,
    }
    name = f"la-merge-{identity.geography.new_la_code.lower()}-{period.code.lower()}"
    title = f"Family support in early years settings, {period.label}, {identity.geography.la_name}"
    if key_path is not None:
        params = params or SdcParams()
        private = exact.load_authority_private_key(key_path)
        merged = ExactCounts(framework=spec.common_framework(r.framework for r in returns))
        for ret in returns:
            _add(merged, _exact_counts(ret, private, period))
        complete_cells(merged)
        export = build_export(merged, period, identity, params)
        tables = writer.export_out_tables(export)
        sdc = writer.sdc_block(params, export.result.suppressed_count)
        manifest |= {"method": METHOD_EXACT, "sdc": sdc}
        description = (
            f"Exact counts from {len(returns)} settings, summed, then disclosure-controlled once (see sdc)."
        )
        suppressed: int | None = export.result.suppressed_count
    else:
        tables = _bounded_tables(returns, period, identity)
        sdc = {
            "method": METHOD_PUBLIC,
            "rule": (
                "Sums of the settings' published returns. Each count has _lower and _upper bounds: a "
                "suppressed cell counts as the range the rule and its totals allow, a rounded one as its "
                "rounding interval; the plain column is the sum only where no part was suppressed."
            ),
            "source_rules": [
                {"provider_urn": r.urn, "threshold": r.params.threshold, "base": r.params.base}
                for r in returns
            ],
        }
        manifest |= {"method": METHOD_PUBLIC, "sdc": sdc}
        description = f"Published returns of {len(returns)} settings summed, with lower and upper bounds."
        suppressed = None
    # Self-evaluation ratings describe settings, not people: carried as they are by either method.
    tables = tables + self_evaluation.authority_tables(
        returns,
        period,
        {
            "time_period": period.time_period,
            "time_identifier": period.time_identifier,
            "geographic_level": identity.geographic_level,
            **identity.geography.columns(),
        },
    )
    package = writer.datapackage(
        tables, name=name, title=title, description=description, sdc=sdc, period=_period_block(period)
    )
    writer.write_package(out_dir, tables, package=package, manifest=manifest)
    return MergeSummary(
        Path(out_dir), manifest["method"], period, len(returns), identity.geography.new_la_code, suppressed
    )


def _period_block(period: Period) -> dict:
    from setting_app.services.la_export import period_block

    return period_block(period)


# --- exact ---------------------------------------------------------------------------------------------------


def _exact_counts(ret: Return, private, period: Period) -> ExactCounts:
    where = _where(ret.directory, exact.EXACT_FILE)
    block = ret.manifest.get("exact_counts")
    data = ret.report.files.get(exact.EXACT_FILE)
    if not block or data is None:
        raise AppError(f"{where}: refused: this return has no exact counts (made without --exact-for)")
    payload = exact.decrypt(data, private, where)
    if payload.get("period") != period.code or payload.get("provider_urn") != ret.urn:
        raise AppError(f"{where}: refused: the exact counts are for another period or provider")
    counts = exact.payload_counts(payload, where)
    complete_cells(counts)
    lines = spec.build_lines(counts.home_la_codes, counts.framework)
    again = apply_sdc(counts.cells, lines, ret.params).published
    if any(str(again.get(k, "")) != str(ret.published.get(k, "")) for k in set(again) | set(ret.published)):
        raise AppError(f"{where}: refused: the exact counts do not give the published tables")
    return counts


def _add(total: ExactCounts, part: ExactCounts) -> None:
    for key, value in part.cells.items():
        total.cells[key] = total.cells.get(key, 0) + value
    total.home_la_codes = tuple(sorted(set(total.home_la_codes) | set(part.home_la_codes)))
    for mine, theirs in (
        (total.days_to_acknowledgement, part.days_to_acknowledgement),
        (total.days_to_first_contact, part.days_to_first_contact),
    ):
        for category, days in theirs.items():
            mine.setdefault(category, []).extend(days)
    for domain, minutes in part.minutes.items():
        total.minutes[domain] = total.minutes.get(domain, 0) + minutes


# --- published, with bounds ------------------------------------------------------------------------------------


def _bound_fields(indicator: IndicatorSpec) -> list[dict]:
    kind = "integer" if indicator.is_count else "number"
    return [
        {
            "name": indicator.name,
            "title": f"{indicator.label} (sum of published values)",
            "type": kind,
            "constraints": {"minimum": 0},
            "sdc": "sum-of-published",
        },
        {
            "name": f"{indicator.name}_lower",
            "title": f"{indicator.label}: lower bound",
            "type": kind,
            "constraints": {"minimum": 0},
            "sdc": "bound",
        },
        {
            "name": f"{indicator.name}_upper",
            "title": f"{indicator.label}: upper bound",
            "type": kind,
            "constraints": {"minimum": 0},
            "sdc": "bound",
        },
    ]


def _bounded_tables(returns: list[Return], period: Period, identity: ReturnIdentity) -> list[writer.OutTable]:
    codes = tuple(sorted({c for r in returns for c in r.home_la_codes}))
    bounds = []
    for ret in returns:
        lines = spec.build_lines(ret.home_la_codes, ret.framework)
        bounds.append(public_bounds(ret.published, lines, ret.params))
    identity_columns = {
        "time_period": period.time_period,
        "time_identifier": period.time_identifier,
        "geographic_level": identity.geographic_level,
        **identity.geography.columns(),
    }
    out = []
    for table in spec.build_tables(codes, spec.common_framework(r.framework for r in returns)):
        fields = writer.identity_fields(identity_columns) + writer.filter_fields(table)
        meta_indicators = []
        for indicator in table.indicators:
            if indicator.kind == "median":
                fields.append(writer.indicator_field(indicator))
                meta_indicators.append((indicator.name, indicator.label, indicator.dp))
            else:
                fields.extend(_bound_fields(indicator))
                meta_indicators += [
                    (indicator.name, f"{indicator.label} (sum of published values)", indicator.dp),
                    (f"{indicator.name}_lower", f"{indicator.label}: lower bound", indicator.dp),
                    (f"{indicator.name}_upper", f"{indicator.label}: upper bound", indicator.dp),
                ]
        rows = []
        for row in table.rows:
            values = dict(identity_columns)
            values.update(zip((f.name for f in table.filters), map(spec.written, row.filters), strict=True))
            for indicator in table.indicators:
                key = row.values[indicator.name]
                if indicator.kind == "median":
                    values[indicator.name] = UNAVAILABLE
                elif indicator.is_count:
                    values.update(_count_sums(indicator.name, key, returns, bounds))
                else:
                    values.update(_hours_sums(indicator, key, returns))
            rows.append(values)
        out.append(writer.OutTable(table, fields, rows, writer.meta_rows(table, meta_indicators)))
    return out


def _count_sums(name: str, key: CellKey, returns: list[Return], bounds: list[dict]) -> dict[str, str]:
    exact_sum, lower, upper = 0, 0, 0
    exact_known, upper_known = True, True
    for ret, bound in zip(returns, bounds, strict=True):
        value = ret.published.get(key, 0)
        lo, hi = bound.get(key, (0, 0))
        if isinstance(value, int):
            exact_sum += value
        else:
            exact_known = False
        lower += lo
        if hi is None:
            upper_known = False
        else:
            upper += hi
    return {
        name: str(exact_sum) if exact_known else UNAVAILABLE,
        f"{name}_lower": str(lower),
        f"{name}_upper": str(upper) if upper_known else UNAVAILABLE,
    }


def _hours_sums(indicator: IndicatorSpec, key: CellKey, returns: list[Return]) -> dict[str, str]:
    total, hidden = 0.0, False
    for ret in returns:
        text = ret.other.get(key, "0")
        if text == SUPPRESSED or not text.replace(".", "", 1).isdigit():
            hidden = True
        else:
            total += float(text)
    shown = format_number(total, indicator.dp)
    return {
        indicator.name: UNAVAILABLE if hidden else shown,
        f"{indicator.name}_lower": shown,
        f"{indicator.name}_upper": UNAVAILABLE if hidden else shown,
    }

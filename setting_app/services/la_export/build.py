"""One return, assembled: exact counts, disclosure control applied, and the rows of every table as
they will be published, plus the preview a manager sees (which cells were suppressed and why)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from setting_app.domain.codes import IntegrationModel, Nation, ProviderType
from setting_app.services.la_export import spec
from setting_app.services.la_export.geography import Geography, geography_for
from setting_app.services.la_export.periods import Period
from setting_app.services.la_export.sdc import (
    NOT_APPLICABLE,
    SUPPRESSED,
    Reason,
    SdcParams,
    SdcResult,
    apply_sdc,
)
from setting_app.services.la_export.spec import TOTAL, CellKey, TableSpec
from setting_app.services.la_export.tables import ExactCounts

#: EES's level for an early years provider; its columns are ``provider_ukprn`` and ``provider_name``
#: (see docs/ees-conventions.md for why, and for what the code column holds).
SETTING_LEVEL = "Provider"
AUTHORITY_LEVEL = "Local authority"
PROVIDER_CODE = "provider_ukprn"
PROVIDER_NAME = "provider_name"


def published_provider_name(name: str, urn: str, provider_type: ProviderType | str | None = None) -> str:
    """The setting's name as a return publishes it. A childminder is registered as a person and the
    setting's name is often the childminder's own, so it is withheld (as Ofsted withholds it): the name
    column then says ``Childminder EY123456``. A setting with no name recorded is named the same way."""
    if provider_type == ProviderType.CHILDMINDER:
        return f"Childminder {urn}"
    return " ".join(name.split()) or f"Early years setting {urn}"


@dataclass(frozen=True)
class ReturnIdentity:
    """Who the return is from: a setting (its registration number and published name) or an
    authority. Nothing here identifies a family."""

    geography: Geography
    geographic_level: str
    provider_urn: str = ""
    integration_model: str = ""
    provider_name: str = ""

    @classmethod
    def for_setting(
        cls,
        urn: str,
        nation: Nation,
        la_code: str,
        la_name: str,
        model: IntegrationModel,
        name: str = "",
        provider_type: ProviderType | None = None,
    ) -> ReturnIdentity:
        return cls(
            geography_for(la_code, nation, la_name),
            SETTING_LEVEL,
            urn,
            model.value,
            published_provider_name(name, urn, provider_type),
        )

    @classmethod
    def for_authority(cls, nation: Nation, la_code: str, la_name: str) -> ReturnIdentity:
        return cls(geography_for(la_code, nation, la_name), AUTHORITY_LEVEL)

    @property
    def is_setting(self) -> bool:
        return self.geographic_level == SETTING_LEVEL


@dataclass(frozen=True)
class PreviewCell:
    table: str
    table_title: str
    breakdown: str
    indicator: str
    exact: int
    published: str
    reason: Reason | None


def format_number(value: float, dp: int) -> str:
    return f"{value:.{dp}f}"


@dataclass
class LaExport:
    period: Period
    identity: ReturnIdentity
    counts: ExactCounts
    result: SdcResult
    tables: tuple[TableSpec, ...]
    other_values: dict[CellKey, str]

    @property
    def params(self) -> SdcParams:
        return self.result.params

    def identity_columns(self) -> dict[str, str]:
        columns = {
            "time_period": self.period.time_period,
            "time_identifier": self.period.time_identifier,
            "geographic_level": self.identity.geographic_level,
            **self.identity.geography.columns(),
        }
        if self.identity.is_setting:
            columns[PROVIDER_CODE] = self.identity.provider_urn
            columns[PROVIDER_NAME] = self.identity.provider_name
            columns["integration_model"] = self.identity.integration_model
        return columns

    def cell_text(self, key: CellKey) -> str:
        if key in self.other_values:
            return self.other_values[key]
        return str(self.result.published[key])

    def table_rows(self, table: TableSpec) -> list[dict[str, str]]:
        base = self.identity_columns()
        rows = []
        for row in table.rows:
            values = dict(base)
            values.update(zip((f.name for f in table.filters), map(spec.written, row.filters), strict=True))
            for indicator in table.indicators:
                values[indicator.name] = self.cell_text(row.values[indicator.name])
            rows.append(values)
        return rows

    def preview(self, *, suppressed_only: bool = False) -> list[PreviewCell]:
        """Every count as published beside its exact value; each suppressed cell with its reason."""
        labels = spec.filter_labels()
        cells: list[PreviewCell] = []
        for table in self.tables:
            for row in table.rows:
                breakdown = ", ".join(
                    spec.value_label(f.name, v, labels)
                    for f, v in zip(table.filters, row.filters, strict=True)
                )
                for indicator in table.indicators:
                    if not indicator.is_count:
                        continue
                    key = row.values[indicator.name]
                    reason = self.result.reasons.get(key)
                    if suppressed_only and reason is None:
                        continue
                    cells.append(
                        PreviewCell(
                            table.name,
                            table.title,
                            breakdown,
                            indicator.label,
                            self.counts.value(key),
                            str(self.result.published[key]),
                            reason,
                        )
                    )
        return cells

    def summary(self) -> str:
        by_reason = self.result.count_by_reason()
        total = len(self.result.published)
        parts = [f"{n} {r.explanation}" for r, n in by_reason.items() if n]
        detail = f" ({'; '.join(parts)})" if parts else ""
        return f"{self.result.suppressed_count} of {total} counts suppressed{detail}."


def _hours_values(counts: ExactCounts, published: Mapping[CellKey, int | str]) -> dict[CellKey, str]:
    """Staff hours are shown only where the domain's contact count is; if one domain's hours are hidden,
    the total is hidden too, so it cannot be worked out by subtraction."""
    hours = counts.hours()
    values: dict[CellKey, str] = {}
    hidden = 0
    for domain in spec.DOMAINS:
        if published[spec.contacts(domain)] == SUPPRESSED:
            values[("hours", domain)] = SUPPRESSED
            hidden += 1
        else:
            values[("hours", domain)] = format_number(hours[domain], 1)
    if published[spec.contacts(TOTAL)] == SUPPRESSED or hidden == 1:
        values[("hours", TOTAL)] = SUPPRESSED
    else:
        values[("hours", TOTAL)] = format_number(hours[TOTAL], 1)
    return values


def _median_values(counts: ExactCounts, published: Mapping[CellKey, int | str]) -> dict[CellKey, str]:
    """Median days over 10 or more referrals; ``c`` over fewer; ``z`` where the return shows that no
    family was referred (a hidden zero stays hidden: ``c``)."""
    values: dict[CellKey, str] = {}
    for key, median in counts.medians().items():
        if median is not None:
            values[key] = format_number(median, 1)
        else:
            values[key] = NOT_APPLICABLE if published[spec.referred(key[1], TOTAL)] == 0 else SUPPRESSED
    return values


def build_export(
    counts: ExactCounts, period: Period, identity: ReturnIdentity, params: SdcParams
) -> LaExport:
    lines = spec.build_lines(counts.home_la_codes, counts.framework)
    result = apply_sdc(counts.cells, lines, params)
    other = _median_values(counts, result.published) | _hours_values(counts, result.published)
    tables = spec.build_tables(counts.home_la_codes, counts.framework)
    return LaExport(period, identity, counts, result, tables, other)

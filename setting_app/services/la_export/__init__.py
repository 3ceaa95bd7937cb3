"""The anonymised return to the local authority (issue 6), and the authority's side of it.

A manager picks a period; :func:`prepare_export` counts it and applies disclosure control (the preview
shows what was suppressed and why); :func:`write_return` writes the package into an empty folder and
signs it. ``verify`` and ``merge`` are what the authority runs; they need no casebook.

Modules: ``periods`` (periods and EES time columns), ``spec`` (tables, cells, lines), ``tables`` (exact
counts from the casebook), ``sdc`` (disclosure control), ``build`` (a return assembled), ``writer``
(CSV, metadata, Frictionless package, signed manifest), ``signing``, ``exact`` (encrypted exact
counts), ``verify`` and ``merge``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from setting_app import __version__
from setting_app.services.la_export import exact, self_evaluation, writer
from setting_app.services.la_export.build import LaExport, ReturnIdentity, build_export
from setting_app.services.la_export.periods import Period, parse_period
from setting_app.services.la_export.sdc import SdcParams
from setting_app.services.la_export.tables import collect
from setting_app.services.session import Session
from setting_app.storage import setting_repo
from setting_app.storage.unit_of_work import unit_of_work

__all__ = ["LaExport", "SdcParams", "WrittenReturn", "prepare_export", "write_return", "export_history"]

HISTORY_SETTING = "la_export_history"
HISTORY_LENGTH = 100


@dataclass(frozen=True)
class WrittenReturn:
    out_dir: Path
    files: tuple[str, ...]
    manifest_sha256: str
    fingerprint: str
    suppressed: int
    exact_for: str | None


def prepare_export(session: Session, period: Period | str, params: SdcParams | None = None) -> LaExport:
    """Count the period and apply disclosure control. Managers only: the preview shows exact counts."""
    session.require_manager("make the local authority return")
    if not isinstance(period, Period):
        period = parse_period(period, today=session.clock.today())
    setting = setting_repo.get_setting(session.conn)
    identity = ReturnIdentity.for_setting(
        setting.urn,
        setting.nation,
        setting.la_code,
        setting.la_name,
        setting.integration_model,
        setting.name,
        setting.provider_type,
    )
    counts = collect(session.conn, period, setting)
    return build_export(counts, period, identity, params or SdcParams())


def return_manifest(export: LaExport, made_in: str, exact_fingerprint: str | None) -> dict:
    identity = export.identity
    return {
        "format": writer.MANIFEST_FORMAT,
        "version": writer.FORMAT_VERSION,
        "kind": writer.KIND_SETTING,
        "period": period_block(export.period),
        "provider_urn": identity.provider_urn,
        "provider_name": identity.provider_name,
        "provider_id_scheme": (
            "care_inspectorate_number" if identity.geography.country_code.startswith("S") else "ofsted_urn"
        ),
        "nation": "scotland" if identity.geography.country_code.startswith("S") else "england",
        "la_code": identity.geography.new_la_code,
        "la_name": identity.geography.la_name,
        "integration_model": identity.integration_model,
        "sdc": writer.sdc_block(export.params, export.result.suppressed_count),
        "made_in": made_in,
        "app_version": __version__,
        "exact_counts": (
            {"path": exact.EXACT_FILE, "recipient_fingerprint": exact_fingerprint}
            if exact_fingerprint
            else None
        ),
    }


def period_block(period: Period) -> dict:
    return {
        "code": period.code,
        "kind": period.kind.value,
        "time_period": period.time_period,
        "time_identifier": period.time_identifier,
        "first_month": period.first_month,
        "last_month": period.last_month,
    }


def write_return(
    session: Session, export: LaExport, out_dir: Path, *, exact_for: Path | None = None
) -> WrittenReturn:
    """Write the package into ``out_dir`` (new or empty), signed with the setting's export key."""
    from setting_app.services import export_keys  # export_keys imports this package's signing module

    session.require_manager("make the local authority return")
    key = export_keys.signing_key(session)
    extra: dict[str, bytes] = {}
    exact_fingerprint = None
    if exact_for is not None:
        recipient = exact.load_authority_public_key(exact_for)
        payload = exact.counts_payload(export.counts, export.period.code, export.identity.provider_urn)
        extra[exact.EXACT_FILE] = exact.encrypt(payload, recipient)
        exact_fingerprint = exact.recipient_fingerprint(extra[exact.EXACT_FILE])
    today = session.clock.today()
    made_in = f"{today.year:04d}-{today.month:02d}"
    urn = export.identity.provider_urn
    # The integration self-evaluation's ratings (never its notes) ride along as a table of their own.
    tables = writer.export_out_tables(export) + [
        self_evaluation.setting_table(session.conn, export.period, export.identity_columns())
    ]
    package = writer.datapackage(
        tables,
        name=f"la-return-{urn.lower()}-{export.period.code.lower()}",
        title=f"Family support return, {export.period.label}, provider {urn}",
        description=(
            "Anonymised counts of the family support an early years setting gave, with disclosure control "
            "applied (see sdc). Made by setting-app."
        ),
        sdc=writer.sdc_block(export.params, None),
        period=period_block(export.period),
    )
    # One step: a package that cannot be written leaves no audit row, and the row commits with it.
    with unit_of_work(session.conn):
        written = writer.write_package(
            out_dir,
            tables,
            package=package,
            manifest=return_manifest(export, made_in, exact_fingerprint),
            extra_files=extra,
            signing_key=key,
        )
        _record(session, export, written, made_in, exact_fingerprint)
    return WrittenReturn(
        written.out_dir,
        written.files,
        written.manifest_sha256,
        written.fingerprint or "",
        export.result.suppressed_count,
        exact_fingerprint,
    )


def _record(
    session: Session, export: LaExport, written: writer.WrittenPackage, made_in: str, exact_fp: str | None
) -> None:
    """Note the return in the audit trail (with the manifest's SHA-256, which covers every file's hash)
    and in a short history the export panel shows."""
    from setting_app.services import audit

    with unit_of_work(session.conn):
        audit.record(
            session,
            audit.EXPORT,
            object_type="la_return",
            detail=(
                f"local authority return {export.period.code}, threshold {export.params.threshold}, "
                f"base {export.params.base}{', with exact counts' if exact_fp else ''}; "
                f"manifest SHA-256 {written.manifest_sha256}"
            ),
        )
        audit.sign_head(session, "LA return")
        history = export_history(session)
        history.append(
            {
                "period": export.period.code,
                "made_in": made_in,
                "by": session.user.username,
                "manifest_sha256": written.manifest_sha256,
                "threshold": export.params.threshold,
                "base": export.params.base,
                "exact_for": exact_fp,
            }
        )
        setting_repo.set_app_setting(session.conn, HISTORY_SETTING, json.dumps(history[-HISTORY_LENGTH:]))


def export_history(session: Session) -> list[dict]:
    raw = setting_repo.get_app_setting(session.conn, HISTORY_SETTING)
    try:
        history = json.loads(raw) if raw else []
    except ValueError:
        return []
    return history if isinstance(history, list) else []

"""``export la`` (a setting's anonymised return) and ``la keygen | verify | merge | setting-key``
(the local authority's side, which needs no casebook)."""

from __future__ import annotations

import argparse

from setting_app.cli import CliContext, path_arg
from setting_app.domain.errors import AppError, ValidationError
from setting_app.services.la_export.sdc import DEFAULT_BASE, DEFAULT_THRESHOLD, SdcParams
from setting_app.storage.fsutil import write_private_file


def _export_group(sub: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """The one ``export`` group (records.py makes it; found or made here so neither order breaks)."""
    try:
        from setting_app.commands.records import export_group
    except ImportError:
        export_group = None
    if export_group is not None:
        return export_group(sub)
    existing = sub.choices.get("export")
    if existing is not None:
        for action in existing._actions:
            if isinstance(action, argparse._SubParsersAction):
                return action
    group = sub.add_parser("export", help="write records out to a file").add_subparsers(
        dest="export_command", metavar="WHAT"
    )
    group.required = True
    return group


def register(sub: argparse._SubParsersAction) -> None:
    p = _export_group(sub).add_parser(
        "la",
        help="write the anonymised return for the local authority (managers only), signed by the setting",
    )
    p.add_argument(
        "--period",
        required=True,
        help="a month (2026-10), a quarter (2026-Q4) or a financial year (FY2026-27)",
    )
    p.add_argument(
        "--out", required=True, type=path_arg, metavar="DIR", help="a new or empty folder for the return"
    )
    _sdc_arguments(p)
    p.add_argument(
        "--exact-for",
        type=path_arg,
        metavar="AUTHORITY_PUBLIC_KEY",
        help="also include the exact counts, encrypted to this authority key (only if your data-sharing agreement allows)",
    )
    p.set_defaults(handler=cmd_export_la)

    la = sub.add_parser(
        "la", help="the local authority's tools: keys, checking and merging settings' returns"
    )
    actions = la.add_subparsers(dest="la_command", metavar="ACTION")
    actions.required = True
    p = actions.add_parser(
        "keygen", help="make the authority's key pair for exact counts (private key stays with you)"
    )
    p.add_argument("--out", required=True, type=path_arg, metavar="DIR", help="folder for the two key files")
    p.set_defaults(handler=cmd_keygen)

    p = actions.add_parser(
        "verify", help="check a return: signature, file hashes, schema and the disclosure rule"
    )
    p.add_argument("directory", type=path_arg, metavar="DIR", help="the return's folder")
    p.add_argument(
        "--pubkey",
        type=path_arg,
        metavar="SETTING_PUBLIC_KEY",
        help="the setting's export key (PEM) to insist on",
    )
    p.set_defaults(handler=cmd_verify)

    p = actions.add_parser("merge", help="combine many settings' returns for one period into one dataset")
    p.add_argument("directories", nargs="+", type=path_arg, metavar="DIR", help="the returns' folders")
    p.add_argument(
        "--out", required=True, type=path_arg, metavar="DIR", help="a new or empty folder for the dataset"
    )
    p.add_argument(
        "--key",
        type=path_arg,
        metavar="AUTHORITY_PRIVATE_KEY",
        help="decrypt exact counts and control them once",
    )
    _sdc_arguments(p, " (used with --key: the rule applied once over all returns)")
    p.set_defaults(handler=cmd_merge)

    p = actions.add_parser(
        "setting-key", help="write this setting's export public key, for the authority to pin"
    )
    p.add_argument(
        "--out", required=True, type=path_arg, metavar="FILE.pem", help="where to write the public key"
    )
    p.set_defaults(handler=cmd_setting_key)


def _sdc_arguments(p: argparse.ArgumentParser, note: str = "") -> None:
    p.add_argument(
        "--threshold",
        default=str(DEFAULT_THRESHOLD),
        help=f"smallest count shown, 5 to 10 (default {DEFAULT_THRESHOLD}){note}",
    )
    p.add_argument(
        "--base",
        default=str(DEFAULT_BASE),
        help=f"round counts to this, 1 to 10; 1 = no rounding (default {DEFAULT_BASE}){note}",
    )


def _params(args: argparse.Namespace) -> SdcParams:
    values = {}
    for name in ("threshold", "base"):
        text = str(getattr(args, name)).strip()
        if not text.isdigit():
            raise ValidationError(name, f"'{text}' is not a whole number")
        values[name] = int(text)
    return SdcParams(values["threshold"], values["base"])


def cmd_export_la(ctx: CliContext, args: argparse.Namespace) -> int:
    from setting_app.services.la_export import prepare_export, write_return
    from setting_app.services.la_export.periods import parse_period

    params = _params(args)
    period = parse_period(args.period, today=ctx.clock.today())
    if args.exact_for is not None and not args.exact_for.is_file():
        raise AppError(f"There is no authority key file at {args.exact_for}.")
    with ctx.open_session() as session:
        export = prepare_export(session, period, params)
        written = write_return(session, export, args.out, exact_for=args.exact_for)
    ctx.print(f"Wrote the {period.label} return to {written.out_dir} ({len(written.files)} files).")
    ctx.print(export.summary())
    ctx.print(f"Signed with this setting's export key {written.fingerprint}.")
    if written.exact_for:
        ctx.print(f"Exact counts encrypted to the authority key {written.exact_for}.")
    return 0


def cmd_keygen(ctx: CliContext, args: argparse.Namespace) -> int:
    from setting_app.services.la_export.exact import generate_authority_keys

    private, public, fingerprint = generate_authority_keys(args.out)
    ctx.print(f"Private key: {private} (keep it safe: it reads every exact count sent to you)")
    ctx.print(f"Public key:  {public} (give this to settings)")
    ctx.print(f"Fingerprint: {fingerprint}")
    return 0


def cmd_verify(ctx: CliContext, args: argparse.Namespace) -> int:
    from setting_app.services.la_export.signing import read_public_key_file
    from setting_app.services.la_export.verify import verify_package

    pinned = read_public_key_file(args.pubkey) if args.pubkey else None
    report = verify_package(args.directory, pinned_key=pinned)
    for problem in report.problems:
        ctx.print(f"problem: {problem}")
    report.raise_if_failed()
    what = (
        f"return from provider {report.provider_urn}"
        if report.kind == "setting_return"
        else f"merged dataset of {report.manifest.get('returns')} returns (unsigned, as merges are)"
    )
    ctx.print(f"OK: {what} for {report.period_code}.")
    if report.signed:
        pinned_note = " (the pinned key)" if pinned else ""
        ctx.print(f"Signed by key {report.fingerprint}{pinned_note}.")
    ctx.print(
        f"{len(report.files)} files match the manifest; {report.rows_checked} rows checked against their schema "
        "and the disclosure rule."
    )
    return 0


def cmd_merge(ctx: CliContext, args: argparse.Namespace) -> int:
    from setting_app.services.la_export.merge import merge_returns

    params = _params(args) if args.key else None
    summary = merge_returns(
        args.directories, args.out, today=ctx.clock.today(), key_path=args.key, params=params
    )
    ctx.print(
        f"Merged {summary.returns} returns for {summary.period.label} into {summary.out_dir} ({summary.method})."
    )
    if summary.suppressed is not None:
        ctx.print(
            f"Disclosure control applied once over the authority: {summary.suppressed} counts suppressed."
        )
    return 0


def cmd_setting_key(ctx: CliContext, args: argparse.Namespace) -> int:
    from setting_app.services import export_keys

    with ctx.open_session() as session:
        fingerprint = export_keys.ensure_export_key(session)
        pem = export_keys.public_key_pem(session.conn) or ""
    try:
        write_private_file(args.out, pem.encode("ascii"))
    except OSError as exc:
        raise AppError(f"Cannot write {args.out}: {exc.strerror or exc}.") from None
    ctx.print(f"Wrote this setting's export public key to {args.out}; fingerprint {fingerprint}.")
    return 0

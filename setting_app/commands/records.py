"""``import FILE.json`` and ``export family REF --out FILE.json``: the record file format.

``export`` is a command group other modules add to (``export la``): they call :func:`export_group`
with the same top-level subparsers, which returns the group whether or not it exists yet.
"""

from __future__ import annotations

import argparse

from setting_app.cli import CliContext, path_arg
from setting_app.services import records

#: The ``export`` group's subparsers for the parser built last (see :func:`export_group`).
EXPORT_SUBPARSERS: argparse._SubParsersAction | None = None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import",
        help="import families from a record file (all or nothing: one bad record and nothing is saved)",
    )
    p.add_argument(
        "file", metavar="FILE.json", type=path_arg, help="a setting-app/records file, version 1 or 2"
    )
    p.set_defaults(handler=cmd_import)
    register_export_family(export_group(sub))


def export_group(sub: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """The subparsers of ``export`` in this parser: found if another module made it, else created."""
    global EXPORT_SUBPARSERS
    existing = sub.choices.get("export")
    if existing is not None:
        for action in existing._actions:
            if isinstance(action, argparse._SubParsersAction):
                EXPORT_SUBPARSERS = action
                return action
    parser = sub.add_parser("export", help="write records out to a file")
    group = parser.add_subparsers(dest="export_command", metavar="WHAT")
    group.required = True
    EXPORT_SUBPARSERS = group
    return group


def register_export_family(export_sub: argparse._SubParsersAction) -> None:
    p = export_sub.add_parser(
        "family", help="write one family's whole record (or several) to a record file that imports back"
    )
    p.add_argument("refs", nargs="+", metavar="REF", help="the family's reference")
    p.add_argument("--out", required=True, type=path_arg, metavar="FILE.json", help="the file to write")
    p.add_argument(
        "--for",
        dest="partner",
        default="",
        metavar="PARTNER",
        help="the file is for this partner: the share is recorded, under its data-sharing agreement",
    )
    p.add_argument("--agreement", type=int, metavar="N", help="the agreement covering it (with --for)")
    p.add_argument(
        "--no-agreement-reason", default="", metavar="TEXT", help="why there is no agreement (with --for)"
    )
    p.add_argument("--lawful-basis", help="the basis relied on (default: the agreement's)")
    p.add_argument("--purpose", default="", help="why the record is shared (with --for)")
    p.set_defaults(handler=cmd_export_family)


def cmd_import(ctx: CliContext, args: argparse.Namespace) -> int:
    # The file is read and checked before unlocking: a bad file is refused without asking a passphrase.
    checked = records.read_and_parse_record_file(args.file, today=ctx.clock.today())
    with ctx.open_session() as session:
        summary = records.import_records(session, checked)
    ctx.print(summary.sentence())
    return 0


def cmd_export_family(ctx: CliContext, args: argparse.Namespace) -> int:
    with ctx.open_session() as session:
        # Writes the file and its audit row (and, for a partner, its sharing rows) together.
        document = records.export_to_file(
            session,
            args.out,
            args.refs,
            partner=args.partner,
            agreement_id=args.agreement,
            no_agreement_reason=args.no_agreement_reason,
            lawful_basis=args.lawful_basis,
            purpose=args.purpose,
        )
    families = document["families"]
    entries = sum(len(f["entries"]) for f in families)
    referrals = sum(len(f["referrals"]) for f in families)
    what = families[0]["ref"] if len(families) == 1 else f"{len(families)} families"
    ctx.print(
        f"Exported {what} ({entries} entr{'y' if entries == 1 else 'ies'}, "
        f"{referrals} referral{'' if referrals == 1 else 's'}) to {args.out}."
        + (f" Recorded as shared with {args.partner.strip()}." if args.partner.strip() else "")
    )
    return 0

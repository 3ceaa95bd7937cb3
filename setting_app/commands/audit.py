"""``audit list`` and ``audit verify``: the audit trail for managers.

``list`` shows the newest rows first, filtered by user, family reference, action and dates;
``verify`` checks the hash chain and names the first broken row (exit status 1 when broken).
"""

from __future__ import annotations

import argparse

from setting_app.cli import CliContext
from setting_app.domain.errors import AppError, NotFound
from setting_app.domain.validation import parse_date
from setting_app.services import audit
from setting_app.storage import family_repo
from setting_app.storage.audit_repo import AuditFilter, AuditRow

DEFAULT_LIMIT = 200


def register(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("audit", help="read and check the audit trail (managers only)").add_subparsers(
        dest="audit_command", metavar="WHAT"
    )
    group.required = True
    p = group.add_parser("list", help="list audit rows, newest first, optionally filtered")
    p.add_argument("--user", dest="by_user", metavar="U", help="only rows by this staff username")
    p.add_argument("--family", metavar="REF", help="only rows about this family (its reference)")
    p.add_argument(
        "--action", choices=audit.ACTIONS, metavar="A", help=f"only this action: {', '.join(audit.ACTIONS)}"
    )
    p.add_argument("--from", dest="date_from", metavar="D", help="from this day (YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", metavar="D", help="up to and including this day (YYYY-MM-DD)")
    p.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"at most N rows (default {DEFAULT_LIMIT})",
    )
    p.set_defaults(handler=cmd_list)
    v = group.add_parser("verify", help="check the hash chain and name the first broken row")
    v.set_defaults(handler=cmd_verify)


def _filter(ctx: CliContext, session, args: argparse.Namespace) -> AuditFilter:
    date_from = parse_date(args.date_from, "--from") if args.date_from else None
    date_to = parse_date(args.date_to, "--to") if args.date_to else None
    if date_from and date_to and date_to < date_from:
        raise AppError("--to is before --from: no day can match.")
    family_id = None
    if args.family:
        family = family_repo.get_family_by_ref(session.conn, args.family.strip())
        if family is None:
            raise NotFound(f"There is no family with reference '{args.family.strip()}'.")
        family_id = family.id
    return AuditFilter(
        username=args.by_user or None,
        family_id=family_id,
        action=args.action,
        date_from=date_from,
        date_to=date_to,
    )


def format_row(row: AuditRow, refs: dict[int, str]) -> str:
    obj = f"{row.object_type} {row.object_id}" if row.object_id is not None else row.object_type
    family = ""
    if row.family_id is not None:
        family = refs.get(row.family_id, f"family {row.family_id} (erased)")
    stamp = row.at.strftime("%Y-%m-%d %H:%M:%S")
    return "\t".join((str(row.id), stamp, row.username, row.action, obj or "-", family or "-", row.detail))


def cmd_list(ctx: CliContext, args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise AppError("--limit must be at least 1.")
    with ctx.open_session() as session:
        session.require_manager("read the audit trail")
        flt = _filter(ctx, session, args)
        total = audit.count_audit(session, flt)
        rows = audit.list_audit(session, flt, limit=args.limit)
        refs = family_repo.family_refs(session.conn, [r.family_id for r in rows if r.family_id is not None])
    if not rows:
        ctx.print("No audit rows match.")
        return 0
    ctx.print("row\ttime (UTC)\tuser\taction\trecord\tfamily\tdetail")
    for row in rows:
        ctx.print(format_row(row, refs))
    ctx.print(f"Showing {len(rows)} of {total} matching row{'s' if total != 1 else ''}, newest first.")
    return 0


def cmd_verify(ctx: CliContext, args: argparse.Namespace) -> int:
    with ctx.open_session() as session:
        session.require_manager("check the audit trail")
        problem = audit.verify(session)
        total = audit.count_audit(session)
        head = audit.chain_head(session)
    if problem:
        raise AppError(f"The audit trail is broken: {problem}.")
    ctx.print(f"The audit trail is whole: {total} row{'s' if total != 1 else ''}, head {head}.")
    return 0

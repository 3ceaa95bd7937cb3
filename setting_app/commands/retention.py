"""``retention due | decide | schedule | safeguarding`` and ``erase family`` (managers only)."""

from __future__ import annotations

import argparse

from setting_app.cli import CliContext, UsageError
from setting_app.domain.errors import AppError
from setting_app.domain.validation import parse_date
from setting_app.services import erasure, retention


def register(sub: argparse._SubParsersAction) -> None:
    ret = sub.add_parser(
        "retention", help="how long records are kept: review queue and decisions"
    ).add_subparsers(dest="retention_command", metavar="ACTION")
    ret.required = True
    p = ret.add_parser("due", help="families whose retention review is due, and families on legal hold")
    p.set_defaults(handler=cmd_due)

    p = ret.add_parser("decide", help="a manager's decision on a family's records, with a reason")
    p.add_argument("ref", help="the family's reference")
    choice = p.add_mutually_exclusive_group(required=True)
    choice.add_argument("--keep-until", metavar="DATE", help="keep the records; review again on DATE")
    choice.add_argument("--hold", action="store_true", help="place a legal hold (never erased while held)")
    choice.add_argument("--release-hold", action="store_true", help="release the legal hold")
    p.add_argument("--reason", default="", help="why (kept with the decision)")
    p.set_defaults(handler=cmd_decide)

    p = ret.add_parser("schedule", help="show or change the retention schedule")
    p.add_argument("--closed-years", help="years after closure before a family's records are reviewed")
    p.add_argument(
        "--safeguarding-age", help="safeguarding records are kept until the youngest child is this age"
    )
    p.set_defaults(handler=cmd_schedule)

    p = ret.add_parser("safeguarding", help="mark a family whose records touch safeguarding")
    p.add_argument("ref")
    p.add_argument("--off", action="store_true", help="remove the marker instead")
    p.set_defaults(handler=cmd_safeguarding)

    era = sub.add_parser("erase", help="erase a family's records for good (managers only)").add_subparsers(
        dest="erase_command", metavar="WHAT"
    )
    era.required = True
    p = era.add_parser("family", help="erase a closed family that is not on legal hold")
    p.add_argument("ref")
    p.add_argument(
        "--reason", default="", help="why, one of: " + ", ".join(r.value for r in erasure.ErasureReason)
    )
    p.add_argument("--confirm", default="", metavar="REF", help="the family's reference again")
    p.set_defaults(handler=cmd_erase)


def cmd_due(ctx: CliContext, args: argparse.Namespace) -> int:
    with ctx.open_session() as session:
        queue = retention.review_queue(session)
        held = retention.families_on_hold(session)
        sched = retention.schedule(session)
    ctx.print(
        f"Schedule: closed families reviewed {sched.closed_years} years after closure; "
        f"safeguarding kept until the youngest child is {sched.safeguarding_age}."
    )
    if not queue:
        ctx.print("No family is due for a retention review.")
    else:
        ctx.print(f"Due for review ({len(queue)}):")
        for item in queue:
            ctx.print(f"  {item.ref:<12} due {item.review_on.isoformat()}  {item.why}")
    if held:
        ctx.print(f"On legal hold ({len(held)}):")
        for facts in held:
            ctx.print(f"  {facts.ref:<12} {facts.legal_hold_reason}")
    return 0


def cmd_decide(ctx: CliContext, args: argparse.Namespace) -> int:
    keep_until = parse_date(args.keep_until, "keep until") if args.keep_until else None
    with ctx.open_session() as session:
        session.require_manager("make retention decisions")
        family_id = retention.find_family_id(session, args.ref)
        ref = args.ref.strip()
        if keep_until is not None:
            retention.keep(session, family_id, keep_until, args.reason)
            ctx.print(f"{ref}: kept; next review on {keep_until.isoformat()}.")
        elif args.hold:
            retention.place_hold(session, family_id, args.reason)
            ctx.print(f"{ref}: on legal hold. It will not be reviewed or erased until the hold is released.")
        else:
            retention.release_hold(session, family_id, args.reason)
            ctx.print(f"{ref}: legal hold released.")
    return 0


def cmd_schedule(ctx: CliContext, args: argparse.Namespace) -> int:
    with ctx.open_session() as session:
        if args.closed_years is None and args.safeguarding_age is None:
            session.require_manager("see the retention schedule")
            sched = retention.schedule(session)
        else:
            sched = retention.set_schedule(
                session, closed_years=args.closed_years, safeguarding_age=args.safeguarding_age
            )
    ctx.print(f"Closed families: reviewed {sched.closed_years} years after closure.")
    ctx.print(f"Safeguarding: kept until the youngest child is {sched.safeguarding_age}.")
    return 0


def cmd_safeguarding(ctx: CliContext, args: argparse.Namespace) -> int:
    with ctx.open_session() as session:
        session.require_manager("change a family's safeguarding marker")
        family_id = retention.find_family_id(session, args.ref)
        retention.mark_safeguarding(session, family_id, on=not args.off)
    state = "no longer marked" if args.off else "marked"
    ctx.print(f"{args.ref.strip()}: {state} as touching safeguarding.")
    return 0


def cmd_erase(ctx: CliContext, args: argparse.Namespace) -> int:
    ref = args.ref.strip()
    if not args.confirm.strip():
        raise UsageError("type the family's reference again with --confirm REF")
    if args.confirm.strip() != ref:
        raise AppError(
            f"The reference given to --confirm ({args.confirm.strip()}) is not {ref}; nothing was erased."
        )
    reason = erasure.parse_reason(args.reason)
    with ctx.open_session() as session:
        session.require_manager("erase a family's records")
        family_id = retention.find_family_id(session, ref)
        result = erasure.erase_family(session, family_id, reason)
    ctx.print(
        f"{ref} has been erased ({result.rows_deleted} records). The audit trail keeps its number only."
    )
    if not result.wal_cleared:
        ctx.print("Another window had the casebook open: close the app once to finish clearing old pages.")
    return 0

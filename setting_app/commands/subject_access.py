"""``subject-access REF [--for NAME | --child NAME] --out-dir DIR``: a subject access pack for one person.

The pack is for the person who asked (a carer of the family, or a young person). Sensitive items and
other people's items are withheld by default, each under a named exemption of the Data Protection Act
2018, and kept in the casebook's withheld log; ``--review FILE.json`` writes the review (when FILE does
not exist yet) or applies a manager's choices from it. Other people's names found in the notes are
redacted unless ``--keep`` names them with a ``--keep-reason``; ``--redact-staff`` redacts staff names
too, ``--redact TEXT`` anything else. ``--list`` shows what would be redacted and withheld and writes
nothing. ``--withheld-log`` lists the decisions kept for the family.
"""

from __future__ import annotations

import argparse

from setting_app.cli import CliContext, UsageError, path_arg
from setting_app.domain.validation import parse_optional_date
from setting_app.services import subject_access


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "subject-access",
        help="write a subject access pack (PDF and record file) for one person (managers only)",
        description="Write <REF>-subject-access.pdf and .json for the person who asked: what is held about "
        "them, the information-sharing record and the access audit. Sensitive items and other people's "
        "items are withheld (each under a named exemption, kept in the withheld log) unless a manager puts "
        "them back with --review; other people's names in the notes are replaced by [redacted] unless "
        "--keep names them with a reason; --list shows them first.",
    )
    p.add_argument("ref", metavar="REF", help="the family's reference")
    p.add_argument(
        "--for",
        dest="person",
        metavar="NAME",
        help="the carer who asked; needed when the family has more than one carer",
    )
    p.add_argument("--child", metavar="NAME", help="a pack about one child (name or key) instead")
    p.add_argument("--out-dir", type=path_arg, metavar="DIR", help="the folder to write the two files into")
    p.add_argument(
        "--received",
        metavar="YYYY-MM-DD",
        help="the day the request was received (default today): the reply is due one month later",
    )
    p.add_argument(
        "--review",
        type=path_arg,
        metavar="FILE.json",
        help="if FILE does not exist: write every withheld item (with its exemption) and flagged name, "
        "and no pack; if it does: make the pack with a manager's choices from it",
    )
    p.add_argument(
        "--redact",
        action="append",
        default=[],
        metavar="TEXT",
        help="also replace TEXT by [redacted] (repeatable)",
    )
    p.add_argument("--redact-staff", action="store_true", help="also redact staff names found in the notes")
    p.add_argument(
        "--keep",
        action="append",
        default=[],
        metavar="TEXT",
        help="do not redact this flagged text (needs --keep-reason)",
    )
    p.add_argument("--keep-reason", default="", metavar="WHY", help="why the --keep texts may stay in")
    p.add_argument("--recipient", help="who the pack is sent to (default: the person it is for)")
    p.add_argument(
        "--list", action="store_true", help="list what would be redacted and withheld; write nothing"
    )
    p.add_argument(
        "--withheld-log", action="store_true", help="list the withheld log kept for the family; write nothing"
    )
    p.set_defaults(handler=cmd_subject_access)


def cmd_subject_access(ctx: CliContext, args: argparse.Namespace) -> int:
    exporting = args.review is not None and not args.review.expanduser().exists()
    if not (args.list or args.withheld_log or exporting) and args.out_dir is None:
        raise UsageError("say where to write the pack with --out-dir DIR (or use --list)")
    if args.keep and not args.keep_reason.strip():
        raise UsageError("say why the --keep texts may stay in the pack with --keep-reason WHY")
    received = parse_optional_date(args.received, "received")
    with ctx.open_session() as session:
        if args.withheld_log:
            return _print_log(ctx, subject_access.withheld_log(session, args.ref))
        if exporting:
            pack, candidates = subject_access.review_file(
                session,
                args.ref,
                args.review,
                args.child,
                person=args.person,
                include_staff=args.redact_staff,
            )
            n = len(pack.withheld)
            ctx.print(
                f"Wrote the review of the pack for {pack.made_for or pack.family.ref} to {args.review}: "
                f"{n} item{'' if n == 1 else 's'} withheld, {len(candidates)} name"
                f"{'' if len(candidates) == 1 else 's'} to redact. To put one in, a manager sets "
                '"include": true and a "reason", then runs this command again with --review. '
                "No pack was written."
            )
            return 0
        if args.list:
            pack, candidates = subject_access.review(
                session, args.ref, args.child, person=args.person, include_staff=args.redact_staff
            )
            if not candidates:
                ctx.print("No other person's reference or name was found in the notes.")
            for c in candidates:
                ctx.print(f"{c.text}\t{c.why}\t{c.occurrences}x\t{c.example}")
            for x in pack.withheld:
                ctx.print(f"withheld\t{x.key}\t{x.day.isoformat()}\t{x.what}\t{x.why}\t{x.exemption.value}")
            ctx.print("Nothing was written.")
            return 0
        written = subject_access.write_pack(
            session,
            args.ref,
            args.out_dir,
            child=args.child,
            person=args.person,
            redact=args.redact,
            recipient=args.recipient,
            review=args.review,
            received_on=received,
            keep={k: args.keep_reason for k in args.keep},
            include_staff=args.redact_staff,
        )
    ctx.print(
        f"Wrote {written.pdf} ({written.pages} page{'' if written.pages == 1 else 's'}) and {written.json} "
        f"for {written.made_for or 'the family'}: "
        f"{written.entries} entr{'y' if written.entries == 1 else 'ies'}, "
        f"{written.referrals} referral{'' if written.referrals == 1 else 's'}, "
        f"{written.redactions} passage{'' if written.redactions == 1 else 's'} redacted "
        f"({len(written.redacted_texts)} text{'' if len(written.redacted_texts) == 1 else 's'}; --list shows them)."
    )
    if written.received_on and written.due_on:
        ctx.print(
            f"Request received {written.received_on.isoformat()}: the reply is due by {written.due_on.isoformat()}."
        )
    n = len(written.withheld)
    ctx.print(
        f"{n} item{' was' if n == 1 else 's were'} withheld (kept in the casebook's withheld log, not in the pack)"
        + (":" if n else ".")
    )
    for item, exemption in written.withheld:
        ctx.print(f"  {item.key} {item.day.isoformat()} {item.what}: {item.why}. Exemption: {exemption}")
    if written.put_back:
        ctx.print(
            f"A manager put {written.put_back} withheld item{'' if written.put_back == 1 else 's'} back in."
        )
    if written.restricted:
        restricted = written.restricted
        ctx.print(
            f"The pack includes {restricted} restricted record{'' if restricted == 1 else 's'}: "
            "check them before the pack is sent."
        )
    return 0


def _print_log(ctx: CliContext, rows: list[dict]) -> int:
    if not rows:
        ctx.print("Nothing has been withheld from, or put into, a document for this family.")
    for r in rows:
        detail = r["exemption"] or r["reason"]
        ctx.print(
            f"{r['decided_at'][:10]}\t{r['document']}\tfor {r['made_for']}\t{r['item']}\t{r['decision']}\t"
            f"{r['why_left_out']}\t{detail}"
        )
    return 0

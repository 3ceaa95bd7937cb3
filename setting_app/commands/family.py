"""``family add | list | show | summary``."""

from __future__ import annotations

import argparse
from pathlib import Path

from setting_app.cli import CliContext, UsageError, path_arg
from setting_app.commands.restricted import add_reason_argument, checked_reason, withheld_line
from setting_app.domain.models import Carer, NewChild, NewFamily
from setting_app.domain.sensitivity import ItemKind
from setting_app.domain.validation import parse_date, parse_optional_date
from setting_app.services import document_review, families, family_summary, support_log, transfer
from setting_app.storage import staff_repo
from setting_app.storage.family_repo import FamilyFilter


def register(sub: argparse._SubParsersAction) -> None:
    fam = sub.add_parser("family", help="families").add_subparsers(dest="family_command", metavar="ACTION")
    fam.required = True
    p = fam.add_parser("add", help="add a family")
    p.add_argument("--ref", default="", help="the family's reference (default: the next FAM-NNNN)")
    p.add_argument("--carer", action="append", default=[], help="a carer's name (repeat for more carers)")
    p.add_argument(
        "--relationship", action="append", default=[], help="relationship of each --carer, in order"
    )
    p.add_argument("--phone", action="append", default=[], help="phone number of each --carer, in order")
    p.add_argument("--postcode", default="")
    p.add_argument("--home-la", default="", help="GSS code of the authority the family lives in")
    p.add_argument("--opened", help="date the record was opened, YYYY-MM-DD (default today)")
    p.add_argument("--key-worker", help="username of the family's key worker")
    p.add_argument(
        "--child", action="append", default=[], help="a child as NAME or NAME:YYYY-MM-DD (repeatable)"
    )
    p.add_argument("--notes", default="")
    p.set_defaults(handler=cmd_add)

    p = fam.add_parser("list", help="list families")
    p.add_argument("--status", choices=["open", "closed", "all"], default="open")
    p.add_argument("--search", default="", help="part of a reference, carer's or child's name")
    p.set_defaults(handler=cmd_list)

    p = fam.add_parser("show", help="show a family and its chronology")
    p.add_argument("ref")
    add_reason_argument(p)
    p.set_defaults(handler=cmd_show)

    p = fam.add_parser(
        "summary",
        help="save a plain-English summary for one carer (or a young person) to keep",
        description="Save a plain-English summary for one person. Sensitive items (domestic abuse, social "
        "care, mental health, sexual health, substance use, anything marked sensitive, restricted records, "
        "safeguarding discussions) and other carers' items are left out. --review FILE.json writes the "
        "list of what was left out (when FILE does not exist yet) or applies a manager's choices from it.",
    )
    p.add_argument("ref")
    p.add_argument(
        "--for",
        dest="person",
        metavar="NAME",
        help="the carer (or young person) it is for; needed when the family has more than one carer",
    )
    p.add_argument("--out", metavar="FILE.pdf", help="where to save the PDF")
    p.add_argument(
        "--review",
        type=path_arg,
        metavar="FILE.json",
        help="if FILE does not exist: write every left-out item with why, and no summary; "
        "if it does: make the summary with the items a manager put back in (each with a reason)",
    )
    p.add_argument(
        "--include-notes",
        action="store_true",
        help="include the notes staff wrote (managers only; lists every visit)",
    )
    p.add_argument(
        "--every-visit",
        action="store_true",
        help="list every time the setting helped (default: one line a month)",
    )
    p.set_defaults(handler=cmd_summary)

    p = fam.add_parser(
        "carer",
        help="say which carer an entry or referral concerns (managers only)",
        description="Say which carer of the family an entry or referral concerns, so that documents for "
        "another carer leave it out. An empty --carer clears it.",
    )
    p.add_argument("ref")
    p.add_argument("--entry", type=int, metavar="ID")
    p.add_argument("--referral", type=int, metavar="ID")
    p.add_argument("--carer", required=True, metavar="NAME", help="the carer's name ('' for none)")
    p.set_defaults(handler=cmd_carer)


def cmd_carer(ctx: CliContext, args: argparse.Namespace) -> int:
    if (args.entry is None) == (args.referral is None):
        raise UsageError("give one --entry ID or --referral ID")
    kind = ItemKind.ENTRY if args.entry is not None else ItemKind.REFERRAL
    item_id = args.entry if args.entry is not None else args.referral
    with ctx.open_session() as session:
        family = families.find_family(session, args.ref)
        name = document_review.set_item_carer(session, family, kind, item_id, args.carer)
    ctx.print(
        f"The {kind.value} {item_id} of {args.ref} is now about {name}."
        if name
        else f"The {kind.value} {item_id} of {args.ref} is no longer about one carer."
    )
    return 0


def _child(text: str) -> NewChild:
    name, sep, dob = text.rpartition(":")
    if sep and dob.strip()[:1].isdigit():
        return NewChild(name.strip(), parse_date(dob, "child date of birth"))
    return NewChild(text.strip())


def cmd_add(ctx: CliContext, args: argparse.Namespace) -> int:
    if len(args.relationship) > len(args.carer) or len(args.phone) > len(args.carer):
        raise UsageError("give each --relationship and --phone after its --carer")
    carers = tuple(
        Carer(
            name,
            args.relationship[i] if i < len(args.relationship) else "",
            args.phone[i] if i < len(args.phone) else "",
        )
        for i, name in enumerate(args.carer)
    )
    with ctx.open_session() as session:
        key_worker_id = None
        if args.key_worker:
            worker = staff_repo.get_staff_by_username(session.conn, args.key_worker.strip().lower())
            if worker is None:
                raise UsageError(f"no staff account called '{args.key_worker}'")
            key_worker_id = worker.id
        family = families.add_family(
            session,
            NewFamily(
                ref=args.ref,
                opened_on=parse_optional_date(args.opened, "opened") or session.clock.today(),
                carers=carers,
                postcode=args.postcode,
                home_la_code=args.home_la,
                key_worker_id=key_worker_id,
                notes=args.notes,
                children=tuple(_child(c) for c in args.child),
            ),
        )
    ctx.print(family.ref)
    return 0


def cmd_list(ctx: CliContext, args: argparse.Namespace) -> int:
    with ctx.open_session() as session:
        flt = FamilyFilter(search=args.search, status=args.status)
        offset = 0
        while batch := families.list_families(session, flt, offset=offset, limit=500):
            for family in batch:
                state = "open" if family.is_open else f"closed {family.closed_on.isoformat()}"
                ctx.print(
                    f"{family.ref:<14} {family.main_carer_name:<28} opened {family.opened_on.isoformat()}  {state}"
                )
            offset += len(batch)
    return 0


def cmd_show(ctx: CliContext, args: argparse.Namespace) -> int:
    reason = checked_reason(args)
    with ctx.open_session() as session:
        family = families.find_family(session, args.ref)
        children = {c.id: c for c in families.list_children(session, family.id)}
        ctx.print(
            f"{family.ref}  opened {family.opened_on.isoformat()}"
            + (f", closed {family.closed_on}" if family.closed_on else "")
        )
        received = transfer.received_from(session, family.id)
        received_ids = transfer.received_entry_ids(session, family.id) if received else set()
        if received:
            on = received.received_on or received.sealed_on
            ctx.print(
                f"  received from {received.other_setting_name} on {on.isoformat()}"
                " (rows marked [received] came with it)"
            )
        for carer in family.carers:
            relation = f" ({carer.relationship})" if carer.relationship else ""
            ctx.print(f"  carer: {carer.name}{relation} {carer.phone}".rstrip())
        for child in children.values():
            born = child.date_of_birth.isoformat() if child.date_of_birth else "date of birth not recorded"
            ctx.print(f"  child: {child.name} ({born})")
        for entry in support_log.family_chronology(session, family.id):
            if entry.restricted:
                if reason is None:
                    ctx.print(f"  {entry.entry_date.isoformat()} #{entry.id} {withheld_line('entry')}")
                    continue
                entry = support_log.open_restricted_entry(session, entry.id, reason)
            child = children.get(entry.child_id)
            who = f" [{child.name}]" if child else ""
            ctx.print(
                f"  {entry.entry_date.isoformat()} #{entry.id} {entry.domain.value}/{entry.kind.value} "
                f"{entry.minutes} min{who} {entry.note}".rstrip()
                + (" [received]" if entry.id in received_ids else "")
            )
    return 0


def cmd_summary(ctx: CliContext, args: argparse.Namespace) -> int:
    exporting = args.review is not None and not args.review.expanduser().exists()
    if args.out is None and not exporting:
        raise UsageError("say where to save the summary with --out FILE.pdf")
    with ctx.open_session() as session:
        if exporting:
            assessment = family_summary.review_file(session, args.ref, args.person, args.review)
            n = len(assessment.left_out)
            ctx.print(
                f"Wrote the review of the summary for {assessment.reader.name} ({assessment.family.ref}) to "
                f"{args.review}: {n} item{'' if n == 1 else 's'} left out. To put one in, a manager sets "
                '"include": true and a "reason", then runs this command again with --review. '
                "No summary was made."
            )
            return 0
        prepared = family_summary.write_summary(
            session,
            args.ref,
            Path(args.out),
            person=args.person,
            include_notes=args.include_notes,
            every_visit=args.every_visit,
            review=args.review,
        )
    pages = f"{prepared.pages} page{'s' if prepared.pages != 1 else ''}"
    notes = "with staff notes" if prepared.summary.include_notes else "without staff notes"
    summary = prepared.summary
    ctx.print(
        f"Saved the summary for {summary.made_for} ({summary.family.ref}) to {args.out} ({pages}, {notes})."
    )
    left_out = family_summary.left_out_note(summary)
    if left_out:
        ctx.print(left_out + ("" if args.review else " To see them: --review FILE.json."))
    warning = family_summary.check_first_warning(prepared.summary)
    if warning:
        ctx.print(warning)
    return 0

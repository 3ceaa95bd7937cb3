"""``log add | search``: recording support."""

from __future__ import annotations

import argparse

from setting_app.cli import CliContext
from setting_app.commands.restricted import add_reason_argument, checked_reason, withheld_line
from setting_app.domain.codes import ContactMode, Domain, Kind
from setting_app.domain.models import NewEntry
from setting_app.domain.validation import parse_code, parse_minutes, parse_optional_date
from setting_app.services import families, support_log


def register(sub: argparse._SubParsersAction) -> None:
    log = sub.add_parser("log", help="record support given").add_subparsers(
        dest="log_command", metavar="ACTION"
    )
    log.required = True
    p = log.add_parser("add", help="log one piece of support; prints the new entry's id once it is saved")
    p.add_argument("--family", required=True, help="the family's reference")
    p.add_argument("--domain", required=True, help="; ".join(d.value for d in Domain))
    p.add_argument("--kind", help="direct or indirect (default: the domain's usual kind)")
    p.add_argument("--minutes", required=True, help="time spent, 1 to 600")
    p.add_argument("--date", help="YYYY-MM-DD (default today)")
    p.add_argument("--child", help="the child's name (or key) in that family")
    p.add_argument(
        "--carer", default="", help="the carer it is about (their name), when it is about one carer"
    )
    p.add_argument("--activity", help="activity type code for that domain")
    p.add_argument(
        "--mode", default=ContactMode.IN_PERSON.value, help="; ".join(m.value for m in ContactMode)
    )
    p.add_argument("--note", default="")
    p.add_argument("--follow-up", help="follow-up date YYYY-MM-DD")
    p.set_defaults(handler=cmd_add)

    p = log.add_parser("search", help="search entry notes")
    p.add_argument("text")
    add_reason_argument(p)
    p.set_defaults(handler=cmd_search)


def cmd_add(ctx: CliContext, args: argparse.Namespace) -> int:
    domain = parse_code(Domain, args.domain, "domain")
    kind = parse_code(Kind, args.kind, "kind") if args.kind else None
    minutes = parse_minutes(args.minutes)
    mode = parse_code(ContactMode, args.mode, "mode")
    entry_date = parse_optional_date(args.date, "date")
    follow_up = parse_optional_date(args.follow_up, "follow-up")
    with ctx.open_session() as session:
        family = families.find_family(session, args.family)
        child = families.find_child(session, family, args.child) if args.child else None
        entry = support_log.log_entry(
            session,
            NewEntry(
                family_id=family.id,
                entry_date=entry_date or session.clock.today(),
                domain=domain,
                minutes=minutes,
                kind=kind,
                child_id=child.id if child else None,
                activity_code=args.activity,
                contact_mode=mode,
                note=args.note,
                follow_up_on=follow_up,
                carer=args.carer,
            ),
        )
    ctx.print(entry.id)
    return 0


def cmd_search(ctx: CliContext, args: argparse.Namespace) -> int:
    from setting_app.services import families

    reason = checked_reason(args)
    with ctx.open_session() as session:
        found = support_log.search_notes(session, args.text)
        refs: dict[int, str] = {}
        for entry in found:
            if entry.family_id not in refs:
                refs[entry.family_id] = families.get_family(session, entry.family_id).ref
            where = f"{entry.entry_date:%d/%m/%Y}  {refs[entry.family_id]}  entry {entry.id}"
            if entry.restricted:
                if reason is None:
                    ctx.print(f"{where}: {withheld_line('entry')}")
                    continue
                entry = support_log.open_restricted_entry(session, entry.id, reason)
            ctx.print(f"{where}: {entry.note}")
    if not found:
        ctx.print(f"No entry notes match '{args.text}'.")
    return 0

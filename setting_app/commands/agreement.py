"""``agreement list | add | import | show | attach | document | template``: the register of data-sharing
agreements (managers add and change; any member of staff may look)."""

from __future__ import annotations

import argparse
from dataclasses import replace

from setting_app.cli import CliContext, path_arg
from setting_app.domain.agreements import (
    Agreement,
    Direction,
    NewAgreement,
    PartyType,
    SpecialCategoryCondition,
    parse_party,
)
from setting_app.domain.codes import ServiceCategory
from setting_app.domain.errors import AppError, ValidationError
from setting_app.domain.referrals import LawfulBasis, SharingRecord
from setting_app.domain.validation import parse_date, parse_optional_date
from setting_app.services import agreements

#: Where ``agreement template`` finds its writer (another change adds it).
TEMPLATE_MODULE = "setting_app.services.agreement_template"


def _codes(enum) -> str:
    return ", ".join(m.value for m in enum)


def register(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("agreement", help="the register of data-sharing agreements").add_subparsers(
        dest="agreement_command", metavar="ACTION"
    )
    group.required = True

    p = group.add_parser("list", help="every agreement: id, title, parties, review date and status")
    p.add_argument("--current", action="store_true", help="leave out agreements that have ended")
    p.set_defaults(handler=cmd_list)

    p = group.add_parser("add", help="add an agreement (managers); prints its id")
    p.add_argument("--title", required=True)
    p.add_argument(
        "--party",
        action="append",
        default=[],
        metavar="NAME|TYPE|CATEGORY",
        help=(
            f"a party (repeat for each): its name, type ({_codes(PartyType)}), the referral category it "
            f"receives ({_codes(ServiceCategory)}; may be empty) and optionally |CONTACT"
        ),
    )
    p.add_argument("--purpose", required=True)
    p.add_argument("--data", dest="data_items", required=True, help="what data may flow, in plain words")
    p.add_argument("--direction", default=Direction.TO_PARTNERS.value, help=_codes(Direction))
    p.add_argument("--lawful-basis", required=True, help=f"UK GDPR article 6: {_codes(LawfulBasis)}")
    p.add_argument(
        "--special-category",
        default="",
        help=f"UK GDPR article 9(2) condition, if special-category data may flow: {_codes(SpecialCategoryCondition)}",
    )
    p.add_argument("--retention", required=True, help="how long the data is kept, and by whom")
    p.add_argument("--security", dest="security_measures", required=True, help="the security measures")
    p.add_argument("--start", required=True, help="YYYY-MM-DD")
    p.add_argument("--review", required=True, help="YYYY-MM-DD (after the start)")
    p.add_argument("--end", default="", help="YYYY-MM-DD, if it has an end date")
    p.add_argument("--notes", default="")
    p.set_defaults(handler=cmd_add)

    p = group.add_parser(
        "import", help="add agreements from a JSON file (one object or a list; all or nothing)"
    )
    p.add_argument("file", type=path_arg, metavar="FILE.json")
    p.set_defaults(handler=cmd_import)

    p = group.add_parser(
        "change", help="change an agreement (managers): only the fields given; --party replaces all parties"
    )
    p.add_argument("id")
    p.add_argument("--title")
    p.add_argument("--party", action="append", default=[], metavar="NAME|TYPE|CATEGORY")
    p.add_argument("--purpose")
    p.add_argument("--data", dest="data_items")
    p.add_argument("--direction", help=_codes(Direction))
    p.add_argument("--lawful-basis", help=_codes(LawfulBasis))
    p.add_argument("--special-category", help="an article 9(2) condition, or 'none'")
    p.add_argument("--retention")
    p.add_argument("--security", dest="security_measures")
    p.add_argument("--start", help="YYYY-MM-DD")
    p.add_argument("--review", help="YYYY-MM-DD (after the start)")
    p.add_argument("--end", help="YYYY-MM-DD, or 'none' to remove the end date")
    p.add_argument("--notes")
    p.set_defaults(handler=cmd_change)

    p = group.add_parser("show", help="one agreement in full, with the shares it covers")
    p.add_argument("id")
    p.set_defaults(handler=cmd_show)

    p = group.add_parser("missing", help="recent shares made without an agreement, with their reasons")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(handler=cmd_missing)

    p = group.add_parser("attach", help="keep the signed agreement (any file up to 20 MB) in the casebook")
    p.add_argument("id")
    p.add_argument("file", type=path_arg)
    p.set_defaults(handler=cmd_attach)

    p = group.add_parser("document", help="write the signed agreement back out, byte for byte")
    p.add_argument("id")
    p.add_argument(
        "--out", required=True, type=path_arg, help="a file (or a folder: the original name is kept)"
    )
    p.set_defaults(handler=cmd_document)

    p = group.add_parser("template", help="a data-sharing agreement template to fill in (PDF or DOCX)")
    p.add_argument("--agreement", type=int, metavar="ID", help="pre-fill it from this agreement")
    p.add_argument("--out", required=True, type=path_arg, metavar="FILE", help="FILE.pdf or FILE.docx")
    p.set_defaults(handler=cmd_template)


def _id(text: str) -> int:
    try:
        return int(str(text).lstrip("#"))
    except ValueError:
        raise ValidationError(
            "id", f"'{text}' is not an agreement id (a number, as 'agreement list' shows)"
        ) from None


def _line(a: Agreement, today) -> str:
    return (
        f"#{a.id:<4} {a.status(today).label:<15} review {a.review_on.isoformat()}  {a.title}  "
        f"[{a.party_names}]"
    )


def share_line(rec: SharingRecord) -> str:
    occasion = f"referral #{rec.referral_id}" if rec.referral_id else rec.occasion.label.lower()
    reason = f" | no agreement: {rec.no_agreement_reason}" if rec.agreement_id is None else ""
    if rec.agreement_id is None and not rec.no_agreement_reason:
        reason = " | no agreement (no reason recorded)"
    return f"{rec.decided_on.isoformat()} {rec.family_ref or '-':<10} to {rec.recipient} ({occasion}){reason}"


def cmd_list(ctx: CliContext, args: argparse.Namespace) -> int:
    with ctx.open_session() as session:
        today = session.clock.today()
        found = agreements.list_agreements(session, include_ended=not args.current)
        for a in found:
            ctx.print(_line(a, today))
        if not found:
            ctx.print("No data-sharing agreements recorded.")
    return 0


def cmd_add(ctx: CliContext, args: argparse.Namespace) -> int:
    agreement = NewAgreement(
        title=args.title,
        parties=tuple(parse_party(text) for text in args.party),
        purpose=args.purpose,
        data_items=args.data_items,
        direction=args.direction,
        lawful_basis=args.lawful_basis,
        special_category_condition=args.special_category or None,
        retention=args.retention,
        security_measures=args.security_measures,
        starts_on=parse_date(args.start, "start date"),
        review_on=parse_date(args.review, "review date"),
        ends_on=parse_optional_date(args.end, "end date"),
        notes=args.notes,
    )
    with ctx.open_session() as session:
        saved = agreements.add_agreement(session, agreement)
    ctx.print(saved.id)
    return 0


def cmd_change(ctx: CliContext, args: argparse.Namespace) -> int:
    agreement_id = _id(args.id)
    changes: dict = {}
    for name in (
        "title",
        "purpose",
        "data_items",
        "direction",
        "lawful_basis",
        "retention",
        "security_measures",
        "notes",
    ):
        value = getattr(args, name)
        if value is not None:
            changes[name] = value
    if args.party:
        changes["parties"] = tuple(parse_party(text) for text in args.party)
    if args.special_category is not None:
        changes["special_category_condition"] = (
            None if args.special_category.lower() == "none" else args.special_category
        )
    if args.start is not None:
        changes["starts_on"] = parse_date(args.start, "start date")
    if args.review is not None:
        changes["review_on"] = parse_date(args.review, "review date")
    if args.end is not None:
        changes["ends_on"] = None if args.end.lower() == "none" else parse_date(args.end, "end date")
    if not changes:
        raise ValidationError("change", "say what to change (for example --review YYYY-MM-DD)")
    with ctx.open_session() as session:
        current = agreements.get_agreement(session, agreement_id)
        base = NewAgreement(**{name: getattr(current, name) for name in NewAgreement.__dataclass_fields__})
        saved = agreements.update_agreement(session, agreement_id, replace(base, **changes))
        ctx.print(_line(saved, session.clock.today()))
    return 0


def cmd_import(ctx: CliContext, args: argparse.Namespace) -> int:
    data = agreements.read_import_file(args.file)  # read and parsed before unlocking
    with ctx.open_session() as session:
        saved = agreements.import_agreements(session, data)
    ctx.print(
        f"Imported {len(saved)} agreement{'' if len(saved) == 1 else 's'}: "
        + ", ".join(f"#{a.id}" for a in saved)
    )
    return 0


def cmd_show(ctx: CliContext, args: argparse.Namespace) -> int:
    agreement_id = _id(args.id)
    with ctx.open_session() as session:
        today = session.clock.today()
        a = agreements.get_agreement(session, agreement_id)
        shares = agreements.shares_covered(session, agreement_id)
    condition = a.special_category_condition
    lines = [
        f"Agreement #{a.id}: {a.title}",
        f"Status: {a.status(today).label}",
        f"Dates: from {a.starts_on.isoformat()}, review {a.review_on.isoformat()}"
        + (f", ends {a.ends_on.isoformat()}" if a.ends_on else ""),
        "Parties:",
        *(
            f"  - {p.name} ({PartyType(p.party_type).label}"
            + (
                f"; receives {ServiceCategory(p.service_category).value} referrals"
                if p.service_category
                else ""
            )
            + (f"; {p.contact}" if p.contact else "")
            + ")"
            for p in a.parties
        ),
        f"Purpose: {a.purpose}",
        f"Data that may flow: {a.data_items}",
        f"Direction: {Direction(a.direction).label}",
        f"Lawful basis (article 6): {LawfulBasis(a.lawful_basis).label}",
        "Special category condition (article 9): "
        + (SpecialCategoryCondition(condition).label if condition else "none"),
        f"Retention: {a.retention}",
        f"Security measures: {a.security_measures}",
    ]
    if a.notes:
        lines.append(f"Notes: {a.notes}")
    lines.append(
        f"Signed document: {a.document_name} ({a.document_size} bytes, SHA-256 {a.document_sha256})"
        if a.document_name
        else "Signed document: none attached"
    )
    lines.append(f"Shares it covers: {len(shares)}")
    lines += [f"  {share_line(rec)}" for rec in shares]
    for line in lines:
        ctx.print(line)
    return 0


def cmd_missing(ctx: CliContext, args: argparse.Namespace) -> int:
    with ctx.open_session() as session:
        found = agreements.shares_without_agreement(session, limit=max(1, min(args.limit, 1000)))
    for rec in found:
        ctx.print(share_line(rec))
    if not found:
        ctx.print("Every recent share named its data-sharing agreement.")
    return 0


def cmd_attach(ctx: CliContext, args: argparse.Namespace) -> int:
    agreement_id = _id(args.id)
    with ctx.open_session() as session:
        a = agreements.attach_document(session, agreement_id, args.file)
    ctx.print(
        f"Attached {a.document_name} ({a.document_size} bytes, SHA-256 {a.document_sha256}) to #{a.id}."
    )
    return 0


def cmd_document(ctx: CliContext, args: argparse.Namespace) -> int:
    agreement_id = _id(args.id)
    with ctx.open_session() as session:
        written = agreements.save_document(session, agreement_id, args.out)
    ctx.print(f"Wrote {written}.")
    return 0


def load_template_writer():
    """The template writer, or a plain error while it is not part of this build."""
    import importlib

    try:
        module = importlib.import_module(TEMPLATE_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != TEMPLATE_MODULE:
            raise
        raise AppError("Making agreement templates is not available in this version.") from None
    return module.write_template


def cmd_template(ctx: CliContext, args: argparse.Namespace) -> int:
    if args.out.suffix.lower() not in (".pdf", ".docx"):
        raise ValidationError("out", f"'{args.out}' should end .pdf or .docx")
    write_template = load_template_writer()
    with ctx.open_session() as session:
        if args.agreement is not None:
            agreements.get_agreement(session, args.agreement)
        written = write_template(session, args.out, agreement_id=args.agreement)
    ctx.print(f"Wrote {written}.")
    return 0

"""``selfeval record | list | export``: the integration self-evaluation from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path

from setting_app.cli import CliContext, UsageError
from setting_app.domain.errors import ValidationError
from setting_app.domain.self_evaluation import INGREDIENT_CODES, SCALE, SPECS, rating_text
from setting_app.services import self_evaluation

SCALE_HELP = ", ".join(f"{n} {w}" for n, w in SCALE.items())


def register(sub: argparse._SubParsersAction) -> None:
    top = sub.add_parser(
        "selfeval", help="the integration self-evaluation: record it, list it, save it as a PDF"
    ).add_subparsers(dest="selfeval_command", metavar="ACTION")
    top.required = True

    p = top.add_parser(
        "record",
        help="record a completed self-evaluation (managers only)",
        description=f"Rate every ingredient from 1 to 4 ({SCALE_HELP}). Ingredients: {', '.join(INGREDIENT_CODES)}.",
    )
    p.add_argument(
        "--rating",
        action="append",
        default=[],
        metavar="INGREDIENT=N",
        help="a rating, once per ingredient (all six are needed)",
    )
    p.add_argument(
        "--evidence",
        action="append",
        default=[],
        metavar="INGREDIENT=TEXT",
        help="an evidence note for an ingredient (optional; stays in the setting)",
    )
    p.add_argument("--on", metavar="DATE", help="the day it was completed (YYYY-MM-DD; default today)")
    p.add_argument(
        "--from",
        dest="from_file",
        metavar="FILE.json",
        help='read it from JSON: {"completed_on": ..., "ratings": {...}, "evidence": {...}}',
    )
    p.set_defaults(handler=cmd_record)

    p = top.add_parser("list", help="every self-evaluation, newest first, with its ratings")
    p.set_defaults(handler=cmd_list)

    p = top.add_parser("export", help="save the latest self-evaluation of a year as a one-page PDF")
    p.add_argument("--year", required=True, metavar="YYYY", help="the calendar year it was completed in")
    p.add_argument("--out", required=True, metavar="FILE.pdf", help="where to save the PDF")
    p.set_defaults(handler=cmd_export)


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{option} takes INGREDIENT=VALUE (got '{value}')")
        if key.strip() in pairs:
            raise UsageError(f"{option} {key.strip()} is given twice")
        pairs[key.strip()] = text
    return pairs


def cmd_record(ctx: CliContext, args: argparse.Namespace) -> int:
    if args.from_file and (args.rating or args.evidence or args.on):
        raise UsageError("give either --from FILE.json or --rating/--evidence/--on, not both")
    if not args.from_file and not args.rating:
        raise UsageError("give a --rating INGREDIENT=N for each ingredient, or --from FILE.json")
    ratings = _pairs(args.rating, "--rating")
    evidence = _pairs(args.evidence, "--evidence")
    with ctx.open_session() as session:
        session.require_manager("complete the integration self-evaluation")
        if args.from_file:
            new = self_evaluation.parse_file(Path(args.from_file), today=session.clock.today())
            saved = self_evaluation.save(session, new)
        else:
            saved = self_evaluation.record(session, ratings, evidence, completed_on=args.on)
        earlier = self_evaluation.previous(session, saved)
        compared = self_evaluation.compare(saved, earlier)
    ctx.print(f"Self-evaluation #{saved.id} of {saved.completed_on.isoformat()} recorded.")
    for row in compared.rows:
        ctx.print(f"  {row.spec.title:<46} {rating_text(row.rating):<18} {row.change}")
    return 0


def cmd_list(ctx: CliContext, args: argparse.Namespace) -> int:
    with ctx.open_session() as session:
        found = self_evaluation.list_evaluations(session)
    if not found:
        ctx.print("No self-evaluation has been recorded yet.")
        return 0
    codes = list(INGREDIENT_CODES)
    ctx.print("Ingredients: " + "; ".join(f"{i + 1} {SPECS[c].title}" for i, c in enumerate(codes)))
    ctx.print(f"{'#':>4}  {'completed':<10}  {'by':<12}  ratings (in that order)")
    for evaluation in found:
        by = evaluation.by_ingredient()
        marks = " ".join(str(by[c].rating) if c in by else "-" for c in codes)
        ctx.print(
            f"{evaluation.id:>4}  {evaluation.completed_on.isoformat():<10}  {evaluation.completed_by:<12}  {marks}"
        )
    return 0


def cmd_export(ctx: CliContext, args: argparse.Namespace) -> int:
    text = str(args.year).strip()
    if not (text.isdigit() and len(text) == 4):
        raise UsageError(f"--year takes a year like 2026 (got '{args.year}')")
    if Path(args.out).suffix.lower() != ".pdf" and not Path(args.out).is_dir():
        raise ValidationError("out", f"'{args.out}' should end .pdf (the file is a PDF)")
    with ctx.open_session() as session:
        evaluation = self_evaluation.latest_in_year(session, int(text))
        pages = self_evaluation.save_pdf(session, evaluation, Path(args.out))
    ctx.print(
        f"Saved the self-evaluation of {evaluation.completed_on.isoformat()} to {args.out} "
        f"({pages} page{'s' if pages != 1 else ''})."
    )
    return 0

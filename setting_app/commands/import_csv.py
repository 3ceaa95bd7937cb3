"""``import-csv FILE``: bring a support spreadsheet (saved as CSV) into the casebook.

Without ``--mapping`` the command only suggests: it shows which column it thinks is which and what
it thinks the setting's words mean, lists every problem, and with ``--save-mapping`` writes that
suggestion to a file to check and complete. With ``--mapping`` it imports every row or, if any row has
a problem, nothing.
"""

from __future__ import annotations

import argparse

from setting_app.cli import CliContext, path_arg
from setting_app.domain.csv_mapping import FIELD_LABELS, FIELDS, CsvMapping
from setting_app.domain.errors import AppError, ImportRejected
from setting_app.services import csv_import

PREVIEW_ROWS = 5


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import-csv",
        help="import support entries from a spreadsheet saved as CSV (all rows or none)",
        description=(
            "Run it first without --mapping to see the suggested mapping and any problems; save the "
            "suggestion with --save-mapping, check it (give every word listed as null a domain), then "
            "run again with --mapping."
        ),
    )
    p.add_argument("file", type=path_arg, help="the spreadsheet, saved as CSV (UTF-8 or Windows-1252)")
    p.add_argument("--mapping", type=path_arg, help="a mapping file saved before (JSON)")
    p.add_argument(
        "--save-mapping",
        type=path_arg,
        metavar="OUT",
        help="write the mapping (with suggestions for anything new in this file) to OUT",
    )
    p.add_argument("--dry-run", action="store_true", help="check every row and show a preview; save nothing")
    p.set_defaults(handler=cmd_import)


def _print_mapping(ctx: CliContext, mapping: CsvMapping) -> None:
    ctx.print("Columns:")
    for name in FIELDS:
        ctx.print(f"  {FIELD_LABELS[name]}: {mapping.column(name) or '(none)'}")
    if mapping.categories:
        ctx.print("Your words for the area of support:")
        for word, choice in sorted(mapping.categories.items()):
            meaning = "NOT CHOSEN YET" if choice is None else choice.domain.value
            if choice is not None and choice.kind is not None:
                meaning += f", {choice.kind.value}"
            ctx.print(f"  {word} -> {meaning}")
    if mapping.kinds:
        ctx.print("Your words for direct or indirect:")
        for word, kind in sorted(mapping.kinds.items()):
            ctx.print(f"  {word} -> {kind.value if kind else 'NOT CHOSEN YET'}")


def cmd_import(ctx: CliContext, args: argparse.Namespace) -> int:
    table = csv_import.read_table(args.file)
    blanks = f" ({_count(table.blank_rows, 'blank row')} skipped)" if table.blank_rows else ""
    ctx.print(f"Read {table.name}: {len(table.rows)} rows{blanks}, {table.encoding}.")
    saved = csv_import.load_mapping(args.mapping) if args.mapping else None
    mapping = saved if saved is not None else csv_import.suggest_mapping(table)
    if args.save_mapping:
        try:
            csv_import.save_mapping(csv_import.suggest_mapping(table, saved), args.save_mapping)
        except OSError as exc:
            raise AppError(
                f"The mapping could not be saved to {args.save_mapping}: {exc.strerror or exc}."
            ) from None
        ctx.print(f"Mapping written to {args.save_mapping}: check it before importing with --mapping.")
    _print_mapping(ctx, mapping)
    with ctx.open_session() as session:
        plan = csv_import.plan_import(session, table, mapping)
        ctx.print("Preview:")
        for row in plan.rows[:PREVIEW_ROWS]:
            shown = row.shown
            ctx.print(
                f"  row {row.row}: {shown['date']} {shown['family']} {shown['child'] or '-'} "
                f"{shown['category']} ({shown['kind'] or '-'}) {shown['minutes']} min"
            )
        if plan.problems:
            ctx.error(f"Problems ({len(plan.problems)}):")
            for problem in plan.problems:
                ctx.error(f"  {problem}")
            raise ImportRejected(
                f"Nothing was imported: {_count(len(plan.problems), 'problem')} listed above. "
                "Fix the spreadsheet or the mapping and run again."
            )
        ready = f"{len(plan.entries)} rows ready to import, no problems."
        if saved is None:
            ctx.print(f"{ready} Nothing was imported: check the mapping, then run again with --mapping.")
            return 0
        if args.dry_run:
            ctx.print(f"{ready} Dry run: nothing was imported.")
            return 0
        result = csv_import.import_entries(session, table, mapping)
    ctx.print(
        f"Imported {result.entries} entries for {result.families} families "
        f"({result.first_date:%d/%m/%Y} to {result.last_date:%d/%m/%Y})."
    )
    return 0

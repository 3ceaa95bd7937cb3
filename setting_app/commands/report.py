"""``report monthly``: the managers' monthly summary as a PDF or as JSON."""

from __future__ import annotations

import argparse
import json

from setting_app.cli import CliContext, UsageError, path_arg
from setting_app.services.monthly_summary import (
    MonthlySummary,
    monthly_summary,
    parse_month,
    save_summary_file,
    show_summary,
)
from setting_app.services.report_pdf import render_monthly_pdf


def register(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help="reports for managers").add_subparsers(
        dest="report_command", metavar="REPORT"
    )
    report.required = True
    p = report.add_parser(
        "monthly",
        help="the monthly summary: a printable PDF, or its figures as JSON (managers only)",
        description="Make the monthly summary of family support for one month. The PDF and the JSON "
        "carry the same figures; neither holds names, dates of birth, postcodes or notes.",
    )
    p.add_argument("--month", required=True, help="the month, as YYYY-MM (for example 2026-10)")
    p.add_argument(
        "--format",
        choices=("pdf", "json"),
        default="pdf",
        help="pdf (default; needs --out) or json (printed, or saved to --out if given)",
    )
    p.add_argument("--out", type=path_arg, help="the file to save (for example summary-2026-10.pdf)")
    p.set_defaults(handler=cmd_monthly)


def _json_text(summary: MonthlySummary, *, ascii_only: bool = False) -> str:
    return json.dumps(summary.to_json_dict(), indent=2, ensure_ascii=ascii_only)


def cmd_monthly(ctx: CliContext, args: argparse.Namespace) -> int:
    month = parse_month(args.month, ctx.clock.today())
    if args.format == "pdf" and args.out is None:
        raise UsageError("say where to save the PDF with --out FILE.pdf (or use --format json)")
    with ctx.open_session() as session:
        if args.format == "json" and args.out is None:
            # On a terminal: every non-ASCII character as a JSON escape, so the output stays valid JSON.
            show_summary(session, month, lambda s: ctx.print(_json_text(s, ascii_only=True)))
            return 0
        summary = monthly_summary(session, month)
        if args.format == "json":
            text = _json_text(summary)
            target = save_summary_file(session, summary, (text + "\n").encode("utf-8"), args.out, kind="json")
            ctx.print(f"Saved the figures for {month.label} to {target}.")
            return 0
        rendered = render_monthly_pdf(summary)
        save_summary_file(session, summary, rendered.data, args.out, kind="pdf")
    pages = "page" if rendered.pages == 1 else "pages"
    ctx.print(f"Saved the monthly summary for {month.label} to {args.out} ({rendered.pages} {pages}).")
    return 0

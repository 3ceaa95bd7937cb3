"""``subject-access REF [--child NAME] --out-dir DIR``: a subject access pack (PDF and record file).

Other families' references and names found in the pack's free text are redacted unless ``--keep``
names them; ``--redact-staff`` redacts staff names too, ``--redact TEXT`` anything else. ``--list``
shows what would be redacted and writes nothing.
"""

from __future__ import annotations

import argparse

from setting_app.cli import CliContext, UsageError, path_arg
from setting_app.services import subject_access


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "subject-access",
        help="write a subject access pack (PDF and record file) for a family or one child (managers only)",
        description="Write <REF>-subject-access.pdf and .json: everything held about the family or child, "
        "the information-sharing record and the access audit. Other families' references and names found "
        "in the notes are replaced by [redacted] unless --keep names them; --list shows them first.",
    )
    p.add_argument("ref", metavar="REF", help="the family's reference")
    p.add_argument(
        "--child", metavar="NAME", help="a pack about one child (name or key) instead of the family"
    )
    p.add_argument("--out-dir", type=path_arg, metavar="DIR", help="the folder to write the two files into")
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
        help="do not redact this flagged text (it was checked and is not about someone else)",
    )
    p.add_argument("--recipient", default=subject_access.DEFAULT_RECIPIENT, help="who the pack is for")
    p.add_argument("--list", action="store_true", help="list what would be redacted, and write nothing")
    p.set_defaults(handler=cmd_subject_access)


def cmd_subject_access(ctx: CliContext, args: argparse.Namespace) -> int:
    if not args.list and args.out_dir is None:
        raise UsageError("say where to write the pack with --out-dir DIR (or use --list)")
    with ctx.open_session() as session:
        _, candidates = subject_access.review(session, args.ref, args.child, include_staff=args.redact_staff)
        keep = {k.strip().lower() for k in args.keep}
        chosen = [c.text for c in candidates if c.text.lower() not in keep]
        if args.list:
            if not candidates:
                ctx.print("No other family's reference or name was found in the notes.")
            for c in candidates:
                ctx.print(f"{c.text}\t{c.why}\t{c.occurrences}x\t{c.example}")
            ctx.print("Nothing was written.")
            return 0
        written = subject_access.write_pack(
            session,
            args.ref,
            args.out_dir,
            child=args.child,
            redact=[*chosen, *args.redact],
            recipient=args.recipient,
        )
    ctx.print(
        f"Wrote {written.pdf} ({written.pages} page{'' if written.pages == 1 else 's'}) and {written.json}: "
        f"{written.entries} entr{'y' if written.entries == 1 else 'ies'}, "
        f"{written.referrals} referral{'' if written.referrals == 1 else 's'}, "
        f"{written.redactions} passage{'' if written.redactions == 1 else 's'} redacted "
        f"({len(written.redacted_texts)} text{'' if len(written.redacted_texts) == 1 else 's'}; --list shows them)."
    )
    if written.restricted:
        restricted = written.restricted
        ctx.print(
            f"The pack includes {restricted} restricted record{'' if restricted == 1 else 's'}: "
            "check them before the pack is sent."
        )
    return 0

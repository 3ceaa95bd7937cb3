"""Reading restricted records from the command line: as in the app, a manager gives a reason first,
and each record opened is one audit row (``support_log.open_restricted_entry`` and the referral twin)."""

from __future__ import annotations

import argparse

from setting_app.services.support_log import RESTRICTED_VIEW_REASONS, check_view_reason

REASON_CODES = ", ".join(RESTRICTED_VIEW_REASONS)


def add_reason_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--reason",
        dest="view_reason",
        default=None,
        help=f"managers: why you are opening restricted records, so they are shown and audited ({REASON_CODES})",
    )


def checked_reason(args: argparse.Namespace) -> str | None:
    """The reason code given, checked before anything is read; None if none was given."""
    return check_view_reason(args.view_reason) if args.view_reason is not None else None


def withheld_line(what: str) -> str:
    return f"restricted {what}: add --reason ({REASON_CODES}) to open it; opening it is audited"

"""``gui``: open the desktop app (also what ``setting-app`` with no command does)."""

from __future__ import annotations

import argparse
from pathlib import Path

from setting_app.cli import CliContext, path_arg


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gui", help="open the desktop app")
    p.add_argument(
        "--screenshots",
        type=path_arg,
        metavar="DIR",
        help="visit every screen offscreen as --user (passphrase from SETTING_APP_PASSPHRASE), "
        "save one PNG each into DIR, and exit",
    )
    p.set_defaults(handler=open_app)


def open_app(ctx: CliContext, args: argparse.Namespace) -> int:
    from setting_app.ui.app import run_app  # only now: the CLI must not load Qt for other commands

    screenshots: Path | None = getattr(args, "screenshots", None)
    code = run_app(ctx.data_dir, user=ctx.user, screenshots_dir=screenshots, clock=ctx.clock)
    if screenshots is not None and code == 0:
        names = sorted(p.name for p in screenshots.glob("*.png"))
        ctx.print(f"Saved {len(names)} screenshots in {screenshots}: {', '.join(names)}")
    return code

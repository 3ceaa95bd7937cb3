"""``demo``: a new casebook filled with a realistic synthetic setting, for trying the app."""

from __future__ import annotations

import argparse
import os

from setting_app.cli import PASSPHRASE_ENV, CliContext
from setting_app.domain.codes import Nation
from setting_app.domain.errors import AlreadyExists
from setting_app.domain.validation import parse_code
from setting_app.services import demo
from setting_app.services.casebook import casebook_exists

DEFAULT_DEMO_USER = "demo"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="create a new casebook filled with invented families, support and referrals (for trying the app)",
        description=(
            "Creates a new casebook in --data-dir (which must not hold one) for an invented setting, with "
            "synthetic families, support entries and referrals. The same --seed always makes the same records. "
            f"The manager is --user (default '{DEFAULT_DEMO_USER}'); the passphrase is ${PASSPHRASE_ENV} "
            "when set, otherwise one is made up and printed."
        ),
    )
    p.add_argument("--families", type=int, default=40, help="how many families (default 40)")
    p.add_argument(
        "--months", type=int, default=12, help="how many months of history, ending today (default 12)"
    )
    p.add_argument("--seed", type=int, default=1, help="the same seed makes the same records (default 1)")
    p.add_argument(
        "--nation", default=Nation.ENGLAND.value, choices=[n.value for n in Nation], help="default england"
    )
    p.set_defaults(handler=cmd_demo)


def cmd_demo(ctx: CliContext, args: argparse.Namespace) -> int:
    if casebook_exists(ctx.data_dir):
        raise AlreadyExists(
            f"{ctx.data_dir} already holds a casebook; the demo needs a new, empty data folder "
            "(use --data-dir). Nothing was changed."
        )
    username = ctx.user or DEFAULT_DEMO_USER
    passphrase = os.environ.get(PASSPHRASE_ENV)
    chosen_here = passphrase is None
    if chosen_here:
        nation = parse_code(Nation, args.nation, "nation")
        passphrase = demo.readable_passphrase(user_inputs=demo.own_words(username, nation))
    result = demo.build_demo(
        ctx.data_dir,
        families=args.families,
        months=args.months,
        seed=args.seed,
        username=username,
        passphrase=passphrase,
        kdf=ctx.kdf,
        clock=ctx.clock,
        nation=parse_code(Nation, args.nation, "nation"),
    )
    ctx.print(f"Created a demo casebook in {ctx.data_dir} ({result.seconds:.1f} s):")
    ctx.print(
        f"    {result.families:,} families ({result.open_families:,} open), {result.children:,} children"
    )
    ctx.print(f"    {result.entries:,} support entries")
    ctx.print(f"    {result.referrals:,} referrals with {result.status_changes:,} status changes")
    ctx.print(f"    {result.staff} staff: manager '{username}' and {result.staff - 1} practitioners")
    ctx.print("")
    if chosen_here:
        ctx.print(f"Passphrase for {username}: {passphrase}")
    else:
        ctx.print(f"Passphrase for {username}: the one in ${PASSPHRASE_ENV}")
    ctx.print("")
    ctx.print("RECOVERY CODE (shown once):")
    ctx.print(f"    {result.recovery_code}")
    ctx.print("")
    ctx.print("Everything in it is invented. Open it with:")
    ctx.print(f"    setting-app --data-dir {ctx.data_dir} --user {username}")
    return 0

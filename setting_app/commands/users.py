"""``users add | list | passwd``: staff accounts."""

from __future__ import annotations

import argparse

from setting_app.cli import CliContext
from setting_app.domain.codes import Role
from setting_app.services import key_rotation, staff
from setting_app.storage.instance_lock import InstanceLock


def register(sub: argparse._SubParsersAction) -> None:
    users = sub.add_parser("users", help="staff accounts").add_subparsers(
        dest="users_command", metavar="ACTION"
    )
    users.required = True
    p = users.add_parser(
        "add",
        help="add a staff account (managers only)",
        description="Add a staff account. Your own passphrase comes from $SETTING_APP_PASSPHRASE (or is asked "
        "for); the new account's first passphrase from $SETTING_APP_NEW_PASSPHRASE (or is asked for twice).",
    )
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument("--name", default="", help="display name")
    p.set_defaults(handler=cmd_add)
    p = users.add_parser("list", help="list staff accounts")
    p.set_defaults(handler=cmd_list)
    p = users.add_parser(
        "passwd",
        help="change your own passphrase",
        description="Change your passphrase: the current one from $SETTING_APP_PASSPHRASE, the new one from "
        "$SETTING_APP_NEW_PASSPHRASE (each asked for when not set).",
    )
    p.set_defaults(handler=cmd_passwd)
    p = users.add_parser(
        "remove", help="someone has left: switch their account off and change the casebook's key (managers)"
    )
    p.add_argument("username")
    p.set_defaults(handler=cmd_remove)


def cmd_add(ctx: CliContext, args: argparse.Namespace) -> int:
    with ctx.open_session() as session:
        session.require_manager("add staff accounts")
        new = ctx.new_passphrase(f"Passphrase for {args.username}: ")
        user = staff.add_user(session, args.username, args.role, new, display_name=args.name, kdf=ctx.kdf)
    ctx.print(f"Added {user.username} ({user.role.value}).")
    return 0


def cmd_list(ctx: CliContext, args: argparse.Namespace) -> int:
    with ctx.open_session() as session:
        for user in staff.list_users(session):
            state = "" if user.active else "  (switched off)"
            ctx.print(f"{user.username:<20} {user.role.value:<13} {user.display_name}{state}")
    return 0


def cmd_passwd(ctx: CliContext, args: argparse.Namespace) -> int:
    with ctx.open_session() as session:
        current = ctx.passphrase()
        staff.change_passphrase(session, current, ctx.new_passphrase(), kdf=ctx.kdf)
    ctx.print("Passphrase changed.")
    return 0


def cmd_remove(ctx: CliContext, args: argparse.Namespace) -> int:
    # The app must not be open on this casebook while its key changes.
    with InstanceLock(ctx.data_dir), ctx.open_session() as session:
        result = key_rotation.remove_staff_member(session, args.username)
        result.session.close()
    ctx.print(f"{args.username} can no longer open the casebook; its key has been changed.")
    ctx.print("Backups made before today still open with the old passphrases: keep them locked away.")
    return 0

"""``backup`` and ``restore``."""

from __future__ import annotations

import argparse
import os

from setting_app.cli import CliContext, path_arg
from setting_app.services import backup


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="write an encrypted, checked backup of the casebook (managers)")
    p.add_argument("--out", type=path_arg, required=True, help="the backup file (or a folder to put it in)")
    p.set_defaults(handler=cmd_backup)
    p = sub.add_parser(
        "restore", help="check a backup fully, then put it in place of the casebook (the old one is kept)"
    )
    p.add_argument(
        "--from",
        dest="source",
        type=path_arg,
        required=True,
        help="the backup file (if your passphrase changed since it was made, set "
        "SETTING_APP_BACKUP_PASSPHRASE to the one you had then)",
    )
    p.add_argument("--check-only", action="store_true", help="check the backup without restoring it")
    p.set_defaults(handler=cmd_restore)


def cmd_backup(ctx: CliContext, args: argparse.Namespace) -> int:
    with ctx.open_session() as session:
        info = backup.make_backup(session, args.out)
    ctx.print(f"Backup written to {info.path} ({info.size_bytes / 1e6:.1f} MB).")
    return 0


def cmd_restore(ctx: CliContext, args: argparse.Namespace) -> int:
    user = ctx.require_user()
    passphrase = ctx.passphrase(f"Passphrase of {user}: ")
    # If it changed since the backup was made, the one it had then (the backup's key slot needs it).
    backup_passphrase = os.environ.get("SETTING_APP_BACKUP_PASSPHRASE") or None
    if args.check_only:
        info = backup.check_backup(args.source, user, backup_passphrase or passphrase)
        ctx.print(
            f"The backup is intact: {info.setting_name}, made {info.created_at:%d/%m/%Y %H:%M} UTC by {info.created_by}."
        )
        return 0
    info, kept = backup.restore_backup(
        ctx.data_dir, args.source, user, passphrase, clock=ctx.clock, backup_passphrase=backup_passphrase
    )
    ctx.print(f"Restored the backup made {info.created_at:%d/%m/%Y %H:%M} UTC by {info.created_by}.")
    if kept is not None:
        ctx.print(f"The casebook it replaced is kept in {kept}.")
    return 0

"""``setting-app``: the command line. Each command group lives in ``setting_app/commands/``.

Exit status: 0 success; 1 failure, with one plain line on stderr; 2 usage error.
With no command, the desktop app opens.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
import traceback
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from setting_app import __version__
from setting_app.domain.clock import SYSTEM_CLOCK, Clock
from setting_app.domain.errors import AppError
from setting_app.domain.text_safety import for_terminal
from setting_app.paths import default_data_dir
from setting_app.storage.keyslots import PRODUCTION_KDF, KdfParams

PASSPHRASE_ENV = "SETTING_APP_PASSPHRASE"
NEW_PASSPHRASE_ENV = "SETTING_APP_NEW_PASSPHRASE"
RECOVERY_CODE_ENV = "SETTING_APP_RECOVERY_CODE"
DATA_DIR_ENV = "SETTING_APP_DATA_DIR"
USER_ENV = "SETTING_APP_USER"

log = logging.getLogger("setting_app")

#: Every environment variable the app reads, for ``--help`` (the README has the same list).
ENVIRONMENT_HELP = f"""environment variables:
  {PASSPHRASE_ENV}      your passphrase, for scripts (otherwise asked for without echo)
  {NEW_PASSPHRASE_ENV}  the new passphrase for 'users add', 'users passwd' and 'recover'
  {RECOVERY_CODE_ENV}   the recovery code for 'recover'
  SETTING_APP_BACKUP_PASSPHRASE  for 'restore': your passphrase when the backup was made, if it changed
  {DATA_DIR_ENV}        the data folder (instead of --data-dir)
  {USER_ENV}            your staff username (instead of --user)
  XDG_DATA_HOME / LOCALAPPDATA  where the default data folder is (Linux / Windows)

Keep passphrases out of shell history: prefer being asked, or set them in the script's environment."""


class UsageError(Exception):
    """Wrong words on the command line: exit status 2."""


@dataclass
class CliContext:
    """What every command gets: where the data is, who is asking, and the test seams."""

    data_dir: Path
    user: str | None
    clock: Clock = SYSTEM_CLOCK
    kdf: KdfParams = PRODUCTION_KDF
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)

    def print(self, *parts: object) -> None:
        """Every line a command shows goes through here: control characters in stored text are shown
        as visible escapes (``\\x1b``), never sent to the terminal."""
        print(for_terminal(" ".join(str(p) for p in parts)), file=self.out)

    def error(self, *parts: object) -> None:
        """A line on stderr, escaped like ``print``."""
        print(for_terminal(" ".join(str(p) for p in parts)), file=self.err)

    def _secret(self, env: str, prompt: str) -> str:
        value = os.environ.get(env)
        if value is not None:
            return value
        if not sys.stdin or not sys.stdin.isatty():
            raise AppError(f"No passphrase given: set {env} or run this in a terminal to be asked.")
        return getpass.getpass(prompt)

    def passphrase(self, prompt: str = "Passphrase: ") -> str:
        return self._secret(PASSPHRASE_ENV, prompt)

    def new_passphrase(self, prompt: str = "New passphrase: ") -> str:
        value = os.environ.get(NEW_PASSPHRASE_ENV)
        if value is not None:
            return value
        first = self._secret(NEW_PASSPHRASE_ENV, prompt)
        if getpass.getpass("Type it again: ") != first:
            raise AppError("The two passphrases were not the same; nothing was changed.")
        return first

    def recovery_code(self) -> str:
        return self._secret(RECOVERY_CODE_ENV, "Recovery code: ")

    def require_user(self) -> str:
        if not self.user:
            raise UsageError("say who you are with --user NAME (or set SETTING_APP_USER)")
        return self.user

    def open_session(self):
        """Unlock the casebook as --user. The caller closes the session."""
        from setting_app.services.casebook import unlock

        return unlock(self.data_dir, self.require_user(), self.passphrase(), clock=self.clock)


def path_arg(text: str) -> Path:
    """An argparse ``type`` for a file or folder name: an empty name is a usage error, not ``.``."""
    if not text.strip():
        raise argparse.ArgumentTypeError("a file or folder name is needed here, not an empty one")
    return Path(text)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would print usage and exit 2 itself
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    from setting_app.commands import register_all

    parser = _Parser(
        prog="setting-app",
        description="Family Support Log: an encrypted record of the family support an early years setting gives.",
        epilog=ENVIRONMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"setting-app {__version__}")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help=f"the folder holding the casebook (default: ${DATA_DIR_ENV} or {default_data_dir()})",
    )
    parser.add_argument("--user", help=f"your staff username (default: ${USER_ENV})")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    register_all(sub)
    return parser


def _data_dir(arg: Path | None) -> Path:
    if arg is not None:
        return arg.expanduser()
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env).expanduser() if env else default_data_dir()


def main(
    argv: Sequence[str] | None = None,
    *,
    kdf: KdfParams = PRODUCTION_KDF,
    clock: Clock = SYSTEM_CLOCK,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run one command. ``kdf`` and ``clock`` are test seams; the defaults are the production ones."""
    switch_off_core_dumps()
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        print(for_terminal(f"setting-app: usage: {exc}"), file=err)
        print("Run 'setting-app --help' for the commands.", file=err)
        return 2
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0)
    ctx = CliContext(
        data_dir=_data_dir(args.data_dir),
        user=(args.user or os.environ.get(USER_ENV) or None),
        clock=clock,
        kdf=kdf,
        out=out,
        err=err,
    )
    _warn_if_network_share(ctx)
    handler = getattr(args, "handler", None)
    try:
        _refuse_outputs_in_data_dir(ctx, args)
    except AppError as exc:
        print(for_terminal(f"setting-app: {exc}"), file=err)
        return 1
    if handler is None:
        from setting_app.commands.gui import open_app

        handler = open_app
        args.screenshots = None
    try:
        return int(handler(ctx, args) or 0)
    except UsageError as exc:
        print(for_terminal(f"setting-app: usage: {exc}"), file=err)
        return 2
    except AppError as exc:
        print(for_terminal(f"setting-app: {exc}{_command_line_hint(exc)}"), file=err)
        return 1
    except KeyboardInterrupt:
        print("setting-app: cancelled; nothing more was saved.", file=err)
        return 1
    except BrokenPipeError:
        return 1
    except Exception:
        reference = uuid.uuid4().hex[:8].upper()
        _record_crash(reference)
        print(
            f"setting-app: something went wrong that should not have (reference {reference}). "
            "Nothing more was saved. Please report the reference to your support contact.",
            file=err,
        )
        return 1


def _command_line_hint(exc: AppError) -> str:
    """The option that answers a message written for both the app and the command line."""
    from setting_app.domain.errors import ValidationError

    if isinstance(exc, ValidationError) and exc.field == "agreement" and "without one" in exc.problem:
        return ' (on the command line: --agreement ID, or --no-agreement-reason "why")'
    return ""


#: Options naming where a command writes (``--review FILE`` writes FILE when it is new): none of them
#: may point into the casebook's own folder.
OUTPUT_OPTIONS = ("out", "out_dir", "save_mapping", "screenshots", "review", "problems")


def _refuse_outputs_in_data_dir(ctx: CliContext, args: argparse.Namespace) -> None:
    """Nothing but the casebook's own files goes in its folder: a return, a key or a report there
    could be mistaken for (or replace) part of the casebook, and would sit beside it unprotected."""
    from setting_app.storage.fsutil import inside_folder

    for name in OUTPUT_OPTIONS:
        value = getattr(args, name, None)
        if name == "review" and not isinstance(value, Path):
            continue  # ``agreement add --review`` is a date, not a file
        if value and inside_folder(Path(value), ctx.data_dir):
            raise AppError(
                f"{value} is in the casebook's own folder ({ctx.data_dir}): save it somewhere else. "
                "Nothing was written."
            )


def switch_off_core_dumps() -> bool:
    """No core files: a crash dump would hold the data key and decrypted records in plain bytes.

    Both limits go to zero, so nothing later in the process can switch them back on. Returns whether
    it was done (there is no such limit on Windows).
    """
    try:
        import resource
    except ImportError:
        return False
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        return False
    return True


def _warn_if_network_share(ctx: CliContext) -> None:
    from setting_app.storage.database import network_share_warning

    warning = network_share_warning(ctx.data_dir)
    if warning:
        ctx.error(f"setting-app: warning: {warning}")


def _record_crash(reference: str) -> None:
    """Keep the traceback (code locations only, no record contents) for support, away from the screen."""
    from setting_app.storage.fsutil import append_private, ensure_private_dir

    log_dir = default_data_dir().parent / "setting-app-logs"
    try:
        ensure_private_dir(log_dir)
        exc_type, exc, tb = sys.exc_info()
        # Only the type and the stack: exception messages can quote record contents.
        append_private(
            log_dir / "errors.log",
            f"--- reference {reference}\n"
            + "".join(traceback.format_list(traceback.extract_tb(tb)))
            + f"{exc_type.__name__ if exc_type else 'Error'}\n",
        )
    except OSError:
        pass


if __name__ == "__main__":
    sys.exit(main())

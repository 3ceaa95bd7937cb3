"""Command groups of ``setting-app``: each module adds its subcommands with ``register(sub)``."""

from __future__ import annotations

import argparse
import importlib

#: One module per command group; add a name here to add its commands.
COMMAND_MODULES = (
    "casebook",
    "users",
    "family",
    "log",
    "records",
    "la",
    "referral",
    "demo",
    "backup",
    "report",
    "gui",
    "audit",
    "retention",
    "subject_access",
    "sensitive",
    "import_csv",
    "transfer",
    "agreement",
    "selfeval",
)


def register_all(sub: argparse._SubParsersAction) -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"setting_app.commands.{name}").register(sub)

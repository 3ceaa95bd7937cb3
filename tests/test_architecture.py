"""Layer rules that keep the codebase honest."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import setting_app

PACKAGE = Path(setting_app.__file__).parent


def _modules_outside_ui() -> list[str]:
    names = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = rel.parts
        if parts[1:2] == ("ui",) or parts[-1] == "__main__":
            continue
        names.append(".".join(p for p in parts if p != "__init__"))
    return sorted(set(names))


def test_nothing_outside_ui_imports_pyside6() -> None:
    """Import every non-UI module in a fresh interpreter; no PySide6 module may be loaded."""
    modules = _modules_outside_ui()
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "from setting_app.cli import build_parser\n"
        "build_parser()\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout
    assert len(modules) > 20


def test_no_source_file_outside_ui_mentions_pyside6() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "ui" in path.relative_to(PACKAGE).parts[:1]:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                if any(n.startswith(("PySide6", "shiboken6")) for n in names):
                    offenders.append(str(path))
    assert offenders == []


def test_only_storage_talks_to_sqlcipher() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "storage":
            continue
        text = path.read_text(encoding="utf-8")
        if "import sqlcipher3" in text or "from sqlcipher3" in text:
            offenders.append(str(rel))
    assert offenders == []


def test_every_cli_command_has_help() -> None:
    from setting_app.cli import build_parser

    parser = build_parser()
    missing = []

    def walk(p, prefix):
        for action in p._actions:
            if action.__class__.__name__ == "_SubParsersAction":
                helps = {a.dest: a.help for a in action._choices_actions}
                for name, sub in action.choices.items():
                    if not helps.get(name):
                        missing.append(f"{prefix}{name}")
                    walk(sub, f"{prefix}{name} ")

    walk(parser, "")
    assert missing == []

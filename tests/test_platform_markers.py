"""Every POSIX-only thing the tests use is skipped on Windows, so the suite runs on windows-latest in CI.

The test sources are read with ``ast``. A use of a POSIX-only API (POSIX permission bits, the umask,
POSIX signals, ``os.mkfifo``, ``resource``/``fcntl``/``pwd``..., ``/dev/`` and ``/bin/`` paths, Xvfb,
a ``.venv/bin`` path) must be guarded by one of:

- a skip on the test (or its class): ``@posix_only(reason=...)`` from ``conftest.py``, or a
  ``@pytest.mark.skipif(<condition>)`` whose condition is true on Windows (``sys.platform == "win32"``,
  ``not sys.platform.startswith("linux")``, ``not hasattr(os, "geteuid")`` ...);
- a module-level ``pytestmark`` skip, a module-level ``pytest.skip(..., allow_module_level=True)`` under
  such a condition, or ``pytest.importorskip`` of a POSIX-only module;
- an ``if`` on such a condition: inside its not-Windows branch, or after ``if <Windows>: pytest.skip()``
  (or ``return``);
- for a helper function or a module-level constant: every test or fixture using it is guarded.

A module-level ``import`` of a POSIX-only module is a collection error on Windows that no skip mark can
prevent: it must be inside ``try``/``except ImportError`` (or a function). The second test proves that
every test module imports with those modules missing, as on Windows.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent

POSIX_MODULES = frozenset({"resource", "fcntl", "pwd", "grp", "termios", "tty", "pty", "crypt"})
POSIX_OS = frozenset(
    {"geteuid", "getuid", "getegid", "getgid", "mkfifo", "umask", "fork", "kill", "killpg", "getpgid"}
    | {"setsid", "setpgrp", "getloadavg", "sync", "statvfs", "fchown", "chown", "lchown", "mknod"}
)
POSIX_SIGNALS = frozenset(
    {"SIGKILL", "SIGXFSZ", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGPIPE", "SIGCHLD"}
    | {"SIGSTOP", "SIGCONT", "SIGTSTP", "alarm", "setitimer", "pause", "pthread_kill", "siginterrupt"}
)
#: Substrings of string literals that name a POSIX-only place or program.
POSIX_STRINGS = ("/dev/", "/bin/", ".venv/bin", "xdotool", "xvfb", "/proc/")
#: Names a skip condition may use, as they are on Windows.
WINDOWS = {
    "sys": SimpleNamespace(platform="win32"),
    "os": SimpleNamespace(name="nt", sep="\\", environ={}),
    "hasattr": hasattr,
}


def condition_fails_on_windows(condition: ast.expr) -> str | None:
    """A skip condition is evaluated when the module is imported, before it can skip anything: one
    that calls ``os.geteuid()`` unguarded is an AttributeError on Windows. The POSIX-only name, if so."""
    try:
        code = compile(ast.fix_missing_locations(ast.Expression(condition)), "<condition>", "eval")
        eval(code, {"__builtins__": {}}, dict(WINDOWS))
    except AttributeError as exc:
        return next((name for name in POSIX_OS | POSIX_SIGNALS if repr(name) in str(exc)), None)
    except Exception:
        return None
    return None


@dataclass(frozen=True)
class Use:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def true_on_windows(condition: ast.expr) -> bool:
    """Whether a skip condition holds on Windows; unknown names make an operand count as false."""
    if isinstance(condition, ast.BoolOp):
        results = [true_on_windows(value) for value in condition.values]
        return any(results) if isinstance(condition.op, ast.Or) else all(results)
    try:
        code = compile(ast.fix_missing_locations(ast.Expression(condition)), "<condition>", "eval")
        return bool(eval(code, {"__builtins__": {}}, dict(WINDOWS)))
    except Exception:
        return False


def _is_pytest_call(node: ast.expr, *names: str) -> bool:
    func = node.func if isinstance(node, ast.Call) else None
    return isinstance(func, ast.Attribute) and func.attr in names and "pytest" in ast.unparse(func)


def skips_on_windows(mark: ast.expr, aliases: dict[str, ast.expr]) -> bool:
    """A decorator or pytestmark entry that skips on Windows."""
    if isinstance(mark, ast.Name) and mark.id in aliases:
        return skips_on_windows(aliases[mark.id], aliases)
    if isinstance(mark, ast.List | ast.Tuple):
        return any(skips_on_windows(element, aliases) for element in mark.elts)
    if not isinstance(mark, ast.Call):
        return False
    func = mark.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name == "posix_only":
        return True
    if name == "skipif" and mark.args:
        return true_on_windows(mark.args[0])
    return False


def _leaves_on_windows(statement: ast.stmt) -> bool:
    """``if <true on Windows>: ... pytest.skip(...)`` or ``return``: what follows never runs there."""
    if not (isinstance(statement, ast.If) and true_on_windows(statement.test)):
        return False
    last = statement.body[-1]
    if isinstance(last, ast.Return | ast.Raise):
        return True
    return isinstance(last, ast.Expr) and _is_pytest_call(last.value, "skip", "exit")


def imported_posix_modules(tree: ast.AST) -> frozenset[str]:
    """The POSIX-only modules a source imports anywhere (so ``resource.x`` there is that module)."""
    names = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            names |= {a.asname or a.name for a in n.names if a.name in POSIX_MODULES}
    return frozenset(names)


def posix_uses(node: ast.AST, imported: frozenset[str] = POSIX_MODULES) -> list[tuple[int, str]]:
    """The POSIX-only things ``node`` uses; ``imported``: the POSIX-only modules its file imports."""
    found: list[tuple[int, str]] = []
    # Docstrings and other bare strings are prose, not paths the test uses.
    docstrings = {
        id(n.value) for n in ast.walk(node) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)
    }
    for n in ast.walk(node):
        if isinstance(n, ast.Import):
            found += [
                (n.lineno, f"import {a.name}") for a in n.names if a.name.split(".")[0] in POSIX_MODULES
            ]
        elif isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] in POSIX_MODULES:
            found.append((n.lineno, f"from {n.module} import"))
        elif isinstance(n, ast.Attribute):
            base = n.value.id if isinstance(n.value, ast.Name) else ""
            if n.attr == "st_mode":
                found.append((n.lineno, "st_mode (POSIX permission bits)"))
            elif (
                (base == "os" and n.attr in POSIX_OS)
                or (base == "signal" and n.attr in POSIX_SIGNALS)
                or base in imported  # resource.setrlimit, fcntl.flock ...
            ):
                found.append((n.lineno, f"{base}.{n.attr}"))
        elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
            args = n.args[1:] if n.func.attr == "chmod" and ast.unparse(n.func) == "os.chmod" else n.args
            mode = args[0] if n.func.attr == "chmod" and args else None
            # Taking away the owner's write permission, or setting execute bits, means nothing on
            # Windows (os.chmod only sets the read-only flag there), so the test depends on POSIX.
            if (
                isinstance(mode, ast.Constant)
                and isinstance(mode.value, int)
                and (not mode.value & 0o200 or mode.value & 0o111)
            ):
                found.append((n.lineno, f"chmod({oct(mode.value)})"))
            if n.func.attr == "get_context" and any(
                isinstance(a, ast.Constant) and a.value in ("fork", "forkserver") for a in n.args
            ):
                found.append((n.lineno, "multiprocessing fork"))
        elif isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings:
            lowered = n.value.lower()
            found += [(n.lineno, f"the string {s!r}") for s in POSIX_STRINGS if s in lowered]
    return found


def _guarded_block(statements: list[ast.stmt]) -> tuple[list[ast.AST], list[ast.AST]]:
    """Split a block into (parts that may run on Windows, parts that cannot)."""
    runs: list[ast.AST] = []
    skipped: list[ast.AST] = []
    for index, statement in enumerate(statements):
        if _leaves_on_windows(statement):
            runs.append(statement.test)
            skipped += statement.body + statements[index + 1 :]
            return runs, skipped
        if isinstance(statement, ast.If) and isinstance(statement.test, ast.expr):
            on_windows = true_on_windows(statement.test)
            not_windows = true_on_windows(ast.UnaryOp(ast.Not(), statement.test))
            if on_windows or not_windows:
                taken, other = (statement.body, statement.orelse)
                if not_windows:
                    taken, other = other, taken
                sub_runs, sub_skipped = _guarded_block(taken)
                runs += [statement.test, *sub_runs]
                skipped += sub_skipped + other
                continue
        if isinstance(statement, ast.Try) and any(
            ast.unparse(h.type or ast.Name("BaseException")) in ("ImportError", "ModuleNotFoundError")
            for h in statement.handlers
        ):
            # try: import resource / except ImportError: the import itself is guarded.
            for inner in statement.body:
                (skipped if isinstance(inner, ast.Import | ast.ImportFrom) else runs).append(inner)
            runs += statement.handlers + statement.orelse + statement.finalbody
            continue
        if isinstance(statement, ast.For | ast.While | ast.With | ast.AsyncWith | ast.Try | ast.If):
            # Look inside for an early skip in a nested block.
            blocks = [getattr(statement, f, []) for f in ("body", "orelse", "finalbody")]
            blocks += [h.body for h in getattr(statement, "handlers", [])]
            head = [getattr(statement, f) for f in ("test", "iter", "target") if getattr(statement, f, None)]
            head += [item.context_expr for item in getattr(statement, "items", [])]
            runs += head
            for block in blocks:
                sub_runs, sub_skipped = _guarded_block(block)
                runs += sub_runs
                skipped += sub_skipped
            continue
        runs.append(statement)
    return runs, skipped


def unguarded_uses(source: str, path: str = "<test>") -> list[Use]:
    """The POSIX-only uses in a test module that would run on Windows."""
    tree = ast.parse(source)
    body = tree.body
    imported = imported_posix_modules(tree)
    problems: list[Use] = [
        Use(path, node.lineno, f"skip condition uses {name}, which fails on Windows before it can skip")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "skipif"
        and node.args
        and (name := condition_fails_on_windows(node.args[0]))
    ]
    aliases = {
        target.id: statement.value
        for statement in body
        if isinstance(statement, ast.Assign)
        for target in statement.targets
        if isinstance(target, ast.Name)
    }
    module_skipped = any(
        isinstance(s, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in s.targets)
        and skips_on_windows(s.value, aliases)
        for s in body
    )
    # Module level: imports run at collection, before any mark can skip.
    top_runs, _ = _guarded_block(body)
    for statement in top_runs:
        if isinstance(statement, ast.Import | ast.ImportFrom):
            problems += [Use(path, line, what) for line, what in posix_uses(statement, imported)]
        call = statement.value if isinstance(statement, ast.Expr | ast.Assign) else None
        if (
            isinstance(call, ast.Call)
            and _is_pytest_call(call, "importorskip")
            and any(isinstance(a, ast.Constant) and a.value in POSIX_MODULES for a in call.args)
        ):
            module_skipped = True
    if module_skipped:
        return problems

    # Units: module-level functions and classes (with their decorators), and module-level assignments.
    units: dict[str, ast.AST] = {}
    guarded: dict[str, bool] = {}
    for statement in top_runs:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            units[statement.name] = statement
            guarded[statement.name] = any(skips_on_windows(d, aliases) for d in statement.decorator_list)
        elif isinstance(statement, ast.Assign | ast.AnnAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id != "pytestmark":
                    units[target.id] = statement
                    guarded[target.id] = False

    def references(unit: ast.AST) -> set[str]:
        names = {n.id for n in ast.walk(unit) if isinstance(n, ast.Name)}
        for n in ast.walk(unit):
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef):
                names |= {a.arg for a in n.args.args + n.args.kwonlyargs}  # fixtures
        return names

    users = {
        name: [u for u, node in units.items() if u != name and name in references(node)] for name in units
    }

    def safe(name: str, seen: frozenset[str] = frozenset()) -> bool:
        if guarded[name]:
            return True
        if name in seen or not users[name]:
            return False
        return all(safe(user, seen | {name}) for user in users[name])

    def uses_in(unit: ast.AST) -> list[tuple[int, str]]:
        if isinstance(unit, ast.FunctionDef | ast.AsyncFunctionDef):
            runs, _ = _guarded_block(unit.body)
            return [u for part in runs for u in posix_uses(part, imported)]
        if isinstance(unit, ast.ClassDef):
            found: list[tuple[int, str]] = []
            for member in unit.body:
                if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef):
                    if any(skips_on_windows(d, aliases) for d in member.decorator_list):
                        continue
                    found += uses_in(member)
                else:
                    found += posix_uses(member, imported)
            return found
        return posix_uses(unit, imported)

    for name, unit in units.items():
        for line, what in uses_in(unit):
            if not safe(name):
                problems.append(Use(path, line, f"{what} in {name}"))
    for statement in top_runs:  # module-level code that is neither a def nor an assignment
        if not isinstance(
            statement,
            ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Assign | ast.AnnAssign,
        ) and not isinstance(statement, ast.Import | ast.ImportFrom):
            problems += [Use(path, line, what) for line, what in posix_uses(statement, imported)]
    return problems


def _test_sources() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if p.name != Path(__file__).name)


def test_every_posix_only_use_in_the_tests_is_skipped_on_windows() -> None:
    problems = [
        str(use)
        for path in _test_sources()
        for use in unguarded_uses(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert problems == [], (
        "POSIX-only in a test that would run on Windows: skip it with @posix_only(reason=...) from "
        "tests/conftest.py, or make it portable (conftest.assert_mode for permission bits):\n"
        + "\n".join(problems)
    )


def test_the_scan_really_finds_the_guarded_uses() -> None:
    """Without its guards, the suite's own POSIX-only tests are reported: the scan is not vacuous."""
    found = set()
    for path in _test_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found |= {what.split(" in ")[0] for _line, what in posix_uses(tree, imported_posix_modules(tree))}
    assert {"os.mkfifo", "signal.SIGKILL", "os.umask", "st_mode (POSIX permission bits)"} <= found
    assert "resource.setrlimit" in found and "import resource" in found


@pytest.mark.parametrize(
    ("source", "reported"),
    [
        ("def test_a(tmp_path):\n    os.mkfifo(tmp_path / 'p')\n", ["os.mkfifo in test_a"]),
        ("import fcntl\n", ["import fcntl"]),
        ("pytestmark = pytest.mark.skipif(True, reason='x')\nimport resource\n", ["import resource"]),
        ("try:\n    import resource\nexcept ImportError:\n    resource = None\n", []),
        (
            "@pytest.mark.skipif(sys.platform == 'win32', reason='SIGKILL')\n"
            "def test_a():\n    os.kill(1, signal.SIGKILL)\n",
            [],
        ),
        ("@posix_only(reason='umask')\ndef test_a():\n    os.umask(0)\n", []),
        (
            "@pytest.mark.skipif(sys.platform == 'darwin', reason='not this one')\n"
            "def test_a():\n    os.umask(0)\n",
            ["os.umask in test_a"],
        ),
        (
            "@pytest.mark.skipif(not hasattr(os, 'geteuid') or os.geteuid() == 0, reason='root')\n"
            "def test_a(p):\n    p.chmod(0o500)\n",
            [],
        ),
        ("def test_a(p):\n    p.chmod(0o500)\n", ["chmod(0o500) in test_a"]),
        ("def test_a(p):\n    os.chmod(p, 0o644)\n    p.chmod(0o600)\n", []),
        (
            "def test_a(p):\n    assert p.stat().st_mode & 0o777 == 0o600\n",
            ["st_mode (POSIX permission bits) in test_a"],
        ),
        (
            "def test_a(p):\n    if sys.platform == 'win32':\n        pytest.skip('posix')\n"
            "    assert p.stat().st_mode == 1\n",
            [],
        ),
        (
            "def test_a(p):\n    if sys.platform != 'win32':\n        assert p.stat().st_mode == 1\n"
            "    else:\n        assert p.stat().st_mode == 2\n",
            ["st_mode (POSIX permission bits) in test_a"],
        ),
        (  # a helper used only by skipped tests is fine; used by one that runs, it is not
            "def _script(p):\n    p.write_text('#!/bin/sh')\n\n"
            "@posix_only(reason='sh')\ndef test_a(tmp_path):\n    _script(tmp_path)\n",
            [],
        ),
        (
            "def _script(p):\n    p.write_text('#!/bin/sh')\n\n"
            "@posix_only(reason='sh')\ndef test_a(tmp_path):\n    _script(tmp_path)\n\n"
            "def test_b(tmp_path):\n    _script(tmp_path)\n",
            ["the string '/bin/' in _script"],
        ),
        ("def test_a():\n    '''Reads /dev/null.'''\n", []),
        ("def test_a():\n    multiprocessing.get_context('fork')\n", ["multiprocessing fork in test_a"]),
        (
            "@pytest.mark.skipif(os.geteuid() == 0, reason='root')\ndef test_a():\n    pass\n",
            ["skip condition uses geteuid, which fails on Windows before it can skip"],
        ),
        (
            "def test_a():\n    multiprocessing.get_context('spawn' if sys.platform == 'win32' else 'fork')\n",
            [],
        ),
    ],
)
def test_the_scan_tells_guarded_from_unguarded(source: str, reported: list[str]) -> None:
    assert [use.what for use in unguarded_uses(source)] == reported


BLOCK_POSIX_MODULES = textwrap.dedent(
    """
    import importlib.abc, sys

    class NotOnWindows(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {modules!r}:
                raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
            return None

    sys.meta_path.insert(0, NotOnWindows())
    import pytest
    sys.exit(pytest.main(["--collect-only", "-p", "no:randomly", {tests!r}]))
    """
)


@pytest.mark.slow
def test_every_test_module_imports_without_the_posix_only_modules() -> None:
    """As on Windows, where ``import resource`` or ``import fcntl`` fails: collection still succeeds."""
    code = BLOCK_POSIX_MODULES.format(modules=sorted(POSIX_MODULES), tests=str(TESTS))
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    last = result.stdout.strip().splitlines()[-1]
    assert "tests collected" in last and "error" not in last, result.stdout[-3000:]

"""Where the eesyscreener package itself is, for its large lookups and its own test files.

Looked for in this order: the folder or bare git directory named by ``EESYSCREENER_SOURCE``; a copy
under ``shared/eesyscreener`` (beside the repository, as CI lays it, or ``/work/shared``); the
snapshot fetched on a developer's machine (``/work/.mirror/dfe-analytical-services+eesyscreener/repo``).
Nothing of the package is kept in this repository: without it, the checks that need a large lookup
say ``NOT RUN`` and the tests that compare with the package's own files are skipped.
"""

from __future__ import annotations

import functools
import os
import subprocess
from pathlib import Path

from .rdata import read_rda

REPO_ROOT = Path(__file__).resolve().parents[2]
CANDIDATES = (
    REPO_ROOT.parent / "shared" / "eesyscreener",
    Path("/work/shared/eesyscreener"),
    Path("/work/.mirror/dfe-analytical-services+eesyscreener/repo"),
)


class PackageSource:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.is_git = (root / "HEAD").is_file() and (root / "objects").is_dir()

    def read(self, path: str) -> bytes | None:
        if self.is_git:
            done = subprocess.run(
                ["git", f"--git-dir={self.root}", "show", f"HEAD:{path}"],
                capture_output=True,
                check=False,
            )
            return done.stdout if done.returncode == 0 else None
        file = self.root / path
        return file.read_bytes() if file.is_file() else None

    def list(self, folder: str) -> list[str]:
        """File names directly in ``folder``."""
        if self.is_git:
            done = subprocess.run(
                ["git", f"--git-dir={self.root}", "ls-tree", "--name-only", f"HEAD:{folder}"],
                capture_output=True,
                text=True,
                check=False,
            )
            return done.stdout.splitlines() if done.returncode == 0 else []
        base = self.root / folder
        return sorted(p.name for p in base.iterdir()) if base.is_dir() else []

    def dataset(self, name: str):
        return _dataset(self.root, name)


@functools.cache
def _dataset(root: Path, name: str):
    raw = PackageSource(root).read(f"data/{name}.rda")
    return None if raw is None else read_rda(raw).get(name)


@functools.cache
def package_source() -> PackageSource | None:
    named = os.environ.get("EESYSCREENER_SOURCE")
    for root in ([Path(named)] if named else []) + list(CANDIDATES):
        source = PackageSource(root)
        if root.is_dir() and source.read("DESCRIPTION"):
            return source
    return None


def dataset(name: str):
    """One of the package's data sets (``{"columns", "rows"}`` for a data frame), or None."""
    source = package_source()
    return source.dataset(name) if source else None

"""Private files: 0600 in a 0700 directory whatever the umask (on Windows, a folder whose access-control
list names only its owner), and atomic replacement."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
#: For every os.open: without it a file is opened in text mode on Windows, where each b"\n" written
#: becomes b"\r\n" (a PDF or a key file corrupted). 0 elsewhere.
O_BINARY = getattr(os, "O_BINARY", 0)


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """Files created inside (by us or by SQLite: -wal, -shm, journals) are owner-only."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def make_private_dirs(path: Path) -> Path:
    """Make ``path`` and any missing parents, each one it makes 0700 whatever the umask.

    Folders that already exist are left as they are (a user's own Documents folder keeps its mode).
    """
    path = Path(path)
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(folder, PRIVATE_DIR_MODE)
    return path


def ensure_private_dir(path: Path) -> Path:
    """The casebook's own folders: made (with any missing parents) and kept 0700 whatever the umask."""
    make_private_dirs(path)
    os.chmod(path, PRIVATE_DIR_MODE)
    if on_windows():  # chmod there only sets the read-only flag: an access-control list instead
        from setting_app.storage.winacl import restrict_to_owner

        restrict_to_owner(path)
    return path


def on_windows() -> bool:
    return sys.platform == "win32"


def write_private_file(path: Path, data: bytes, *, overwrite: bool = True) -> None:
    """``data`` in a 0600 file whatever the umask: atomically replacing, or refusing an existing file
    (``FileExistsError``) when ``overwrite`` is false."""
    if overwrite:
        atomic_write(path, data)
        return
    with private_umask():
        fd = os.open(
            path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), PRIVATE_FILE_MODE
        )
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(path, PRIVATE_FILE_MODE)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise


def append_private(path: Path, text: str) -> None:
    """Append to a log file that is 0600 whatever the umask (made so if it was not)."""
    with private_umask():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | O_BINARY, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        if os.name == "posix":
            os.fchmod(handle.fileno(), PRIVATE_FILE_MODE)
        handle.write(text)


def make_private(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.chmod(path, PRIVATE_FILE_MODE)


def fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_file_beside(target: Path, data: bytes) -> Path:
    """``data`` written and fsynced to a new private temporary file in ``target``'s folder, ready to be
    renamed (or linked) into place by the caller. Raises OSError; nothing is left behind if it does."""
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    return Path(name)


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file beside the target, fsync, then rename over it.

    A crash leaves either the old file or the new one, never half of each.
    """
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with private_umask():
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | O_BINARY, PRIVATE_FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, PRIVATE_FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)


def inside_folder(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or lies within it (after following links and ``..``)."""
    try:
        target = Path(path).expanduser().resolve()
        root = Path(folder).expanduser().resolve()
    except (OSError, RuntimeError):
        return False
    return target == root or root in target.parents

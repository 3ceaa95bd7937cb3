"""Reading a file someone named, safely: regular files only, and never more than a size bound.

Every file the app reads from outside (a record file, a CSV, a mapping, a key, a backup, a transfer
file, a return) goes through here. A folder, a FIFO, a device (``/dev/zero``, ``/dev/stdin``) or a
socket is refused before a byte is read; a file larger than its bound is refused without being read,
and the bound is enforced while reading too (a file can grow after it was measured), so memory stays
bounded whatever is named.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from setting_app.domain.errors import AppError

MIB = 1024 * 1024

#: Bounds by kind of file. Generous for what the app writes itself; far below what would hurt memory.
KEY_FILE_LIMIT = 64 * 1024  # a key file, a public key, a slot file
SMALL_JSON_LIMIT = 1 * MIB  # a CSV mapping, a self-evaluation, a manifest
CSV_LIMIT = 16 * MIB  # 20,000 rows at most (csv_import.MAX_ROWS); parsing costs ~7x the size
LA_RETURN_LIMIT = 8 * MIB  # a whole return, all its files together (real ones are a few KB)
BACKUP_LIMIT = 16 * 1024 * MIB  # a zip read member by member, each member copied in blocks

_CHUNK = 1 * MIB


class InputRefused(AppError):
    """A file that cannot be read as asked: missing, not a regular file, unreadable or too large."""


def _size_words(limit: int) -> str:
    if limit >= MIB:
        return f"{limit // MIB} MB"
    return f"{max(1, limit // 1024)} KB"


def _what(path: Path, what: str) -> str:
    name = str(path) if str(path) else "(no name given)"
    return f"{what} {name}" if what else name


def check_regular_file(path: Path | str, what: str = "") -> os.stat_result:
    """The file's status, or ``InputRefused`` for a missing name, a folder, a FIFO, a device or a socket."""
    path = Path(path)
    label = _what(path, what)
    if not str(path).strip():
        raise InputRefused(f"No file was named{f' for the {what}' if what else ''}.")
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputRefused(f"There is no {what or 'file'} at {path}.") from None
    except PermissionError:
        raise InputRefused(f"{label} cannot be read: permission denied.") from None
    except OSError as exc:
        raise InputRefused(f"{label} cannot be read: {exc.strerror or exc}.") from None
    _refuse_kind(info, label)
    return info


def _refuse_kind(info: os.stat_result, label: str) -> None:
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise InputRefused(f"{label} is a folder, not a file.")
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        raise InputRefused(f"{label} is a pipe or socket, not a file; save it to a file first.")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise InputRefused(f"{label} is a device, not a file.")
    if not stat.S_ISREG(mode):
        raise InputRefused(f"{label} is not an ordinary file.")


def _too_large(label: str, limit: int) -> InputRefused:
    return InputRefused(f"{label} is too large (more than {_size_words(limit)}); nothing was read from it.")


@contextlib.contextmanager
def open_bounded(path: Path | str, limit: int, what: str = "") -> Iterator[BinaryIO]:
    """An open binary handle on a regular file no larger than ``limit`` (checked on the open handle too)."""
    path = Path(path)
    label = _what(path, what)
    info = check_regular_file(path, what)
    if info.st_size > limit:
        raise _too_large(label, limit)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputRefused(f"{label} cannot be read: {exc.strerror or exc}.") from None
    try:
        _refuse_kind(os.fstat(fd), label)  # swapped for a FIFO or device since the check above
        if os.fstat(fd).st_size > limit:
            raise _too_large(label, limit)
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        yield _LimitedReader(handle, limit, label)


class _LimitedReader:
    """A read-only file object that refuses to hand out more than ``limit`` bytes in total."""

    def __init__(self, handle: BinaryIO, limit: int, label: str) -> None:
        self._handle = handle
        self._left = limit
        self._limit = limit
        self._label = label
        self.name = getattr(handle, "name", label)

    def read(self, size: int = -1) -> bytes:
        want = self._left + 1 if size is None or size < 0 else min(size, self._left + 1)
        data = self._handle.read(want)
        self._left -= len(data)
        if self._left < 0:
            raise _too_large(self._label, self._limit)
        return data

    def read1(self, size: int = -1) -> bytes:
        return self.read(_CHUNK if size is None or size < 0 else size)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._handle.seekable()

    def seek(self, offset: int, whence: int = 0) -> int:
        position = self._handle.seek(offset, whence)
        self._left = self._limit - position
        return position

    def tell(self) -> int:
        return self._handle.tell()

    def close(self) -> None:
        self._handle.close()

    @property
    def closed(self) -> bool:
        return self._handle.closed

    def __iter__(self):
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def readline(self, size: int = -1) -> bytes:
        want = self._left + 1 if size is None or size < 0 else min(size, self._left + 1)
        line = self._handle.readline(want)
        self._left -= len(line)
        if self._left < 0:
            raise _too_large(self._label, self._limit)
        return line


def read_bytes(path: Path | str, limit: int, what: str = "") -> bytes:
    """The whole of a regular file no larger than ``limit``."""
    with open_bounded(path, limit, what) as handle:
        parts = []
        while chunk := handle.read(_CHUNK):
            parts.append(chunk)
        return b"".join(parts)


def read_text(path: Path | str, limit: int, what: str = "", *, encoding: str = "utf-8") -> str:
    """A regular file no larger than ``limit``, decoded (a byte-order mark is dropped)."""
    data = read_bytes(path, limit, what)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise InputRefused(
            f"{_what(Path(path), what)} is damaged or is not text (it is not {encoding.upper()})."
        ) from None
    return text.removeprefix("\ufeff")


def is_readable_file(path: Path | str) -> bool:
    """Whether ``path`` names an existing regular file (no folder, FIFO or device), without raising."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False

"""All SQLCipher handling: open with a raw key, set and verify pragmas, classify failures.

No passphrase ever reaches SQL: the database is keyed with the random data key as a raw hex key,
after the key slots (``keyslots.py``) have unwrapped it.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from pathlib import Path

import sqlcipher3
from sqlcipher3 import dbapi2

from setting_app.domain.errors import AppError, CasebookDamaged, NoCasebook, NotACasebook
from setting_app.storage.fsutil import make_private, private_umask

Connection = dbapi2.Connection
DatabaseError = dbapi2.DatabaseError
OperationalError = dbapi2.OperationalError
IntegrityError = dbapi2.IntegrityError
Row = dbapi2.Row

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000
CACHE_SIZE_KIB = 64 * 1024

#: What every connection must have; checked after setting (SQLCipher silently ignores some).
REQUIRED_PRAGMAS: dict[str, object] = {
    "journal_mode": "wal",
    "synchronous": 2,  # FULL: an acknowledged commit survives power loss
    "foreign_keys": 1,
    "secure_delete": 1,  # deleted text is overwritten, not left in free pages
    "temp_store": 2,  # MEMORY: no plaintext temporary files
}


#: SQLite's words for a write the disk refused (full, failing, or a file-size limit reached).
_WRITE_FAILURES = ("disk i/o error", "database or disk is full", "file too large")


class WriteFailed(AppError, OperationalError):
    """The disk refused a write: nothing of the step was saved, the casebook is as it last was.

    Still an ``OperationalError`` (callers catching database errors keep working), and an ``AppError``
    so every layer shows its plain message instead of treating it as a bug.
    """

    def __init__(self) -> None:
        super().__init__(
            "The casebook could not be saved to the disk (it may be full, failing or out of reach). "
            "Nothing from this step was saved; the casebook is as it was after the last save. "
            "Free some space or ask for help, then try again."
        )


def _is_write_failure(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(words in text for words in _WRITE_FAILURES)


#: SQLite's and SQLCipher's words for pages that are not what was written.
_DAMAGE_WORDS = ("malformed", "not a database", "hmac", "corrupt", "database disk image")


def is_damage(exc: BaseException) -> bool:
    """Whether a database error means the file's pages are damaged (not a busy lock or a full disk)."""
    if isinstance(exc, CasebookDamaged):
        return True
    if not isinstance(exc, DatabaseError) or _is_write_failure(exc):
        return False
    text = str(exc).lower()
    return any(words in text for words in _DAMAGE_WORDS)


class DamageFound(CasebookDamaged, DatabaseError):
    """Damaged pages met while working: still a ``DatabaseError`` (callers catching those keep working),
    and a ``CasebookDamaged`` so every layer names the damage and the backup to restore."""

    def __init__(self, path: Path | None, detail: str = "") -> None:
        super().__init__(damage_message(path))
        self.detail = detail or "part of the casebook cannot be read"


def damage_message(path: Path | None, detail: str = "") -> str:
    from setting_app.storage.backup_log import restore_advice

    name = f"The casebook file {path}" if path else "The casebook"
    found = f" ({detail})" if detail else ": part of it cannot be read"
    advice = restore_advice(path.parent) if path else "Restore it from a backup."
    return f"{name} is damaged{found}. {advice}"


def _made_read_only_by_damage(conn: Connection | None, exc: BaseException) -> bool:
    """SQLCipher turns a connection read-only once a page fails its HMAC check: a later write then fails
    with "attempt to write a readonly database" although the file itself can be written."""
    if not isinstance(exc, OperationalError) or "readonly database" not in str(exc).lower():
        return False
    path = getattr(conn, "casebook_path", None)
    return path is not None and os.access(path, os.W_OK) and os.access(Path(path).parent, os.W_OK)


def _convert(conn: Connection | None, exc: OperationalError | DatabaseError) -> Exception | None:
    if isinstance(exc, OperationalError) and _is_write_failure(exc):
        return WriteFailed()
    if not isinstance(exc, CasebookDamaged) and is_damage(exc):
        return DamageFound(getattr(conn, "casebook_path", None), str(exc))
    if _made_read_only_by_damage(conn, exc):
        return DamageFound(getattr(conn, "casebook_path", None), "a page failed its check earlier")
    return None


class _CasebookCursor(dbapi2.Cursor):
    """A cursor whose damaged pages arrive as ``DamageFound`` even when met while fetching rows."""

    def _wrap(self, method, *args):
        try:
            return method(*args)
        except DatabaseError as exc:
            better = _convert(self.connection, exc)
            if better is not None:
                raise better from None
            raise

    def execute(self, *args, **kwargs):
        return self._wrap(lambda: super(_CasebookCursor, self).execute(*args, **kwargs))

    def executemany(self, *args, **kwargs):
        return self._wrap(lambda: super(_CasebookCursor, self).executemany(*args, **kwargs))

    def fetchone(self):
        return self._wrap(super().fetchone)

    def fetchmany(self, *args):
        return self._wrap(super().fetchmany, *args)

    def fetchall(self):
        return self._wrap(super().fetchall)

    def __next__(self):
        return self._wrap(super().__next__)


class _CasebookConnection(Connection):
    """A connection whose disk failures arrive as ``WriteFailed`` and whose damaged pages arrive as
    ``DamageFound`` (plain messages, no traceback)."""

    casebook_path: Path | None = None

    def cursor(self, factory=None):
        return super().cursor(factory or _CasebookCursor)

    def execute(self, *args, **kwargs):
        try:
            return super().execute(*args, **kwargs)
        except DatabaseError as exc:
            better = _convert(self, exc)
            if better is not None:
                raise better from None
            raise

    def executemany(self, *args, **kwargs):
        try:
            return super().executemany(*args, **kwargs)
        except DatabaseError as exc:
            better = _convert(self, exc)
            if better is not None:
                raise better from None
            raise

    def commit(self) -> None:
        try:
            super().commit()
        except DatabaseError as exc:
            better = _convert(self, exc)
            if better is not None:
                raise better from None
            raise


#: Linux file systems that put the casebook on another machine (SQLite's locking and WAL are unsafe there).
NETWORK_FILE_SYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "sshfs",
        "fuse.sshfs",
        "9p",
        "afs",
        "ncpfs",
        "davfs",
        "fuse.davfs",
    }
)
NETWORK_SHARE_WARNING = (
    "The casebook folder {path} is on a network share ({what}). Keep the casebook on this PC's own "
    "disk: over a network a dropped connection can damage it, and two PCs must never open it at once. "
    "Use backups to keep a copy elsewhere."
)


def _unescape_mount(text: str) -> str:
    """/proc/mounts writes spaces, tabs, newlines and backslashes as octal escapes (``\\040``)."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), text)


def _existing_ancestor(path: Path) -> Path:
    path = path.expanduser().absolute()
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate.resolve()
    return path


def network_share_warning(
    data_dir: Path, *, mounts: Path = Path("/proc/mounts"), platform: str = sys.platform
) -> str | None:
    """A plain warning when the data folder is on a network share, else None.

    Linux: the mount holding the folder (the longest matching mount point in ``mounts``) has a network
    file system type. Windows: a UNC path (``\\\\server\\share``) or a mapped network drive.
    """
    if platform == "win32":
        text = str(data_dir)
        if text.startswith(("\\\\", "//")) and not text.startswith(("\\\\?\\", "\\\\.\\")):
            return NETWORK_SHARE_WARNING.format(path=data_dir, what="a UNC path")
        if text.startswith("\\\\?\\UNC\\"):
            return NETWORK_SHARE_WARNING.format(path=data_dir, what="a UNC path")
        if sys.platform == "win32" and len(text) >= 2 and text[1] == ":":
            import ctypes

            drive_remote = 4
            if ctypes.windll.kernel32.GetDriveTypeW(f"{text[:2]}\\") == drive_remote:
                return NETWORK_SHARE_WARNING.format(path=data_dir, what=f"network drive {text[:2]}")
        return None
    try:
        lines = mounts.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    where = _existing_ancestor(data_dir)
    best: tuple[int, str] | None = None
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        point, fs_type = Path(_unescape_mount(parts[1])), parts[2]
        if where == point or point in where.parents:
            depth = len(point.parts)
            if best is None or depth >= best[0]:
                best = (depth, fs_type)
    if best is not None and best[1].lower() in NETWORK_FILE_SYSTEMS:
        return NETWORK_SHARE_WARNING.format(path=data_dir, what=best[1])
    return None


def _key_pragma(key: bytes) -> str:
    if len(key) != 32:
        raise ValueError("data key must be 32 bytes")
    return f"PRAGMA key = \"x'{key.hex()}'\""


def file_kind(path: Path) -> str:
    """'missing', 'empty', 'plain_sqlite' or 'other' (an encrypted file looks like noise)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except FileNotFoundError:
        return "missing"
    if not head:
        return "empty"
    if head == SQLITE_HEADER:
        return "plain_sqlite"
    return "other"


def _raw_connect(target: str, *, uri: bool = False) -> Connection:
    conn = sqlcipher3.connect(
        target, uri=uri, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, factory=_CasebookConnection
    )
    # SQLCipher otherwise writes its own diagnostics to stderr; we report failures ourselves.
    conn.execute("PRAGMA cipher_log_level = NONE")
    return conn


def _explain_unreadable(path: Path) -> Exception:
    kind = file_kind(path)
    if kind == "plain_sqlite":
        return NotACasebook(
            f"{path} is an ordinary unencrypted SQLite file, not a Family Support Log casebook."
        )
    if kind == "empty":
        return CasebookDamaged(damage_message(path, "it is empty"))
    return CasebookDamaged(
        damage_message(path, "your passphrase was accepted, but the data could not be read")
    )


def probe_schema_version(path: Path, key: bytes) -> int:
    """Read ``user_version`` without writing anything: no -wal, no -shm, no lock."""
    if not path.exists():
        raise NoCasebook(f"No casebook found at {path}.")
    try:
        return _read_user_version(f"{path.resolve().as_uri()}?mode=ro&immutable=1", key)
    except DatabaseError:
        wal = Path(f"{path}-wal")
        if wal.exists() and wal.stat().st_size > 0:
            # A checkpoint cut short (a full disk, a kill) leaves the main file half-updated: only read
            # together with its WAL is it whole. Read-only still: nothing is written.
            try:
                return _read_user_version(f"{path.resolve().as_uri()}?mode=ro", key)
            except WriteFailed:
                raise
            except DatabaseError:
                pass
        raise _explain_unreadable(path) from None


def _read_user_version(uri: str, key: bytes) -> int:
    conn = _raw_connect(uri, uri=True)
    try:
        conn.execute(_key_pragma(key))
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def open_database(path: Path, key: bytes, *, create: bool = False) -> Connection:
    """Open (or create) the encrypted casebook and check every pragma we rely on."""
    if not create and not path.exists():
        raise NoCasebook(f"No casebook found at {path}.")
    with private_umask():
        conn = _raw_connect(str(path))
        try:
            conn.execute(_key_pragma(key))
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except WriteFailed:  # the disk, not the casebook: say so, not "damaged"
            conn.close()
            raise
        except DatabaseError:
            conn.close()
            raise _explain_unreadable(path) from None
        conn.casebook_path = path
        try:
            _apply_pragmas(conn)
        except BaseException:
            conn.close()
            raise
    for suffix in ("", "-wal", "-shm"):
        make_private(Path(f"{path}{suffix}"))
    _finish_interrupted_checkpoint(conn, path)
    conn.row_factory = Row
    # Sealed fields read as their neutral stand-in unless a manager's key is attached (restricted_content).
    conn.create_function("unsealed", 5, sealed_stand_in, deterministic=True)
    return conn


def sealed_stand_in(table: str, row_id: int, sealed: bytes, field: str, plain: object) -> object:
    return plain


def _finish_interrupted_checkpoint(conn: Connection, path: Path) -> None:
    """Copy what the WAL holds into the main file if an earlier checkpoint was cut short.

    After a full disk or a kill the main file can end in a half-written page that only the WAL makes
    whole; copying it over now leaves the file whole on its own. Never waits for other connections
    (PASSIVE); a disk still refusing writes is left for the next save to report.
    """
    wal = Path(f"{path}-wal")
    try:
        if not wal.exists() or wal.stat().st_size == 0:
            return
    except OSError:
        return
    with contextlib.suppress(OperationalError):
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()


def _apply_pragmas(conn: Connection) -> None:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL").fetchone()
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute(f"PRAGMA cache_size = -{CACHE_SIZE_KIB}")
    verify_pragmas(conn)


def verify_pragmas(conn: Connection) -> None:
    """Refuse to work on a connection whose safety settings did not take."""
    problems = []
    version = str(conn.execute("PRAGMA cipher_version").fetchone()[0])
    if not version.startswith("4."):
        problems.append(f"SQLCipher 4 required, found {version!r}")
    header = conn.execute("PRAGMA cipher_plaintext_header_size").fetchone()
    if header is not None and int(header[0]) != 0:
        problems.append("plaintext header must be off")
    for name, wanted in REQUIRED_PRAGMAS.items():
        got = conn.execute(f"PRAGMA {name}").fetchone()[0]
        if str(got).lower() != str(wanted):
            problems.append(f"{name} is {got!r}, expected {wanted!r}")
    if problems:
        raise CasebookDamaged("The casebook could not be opened safely: " + "; ".join(problems))


def copy_database(conn: Connection, target: Path, key: bytes) -> None:
    """A consistent encrypted snapshot through SQLite's backup API (never a file copy)."""
    with private_umask():
        dest = _raw_connect(str(target))
        try:
            dest.execute(_key_pragma(key))
            conn.backup(dest)
        finally:
            dest.close()
    make_private(target)
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{target}{suffix}").unlink()


def rekey_into(conn: Connection, target: Path, new_key: bytes) -> None:
    """Re-encrypt the whole database into a new file under a new key (``sqlcipher_export``)."""
    target.unlink(missing_ok=True)
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    with private_umask():
        conn.execute("ATTACH DATABASE ? AS rekey_target KEY ?", (str(target), f"x'{new_key.hex()}'"))
        try:
            conn.execute("SELECT sqlcipher_export('rekey_target')")
            conn.execute(f"PRAGMA rekey_target.user_version = {version}")
        finally:
            conn.execute("DETACH DATABASE rekey_target")
    make_private(target)
    with target.open("rb") as handle:
        os.fsync(handle.fileno())


def integrity_problems(conn: Connection) -> list[str]:
    """SQLCipher's page check (HMAC on every page), then SQLite's own and the foreign keys."""
    problems: list[str] = []
    try:
        problems += [str(r[0]) for r in conn.execute("PRAGMA cipher_integrity_check").fetchall()]
        rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
        problems += [r for r in rows if r != "ok"]
        problems += [
            f"broken link in {r[0]} row {r[1]}" for r in conn.execute("PRAGMA foreign_key_check").fetchall()
        ]
    except DatabaseError as exc:
        problems.append(getattr(exc, "detail", None) or str(exc))
    return problems

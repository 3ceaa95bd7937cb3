"""Backups a manager can trust: consistent, encrypted, self-checking, and restored only after a full check.

A backup is one zip file holding a snapshot of the database taken with SQLite's backup API while the
app may be writing (never a copy of the live file), still encrypted with the casebook's data key; the
key slot file, so the same passphrases and recovery code open it; and a manifest with SHA-256 hashes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from setting_app import __version__
from setting_app.domain.clock import SYSTEM_CLOCK, Clock
from setting_app.domain.errors import AppError, CasebookDamaged
from setting_app.services import audit
from setting_app.services.session import Session
from setting_app.storage import audit_repo, keyslots, manager_vault, migrations, setting_repo, staff_repo
from setting_app.storage.backup_log import remember_backup
from setting_app.storage.bounded_read import (
    BACKUP_LIMIT,
    SMALL_JSON_LIMIT,
    InputRefused,
    is_readable_file,
    open_bounded,
)
from setting_app.storage.casebook_store import DB_NAME, SLOTS_NAME, CasebookPaths, choose_key, open_store
from setting_app.storage.database import (
    Connection,
    DatabaseError,
    copy_database,
    damage_message,
    integrity_problems,
    open_database,
    probe_schema_version,
)
from setting_app.storage.fsutil import (
    PRIVATE_FILE_MODE,
    ensure_private_dir,
    fsync_dir,
    inside_folder,
    private_umask,
)
from setting_app.storage.instance_lock import InstanceLock
from setting_app.storage.keyslots import SLOT_FILE_LIMIT
from setting_app.storage.rows import from_datetime, to_datetime
from setting_app.storage.unit_of_work import unit_of_work

BACKUP_FORMAT = "setting-app/backup"
BACKUP_VERSION = 1
MANIFEST_NAME = "manifest.json"
LAST_BACKUP_KEY = "last_backup_at"
BACKUP_REMINDER_DAYS = 7
REPLACED_DIR = "replaced-by-restore"


class BackupProblem(AppError):
    pass


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    created_at: datetime
    created_by: str
    setting_name: str
    schema_version: int
    size_bytes: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _refuse_damaged_snapshot(session: Session, snapshot: Path) -> None:
    """A copy of damaged pages could never be restored: no backup is written or recorded (a scheduled
    backup to one fixed name would otherwise replace the last good one), and the damage is named with
    the backup to restore."""
    try:
        conn = open_database(snapshot, session.data_key())
        try:
            problems = integrity_problems(conn)
        finally:
            conn.close()
    except DatabaseError as exc:
        problems = [getattr(exc, "detail", None) or str(exc)]
    if problems:
        raise CasebookDamaged(
            f"No backup was written: {damage_message(session.paths.db, problems[0])} Your earlier backups "
            "are kept as they were."
        )


def make_backup(session: Session, out: Path) -> BackupInfo:
    """Write a backup to ``out`` (the only place anything is written, apart from a temp file beside it)."""
    session.require_manager("make backups")
    out = out.expanduser()
    if out.is_dir():
        out = out / f"casebook-backup-{session.clock.now().strftime('%Y%m%d-%H%M')}.fslbackup"
    if not out.exists() and out.suffix == "":
        raise BackupProblem(
            f"There is no folder {out}: make the folder first, or name a backup file ending in .fslbackup. "
            "Nothing was written."
        )
    if not out.parent.is_dir():
        raise BackupProblem(f"The folder {out.parent} does not exist. Nothing was written.")
    if out.exists() and not is_readable_file(out):
        raise BackupProblem(f"{out} is not an ordinary file; name a new backup file. Nothing was written.")
    if inside_folder(out, session.data_dir):
        raise BackupProblem(
            f"{out} is in the casebook's own folder: a backup belongs somewhere else (a USB stick or "
            "another drive), and a name such as casebook.db would replace the casebook. Nothing was written."
        )
    now = session.clock.now()
    try:
        work = Path(tempfile.mkdtemp(prefix=".backup-", dir=out.parent))
    except OSError as exc:
        raise BackupProblem(
            f"The backup could not be written to {out.parent}: {exc.strerror or exc}. Nothing was written."
        ) from None
    try:
        snapshot = work / DB_NAME
        copy_database(session.conn, snapshot, session.data_key())
        _refuse_damaged_snapshot(session, snapshot)
        shutil.copyfile(session.paths.slots, work / SLOTS_NAME)
        version = probe_schema_version(snapshot, session.data_key())
        manifest = {
            "format": BACKUP_FORMAT,
            "version": BACKUP_VERSION,
            "app_version": __version__,
            "schema_version": version,
            "created_at": from_datetime(now),
            "created_by": session.user.username,
            "setting_name": session.setting.name,
            "files": {name: _sha256(work / name) for name in (DB_NAME, SLOTS_NAME)},
        }
        partial = work / "backup.partial"
        with private_umask(), zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr(MANIFEST_NAME, json.dumps(manifest, indent=2))
            for name in (DB_NAME, SLOTS_NAME):
                archive.write(work / name, name)
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(partial, PRIVATE_FILE_MODE)
        os.replace(partial, out)
        fsync_dir(out.parent)
    except OSError as exc:
        raise BackupProblem(f"The backup could not be written to {out}: {exc.strerror or exc}.") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    remember_backup(session.data_dir, out, now)  # so a damaged casebook can still name its newest backup
    with unit_of_work(session.conn):
        setting_repo.set_app_setting(session.conn, LAST_BACKUP_KEY, from_datetime(now))
        audit.record(
            session,
            audit.BACKUP,
            object_type="casebook",
            detail=f"backup written ({manifest['files'][DB_NAME][:16]})",
        )
        audit.sign_head(session, "backup")
    return BackupInfo(out, now, session.user.username, session.setting.name, version, out.stat().st_size)


def last_backup_at(session: Session) -> datetime | None:
    text = setting_repo.get_app_setting(session.conn, LAST_BACKUP_KEY)
    return to_datetime(text) if text else None


def backup_reminder(session: Session) -> str | None:
    """A reminder when no backup is younger than seven days, else None."""
    last = last_backup_at(session)
    if last is None:
        return "No backup of this casebook has been made yet. Make one now (Records → Backups, or the backup command)."
    age = session.clock.now() - last
    if age > timedelta(days=BACKUP_REMINDER_DAYS):
        return f"The last backup is {age.days} days old. Make a new one (Records → Backups, or the backup command)."
    return None


def _extract_and_check(
    backup: Path, work: Path, username: str, passphrase: str
) -> tuple[BackupInfo, keyslots.SlotKeys, keyslots.KeySlot]:
    """Everything a restore relies on, checked in a private scratch folder."""
    label = str(backup) if str(backup).strip() else "(no file named)"
    damaged = f"The backup {label} is damaged or is not a Family Support Log backup; nothing was changed."
    try:
        with open_bounded(backup, BACKUP_LIMIT) as handle, zipfile.ZipFile(handle) as archive:
            members = {info.filename: info for info in archive.infolist()}
            if set(members) != {MANIFEST_NAME, DB_NAME, SLOTS_NAME}:
                raise BackupProblem(
                    f"The backup {label} is not a Family Support Log backup (unexpected contents); nothing was changed."
                )
            archive_size = backup.stat().st_size
            if (
                members[MANIFEST_NAME].file_size > SMALL_JSON_LIMIT
                or members[SLOTS_NAME].file_size > SLOT_FILE_LIMIT
                # Backups are stored uncompressed: a member larger than the whole file is a zip bomb.
                or any(info.file_size > archive_size for info in members.values())
            ):
                raise BackupProblem(damaged)
            manifest = json.loads(archive.read(MANIFEST_NAME))
            with private_umask():
                for name in (DB_NAME, SLOTS_NAME):
                    archive.extract(name, work)
    except (InputRefused, BackupProblem):
        raise
    except (zipfile.BadZipFile, ValueError, KeyError, OSError, EOFError, RecursionError, NotImplementedError):
        raise BackupProblem(damaged) from None
    if not isinstance(manifest, dict) or manifest.get("format") != BACKUP_FORMAT:
        raise BackupProblem(f"The backup {label} is not a Family Support Log backup; nothing was changed.")
    if manifest.get("version") != BACKUP_VERSION:
        raise BackupProblem(f"{backup.name} was made by a newer version of Family Support Log.")
    files = manifest.get("files")
    if not isinstance(files, dict) or set(files) != {DB_NAME, SLOTS_NAME}:
        raise BackupProblem(damaged)
    try:
        made_at = to_datetime(str(manifest["created_at"]))
    except (KeyError, TypeError, ValueError):
        raise BackupProblem(damaged) from None
    for name, expected in files.items():
        if _sha256(work / name) != expected:
            raise BackupProblem(
                f"The backup {label} is damaged: {name} does not match its checksum. Nothing was changed."
            )
    slot = keyslots.find_user_slot(keyslots.read_slot_file(work / SLOTS_NAME), username)
    opened = keyslots.open_with_passphrase(slot, passphrase)
    key = choose_key(CasebookPaths(work), opened.data_keys)
    version = probe_schema_version(work / DB_NAME, key)
    migrations.refuse_if_too_new(version)
    conn = open_database(work / DB_NAME, key)
    try:
        problems = integrity_problems(conn)
        setting_name = setting_repo.get_setting(conn).name
    finally:
        conn.close()
    if problems:
        raise BackupProblem(f"{backup.name} is damaged inside ({problems[0]}); it cannot be restored.")
    info = BackupInfo(
        backup,
        made_at,
        str(manifest.get("created_by", "")),
        setting_name,
        version,
        backup.stat().st_size,
    )
    return info, keyslots.SlotKeys([key], opened.manager_keys), slot


def check_backup(backup: Path, username: str, passphrase: str) -> BackupInfo:
    """Open a backup fully (hashes, key, page check, integrity check) without restoring it."""
    work = Path(tempfile.mkdtemp(prefix="setting-app-check-"))
    try:
        return _extract_and_check(backup, work, username, passphrase)[0]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _record_restore(db: Path, key: bytes, username: str, info: BackupInfo, clock: Clock) -> None:
    """The restored casebook's own trail says it was restored, by whom, from which backup."""
    conn = open_store(CasebookPaths(db.parent), key, now=clock.now())
    try:
        user = staff_repo.get_staff_by_username(conn, username)
        with unit_of_work(conn):
            audit_repo.append(
                conn,
                at=clock.now(),
                staff_id=user.id if user else None,
                username=username,
                action=audit.RESTORE,
                object_type="casebook",
                detail=f"restored from a backup made {from_datetime(info.created_at)}",
            )
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


class RestoreRefused(AppError):
    pass


def _open_readable(db: Path, data_key: bytes) -> Connection | None:
    try:
        return open_database(db, data_key)
    except (DatabaseError, OSError, AppError):
        return None  # a damaged casebook: the key slots alone decide, as before


def _casebook_manager_key(db: Path, data_key: bytes, candidates: list[bytes]) -> bytes | None:
    """Which of ``candidates`` is the manager key of the casebook in ``db`` (see ``_manager_key_of``)."""
    conn = _open_readable(db, data_key)
    if conn is None:
        return None
    try:
        return _manager_key_of(conn, candidates)
    finally:
        conn.close()


def _manager_key_of(conn: Connection, candidates: list[bytes]) -> bytes | None:
    """None if that casebook has no manager key yet (before the upgrade) or cannot be read. Raises
    RestoreRefused if it has one and no candidate is it, or if the candidate does not open its vault:
    a key slot marked "manager" is only a claim (anyone holding the data key can write one into the key
    file, sealing a manager key of their own making); the casebook's own key is the proof.
    """
    try:
        wanted = manager_vault.installed_key_id(conn)
    except DatabaseError:
        return None
    if wanted is None:
        return None
    key = manager_vault.matching_key(conn, candidates)
    if key is None:
        raise RestoreRefused("Only a manager can restore a backup. Nothing was changed.")
    if not manager_vault.opens_vault(conn, key):
        raise RestoreRefused(
            "The manager key does not open this casebook's protected secrets, so it cannot be "
            "restored with this account. Nothing was changed."
        )
    return key


def _require_current_manager(
    paths: CasebookPaths, username: str, passphrase: str
) -> tuple[keyslots.SlotFile | None, set[str], bytes | None, list]:
    """Restoring is a manager's act on THIS casebook: the person must be a manager here now.

    Returns the current slot file (whose people are kept after the restore), or None when the folder
    holds no casebook key file to check against (a lost or new PC): then the backup alone decides; and
    the accounts switched off in the current casebook (switched off again after the restore).
    """
    if not paths.slots.exists():
        return None, set(), None, []
    current = keyslots.read_slot_file(paths.slots)
    if not current.slots:
        return None, set(), None, []
    slot = current.find_user(username)
    if slot is None:
        raise RestoreRefused(
            f"Only a manager of this casebook can restore it, and '{username}' has no key here. Nothing was changed."
        )
    opened = keyslots.open_with_passphrase(slot, passphrase)  # a wrong one: "not recognised", nothing changed
    upgraded = any(s.sealed_manager for s in current.slots)
    if not slot.may_hold_manager_key or (upgraded and not opened.manager_keys):
        raise RestoreRefused("Only a manager can restore a backup. Nothing was changed.")
    if paths.db.exists():
        try:
            data_key = choose_key(paths, opened.data_keys)
        except AppError:
            data_key = None  # a damaged casebook is what restores are for: the slots decide
        conn = _open_readable(paths.db, data_key) if data_key is not None else None
        if conn is not None:
            try:
                current_key = _manager_key_of(conn, opened.manager_keys)
                removed, links = _inactive_usernames_and_links(conn)
            finally:
                conn.close()
            return current, removed, current_key or opened.pinned, links
    return current, set(), opened.pinned, []


def _inactive_usernames_and_links(conn: Connection) -> tuple[set[str], list]:
    """The accounts switched off in a casebook and its chain of manager keys; empty where they cannot
    be read (damage is what restores are for)."""
    try:
        removed = {r[0] for r in conn.execute("SELECT username FROM staff WHERE active = 0")}
    except DatabaseError:
        return set(), []
    try:
        return removed, manager_vault.links(conn)
    except DatabaseError:
        return removed, []


def _link_restored(
    db: Path, data_key: bytes, backup_key: bytes | None, current_key: bytes | None, links: list
) -> None:
    """The restored casebook learns the current casebook's chain of manager keys, and that the backup's
    key follows the current one, so every manager's slot (which pins the key its owner last held) still
    accepts it. Signed with the current key, which the restoring manager holds."""
    if backup_key is None or current_key is None:
        return
    conn = open_store(CasebookPaths(db.parent), data_key)
    try:
        with unit_of_work(conn):
            manager_vault.copy_links(conn, links)
            if keyslots.key_id(current_key) != keyslots.key_id(backup_key):
                manager_vault.add_link(conn, current_key, backup_key)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def _reapply_removals_and_rotate(
    data_dir: Path, username: str, passphrase: str, removed: set[str], clock: Clock
) -> None:
    """After a restore: anyone switched off since the backup was made is switched off again, and both
    keys are rotated, so a data key or manager key someone kept from the backup's time opens nothing."""
    from setting_app.services import casebook, key_rotation  # late: they import this module's neighbours

    session = casebook.unlock(data_dir, username, passphrase, clock=clock)
    try:
        with unit_of_work(session.conn):
            for user in staff_repo.list_staff(session.conn, active_only=True):
                if user.username in removed:
                    staff_repo.set_staff_active(session.conn, user.id, False)
                    audit.record(
                        session,
                        audit.ACCOUNT,
                        object_type="staff",
                        object_id=user.id,
                        detail=f"{user.username} switched off again after the restore (removed since the backup)",
                    )
        session = key_rotation.rotate_data_key(session).session
    finally:
        session.close()


def restore_backup(
    data_dir: Path,
    backup: Path,
    username: str,
    passphrase: str,
    *,
    clock: Clock = SYSTEM_CLOCK,
    app_holds_lock: bool = False,
    backup_passphrase: str | None = None,
) -> tuple[BackupInfo, Path | None]:
    """Replace the casebook in ``data_dir`` with a checked backup; the replaced files are kept aside.

    Managers only, checked here under every button: the person must be a manager in the current
    casebook (their current passphrase) and in the backup (``backup_passphrase``, if it has changed).
    The people who can open the casebook afterwards are those who can open it NOW: the current key
    slots are kept and resealed with the backup's keys, so someone removed since the backup was made
    stays out (their old slot, in the backup, is not restored). Only when the folder has no key file
    at all (a new PC) do the backup's own slots come back.

    Returns the backup's details and where the replaced casebook was put (None if there was none).
    Refuses while the desktop app has the casebook open, unless the caller is that app
    (``app_holds_lock``: it holds the instance lock and has closed its connection first).
    """
    ensure_private_dir(data_dir)
    paths = CasebookPaths(data_dir)
    with contextlib.nullcontext() if app_holds_lock else InstanceLock(data_dir):
        current, removed, current_key, links = _require_current_manager(paths, username, passphrase)
        work = Path(tempfile.mkdtemp(prefix=".restore-", dir=data_dir))
        try:
            info, keys, backup_slot = _extract_and_check(
                backup, work, username, backup_passphrase or passphrase
            )
            backup_upgraded = bool(keys.manager_keys) or any(
                s.sealed_manager for s in keyslots.read_slot_file(work / SLOTS_NAME).slots
            )
            if not backup_slot.may_hold_manager_key or (backup_upgraded and not keys.manager_keys):
                raise RestoreRefused(
                    f"'{username}' was not a manager when the backup was made, so it cannot be restored with "
                    "that account. Nothing was changed."
                )
            backup_manager = _casebook_manager_key(work / DB_NAME, keys.data_keys[0], keys.manager_keys)
            if current is not None:
                managers = [backup_manager] if backup_manager is not None else keys.manager_keys[:1]
                resealed = current.resealed(keys.data_keys[:1], managers)
                keyslots.write_slot_file(work / SLOTS_NAME, resealed)
            kept: Path | None = None
            existing = [
                p
                for p in (paths.db, Path(f"{paths.db}-wal"), Path(f"{paths.db}-shm"), paths.slots)
                if p.exists()
            ]
            if existing:
                kept = ensure_private_dir(data_dir / REPLACED_DIR / clock.now().strftime("%Y%m%d-%H%M%S"))
                for path in existing:
                    os.replace(path, kept / path.name)
            _record_restore(work / DB_NAME, keys.data_keys[0], username, info, clock)
            _link_restored(work / DB_NAME, keys.data_keys[0], backup_manager, current_key, links)
            os.replace(work / SLOTS_NAME, paths.slots)
            os.replace(work / DB_NAME, paths.db)
            fsync_dir(data_dir)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if current is not None:
            _reapply_removals_and_rotate(data_dir, username, passphrase, removed, clock)
    return info, kept

"""Where this PC's backups went, kept beside the casebook so a damaged casebook can still name them.

The casebook itself records when the last backup was made, but when its pages are damaged it cannot
be read; this small file (``casebook.backups``: times and file names, no personal data) can. It is one
of the casebook's own files and is written atomically, 0600.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from setting_app.storage.bounded_read import InputRefused, read_bytes
from setting_app.storage.fsutil import atomic_write

BACKUP_LOG_NAME = "casebook.backups"
LOG_FORMAT = "setting-app/backup-log"
KEEP = 20
_LIMIT = 256 * 1024


@dataclass(frozen=True)
class KnownBackup:
    path: Path
    made_at: datetime


def _read(data_dir: Path) -> list[KnownBackup]:
    try:
        raw = read_bytes(Path(data_dir) / BACKUP_LOG_NAME, _LIMIT, "backup log")
        document = json.loads(raw.decode("utf-8"))
        items = document["backups"] if document.get("format") == LOG_FORMAT else []
        found = []
        for item in items:
            with contextlib.suppress(KeyError, TypeError, ValueError, AttributeError):
                found.append(KnownBackup(Path(str(item["path"])), datetime.fromisoformat(str(item["at"]))))
        return found
    except (InputRefused, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return []


def remember_backup(data_dir: Path, backup: Path, made_at: datetime) -> None:
    """Add one backup to the list (best effort: a backup that was written is never failed by this)."""
    known = [b for b in _read(data_dir) if b.path != backup][-(KEEP - 1) :]
    known.append(KnownBackup(Path(backup).resolve(), made_at))
    document = {
        "format": LOG_FORMAT,
        "backups": [{"path": str(b.path), "at": b.made_at.isoformat()} for b in known],
    }
    with contextlib.suppress(OSError):
        atomic_write(Path(data_dir) / BACKUP_LOG_NAME, json.dumps(document, indent=1).encode("utf-8"))


def newest_backup(data_dir: Path) -> KnownBackup | None:
    """The most recent backup this PC made that is still where it was written, or None."""
    existing = []
    for known in _read(data_dir):
        with contextlib.suppress(OSError):
            if known.path.is_file():
                existing.append(known)
    newest = None
    for known in existing:  # the later entry wins a tie (two backups in the same second)
        if newest is None or known.made_at >= newest.made_at:
            newest = known
    return newest


def restore_advice(data_dir: Path) -> str:
    """One or two sentences saying which backup to restore and how."""
    newest = newest_backup(data_dir)
    if newest is not None:
        return (
            f"The newest backup made on this PC is {newest.path} (made {newest.made_at:%d/%m/%Y %H:%M} UTC): "
            f"restore it with 'setting-app --user NAME restore --from \"{newest.path}\"' (or Records → Backups "
            "in the app). The damaged files are kept aside, not deleted."
        )
    return (
        "Restore the newest backup (a file named casebook-backup-YYYYMMDD-HHMM.fslbackup, wherever your "
        "manager keeps them) with 'setting-app --user NAME restore --from FILE' (or Records → Backups in "
        "the app). The damaged files are kept aside, not deleted."
    )

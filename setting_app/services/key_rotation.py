"""When someone leaves: switch their account off, remove their key slot, and rotate the data key.

They may have kept a copy of the data key (every slot unlocks the same one), so removing their slot
is not enough: the casebook is re-encrypted into a new file under a new key, swapped in, and the new
key sealed to every remaining slot (possible without their passphrases: see ``keyslots``).

Order, so that a crash at ANY point leaves every remaining person able to unlock:
1. write ``casebook.db.next`` under the new key (the real casebook is untouched);
2. write the slot file without the leaver, every slot sealing BOTH keys (unlock tries each);
3. close the casebook and rename ``.next`` over it (atomic);
4. write the slot file sealing only the new key.
A later unlock finishes an interrupted rotation (``casebook.finish_interrupted_rotation``).
The caller must hold the app's instance lock (the app does; the CLI takes it), so no other program
writes to the casebook meanwhile.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from setting_app.domain.errors import AppError, NotFound
from setting_app.services import audit
from setting_app.services.session import Session
from setting_app.storage import keyslots, staff_repo
from setting_app.storage.casebook_store import open_store
from setting_app.storage.database import integrity_problems, open_database, rekey_into
from setting_app.storage.fsutil import fsync_dir
from setting_app.storage.unit_of_work import unit_of_work


class RotationFailed(AppError):
    pass


@dataclass(frozen=True)
class RotationResult:
    session: Session  # the caller's session, reopened under the new key
    removed_username: str | None
    old_key_id: str
    new_key_id: str


def remove_staff_member(session: Session, username: str) -> RotationResult:
    """Switch the account off, remove its slot and rotate the data key. Returns a new session."""
    session.require_manager("remove staff accounts")
    username = username.strip().lower()
    if username == session.user.username:
        raise AppError("You cannot remove your own account. Ask another manager to do it.")
    leaver = staff_repo.get_staff_by_username(session.conn, username)
    if leaver is None:
        raise NotFound(f"There is no staff account called '{username}'.")
    with unit_of_work(session.conn):
        staff_repo.set_staff_active(session.conn, leaver.id, False)
        audit.record(
            session,
            audit.ACCOUNT,
            object_type="staff",
            object_id=leaver.id,
            detail=f"removed {username}: account switched off, key slot removed",
        )
    return rotate_data_key(session, remove_username=username)


def rotate_data_key(session: Session, *, remove_username: str | None = None) -> RotationResult:
    """Re-encrypt the casebook under a new data key and reseal every remaining slot."""
    session.require_manager("change the casebook's key")
    paths = session.paths
    old_key = session.data_key()
    new_key = keyslots.new_data_key()
    slot_file = keyslots.read_slot_file(paths.slots)
    if slot_file.damaged_lines:
        raise RotationFailed(
            "The key file has damaged entries; fix that first (restore it, or reset passphrases), "
            "so that nobody is locked out by the change of key."
        )
    if remove_username is not None:
        slot_file = slot_file.without(f"user:{remove_username}")

    # 1. the new casebook, checked before anything depends on it
    with unit_of_work(session.conn):
        audit.record(session, audit.ACCOUNT, object_type="casebook", detail="data key rotated")
    session.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    rekey_into(session.conn, paths.next_db, new_key)
    check = open_database(paths.next_db, new_key)
    try:
        problems = integrity_problems(check)
    finally:
        check.close()
    if problems:
        paths.next_db.unlink(missing_ok=True)
        raise RotationFailed(f"The re-encrypted copy failed its check ({problems[0]}); nothing was changed.")
    fsync_dir(paths.data_dir)

    # 2. every remaining slot opens either key; the leaver's slot is gone
    keyslots.write_slot_file(paths.slots, slot_file.resealed([new_key, old_key]))

    # 3. swap
    user, setting, data_dir, clock = session.user, session.setting, session.data_dir, session.clock
    session.close()
    for suffix in ("-wal", "-shm"):
        leftover = paths.db.with_name(paths.db.name + suffix)
        leftover.unlink(missing_ok=True)
    os.replace(paths.next_db, paths.db)
    fsync_dir(paths.data_dir)

    # 4. only the new key remains sealed
    keyslots.write_slot_file(paths.slots, slot_file.resealed([new_key]))

    conn = open_store(paths, new_key, now=clock.now())
    reopened = Session(conn, user, setting, data_dir, clock, bytearray(new_key))
    return RotationResult(reopened, remove_username, keyslots.key_id(old_key), keyslots.key_id(new_key))

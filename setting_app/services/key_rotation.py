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
from setting_app.services import audit, manager_key
from setting_app.services.session import Session
from setting_app.storage import keyslots, setting_repo, staff_repo
from setting_app.storage.casebook_store import open_store
from setting_app.storage.database import integrity_problems, open_database, rekey_into
from setting_app.storage.fsutil import fsync_dir
from setting_app.storage.instance_lock import InstanceLock
from setting_app.storage.unit_of_work import unit_of_work


class RotationFailed(AppError):
    pass


#: Set when someone is removed, cleared when both keys have been rotated (in the new casebook).
PENDING_ROTATION = "key_rotation_pending"


def finish_pending_removal(session: Session) -> Session:
    """A removal whose key rotation was cut short (a power cut, a kill) is finished at the next sign-in
    that can do it: a manager's (the manager key is needed) holding, or able to take, the casebook's lock.
    Returns the session to use (a new one if the keys were rotated)."""
    if not session.has_manager_key or setting_repo.get_app_setting(session.conn, PENDING_ROTATION) is None:
        return session
    if InstanceLock.held_here(session.data_dir):
        return rotate_data_key(session).session
    try:
        lock = InstanceLock(session.data_dir).acquire()
    except AppError:
        return session  # the app is open on it: that app finishes it at its next manager sign-in
    try:
        return rotate_data_key(session).session
    finally:
        lock.release()


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
        # Cleared in the re-keyed casebook only: a removal cut short is finished at a manager's next unlock.
        setting_repo.set_app_setting(session.conn, PENDING_ROTATION, username)
        audit.record(
            session,
            audit.ACCOUNT,
            object_type="staff",
            object_id=leaver.id,
            detail=f"removed {username}: account switched off, key slot removed",
        )
    return rotate_data_key(session, remove_username=username)


def rotate_data_key(session: Session, *, remove_username: str | None = None) -> RotationResult:
    """Re-encrypt the casebook under a new data key, move everything under a new manager key, and reseal
    every remaining slot.

    Order, so that a SIGKILL at any point leaves the old state or the new one and every remaining
    person able to unlock (unlock picks whichever sealed key the casebook really uses):
    0. slots without the leaver, managers holding BOTH manager keys (old and new);
    1. one transaction re-encrypting restricted content and the vault under the new manager key;
    2. ``casebook.db.next`` under the new data key; slots holding both data keys; swap;
    3. slots holding only the new keys.
    """
    session.require_manager("change the casebook's key")
    paths = session.paths
    old_key = session.data_key()
    new_key = keyslots.new_data_key()
    old_manager = bytes(session._manager_key) if session.has_manager_key else None
    new_manager = keyslots.new_data_key() if old_manager is not None else None
    slot_file = keyslots.read_slot_file(paths.slots)
    if slot_file.damaged_lines:
        raise RotationFailed(
            "The key file has damaged entries; fix that first (restore it, or reset passphrases), "
            "so that nobody is locked out by the change of key."
        )
    if remove_username is not None:
        slot_file = slot_file.without(f"user:{remove_username}")
    both_managers = [new_manager, old_manager] if old_manager is not None else None

    # 0 and 1: the manager key, in one transaction once every manager slot can open both
    keyslots.write_slot_file(paths.slots, slot_file.resealed([old_key], both_managers))
    _crash_point("after-manager-slots")
    try:
        with unit_of_work(session.conn):
            if old_manager is not None and new_manager is not None:
                manager_key.reencrypt(session.conn, old_manager, new_manager)
                session.set_manager_key(new_manager)
            audit.record(
                session, audit.ACCOUNT, object_type="casebook", detail="data key and manager key rotated"
            )
            audit.sign_head(session, "key rotation")
    except BaseException:
        session.set_manager_key(old_manager)
        raise
    _crash_point("after-manager-reencrypt")

    # 2. the new casebook, checked before anything depends on it
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
    keyslots.write_slot_file(paths.slots, slot_file.resealed([new_key, old_key], both_managers))
    _crash_point("before-swap")

    user, setting, data_dir, clock = session.user, session.setting, session.data_dir, session.clock
    session.close()
    for suffix in ("-wal", "-shm"):
        leftover = paths.db.with_name(paths.db.name + suffix)
        leftover.unlink(missing_ok=True)
    os.replace(paths.next_db, paths.db)
    fsync_dir(paths.data_dir)
    _crash_point("after-swap")

    # 3. only the new keys remain sealed
    keyslots.write_slot_file(
        paths.slots, slot_file.resealed([new_key], [new_manager] if new_manager is not None else None)
    )

    conn = open_store(paths, new_key, now=clock.now())
    with unit_of_work(conn):
        conn.execute("DELETE FROM app_settings WHERE key = ?", (PENDING_ROTATION,))
    reopened = Session(
        conn, user, setting, data_dir, clock, bytearray(new_key), bytearray(new_manager or b"")
    )
    return RotationResult(reopened, remove_username, keyslots.key_id(old_key), keyslots.key_id(new_key))


def _crash_point(name: str) -> None:
    """Tests stop the process here (SIGKILL to itself) to prove each step leaves a usable casebook."""
    if os.environ.get("SETTING_APP_TEST_CRASH_AT") == name:
        os.kill(os.getpid(), 9)

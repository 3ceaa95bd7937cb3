"""Creating, unlocking and recovering a casebook."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from setting_app.domain import validation
from setting_app.domain.clock import SYSTEM_CLOCK, Clock
from setting_app.domain.codes import Role
from setting_app.domain.errors import (
    AlreadyExists,
    AppError,
    PassphraseNotRecognised,
    RecoveryCodeNotRecognised,
    UnknownUser,
    UnlockError,
)
from setting_app.domain.models import SettingDetails
from setting_app.services import audit
from setting_app.services import manager_key as manager_key_service
from setting_app.services.session import Session
from setting_app.storage import audit_repo, keyslots, setting_repo, staff_repo
from setting_app.storage.casebook_store import CasebookPaths, choose_key, create_store, open_store
from setting_app.storage.database import integrity_problems
from setting_app.storage.instance_lock import InstanceLock
from setting_app.storage.keyslots import PRODUCTION_KDF, KdfParams
from setting_app.storage.unit_of_work import unit_of_work
from setting_app.storage.unlock_throttle import Record as UnlockRecord
from setting_app.storage.unlock_throttle import UnlockThrottle


@dataclass(frozen=True)
class NewCasebook:
    session: Session
    recovery_code: str


def casebook_exists(data_dir: Path) -> bool:
    return CasebookPaths(data_dir).exists()


def create_casebook(
    data_dir: Path,
    setting: SettingDetails,
    manager_username: str,
    manager_display_name: str,
    passphrase: str,
    *,
    kdf: KdfParams = PRODUCTION_KDF,
    clock: Clock = SYSTEM_CLOCK,
) -> NewCasebook:
    """Make a new casebook with its first manager and a recovery code (shown once, never stored)."""
    paths = CasebookPaths(data_dir)
    if paths.exists():
        raise AlreadyExists(f"{data_dir} already holds a casebook; nothing was changed.")
    setting = validation.check_setting(setting)
    username = validation.check_username(manager_username)
    display_name = validation.require_text(manager_display_name or username, "display name", max_length=80)
    validation.check_new_passphrase(passphrase, user_inputs=(username, display_name, setting.name))

    data_key = keyslots.new_data_key()
    manager_key = keyslots.new_data_key()
    recovery_code = keyslots.new_recovery_code()
    slots = keyslots.SlotFile(
        slots=(
            keyslots.make_user_slot(username, Role.MANAGER.value, passphrase, data_key, kdf, manager_key),
            keyslots.make_recovery_slot(recovery_code, data_key, kdf, manager_key),
        )
    )
    conn = create_store(paths, data_key)
    try:
        now = clock.now()
        with unit_of_work(conn):
            setting_repo.save_setting(conn, setting, now)
            user = staff_repo.add_staff(conn, username, display_name, Role.MANAGER, now)
            session = Session(conn, user, setting, data_dir, clock, bytearray(data_key))
            manager_key_service.install(session, manager_key)
            session.set_manager_key(manager_key)
            from setting_app.services import export_keys  # late: it loads the LA export package (0.2 s)

            export_keys.create_export_key(conn, now, manager_key)
            audit_repo.append(
                conn,
                at=now,
                staff_id=user.id,
                username=username,
                action=audit.ACCOUNT,
                object_type="casebook",
                detail="casebook created with its first manager and a recovery code",
            )
        keyslots.write_slot_file(paths.slots, slots)
    except BaseException:
        conn.close()
        raise
    return NewCasebook(session, recovery_code)


def _open_session(paths: CasebookPaths, data_key: bytes, username: str, clock: Clock) -> Session:
    conn = open_store(paths, data_key, now=clock.now())
    try:
        user = staff_repo.get_staff_by_username(conn, username)
        if user is None:
            raise UnknownUser(f"There is no staff account called '{username}' in this casebook.")
        if not user.active:
            raise UnlockError(f"The account '{username}' has been switched off. Ask a manager.")
        setting = setting_repo.get_setting(conn)
    except BaseException:
        conn.close()
        raise
    return Session(conn, user, setting, paths.data_dir, clock, bytearray(data_key))


def _own_words(session: Session) -> tuple[str, ...]:
    """What a passphrase must not be made of: the user's names and the setting's."""
    return (session.user.username, session.user.display_name, session.setting.name)


def _failed_attempts_detail(earlier: UnlockRecord) -> str:
    when = earlier.last_failure_at.strftime("%Y-%m-%d %H:%M") if earlier.last_failure_at else "unknown"
    detail = f"{earlier.failures} failed attempt(s), last {when} UTC"
    if earlier.refused:
        detail += f" ({earlier.refused} of them turned away during the wait without being tried)"
    return detail


def key_derivation_cost(data_dir: Path, username: str) -> int | None:
    """How costly unlocking as ``username`` is (KiB of memory x passes of the slot's Argon2id), so a
    caller can decide to unlock on a worker thread; None if there is no such slot to read."""
    try:
        slots = keyslots.read_slot_file(CasebookPaths(data_dir).slots)
        slot = keyslots.find_user_slot(slots, (username or "").strip().lower())
    except (AppError, OSError, ValueError):
        return None
    return slot.kdf.memory_kib * slot.kdf.iterations


def unlock(data_dir: Path, username: str, passphrase: str, *, clock: Clock = SYSTEM_CLOCK) -> Session:
    """Passphrase → slot → data key → database. A wrong passphrase never touches the database file."""
    paths = CasebookPaths(data_dir)
    paths.check_openable()
    username = (username or "").strip().lower()
    if not username:
        raise UnknownUser("Say which staff account to use (for example --user jsmith).")
    slot = keyslots.find_user_slot(keyslots.read_slot_file(paths.slots), username)
    throttle = UnlockThrottle(data_dir, clock)
    # Counted before the passphrase is tried, under a lock: see unlock_throttle.
    opened = throttle.attempt(
        lambda: keyslots.open_with_passphrase(slot, passphrase), PassphraseNotRecognised
    )
    try:
        data_key = choose_key(paths, opened.data_keys)
        session = _open_session(paths, data_key, username, clock)
    except BaseException:
        throttle.take_back()
        raise
    earlier = throttle.record_success()
    try:
        _finish_unlock(session, slot, opened, earlier)
    except BaseException:
        session.close()
        raise
    finish_interrupted_rotation(paths, data_key, session)
    from setting_app.services import key_rotation  # late: it imports this module's neighbours

    try:
        return key_rotation.finish_pending_removal(session)
    except BaseException:
        if session.is_open:
            session.close()
        raise


def _finish_unlock(
    session: Session, slot: keyslots.KeySlot, opened: keyslots.SlotKeys, earlier: UnlockRecord
) -> None:
    """Settle the manager key, then write the unlock's audit rows (and, for a manager, sign the head)."""
    claimed_manager = session.user.is_manager
    manager_key_service.settle_at_unlock(session, slot, opened.manager_keys, opened)
    with unit_of_work(session.conn):
        if earlier.failures:
            audit.record(session, audit.UNLOCK_FAILED, detail=_failed_attempts_detail(earlier))
        if claimed_manager and not session.user.is_manager:
            audit.record(
                session,
                audit.ACCOUNT,
                object_type="staff",
                object_id=session.user.id,
                detail="staff record says manager but the key slot holds no manager key: signed in as practitioner",
            )
        audit.record(session, audit.UNLOCK)
        if session.has_manager_key:
            audit.sign_head(session, "manager unlock")


def recover_access(
    data_dir: Path,
    recovery_code: str,
    username: str,
    new_passphrase: str,
    *,
    kdf: KdfParams = PRODUCTION_KDF,
    clock: Clock = SYSTEM_CLOCK,
) -> Session:
    """Forgotten passphrase or damaged slot: the recovery code unlocks, and the user gets a new slot."""
    paths = CasebookPaths(data_dir)
    paths.check_openable()
    username = (username or "").strip().lower()
    # Judged again with the display name and setting name once the casebook is open.
    validation.check_new_passphrase(new_passphrase, "new passphrase", user_inputs=(username,))
    slot_file = keyslots.read_slot_file(paths.slots)
    recovery = slot_file.recovery()
    if recovery is None:
        raise UnlockError(
            "The recovery code's key slot is missing or damaged; restore the key file from a backup."
        )
    throttle = UnlockThrottle(data_dir, clock)
    opened = throttle.attempt(
        lambda: keyslots.open_with_recovery_code(recovery, recovery_code), RecoveryCodeNotRecognised
    )
    throttle.record_success()
    data_key = choose_key(paths, opened.data_keys)
    session = _open_session(paths, data_key, username, clock)
    try:
        validation.check_new_passphrase(new_passphrase, "new passphrase", user_inputs=_own_words(session))
        # The recovery code holds the manager key; the account gets it only if it is a manager's.
        manager_key_service.settle_at_unlock(session, recovery, opened.manager_keys, opened)
        manager_key = bytes(session._manager_key) if session.has_manager_key else None
        new_slot = keyslots.make_user_slot(
            session.user.username, session.user.role.value, new_passphrase, data_key, kdf, manager_key
        )
        keyslots.write_slot_file(paths.slots, keyslots.read_slot_file(paths.slots).with_slot(new_slot))
        if not session.user.is_manager:
            session.set_manager_key(None)
        with unit_of_work(session.conn):
            audit.record(
                session,
                audit.ACCOUNT,
                object_type="staff",
                object_id=session.user.id,
                detail="new passphrase set with the recovery code",
            )
    except BaseException:
        session.close()
        raise
    finish_interrupted_rotation(paths, data_key, session)
    return session


def finish_interrupted_rotation(
    paths: CasebookPaths, data_key: bytes, session: Session | None = None
) -> None:
    """Tidy up after a key rotation that was cut short (power cut, killed process).

    Before the swap the old casebook is still the real one, and the half-written new file is removed.
    After the swap the new casebook is the real one. Either way every slot is then resealed with just
    the key that works, so the other key stops being useful.
    """
    if paths.next_db.exists():
        try:
            with InstanceLock(paths.data_dir):
                paths.next_db.unlink(missing_ok=True)
        except AppError:
            return  # the app is open elsewhere (perhaps rotating right now): leave it alone
    slot_file = keyslots.read_slot_file(paths.slots)
    current = keyslots.key_id(data_key)
    manager_key = bytes(session._manager_key) if session is not None and session.has_manager_key else None
    manager_ids = [keyslots.key_id(manager_key)] if manager_key else None
    settled = all(
        [k.key_id for k in s.sealed] == [current]
        and (
            manager_ids is None
            or not s.may_hold_manager_key
            or [k.key_id for k in s.sealed_manager] == manager_ids
        )
        for s in slot_file.slots
    )
    if slot_file.damaged_lines or settled:
        return
    keyslots.write_slot_file(
        paths.slots, slot_file.resealed([data_key], [manager_key] if manager_key else None)
    )


def check_casebook(session: Session) -> list[str]:
    """Everything wrong with the database and its audit trail, or an empty list."""
    problems = integrity_problems(session.conn)
    if not problems:
        broken = audit.verify(session)
        if broken:
            problems.append(f"the audit trail is broken: {broken}")
    return problems

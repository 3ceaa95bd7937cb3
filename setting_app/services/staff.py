"""Staff accounts: adding people, listing them, and changing one's own passphrase."""

from __future__ import annotations

from setting_app.domain import validation
from setting_app.domain.codes import Role
from setting_app.domain.errors import AlreadyExists
from setting_app.domain.models import StaffUser
from setting_app.services import audit
from setting_app.services.session import Session
from setting_app.storage import keyslots, staff_repo
from setting_app.storage.keyslots import PRODUCTION_KDF, KdfParams
from setting_app.storage.unit_of_work import unit_of_work


def add_user(
    session: Session,
    username: str,
    role: Role | str,
    passphrase: str,
    *,
    display_name: str = "",
    kdf: KdfParams = PRODUCTION_KDF,
) -> StaffUser:
    session.require_manager("add staff accounts")
    username = validation.check_username(username)
    role = validation.check_role(role)
    display_name = validation.require_text(display_name or username, "display name", max_length=80)
    validation.check_new_passphrase(passphrase, user_inputs=(username, display_name, session.setting.name))
    slot_file = keyslots.read_slot_file(session.paths.slots)
    if staff_repo.get_staff_by_username(session.conn, username) or slot_file.find_user(username):
        raise AlreadyExists(f"There is already a staff account called '{username}'.")
    # A new manager's slot carries the manager key, so only a manager who holds it can add one.
    manager_key = (
        session.manager_key("add a manager") if role.value == "manager" and session.has_manager_key else None
    )
    slot = keyslots.make_user_slot(username, role.value, passphrase, session.data_key(), kdf, manager_key)
    with unit_of_work(session.conn):
        user = staff_repo.add_staff(session.conn, username, display_name, role, session.clock.now())
        audit.record(
            session,
            audit.ACCOUNT,
            object_type="staff",
            object_id=user.id,
            detail=f"added {username} as {role.value}",
        )
        # Written inside the transaction: if the slot file cannot be written, the account is not added.
        keyslots.write_slot_file(session.paths.slots, slot_file.with_slot(slot))
    return user


def list_users(session: Session) -> list[StaffUser]:
    return staff_repo.list_staff(session.conn)


def change_passphrase(session: Session, current: str, new: str, *, kdf: KdfParams = PRODUCTION_KDF) -> None:
    """Rewrites this user's slot only; every other slot is left byte for byte as it was."""
    user = session.user
    validation.check_new_passphrase(
        new, "new passphrase", user_inputs=(user.username, user.display_name, session.setting.name)
    )
    slot_file = keyslots.read_slot_file(session.paths.slots)
    slot = keyslots.find_user_slot(slot_file, session.user.username)
    new_slot = keyslots.change_slot_passphrase(slot, current, new, kdf)  # proves the current passphrase
    with unit_of_work(session.conn):
        audit.record(
            session,
            audit.ACCOUNT,
            object_type="staff",
            object_id=session.user.id,
            detail="passphrase changed",
        )
        keyslots.write_slot_file(session.paths.slots, slot_file.with_slot(new_slot))

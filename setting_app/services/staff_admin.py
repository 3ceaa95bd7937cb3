"""Managing staff accounts beyond adding them: switching an account off or on (managers only)."""

from __future__ import annotations

from dataclasses import replace

from setting_app.domain.codes import Role
from setting_app.domain.errors import NotFound, ValidationError
from setting_app.domain.models import StaffUser
from setting_app.services.session import Session
from setting_app.storage import staff_repo
from setting_app.storage.unit_of_work import unit_of_work


def set_user_active(session: Session, user_id: int, active: bool) -> StaffUser:
    """A switched-off account can no longer unlock the casebook; its entries keep its name.

    A manager cannot switch off their own account, and the last active manager cannot be switched
    off, so a casebook always has someone who can manage it.
    """
    session.require_manager("switch staff accounts on or off")
    with unit_of_work(session.conn):
        user = staff_repo.get_staff(session.conn, user_id)
        if user is None:
            raise NotFound("That staff account is no longer in the casebook.")
        if not active:
            if user.id == session.user.id:
                raise ValidationError("account", "you cannot switch off your own account")
            if user.role is Role.MANAGER:
                managers = [
                    u
                    for u in staff_repo.list_staff(session.conn, active_only=True)
                    if u.role is Role.MANAGER and u.id != user.id
                ]
                if not managers:
                    raise ValidationError("account", "the casebook must keep at least one active manager")
        staff_repo.set_staff_active(session.conn, user.id, active)
    return replace(user, active=active)

"""Small settings a manager can change: the setting's details and the auto-lock time."""

from __future__ import annotations

from setting_app.domain import validation
from setting_app.domain.errors import ValidationError
from setting_app.domain.models import SettingDetails
from setting_app.services.session import Session
from setting_app.storage import setting_repo
from setting_app.storage.unit_of_work import unit_of_work

AUTO_LOCK_KEY = "auto_lock_minutes"
DEFAULT_AUTO_LOCK_MINUTES = 5
MIN_AUTO_LOCK_MINUTES = 1
#: Longer than an hour would leave a shared PC open to anyone passing by.
MAX_AUTO_LOCK_MINUTES = 60


def auto_lock_minutes(session: Session) -> int:
    """Minutes of no keyboard or mouse use before the app locks itself (default 5)."""
    raw = setting_repo.get_app_setting(session.conn, AUTO_LOCK_KEY)
    try:
        minutes = int(raw) if raw is not None else DEFAULT_AUTO_LOCK_MINUTES
    except ValueError:
        return DEFAULT_AUTO_LOCK_MINUTES
    return min(max(minutes, MIN_AUTO_LOCK_MINUTES), MAX_AUTO_LOCK_MINUTES)


def set_auto_lock_minutes(session: Session, minutes: int | str) -> int:
    session.require_manager("change the auto-lock time")
    try:
        value = int(str(minutes).strip())
    except ValueError:
        raise ValidationError("auto-lock minutes", f"'{minutes}' is not a whole number of minutes") from None
    if not MIN_AUTO_LOCK_MINUTES <= value <= MAX_AUTO_LOCK_MINUTES:
        raise ValidationError(
            "auto-lock minutes",
            f"must be from {MIN_AUTO_LOCK_MINUTES} to {MAX_AUTO_LOCK_MINUTES} minutes (got {value})",
        )
    with unit_of_work(session.conn):
        setting_repo.set_app_setting(session.conn, AUTO_LOCK_KEY, str(value))
    return value


def update_setting_details(session: Session, details: SettingDetails) -> SettingDetails:
    """Change the setting's name, URN, nation, local authority and models (managers only)."""
    session.require_manager("change the setting's details")
    details = validation.check_setting(details)
    with unit_of_work(session.conn):
        setting_repo.save_setting(session.conn, details, session.clock.now())
    session.setting = details
    return details

"""What every screen and dialog is given: the unlocked session and app-wide signals.

There is no global app object. Screens receive an ``AppContext`` in their constructor and ask it for
the session each time (the session is closed on lock and replaced on unlock), and talk to each other
only through its signals.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from setting_app.domain.clock import SYSTEM_CLOCK, Clock
from setting_app.domain.codes import Nation
from setting_app.domain.errors import PermissionDenied
from setting_app.domain.models import SettingDetails, StaffUser
from setting_app.services.session import Session


class AppContext(QObject):
    #: Something was saved; the argument names what ("entries", "families", "referrals", "settings", "staff").
    data_changed = Signal(str)
    #: Show a family's page (family id).
    open_family_requested = Signal(int)
    #: Open the quick log, preselecting a family id (or None).
    quick_log_requested = Signal(object)
    #: Go to a screen by key ("dashboard", "families", "log", "referrals", "reports", "settings").
    navigate_requested = Signal(str)
    #: The casebook was locked or unlocked.
    locked_changed = Signal(bool)

    def __init__(
        self, session: Session | None, clock: Clock = SYSTEM_CLOCK, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._session = session
        self.clock = clock
        #: Why there is no session for now although the casebook is not locked (``suspend``), or "".
        self.suspended = ""
        self._last_nation = session.setting.nation if session is not None else Nation.ENGLAND

    @property
    def session(self) -> Session:
        if self._session is None or not self._session.is_open:
            raise PermissionDenied(self.suspended or "The casebook is locked.")
        return self._session

    @property
    def is_unlocked(self) -> bool:
        return self._session is not None and self._session.is_open

    def suspend(self, reason: str) -> Session:
        """Take the session away, without locking, while a worker replaces its casebook (key rotation).

        Anything asking for the session meanwhile is refused with ``reason`` (a plain line), and the idle
        lock has nothing to lock; ``set_session`` then hands every screen the new session."""
        session = self.session
        self._session = None
        self.suspended = reason
        return session

    def set_session(self, session: Session | None) -> None:
        self.suspended = ""
        if session is not None:
            self._last_nation = session.setting.nation
        self._session = session
        self.locked_changed.emit(session is None)

    @property
    def user(self) -> StaffUser:
        return self.session.user

    @property
    def setting(self) -> SettingDetails:
        return self.session.setting

    @property
    def nation(self) -> Nation:
        """The setting's nation; while locked, the last one known (it only picks words, no data)."""
        if self.is_unlocked:
            self._last_nation = self.session.setting.nation
        return self._last_nation

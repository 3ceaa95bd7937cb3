"""The main window: navigation on the left, the current screen on the right, menus and status bar.

It owns the app-wide behaviours: Ctrl+N (quick log), lock (Ctrl+L and after idle time), the blank
screen key (F12 or Ctrl+B), and returning to the same screen, with the same windows and typed text,
after unlocking.
"""

from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path

import shiboken6
from PySide6.QtCore import QElapsedTimer, QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMenuBar,
    QMessageBox,
    QStackedWidget,
    QToolBar,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from setting_app import __version__
from setting_app.domain.codes import Nation
from setting_app.domain.errors import AppError
from setting_app.services import app_settings
from setting_app.services.session import Session

from setting_app.ui.context import AppContext
from setting_app.ui.dialogs.unlock_dialog import UnlockPanel
from setting_app.ui.errors import default_log_dir, reporting_errors
from setting_app.ui.idle_lock import (
    BLANK_SHORTCUT_TEXT,
    DEFAULT_TICK_MS,
    LOCK_SHORTCUT_TEXT,
    ActivityFilter,
    Cover,
    IdleLock,
)
from setting_app.ui.screens import (
    FAMILY_PAGE,
    NAVIGATION,
    QUICK_LOG_DIALOG,
    ScreenSpec,
    load_class,
    screen_spec,
    visible_screens,
)

log = logging.getLogger("setting_app.ui")

#: The spreadsheet import dialog (managers), if its author has added it.
CSV_IMPORT_DIALOG = ("setting_app.ui.dialogs.csv_import_dialog", "CsvImportDialog")
NO_EXPORT_KEY = "no export key yet"


def licence_text() -> str:
    """The licence named in pyproject.toml (bundled with the frozen app too)."""
    import tomllib

    from setting_app.paths import pyproject_path

    try:
        with pyproject_path().open("rb") as handle:
            licence = tomllib.load(handle)["project"]["license"]
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError):
        return "MIT"
    return str(licence.get("text", licence) if isinstance(licence, dict) else licence)


APP_TITLE = "Family Support Log"
BLANK_MESSAGE = f"Screen hidden. Press {BLANK_SHORTCUT_TEXT} or Ctrl+B to show it again."
NATION_NAMES = {Nation.ENGLAND: "England", Nation.SCOTLAND: "Scotland"}


class ComingSoonScreen(QWidget):
    """Stands in for a screen whose module is not there yet."""

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        text = QLabel(f"{label}\n\nComing soon.")
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setAccessibleName(f"{label}: coming soon")
        layout = QVBoxLayout(self)
        layout.addWidget(text)

    def refresh(self) -> None:
        pass


def warm_up_modules() -> list[str]:
    """The modules a first visit to each screen would import (the Records tabs take 0.2-0.5 s)."""
    from setting_app.ui.screens.records_privacy import TABS

    names = [spec.module for spec in (*NAVIGATION, FAMILY_PAGE)]
    names += [module for module, _cls, _label in TABS]
    names += [QUICK_LOG_DIALOG[0], CSV_IMPORT_DIALOG[0]]
    return list(dict.fromkeys(names))


class ImportWarmer(QObject):
    """Imports the screens' modules one at a time while the person is idle, so that opening a
    screen for the first time does not wait for its imports. Only ever between inputs: a module is
    imported when there has been no input for ``IDLE_MS``."""

    IDLE_MS = 800
    TICK_MS = 250

    def __init__(self, modules: list[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pending = list(modules)
        self._quiet = QElapsedTimer()
        self._quiet.start()
        self._timer = QTimer(self)
        self._timer.setInterval(self.TICK_MS)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._timer.start()

    def touch(self) -> None:
        self._quiet.restart()

    def _tick(self) -> None:
        if self._quiet.elapsed() < self.IDLE_MS:
            return
        while self.pending:
            name = self.pending.pop(0)
            if name in sys.modules:
                continue
            try:
                importlib.import_module(name)
            except Exception as error:  # a screen still being written: its first visit says so
                log.info("warm-up import of %s failed (%s)", name, type(error).__name__)
            return
        self._timer.stop()


class _LockedWindow:
    """A window covered (not hidden) while locked: hiding a dialog in ``exec()`` would cancel it."""

    def __init__(self, window: QWidget, cover: Cover, min_size: QSize, size: QSize) -> None:
        self.window = window
        self.cover = cover
        self.min_size = min_size
        self.size = size


class MainWindow(QMainWindow):
    #: Emitted after a lock (True) or an unlock (False), once the window has been rearranged.
    lock_state_changed = Signal(bool)

    def __init__(
        self,
        ctx: AppContext,
        data_dir: Path,
        *,
        tick_ms: int = DEFAULT_TICK_MS,
        log_dir: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.data_dir = data_dir
        self.log_dir = log_dir or default_log_dir()
        self.screens: dict[str, QWidget] = {}
        self.current_key = "dashboard"
        self.family_id: int | None = None
        self.quick_log: QDialog | None = None
        self.locked = False
        self._last_username = ctx.user.username if ctx.is_unlocked else ""
        self._hidden_windows: list[QWidget] = []
        self._covered_windows: list[_LockedWindow] = []
        self._blank_covers: list[Cover] = []
        self._focus_before_blank: QWidget | None = None
        self._history: list[tuple[str, int | None]] = []

        self.nav = QListWidget()
        self.nav.setAccessibleName("Navigation")
        self.nav.setObjectName("navigation")
        self.nav.setMaximumWidth(self.fontMetrics().horizontalAdvance("M") * 12)
        self.nav.setStyleSheet("QListWidget#navigation::item { padding: 6px 8px; }")
        self.nav.currentItemChanged.connect(self._nav_changed)
        self.stack = QStackedWidget()
        self.lock_page = self._build_lock_page()
        self.stack.addWidget(self.lock_page)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.user_label = QLabel()
        self.user_label.setAccessibleName("Signed in as")
        self.setting_label = QLabel()
        self.setting_label.setAccessibleName("Setting")
        self.statusBar().addWidget(self.user_label, 1)
        self.statusBar().addPermanentWidget(self.setting_label)
        self._build_actions()

        self.activity = ActivityFilter(self)
        self.activity.blocker = self._block_input
        self.activity.lock_key_pressed.connect(lambda: self.lock("keyboard"))
        self.activity.blank_key_pressed.connect(self.toggle_blank)
        QApplication.instance().installEventFilter(self.activity)
        self.idle = IdleLock(ctx.clock, app_settings.DEFAULT_AUTO_LOCK_MINUTES, tick_ms=tick_ms, parent=self)
        self.activity.activity.connect(self.idle.touch)
        self.idle.timed_out.connect(lambda: self.lock("idle"))

        #: A lock asked for while the session was suspended (a key rotation): done when it is back.
        self._lock_when_resumed = ""
        ctx.locked_changed.connect(self._session_changed)
        ctx.data_changed.connect(self._data_changed)
        ctx.open_family_requested.connect(self.show_family)
        ctx.quick_log_requested.connect(self.open_quick_log)
        ctx.navigate_requested.connect(self.show_screen)

        self.resize(1280, 800)
        self._apply_user()
        self.show_screen("dashboard")
        self.idle.start()
        self.warmer = ImportWarmer(warm_up_modules(), parent=self)
        self.activity.activity.connect(self.warmer.touch)
        self.warmer.start()

    # -- building ------------------------------------------------------------------------------

    def _build_lock_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("lockPage")
        self.lock_panel = UnlockPanel(
            self.data_dir, self.ctx.clock, username=self._last_username, heading="Locked", parent=page
        )
        note = QLabel("The casebook is locked. Unlock to carry on where you left off.")
        note.setWordWrap(True)
        note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.lock_panel.unlocked.connect(self._unlocked)
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        layout.addWidget(self.lock_panel, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(note)
        layout.addStretch(2)
        return page

    def _build_actions(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        # Lock and blank are caught by the app-wide key filter (so they work over modal dialogs);
        # the text after the tab only shows the key in the menu.
        self.lock_action = QAction(f"&Lock\t{LOCK_SHORTCUT_TEXT}", self)
        self.lock_action.triggered.connect(lambda: self.lock("menu"))
        self.blank_action = QAction(f"&Hide screen\t{BLANK_SHORTCUT_TEXT}", self)
        self.blank_action.triggered.connect(self.toggle_blank)
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.lock_action)
        file_menu.addAction(self.blank_action)
        #: Managers only, and only once the import dialog exists (see _apply_user).
        self.import_action = QAction("&Import a spreadsheet…", self)
        self.import_action.triggered.connect(self.open_csv_import)
        self._import_dialog_cls = load_class(*CSV_IMPORT_DIALOG)
        if self._import_dialog_cls is not None:
            file_menu.addSeparator()
            file_menu.addAction(self.import_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        go_menu = menu.addMenu("&Go")
        self.go_actions: dict[str, QAction] = {}
        for spec in NAVIGATION:
            action = QAction(spec.label, self)
            if spec.shortcut:
                action.setShortcut(QKeySequence(spec.shortcut))
            action.triggered.connect(lambda _checked=False, key=spec.key: self.show_screen(key))
            go_menu.addAction(action)
            self.go_actions[spec.key] = action
        go_menu.addSeparator()
        self.back_action = QAction("&Back", self)
        self.back_action.setShortcut(QKeySequence.StandardKey.Back)
        self.back_action.triggered.connect(self.go_back)
        go_menu.addAction(self.back_action)

        log_menu = menu.addMenu("&Log")
        self.quick_log_action = QAction("&Quick log…", self)
        self.quick_log_action.setShortcut(QKeySequence("Ctrl+N"))
        self.quick_log_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.quick_log_action.triggered.connect(self._quick_log_shortcut)
        log_menu.addAction(self.quick_log_action)

        view_menu = menu.addMenu("&View")
        help_menu = menu.addMenu("&Help")
        self.about_action = QAction("&About Family Support Log", self)
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)

        self.toolbar = QToolBar("Actions")
        self.toolbar.setObjectName("actions")
        self.toolbar.setMovable(False)
        self.toolbar.setFloatable(False)
        # Qt's own right-click menu on the tool bar (and menu bar) has an "Actions" tick that hides
        # the Quick log, Lock and Hide screen buttons with no way back: there is none (see
        # createPopupMenu), and the View menu shows the tool bar again if it is ever hidden.
        self.toolbar.setContextMenuPolicy(Qt.ContextMenuPolicy.PreventContextMenu)
        menu.setContextMenuPolicy(Qt.ContextMenuPolicy.PreventContextMenu)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        quick = QAction("Quick log (Ctrl+N)", self)
        quick.triggered.connect(self._quick_log_shortcut)
        lock = QAction(f"Lock ({LOCK_SHORTCUT_TEXT})", self)
        lock.triggered.connect(lambda: self.lock("toolbar"))
        blank = QAction(f"Hide screen ({BLANK_SHORTCUT_TEXT})", self)
        blank.triggered.connect(self.toggle_blank)
        for action in (quick, lock, blank):
            self.toolbar.addAction(action)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        self.toolbar_action = self.toolbar.toggleViewAction()
        self.toolbar_action.setText("&Tool bar (Quick log, Lock, Hide screen)")
        view_menu.addAction(self.toolbar_action)
        self._unlocked_only_actions = [
            self.lock_action,
            self.blank_action,
            self.back_action,
            self.quick_log_action,
            self.import_action,
            self.toolbar_action,
            *self.go_actions.values(),
        ]

    def createPopupMenu(self) -> QMenu | None:  # noqa: N802 (Qt's name)
        """No right-click menu of tool bars to hide: the tool bar stays (View menu to show it)."""
        return None

    # -- who is signed in ----------------------------------------------------------------------

    def _apply_user(self) -> None:
        """Navigation, title, status bar and auto-lock time for the person now signed in."""
        user = self.ctx.user
        self._last_username = user.username
        allowed = visible_screens(user.is_manager)
        self.nav.blockSignals(True)
        self.nav.clear()
        for spec in allowed:
            item = QListWidgetItem(spec.label)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            item.setToolTip(f"{spec.label} ({spec.shortcut})" if spec.shortcut else spec.label)
            self.nav.addItem(item)
        self.nav.blockSignals(False)
        allowed_keys = {s.key for s in allowed}
        for key, action in self.go_actions.items():
            action.setVisible(key in allowed_keys)
        self.import_action.setVisible(self._import_dialog_cls is not None and user.is_manager)
        self._update_titles()
        self.idle.set_minutes(app_settings.auto_lock_minutes(self.ctx.session))

    def _update_titles(self) -> None:
        user, setting = self.ctx.user, self.ctx.setting
        self.setWindowTitle(f"{APP_TITLE} — {setting.name}")
        role = "manager" if user.is_manager else "practitioner"
        self.user_label.setText(f"Signed in: {user.display_name} ({role})")
        self.setting_label.setText(f"{setting.name} · {NATION_NAMES[setting.nation]}")

    # -- screens -------------------------------------------------------------------------------

    def screen(self, key: str) -> QWidget:
        """The screen for ``key``, made the first time it is needed."""
        widget = self.screens.get(key)
        if widget is None:
            spec = screen_spec(key)
            widget = self._make_screen(spec)
            self.screens[key] = widget
            self.stack.addWidget(widget)
        return widget

    def _make_screen(self, spec: ScreenSpec) -> QWidget:
        cls = load_class(spec.module, spec.cls)
        if cls is None:
            return ComingSoonScreen(spec.label)
        widget = cls(self.ctx)
        widget.setAccessibleName(spec.label)
        return widget

    def _allowed(self, key: str) -> bool:
        spec = screen_spec(key)
        return not spec.managers_only or self.ctx.user.is_manager

    def show_screen(self, key: str, *, remember: bool = True) -> None:
        if self.locked:
            self.current_key = key
            return
        if not self._allowed(key):
            key = "dashboard"
        if remember and (key, None) != (self.current_key, self.family_id):
            self._history.append((self.current_key, self.family_id))
            del self._history[:-20]
        widget = self.screen(key)
        self.current_key = key
        self.family_id = None
        # Select first: when the stack changes, focus can fall to the list, which would pick row 0.
        self._select_nav(key)
        self.stack.setCurrentWidget(widget)
        self._refresh(widget)

    def show_family(self, family_id: int, *, remember: bool = True) -> None:
        if self.locked:
            self.current_key, self.family_id = FAMILY_PAGE.key, family_id
            return
        if remember and (self.current_key, self.family_id) != (FAMILY_PAGE.key, family_id):
            self._history.append((self.current_key, self.family_id))
            del self._history[:-20]
        widget = self.screen(FAMILY_PAGE.key)
        self.current_key = FAMILY_PAGE.key
        self.family_id = family_id
        self._select_nav("families")
        self.stack.setCurrentWidget(widget)
        show = getattr(widget, "show_family", None)
        if callable(show):
            with reporting_errors(self):
                show(family_id)

    def go_back(self) -> None:
        while self._history:
            key, family_id = self._history.pop()
            if key == FAMILY_PAGE.key and family_id is not None:
                self.show_family(family_id, remember=False)
                return
            if key != FAMILY_PAGE.key:
                self.show_screen(key, remember=False)
                return

    def current_screen(self) -> QWidget:
        return self.stack.currentWidget()

    def _select_nav(self, key: str) -> None:
        self.nav.blockSignals(True)
        for row in range(self.nav.count()):
            if self.nav.item(row).data(Qt.ItemDataRole.UserRole) == key:
                self.nav.setCurrentRow(row)
                break
        self.nav.blockSignals(False)

    def _nav_changed(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if item is not None:
            self.show_screen(item.data(Qt.ItemDataRole.UserRole))

    def _refresh(self, widget: QWidget) -> None:
        refresh = getattr(widget, "refresh", None)
        if callable(refresh) and self.ctx.is_unlocked:
            with reporting_errors(self):
                refresh()

    def _data_changed(self, what: str) -> None:
        if self.locked or not self.ctx.is_unlocked:
            return
        if what == "settings":
            self._update_titles()
            self.idle.set_minutes(app_settings.auto_lock_minutes(self.ctx.session))
        screen = self.current_screen()
        # Screens that follow ``data_changed`` themselves have already reloaded: no second query.
        if not getattr(screen, "FOLLOWS_DATA_CHANGES", False):
            self._refresh(screen)

    # -- quick log -----------------------------------------------------------------------------

    def _quick_log_shortcut(self) -> None:
        self.ctx.quick_log_requested.emit(self.family_id if self.current_key == FAMILY_PAGE.key else None)

    def open_quick_log(self, family_id: int | None = None) -> QDialog | None:
        """One quick log at a time: asking again brings the open one to the front, typed text intact."""
        if self.locked or not self.ctx.is_unlocked:
            return None
        if self.quick_log is not None and shiboken6.isValid(self.quick_log) and self.quick_log.isVisible():
            self.quick_log.raise_()
            self.quick_log.activateWindow()
            return self.quick_log
        cls = load_class(*QUICK_LOG_DIALOG)
        if cls is None:
            box = QMessageBox(QMessageBox.Icon.Information, "Quick log", "The quick log is coming soon.")
            box.setParent(self, box.windowFlags())
            box.open()
            return None
        if self.quick_log is not None and shiboken6.isValid(self.quick_log):
            self.quick_log.deleteLater()
        dialog = cls(self.ctx, family_id=family_id, parent=self)
        self.quick_log = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def open_csv_import(self) -> QDialog | None:
        """The spreadsheet import (managers); the service refuses anyone else as well."""
        if self.locked or not self.ctx.is_unlocked or self._import_dialog_cls is None:
            return None
        if not self.ctx.user.is_manager:
            return None
        with reporting_errors(self):
            dialog = self._import_dialog_cls(self.ctx, parent=self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
            imported = getattr(dialog, "imported", None)
            if imported is not None:
                imported.connect(lambda _count: self.ctx.data_changed.emit("entries"))
            dialog.open()
            return dialog
        return None

    # -- lock ----------------------------------------------------------------------------------

    def _other_windows(self) -> list[QWidget]:
        windows = []
        for widget in QApplication.topLevelWidgets():
            if widget is self or not widget.isVisible() or not widget.isWindow():
                continue
            if widget.windowType() in (
                Qt.WindowType.Popup,
                Qt.WindowType.ToolTip,
                Qt.WindowType.SplashScreen,
            ):
                continue
            windows.append(widget)
        return windows

    @staticmethod
    def _close_popups() -> None:
        QToolTip.hideText()
        for _ in range(10):
            popup = QApplication.activePopupWidget()
            if popup is None:
                break
            popup.close()

    def _session_changed(self, locked: bool) -> None:
        reason, self._lock_when_resumed = self._lock_when_resumed, ""
        if reason and not locked:  # after every screen has taken the new session
            QTimer.singleShot(0, lambda: self.lock(reason))

    def lock(self, reason: str = "manual") -> None:
        """Hide everything, close the database and forget the key; the unlock form takes the window."""
        if not self.locked and self.ctx.suspended:
            self._lock_when_resumed = reason  # the key is being changed: lock once the new session is in
            return
        if self.locked or not self.ctx.is_unlocked:
            return
        log.info("locked (%s)", reason)
        self.idle.stop()
        self._close_popups()
        self._last_username = self.ctx.user.username
        for window in self._other_windows():
            if window.windowModality() != Qt.WindowModality.NonModal or (
                isinstance(window, QDialog) and window.isModal()
            ):
                self._cover_for_lock(window)
            else:
                window.hide()
                self._hidden_windows.append(window)
        self.locked = True
        self.nav.hide()
        self.toolbar.hide()
        for action in self._unlocked_only_actions:
            action.setEnabled(False)
        self.stack.setCurrentWidget(self.lock_page)
        self.user_label.setText("Locked")
        self.lock_panel.reset(self._last_username)
        session = self.ctx.session
        session.close()
        self.ctx.set_session(None)
        self.lock_state_changed.emit(True)

    def _cover_for_lock(self, window: QWidget) -> None:
        old_min, old_size = window.minimumSize(), window.size()
        cover = Cover(window)
        panel = UnlockPanel(
            self.data_dir, self.ctx.clock, username=self._last_username, heading="Locked", parent=cover
        )
        panel.unlocked.connect(self._unlocked)
        cover.add_content(panel)
        hint = cover.sizeHint()
        window.setMinimumSize(old_min.expandedTo(hint))
        window.resize(old_size.expandedTo(hint))
        panel.focus_first_empty()
        self._covered_windows.append(_LockedWindow(window, cover, old_min, old_size))

    def _unlock_panels(self) -> list[QWidget]:
        return [self.lock_panel] + [c.cover for c in self._covered_windows if shiboken6.isValid(c.cover)]

    def _unlocked(self, session: Session) -> None:
        """Back to where the person was: the same screen, the same windows, the same typed text."""
        if not self.locked:
            session.close()
            return
        self.ctx.set_session(session)
        self.locked = False
        for covered in self._covered_windows:
            if shiboken6.isValid(covered.window):
                covered.cover.remove()
                covered.window.setMinimumSize(covered.min_size)
                covered.window.resize(covered.size)
        self._covered_windows = []
        self.nav.show()
        self.toolbar.show()
        for action in self._unlocked_only_actions:
            action.setEnabled(True)
        self._apply_user()
        if self.current_key == FAMILY_PAGE.key and self.family_id is not None:
            self.show_family(self.family_id, remember=False)
        else:
            self.show_screen(self.current_key, remember=False)
        for window in self._hidden_windows:
            if shiboken6.isValid(window):
                window.show()
        self._hidden_windows = []
        self.idle.start()
        self.lock_state_changed.emit(False)

    # -- blank screen --------------------------------------------------------------------------

    @property
    def blanked(self) -> bool:
        return bool(self._blank_covers)

    def toggle_blank(self) -> None:
        """Cover every window at once with a plain panel; the same key uncovers them."""
        if self._blank_covers:
            for cover in self._blank_covers:
                if shiboken6.isValid(cover):
                    cover.remove()
            self._blank_covers = []
            focus = self._focus_before_blank
            self._focus_before_blank = None
            if focus is not None and shiboken6.isValid(focus) and focus.isVisible():
                focus.setFocus()
            return
        self._close_popups()
        self._focus_before_blank = QApplication.focusWidget()
        for window in [self, *self._other_windows()]:
            self._blank_covers.append(Cover(window, message=BLANK_MESSAGE))
        self._blank_covers[0].setFocus()

    # -- input while covered -------------------------------------------------------------------

    def _block_input(self, watched: QObject, event: QEvent) -> bool:
        """While blanked nothing gets input; while locked only the unlock forms (and Quit) do."""
        if not isinstance(watched, QWidget):
            return (
                event.type() == QEvent.Type.Shortcut
                and (self.blanked or self.locked)
                and watched not in (self.quit_action,)
            )
        if self.blanked:
            return True
        if not self.locked:
            return False
        if isinstance(watched, QMenuBar | QMenu):
            return False
        return not any(panel is watched or panel.isAncestorOf(watched) for panel in self._unlock_panels())

    # -- help and closing ----------------------------------------------------------------------

    def show_about(self) -> QMessageBox:
        box = QMessageBox(self)
        box.setWindowTitle(f"About {APP_TITLE}")
        box.setIcon(QMessageBox.Icon.Information)
        box.setText(f"{APP_TITLE} {__version__}")
        box.setInformativeText(
            "An encrypted record of the family support this setting gives.\n\n"
            f"Version: {__version__}\n"
            f"Licence: {licence_text()}\n"
            f"Casebook folder: {self.data_dir}\n"
            f"Log folder: {self.log_dir}\n"
            f"Local authority export key: {self.export_key_text()}"
        )
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        box.open()
        return box

    def export_key_text(self) -> str:
        """The LA export signing key's fingerprint, for checking it with the local authority."""
        if not self.ctx.is_unlocked:
            return "shown when unlocked"
        from setting_app.services.export_keys import export_key_fingerprint

        try:
            fingerprint = export_key_fingerprint(self.ctx.session.conn)
        except AppError as error:
            return error.message
        return fingerprint or NO_EXPORT_KEY

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.idle.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.activity)
        for window in self._other_windows():
            window.close()
        if self.ctx.is_unlocked:
            session = self.ctx.session
            session.close()
            self.ctx.set_session(None)
        log.info("closed")
        super().closeEvent(event)

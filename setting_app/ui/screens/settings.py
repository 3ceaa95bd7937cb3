"""Settings: the setting's details, staff accounts, activity types (with their outcome-framework
tags), auto-lock and one's own passphrase.

Managers can change things; practitioners see the details read-only and no staff controls. The
services refuse a practitioner too, whatever the screen shows.
"""

from __future__ import annotations

import logging

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.codes import DOMAIN_ORDER, Domain, IntegrationModel, Nation, ProviderType, Role
from setting_app.domain.errors import AppError, ValidationError
from setting_app.domain.frameworks import FRAMEWORK_ORDER, Framework
from setting_app.domain.models import ActivityType, SettingDetails, StaffUser
from setting_app.services import (
    activity_outcomes,
    app_settings,
    key_rotation,
    staff,
    staff_admin,
    support_log,
    transfer_keys,
)
from setting_app.services.session import Session
from setting_app.storage.keyslots import PRODUCTION_KDF, KdfParams

from setting_app.ui.context import AppContext
from setting_app.ui.screens.sensitive_items_tab import SensitiveItemsTab
from setting_app.ui.screens.transfer_tab import choose_key_file_target, key_file_name
from setting_app.ui.widgets.domain_chip import domain_icon
from setting_app.ui.workers import report_error, run_in_background

log = logging.getLogger(__name__)

NATION_LABELS = {Nation.ENGLAND: "England", Nation.SCOTLAND: "Scotland"}


class _Tab(QWidget):
    """A tab with one message line: problems in red naming the field, confirmations in plain text."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Message")
        self.message.hide()
        self.fields: dict[str, QWidget] = {}

    def say(self, text: str, *, problem: bool = False) -> None:
        self.message.setStyleSheet("color: #B00020;" if problem else "")
        self.message.setText(text)
        self.message.setAccessibleDescription(text)
        self.message.show()

    def flag(self, error: AppError) -> None:
        self.say(error.message, problem=True)
        if isinstance(error, ValidationError) and error.field in self.fields:
            self.fields[error.field].setFocus()


def _combo(items: list[tuple[str, object]], name: str) -> QComboBox:
    combo = QComboBox()
    for text, value in items:
        combo.addItem(text, value)
    combo.setAccessibleName(name)
    return combo


def _select(combo: QComboBox, value: object) -> None:
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)


class SettingDetailsTab(_Tab):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.name = QLineEdit()
        self.name.setAccessibleName("Setting name")
        self.nation = _combo([(label, n) for n, label in NATION_LABELS.items()], "Nation")
        self.urn = QLineEdit()
        self.urn.setAccessibleName("URN or service number")
        self.la_code = QLineEdit()
        self.la_code.setAccessibleName("Local authority code")
        self.la_name = QLineEdit()
        self.la_name.setAccessibleName("Local authority name")
        self.provider_type = _combo([(p.label, p) for p in ProviderType], "Type of provider")
        self.integration_model = _combo([(m.label, m) for m in IntegrationModel], "Family support is")
        self.save_button = QPushButton("&Save details")
        self.save_button.setAccessibleName("Save the setting's details")
        self.read_only_note = QLabel("Only a manager can change these details.")
        # Another setting sending a family here needs this key file; they read the fingerprint back.
        self.choose_key_target = choose_key_file_target
        self.transfer_fingerprint = QLabel()
        self.transfer_fingerprint.setAccessibleName("This setting's transfer key fingerprint")
        self.transfer_fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.transfer_fingerprint.setStyleSheet("font-family: monospace; font-weight: bold;")
        self.save_key_button = QPushButton("Save transfer &key file…")
        self.save_key_button.setAccessibleName("Save this setting's transfer key file")
        keys_box = QGroupBox("Transfer key: for receiving a family's record from another setting")
        keys_layout = QVBoxLayout(keys_box)
        keys_hint = QLabel(
            "Give the key file to the setting sending you a record, and read them this fingerprint by "
            "phone. Records → Transfers sends and receives."
        )
        keys_hint.setWordWrap(True)
        keys_layout.addWidget(keys_hint)
        keys_layout.addWidget(self.transfer_fingerprint)
        keys_layout.addWidget(self.save_key_button, 0, Qt.AlignmentFlag.AlignRight)
        form = QFormLayout()
        form.addRow("Setting &name:", self.name)
        form.addRow("Na&tion:", self.nation)
        form.addRow("&URN or service number:", self.urn)
        form.addRow("&Local authority code:", self.la_code)
        form.addRow("Local authority na&me:", self.la_name)
        form.addRow("T&ype of provider:", self.provider_type)
        form.addRow("&Family support is:", self.integration_model)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.read_only_note)
        layout.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(keys_box)
        layout.addStretch(1)
        self.fields = {"setting name": self.name, "URN": self.urn, "local authority code": self.la_code}
        self.editors = [
            self.name,
            self.nation,
            self.urn,
            self.la_code,
            self.la_name,
            self.provider_type,
            self.integration_model,
        ]
        self.save_button.clicked.connect(self.save)
        self.save_key_button.clicked.connect(self.save_key_file)

    def save_key_file(self) -> None:
        path = self.choose_key_target(self, key_file_name(self.ctx.setting.name))
        if path is None:
            return
        try:
            keys = transfer_keys.write_key_file(self.ctx.session, path)
        except AppError as error:
            self.say(error.message, problem=True)
            return
        self.transfer_fingerprint.setText(keys.fingerprint)
        self.say(f"Saved the transfer key file to {path}.")

    def refresh(self) -> None:
        details = self.ctx.setting
        manager = self.ctx.user.is_manager
        try:
            self.transfer_fingerprint.setText(transfer_keys.transfer_key_fingerprint(self.ctx.session))
        except AppError as error:
            self.transfer_fingerprint.setText(error.message)
        self.name.setText(details.name)
        _select(self.nation, details.nation)
        self.urn.setText(details.urn)
        self.la_code.setText(details.la_code)
        self.la_name.setText(details.la_name)
        _select(self.provider_type, details.provider_type)
        _select(self.integration_model, details.integration_model)
        for editor in self.editors:
            if isinstance(editor, QLineEdit):
                editor.setReadOnly(not manager)
            else:
                editor.setEnabled(manager)
        self.save_button.setVisible(manager)
        self.read_only_note.setVisible(not manager)

    def details(self) -> SettingDetails:
        return SettingDetails(
            name=self.name.text(),
            urn=self.urn.text(),
            nation=Nation(self.nation.currentData()),
            la_code=self.la_code.text(),
            la_name=self.la_name.text(),
            provider_type=ProviderType(self.provider_type.currentData()),
            integration_model=IntegrationModel(self.integration_model.currentData()),
        )

    def save(self) -> None:
        try:
            app_settings.update_setting_details(self.ctx.session, self.details())
        except AppError as error:
            self.flag(error)  # the typed values stay in the fields
            return
        self.say("Saved.")
        self.ctx.data_changed.emit("settings")


class StaffTab(_Tab):
    """Managers only: the accounts, switching them off or on, and adding one."""

    COLUMNS = ("Name", "Username", "Role", "Account")
    #: A removal started by ``remove_selected`` has ended (True: the leaver is removed, keys changed).
    removal_finished = Signal(bool)

    def __init__(self, ctx: AppContext, kdf_source) -> None:
        super().__init__(ctx)
        self._kdf = kdf_source
        self.users: list[StaffUser] = []
        #: True while a removal's key rotation runs on a worker thread.
        self.busy = False
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: no percentage to give
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName("Changing the casebook's key")
        self.progress.hide()
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setAccessibleName("Staff accounts")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.toggle_button = QPushButton("S&witch off")
        self.toggle_button.setAccessibleName("Switch the selected account off or on")
        self.toggle_button.setEnabled(False)
        self.remove_button = QPushButton("&Remove leaver…")
        self.remove_button.setAccessibleName("Remove the selected account and change the casebook's key")
        self.remove_button.setToolTip(
            "For someone who has left: removes their passphrase completely and re-locks the casebook "
            "with a new key. Everyone else's passphrase keeps working."
        )
        self.remove_button.setEnabled(False)
        #: Asks the manager to confirm; replaced in tests.
        self.confirm_removal = self._confirm_removal

        self.username = QLineEdit()
        self.username.setAccessibleName("New account username")
        self.display_name = QLineEdit()
        self.display_name.setAccessibleName("New account display name")
        self.role = _combo(
            [("Practitioner", Role.PRACTITIONER), ("Manager", Role.MANAGER)], "New account role"
        )
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("New account passphrase")
        self.passphrase_again = QLineEdit()
        self.passphrase_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_again.setAccessibleName("New account passphrase again")
        self.add_button = QPushButton("&Add account")
        self.add_button.setAccessibleName("Add the staff account")
        form = QFormLayout()
        form.addRow("&Username:", self.username)
        form.addRow("&Display name:", self.display_name)
        form.addRow("&Role:", self.role)
        form.addRow("&Passphrase:", self.passphrase)
        form.addRow("Passphrase a&gain:", self.passphrase_again)
        add_heading = QLabel(
            "Add a staff account. Tell the person their passphrase in private; they can change it "
            "under Settings → Security."
        )
        add_heading.setWordWrap(True)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.toggle_button)
        row.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.progress)
        layout.addWidget(add_heading)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignRight)
        self.fields = {
            "username": self.username,
            "display name": self.display_name,
            "passphrase": self.passphrase,
            "passphrase again": self.passphrase_again,
            "role": self.role,
        }
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.toggle_button.clicked.connect(self.toggle_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self.add_button.clicked.connect(self.add)

    def refresh(self) -> None:
        self.users = staff.list_users(self.ctx.session)
        self.table.setRowCount(len(self.users))
        for row, user in enumerate(self.users):
            cells = (
                user.display_name,
                user.username,
                "Manager" if user.is_manager else "Practitioner",
                "Active" if user.active else "Switched off",
            )
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self._selection_changed()

    def selected_user(self) -> StaffUser | None:
        row = self.table.currentRow()
        return self.users[row] if 0 <= row < len(self.users) and self.table.selectedItems() else None

    def _selection_changed(self) -> None:
        user = self.selected_user()
        self.toggle_button.setEnabled(user is not None)
        self.toggle_button.setText("S&witch on" if user is not None and not user.active else "S&witch off")
        self.remove_button.setEnabled(user is not None and user.id != self.ctx.user.id)

    def _confirm_removal(self, user: StaffUser) -> bool:
        answer = QMessageBox.question(
            self,
            "Remove a leaver",
            f"Remove {user.display_name} ({user.username}) for good?\n\n"
            "Their passphrase will no longer open the casebook, and the casebook is re-locked with a new "
            "key (this takes a few seconds). Their name stays on the entries they wrote. Backups made "
            "before today still open with the old passphrases: keep them locked away.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def remove_selected(self) -> bool:
        """Remove the selected leaver's key slot and rotate both keys on a worker thread (about a second
        on a large casebook, longer on a slow disk), with a busy bar; the app carries on unlocked with the
        new session. Returns whether the removal was started (``removal_finished`` tells how it ended)."""
        user = self.selected_user()
        if user is None or self.busy or not self.confirm_removal(user):
            return False
        self._set_busy(True)
        old = self.ctx.suspend("The casebook's key is being changed; try again in a moment.")
        user_, setting, data_dir, clock = old.user, old.setting, old.data_dir, old.clock
        key, manager_key = old.key_copies()
        old.close()  # the worker replaces the casebook file: no connection of this thread may hold it
        keep_key, keep_manager = bytearray(key), bytearray(manager_key)  # to reopen if it fails
        username = user.username

        def work() -> tuple:
            session = Session(None, user_, setting, data_dir, clock, key)  # type: ignore[arg-type]
            session.adopt_connection(manager_key)  # this thread's own connection, with the manager key
            try:
                result = key_rotation.remove_staff_member(session, username)
            finally:
                session.close()  # (already closed if the rotation got as far as the swap)
            try:  # the new connection belongs to this thread: the UI thread opens its own
                return result.session.key_copies()
            finally:
                result.session.close()

        def reopen(data_key: bytearray, manager: bytearray) -> Session:
            session = Session(None, user_, setting, data_dir, clock, data_key)  # type: ignore[arg-type]
            session.adopt_connection(manager)
            return session

        def wipe() -> None:
            keep_key[:] = bytes(len(keep_key))
            keep_manager[:] = bytes(len(keep_manager))

        def done(keys: tuple[bytearray, bytearray]) -> None:
            wipe()
            try:
                session = reopen(*keys)
            except AppError as error:
                self._rotation_ended(None, error, user)
                return
            self._rotation_ended(session, None, user)

        def failed(error: BaseException) -> None:
            try:  # a refused or failed rotation leaves the casebook under its old keys
                session = reopen(keep_key, keep_manager)
            except AppError:
                session = None
            finally:
                wipe()
            if not isinstance(error, AppError):
                self._rotation_ended(session, None, user, quiet=True)
                report_error(error)
                return
            self._rotation_ended(session, error, user)

        log.info("removing a leaver: rotating the keys on a worker thread")
        run_in_background(work, done, failed)
        return True

    def _rotation_ended(
        self, session: Session | None, error: AppError | None, user: StaffUser, *, quiet: bool = False
    ) -> None:
        alive = shiboken6.isValid(self)
        if session is not None and self.ctx.suspended:
            self.ctx.set_session(session)
        elif session is not None:  # the app was locked meanwhile: the new session is not wanted
            session.close()
        elif self.ctx.suspended:
            self.ctx.set_session(None)  # nothing opens: the unlock form asks again
        if not alive:
            return
        self._set_busy(False)
        if error is not None:
            self.flag(error)
        elif not quiet:
            self.say(f"{user.display_name} has been removed and the casebook's key has been changed.")
        if self.ctx.is_unlocked:
            self.ctx.data_changed.emit("staff")
        self.removal_finished.emit(error is None and not quiet)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.progress.setVisible(busy)
        for widget in (self.table, self.toggle_button, self.remove_button, self.add_button):
            widget.setEnabled(not busy)
        if busy:
            self.say("Changing the casebook's key… (everything else waits until it is done)")
        else:
            self._selection_changed()

    def toggle_selected(self) -> None:
        user = self.selected_user()
        if user is None:
            return
        try:
            changed = staff_admin.set_user_active(self.ctx.session, user.id, not user.active)
        except AppError as error:
            self.flag(error)
            return
        state = "switched on" if changed.active else "switched off: it can no longer unlock the casebook"
        self.say(f"{changed.display_name}'s account is {state}.")
        self.ctx.data_changed.emit("staff")

    def add(self) -> None:
        try:
            if self.passphrase.text() != self.passphrase_again.text():
                raise ValidationError("passphrase again", "is not the same as the passphrase")
            user = staff.add_user(
                self.ctx.session,
                self.username.text(),
                Role(self.role.currentData()),
                self.passphrase.text(),
                display_name=self.display_name.text(),
                kdf=self._kdf(),
            )
        except AppError as error:
            self.passphrase_again.clear()
            self.flag(error)
            return
        for field in (self.username, self.display_name, self.passphrase, self.passphrase_again):
            field.clear()
        self.say(f"Added {user.display_name} ({user.username}).")
        self.ctx.data_changed.emit("staff")


class OutcomeTagsEditor(QGroupBox):
    """Tick boxes for the selected activity type's outcomes, one framework at a time (the setting's
    nation's first). Managers save them; others see them read-only."""

    def __init__(self, tab: ActivityTypesTab) -> None:
        super().__init__("Outcome tags")
        self._tab = tab
        self.activity: ActivityType | None = None
        self._manager = False
        self.setAccessibleName("Outcome tags of the selected activity type")
        self.framework = QComboBox()
        self.framework.setAccessibleName("Outcome framework")
        framework_label = QLabel("&Framework:")
        framework_label.setBuddy(self.framework)
        self.hint = QLabel("Pick an activity type above to see its tags.")
        self.hint.setWordWrap(True)
        self.stack = QStackedWidget()
        self.boxes: dict[Framework, dict[str, QCheckBox]] = {}
        self._pages: dict[Framework, QWidget] = {}
        for framework in Framework:
            page = QWidget()
            grid = QGridLayout(page)
            grid.setContentsMargins(0, 0, 0, 0)
            self.boxes[framework] = {}
            for index, outcome in enumerate(framework.outcomes):
                box = QCheckBox(outcome.label)
                box.setAccessibleName(f"{framework.label}: {outcome.label}")
                grid.addWidget(box, index // 2, index % 2)
                self.boxes[framework][outcome.code] = box
            self._pages[framework] = page
            self.stack.addWidget(page)
        self.save_button = QPushButton("Save ta&gs")
        self.save_button.setAccessibleName("Save the outcome tags of the selected activity type")
        top = QHBoxLayout()
        top.addWidget(framework_label)
        top.addWidget(self.framework, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.hint)
        layout.addWidget(self.stack)
        layout.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignRight)
        self.framework.currentIndexChanged.connect(self._show_framework)
        self.save_button.clicked.connect(self.save)

    def refresh(self, nation: Nation, manager: bool) -> None:
        current = self.framework.currentData()
        self.framework.blockSignals(True)
        self.framework.clear()
        for framework in FRAMEWORK_ORDER[nation]:
            self.framework.addItem(framework.long_label, framework)
        _select(self.framework, current if current is not None else FRAMEWORK_ORDER[nation][0])
        self.framework.blockSignals(False)
        self.save_button.setVisible(manager)
        self._manager = manager
        self._show_framework()

    def selected_framework(self) -> Framework:
        return Framework(self.framework.currentData())

    def show_activity(self, activity: ActivityType | None) -> None:
        self.activity = activity
        self._load()

    def _show_framework(self) -> None:
        if self.framework.currentData() is None:
            return
        self.stack.setCurrentWidget(self._pages[self.selected_framework()])
        self._load()

    def _load(self) -> None:
        """Tick the boxes from the casebook (unsaved ticks in another framework are dropped)."""
        activity = self.activity
        manager = self._manager
        tags = (
            activity_outcomes.activity_tags(self._tab.ctx.session, activity.id).tags
            if activity is not None and self._tab.ctx.is_unlocked
            else {}
        )
        for framework, boxes in self.boxes.items():
            for code, box in boxes.items():
                box.setChecked(code in tags.get(framework, ()))
                box.setEnabled(activity is not None and manager)
        self.save_button.setEnabled(activity is not None)
        if activity is None:
            self.setTitle("Outcome tags")
            self.hint.setText("Pick an activity type above to see its tags.")
        else:
            self.setTitle(f"Outcome tags: {activity.label}")
            word = self.selected_framework().outcome_word
            self.hint.setText(
                f"Support logged with this activity counts towards each ticked {word} in the monthly "
                "summary and the local authority return."
                if manager
                else "Only a manager can change these tags."
            )

    def ticked(self, framework: Framework | None = None) -> tuple[str, ...]:
        framework = framework or self.selected_framework()
        return tuple(code for code, box in self.boxes[framework].items() if box.isChecked())

    def save(self) -> None:
        if self.activity is None:
            return
        framework = self.selected_framework()
        try:
            saved = activity_outcomes.set_activity_tags(
                self._tab.ctx.session, self.activity.id, framework, self.ticked(framework)
            )
        except AppError as error:
            self._tab.flag(error)
            return
        labels = saved.labels(framework)
        self._tab.say(
            f"Saved the {framework.label} tags of “{self.activity.label}”: "
            f"{', '.join(labels) if labels else 'none'}."
        )
        self._tab.ctx.data_changed.emit("settings")


class ActivityTypesTab(_Tab):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.domain = QComboBox()
        self.domain.setAccessibleName("Domain")
        self.list = QListWidget()
        self.list.setAccessibleName("Activity types for this domain")
        self.activities: list[ActivityType] = []
        self.new_label = QLineEdit()
        self.new_label.setAccessibleName("New activity type")
        self.add_button = QPushButton("A&dd activity type")
        self.add_button.setAccessibleName("Add the activity type")
        self.tags = OutcomeTagsEditor(self)
        domain_label = QLabel("&Domain:")
        domain_label.setBuddy(self.domain)
        top = QHBoxLayout()
        top.addWidget(domain_label)
        top.addWidget(self.domain, 1)
        self.add_row = QWidget()
        add = QHBoxLayout(self.add_row)
        add.setContentsMargins(0, 0, 0, 0)
        new_label = QLabel("&New activity:")
        new_label.setBuddy(self.new_label)
        add.addWidget(new_label)
        add.addWidget(self.new_label, 1)
        add.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.add_row)
        layout.addWidget(self.tags)
        layout.addWidget(self.message)
        self.fields = {"activity name": self.new_label}
        self.domain.currentIndexChanged.connect(self._show_domain)
        self.list.currentRowChanged.connect(self._show_activity)
        self.add_button.clicked.connect(self.add)
        self.new_label.returnPressed.connect(self.add)

    def refresh(self) -> None:
        nation = self.ctx.nation
        current = self.domain.currentData()
        self.domain.blockSignals(True)
        self.domain.clear()
        for domain in DOMAIN_ORDER:
            self.domain.addItem(domain_icon(domain), domain.label(nation), domain)
        _select(self.domain, current if current is not None else DOMAIN_ORDER[0])
        self.domain.blockSignals(False)
        self.add_row.setVisible(self.ctx.user.is_manager)
        self.tags.refresh(Nation(nation), self.ctx.user.is_manager)
        self._show_domain()

    def _show_domain(self, select_id: int | None = None) -> None:
        if not self.ctx.is_unlocked or self.domain.currentData() is None:
            return
        self.list.blockSignals(True)
        self.list.clear()
        self.activities = support_log.activity_types(self.ctx.session, Domain(self.domain.currentData()))
        for activity in self.activities:
            item = QListWidgetItem(activity.label + ("" if activity.builtin else "  (added by this setting)"))
            self.list.addItem(item)
        ids = [a.id for a in self.activities]
        self.list.setCurrentRow(ids.index(select_id) if select_id in ids else (0 if ids else -1))
        self.list.blockSignals(False)
        self._show_activity()

    def selected_activity(self) -> ActivityType | None:
        row = self.list.currentRow()
        return self.activities[row] if 0 <= row < len(self.activities) else None

    def select_activity(self, activity_id: int) -> None:
        ids = [a.id for a in self.activities]
        if activity_id in ids:
            self.list.setCurrentRow(ids.index(activity_id))

    def _show_activity(self, *_: object) -> None:
        self.tags.show_activity(self.selected_activity())

    def add(self) -> None:
        try:
            added = support_log.add_activity_type(
                self.ctx.session, Domain(self.domain.currentData()), self.new_label.text()
            )
        except AppError as error:
            self.flag(error)
            return
        self.new_label.clear()
        self._show_domain(select_id=added.id)
        self.say(f"Added “{added.label}”. It has no outcome tags yet: tick them below.")
        self.ctx.data_changed.emit("settings")


class SecurityTab(_Tab):
    """Auto-lock time (managers change it) and changing one's own passphrase (everyone)."""

    def __init__(self, ctx: AppContext, kdf_source) -> None:
        super().__init__(ctx)
        self._kdf = kdf_source
        self.auto_lock = QSpinBox()
        self.auto_lock.setRange(app_settings.MIN_AUTO_LOCK_MINUTES, app_settings.MAX_AUTO_LOCK_MINUTES)
        self.auto_lock.setSuffix(" minutes")
        self.auto_lock.setAccessibleName("Lock after this many minutes without use")
        self.auto_lock_button = QPushButton("Save &auto-lock time")
        self.auto_lock_button.setAccessibleName("Save the auto-lock time")
        self.auto_lock_note = QLabel("Only a manager can change the auto-lock time.")
        self.current = QLineEdit()
        self.current.setEchoMode(QLineEdit.EchoMode.Password)
        self.current.setAccessibleName("Current passphrase")
        self.new = QLineEdit()
        self.new.setEchoMode(QLineEdit.EchoMode.Password)
        self.new.setAccessibleName("New passphrase")
        self.new_again = QLineEdit()
        self.new_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_again.setAccessibleName("New passphrase again")
        self.change_button = QPushButton("&Change my passphrase")
        self.change_button.setAccessibleName("Change my passphrase")

        lock_form = QFormLayout()
        lock_form.addRow("&Lock after no use for:", self.auto_lock)
        pass_form = QFormLayout()
        pass_form.addRow("C&urrent passphrase:", self.current)
        pass_form.addRow("&New passphrase:", self.new)
        pass_form.addRow("New passphrase a&gain:", self.new_again)
        lock_heading = QLabel(
            "The app locks itself when nobody has used it for this long; Ctrl+L locks at once."
        )
        lock_heading.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(lock_heading)
        layout.addLayout(lock_form)
        layout.addWidget(self.auto_lock_note)
        layout.addWidget(self.auto_lock_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addSpacing(self.fontMetrics().height())
        layout.addWidget(QLabel("Your own passphrase:"))
        layout.addLayout(pass_form)
        layout.addWidget(self.message)
        layout.addWidget(self.change_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addStretch(1)
        self.fields = {
            "auto-lock minutes": self.auto_lock,
            "passphrase": self.current,
            "new passphrase": self.new,
            "new passphrase again": self.new_again,
        }
        self.auto_lock_button.clicked.connect(self.save_auto_lock)
        self.change_button.clicked.connect(self.change_passphrase)

    def refresh(self) -> None:
        manager = self.ctx.user.is_manager
        self.auto_lock.setValue(app_settings.auto_lock_minutes(self.ctx.session))
        self.auto_lock.setReadOnly(not manager)
        self.auto_lock_button.setVisible(manager)
        self.auto_lock_note.setVisible(not manager)

    def save_auto_lock(self) -> None:
        try:
            minutes = app_settings.set_auto_lock_minutes(self.ctx.session, self.auto_lock.value())
        except AppError as error:
            self.flag(error)
            return
        self.say(f"The app now locks after {minutes} minutes without use.")
        self.ctx.data_changed.emit("settings")

    def change_passphrase(self) -> None:
        try:
            if self.new.text() != self.new_again.text():
                raise ValidationError("new passphrase again", "is not the same as the new passphrase")
            staff.change_passphrase(self.ctx.session, self.current.text(), self.new.text(), kdf=self._kdf())
        except AppError as error:
            self.current.clear()
            self.new_again.clear()
            self.flag(error)
            return
        for field in (self.current, self.new, self.new_again):
            field.clear()
        self.say("Your passphrase is changed. Use the new one next time you unlock.")


def _readable_width(tab: QWidget) -> None:
    """Forms stay a readable width on a wide screen."""
    tab.setMaximumWidth(tab.fontMetrics().horizontalAdvance("M") * 48)


class SettingsScreen(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        #: Key derivation for new or changed passphrases (tests use the fast one).
        self.kdf: KdfParams = PRODUCTION_KDF
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Settings sections")
        self.details_tab = SettingDetailsTab(ctx)
        self.staff_tab = StaffTab(ctx, lambda: self.kdf)
        self.activities_tab = ActivityTypesTab(ctx)
        self.security_tab = SecurityTab(ctx, lambda: self.kdf)
        self.sensitive_tab = SensitiveItemsTab(ctx)
        for tab in (self.details_tab, self.security_tab):
            _readable_width(tab)
        self.tabs.addTab(self._left(self.details_tab), "&Setting")
        self.tabs.addTab(self.staff_tab, "S&taff accounts")
        self.tabs.addTab(self.activities_tab, "Acti&vity types")
        self.tabs.addTab(self._left(self.security_tab), "Securit&y")
        self.tabs.addTab(self.sensitive_tab, "Sensitive &items")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)

    @staticmethod
    def _left(tab: QWidget) -> QWidget:
        holder = QWidget()
        layout = QHBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(tab)
        layout.addStretch(1)
        return holder

    def refresh(self) -> None:
        if not self.ctx.is_unlocked:
            return
        manager = self.ctx.user.is_manager
        self.tabs.setTabVisible(self.tabs.indexOf(self.staff_tab), manager)
        self.staff_tab.setEnabled(manager)
        self.details_tab.refresh()
        if manager:
            self.staff_tab.refresh()
        self.activities_tab.refresh()
        self.security_tab.refresh()
        self.sensitive_tab.refresh()

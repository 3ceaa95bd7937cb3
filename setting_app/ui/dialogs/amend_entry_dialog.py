"""Amend a saved support entry (the earlier version is kept), see its history, and, for managers,
rectify it: remove wrong text for good from the entry and every earlier version.

A refused save shows the problem beside its field and leaves everything typed where it was.
"""

from __future__ import annotations

import html

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.codes import DOMAIN_ORDER, ContactMode, Domain, Kind
from setting_app.domain.errors import AppError, ValidationError
from setting_app.domain.models import SupportEntry
from setting_app.domain.validation import MAX_MINUTES, MIN_MINUTES
from setting_app.services import families, staff, support_log

from setting_app.ui.context import AppContext
from setting_app.ui.formatting import minutes_text, uk_date
from setting_app.ui.widgets.date_field import DateField
from setting_app.ui.widgets.field_errors import FieldErrors, error_label


class AmendEntryDialog(QDialog):
    def __init__(self, ctx: AppContext, entry: SupportEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.entry = entry
        self.saved: SupportEntry | None = None
        self.setWindowTitle(f"Amend entry of {uk_date(entry.entry_date)}")
        self.setAccessibleName(self.windowTitle())
        self.errors = FieldErrors(error_label(self))
        nation = ctx.nation

        explain = QLabel(
            "Correct the entry below and say why. The entry as it reads now is kept in its history, "
            "with your name, the date and your reason."
        )
        explain.setWordWrap(True)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        def row(
            label: str, widget: QWidget, names: str | tuple[str, ...], target: QFormLayout = form
        ) -> None:
            self.errors.add_row(target, label, widget, names)

        self.entry_date = DateField("date")
        self.entry_date.setAccessibleName("Date of the support")
        self.entry_date.set_date(entry.entry_date)
        row("Dat&e", self.entry_date, "date")
        self.domain = QComboBox()
        self.domain.setAccessibleName("Domain")
        for domain in DOMAIN_ORDER:
            self.domain.addItem(domain.label(nation), domain.value)
        self.domain.setCurrentIndex(self.domain.findData(entry.domain.value))
        row("D&omain", self.domain, "domain")
        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind")
        for kind in Kind:
            self.kind.addItem(kind.label, kind.value)
        self.kind.setCurrentIndex(self.kind.findData(entry.kind.value))
        row("&Kind", self.kind, "kind")
        self.activity = QComboBox()
        self.activity.setAccessibleName("Activity")
        row("&Activity", self.activity, "activity")
        self.minutes = QSpinBox()
        self.minutes.setRange(MIN_MINUTES, MAX_MINUTES)
        self.minutes.setSuffix(" min")
        self.minutes.setValue(entry.minutes)
        self.minutes.setAccessibleName("Time spent in minutes")
        row("&Time spent", self.minutes, "minutes")
        self.contact = QComboBox()
        self.contact.setAccessibleName("Contact mode")
        for mode in ContactMode:
            self.contact.addItem(mode.label, mode.value)
        self.contact.setCurrentIndex(self.contact.findData(entry.contact_mode.value))
        row("&Contact", self.contact, ("contact mode", "contact"))
        self.child = QComboBox()
        self.child.setAccessibleName("Child")
        self.child.addItem("Whole family (no one child)", None)
        try:
            for child in families.list_children(ctx.session, entry.family_id):
                self.child.addItem(child.name, child.id)
        except AppError as exc:
            self.errors.show_general(exc.message)
        self.child.setCurrentIndex(max(0, self.child.findData(entry.child_id)))
        row("C&hild", self.child, "child")
        self.note = QPlainTextEdit(entry.note)
        self.note.setTabChangesFocus(True)
        self.note.setAccessibleName("Note")
        self.note.setMinimumHeight(90)
        row("&Note", self.note, "note")
        self.follow_up = DateField("follow-up date", optional=True)
        self.follow_up.setAccessibleName("Follow-up date (optional)")
        self.follow_up.set_date(entry.follow_up_on)
        row("Follo&w up on", self.follow_up, ("follow-up date", "follow up"))
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for the amendment")
        self.reason.setPlaceholderText("e.g. Wrong number of minutes; note finished after the call")
        row("&Reason", self.reason, ("reason", "changes"))

        self._load_activities(entry.domain, entry.activity_code)
        self.domain.currentIndexChanged.connect(lambda _i: self._load_activities(self._domain(), None))

        buttons = QHBoxLayout()
        buttons.addWidget(self.errors.general, 1)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        self.save_button = QPushButton("&Save amendment")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        self.rectify_box: QGroupBox | None = None
        if ctx.user.is_manager:
            layout.addWidget(self._build_rectify(row))
        layout.addLayout(buttons)
        self.note.setFocus()
        self.resize(620, self.sizeHint().height())

    def _build_rectify(self, row) -> QGroupBox:
        box = QGroupBox("Rectify: remove text for good (managers)")
        form = QFormLayout(box)
        explain = QLabel(
            "Only for text that must not be kept (wrong family, inaccurate, or an erasure request). "
            "It is removed from the entry and from every earlier version; the reason above is kept."
        )
        explain.setWordWrap(True)
        form.addRow(explain)
        self.remove_text = QLineEdit()
        self.remove_text.setAccessibleName("Text to remove")
        row("Text to re&move", self.remove_text, "text to remove", form)
        self.replace_text = QLineEdit()
        self.replace_text.setAccessibleName("Put in its place")
        self.replace_text.setPlaceholderText("e.g. [removed: wrong family]")
        row("Put in its &place", self.replace_text, "replacement text", form)
        self.rectify_button = QPushButton("Remove text &for good")
        self.rectify_button.setAutoDefault(False)
        self.rectify_button.clicked.connect(self.rectify)
        form.addRow(self.rectify_button)
        self.rectify_box = box
        return box

    def _domain(self) -> Domain:
        return Domain(self.domain.currentData())

    def _load_activities(self, domain: Domain, chosen: str | None) -> None:
        self.activity.clear()
        self.activity.addItem("Not specified", None)
        try:
            labels = support_log.activity_labels(self.ctx.session)
            for activity in support_log.activity_types(self.ctx.session, domain):
                self.activity.addItem(activity.label, activity.code)
            if chosen and self.activity.findData(chosen) < 0:  # switched off since: keep it choosable
                self.activity.addItem(labels.get((domain, chosen), chosen), chosen)
        except AppError as exc:
            self.errors.show_general(exc.message)
        self.activity.setCurrentIndex(max(0, self.activity.findData(chosen)))

    def changes(self) -> dict[str, object]:
        """What the form changes, by entry attribute (raises ValidationError for an unreadable date)."""
        form = {
            "entry_date": self.entry_date.date(),
            "domain": self._domain(),
            "kind": Kind(self.kind.currentData()),
            "activity_code": self.activity.currentData(),
            "minutes": self.minutes.value(),
            "contact_mode": ContactMode(self.contact.currentData()),
            "child_id": self.child.currentData(),
            "note": self.note.toPlainText().strip(),
            "follow_up_on": self.follow_up.date(),
        }
        return {name: value for name, value in form.items() if value != getattr(self.entry, name)}

    def save(self) -> SupportEntry | None:
        self.errors.clear()
        try:
            saved = support_log.amend_entry(
                self.ctx.session, self.entry.id, self.changes(), self.reason.text()
            )
        except ValidationError as exc:
            self.errors.show(exc.field, exc.problem)
            return None
        except AppError as exc:
            self.errors.show_general(exc.message)
            return None
        return self._done(saved)

    def rectify(self) -> SupportEntry | None:
        self.errors.clear()
        try:
            saved = support_log.rectify_entry(
                self.ctx.session,
                self.entry.id,
                self.remove_text.text(),
                self.replace_text.text(),
                self.reason.text(),
            )
        except ValidationError as exc:
            self.errors.show(exc.field, exc.problem)
            return None
        except AppError as exc:
            self.errors.show_general(exc.message)
            return None
        return self._done(saved)

    def _done(self, saved: SupportEntry) -> SupportEntry:
        self.saved = saved
        self.ctx.data_changed.emit("entries")
        self.accept()
        return saved


def history_html(ctx: AppContext, entry: SupportEntry) -> str:
    """The entry as it reads now, then each earlier version newest first, with who replaced it and why."""
    e = html.escape
    nation = ctx.nation
    session = ctx.session
    versions = support_log.entry_history(session, entry.id)
    names = {u.id: u.display_name for u in staff.list_users(session)}

    def describe(
        day, domain: Domain, kind: Kind, minutes: int, mode: ContactMode, staff_id, note: str
    ) -> str:
        who = names.get(staff_id, "") if staff_id else ""
        head = " · ".join(
            part
            for part in (
                uk_date(day),
                domain.label(nation),
                kind.label,
                minutes_text(minutes),
                mode.label,
                who,
            )
            if part
        )
        return f"<p>{e(head)}<br>{e(note) or '<i>(no note)</i>'}</p>"

    parts = [
        f"<h3>Version {entry.version} (current)</h3>",
        describe(
            entry.entry_date,
            entry.domain,
            entry.kind,
            entry.minutes,
            entry.contact_mode,
            entry.staff_id,
            entry.note,
        ),
    ]
    if not versions:
        parts.append("<p>This entry has never been amended.</p>")
    for v in reversed(versions):
        by = v.replaced_by_name or "someone no longer on the staff list"
        parts.append(f"<h3>Version {v.version}</h3>")
        parts.append(f"<p><b>Replaced on {uk_date(v.replaced_at.date())} by {e(by)}:</b> {e(v.reason)}</p>")
        parts.append(describe(v.entry_date, v.domain, v.kind, v.minutes, v.contact_mode, v.staff_id, v.note))
    return "".join(parts)


class EntryHistoryDialog(QDialog):
    """Every version of one entry, read-only."""

    def __init__(self, ctx: AppContext, entry: SupportEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"History of the entry of {uk_date(entry.entry_date)}")
        self.setAccessibleName(self.windowTitle())
        self.view = QTextBrowser()
        self.view.setAccessibleName("Versions of the entry")
        self.view.setOpenExternalLinks(False)
        self.view.setHtml(history_html(ctx, entry))
        close = QPushButton("Close")
        close.setDefault(True)
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.resize(620, 460)

"""Records → Subject access: choose a family and the person who asked (a carer, or one child), review
what is withheld and the names to redact, then write the pack (PDF and record file) into a folder.

Sensitive items and other people's items are withheld by default, each under a named exemption;
"Review withheld items…" lists them and lets a manager put one in with a reason. The list of names
shows every other person's name or reference found in the pack's notes (and staff names when asked),
each with why it was flagged, how often it appears and a piece of the text around it. Ticked texts
read "[redacted]" in both files; an unticked one needs a reason, kept in the withheld log. The
request's date starts the one-month clock. The service enforces managers only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from setting_app.services import families, subject_access
from setting_app.services.document_review import Choices
from setting_app.services.subject_access import PackWritten, RedactionCandidate

from setting_app.ui.context import AppContext
from setting_app.ui.dialogs.document_review_dialog import DocumentReviewDialog
from setting_app.ui.errors import reporting_errors
from setting_app.ui.widgets.family_picker import FamilyPicker
from setting_app.ui.workers import report_error, run_with_session

ADDED_BY_YOU = "added by you"


def _choose_folder(parent: QWidget) -> Path | None:
    folder = QFileDialog.getExistingDirectory(
        parent, "Choose the folder to write the subject access pack into"
    )
    return Path(folder) if folder else None


class SubjectAccessTab(QWidget):
    #: The pack was written (a ``PackWritten``).
    pack_written = Signal(object)
    #: Writing failed (the error, already shown to the person).
    write_failed = Signal(object)

    TEXT, WHY, TIMES, EXAMPLE = range(4)

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        choose_folder: Callable[[QWidget], Path | None] = _choose_folder,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._choose_folder = choose_folder
        self._ref: str | None = None
        #: The manager's choices at the review of withheld items (for the family and person chosen).
        self.choices: Choices | None = None
        self._assessment = None

        intro = QLabel(
            "A subject access pack is a copy of what the casebook holds about the person who asked (a carer, "
            "or one child): details, support entries with earlier versions, referrals, the information-sharing "
            "record and who has accessed the records. Sensitive items and other people's items are withheld "
            "under a named exemption unless you put them in. Review the names below too: ticked texts are "
            "replaced by [redacted]; leaving one in needs a reason."
        )
        intro.setWordWrap(True)

        self.family = FamilyPicker(ctx)
        self.family.family_changed.connect(self._on_family_changed)
        self.person = QComboBox()
        self.person.setAccessibleName("Carer who asked")
        self.person.currentIndexChanged.connect(lambda _i: self._on_person_changed())
        self.child = QComboBox()
        self.child.setAccessibleName("Child")
        self.child.addItem("Whole family", None)
        self.child.currentIndexChanged.connect(lambda _i: self._on_person_changed())
        self.received = QDateEdit()
        self.received.setAccessibleName("Date the request was received")
        self.received.setCalendarPopup(True)
        self.received.setDisplayFormat("d MMMM yyyy")
        today = ctx.clock.today()
        self.received.setDate(QDate(today.year, today.month, today.day))
        self.keep_reason = QLineEdit()
        self.keep_reason.setAccessibleName("Why unticked names may stay in")
        self.keep_reason.setPlaceholderText("Why any unticked name may stay in the pack")
        self.review_button = QPushButton("Review &withheld items…")
        self.review_button.setAccessibleName("Review the items withheld from the pack")
        self.review_button.setEnabled(False)
        self.review_button.clicked.connect(self.open_review)
        self.include_staff = QCheckBox("Also flag staff names found in the notes")
        self.include_staff.toggled.connect(lambda _on: self.refresh())
        self.recipient = QLineEdit()
        self.recipient.setPlaceholderText("The person who asked")
        self.recipient.setAccessibleName("Pack is sent to")

        form = QFormLayout()
        form.addRow("&Family:", self.family)
        form.addRow("&Asked by:", self.person)
        form.addRow("Or about one &child:", self.child)
        form.addRow("Request &received:", self.received)
        form.addRow("Pack is &sent to:", self.recipient)
        form.addRow("", self.include_staff)

        self.review = QTreeWidget()
        self.review.setAccessibleName("Texts to redact")
        self.review.setRootIsDecorated(False)
        self.review.setHeaderLabels(["Redact", "Why it was flagged", "Times", "Where"])
        header = self.review.header()
        header.setSectionResizeMode(self.TEXT, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.WHY, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.TIMES, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

        self.extra = QLineEdit()
        self.extra.setPlaceholderText("Any other text to redact")
        self.extra.setAccessibleName("Other text to redact")
        self.extra.returnPressed.connect(self.add_extra)
        add = QPushButton("&Add")
        add.clicked.connect(self.add_extra)
        extra_row = QHBoxLayout()
        extra_row.addWidget(self.extra, 1)
        extra_row.addWidget(add)

        self.summary = QLabel("Choose a family.")
        self.summary.setWordWrap(True)
        self.write_button = QPushButton("&Write pack…")
        self.write_button.setEnabled(False)
        self.write_button.clicked.connect(self.write_pack)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.review_button)
        buttons.addWidget(self.write_button)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(QLabel("Names and references found in the pack's notes:"))
        layout.addWidget(self.review, 1)
        layout.addLayout(extra_row)
        layout.addWidget(self.keep_reason)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        ctx.locked_changed.connect(self._on_locked_changed)

    # --- public ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the pack's candidates for the family and child chosen (ticks on texts kept)."""
        if not self.ctx.is_unlocked or self._ref is None:
            self._clear_review()
            return
        ticked = self.chosen_texts()
        unticked = {t for t in self._all_texts() if t not in ticked}
        added = [t for t in self._all_texts(ADDED_BY_YOU) if t in ticked]
        with reporting_errors(self, "Could not prepare the pack"):
            pack, candidates = subject_access.review(
                self.ctx.session,
                self._ref,
                self.child.currentData(),
                person=self.person.currentData(),
                include_staff=self.include_staff.isChecked(),
                choices=self.choices,
            )
            self._assessment = pack.assessment
            self._fill(candidates, unticked)
            for text in added:
                self._add_item(text, ADDED_BY_YOU, None, "", checked=True)
            restricted = sum(e.restricted for e in pack.entries) + sum(x.restricted for x in pack.referrals)
            withheld = [
                x for x in pack.assessment.left_out if not self.choices or x.key not in self.choices.include
            ]
            put_back = len(pack.assessment.left_out) - len(withheld)
            words = [
                f"{len(pack.entries)} entr{'y' if len(pack.entries) == 1 else 'ies'}",
                f"{len(pack.referrals)} referral{'' if len(pack.referrals) == 1 else 's'}",
                f"{len(candidates)} text{'' if len(candidates) == 1 else 's'} to review",
            ]
            text = f"The pack about {pack.subject} holds " + ", ".join(words) + "."
            text += f" {len(withheld)} item{' is' if len(withheld) == 1 else 's are'} withheld"
            text += f" ({put_back} put back in)." if put_back else "."
            if restricted:
                text += f" It includes {restricted} restricted record{'' if restricted == 1 else 's'}: check them."
            self.summary.setText(text)
            self.write_button.setEnabled(True)
            self.review_button.setEnabled(True)

    def choose_family(self, family_id: int) -> None:
        self.family.set_family(family_id)
        self._on_family_changed(family_id)

    def chosen_texts(self) -> list[str]:
        return [
            self.review.topLevelItem(i).text(self.TEXT)
            for i in range(self.review.topLevelItemCount())
            if self.review.topLevelItem(i).checkState(self.TEXT) == Qt.CheckState.Checked
        ]

    def add_extra(self) -> None:
        text = self.extra.text().strip()
        if not text:
            return
        if text not in self._all_texts():
            self._add_item(text, ADDED_BY_YOU, None, "", checked=True)
        self.extra.clear()

    def write_pack(self) -> None:
        """Ask for a folder, then write the pack on a worker thread (a large family takes seconds)."""
        if self._ref is None:
            return
        folder = self._choose_folder(self)
        if folder is None:
            return
        ref, child, person = self._ref, self.child.currentData(), self.person.currentData()
        redact = self.chosen_texts()
        reason = self.keep_reason.text().strip()
        keep = {
            t: reason for t in self._all_texts() if t not in redact and t not in self._all_texts(ADDED_BY_YOU)
        }
        recipient = self.recipient.text().strip() or None
        choices = self.choices
        include_staff = self.include_staff.isChecked()
        day = self.received.date()
        received = date(day.year(), day.month(), day.day())
        self.write_button.setEnabled(False)
        self.result.setText("Writing the pack…")
        with reporting_errors(self, "Could not write the pack"):
            run_with_session(
                self.ctx,
                lambda session: subject_access.write_pack(
                    session,
                    ref,
                    folder,
                    child=child,
                    person=person,
                    redact=redact,
                    recipient=recipient,
                    choices=choices,
                    received_on=received,
                    keep=keep,
                    include_staff=include_staff,
                ),
                self._written,
                self._write_failed,
            )
            return
        self._write_failed(None)

    def _written(self, written: PackWritten) -> None:
        self.write_button.setEnabled(self._ref is not None)
        self.result.setText(
            f"Wrote {written.pdf.name} ({written.pages} page{'' if written.pages == 1 else 's'}) and "
            f"{written.json.name} in {written.pdf.parent}, with {written.redactions} "
            f"passage{'' if written.redactions == 1 else 's'} redacted and {len(written.withheld)} "
            f"item{'' if len(written.withheld) == 1 else 's'} withheld (kept in the withheld log). "
            f"The reply is due by {written.due_on:%-d %B %Y}. The audit trail and the "
            "information-sharing record note it."
        )
        self.ctx.data_changed.emit("sharing")
        self.pack_written.emit(written)

    def _write_failed(self, error: BaseException | None) -> None:
        self.write_button.setEnabled(self._ref is not None)
        self.result.setText("The pack was not written.")
        if error is not None:
            report_error(error)
        self.write_failed.emit(error)

    # --- internals -------------------------------------------------------------------------------

    def review_dialog(self) -> DocumentReviewDialog | None:
        if self._assessment is None:
            return None
        return DocumentReviewDialog(self._assessment, may_include=True, choices=self.choices, parent=self)

    def apply_review(self, dialog: DocumentReviewDialog) -> None:
        self.choices = dialog.choices()
        self.refresh()

    def open_review(self) -> None:
        dialog = self.review_dialog()
        if dialog is not None and dialog.exec() == QDialog.DialogCode.Accepted:
            self.apply_review(dialog)

    def _on_person_changed(self) -> None:
        self.choices = None  # choices are for one person's pack
        self.refresh()

    def _on_family_changed(self, family_id: int | None) -> None:
        self.child.blockSignals(True)
        self.person.blockSignals(True)
        self.child.clear()
        self.person.clear()
        self.child.addItem("Whole family", None)
        self._ref = None
        self.choices = None
        self._assessment = None
        self.result.clear()
        if family_id is not None and self.ctx.is_unlocked:
            with reporting_errors(self):
                family = families.get_family(self.ctx.session, family_id)
                for c in family.carers:
                    if c.name.strip():
                        self.person.addItem(
                            f"{c.name} ({c.relationship})" if c.relationship else c.name, c.name
                        )
                for c in families.list_children(self.ctx.session, family_id):
                    self.child.addItem(c.name, c.key)
                self._ref = family.ref
        self.child.blockSignals(False)
        self.person.blockSignals(False)
        self._clear_review()
        self.refresh()

    def _fill(self, candidates: list[RedactionCandidate], unticked: set[str]) -> None:
        self.review.clear()
        for c in candidates:
            self._add_item(c.text, c.why, c.occurrences, c.example, checked=c.text not in unticked)

    def _add_item(self, text: str, why: str, times: int | None, example: str, *, checked: bool) -> None:
        item = QTreeWidgetItem([text, why, "" if times is None else str(times), example])
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(self.TEXT, Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        item.setToolTip(self.EXAMPLE, example)
        if times is not None:
            item.setTextAlignment(self.TIMES, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.review.addTopLevelItem(item)

    def _all_texts(self, why: str | None = None) -> list[str]:
        items = [self.review.topLevelItem(i) for i in range(self.review.topLevelItemCount())]
        return [i.text(self.TEXT) for i in items if why is None or i.text(self.WHY) == why]

    def _clear_review(self) -> None:
        self.review.clear()
        self.write_button.setEnabled(False)
        self.review_button.setEnabled(False)
        self.summary.setText("Choose a family.")

    def _on_locked_changed(self, locked: bool) -> None:
        if locked:
            # Nothing read from the casebook stays on screen while it is locked.
            self.family.set_family(None)
            self._on_family_changed(None)

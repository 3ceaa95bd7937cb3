"""Review what a family summary or a subject access pack leaves out, before it is released.

Every left-out item is listed with the reasons it was left out (from the one rule in
``domain.sensitivity``). A manager may tick an item to put it in, and must write why it is safe to give
to the person the document is for; for a subject access pack each withheld item shows the exemption it
is logged under, which the manager may change. A practitioner sees the list but cannot tick. Nothing
goes in unless it is ticked with a reason: the dialog refuses "OK" until every ticked item has one.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.sensitivity import Exemption
from setting_app.services.document_review import SUBJECT_ACCESS, Assessment, Choices


class DocumentReviewDialog(QDialog):
    INCLUDE, WHEN, WHAT, WHY, REASON, EXEMPTION = range(6)

    def __init__(
        self,
        assessment: Assessment,
        *,
        may_include: bool,
        choices: Choices | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.assessment = assessment
        self.may_include = may_include
        self.sar = assessment.document == SUBJECT_ACCESS
        before = choices or Choices()
        name = assessment.reader.name or assessment.family.ref
        self.setWindowTitle(f"What is left out for {name}")
        self.setAccessibleName("Review what is left out")

        n = len(assessment.left_out)
        intro = QLabel(
            f"{n} item{' is' if n == 1 else 's are'} left out of the document for {name}: sensitive, or "
            "about someone else. "
            + (
                "Tick one to put it in, and write why it is safe to give to them. "
                if may_include
                else "Only a manager can put one in. "
            )
            + ("Withheld items are logged under the exemption shown." if self.sar else "")
        )
        intro.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Left-out items")
        self.tree.setRootIsDecorated(False)
        headings = ["Put in", "Date", "What", "Why it was left out", "Reason for putting it in"]
        if self.sar:
            headings.append("Exemption if withheld")
        self.tree.setHeaderLabels(headings)
        header = self.tree.header()
        for column in (self.INCLUDE, self.WHEN, self.WHAT, self.WHY):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

        self.reasons: dict[str, QLineEdit] = {}
        self.exemptions: dict[str, QComboBox] = {}
        self.items: dict[str, QTreeWidgetItem] = {}
        for x in assessment.left_out:
            item = QTreeWidgetItem(["", x.day.isoformat(), x.what, x.why, ""])
            item.setData(self.INCLUDE, Qt.ItemDataRole.UserRole, x.key)
            item.setToolTip(self.WHY, x.why)
            flags = item.flags() | Qt.ItemFlag.ItemIsUserCheckable
            if not may_include:
                flags &= ~Qt.ItemFlag.ItemIsEnabled
            item.setFlags(flags)
            ticked = x.key in before.include
            item.setCheckState(self.INCLUDE, Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
            self.tree.addTopLevelItem(item)
            reason = QLineEdit(before.include.get(x.key, ""))
            reason.setAccessibleName(f"Reason for putting in {x.what}")
            reason.setPlaceholderText("Why it is safe to give" if may_include else "")
            reason.setEnabled(may_include)
            self.tree.setItemWidget(item, self.REASON, reason)
            self.reasons[x.key] = reason
            if self.sar:
                combo = QComboBox()
                combo.setAccessibleName(f"Exemption for {x.what}")
                for e in Exemption:
                    combo.addItem(e.value.replace("_", " "), e.value)
                    combo.setItemData(combo.count() - 1, e.label, Qt.ItemDataRole.ToolTipRole)
                chosen = before.exemptions.get(x.key, x.exemption)
                combo.setCurrentIndex(combo.findData(chosen.value))
                combo.setEnabled(may_include)
                self.tree.setItemWidget(item, self.EXEMPTION, combo)
                self.exemptions[x.key] = combo
            self.items[x.key] = item

        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Problem with the review")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.resize(900, 420)

    def set_included(self, key: str, included: bool, reason: str = "") -> None:
        """Tick (or untick) an item and write its reason (for tests and keyboard users alike)."""
        self.items[key].setCheckState(
            self.INCLUDE, Qt.CheckState.Checked if included else Qt.CheckState.Unchecked
        )
        if reason:
            self.reasons[key].setText(reason)

    def set_exemption(self, key: str, exemption: Exemption) -> None:
        combo = self.exemptions[key]
        combo.setCurrentIndex(combo.findData(exemption.value))

    def choices(self) -> Choices:
        include = {
            key: self.reasons[key].text().strip()
            for key, item in self.items.items()
            if item.checkState(self.INCLUDE) == Qt.CheckState.Checked
        }
        exemptions = {key: Exemption(combo.currentData()) for key, combo in self.exemptions.items()}
        return Choices(include=include, exemptions=exemptions)

    def problem_text(self) -> str:
        """Why OK cannot be taken yet ("" when it can)."""
        if not self.may_include:
            return ""
        missing = [self.items[k].text(self.WHAT) for k, r in self.choices().include.items() if not r]
        if missing:
            return f"Write why it is safe to put in: {missing[0]}."
        return ""

    def accept(self) -> None:
        problem = self.problem_text()
        if problem:
            self.problem.setText(problem)
            return
        super().accept()

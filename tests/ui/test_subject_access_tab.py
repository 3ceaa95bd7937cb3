"""Records → Subject access, with real widgets offscreen: choose a family and child, review the names
to redact, write the pack into a folder."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QTreeWidgetItem

from setting_app.domain.codes import Role
from setting_app.domain.errors import PermissionDenied
from setting_app.services import staff, subject_access
from setting_app.services.casebook import unlock
from setting_app.services.session import Session
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import assert_mode, fixed_clock
from tests.test_subject_access import build_casebook

from setting_app.ui.context import AppContext
from setting_app.ui.screens.subject_access_tab import SubjectAccessTab


@pytest.fixture
def built(session: Session) -> dict:
    return build_casebook(session)


@pytest.fixture
def tab(session: Session, built, clock, qtbot, tmp_path: Path) -> SubjectAccessTab:
    ctx = AppContext(session, clock)
    chosen = {"folder": tmp_path / "packs"}
    widget = SubjectAccessTab(ctx, choose_folder=lambda _w: chosen["folder"])
    widget.chosen = chosen
    qtbot.addWidget(widget)
    widget.resize(1000, 620)
    widget.show()
    yield widget
    QThreadPool.globalInstance().waitForDone(10000)


def _rows(tab: SubjectAccessTab) -> dict[str, QTreeWidgetItem]:
    return {
        tab.review.topLevelItem(i).text(0): tab.review.topLevelItem(i)
        for i in range(tab.review.topLevelItemCount())
    }


def test_choosing_a_family_lists_names_to_review(tab: SubjectAccessTab, built) -> None:
    assert not tab.write_button.isEnabled()
    tab.choose_family(built["ours"].id)
    rows = _rows(tab)
    assert {"Zara Quinn", "FAM-0002", "Milo"} <= set(rows)
    assert all(item.checkState(0) == Qt.CheckState.Checked for item in rows.values())
    assert "FAM-0002" in rows["Zara Quinn"].text(1) and rows["Zara Quinn"].text(2) == "2"
    assert [tab.child.itemText(i) for i in range(tab.child.count())] == [
        "Whole family",
        "Ava Brown",
        "Leo Brown",
    ]
    # The restricted safeguarding entry is withheld unless a manager puts it in.
    assert "3 entries, 2 referrals" in tab.summary.text() and "1 item is withheld" in tab.summary.text()
    assert [tab.person.itemText(i) for i in range(tab.person.count())] == ["Rosa Brown (mother)"]
    assert tab.write_button.isEnabled()
    # Staff names only when asked.
    assert "Mina Manager" not in rows
    tab.include_staff.setChecked(True)
    assert "Mina Manager" in _rows(tab)


def test_writing_the_pack_redacts_only_what_is_ticked(tab: SubjectAccessTab, built, qtbot, tmp_path) -> None:
    tab.choose_family(built["ours"].id)
    _rows(tab)["Zara Quinn"].setCheckState(0, Qt.CheckState.Unchecked)
    tab.keep_reason.setText("A family friend she named herself")
    tab.extra.setText("church")
    tab.add_extra()
    tab.child.setCurrentIndex(0)
    assert set(tab.chosen_texts()) == {"FAM-0002", "Milo", "church"}
    with qtbot.waitSignal(tab.pack_written, timeout=10000) as blocker:
        qtbot.mouseClick(tab.write_button, Qt.MouseButton.LeftButton)
    written = blocker.args[0]
    raw = written.json.read_text(encoding="utf-8")
    assert "Zara Quinn" in raw  # left unticked
    assert "FAM-0002" not in raw and "Milo" not in raw and "church" not in raw
    text = subprocess.run(
        ["pdftotext", str(written.pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "[redacted]" in text and "Milo" not in text
    assert_mode(written.pdf, 0o600)
    assert written.pdf.name in tab.result.text() and "withheld" in tab.result.text()
    assert "The reply is due by 23 December 2026" in tab.result.text()
    assert "Safeguarding discussion with DSL" not in text


def test_the_review_of_withheld_items_puts_one_in_with_a_reason(tab: SubjectAccessTab, built, qtbot) -> None:
    tab.choose_family(built["ours"].id)
    review = tab.review_dialog()
    qtbot.addWidget(review)
    key = f"entry-{built['restricted'].id}"
    assert list(review.items) == [key]
    assert review.exemptions[key].currentData() == "child_abuse_data"
    review.set_included(key, True, "The DSL agreed it can be given")
    tab.apply_review(review)
    assert "4 entries" in tab.summary.text() and "(1 put back in)" in tab.summary.text()
    tab.keep_reason.setText("Checked")
    with qtbot.waitSignal(tab.pack_written, timeout=10000) as blocker:
        tab.write_pack()
    written = blocker.args[0]
    assert written.entries == 4 and written.put_back == 1 and written.withheld == ()


def test_an_unticked_name_without_a_reason_is_refused(tab: SubjectAccessTab, built, qtbot) -> None:
    tab.choose_family(built["ours"].id)
    _rows(tab)["Zara Quinn"].setCheckState(0, Qt.CheckState.Unchecked)
    with qtbot.waitSignal(tab.write_failed, timeout=10000) as failed:
        tab.write_pack()
    assert "without a reason" in str(failed.args[0])
    assert not (tab.chosen["folder"]).exists()


def test_a_child_pack_from_the_tab(tab: SubjectAccessTab, built, qtbot) -> None:
    tab.choose_family(built["ours"].id)
    tab.child.setCurrentIndex(2)  # Leo Brown
    assert "Leo Brown" in tab.summary.text()
    assert "Milo" not in _rows(tab)  # Milo is named only in Ava's entry
    with qtbot.waitSignal(tab.pack_written, timeout=10000) as blocker:
        tab.write_pack()
    written = blocker.args[0]
    document = json.loads(written.json.read_text(encoding="utf-8"))
    assert [c["name"] for c in document["families"][0]["children"]] == ["Leo Brown"]


def test_locking_clears_the_review(tab: SubjectAccessTab, built) -> None:
    tab.choose_family(built["ours"].id)
    assert tab.review.topLevelItemCount() > 0
    tab.ctx.set_session(None)
    assert (
        tab.review.topLevelItemCount() == 0 and tab.family.text() == "" and not tab.write_button.isEnabled()
    )


def test_cancelling_the_folder_choice_writes_nothing(tab: SubjectAccessTab, built, tmp_path) -> None:
    tab.choose_family(built["ours"].id)
    tab.chosen["folder"] = None
    tab.write_pack()
    assert not (tmp_path / "packs").exists() and tab.result.text() == ""


def test_a_practitioner_gets_a_plain_refusal(
    session: Session, built, data_dir, clock, qtbot, tmp_path
) -> None:
    staff.add_user(session, "pat", Role.PRACTITIONER, "another long passphrase", kdf=TEST_ONLY_FAST_KDF)
    pat = unlock(data_dir, "pat", "another long passphrase", clock=fixed_clock())
    try:
        widget = SubjectAccessTab(AppContext(pat, clock), choose_folder=lambda _w: tmp_path / "x")
        qtbot.addWidget(widget)
        widget._ref = "FAM-0001"
        # The service refuses; the tab shows it as a message, not a crash, and writes nothing.
        widget.refresh()
        assert widget.review.topLevelItemCount() == 0 and not widget.write_button.isEnabled()
        with qtbot.waitSignal(widget.write_failed, timeout=10000) as failed:
            widget.write_pack()
        assert isinstance(failed.args[0], PermissionDenied)
        assert not (tmp_path / "x").exists() and widget.result.text() == "The pack was not written."
        with pytest.raises(PermissionDenied):
            subject_access.review(pat, "FAM-0001")
    finally:
        pat.close()


def test_screenshot(tab: SubjectAccessTab, built, tmp_path) -> None:
    tab.choose_family(built["ours"].id)
    tab.include_staff.setChecked(True)
    path = tmp_path / "subject_access_tab.png"
    assert tab.grab().save(str(path))
    assert path.stat().st_size > 1000


def test_the_tab_is_on_the_managers_records_screen(session: Session, clock, qtbot) -> None:
    from setting_app.ui.screens.records_privacy import RecordsScreen

    screen = RecordsScreen(AppContext(session, clock))
    qtbot.addWidget(screen)
    labels = [screen.tabs.tabText(i).replace("&", "") for i in range(screen.tabs.count())]
    assert "Subject access" in labels
    assert any(isinstance(page, SubjectAccessTab) for page in screen.pages)


def test_a_staff_name_left_in_with_a_reason(tab: SubjectAccessTab, built, qtbot) -> None:
    tab.choose_family(built["ours"].id)
    tab.include_staff.setChecked(True)
    _rows(tab)["Mina Manager"].setCheckState(0, Qt.CheckState.Unchecked)
    tab.keep_reason.setText("Staff carrying out their duties are not withheld")
    with qtbot.waitSignal(tab.pack_written, timeout=10000) as blocker:
        tab.write_pack()
    assert "Mina Manager" not in blocker.args[0].redacted_texts

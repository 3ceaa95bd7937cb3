"""Records → Transfers with real widgets offscreen: the key fingerprint and key file, sending a family
through the dialog, receiving it in a second casebook after seeing the sender's fingerprint."""

from __future__ import annotations

from pathlib import Path

import pytest

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox

from setting_app.services import export_keys, transfer_keys
from setting_app.services.session import Session
from tests.test_transfer import add_sample_family, make_receiver

from setting_app.ui.context import AppContext
from setting_app.ui.dialogs.transfer_send_dialog import TransferSendDialog
from setting_app.ui.screens.transfer_tab import TransferTab


@pytest.fixture
def receiver(tmp_path: Path):
    session = make_receiver(tmp_path)
    yield session
    session.close()


def _shown_errors(dialog) -> str:
    return " ".join(
        label.text() for label in dialog.findChildren(QLabel) if label.isVisible() and label.text()
    )


def _tab(session: Session, clock, qtbot, tmp_path: Path, name: str) -> TransferTab:
    ctx = AppContext(session, clock)
    target = tmp_path / f"{name}.transfer"
    tab = TransferTab(
        ctx,
        choose_key_target=lambda _w, suggested: tmp_path / f"{name}-{suggested}",
        send_dialog=lambda c, p: TransferSendDialog(c, p, choose_target=lambda _w, _s: target),
    )
    qtbot.addWidget(tab)
    tab.resize(1000, 600)
    tab.show()
    tab.refresh()
    return tab


def test_send_and_receive_through_the_tab(
    session: Session, receiver: Session, clock, qtbot, tmp_path: Path
) -> None:
    add_sample_family(session)
    sender_tab = _tab(session, clock, qtbot, tmp_path, "sender")
    receiver_tab = _tab(receiver, clock, qtbot, tmp_path, "receiver")
    assert receiver_tab.fingerprint.text() == transfer_keys.ensure_transfer_key(receiver)
    assert sender_tab.signing.text() == export_keys.export_key_fingerprint(session.conn)
    assert sender_tab.table.topLevelItemCount() == 0

    key_file = receiver_tab.save_key_file()
    assert key_file is not None and key_file.name == "receiver-oak-tree-nursery-transfer-key.json"
    assert receiver_tab.fingerprint.text() in receiver_tab.result.text()

    dialog = sender_tab.send_family()
    assert dialog.isVisible()
    # Nothing chosen: the problems show beside the fields, nothing is written.
    dialog.send_button.click()
    assert dialog.isVisible() and "choose the family" in _shown_errors(dialog)
    family = session.conn.execute("SELECT id FROM families WHERE ref = 'FAM-0042'").fetchone()[0]
    dialog.family.set_family(family)
    assert dialog.set_receiver_file(key_file)
    assert "Oak Tree Nursery" in dialog.receiver_label.text()
    qtbot.keyClicks(dialog.consent_by, "Ada Example")
    dialog.send_button.click()
    assert dialog.isVisible()  # no agreement and no reason: refused, shown beside the field
    assert "say why you are sharing without one" in _shown_errors(dialog)
    assert not (tmp_path / "sender.transfer").exists()
    qtbot.keyClicks(dialog.no_agreement_reason, "No agreement yet; family asked")
    dialog.send_button.click()
    assert not dialog.isVisible()
    assert (tmp_path / "sender.transfer").exists()
    assert "Sealed FAM-0042 for Oak Tree Nursery" in sender_tab.result.text()
    assert sender_tab.table.topLevelItemCount() == 1
    assert sender_tab.table.topLevelItem(0).text(TransferTab.DIRECTION) == "Sent"

    confirm = receiver_tab.receive_file(tmp_path / "sender.transfer")
    assert confirm is not None and confirm.isVisible()
    assert confirm.fingerprint.text() == sender_tab.signing.text()
    confirm.import_button.click()
    assert not confirm.isVisible()
    assert "Received FAM-0042 from Little Acorns Nursery" in receiver_tab.result.text()
    row = receiver_tab.table.topLevelItem(0)
    assert row.text(TransferTab.DIRECTION) == "Received" and row.text(TransferTab.FAMILY) == "FAM-0042"
    assert row.text(TransferTab.KEY) == sender_tab.signing.text()

    # The same file again is refused with a plain message, and nothing new is listed.
    assert receiver_tab.receive_file(tmp_path / "sender.transfer") is None
    box = next(w for w in receiver_tab.findChildren(QMessageBox))
    assert "already imported" in box.text()
    assert receiver_tab.table.topLevelItemCount() == 1


def test_every_control_has_a_name_and_the_tab_is_keyboard_usable(
    session: Session, clock, qtbot, tmp_path
) -> None:
    tab = _tab(session, clock, qtbot, tmp_path, "me")
    dialog = tab.send_family()
    for widget in (tab, dialog):
        for child in widget.findChildren(object):
            focusable = (
                hasattr(child, "focusPolicy")
                and child.isVisibleTo(widget)
                and child.focusPolicy() & Qt.FocusPolicy.TabFocus
                and child.metaObject().className() != "QWidget"
            )
            if focusable:
                assert child.accessibleName() or getattr(child, "text", lambda: "")(), child
    assert tab.save_key_button.text().count("&") == 1 and tab.send_button.text().count("&") == 1
    dialog.reject()


def test_family_page_says_where_a_received_family_came_from(
    session: Session, receiver: Session, clock, qtbot, tmp_path: Path
) -> None:
    from datetime import date

    from setting_app.domain.codes import Domain
    from setting_app.domain.models import NewEntry
    from setting_app.services import support_log, transfer
    from tests.test_transfer import send

    from setting_app.ui.models.chronology_model import ChronologyModel
    from setting_app.ui.screens.family_page import FamilyPageScreen

    add_sample_family(session)
    received = transfer.receive_family(receiver, send(session, receiver, tmp_path).path)
    support_log.log_entry(
        receiver, NewEntry(received.family_id, date(2026, 11, 23), Domain.CHILD_DEVELOPMENT, 10)
    )
    page = FamilyPageScreen(AppContext(receiver, clock))
    qtbot.addWidget(page)
    page.show()
    page.show_family(received.family_id)
    assert page.received_label.isVisible()
    assert page.received_label.text() == "Received from Little Acorns Nursery on 23/11/2026"
    model = page.model
    types = [model.index(row, ChronologyModel.TYPE).data() for row in range(model.rowCount())]
    staff_column = [model.index(row, ChronologyModel.STAFF).data() for row in range(model.rowCount())]
    assert len(types) == 5  # 3 entries and 1 open referral received, 1 entry logged here
    assert [t.endswith("(received)") for t in types] == [True, True, True, True, False]
    assert staff_column[:4] == ["Little Acorns Nursery"] * 4 and staff_column[4] == "Rita Receiver"
    tip = model.index(0, ChronologyModel.TYPE).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Received from Little Acorns Nursery")

    # A family of this setting's own has no such line.
    from setting_app.domain.models import NewFamily
    from setting_app.services import families

    mine = families.add_family(receiver, NewFamily(ref="FAM-0001", opened_on=date(2026, 11, 1)))
    page.show_family(mine.id)
    assert not page.received_label.isVisible() and page.received_label.text() == ""


def test_a_known_senders_new_key_is_confirmed_before_the_file_is_opened(
    session: Session, receiver: Session, clock, qtbot, tmp_path: Path
) -> None:
    from setting_app.services import transfer
    from setting_app.services.casebook import create_casebook
    from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
    from tests.conftest import PASSPHRASE, fixed_clock, setting_details
    from tests.test_transfer import send

    add_sample_family(session)
    transfer.receive_family(receiver, send(session, receiver, tmp_path).path)
    reinstalled = create_casebook(
        tmp_path / "reinstalled", setting_details(), "manager", "Mina Manager", PASSPHRASE,
        kdf=TEST_ONLY_FAST_KDF, clock=fixed_clock(),
    ).session  # fmt: skip
    try:
        add_sample_family(reinstalled)
        second = send(reinstalled, receiver, tmp_path, out=tmp_path / "second.transfer").path
        new_key = export_keys.export_key_fingerprint(reinstalled.conn)
    finally:
        reinstalled.close()
    questions: list[str] = []
    answers = [False, True]
    tab = TransferTab(
        AppContext(receiver, clock),
        confirm_new_key=lambda _w, question: questions.append(question) or answers[len(questions) - 1],
    )
    qtbot.addWidget(tab)
    assert tab.receive_file(second) is None  # not confirmed
    assert new_key in questions[0] and export_keys.export_key_fingerprint(session.conn) in questions[0]
    assert "not confirmed" in tab.result.text()
    dialog = tab.receive_file(second)  # confirmed: opened against the new key
    assert dialog is not None and dialog.fingerprint.text() == new_key
    dialog.new_ref.setText("FAM-0043")
    dialog.import_button.click()
    assert receiver.conn.execute("SELECT count(*) FROM families").fetchone()[0] == 2

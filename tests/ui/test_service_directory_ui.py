"""The service directory in the app: imported services show every field, what is to review is marked and
confirmed in bulk by a manager, and an import's problems are counted with the full list on request."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from setting_app.domain.codes import Role, ServiceCategory
from setting_app.domain.referrals import CategoryStatus
from setting_app.services import service_directory
from setting_app.services.session import Session
from setting_app.storage import staff_repo
from setting_app.storage.unit_of_work import unit_of_work

from setting_app.ui.context import AppContext
from setting_app.ui.dialogs.service_dialog import ServiceDialog
from setting_app.ui.dialogs.service_review_dialog import ServiceReviewDialog
from setting_app.ui.models.referral_table_model import ServiceTableModel
from setting_app.ui.screens.referrals import ReferralsScreen

HSDS = Path(__file__).parent.parent / "fixtures" / "hsds"
BRISTOL = HSDS / "council_synthetic" / "bristol_style_services.json"


def _screen(qtbot, ctx) -> ReferralsScreen:
    screen = ReferralsScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1280, 720)
    screen.show()
    screen.refresh()
    screen.tabs.setCurrentIndex(1)
    return screen


def _row(model, name: str) -> int:
    return next(r for r in range(model.rowCount()) if model.service_at(r).name == name)


def test_import_marks_services_to_review_and_the_dialog_shows_every_field(
    qtbot, session, clock, tmp_path
) -> None:
    ctx = AppContext(session, clock)
    screen = _screen(qtbot, ctx)
    assert not screen.review_button.isEnabled() and not screen.problems_button.isVisible()
    # The import runs on a worker thread (a council's directory takes seconds); the screen says when done.
    with qtbot.waitSignal(screen.directory_imported, timeout=20000) as done:
        assert screen.import_directory(BRISTOL) is True
        assert not screen.import_button.isEnabled() and "Importing" in screen.directory_status.text()
    assert done.args == [True] and screen.import_button.isEnabled()
    status = screen.directory_status.text()
    assert "9 added, 0 updated, 0 unchanged; 8 to review" in status
    assert "note: Community Walks (108): description shortened to 4,000 characters" in status
    assert screen.review_button.isEnabled() and screen.review_button.text() == "&Review categories (8)…"
    model = screen.service_model
    row = _row(model, "Tai Chi")
    assert model.data(model.index(row, ServiceTableModel.CATEGORY)) == "Other (to review)"

    # The problem list, saved whole.
    assert screen.problems_button.isVisible()
    target = tmp_path / "problems.txt"
    assert screen.save_problem_list(target) is True
    assert len(target.read_text().splitlines()) == 2

    screen.service_table.selectRow(_row(model, "Tai Chi"))
    dialog = screen.edit_service()
    assert isinstance(dialog, ServiceDialog)
    assert dialog.description.toPlainText().startswith(
        "What we offer\n\nTai Chi is a gentle form of exercise"
    )
    info = dialog.directory_info.text()
    assert "Category: to review" in info and "Contacts: 0117 496 0101" in info and "Directory id: 101" in info
    assert (
        dialog.address.text() == "1 Example Road, Bristol, BS34 0AA"
        and dialog.phone.text() == "0117 496 0101"
    )
    dialog.reject()

    screen.service_table.selectRow(_row(model, "North Bristol Foodbank"))
    dialog = screen.edit_service()
    assert "Suggested: Food and essentials, because the name says 'foodbank'." in dialog.directory_info.text()
    # Choosing a category in the dialog confirms it.
    dialog.category.setCurrentIndex(dialog.category.findData(ServiceCategory.FOOD_ESSENTIALS))
    assert dialog.save() is True
    assert dialog.saved.category_status is CategoryStatus.CONFIRMED
    assert screen.review_button.text() == "&Review categories (7)…"


def test_review_dialog_confirms_ticked_services_in_bulk(qtbot, session, clock) -> None:
    service_directory.import_directory(session, BRISTOL)
    ctx = AppContext(session, clock)
    dialog = ServiceReviewDialog(ctx)
    qtbot.addWidget(dialog)
    model = dialog.model
    assert model.rowCount() == 8 and dialog.windowTitle() == "Service categories to review (8)"
    assert dialog.confirm(None) is False and "Tick the services" in dialog.status.text()

    dialog.tick_all_suggested()
    assert [s.name for s in model.ticked()] == ["North Bristol Foodbank"]
    assert dialog.confirm(None) is True and "Confirmed 1 service." in dialog.status.text()
    assert model.rowCount() == 7

    # Tick by the check box, as a person would, and give the ticked ones one category.
    for name in ("Tai Chi", "Isle Community Choir"):
        index = model.index(_row(model, name), 0)
        assert model.setData(index, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert (
        model.data(model.index(_row(model, "Tai Chi"), 0), Qt.ItemDataRole.CheckStateRole)
        == Qt.CheckState.Checked
    )
    dialog.table.setCurrentIndex(model.index(_row(model, "Tai Chi"), 0))
    assert "health benefits" in dialog.description.toPlainText()
    dialog.category.setCurrentIndex(dialog.category.findData(ServiceCategory.OTHER))
    assert dialog.chosen_category() is ServiceCategory.OTHER
    dialog.set_button.click()
    assert model.rowCount() == 5 and dialog.confirmed == 3 and "Confirmed 2 services." in dialog.status.text()
    # Accepting suggestions for services that have none is refused in words, nothing changed.
    model.setData(model.index(0, 0), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert dialog.confirm(None) is False and "no suggestion to accept" in dialog.status.text()
    assert model.rowCount() == 5


def test_a_practitioner_cannot_review(qtbot, session, clock) -> None:
    service_directory.import_directory(session, BRISTOL)
    with unit_of_work(session.conn):
        user = staff_repo.add_staff(session.conn, "pat", "Pat", Role.PRACTITIONER, clock.now())
    practitioner = Session(
        session.conn, user, session.setting, session.data_dir, clock, bytearray(session.data_key())
    )
    screen = _screen(qtbot, AppContext(practitioner, clock))
    assert not screen.review_button.isEnabled() and not screen.import_button.isEnabled()


def test_review_queue_by_keyboard_ticks_from_any_column_and_asks_for_a_category(
    qtbot, session, clock
) -> None:
    service_directory.import_directory(session, BRISTOL)
    dialog = ServiceReviewDialog(AppContext(session, clock))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    table, model = dialog.table, dialog.model
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Down)
    qtbot.keyClick(table, Qt.Key.Key_Space)
    first = model.service_at(0).name
    assert [s.name for s in model.ticked()] == [first]
    # A person reading along the row (the suggestion, the reason) ticks it where they are.
    qtbot.keyClick(table, Qt.Key.Key_Right)
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert table.currentIndex().column() == 1
    qtbot.keyClick(table, Qt.Key.Key_Space)
    assert [s.name for s in model.ticked()] == [first, model.service_at(1).name]
    qtbot.keyClick(table, Qt.Key.Key_Space)
    assert [s.name for s in model.ticked()] == [first]
    # No category is chosen for them until the manager chooses one: the first in the list is not a default.
    assert dialog.chosen_category() is None
    dialog.set_button.click()
    assert "Choose the category" in dialog.status.text() and model.rowCount() == 8

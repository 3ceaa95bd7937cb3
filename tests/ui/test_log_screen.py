"""The full log screen: filters, jumps to a row or a date, opening a family, lock."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from PySide6.QtCore import Qt

from setting_app.domain.codes import Domain, Kind, Role
from setting_app.domain.models import NewEntry, NewFamily
from setting_app.services import families, support_log
from setting_app.storage import entry_repo, staff_repo
from setting_app.storage.entry_repo import EntryFilter
from setting_app.storage.unit_of_work import unit_of_work

from setting_app.ui.context import AppContext
from setting_app.ui.models.windowed import RECORD_ROLE
from setting_app.ui.screens.log import LogScreen

DOMAINS = list(Domain)


@pytest.fixture
def ctx(session, clock, qtbot) -> AppContext:
    return AppContext(session, clock)


@pytest.fixture
def log(session) -> dict[str, int]:
    """600 entries over 600 days for two families, by two staff."""
    a = families.add_family(session, NewFamily("FAM-0001", date(2024, 1, 1))).id
    b = families.add_family(session, NewFamily("FAM-0002", date(2024, 1, 1))).id
    with unit_of_work(session.conn):
        other = staff_repo.add_staff(
            session.conn, "pat", "Pat Practitioner", Role.PRACTITIONER, session.clock.now()
        )
        entry_repo.add_entries(
            session.conn,
            [
                NewEntry(
                    (a, b)[i % 2],
                    date(2025, 1, 1) + timedelta(days=i),
                    DOMAINS[i % 4],
                    10,
                    staff_id=(session.user.id, other.id)[i % 3 == 0],
                    note=f"entry {i}",
                )
                for i in range(600)
            ],
            session.clock.now(),
        )
    return {"a": a, "b": b, "pat": other.id}


def make_screen(qtbot, ctx) -> LogScreen:
    screen = LogScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1100, 600)
    with qtbot.waitActive(screen):
        screen.show()
        screen.activateWindow()
    return screen


def record(screen: LogScreen, row: int):
    return screen.model.data(screen.model.index(row, 0), RECORD_ROLE)


def test_shows_the_whole_log_newest_first(qtbot, ctx, log) -> None:
    screen = make_screen(qtbot, ctx)
    assert screen.count_label.text() == "600 entries"
    assert record(screen, 0).entry_date == date(2025, 1, 1) + timedelta(days=599)
    assert record(screen, 599).entry_date == date(2025, 1, 1)
    assert screen.model.data(screen.model.index(0, 1)) in ("FAM-0001", "FAM-0002")


def test_filters_by_domain_kind_staff_and_dates(qtbot, ctx, session, log) -> None:
    screen = make_screen(qtbot, ctx)
    screen.domain.setCurrentIndex(screen.domain.findData(Domain.INCLUSION_SEND.value))
    assert screen.count_label.text() == "150 entries"
    assert record(screen, 149).domain is Domain.INCLUSION_SEND
    screen.domain.setCurrentIndex(0)
    screen.kind.setCurrentIndex(screen.kind.findData(Kind.INDIRECT.value))
    assert screen.model.rowCount() == 150
    screen.kind.setCurrentIndex(0)
    screen.staff.setCurrentIndex(screen.staff.findData(log["pat"]))
    assert screen.model.rowCount() == 200
    assert screen.model.data(screen.model.index(0, 6)) == "Pat Practitioner"
    screen.staff.setCurrentIndex(0)
    screen.date_from.setText("01/02/2025")
    screen.date_to.setFocus()
    qtbot.keyClicks(screen.date_to, "28/02/2025")
    qtbot.keyClick(screen.date_to, Qt.Key.Key_Return)
    assert screen.count_label.text() == "28 entries"
    assert screen.model.rowCount() == support_log.count_entries(
        session, EntryFilter(date_from=date(2025, 2, 1), date_to=date(2025, 2, 28))
    )


def test_a_date_that_cannot_be_read_is_reported_and_kept(qtbot, ctx, log) -> None:
    screen = make_screen(qtbot, ctx)
    screen.date_from.setText("30/02/2025")
    screen.apply_filter()
    assert "From date: '30/02/2025' is not a date" in screen.problem.text()
    assert screen.date_from.text() == "30/02/2025"
    assert screen.model.rowCount() == 600  # the last good filter stays


def test_go_to_row_and_go_to_date(qtbot, ctx, log) -> None:
    screen = make_screen(qtbot, ctx)
    screen.row_box.setValue(450)
    screen.go_row.click()
    assert screen.table.currentIndex().row() == 449
    assert screen.table.rowAt(0) <= 449 <= screen.table.rowAt(screen.table.viewport().height() - 1)
    screen.jump_date.setText("15/03/2025")
    screen.go_date.click()
    assert record(screen, screen.table.currentIndex().row()).entry_date == date(2025, 3, 15)
    screen.jump_date.setText("01/01/2020")  # before everything: the last row
    screen.go_date.click()
    assert screen.table.currentIndex().row() == 599
    assert "No entries on or before" in screen.problem.text()


def test_enter_on_a_row_opens_its_family(qtbot, ctx, log) -> None:
    screen = make_screen(qtbot, ctx)
    opened: list[int] = []
    ctx.open_family_requested.connect(opened.append)
    screen.go_to_row(3)
    qtbot.keyClick(screen.table, Qt.Key.Key_Return)
    assert opened == [record(screen, 3).family_id]


def test_refreshes_after_a_save_and_empties_on_lock(qtbot, ctx, session, log) -> None:
    screen = make_screen(qtbot, ctx)
    support_log.log_entry(session, NewEntry(log["a"], date(2026, 11, 23), Domain.FAMILY_WELLBEING, 5))
    ctx.data_changed.emit("entries")
    assert screen.model.rowCount() == 601 and record(screen, 0).entry_date == date(2026, 11, 23)
    ctx.set_session(None)
    assert screen.model.rowCount() == 0 and screen.count_label.text() == ""
    ctx.set_session(session)
    assert screen.model.rowCount() == 601

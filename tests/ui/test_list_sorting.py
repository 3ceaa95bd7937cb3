"""Issue 25: header clicks sort the windowed lists in SQL (a whitelist of columns per list, each through
an index), keyset paging stays exact in every order, the header shows the order, and the current row
is kept."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from PySide6.QtCore import QPoint, Qt

from setting_app.domain.codes import Domain, Kind
from setting_app.domain.models import NewEntry, NewFamily
from setting_app.services import families
from setting_app.storage import entry_repo
from setting_app.storage.entry_repo import SORT_KEYS, EntryFilter, EntrySort, sort_key
from setting_app.storage.unit_of_work import unit_of_work

from setting_app.ui.context import AppContext
from setting_app.ui.screens.families import FamiliesScreen
from setting_app.ui.screens.log import LogScreen

ENTRIES = 1_500  # 8 pages of 200


@pytest.fixture
def ctx(session, clock, qtbot) -> AppContext:
    return AppContext(session, clock)


@pytest.fixture
def log(session) -> list[int]:
    ids = [
        families.add_family(
            session, NewFamily(f"FAM-{n:04d}", date(2015, 1, 1) + timedelta(days=n), carers=())
        ).id
        for n in range(1, 6)
    ]
    with unit_of_work(session.conn):
        entry_repo.add_entries(
            session.conn,
            [
                NewEntry(
                    ids[i % 5],
                    date(2018, 1, 1) + timedelta(days=i // 3),  # three entries a day: ties broken by id
                    list(Domain)[(i * 7) % 4],
                    1 + (i * 37) % 120,
                    kind=Kind.DIRECT if i % 3 else Kind.INDIRECT,
                    staff_id=session.user.id,
                    note=f"entry {i}",
                )
                for i in range(ENTRIES)
            ],
            session.clock.now(),
        )
    return ids


def shown(qtbot, widget):
    qtbot.addWidget(widget)
    widget.resize(1100, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def click_header(qtbot, table, column: int) -> None:
    header = table.horizontalHeader()
    qtbot.mouseClick(
        header.viewport(),
        Qt.MouseButton.LeftButton,
        pos=QPoint(header.sectionViewportPosition(column) + 5, 5),
    )


def expected_ids(session, sort: EntrySort, flt: EntryFilter = EntryFilter()) -> list[int]:
    everything = entry_repo.list_entries(session.conn, flt, limit=100_000)
    ordered = sorted(everything, key=lambda e: tuple(getattr(v, "value", v) for v in sort_key(e, sort)))
    return [e.id for e in (reversed(ordered) if sort.descending else ordered)]


def read_scattered(model) -> list[int]:
    """Every row, the pages read out of order: from the end, the middle, then outwards (so the model
    uses its OFFSET-from-either-end and keyset routes in the new order)."""
    total, size = model.rowCount(), model.page_size
    pages = (total + size - 1) // size
    order = [pages - 1, pages // 2, pages // 2 + 1, pages // 2 - 1, 0, *range(pages)]
    seen: dict[int, int] = {}
    for page in order:
        for row in range(page * size, min(total, (page + 1) * size)):
            seen[row] = model.record(row).id
    return [seen[row] for row in range(total)]


@pytest.mark.parametrize("name", sorted(SORT_KEYS))
@pytest.mark.parametrize("descending", [False, True])
def test_every_log_order_pages_exactly(ctx, session, log, qtbot, name, descending) -> None:
    screen = shown(qtbot, LogScreen(ctx))
    model = screen.model
    column = next(c for c, n in model.SORTABLE.items() if n == name)
    order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
    assert screen.table.sort_by(column, order)
    assert read_scattered(model) == expected_ids(session, EntrySort(name, descending))
    # and with a filter the index does not answer alone
    flt = EntryFilter(domain=Domain.FAMILY_WELLBEING, kind=Kind.DIRECT)
    model.set_filter(flt)
    assert read_scattered(model) == expected_ids(session, EntrySort(name, descending), flt)


def test_a_header_click_sorts_the_log_shows_it_and_keeps_the_current_row(ctx, session, log, qtbot) -> None:
    screen = shown(qtbot, LogScreen(ctx))
    table, model = screen.table, screen.model
    header = table.horizontalHeader()
    assert header.isSortIndicatorShown()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == model.DEFAULT_SORT
    screen.go_to_row(987)
    kept = model.record(987).id
    click_header(qtbot, table, model.DOMAIN)
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        model.DOMAIN,
        Qt.SortOrder.AscendingOrder,
    )
    ids = expected_ids(session, EntrySort("domain", descending=False))
    assert [model.record(r).id for r in range(5)] == ids[:5]
    assert model.record(table.currentIndex().row()).id == kept  # the same entry, at its new row
    assert table.currentIndex().row() == ids.index(kept)
    assert table.last_sort_ms < 1000
    click_header(qtbot, table, model.DOMAIN)  # again: the other way
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert model.record(0).id == expected_ids(session, EntrySort("domain", True))[0]
    assert model.record(table.currentIndex().row()).id == kept
    click_header(qtbot, table, model.MINUTES)  # a new column starts ascending
    assert model.sort_indicator == (model.MINUTES, Qt.SortOrder.AscendingOrder)
    assert model.record(0).minutes == 1
    before = model.sort_indicator
    click_header(qtbot, table, model.NOTE)  # not sortable: nothing changes, indicator stays
    assert model.sort_indicator == before
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == before


def test_going_to_a_date_or_typing_a_family_goes_back_to_the_newest_first_order(
    ctx, session, log, qtbot
) -> None:
    screen = shown(qtbot, LogScreen(ctx))
    table, model = screen.table, screen.model
    table.sort_by(model.MINUTES, Qt.SortOrder.DescendingOrder)
    screen.jump_date.set_date(date(2018, 6, 1))
    screen.go_to_typed_date()
    assert model.is_default_order
    assert table.horizontalHeader().sortIndicatorSection() == model.DATE
    assert model.record(table.currentIndex().row()).entry_date <= date(2018, 6, 1)
    table.sort_by(model.KIND, Qt.SortOrder.AscendingOrder)
    table.setFocus()
    qtbot.keyClicks(table, "FAM-0003")
    assert table.last_search == "found" and model.is_default_order
    assert model.record(table.currentIndex().row()).family_id == log[2]


def test_sorted_log_pages_walk_an_index_not_the_whole_log(session, log) -> None:
    for name in SORT_KEYS:
        for descending in (False, True):
            sort = EntrySort(name, descending)
            columns = ", ".join(sort.columns)
            direction = "DESC" if descending else "ASC"
            order = ", ".join(f"{c} {direction}" for c in sort.columns)
            for where in ("", f"WHERE ({columns}) > ({', '.join('?' * len(sort.columns))})"):
                params = [0] * len(sort.columns) if where else []
                plan = " ".join(
                    str(r[3])
                    for r in session.conn.execute(
                        f"EXPLAIN QUERY PLAN SELECT * FROM support_entries {where} ORDER BY {order} LIMIT 200",
                        params,
                    )
                )
                assert "TEMP B-TREE" not in plan and "USING INDEX" in plan, (name, where, plan)


def test_the_log_refuses_a_sort_it_does_not_know(session) -> None:
    with pytest.raises(ValueError):
        EntrySort("note; DROP TABLE support_entries")


def test_a_header_click_sorts_the_families_list_in_sql(ctx, session, log, qtbot) -> None:
    screen = shown(qtbot, FamiliesScreen(ctx))
    table, model = screen.table, screen.model
    screen.refresh()
    refs = [model.record(r).family.ref for r in range(model.rowCount())]
    assert refs == sorted(refs)
    table.setCurrentIndex(model.index(1, 0))
    kept = model.record(1).family.id
    click_header(qtbot, table, model.OPENED)  # dates start newest first
    assert model.sort_indicator == (model.OPENED, Qt.SortOrder.DescendingOrder)
    opened = [model.record(r).family.opened_on for r in range(model.rowCount())]
    assert opened == sorted(opened, reverse=True)
    assert model.record(table.currentIndex().row()).family.id == kept
    click_header(qtbot, table, model.LAST_SUPPORT)
    last = [model.record(r).last_support_on for r in range(model.rowCount())]
    assert last == sorted(last, reverse=True)
    click_header(qtbot, table, model.CARERS)  # several names a family: not sortable
    assert model.sort_indicator == (model.LAST_SUPPORT, Qt.SortOrder.DescendingOrder)

"""The windowed table models over real casebooks: correct rows, few page fetches, Qt's model checks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from PySide6.QtCore import QModelIndex, Qt, qInstallMessageHandler
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QTableView

from setting_app.domain.codes import ContactMode, Domain, Kind
from setting_app.domain.models import Carer, NewChild, NewEntry, NewFamily
from setting_app.services import families, support_log
from setting_app.services.session import Session
from setting_app.storage import entry_repo
from setting_app.storage.entry_repo import EntryFilter
from setting_app.storage.family_repo import FamilyFilter
from setting_app.storage.unit_of_work import unit_of_work

from setting_app.ui.context import AppContext
from setting_app.ui.models.entry_table_model import EntryTableModel
from setting_app.ui.models.family_table_model import FamilyTableModel
from setting_app.ui.models.windowed import RECORD_ROLE

DOMAINS = list(Domain)


def add_family(session: Session, ref: str, carer: str = "", child: str = "", **kw) -> int:
    carers = (Carer(carer),) if carer else ()
    children = (NewChild(child, date(2023, 5, 1)),) if child else ()
    new = NewFamily(ref, kw.pop("opened_on", date(2025, 1, 6)), carers, children=children, **kw)
    return families.add_family(session, new).id


def bulk_entries(session: Session, family_ids: list[int], count: int) -> None:
    """``count`` entries spread over dates and domains, inserted in one transaction."""
    start = date(2025, 1, 6)
    entries = [
        NewEntry(
            family_ids[i % len(family_ids)],
            start + timedelta(days=(i * 7) % 680),
            DOMAINS[i % 4],
            5 + i % 60,
            staff_id=session.user.id,
            note=f"synthetic note {i}",
        )
        for i in range(count)
    ]
    with unit_of_work(session.conn):
        entry_repo.add_entries(session.conn, entries, session.clock.now())


@pytest.fixture
def model_failures(qtbot):
    """The FAIL! messages QAbstractItemModelTester reports (it writes them as Qt warnings)."""
    messages: list[str] = []
    previous = qInstallMessageHandler(lambda _mode, _context, text: messages.append(text))
    yield messages
    qInstallMessageHandler(previous)


def failures(messages: list[str]) -> list[str]:
    return [m for m in messages if "FAIL" in m]


@pytest.fixture
def ctx(session, clock, qtbot) -> AppContext:
    return AppContext(session, clock)


def test_entry_model_passes_qt_model_checks_across_pages(ctx, session, model_failures) -> None:
    family = add_family(session, "FAM-0001", "Ann Example")
    bulk_entries(session, [family], 450)
    model = EntryTableModel(ctx, page_size=100, max_pages=3)
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Warning)
    model.refresh()
    assert model.rowCount() == 450
    assert model.columnCount() == len(EntryTableModel.COLUMNS)
    seen = [model.data(model.index(r, EntryTableModel.DATE)) for r in range(450)]
    assert all(seen)
    # Newest first, and the same order as a plain query of the whole log.
    expected = entry_repo.list_entries(session.conn, EntryFilter(), offset=0, limit=1000)
    got = [model.data(model.index(r, 0), RECORD_ROLE) for r in range(450)]
    assert [e.id for e in got] == [e.id for e in expected]
    assert len(model.cached_pages) <= 3
    model.refresh()
    assert failures(model_failures) == []


def test_entry_model_cells_read_like_the_rest_of_the_app(ctx, session) -> None:
    family = add_family(session, "FAM-0042", "Ann Example", "Bea Example")
    support_log.log_entry(
        session,
        NewEntry(
            family,
            date(2026, 11, 2),
            Domain.FINANCIAL_HARDSHIP,
            80,
            activity_code="food_bank_voucher",
            contact_mode=ContactMode.PHONE,
            note="Voucher arranged\nwith the food bank",
            follow_up_on=date(2026, 11, 30),
        ),
    )
    model = EntryTableModel(ctx)
    model.refresh()
    row = [model.data(model.index(0, c)) for c in range(model.columnCount())]
    assert row == [
        "02/11/2026",
        "FAM-0042",
        "Financial hardship",
        "Indirect",
        "Food bank or baby bank voucher",
        "1 h 20 min",
        "Mina Manager",
        "Phone",
        "Voucher arranged with the food bank",
        "30/11/2026",
    ]
    assert model.data(model.index(0, EntryTableModel.NOTE), Qt.ItemDataRole.ToolTipRole).startswith("Voucher")
    assert model.data(model.index(0, EntryTableModel.DOMAIN), Qt.ItemDataRole.DecorationRole) is not None


def test_entry_model_filters_by_domain_kind_and_dates(ctx, session) -> None:
    family = add_family(session, "FAM-0001")
    bulk_entries(session, [family], 400)
    model = EntryTableModel(ctx)
    model.set_filter(EntryFilter(domain=Domain.FAMILY_WELLBEING))
    assert model.rowCount() == 100
    assert {model.data(model.index(r, 0), RECORD_ROLE).domain for r in range(100)} == {
        Domain.FAMILY_WELLBEING
    }
    model.set_filter(EntryFilter(kind=Kind.INDIRECT))
    assert model.rowCount() == 100  # only financial hardship defaults to indirect
    model.set_filter(EntryFilter(date_from=date(2025, 1, 6), date_to=date(2025, 1, 6)))
    assert model.rowCount() == support_log.count_entries(
        session, EntryFilter(date_from=date(2025, 1, 6), date_to=date(2025, 1, 6))
    )


@pytest.fixture(scope="module")
def big_casebook(tmp_path_factory):
    """One casebook with 20,000 entries, built once for the paging tests (about a second)."""
    from conftest import PASSPHRASE, fixed_clock, setting_details

    from setting_app.services.casebook import create_casebook
    from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF

    data_dir = tmp_path_factory.mktemp("big") / "casebook"
    created = create_casebook(
        data_dir,
        setting_details(),
        "manager",
        "Mina Manager",
        PASSPHRASE,
        kdf=TEST_ONLY_FAST_KDF,
        clock=fixed_clock(),
    )
    session = created.session
    ids = [add_family(session, f"FAM-{i:04d}", f"Carer {i}") for i in range(1, 41)]
    bulk_entries(session, ids, 20_000)
    yield session
    session.close()


def test_jumping_to_the_last_row_of_20000_loads_only_a_page_or_two(big_casebook, qtbot) -> None:
    ctx = AppContext(big_casebook, big_casebook.clock)
    model = EntryTableModel(ctx)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(900, 500)
    model.refresh()
    view.show()
    qtbot.waitExposed(view)
    assert model.rowCount() == 20_000
    before = model.fetch_count
    view.scrollTo(model.index(19_999, 0))
    view.grab()  # paints the visible rows, as a real screen would
    assert model.fetch_count - before <= 2
    last = model.data(model.index(19_999, 0), RECORD_ROLE)
    oldest = entry_repo.list_entries(big_casebook.conn, EntryFilter(), offset=0, limit=1, newest_first=False)
    assert last.id == oldest[0].id
    assert len(model.cached_pages) <= model.max_pages


def test_keyset_pages_match_offset_pages_when_scrolling_both_ways(big_casebook, qtbot) -> None:
    ctx = AppContext(big_casebook, big_casebook.clock)
    model = EntryTableModel(ctx, page_size=200)
    flt = EntryFilter(domain=Domain.INCLUSION_SEND)
    model.set_filter(flt)
    assert model.rowCount() == 5_000
    middle = 12 * 200
    for row in (middle, middle + 200, middle + 400, middle - 200, middle - 400):  # down, then up
        got = [model.data(model.index(r, 0), RECORD_ROLE).id for r in range(row, row + 200)]
        want = [e.id for e in entry_repo.list_entries(big_casebook.conn, flt, offset=row, limit=200)]
        assert got == want


def test_row_of_date_finds_where_a_day_starts(big_casebook, qtbot) -> None:
    ctx = AppContext(big_casebook, big_casebook.clock)
    model = EntryTableModel(ctx)
    model.refresh()
    day = date(2025, 6, 2)
    row = model.row_of_date(day)
    assert model.data(model.index(row, 0), RECORD_ROLE).entry_date <= day
    assert model.data(model.index(row - 1, 0), RECORD_ROLE).entry_date > day


def test_locked_casebook_empties_the_model_without_a_crash(session, clock, qtbot) -> None:
    ctx = AppContext(session, clock)
    add_family(session, "FAM-0001")
    model = FamilyTableModel(ctx)
    failures: list[str] = []
    model.load_failed.connect(failures.append)
    model.refresh()
    assert model.rowCount() == 1
    session.close()
    model.refresh()
    assert model.rowCount() == 0
    assert failures == ["The casebook is locked."]


def test_family_model_rows_filters_and_qt_checks(ctx, session, model_failures) -> None:
    worker = session.user.id
    a = add_family(session, "FAM-0002", "Ann Able", "Ava Able", key_worker_id=worker)
    add_family(session, "FAM-0001", "Bob Baker", "Ben Baker")
    add_family(session, "FAM-0003", "Cat Cole", closed_on=date(2026, 3, 1))
    support_log.log_entry(session, NewEntry(a, date(2026, 11, 20), Domain.FAMILY_WELLBEING, 30))
    model = FamilyTableModel(ctx, page_size=2)
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Warning)
    model.refresh()
    assert model.rowCount() == 2  # open only by default
    assert [model.data(model.index(r, 0)) for r in range(2)] == ["FAM-0001", "FAM-0002"]
    assert [model.data(model.index(1, c)) for c in range(model.columnCount())] == [
        "FAM-0002",
        "Ann Able",
        "Ava Able",
        "Mina Manager",
        "06/01/2025",
        "Open",
        "20/11/2026",
    ]
    model.set_filter(FamilyFilter(status="all"))
    assert model.rowCount() == 3
    assert model.data(model.index(2, FamilyTableModel.STATUS)) == "Closed 01/03/2026"
    model.set_filter(FamilyFilter(status="all", search="ben"))
    assert model.rowCount() == 1 and model.family_id(0) is not None
    model.set_filter(FamilyFilter(status="all", key_worker_id=worker))
    assert [model.data(model.index(r, 0)) for r in range(model.rowCount())] == ["FAM-0002"]
    model.set_filter(
        FamilyFilter(
            domain_seen=Domain.FAMILY_WELLBEING, seen_from=date(2026, 11, 1), seen_to=date(2026, 11, 30)
        )
    )
    assert model.rowCount() == 1 and model.family_id(0) == a
    assert model.data(QModelIndex()) is None
    assert failures(model_failures) == []


def test_type_ahead_search_matches_ref_carer_or_child_open_first(session) -> None:
    add_family(session, "FAM-0001", "Sam Smith", "Lily Smith", closed_on=date(2026, 1, 1))
    add_family(session, "FAM-0002", "Jo Smithson", "Max Jones")
    add_family(session, "FAM-0003", "Pat Green", "Ivy Smith")
    found = families.search_families(session, "smith")
    assert [m.ref for m in found] == ["FAM-0002", "FAM-0003", "FAM-0001"]
    assert found[-1].summary == "FAM-0001 · Sam Smith · children: Lily Smith · closed"
    assert [m.ref for m in families.search_families(session, "fam-0003")] == ["FAM-0003"]
    assert [m.ref for m in families.search_families(session, "max")] == ["FAM-0002"]
    assert families.search_families(session, "   ") == []
    assert families.search_families(session, "50%") == []


def test_uk_formatting_used_by_every_list() -> None:
    from setting_app.domain.errors import ValidationError

    from setting_app.ui.formatting import age_text, minutes_text, names_text, parse_uk_date, uk_date

    assert uk_date(date(2026, 3, 1)) == "01/03/2026" and uk_date(None) == ""
    assert [minutes_text(m) for m in (5, 60, 80, 600)] == ["5 min", "1 h", "1 h 20 min", "10 h"]
    today = date(2026, 11, 23)
    assert age_text(date(2023, 3, 1), today) == "3 years 8 months"
    assert age_text(date(2025, 11, 23), today) == "1 year"
    assert age_text(date(2026, 11, 2), today) == "3 weeks"
    assert names_text(["Ann", "Bob", "Cal"]) == "Ann, Bob and Cal"
    assert parse_uk_date("2/5/23", "date") == date(2023, 5, 2)
    assert parse_uk_date("23.11.2026", "date") == date(2026, 11, 23)
    assert parse_uk_date("+2w", "follow-up date", relative_to=today) == date(2026, 12, 7)
    with pytest.raises(ValidationError) as problem:
        parse_uk_date("11/23/2026", "date")  # US order is not a UK date
    assert problem.value.field == "date" and "dd/mm/yyyy" in problem.value.problem

"""The family page: header, chronology of entries and referrals, and opening the quick log."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest

from PySide6.QtCore import Qt

from setting_app.domain.codes import (
    Consent,
    ContactMode,
    Domain,
    Kind,
    Nation,
    ReferralStatus,
    ServiceCategory,
)
from setting_app.domain.models import Carer, NewChild, NewEntry, NewFamily, NewReferral
from setting_app.services import families, support_log
from setting_app.storage import entry_repo, referral_repo
from setting_app.storage.unit_of_work import unit_of_work

from setting_app.ui.context import AppContext
from setting_app.ui.models.chronology_model import ChronologyModel
from setting_app.ui.screens.family_page import FamilyPageScreen


@pytest.fixture
def ctx(session, clock, qtbot) -> AppContext:
    return AppContext(session, clock)


@pytest.fixture
def family(session) -> int:
    family = families.add_family(
        session,
        NewFamily(
            "FAM-0007",
            date(2025, 1, 6),
            (Carer("Ann Able", "mother"), Carer("Bob Able")),
            home_la_code="E09000007",
            key_worker_id=session.user.id,
            children=(NewChild("Ava Able", date(2023, 3, 1)), NewChild("Baby Able", date(2026, 9, 9))),
        ),
    )
    ava = families.list_children(session, family.id)[0]
    support_log.log_entry(
        session,
        NewEntry(
            family.id,
            date(2026, 11, 2),
            Domain.FINANCIAL_HARDSHIP,
            20,
            activity_code="food_bank_voucher",
            note="Voucher given",
            follow_up_on=date(2026, 11, 30),
        ),
    )
    support_log.log_entry(
        session,
        NewEntry(
            family.id,
            date(2026, 9, 14),
            Domain.CHILD_DEVELOPMENT,
            45,
            child_id=ava.id,
            contact_mode=ContactMode.HOME_VISIT,
            note="Shared books to read at home",
        ),
    )
    with unit_of_work(session.conn):
        referral_repo.add_referral(
            session.conn,
            NewReferral(
                family.id,
                "Speech and language drop-in",
                ServiceCategory.SPEECH_LANGUAGE,
                Domain.CHILD_DEVELOPMENT,
                date(2026, 10, 1),
                Consent.GIVEN,
                ReferralStatus.SENT,
                made_by=session.user.id,
            ),
            session.clock.now(),
        )
    return family.id


def make_page(qtbot, ctx) -> FamilyPageScreen:
    page = FamilyPageScreen(ctx)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    qtbot.waitExposed(page)
    return page


def cells(page: FamilyPageScreen, row: int) -> list[str]:
    return [page.model.data(page.model.index(row, c)) for c in range(page.model.columnCount())]


def test_header_and_chronology_in_date_order(qtbot, ctx, family) -> None:
    page = make_page(qtbot, ctx)
    page.show_family(family)
    assert page.title.text() == "Family FAM-0007"
    assert page.status_label.text() == "Open since 06/01/2025"
    assert page.carers_label.text() == "Ann Able (mother) and Bob Able"
    assert page.children_label.text() == "Ava Able (3 years 8 months) and Baby Able (2 months)"
    assert page.key_worker_label.text() == "Mina Manager"
    assert page.home_la_label.text() == "E09000007 (another authority)"
    assert page.summary_label.text() == "2 entries, 1 h 5 min logged; 1 referral; last on 02/11/2026"
    assert page.model.rowCount() == 3
    assert cells(page, 0) == [
        "14/09/2026",
        "Child development",
        "Direct",
        "",
        "Ava Able",
        "Mina Manager",
        "45 min",
        "Shared books to read at home",
    ]
    assert cells(page, 1)[:4] == [
        "01/10/2026",
        "Child development",
        "Referral",
        "Referral to Speech and language drop-in (sent)",
    ]
    assert cells(page, 2)[:4] == [
        "02/11/2026",
        "Financial hardship",
        "Indirect",
        "Food bank or baby bank voucher",
    ]
    icon = page.model.data(page.model.index(2, ChronologyModel.DOMAIN), Qt.ItemDataRole.DecorationRole)
    assert icon is not None and not icon.isNull()
    page.table.selectRow(2)
    text = page.detail.toPlainText()
    assert "Financial hardship · Indirect" in text and "Follow up on 30/11/2026" in text
    assert text.endswith("Voucher given")


def test_log_support_opens_the_quick_log_for_this_family(qtbot, ctx, family) -> None:
    page = make_page(qtbot, ctx)
    requested: list[object] = []
    ctx.quick_log_requested.connect(requested.append)
    page.show_family(family)
    qtbot.mouseClick(page.log_button, Qt.MouseButton.LeftButton)
    assert requested == [family]


def test_new_entries_appear_and_lock_clears_the_page(qtbot, ctx, session, family) -> None:
    page = make_page(qtbot, ctx)
    page.show_family(family)
    support_log.log_entry(session, NewEntry(family, date(2026, 11, 23), Domain.FAMILY_WELLBEING, 10))
    ctx.data_changed.emit("entries")
    assert page.model.rowCount() == 4
    assert cells(page, 3)[:3] == ["23/11/2026", "Family wellbeing", "Direct"]
    ctx.set_session(None)
    assert page.model.rowCount() == 0 and page.carers_label.text() == ""
    ctx.set_session(session)
    assert page.model.rowCount() == 4


def test_a_family_with_500_entries_opens_in_date_order(qtbot, ctx, session, family) -> None:
    start = date(2025, 2, 1)
    entries = [
        NewEntry(family, start + timedelta(days=i % 600), list(Domain)[i % 4], 15, note=f"Note {i} " * 8)
        for i in range(500)
    ]
    with unit_of_work(session.conn):
        entry_repo.add_entries(session.conn, entries, session.clock.now())
    page = make_page(qtbot, ctx)
    timings = []
    for _ in range(2):  # the first time includes Python's and SQLite's cold caches
        started = time.perf_counter()
        page.show_family(family)
        page.repaint()
        timings.append((time.perf_counter() - started) * 1000)
    print(
        f"family page with 502 entries and a referral, load and paint: {timings[0]:.1f} ms, then {timings[1]:.1f} ms"
    )
    assert page.model.rowCount() == 503
    # Speed targets live in bench/ (docs/performance.md), not in unit tests on a shared machine.
    days = [page.model.items[r].day for r in range(page.model.rowCount())]
    assert days == sorted(days)


def test_scotland_sees_asn(qtbot, data_dir, clock) -> None:
    from conftest import PASSPHRASE, setting_details

    from setting_app.services.casebook import create_casebook
    from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF

    scot = create_casebook(
        data_dir,
        setting_details(Nation.SCOTLAND),
        "manager",
        "Mina",
        PASSPHRASE,
        kdf=TEST_ONLY_FAST_KDF,
        clock=clock,
    ).session
    try:
        ctx = AppContext(scot, clock)
        family = families.add_family(scot, NewFamily("ED-1", date(2025, 1, 6))).id
        support_log.log_entry(scot, NewEntry(family, date(2026, 11, 2), Domain.INCLUSION_SEND, 30))
        page = make_page(qtbot, ctx)
        page.show_family(family)
        assert cells(page, 0)[1] == "Inclusion/ASN"
        assert page.home_la_label.text() == "City of Edinburgh (S12000036), this setting's authority"
        assert page.model.items[0].record.kind is Kind.DIRECT
    finally:
        scot.close()

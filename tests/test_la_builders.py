"""Builders for the LA export tests: casebooks with known counts, written in bulk in one transaction.

Imported by the other ``test_la_*`` modules; the tests here check the builders themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from conftest import PASSPHRASE, fixed_clock

from setting_app.domain.codes import (
    Consent,
    Domain,
    IntegrationModel,
    Kind,
    Nation,
    ReferralStatus,
    ServiceCategory,
)
from setting_app.domain.models import NewChild, NewEntry, NewFamily, NewReferral, SettingDetails
from setting_app.services.casebook import create_casebook
from setting_app.services.session import Session
from setting_app.storage import entry_repo, family_repo, referral_repo
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from setting_app.storage.unit_of_work import unit_of_work

OCTOBER = date(2026, 10, 5)


@dataclass
class Group:
    """``n`` families, each with one child, each given the same support in October 2026."""

    n: int
    domain: Domain
    kind: Kind
    entries_each: int = 1
    activity: str | None = None
    with_child: bool = True
    born: date | None = None
    home_la: str = ""
    minutes: int = 30


@dataclass
class Referrals:
    """``n`` referrals (one per family of the first ``n`` families of a group) to ``category``."""

    n: int
    category: ServiceCategory
    status: ReferralStatus
    #: (status, days after the referral was made) history rows after "sent".
    history: tuple[tuple[ReferralStatus, int], ...] = ()
    made_on: date = OCTOBER


@dataclass
class Built:
    family_ids: list[list[int]] = field(default_factory=list)


def new_setting(
    urn: str = "EY123456", la_code: str = "E09000019", nation: Nation = Nation.ENGLAND
) -> SettingDetails:
    return SettingDetails(
        "Little Acorns Nursery", urn, nation, la_code, "Islington", integration_model=IntegrationModel.HUB
    )


def new_casebook(data_dir: Path, setting: SettingDetails | None = None) -> Session:
    return create_casebook(
        data_dir,
        setting or new_setting(),
        "manager",
        "Mina Manager",
        PASSPHRASE,
        kdf=TEST_ONLY_FAST_KDF,
        clock=fixed_clock(),
    ).session


def build(session: Session, groups: list[Group], referrals: list[tuple[int, Referrals]] = ()) -> Built:
    """Add the groups' families and entries, then referrals (index of the group they come from)."""
    built = Built()
    now = session.clock.now()
    conn = session.conn
    with unit_of_work(conn):
        entries: list[NewEntry] = []
        for g in groups:
            ids = []
            for _ in range(g.n):
                ref = family_repo.next_family_ref(conn)
                children = (NewChild("Synthetic Child", g.born, "c1"),) if g.with_child else ()
                family = family_repo.add_family(
                    conn,
                    NewFamily(ref=ref, opened_on=date(2026, 1, 1), home_la_code=g.home_la, children=children),
                    now,
                )
                child = family_repo.list_children(conn, family.id)[0].id if g.with_child else None
                ids.append(family.id)
                for i in range(g.entries_each):
                    entries.append(
                        NewEntry(
                            family.id,
                            OCTOBER + timedelta(days=i),
                            g.domain,
                            g.minutes,
                            kind=g.kind,
                            child_id=child,
                            activity_code=g.activity,
                            staff_id=session.user.id,
                        )
                    )
            built.family_ids.append(ids)
        entry_repo.add_entries(conn, entries, now)
        for group_index, r in referrals:
            for family_id in built.family_ids[group_index][: r.n]:
                add_referral(session, family_id, r)
    return built


def add_referral(session: Session, family_id: int, r: Referrals) -> int:
    """A referral made and sent on ``r.made_on``, with later history rows; its current status ``r.status``."""
    conn = session.conn
    referral = referral_repo.add_referral(
        conn,
        NewReferral(
            family_id,
            "Synthetic Service",
            r.category,
            Domain.FAMILY_WELLBEING,
            r.made_on,
            Consent.GIVEN,
            status=ReferralStatus.SENT,
        ),
        session.clock.now(),
    )
    for status, days in r.history:
        conn.execute(
            "INSERT INTO referral_status_history (referral_id, status, changed_on, created_at) VALUES (?, ?, ?, ?)",
            (
                referral.id,
                status.value,
                (r.made_on + timedelta(days=days)).isoformat(),
                "2026-11-01T00:00:00+00:00",
            ),
        )
    conn.execute("UPDATE referrals SET status = ? WHERE id = ?", (r.status.value, referral.id))
    return referral.id


def test_build_adds_families_entries_and_referrals(session: Session) -> None:
    built = build(
        session,
        [Group(3, Domain.FINANCIAL_HARDSHIP, Kind.INDIRECT, entries_each=2)],
        [
            (
                0,
                Referrals(
                    2, ServiceCategory.HOUSING, ReferralStatus.ACCEPTED, ((ReferralStatus.ACCEPTED, 4),)
                ),
            )
        ],
    )
    assert len(built.family_ids[0]) == 3
    assert session.conn.execute("SELECT count(*) FROM support_entries").fetchone()[0] == 6
    rows = session.conn.execute("SELECT status FROM referrals").fetchall()
    assert [r[0] for r in rows] == ["accepted", "accepted"]
    history = session.conn.execute(
        "SELECT status, changed_on FROM referral_status_history ORDER BY id"
    ).fetchall()
    assert ("accepted", "2026-10-09") in [tuple(h) for h in history]

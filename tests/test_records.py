"""The record file format: import (all or nothing, every problem named) and per-family export.

Real casebooks throughout; "unchanged" means every table's row count is the same before and after.
"""

from __future__ import annotations

import copy
import json
import os
from datetime import date
from pathlib import Path

import pytest

from setting_app.domain.codes import ContactMode, Domain, Kind, Role
from setting_app.domain.errors import ImportRejected, PermissionDenied
from setting_app.domain.models import Carer, NewChild, NewEntry, NewFamily
from setting_app.services import families, records, support_log
from setting_app.services.casebook import create_casebook, unlock
from setting_app.services.session import Session
from setting_app.storage import activity_repo, entry_repo, referral_repo, staff_repo
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from setting_app.storage.unit_of_work import unit_of_work
from tests.conftest import PASSPHRASE, TODAY, assert_mode, fixed_clock, setting_details

FIXTURES = Path(__file__).parent / "fixtures" / "records"
SAMPLE_V1 = FIXTURES / "sample_v1.json"
FULL_V2 = FIXTURES / "full_v2.json"

TABLES = (
    "families",
    "carers",
    "children",
    "support_entries",
    "referrals",
    "referral_status_history",
    "staff",
    "activity_types",
)


def counts(session: Session) -> dict[str, int]:
    return {t: session.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def export_all_bytes(session: Session) -> bytes:
    return records.dumps_record_file(records.export_families(session))


# --- round trips ---------------------------------------------------------------------------------


def test_canonical_v2_file_imports_and_exports_back_byte_for_byte(session: Session) -> None:
    summary = records.import_records(session, load(FULL_V2))

    assert (summary.families, summary.children, summary.entries, summary.referrals) == (2, 2, 3, 2)
    assert summary.staff_added == ("sam.keyworker",)
    # Exported again as version 2, it is the same file byte for byte (version 3 adds the referral workflow).
    assert records.dumps_record_file(records.export_families(session, version=2)) == FULL_V2.read_bytes()


def test_import_keeps_unknown_names_as_switched_off_staff_and_activities(session: Session) -> None:
    records.import_records(session, load(FULL_V2))

    sam = staff_repo.get_staff_by_username(session.conn, "sam.keyworker")
    assert sam is not None and not sam.active and sam.role is Role.PRACTITIONER
    custom = activity_repo.get_activity_type(session.conn, Domain.FINANCIAL_HARDSHIP, "nappy_swap_club")
    assert custom is not None and not custom.active and not custom.builtin
    family = families.find_family(session, "FAM-0101")
    assert family.key_worker_id == session.user.id
    # One history row per referral: its status, on the day it was made, by whoever made it.
    history = session.conn.execute(
        "SELECT h.status, h.changed_on, h.changed_by, r.status, r.made_on, r.made_by "
        "FROM referral_status_history h JOIN referrals r ON r.id = h.referral_id ORDER BY h.id"
    ).fetchall()
    assert [tuple(row[:3]) for row in history] == [
        ("waitlisted", "2026-03-11", sam.id),
        ("draft", "2026-06-02", None),
    ]


def _build_casebook(session: Session) -> None:
    """Records made through the app's own services, with every optional field both set and unset."""
    manager = session.user
    with unit_of_work(session.conn):
        worker = staff_repo.add_staff(
            session.conn, "jo.smith", "Jo Smith", Role.PRACTITIONER, session.clock.now()
        )
    full = families.add_family(
        session,
        NewFamily(
            ref="FAM-0007",
            opened_on=date(2026, 1, 5),
            carers=(Carer("Zoë O'Connor-Łęcka", "mother", "07700 900123"), Carer("Dafydd ap Siôn")),
            postcode="n1 9gu",
            home_la_code="e09000019",
            key_worker_id=worker.id,
            closed_on=date(2026, 11, 1),
            notes='Dad\'s note: "call after 3pm"\nSecond line\n\nafter a blank line',
            children=(NewChild("Łucja", date(2023, 3, 1)), NewChild("Nnamdi")),
        ),
    )
    empty = families.add_family(session, NewFamily(ref="FAM-0002", opened_on=date(2026, 11, 23)))
    assert empty.id != full.id
    kids = families.list_children(session, full.id)
    support_log.log_entry(
        session,
        NewEntry(
            full.id,
            date(2026, 10, 3),
            Domain.FINANCIAL_HARDSHIP,
            20,
            child_id=kids[0].id,
            staff_id=worker.id,
            activity_code="food_bank_voucher",
            contact_mode=ContactMode.HOME_VISIT,
            note='Voucher for "Islington Food Bank"\n— picked up ✓',
            follow_up_on=date(2026, 12, 3),
        ),
    )
    support_log.log_entry(
        session, NewEntry(full.id, date(2026, 1, 5), Domain.INCLUSION_SEND, 45, kind=Kind.INDIRECT)
    )
    custom = support_log.add_activity_type(session, Domain.CHILD_DEVELOPMENT, "Bookstart bag")
    support_log.log_entry(
        session,
        NewEntry(
            full.id,
            date(2026, 10, 3),
            Domain.CHILD_DEVELOPMENT,
            5,
            activity_code=custom.code,
            staff_id=manager.id,
        ),
    )
    from setting_app.domain.codes import Consent, ReferralStatus, ServiceCategory
    from setting_app.domain.models import NewReferral

    with unit_of_work(session.conn):
        for referral in (
            NewReferral(
                full.id,
                "Islington Food Bank",
                ServiceCategory.FOOD_ESSENTIALS,
                Domain.FINANCIAL_HARDSHIP,
                date(2026, 10, 3),
                Consent.GIVEN,
                ReferralStatus.ACCEPTED,
                child_id=kids[1].id,
                made_by=worker.id,
                note='Référé — "priority"',
            ),
            NewReferral(
                full.id,
                "Area SENCO",
                ServiceCategory.SEND_SUPPORT,
                Domain.INCLUSION_SEND,
                date(2026, 2, 1),
                Consent.OVERRIDDEN,
            ),
        ):
            referral_repo.add_referral(session.conn, referral, session.clock.now())


def test_export_import_export_is_lossless(session: Session, tmp_path: Path) -> None:
    _build_casebook(session)
    first = records.export_families(session)
    out = tmp_path / "out" / "all.json"
    out.parent.mkdir()
    records.write_record_file(out, first)
    assert_mode(out, 0o600)
    assert [p.name for p in out.parent.iterdir()] == ["all.json"]  # no temporary file left beside it
    assert "Zoë O'Connor-Łęcka".encode() in out.read_bytes()  # readable UTF-8, not \\u escapes

    fresh = create_casebook(
        tmp_path / "fresh",
        setting_details(),
        "manager",
        "Mina Manager",
        PASSPHRASE,
        kdf=TEST_ONLY_FAST_KDF,
        clock=fixed_clock(),
    ).session
    try:
        records.import_records(fresh, records.read_record_file(out))
        second = records.export_families(fresh)
        assert records.dumps_record_file(second) == out.read_bytes()
        assert second == first
    finally:
        fresh.close()

    family = first["families"][1]
    assert [f["ref"] for f in first["families"]] == ["FAM-0002", "FAM-0007"]
    assert family["postcode"] == "N1 9GU" and family["home_la_code"] == "E09000019"
    assert family["key_worker"] == "jo.smith"
    assert [c["key"] for c in family["children"]] == ["c1", "c2"]
    assert [e["date"] for e in family["entries"]] == ["2026-01-05", "2026-10-03", "2026-10-03"]
    assert family["entries"][1]["recorded_by"] == "jo.smith"
    assert family["entries"][0]["recorded_by"] == "manager"  # log_entry defaults to the user
    assert [r["made_on"] for r in family["referrals"]] == ["2026-02-01", "2026-10-03"]


def test_export_writes_stable_key_order(session: Session) -> None:
    records.import_records(session, load(FULL_V2))
    doc = records.export_family(session, "FAM-0101")
    assert list(doc) == ["format", "version", "families"]
    family = doc["families"][0]
    assert list(family) == [
        "ref",
        "carers",
        "postcode",
        "home_la_code",
        "key_worker",
        "opened_on",
        "closed_on",
        "notes",
        "children",
        "entries",
        "referrals",
    ]
    assert list(family["entries"][0]) == [
        "date",
        "child",
        "domain",
        "kind",
        "activity",
        "minutes",
        "contact_mode",
        "note",
        "follow_up_on",
        "recorded_by",
    ]
    assert doc["version"] == records.WRITE_VERSION == 4


# --- version 1 -----------------------------------------------------------------------------------


def test_domain_md_v1_sample_imports_through_the_cli(cli, data_dir: Path, tmp_path: Path) -> None:
    assert cli.init().code == 0
    result = cli("import", str(SAMPLE_V1))
    assert (result.code, result.out, result.err) == (
        0,
        "Imported 1 family, 1 child, 1 entry, 1 referral.\n",
        "",
    )
    out = tmp_path / "fam1.json"
    exported = cli("export", "family", "FAM-0001", "--out", str(out))
    assert exported.code == 0 and "FAM-0001" in exported.out
    family = load(out)["families"][0]
    assert family["entries"][0]["minutes"] == 20 and family["entries"][0]["child"] == "c1"
    assert family["referrals"][0]["status"] == "accepted"
    assert family["children"] == [{"key": "c1", "name": "A Child", "date_of_birth": "2023-03-01"}]


def test_v1_defaults_opened_on_and_child_keys(session: Session) -> None:
    doc = {
        "format": "setting-app/records",
        "version": 1,
        "families": [
            {
                "ref": "FAM-0050",
                "children": [{"name": "First"}, {"key": "c1", "name": "Keyed"}],
                "entries": [
                    {"date": "2026-04-02", "domain": "child_development", "kind": "direct", "minutes": 10},
                    {
                        "date": "2026-03-30",
                        "child": "c1",
                        "domain": "inclusion_send",
                        "kind": "direct",
                        "minutes": 5,
                    },
                ],
            }
        ],
    }
    records.import_records(session, doc)
    family = records.export_family(session, "FAM-0050")["families"][0]
    assert family["opened_on"] == "2026-03-30"  # the first dated event
    assert [(c["key"], c["name"]) for c in family["children"]] == [("c2", "First"), ("c1", "Keyed")]


# --- bad input through the command line: exit 1, one line naming family and field, nothing written


def _sample() -> dict:
    return load(SAMPLE_V1)


def _family(doc: dict) -> dict:
    return doc["families"][0]


def _set(path: str, value: object):
    """A change to the v1 sample: ``path`` like "entries.0.minutes" inside its family, or "/version"."""

    def change(doc: dict) -> dict:
        target = doc if path.startswith("/") else _family(doc)
        parts = path.lstrip("/").split(".")
        for part in parts[:-1]:
            target = target[int(part)] if part.isdigit() else target[part]
        last = parts[-1]
        if value is _DELETE:
            del target[int(last) if last.isdigit() else last]
        elif last.isdigit() and int(last) == len(target):
            target.append(value)
        else:
            target[int(last) if last.isdigit() else last] = value
        return doc

    return change


_DELETE = object()


def _second_family_same_ref(doc: dict) -> dict:
    twin = copy.deepcopy(_family(doc))
    doc["families"].append(twin)
    return doc


BAD_DOCUMENTS = {
    "wrong format": (_set("/format", "something-else"), ["format", "not a record file"]),
    "future version": (_set("/version", 99), ["version", "99", "newer version"]),
    "version as text": (_set("/version", "1"), ["version"]),
    "unknown key at top": (_set("/foo", 1), ["unknown field 'foo'"]),
    "unknown key in family": (_set("foo", 1), ["family FAM-0001", "unknown field 'foo'"]),
    "unknown key in carer": (_set("carers.0.foo", 1), ["family FAM-0001, carers[0]", "unknown field 'foo'"]),
    "unknown key in child": (_set("children.0.foo", 1), ["family FAM-0001, children[0]", "'foo'"]),
    "unknown key in entry": (_set("entries.0.foo", 1), ["family FAM-0001, entries[0]", "'foo'"]),
    "unknown key in referral": (_set("referrals.0.foo", 1), ["family FAM-0001, referrals[0]", "'foo'"]),
    "v2 field in v1 file": (
        _set("entries.0.activity", "food_bank_voucher"),
        ["family FAM-0001, entries[0]", "unknown field 'activity'", "version 2"],
    ),
    "missing families": (_set("/families", _DELETE), ["families", "is required"]),
    "missing ref": (_set("ref", _DELETE), ["families[0], ref: is required"]),
    "bad ref": (_set("ref", "!!"), ["families[0], ref:"]),
    "missing entry date": (
        _set("entries.0.date", _DELETE),
        ["family FAM-0001, entries[0].date: is required"],
    ),
    "missing entry domain": (_set("entries.0.domain", _DELETE), ["entries[0].domain: is required"]),
    "missing entry kind": (_set("entries.0.kind", _DELETE), ["entries[0].kind: is required"]),
    "missing entry minutes": (_set("entries.0.minutes", _DELETE), ["entries[0].minutes: is required"]),
    "missing referral service": (_set("referrals.0.service", _DELETE), ["referrals[0].service: is required"]),
    "missing referral category": (
        _set("referrals.0.service_category", _DELETE),
        ["referrals[0].service_category: is required"],
    ),
    "missing referral made_on": (_set("referrals.0.made_on", _DELETE), ["referrals[0].made_on: is required"]),
    "missing referral status": (_set("referrals.0.status", _DELETE), ["referrals[0].status: is required"]),
    "missing referral consent": (_set("referrals.0.consent", _DELETE), ["referrals[0].consent: is required"]),
    "missing child name": (_set("children.0.name", _DELETE), ["children[0].name: is required"]),
    "bad date": (_set("entries.0.date", "2026-13-01"), ["family FAM-0001, entries[0].date", "YYYY-MM-DD"]),
    "UK style date": (_set("opened_on", "05/01/2026"), ["family FAM-0001, opened_on", "YYYY-MM-DD"]),
    "future date": (_set("entries.0.date", "2026-11-24"), ["entries[0].date", "in the future"]),
    "minutes 0": (_set("entries.0.minutes", 0), ["entries[0].minutes", "from 1 to 600 minutes (got 0)"]),
    "minutes 601": (_set("entries.0.minutes", 601), ["entries[0].minutes", "(got 601)"]),
    "minutes fraction": (_set("entries.0.minutes", 20.5), ["entries[0].minutes", "whole number"]),
    "bad domain": (_set("entries.0.domain", "housing"), ["entries[0].domain", "'housing' is not one of"]),
    "bad kind": (_set("entries.0.kind", "both"), ["entries[0].kind"]),
    "bad consent": (_set("referrals.0.consent", "yes"), ["referrals[0].consent", "not_given"]),
    "bad status": (_set("referrals.0.status", "lost"), ["referrals[0].status"]),
    "bad category": (_set("referrals.0.service_category", "police"), ["referrals[0].service_category"]),
    "child key not in family": (
        _set("entries.0.child", "c9"),
        ["family FAM-0001, entries[0].child", "c9", "not the key of a child"],
    ),
    "referral child not in family": (_set("referrals.0.child", "c2"), ["referrals[0].child"]),
    "duplicate child key": (
        _set("children.1", {"key": "c1", "name": "Twin"}),
        ["children[1].key", "also the key of children[0]"],
    ),
    "duplicate ref in file": (_second_family_same_ref, ["family FAM-0001, ref", "more than once"]),
    "entry before opened_on": (
        _set("entries.0.date", "2026-01-04"),
        ["family FAM-0001, entries[0].date", "before the family's record was opened (2026-01-05)"],
    ),
    "referral before opened_on": (
        _set("referrals.0.made_on", "2025-12-31"),
        ["referrals[0].made_on", "before"],
    ),
    "closed before opened": (_set("closed_on", "2026-01-01"), ["family FAM-0001, closed_on", "before"]),
    "bad postcode": (_set("postcode", "NOT A POSTCODE"), ["family FAM-0001, postcode"]),
    "bad la code": (_set("home_la_code", "Islington"), ["family FAM-0001, home_la_code", "GSS"]),
    "carers not a list": (_set("carers", "A Parent"), ["family FAM-0001, carers", "must be a list"]),
    "entry not an object": (_set("entries.0", "20 minutes"), ["entries[0]", "must be an object"]),
    "note not text": (_set("notes", 5), ["family FAM-0001, notes", "must be text"]),
    "value with a newline": (
        _set("entries.0.domain", "child\ndevelopment"),
        ["entries[0].domain", "child\\n"],
    ),
    "version as a fraction": (_set("/version", 1.5), ["version", "1.5"]),
    "families not a list": (_set("/families", {}), ["families", "must be a list"]),
}


@pytest.fixture
def ready(cli):
    """A casebook that already holds one family, so 'unchanged' is not trivially empty."""
    assert cli.init().code == 0
    return cli


def _baseline(cli, tmp_path: Path) -> dict[str, int]:
    base = _sample()
    _family(base)["ref"] = "FAM-0900"
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(base), encoding="utf-8")
    assert cli("import", str(path)).code == 0
    return _table_counts(cli)


def _table_counts(cli) -> dict[str, int]:
    with unlock(cli.data_dir, "manager", PASSPHRASE, clock=cli.clock) as session:
        return counts(session)


def _assert_refused(cli, path: Path, before: dict[str, int], expected: list[str]) -> str:
    result = cli("import", str(path))
    assert result.code == 1, result
    assert result.out == ""
    assert result.err.count("\n") == 1, result.err  # one line
    assert "Traceback" not in result.err
    for text in expected:
        assert text in result.err, (text, result.err)
    assert _table_counts(cli) == before
    return result.err


@pytest.mark.parametrize("case", sorted(BAD_DOCUMENTS))
def test_bad_document_is_refused_with_family_and_field_named(ready, tmp_path: Path, case: str) -> None:
    before = _baseline(ready, tmp_path)
    change, expected = BAD_DOCUMENTS[case]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(change(_sample())), encoding="utf-8")
    _assert_refused(ready, path, before, expected)


def test_ref_already_in_casebook_is_refused(ready, tmp_path: Path) -> None:
    before = _baseline(ready, tmp_path)
    doc = _sample()
    again = copy.deepcopy(_family(doc))
    again["ref"] = "FAM-0900"
    doc["families"].append(again)  # a new family first, then one the casebook already has
    path = tmp_path / "again.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    _assert_refused(ready, path, before, ["family FAM-0900, ref: is already in the casebook"])


@pytest.mark.parametrize(
    ("case", "content", "expected"),
    [
        (
            "malformed JSON",
            b'{"format": "setting-app/records", "version": 1,',
            ["is not valid JSON", "line 1"],
        ),
        ("not UTF-8", '{"format": "setting-app/records", "notes": "café"}'.encode("latin-1"), ["not UTF-8"]),
        ("empty file", b"", ["is not valid JSON"]),
        ("top level is a list", b"[]", ["one JSON object"]),
        ("duplicate field", b'{"format": "setting-app/records", "format": "x"}', ["'format' twice"]),
        ("NaN", b'{"format": "setting-app/records", "version": NaN}', ["NaN"]),
    ],
)
def test_unreadable_file_is_refused(
    ready, tmp_path: Path, case: str, content: bytes, expected: list[str]
) -> None:
    before = _baseline(ready, tmp_path)
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    _assert_refused(ready, path, before, expected)


def test_missing_file_folder_and_oversized_file_are_refused(ready, tmp_path: Path) -> None:
    before = _baseline(ready, tmp_path)
    _assert_refused(ready, tmp_path / "nowhere.json", before, ["There is no file at"])
    _assert_refused(ready, tmp_path, before, ["is a folder"])
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:  # sparse: nothing that large really written
        handle.truncate(records.MAX_FILE_BYTES + 1)
    _assert_refused(ready, huge, before, ["too large", f"{records.MAX_FILE_BYTES // (1024 * 1024)} MB"])


def test_several_problems_are_all_listed_but_the_message_stays_one_line(session: Session) -> None:
    doc = _sample()
    _family(doc)["entries"][0]["minutes"] = 900
    _family(doc)["entries"][0]["domain"] = "nope"
    _family(doc)["referrals"][0]["consent"] = "maybe"
    before = counts(session)
    with pytest.raises(ImportRejected) as caught:
        records.import_records(session, doc)
    assert caught.value.problems == (
        "family FAM-0001, entries[0].domain: 'nope' is not one of: child_development, inclusion_send, "
        "family_wellbeing, financial_hardship",
        "family FAM-0001, entries[0].minutes: must be from 1 to 600 minutes (got 900)",
        "family FAM-0001, referrals[0].consent: 'maybe' is not one of: given, not_given, not_needed, overridden",
    )
    assert "\n" not in str(caught.value) and "(and 2 more problems)" in str(caught.value)
    assert counts(session) == before


def test_problem_lists_stop_at_twenty(session: Session) -> None:
    doc = _sample()
    _family(doc)["entries"] = [dict(_family(doc)["entries"][0], minutes=0) for _ in range(50)]
    with pytest.raises(ImportRejected) as caught:
        records.parse_record_file(doc, today=TODAY)
    assert len(caught.value.problems) == records.MAX_PROBLEMS
    assert caught.value.problems[19].startswith("family FAM-0001, entries[19].minutes")


def test_a_failure_while_writing_leaves_the_casebook_unchanged(session: Session, monkeypatch) -> None:
    """All or nothing: families already written in this import are rolled back with it."""
    before = counts(session)

    def disk_full(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(entry_repo, "add_entries", disk_full)
    with pytest.raises(OSError):
        records.import_records(session, load(FULL_V2))
    assert counts(session) == before
    assert not session.conn.in_transaction


# --- roles and export errors ---------------------------------------------------------------------


def test_practitioners_cannot_import_or_export(ready, tmp_path: Path) -> None:
    _baseline(ready, tmp_path)
    added = ready("users", "add", "pat", "--role", "practitioner", new_passphrase="pat's passphrase")
    assert added.code == 0
    refused = ready(
        "export",
        "family",
        "FAM-0900",
        "--out",
        str(tmp_path / "x.json"),
        user="pat",
        passphrase="pat's passphrase",
    )
    assert refused.code == 1 and "Only a manager" in refused.err
    assert not (tmp_path / "x.json").exists()
    doc = _sample()
    path = tmp_path / "new.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    refused = ready("import", str(path), user="pat", passphrase="pat's passphrase")
    assert refused.code == 1 and "Only a manager" in refused.err


def test_practitioner_session_is_refused_by_the_service(session: Session) -> None:
    session.user = staff_repo.add_staff(session.conn, "pat", "Pat", Role.PRACTITIONER, session.clock.now())
    with pytest.raises(PermissionDenied):
        records.export_families(session)
    with pytest.raises(PermissionDenied):
        records.import_records(session, load(SAMPLE_V1))


def test_export_of_unknown_family_and_into_a_missing_folder(ready, tmp_path: Path) -> None:
    _baseline(ready, tmp_path)
    unknown = ready("export", "family", "FAM-9999", "--out", str(tmp_path / "x.json"))
    assert unknown.code == 1 and "FAM-9999" in unknown.err and unknown.err.count("\n") == 1
    nowhere = ready("export", "family", "FAM-0900", "--out", str(tmp_path / "no" / "such" / "x.json"))
    assert nowhere.code == 1 and "Could not write" in nowhere.err and "Traceback" not in nowhere.err
    to_folder = ready("export", "family", "FAM-0900", "--out", str(tmp_path))
    assert to_folder.code == 1 and "is a folder" in to_folder.err


def test_export_replaces_an_existing_file_atomically(ready, tmp_path: Path) -> None:
    _baseline(ready, tmp_path)
    out = tmp_path / "fam.json"
    out.write_text("old contents", encoding="utf-8")
    os.chmod(out, 0o644)
    result = ready("export", "family", "FAM-0900", "--out", str(out))
    assert result.code == 0
    assert load(out)["families"][0]["ref"] == "FAM-0900"
    assert_mode(out, 0o600)


def test_export_group_is_shared_with_other_modules() -> None:
    """Another command module (the LA export) adds ``export la`` to the same group."""
    import argparse

    from setting_app.cli import build_parser
    from setting_app.commands import records as records_commands

    parser = build_parser()
    top = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    group = records_commands.export_group(top)
    assert group is records_commands.EXPORT_SUBPARSERS
    assert "family" in group.choices and "la" in group.choices
    group.add_parser("another-return", help="test")
    assert records_commands.export_group(top) is group and "another-return" in group.choices

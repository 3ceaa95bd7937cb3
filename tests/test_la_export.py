"""A manager's return for a casebook with known counts: the exact published values, a package that
Frictionless and ``la verify`` accept, what verify refuses, exact counts for the authority, and the
command line."""

from __future__ import annotations

import csv
import json
import subprocess
import sysconfig
from dataclasses import replace
from datetime import date
from pathlib import Path

import frictionless
import pytest
from conftest import assert_mode
from test_la_builders import Group, Referrals, build

from setting_app.domain.codes import Domain, Kind, ReferralStatus, Role, ServiceCategory
from setting_app.domain.errors import AlreadyExists, PermissionDenied, ValidationError
from setting_app.domain.models import StaffUser
from setting_app.services import export_keys
from setting_app.services.la_export import SdcParams, export_history, prepare_export, write_return
from setting_app.services.la_export import exact as exact_mod
from setting_app.services.la_export.periods import parse_period
from setting_app.services.la_export.signing import public_pem, raw_public, sign
from setting_app.services.la_export.verify import verify_package
from setting_app.services.session import Session

# Where pip put the frictionless command: bin/ beside python in a venv, but Scripts\ under a Windows
# installation, which is not the folder python.exe is in.
FRICTIONLESS = Path(sysconfig.get_path("scripts")) / "frictionless"

S = ReferralStatus
KNOWN = [
    Group(10, Domain.CHILD_DEVELOPMENT, Kind.DIRECT, entries_each=2, born=date(2023, 5, 1)),
    Group(2, Domain.CHILD_DEVELOPMENT, Kind.DIRECT, born=date(2023, 5, 1)),
    Group(8, Domain.FAMILY_WELLBEING, Kind.DIRECT, born=date(2025, 6, 1), activity="wellbeing_checkin"),
    Group(3, Domain.FINANCIAL_HARDSHIP, Kind.INDIRECT, with_child=False, home_la="E09000007"),
]
KNOWN_REFERRALS = [
    (0, Referrals(10, ServiceCategory.HEALTH_VISITING, S.ACCEPTED, ((S.ACKNOWLEDGED, 1), (S.ACCEPTED, 2)))),
    (1, Referrals(2, ServiceCategory.HEALTH_VISITING, S.SENT)),
    (3, Referrals(2, ServiceCategory.SOCIAL_CARE, S.SENT)),
]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def table(out: Path, name: str, *filters: str) -> dict[tuple[str, ...], dict[str, str]]:
    rows = read_csv(out / f"{name}.csv")
    return {tuple(r[f] for f in filters): r for r in rows}


@pytest.fixture
def known(session: Session) -> Session:
    build(session, KNOWN, KNOWN_REFERRALS)
    return session


@pytest.fixture
def exported(known: Session, tmp_path: Path) -> Path:
    out = tmp_path / "return"
    write_return(known, prepare_export(known, "2026-10"), out)
    return out


def test_known_counts_are_published_exactly_as_the_rule_says(exported: Path) -> None:
    t = table(exported, "support_by_domain_and_type", "need_domain", "support_type")
    families = {k: r["families_supported"] for k, r in t.items()}
    assert families == {
        ("child_development", "direct"): "10",  # 12
        ("child_development", "indirect"): "c",  # 0, but all indirect support was hardship: dominance
        ("child_development", "Total"): "10",
        ("inclusion_send", "direct"): "0",
        ("inclusion_send", "indirect"): "c",
        ("inclusion_send", "Total"): "0",
        ("family_wellbeing", "direct"): "10",  # 8
        ("family_wellbeing", "indirect"): "c",
        ("family_wellbeing", "Total"): "10",
        ("financial_hardship", "direct"): "0",
        ("financial_hardship", "indirect"): "c",  # 3
        ("financial_hardship", "Total"): "c",
        ("Total", "direct"): "20",  # 20
        ("Total", "indirect"): "c",  # 3
        ("Total", "Total"): "25",  # 23
    }
    assert t[("Total", "Total")]["children_count"] == "20"
    assert t[("financial_hardship", "Total")]["children_count"] == "0"

    ages = {k[0]: r["children_count"] for k, r in table(exported, "children_by_age_band", "age_band").items()}
    assert ages == {
        "under_1": "0",
        "age_1": "10",
        "age_2": "0",
        "age_3": "10",
        "age_4_plus": "0",
        "unknown": "0",
        "Total": "20",
    }

    homes = {
        k[0]: r["families_supported"]
        for k, r in table(exported, "families_by_home_la", "home_la_code").items()
    }
    assert homes == {"E09000007": "c", "E09000019": "20", "Total": "25"}

    contacts = table(exported, "contacts_and_hours", "need_domain")
    assert {k[0]: (r["contacts"], r["staff_hours"]) for k, r in contacts.items()} == {
        "child_development": ("20", "11.0"),  # 22 contacts
        "inclusion_send": ("0", "0.0"),
        "family_wellbeing": ("10", "4.0"),
        "financial_hardship": ("c", "c"),
        "Total": ("35", "c"),  # one domain's hours hidden: the total would give them away
    }

    outcomes = table(exported, "referral_outcomes", "service_category")
    hv = outcomes[("health_visiting",)]
    assert (
        hv["families_referred"],
        hv["median_days_to_acknowledgement"],
        hv["median_days_to_first_contact"],
    ) == (
        "10",
        "1.0",
        "c",
    )
    assert outcomes[("social_care",)]["families_referred"] == "c"
    assert outcomes[("social_care",)]["median_days_to_acknowledgement"] == "c"
    assert outcomes[("housing",)]["median_days_to_acknowledgement"] == "z"
    assert outcomes[("Total",)]["families_referred"] == "15"


def test_every_row_carries_the_ees_time_and_geography_columns(exported: Path) -> None:
    rows = read_csv(exported / "support_by_domain_and_type.csv")
    first = list(rows[0])
    assert first[:13] == [
        "time_period",
        "time_identifier",
        "geographic_level",
        "country_code",
        "country_name",
        "region_code",
        "region_name",
        "new_la_code",
        "la_name",
        "old_la_code",
        "provider_ukprn",
        "provider_name",
        "integration_model",
    ]
    assert first[13:] == ["need_domain", "support_type", "families_supported", "children_count"]
    assert {(r["time_period"], r["time_identifier"], r["geographic_level"]) for r in rows} == {
        ("2026", "October", "Provider")
    }
    assert {
        (
            r["country_code"],
            r["region_code"],
            r["region_name"],
            r["new_la_code"],
            r["la_name"],
            r["old_la_code"],
            r["provider_ukprn"],
            r["provider_name"],
        )
        for r in rows
    } == {
        (
            "E92000001",
            "E12000007",
            "London",
            "E09000019",
            "Islington",
            "206",
            "EY123456",
            "Little Acorns Nursery",
        )
    }
    meta = read_csv(exported / "support_by_domain_and_type.meta.csv")
    assert [m["col_name"] for m in meta] == [
        "need_domain",
        "support_type",
        "families_supported",
        "children_count",
    ]
    assert [m["col_type"] for m in meta] == ["Filter", "Filter", "Indicator", "Indicator"]
    assert [m["filter_default"] for m in meta] == ["Total", "Total", "", ""]


def test_package_declares_types_symbols_keys_and_sdc_fields(exported: Path) -> None:
    package = json.loads((exported / "datapackage.json").read_text())
    resource = next(r for r in package["resources"] if r["name"] == "support_by_domain_and_type")
    schema = resource["schema"]
    assert schema["missingValues"] == ["", "c", "x", "z", "low"]
    assert schema["primaryKey"] == ["need_domain", "support_type"]
    fields = {f["name"]: f for f in schema["fields"]}
    assert fields["need_domain"]["constraints"]["enum"] == [
        "child_development",
        "inclusion_send",
        "family_wellbeing",
        "financial_hardship",
        "Total",
    ]
    assert fields["support_type"]["constraints"]["enum"] == ["direct", "indirect", "Total"]
    assert fields["families_supported"]["sdc"] == "count"
    assert fields["families_supported"]["type"] == "integer"
    counts = [
        f["name"] for r in package["resources"] for f in r["schema"]["fields"] if f.get("sdc") == "count"
    ]
    assert "contacts" in counts and "families_referred" in counts
    assert package["sdc"]["threshold"] == 8 and package["sdc"]["base"] == 5
    manifest = json.loads((exported / "manifest.json").read_text())
    assert manifest["sdc"]["suppressed_cells"] > 0
    assert manifest["provider_urn"] == "EY123456" and manifest["integration_model"] == "setting_led"
    assert {f["path"] for f in manifest["files"]} >= {"datapackage.json", "support_by_domain_and_type.csv"}


def test_frictionless_validates_the_package_and_the_rule_as_a_row_check(exported: Path) -> None:
    report = frictionless.validate(str(exported / "datapackage.json"))
    assert report.valid, report.flatten(["type", "message"])
    rule = "families_supported == None or families_supported == 0 or (families_supported >= 10 and families_supported % 5 == 0)"
    descriptor = json.loads((exported / "datapackage.json").read_text())["resources"][0]
    resource = frictionless.Resource(
        path=descriptor["path"],
        basepath=str(exported),
        schema=frictionless.Schema.from_descriptor(descriptor["schema"]),
    )
    checked = resource.validate(
        checklist=frictionless.Checklist(checks=[frictionless.checks.row_constraint(formula=rule)])
    )
    assert checked.valid, checked.flatten(["type", "message"])


def test_frictionless_command_line_validates_the_package(exported: Path) -> None:
    result = subprocess.run(
        [str(FRICTIONLESS), "validate", str(exported / "datapackage.json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_verify_accepts_the_return_and_pins_the_settings_key(exported: Path, known: Session) -> None:
    pinned = raw_public(export_keys.signing_key(known))
    report = verify_package(exported, pinned_key=pinned)
    assert report.ok, report.problems
    assert report.signed and report.fingerprint == export_keys.export_key_fingerprint(known.conn)
    assert report.rows_checked > 200


def test_verify_refuses_a_changed_byte_naming_the_file(exported: Path) -> None:
    path = exported / "children_by_age_band.csv"
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x01
    path.write_bytes(bytes(data))
    report = verify_package(exported)
    assert not report.ok
    assert report.problems[0].startswith("children_by_age_band.csv: changed")


def test_verify_refuses_a_return_signed_by_another_key(exported: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = raw_public(Ed25519PrivateKey.generate())
    report = verify_package(exported, pinned_key=other)
    assert any(p.startswith("manifest.sig: signed by key") for p in report.problems)


def _hand_edit_count_to_three(out: Path) -> None:
    path = out / "support_by_domain_and_type.csv"
    text = path.read_text().replace("family_wellbeing,direct,10,10", "family_wellbeing,direct,3,10")
    assert "family_wellbeing,direct,3,10" in text
    path.write_text(text)


def _reseal(out: Path, key) -> None:
    """What a forger with a signing key would do: fix every hash and sign the manifest again."""
    import hashlib

    manifest = json.loads((out / "manifest.json").read_text())
    for entry in manifest["files"]:
        entry["sha256"] = hashlib.sha256((out / entry["path"]).read_bytes()).hexdigest()
    manifest["signing_key"]["public_key"] = __import__("base64").b64encode(raw_public(key)).decode()
    from setting_app.services.la_export.signing import fingerprint

    manifest["signing_key"]["fingerprint"] = fingerprint(raw_public(key))
    data = (json.dumps(manifest, indent=2) + "\n").encode()
    (out / "manifest.json").write_bytes(data)
    (out / "manifest.sig").write_text(__import__("base64").b64encode(sign(key, data)).decode() + "\n")


def test_verify_refuses_a_hand_edited_count_of_three_signed_again_or_not(
    exported: Path, known: Session, tmp_path: Path
) -> None:
    _hand_edit_count_to_three(exported)
    report = verify_package(exported)
    assert report.problems == [
        "support_by_domain_and_type.csv: changed since the manifest was made (SHA-256 differs)"
    ]

    # Re-sealed with the setting's own key: hashes and signature are fine, the rule re-check is not.
    _reseal(exported, export_keys.signing_key(known))
    report = verify_package(exported)
    assert len(report.problems) == 1
    assert "families_supported = 3 breaks the disclosure rule" in report.problems[0]
    assert report.problems[0].startswith("support_by_domain_and_type.csv line")


def test_verify_refuses_an_unsigned_return_and_unlisted_files(exported: Path) -> None:
    (exported / "manifest.sig").unlink()
    (exported / "notes.txt").write_text("extra")
    problems = verify_package(exported).problems
    assert "manifest.sig: missing: the return is unsigned" in problems
    assert "notes.txt: not covered by the manifest" in problems


def test_only_managers_can_make_the_return(known: Session, tmp_path: Path) -> None:
    practitioner = replace(known, user=StaffUser(99, "pat", "Pat Practitioner", Role.PRACTITIONER))
    practitioner._data_key = known._data_key  # same unlocked casebook, a practitioner's session
    with pytest.raises(PermissionDenied, match="Only a manager"):
        prepare_export(practitioner, "2026-10")
    export = prepare_export(known, "2026-10")
    with pytest.raises(PermissionDenied):
        write_return(practitioner, export, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_return_is_recorded_and_refuses_a_folder_that_is_not_empty(known: Session, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.csv").write_text("old")
    with pytest.raises(AlreadyExists, match="not empty"):
        write_return(known, prepare_export(known, "2026-10"), out)
    written = write_return(known, prepare_export(known, "2026-Q4"), tmp_path / "q4")
    history = export_history(known)
    assert [h["period"] for h in history] == ["2026-Q4"]
    assert history[0]["manifest_sha256"] == written.manifest_sha256


def test_quarter_and_financial_year_returns_carry_ees_time_columns(known: Session, tmp_path: Path) -> None:
    for code, period, identifier in (
        ("2026-Q4", "202627", "Financial year Q3"),
        ("FY2026-27", "202627", "Financial year"),
    ):
        out = tmp_path / code
        write_return(known, prepare_export(known, code), out)
        row = read_csv(out / "support_by_domain_and_type.csv")[-1]
        assert (row["time_period"], row["time_identifier"], row["families_supported"]) == (
            period,
            identifier,
            "25",
        )
        assert verify_package(out).ok


def test_periods_are_checked() -> None:
    assert parse_period("2026-10").time_identifier == "October"
    assert parse_period("2026-q3").start == date(2026, 7, 1)
    assert parse_period("fy2025-26").end == date(2026, 3, 31)
    for bad in ("2026-13", "2026-Q5", "FY2026-28", "October", ""):
        with pytest.raises(ValidationError) as caught:
            parse_period(bad)
        assert caught.value.field == "period"
    with pytest.raises(ValidationError, match="has not started"):
        parse_period("2027-01", today=date(2026, 11, 23))


def test_exact_counts_are_readable_only_with_the_authoritys_key(known: Session, tmp_path: Path) -> None:
    private, public, fingerprint = exact_mod.generate_authority_keys(tmp_path / "keys")
    assert_mode(private, 0o600)
    export = prepare_export(known, "2026-10")
    written = write_return(known, export, tmp_path / "out", exact_for=public)
    assert written.exact_for == fingerprint
    data = (tmp_path / "out" / "exact.enc").read_bytes()
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert "exact.enc" in {f["path"] for f in manifest["files"]}
    assert manifest["exact_counts"]["recipient_fingerprint"] == fingerprint
    payload = exact_mod.decrypt(data, exact_mod.load_authority_private_key(private), "exact.enc")
    cells = {tuple(k): v for k, v in payload["cells"]}
    assert cells[("families", "financial_hardship", "indirect")] == 3
    assert cells[("families", "total", "total")] == 23
    other_private, _, _ = exact_mod.generate_authority_keys(tmp_path / "other")
    with pytest.raises(Exception, match="encrypted to the key"):
        exact_mod.decrypt(data, exact_mod.load_authority_private_key(other_private), "exact.enc")
    assert verify_package(tmp_path / "out").ok


def test_command_line_export_keygen_and_verify(cli, tmp_path: Path) -> None:
    assert cli.init().code == 0
    keys = tmp_path / "keys"
    result = cli("la", "keygen", "--out", str(keys), user=None)
    assert result.code == 0, result.err
    assert "Fingerprint:" in result.out
    out = tmp_path / "return"
    result = cli(
        "export",
        "la",
        "--period",
        "2026-10",
        "--out",
        str(out),
        "--exact-for",
        str(keys / "la_authority_public.pem"),
    )
    assert result.code == 0, result.err
    assert "Signed with this setting's export key" in result.out
    pem = tmp_path / "setting.pem"
    assert cli("la", "setting-key", "--out", str(pem)).code == 0
    result = cli("la", "verify", str(out), "--pubkey", str(pem), user=None)
    assert result.code == 0, result.err
    assert result.out.startswith("OK: return from provider EY123456 for 2026-10.")

    bad = cli("export", "la", "--period", "2026-13", "--out", str(tmp_path / "x"))
    assert bad.code == 1 and "period" in bad.err and "Traceback" not in bad.err
    bad = cli("export", "la", "--period", "2026-10", "--out", str(tmp_path / "y"), "--threshold", "3")
    assert bad.code == 1 and "threshold" in bad.err
    bad = cli("export", "la", "--period", "2026-10", "--out", str(out))
    assert bad.code == 1 and "not empty" in bad.err
    (out / "datapackage.json").write_text("{}")
    bad = cli("la", "verify", str(out), user=None)
    assert bad.code == 1 and "datapackage.json: changed since the manifest was made" in bad.err
    assert len(bad.err.strip().splitlines()) == 1


def test_export_key_is_made_at_set_up_and_its_fingerprint_is_stable(session: Session) -> None:
    first = export_keys.export_key_fingerprint(session.conn)
    assert first is not None and len(first.split()) == 8
    assert export_keys.ensure_export_key(session) == first
    assert public_pem(raw_public(export_keys.signing_key(session))) == export_keys.public_key_pem(
        session.conn
    )


def test_older_casebooks_get_an_export_key_when_first_needed(session: Session, tmp_path: Path) -> None:
    session.conn.execute("DELETE FROM app_settings WHERE key LIKE 'export_signing_key%'")
    assert export_keys.export_key_fingerprint(session.conn) is None
    written = write_return(session, prepare_export(session, "2026-10", SdcParams(5, 1)), tmp_path / "out")
    assert written.fingerprint == export_keys.export_key_fingerprint(session.conn)


def test_a_scottish_return_uses_scotlands_codes(tmp_path: Path) -> None:
    from test_la_builders import new_casebook, new_setting

    from setting_app.domain.codes import Nation

    session = new_casebook(tmp_path / "cb", new_setting("CS2003012345", "S12000036", Nation.SCOTLAND))
    try:
        build(session, KNOWN[:2])
        out = tmp_path / "out"
        write_return(session, prepare_export(session, "FY2026-27"), out)
    finally:
        session.close()
    row = read_csv(out / "support_by_domain_and_type.csv")[0]
    assert (
        row["country_code"],
        row["country_name"],
        row["new_la_code"],
        row["la_name"],
        row["old_la_code"],
    ) == (
        "S92000003",
        "Scotland",
        "S12000036",
        "City of Edinburgh",
        "z",
    )
    assert (row["provider_ukprn"], row["region_code"], row["region_name"]) == (
        "CS2003012345",
        "z",
        "Outside of England",
    )
    assert verify_package(out).ok
    assert frictionless.validate(str(out / "datapackage.json")).valid


def test_keygen_never_overwrites_a_key(tmp_path: Path) -> None:
    exact_mod.generate_authority_keys(tmp_path)
    before = (tmp_path / exact_mod.PRIVATE_KEY_FILE).read_bytes()
    with pytest.raises(AlreadyExists):
        exact_mod.generate_authority_keys(tmp_path)
    assert (tmp_path / exact_mod.PRIVATE_KEY_FILE).read_bytes() == before


FIXTURE_RETURN = Path(__file__).parent / "fixtures" / "la" / "return-v1-2026-10"


def test_a_return_made_by_format_version_1_still_verifies_and_merges(tmp_path: Path) -> None:
    """A stored return (the first format): later versions of verify and merge must still read it."""
    from setting_app.services.la_export.merge import merge_returns

    report = verify_package(FIXTURE_RETURN)
    assert report.ok, report.problems
    assert (report.provider_urn, report.period_code, report.fingerprint) == (
        "EY999001",
        "2026-10",
        "19D0 FBAB C31D 0066 67DA 73C0 BD91 4BBC",
    )
    summary = merge_returns([FIXTURE_RETURN], tmp_path / "merged", today=date(2026, 11, 23))
    assert summary.returns == 1
    rows = read_csv(tmp_path / "merged" / "support_by_domain_and_type.csv")
    total = next(r for r in rows if (r["need_domain"], r["support_type"]) == ("Total", "Total"))
    assert (
        total["families_supported"],
        total["families_supported_lower"],
        total["families_supported_upper"],
    ) == (
        "25",
        "23",
        "27",
    )
    # Version 1 named the children indicator children_supported; it is read under children_count.
    assert (total["children_count"], total["children_count_lower"]) == ("20", "18")

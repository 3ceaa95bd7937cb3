"""The service directory: by hand, and imported from Open Referral UK (HSDS) JSON and CSV exports."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from setting_app.domain.codes import Consent, Domain, Role, ServiceCategory
from setting_app.domain.errors import ImportRejected, PermissionDenied, ValidationError
from setting_app.domain.models import NewFamily
from setting_app.domain.referrals import NewService, NewTrackedReferral, ServiceContact, ServiceSource
from setting_app.services import families, service_directory
from setting_app.services import referrals as R
from setting_app.services.service_directory import import_directory
from setting_app.services.session import Session
from setting_app.storage import service_repo, staff_repo
from setting_app.storage.unit_of_work import unit_of_work

HSDS = Path(__file__).parent / "fixtures" / "hsds"
JSON_EXPORT = HSDS / "eastbrook_services.json"
FOOD_BANK_ID = "6b1f2a40-0c1e-4c55-9a1d-1f0b2c3d4e04"


def _by_name(session) -> dict:
    return {s.name: s for s in service_directory.list_services(session)}


def test_json_import_maps_services_organisations_contacts_and_categories(session) -> None:
    summary = import_directory(session, JSON_EXPORT)
    assert (summary.added, summary.updated, summary.unchanged, summary.skipped) == (8, 0, 0, ())
    services = _by_name(session)
    categories = {name: (s.category.value, s.category_status.value) for name, s in services.items()}
    # Categories only from the directory's own terms; the rest wait for a manager.
    assert categories == {
        "Stay and Play at Eastbrook Family Hub": ("family_hub", "directory"),
        "Eastbrook 0-19 Healthy Child Service": ("health_visiting", "directory"),
        "Children's Speech and Language Therapy": ("other", "to_review"),
        "Eastbrook Community Food Bank": ("food_essentials", "directory"),
        "Money Matters Advice Line": ("other", "to_review"),
        "Bloom Perinatal Support": ("mental_health", "directory"),
        "Safe Haven Eastbrook": ("other", "to_review"),
        "Toy Library": ("other", "to_review"),
    }
    suggestions = {name: s.suggested_category for name, s in services.items() if s.to_review}
    assert suggestions == {
        "Children's Speech and Language Therapy": ServiceCategory.SPEECH_LANGUAGE,  # the name says so
        "Money Matters Advice Line": ServiceCategory.DEBT_BENEFITS,  # two advice phrases, nothing else
        "Safe Haven Eastbrook": None,  # one phrase in the description is not enough
        "Toy Library": None,
    }
    assert summary.to_review == 4
    food = services["Eastbrook Community Food Bank"]
    assert (food.organisation, food.phone, food.email) == (
        "Eastbrook Churches Together",
        "020 7946 0404",
        "hello@ect.example.org",
    )
    assert food.address == "3 Church Row, Eastbrook, EB2 4CD"
    assert food.hsds_id == FOOD_BANK_ID and food.source is ServiceSource.IMPORT
    assert food.domain is Domain.FINANCIAL_HARDSHIP
    slt = service_directory.get_service(session, services["Children's Speech and Language Therapy"].id)
    assert slt.phone == "020 7946 0303" and "Contact" not in slt.description
    assert slt.contacts == (
        ServiceContact(name="Referral coordinator", title="SLT admin", phone="020 7946 0303"),
    )
    assert services["Toy Library"].active is False  # 'defunct' in the directory


def test_reimporting_updates_rather_than_duplicates_and_keeps_local_notes(session, tmp_path: Path) -> None:
    import_directory(session, JSON_EXPORT)
    food = _by_name(session)["Eastbrook Community Food Bank"]
    service_directory.update_service(
        session,
        food.id,
        NewService(**{**food.as_new().__dict__, "notes": "Ask for Jo; vouchers in the office"}),
    )
    again = import_directory(session, JSON_EXPORT)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 8)
    assert service_repo.count_services(session.conn) == 8

    data = json.loads(JSON_EXPORT.read_text())
    changed = next(s for s in data["contents"] if s["id"] == FOOD_BANK_ID)
    changed["phones"][0]["number"] = "020 7946 0999"
    changed["name"] = "Eastbrook Foodbank"
    edited = tmp_path / "directory.json"
    edited.write_text(json.dumps(data))
    summary = import_directory(session, edited)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 7)
    food_after = service_repo.get_service(session.conn, food.id)
    assert (food_after.name, food_after.phone) == ("Eastbrook Foodbank", "020 7946 0999")
    assert food_after.notes == "Ask for Jo; vouchers in the office"
    assert service_repo.count_services(session.conn) == 8


def test_csv_export_of_the_same_directory_updates_by_hsds_id(session) -> None:
    import_directory(session, JSON_EXPORT)
    summary = import_directory(session, HSDS / "csv" / "services.csv")
    # Food bank phone and description changed; health visiting is the same; two new; one row has no id.
    assert (summary.added, summary.updated, summary.unchanged) == (2, 1, 1)
    assert summary.skipped == ("services.csv line 6: has no id",)
    services = _by_name(session)
    assert len(services) == 10
    assert services["Eastbrook Community Food Bank"].phone == "020 7946 0444"
    baby_bank = services["Little Steps Baby Bank"]
    assert (baby_bank.category, baby_bank.organisation, baby_bank.phone) == (
        ServiceCategory.FOOD_ESSENTIALS,  # 'Baby banks and essentials' is in the reviewed table
        "Little Steps",
        "020 7946 0010",  # the organisation's phone when the service has none
    )
    early_help = services["Early Help Front Door"]
    assert (early_help.category, early_help.suggested_category) == (
        ServiceCategory.OTHER,
        ServiceCategory.EARLY_HELP,
    )
    # The folder works as well as the file.
    again = import_directory(session, HSDS / "csv")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)


def test_open_referral_uk_1_pages_are_read_too(session) -> None:
    summary = import_directory(session, HSDS / "oruk1_page.json")
    assert summary.added == 2
    services = _by_name(session)
    housing = services["Housing Options Drop-in"]
    assert housing.category is ServiceCategory.HOUSING
    assert housing.address == "1 High Street, Eastbrook, EB1 1AA" and housing.phone == "020 7946 0808"
    assert services["Portage Home Visiting"].category is ServiceCategory.SEND_SUPPORT


def test_import_links_a_service_first_named_on_a_referral(session) -> None:
    family = families.add_family(session, NewFamily("FAM-0001", date(2026, 1, 5)))
    referral = R.make_referral(
        session,
        NewTrackedReferral(
            family_id=family.id,
            service_name="eastbrook community food bank",
            service_category=ServiceCategory.FOOD_ESSENTIALS,
            domain=Domain.FINANCIAL_HARDSHIP,
            made_on=date(2026, 11, 1),
            consent=Consent.NOT_GIVEN,
        ),
    )
    assert service_repo.get_service(session.conn, referral.service_id).source is ServiceSource.REFERRAL
    summary = import_directory(session, JSON_EXPORT)
    assert (summary.added, summary.updated) == (7, 1)
    linked = service_repo.get_service(session.conn, referral.service_id)
    assert linked.hsds_id == FOOD_BANK_ID and linked.phone == "020 7946 0404"
    assert service_repo.count_services(session.conn) == 8


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", r"is not valid JSON \(line 1"),
        ('{"format": "setting-app/records"}', "not a service directory"),
        ("[]", "No usable services"),
        ('[{"name": "No id here"}]', "No usable services"),
        ('"just a string"', "not a service directory"),
    ],
)
def test_bad_files_are_refused_whole_with_a_plain_message(session, tmp_path: Path, content, message) -> None:
    path = tmp_path / "directory.json"
    path.write_text(content)
    with pytest.raises(ImportRejected, match=message):
        import_directory(session, path)
    assert service_repo.count_services(session.conn) == 0


def test_bad_csv_and_missing_files(session, tmp_path: Path) -> None:
    with pytest.raises(ImportRejected, match="There is no file"):
        import_directory(session, tmp_path / "nowhere.json")
    (tmp_path / "services.csv").write_text("title,colour\nA,red\n")
    with pytest.raises(ImportRejected, match="needs 'id' and 'name' columns"):
        import_directory(session, tmp_path / "services.csv")
    (tmp_path / "services.csv").write_bytes(b"id,name\n1,\xff\xfe broken\n")
    with pytest.raises(ImportRejected, match="not UTF-8"):
        import_directory(session, tmp_path)
    other = tmp_path / "other.csv"
    shutil.copy(HSDS / "csv" / "organizations.csv", other)
    with pytest.raises(ImportRejected, match="Choose the services.csv"):
        import_directory(session, other)
    assert service_repo.count_services(session.conn) == 0


def test_only_managers_import(session) -> None:
    with unit_of_work(session.conn):
        user = staff_repo.add_staff(session.conn, "pat", "Pat", Role.PRACTITIONER, session.clock.now())
    practitioner = Session(
        session.conn, user, session.setting, session.data_dir, session.clock, bytearray(session.data_key())
    )
    with pytest.raises(PermissionDenied, match="Only a manager can import"):
        import_directory(practitioner, JSON_EXPORT)
    # Anyone may add a service by hand.
    added = service_directory.add_service(
        practitioner, NewService("Eastbrook Library Rhyme Time", ServiceCategory.OTHER, phone="020 7946 0123")
    )
    assert added.source is ServiceSource.MANUAL


def test_services_by_hand_are_checked(session) -> None:
    with pytest.raises(ValidationError, match="service name: is required"):
        service_directory.add_service(session, NewService(" ", ServiceCategory.OTHER))
    with pytest.raises(ValidationError, match="is not an email address"):
        service_directory.add_service(session, NewService("X", ServiceCategory.OTHER, email="nobody"))
    added = service_directory.add_service(
        session, NewService("  Eastbrook GP Surgery ", ServiceCategory.GP_PRIMARY_CARE)
    )
    assert added.name == "Eastbrook GP Surgery" and added.domain is Domain.FAMILY_WELLBEING
    assert service_directory.find_service(session, "eastbrook gp surgery").id == added.id
    service_directory.add_service(
        session, NewService("Eastbrook GP Surgery", ServiceCategory.GP_PRIMARY_CARE, organisation="Other")
    )
    with pytest.raises(ValidationError, match="2 services called"):
        service_directory.find_service(session, "Eastbrook GP Surgery")

"""Service directories from real feeds: the Open Referral samples (HSDS 3, the UK profile, the HSDS 1 data
package) and synthetic reconstructions of two councils' ORUK feeds (see tests/fixtures/hsds/README.md).

Plain-text descriptions, categories only from the directory's own terms (everything else waits for a
manager, with at most a suggestion on strong evidence), contacts and phones from any level, addresses
from locations, and problems counted instead of flooded.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from setting_app.domain import service_categories
from setting_app.domain.codes import Role, ServiceCategory
from setting_app.domain.errors import AppError, ImportRejected, PermissionDenied, ValidationError
from setting_app.domain.html_text import html_to_text, shorten
from setting_app.domain.referrals import CategoryStatus, NewService, ServiceContact
from setting_app.domain.service_categories import (
    TERM_CATEGORIES,
    categories_from_terms,
    normalise_term,
    suggest_category,
)
from setting_app.services import service_directory
from setting_app.services.service_directory import MAX_DESCRIPTION, import_directory
from setting_app.services.session import Session
from setting_app.storage import service_repo, staff_repo
from setting_app.storage.unit_of_work import unit_of_work

HSDS = Path(__file__).parent / "fixtures" / "hsds"
BRISTOL = HSDS / "council_synthetic" / "bristol_style_services.json"
NORTH_LINCS = HSDS / "council_synthetic" / "north_lincolnshire_style_services.json"
TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
ENTITY = re.compile(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", re.IGNORECASE)


def _by_name(session) -> dict:
    return {
        s.name: service_directory.get_service(session, s.id) for s in service_directory.list_services(session)
    }


# ---------------------------------------------------------------- descriptions as plain text


def test_html_descriptions_become_plain_text_with_paragraphs_and_lists_as_lines() -> None:
    html = (
        "<h4>What we offer</h4><p>Gentle&nbsp;exercise &amp; a chat.</p>"
        "<ul>\n  <li>Adults</li>\n  <li>Beginners</li>\n</ul><p>Cost: &pound;3<br>Tuesdays 7&ndash;9pm</p>"
        "<script>alert('x')</script><style>p {color: red}</style><!-- note --><p>Thanks!</p>"
    )
    assert html_to_text(html) == (
        "What we offer\n\nGentle exercise & a chat.\n\n• Adults\n• Beginners\n\nCost: £3\nTuesdays 7–9pm\n\nThanks!"
    )
    # Plain text passes through, tidied; '<' that is not a tag stays.
    assert html_to_text("  Ages <5 and 5-11\r\n\r\n\r\nAll   welcome ") == "Ages <5 and 5-11\n\nAll welcome"
    assert html_to_text("Fish &amp; chips") == "Fish & chips"
    # HTML escaped twice, as some exports publish it, is converted too.
    assert (
        html_to_text("&lt;h4&gt;Hello&lt;/h4&gt;&lt;p&gt;World&amp;nbsp;news&lt;/p&gt;")
        == "Hello\n\nWorld news"
    )


def test_a_long_description_is_cut_at_a_sentence_and_says_so() -> None:
    sentence = "Everyone is welcome at our sessions. "
    text, cut = shorten(sentence * 200, 400, "[Shortened.]")
    assert cut and len(text) <= 400
    body, note = text.rsplit("\n\n", 1)
    assert note == "[Shortened.]" and body.endswith("sessions.")
    assert shorten("Short.", 400, "[Shortened.]") == ("Short.", False)
    # No sentence end in reach: cut at a word, marked with an ellipsis.
    text, cut = shorten("word " * 200, 100, "[Shortened.]")
    assert cut and len(text) <= 100 and text.split("\n\n")[0].endswith("word…")


def test_council_feeds_import_with_no_html_and_long_descriptions_cut_with_a_note(session) -> None:
    summary = import_directory(session, BRISTOL)
    assert (summary.added, summary.skipped) == (9, ())
    import_directory(session, NORTH_LINCS)
    services = _by_name(session)
    assert len(services) == 12
    for s in services.values():
        assert not TAG.search(s.description), (s.name, s.description)
        assert not ENTITY.search(s.description) and "\xa0" not in s.description, s.name
        assert len(s.description) <= MAX_DESCRIPTION
    assert "tracking" not in services["Helping Hands Cleaning Service"].description  # the script is dropped
    tai_chi = services["Tai Chi"].description
    assert tai_chi.startswith(
        "What we offer\n\nTai Chi is a gentle form of exercise with many health benefits"
    )
    assert "Who can come\n\n• Adults of all ages\n• Beginners welcome\n\nCost: £3 per session." in tai_chi
    walks = services["Community Walks"].description
    assert walks.endswith("[Shortened here: the directory's description is 4,599 characters long.]")
    assert walks.split("\n\n")[-2].endswith("book in advance.")  # cut at a sentence
    assert (
        "note: Community Walks (108): description shortened to 4,000 characters" in summary.problem_summary()
    )
    # A second import of the same feed changes nothing.
    again = import_directory(session, BRISTOL)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 9)


# ---------------------------------------------------------------- categories people can trust

MISCATEGORISED_BEFORE = (
    "Tai Chi",
    "Isle Community Choir",
    "50+ Gardening Group",
    "Gentle Yoga for Everyone",
    "Little Stoke Community Hall",
    "Helping Hands Cleaning Service",
    "Isle Tai Chi and Qigong",
)


def test_no_category_is_guessed_from_a_passing_word(session) -> None:
    import_directory(session, BRISTOL)
    summary = import_directory(session, NORTH_LINCS)
    services = _by_name(session)
    for name in MISCATEGORISED_BEFORE:
        s = services[name]
        assert (s.category, s.category_status, s.suggested_category) == (
            ServiceCategory.OTHER,
            CategoryStatus.TO_REVIEW,
            None,
        ), name
        assert s.domain is None
    # The directory's own terms, through the reviewed table.
    citizens_advice = services["Bristol Citizens Advice"]
    assert (citizens_advice.category, citizens_advice.category_status) == (
        ServiceCategory.DEBT_BENEFITS,
        CategoryStatus.DIRECTORY,
    )
    assert citizens_advice.taxonomy_terms == ("Debt advice",)
    assert services["Brigg Family Hub"].category is ServiceCategory.FAMILY_HUB
    # Strong evidence gives a suggestion, not a category.
    foodbank = services["North Bristol Foodbank"]
    assert (foodbank.category, foodbank.suggested_category) == (
        ServiceCategory.OTHER,
        ServiceCategory.FOOD_ESSENTIALS,
    )
    assert foodbank.suggestion_reason == "the name says 'foodbank'"
    assert services["Scunthorpe Baby Bank"].suggested_category is ServiceCategory.FOOD_ESSENTIALS
    # Someone looking for a food bank is not shown a gardening group.
    food = {
        s.name for s in service_directory.list_services(session, category=ServiceCategory.FOOD_ESSENTIALS)
    }
    assert food == set()
    assert summary.to_review == len(service_directory.review_queue(session)) == 10


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("Tai Chi", "Tai Chi has many health benefits: better balance and less stress."),
        ("Isle Community Choir", "Singing has real benefits for health and wellbeing."),
        ("50+ Gardening Group", "Learn to grow your own food and healthy vegetables."),
        ("Chair Yoga", "Stay for food and a chat; all the essentials are provided."),
        ("Little Stoke Community Hall", "A hall for hire, opposite the surgery and next to the GP."),
        (
            "Helping Hands Cleaning Service",
            "Home cleaning for people with disabilities or health conditions.",
        ),
        ("Sending books home", "A reading scheme."),
        ("Money Matters", "Help with debt."),  # one phrase in a description is not enough
        ("Family Hub perinatal mental health group", ""),  # the name points two ways
        ("Drop-in", "Advice about benefits and debt"),
    ],
)
def test_the_matcher_proposes_nothing_without_strong_evidence(name: str, description: str) -> None:
    assert suggest_category(name, description) is None


@pytest.mark.parametrize(
    ("name", "description", "terms", "expected"),
    [
        ("Eastbrook Foodbank", "", (), ServiceCategory.FOOD_ESSENTIALS),
        ("Little Steps Baby Bank", "", (), ServiceCategory.FOOD_ESSENTIALS),
        ("Area SENCO team", "", (), ServiceCategory.SEND_SUPPORT),
        ("Harbour Medical Centre", "", (), ServiceCategory.GP_PRIMARY_CARE),
        ("Children's Centre Stay and Play", "", (), ServiceCategory.FAMILY_HUB),
        ("Drop-in", "Debt advice and benefits checks every Tuesday.", (), ServiceCategory.DEBT_BENEFITS),
        ("Safe at Home", "", ("Domestic abuse outreach",), ServiceCategory.DOMESTIC_ABUSE),
    ],
)
def test_the_matcher_proposes_on_strong_evidence(name, description, terms, expected) -> None:
    found = suggest_category(name, description, terms)
    assert found is not None and found.category is expected and found.reason


def test_the_reviewed_table_matches_whole_terms_only() -> None:
    assert categories_from_terms(["Food Banks"]) == {ServiceCategory.FOOD_ESSENTIALS}
    assert categories_from_terms(["family hubs & children’s centres"]) == {ServiceCategory.FAMILY_HUB}
    assert categories_from_terms(["Health benefits", "Healthy eating", "Gardening", "name"]) == set()
    assert categories_from_terms(["Health visiting", "Debt advice"]) == {
        ServiceCategory.HEALTH_VISITING,
        ServiceCategory.DEBT_BENEFITS,
    }
    # Every category but Other is reachable, and no term is claimed by two categories.
    assert set(TERM_CATEGORIES.values()) == set(ServiceCategory) - {ServiceCategory.OTHER}
    listed = [normalise_term(t) for terms in service_categories._TERMS.values() for t in terms]
    assert len(listed) == len(set(listed)) == len(TERM_CATEGORIES)


def test_terms_pointing_two_ways_leave_the_service_to_review(session, tmp_path: Path) -> None:
    data = {
        "contents": [
            {
                "id": "x1",
                "name": "Harbour Hub",
                "attributes": [
                    {"taxonomy_term": {"name": "Health visiting"}},
                    {"taxonomy_term": {"name": "Food banks"}},
                ],
            }
        ]
    }
    path = tmp_path / "two.json"
    path.write_text(json.dumps(data))
    import_directory(session, path)
    s = service_repo.get_service_by_hsds_id(session.conn, "x1")
    assert (s.category, s.category_status) == (ServiceCategory.OTHER, CategoryStatus.TO_REVIEW)
    assert s.taxonomy_terms == ("Health visiting", "Food banks")


# ---------------------------------------------------------------- the review queue


def _practitioner(session) -> Session:
    with unit_of_work(session.conn):
        user = staff_repo.add_staff(session.conn, "pat", "Pat", Role.PRACTITIONER, session.clock.now())
    return Session(
        session.conn, user, session.setting, session.data_dir, session.clock, bytearray(session.data_key())
    )


def test_a_manager_confirms_in_bulk_and_the_decision_survives_reimports(session, tmp_path: Path) -> None:
    import_directory(session, BRISTOL)
    services = _by_name(session)
    queue = service_directory.review_queue(session)
    assert {s.name for s in queue} >= set(MISCATEGORISED_BEFORE[:6]) | {"North Bristol Foodbank"}

    with pytest.raises(PermissionDenied):
        service_directory.confirm_categories(
            _practitioner(session), [services["Tai Chi"].id], ServiceCategory.OTHER
        )
    # Accepting suggestions refuses (and changes nothing) when one has none.
    with pytest.raises(ValidationError, match="no suggestion to accept for #\\d+ Tai Chi"):
        service_directory.confirm_categories(
            session, [services["North Bristol Foodbank"].id, services["Tai Chi"].id], None
        )
    assert service_repo.get_service(session.conn, services["North Bristol Foodbank"].id).to_review

    [foodbank] = service_directory.confirm_categories(session, [services["North Bristol Foodbank"].id], None)
    assert (foodbank.category, foodbank.category_status) == (
        ServiceCategory.FOOD_ESSENTIALS,
        CategoryStatus.CONFIRMED,
    )
    assert foodbank.domain is not None
    leisure = [services[n].id for n in ("Tai Chi", "Isle Community Choir", "50+ Gardening Group")]
    confirmed = service_directory.confirm_categories(session, leisure, ServiceCategory.OTHER)
    assert {s.category_status for s in confirmed} == {CategoryStatus.CONFIRMED}
    assert len(service_directory.review_queue(session)) == len(queue) - 4

    # The council's next feed changes the food bank's phone: the confirmed categories stay.
    data = json.loads(BRISTOL.read_text())
    for s in data["content"]:
        if s["name"] == "North Bristol Foodbank":
            s["contacts"][0]["phones"][0]["number"] = "0117 496 0999"
    edited = tmp_path / "bristol_next.json"
    edited.write_text(json.dumps(data))
    summary = import_directory(session, edited)
    assert (summary.updated, summary.unchanged) == (1, 8)
    after = _by_name(session)
    assert (after["North Bristol Foodbank"].phone, after["North Bristol Foodbank"].category) == (
        "0117 496 0999",
        ServiceCategory.FOOD_ESSENTIALS,
    )
    assert after["Tai Chi"].category_status is CategoryStatus.CONFIRMED
    assert summary.to_review == len(queue) - 4


def test_editing_a_service_to_review_by_hand(session) -> None:
    import_directory(session, BRISTOL)
    hall = _by_name(session)["Little Stoke Community Hall"]
    # Notes only: still to review, and the directory's contacts and suggestion stay.
    kept = service_directory.update_service(
        session, hall.id, NewService(**{**hall.as_new().__dict__, "notes": "Big hall"})
    )
    assert kept.to_review and kept.notes == "Big hall"
    chosen = service_directory.update_service(
        session, hall.id, NewService(**{**hall.as_new().__dict__, "category": ServiceCategory.FAMILY_HUB})
    )
    assert (chosen.category_status, chosen.category) == (CategoryStatus.CONFIRMED, ServiceCategory.FAMILY_HUB)


# ---------------------------------------------------------------- HSDS 3, the UK profile and HSDS 1


def test_hsds3_example_keeps_the_phone_contacts_address_and_organisation(session) -> None:
    import_directory(session, HSDS / "hsds3_spec" / "service_full.json")
    s = _by_name(session)["Community Counselling"]
    assert s.phone == "+44 1234 234567 ext. 100"  # published as "\"+44 1234 234567\"", on every level
    assert s.contacts == (
        ServiceContact("Ann Persona", "Reception Manager", "+44 1234 234567 ext. 100", "email@example.com"),
    )
    assert "Ann Persona" not in s.description and s.description.startswith("Counselling Services provided")
    assert s.address == "1-30 Main Street, MyVillage, MyCity, MyState, ABC 1234"
    assert (s.organisation, s.email, s.website) == (
        "Example Organization Inc.",
        "email@example.com",
        "http://example.com/counselling",
    )
    # Its one term ('name') is not in the reviewed table: to review, with the name's word as a suggestion.
    assert (s.category, s.category_status, s.taxonomy_terms) == (
        ServiceCategory.OTHER,
        CategoryStatus.TO_REVIEW,
        ("name",),
    )
    assert (s.suggested_category, s.suggestion_reason) == (
        ServiceCategory.MENTAL_HEALTH,
        "the name says 'counselling'",
    )


def test_hsds3_csv_tables_give_the_same_service(session) -> None:
    import_directory(session, HSDS / "hsds3_spec" / "service_full.json")
    summary = import_directory(session, HSDS / "hsds3_spec" / "csv")
    # The CSV example has no terms and a different address line; the rest is the same service.
    assert (summary.added, summary.updated + summary.unchanged) == (0, 1)
    s = _by_name(session)["Community Counselling"]
    assert s.phone == "+44 1234 234567 ext. 100" and s.contacts[0].name == "Ann Persona"
    assert s.address == "1-30 Main Street, MyVillage, MyCity, MyState, ABC 1234"


def test_uk_profile_examples(session) -> None:
    listed = import_directory(session, HSDS / "oruk_uk_profile" / "service_list.json")
    assert listed.added == 1
    full = import_directory(session, HSDS / "oruk_uk_profile" / "service_full.json")
    assert (full.added, full.updated) == (0, 1)
    s = _by_name(session)["Community Counselling"]
    assert s.contacts == (ServiceContact("Ann Persona", "Reception Manager"),)
    assert s.address == "1-30 Main Street, MyCity, MyState, ABC 1234"
    assert s.organisation == "Example Organization Inc." and s.email == "email@example.com"


@pytest.mark.parametrize("entry", ["datapackage.json", ""])
def test_hsds1_data_package_by_its_descriptor_or_folder(session, entry: str) -> None:
    summary = import_directory(session, HSDS / "hsds1_datapackage" / entry)
    assert (summary.added, summary.skipped) == (13, ())
    services = _by_name(session)
    helpline = services["Never Homeless Helpline"]
    assert (
        helpline.address == "Address 1, Address 2, New York City, NY, 10001"
    )  # via services_at_location.csv
    assert helpline.contacts == (ServiceContact("Contact 1", "Mr", "", "contact1@example.com"),)
    assert helpline.suggested_category is ServiceCategory.HOUSING
    # A phone on the location reaches the service at it; one on a service-at-location too.
    assert services["Dear Teacher Skills Refresh"].phone == "(0123) 4567 8900 ext. 42"
    assert services["Bubbles at The Cross"].phone == "(223) 4567 12534"
    assert services["Meals To-Go at The Cross"].phone == "(223) 346 12361"  # the organisation's
    # No address but a named location: the location's name.
    assert services["Shop Assist"].address == "Example City Silvers Building"
    assert all(not TAG.search(s.description) for s in services.values())
    assert services["Food Safety Program"].active is False


def test_a_data_package_cannot_point_outside_its_folder(session, tmp_path: Path) -> None:
    package = tmp_path / "package"
    shutil.copytree(HSDS / "hsds1_datapackage", package)
    outside = tmp_path / "outside.csv"
    outside.write_text(
        "id,location_id,address_1,city\nx,30b84570-64a1-11e6-8b77-86f30ca893d3,Secret Road,Elsewhere\n"
    )
    descriptor = json.loads((package / "datapackage.json").read_text())
    for resource in descriptor["resources"]:
        if resource["path"] == "physical_addresses.csv":
            resource["path"] = "../outside.csv"
    (package / "physical_addresses.csv").unlink()
    (package / "datapackage.json").write_text(json.dumps(descriptor))
    import_directory(session, package / "datapackage.json")
    assert all("Secret Road" not in s.address for s in service_directory.list_services(session))
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "datapackage.json").write_text(json.dumps({"name": "x", "resources": [{"path": "other.csv"}]}))
    with pytest.raises(ImportRejected, match="lists no services table"):
        import_directory(session, empty / "datapackage.json")


# ---------------------------------------------------------------- summaries instead of floods


def test_repeated_problems_are_counted_with_the_full_list_on_request(session, tmp_path: Path) -> None:
    copies = [{"id": "dup-1", "name": f"Rhyme Time {i}"} for i in range(128)]
    copies += [{"name": "No id"}, {"id": "ok-1", "name": "Toddler Group", "email": "none"}]
    path = tmp_path / "dups.json"
    path.write_text(json.dumps({"contents": copies}))
    summary = import_directory(session, path)
    assert summary.added == 2 and len(summary.skipped) == 128
    assert summary.problem_summary() == [
        "skipped: service 129: has no id",
        "note: Toddler Group (ok-1): an email that is not an email address was left out",
        "127 services skipped: the id dup-1 appears more than once (the first was used)",
    ]
    target = tmp_path / "problems.txt"
    service_directory.save_problem_list(session, summary, target)
    lines = target.read_text().splitlines()
    assert (
        len(lines) == 129
        and lines[-1] == "skipped: Rhyme Time 127: the id dup-1 appears more than once (the first was used)"
    )
    with pytest.raises(AppError, match="casebook's own folder"):
        service_directory.save_problem_list(session, summary, session.data_dir / "problems.txt")


# ---------------------------------------------------------------- the command line


def test_services_commands_show_review_confirm(cli, tmp_path: Path) -> None:
    assert cli.init().code == 0
    problems = tmp_path / "problems.txt"
    imported = cli("services", "import", str(BRISTOL), "--problems", str(problems))
    assert imported.code == 0, imported.err
    assert "9 added, 0 updated, 0 unchanged; 8 to review" in imported.out
    assert "note: Community Walks (108): description shortened to 4,000 characters" in imported.out
    assert f"Every problem (2) is listed in {problems}" in imported.out
    assert len(problems.read_text().splitlines()) == 2

    review = cli("services", "review")
    assert "8 services to review" in review.out
    line = next(x for x in review.out.splitlines() if "North Bristol Foodbank" in x)
    assert "suggested food_essentials: the name says 'foodbank'" in line
    foodbank_id = line.split()[0]

    shown = cli("services", "show", foodbank_id)
    assert shown.code == 0, shown.err
    for expected in (
        "Service:         " + foodbank_id + " North Bristol Foodbank",
        "Category:        Other (other), to review; suggested: food_essentials (the name says 'foodbank')",
        "Phone:           0117 496 0107",
        "Address:         3 Example Street, Bristol, BS5 0CC",
        "Directory id:    107",
        "Contacts:",
        "  0117 496 0107",
        "Description:",
        "  How to get help",
        "  Emergency food parcels with a foodbank voucher from a professional.",
    ):
        assert expected in shown.out, (expected, shown.out)

    confirmed = cli("services", "confirm", foodbank_id, "--suggested")
    assert confirmed.code == 0 and "North Bristol Foodbank: food_essentials" in confirmed.out
    assert "North Bristol Foodbank" in cli("services", "list", "--category", "food_essentials").out
    bad = cli("services", "confirm", "abc", "--category", "other")
    assert bad.code != 0 and "not a service id" in bad.err
    missing = cli("services", "show", "9999")
    assert missing.code != 0 and "no service #9999" in missing.err

"""A hostile feed and a first-time user against the service directory import (review of issue 24):
the HTML converter's speed on unclosed tags, text that is not a tag, CDATA, and suggestions taken from
words that only look like a service."""

from __future__ import annotations

import csv
import json
import re
import time
from dataclasses import replace
from pathlib import Path

import pytest

from setting_app.domain.html_text import html_to_text
from setting_app.domain.service_categories import categories_from_terms, suggest_category
from setting_app.services.service_directory import (
    MAX_DESCRIPTION,
    clean_description,
    import_directory,
    list_services,
    parse_directory,
    update_service,
)


@pytest.mark.parametrize(
    "source",
    [
        "<a " * 40_000,  # unclosed start tags: quadratic in html.parser before Python 3.12.11
        "<!x" * 40_000,
        "</a " * 30_000,
        "<?x" * 40_000,
        "<![CDATA[" * 15_000,
        '<a href="' * 15_000,
        "&nbsp;" * 40_000,  # a long run of spaces once made the line-break pattern quadratic
        "<b>" + "\xa0 " * 100_000 + "x",
    ],
    ids=["start", "decl", "end", "pi", "cdata", "attr", "nbsp", "spaces"],
)
def test_unclosed_markup_is_converted_in_bounded_time(source: str) -> None:
    started = time.perf_counter()
    text, _cut = clean_description(source)
    assert time.perf_counter() - started < 5, "one description must not stall an import"
    assert len(text) <= MAX_DESCRIPTION


def test_text_that_only_looks_like_a_tag_is_kept() -> None:
    # A browser shows '< b' as text: it is not a tag, and the words after it are not dropped.
    assert html_to_text("<p>For ages a < b and c > d</p>") == "For ages a < b and c > d"
    assert html_to_text("Children < 5 years > 2 welcome") == "Children < 5 years > 2 welcome"


def test_cdata_content_is_kept_as_text_and_its_scripts_dropped() -> None:
    assert html_to_text("before <![CDATA[ kept text ]]> after") == "before kept text after"
    assert html_to_text("<![CDATA[<p>Hi</p><script>x()</script>]]>") == "Hi"


@pytest.mark.parametrize(
    "name",
    [
        "Salt and pepper cooking class",  # '\bsalt\b' is not speech and language therapy
        "Salt Therapy Cave",
        "Monster Mash Halloween Disco",  # '\bmash\b' is not the safeguarding hub
        "Baby Massage at Riverside Health Centre",  # a venue, not a GP
        "Stay and Play at Ashby Medical Centre",
    ],
)
def test_no_suggestion_from_a_word_that_only_looks_like_a_service(name: str) -> None:
    assert suggest_category(name) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("SALT drop-in", "speech_language"),
        ("MASH referrals", "social_care"),
        ("Women's Aid refuge", "domestic_abuse"),
        ("North Lincolnshire Women’s Aid", "domestic_abuse"),
        ("Debt advice at the library", "debt_benefits"),
    ],
)
def test_strong_names_are_still_suggested(name: str, expected: str) -> None:
    suggestion = suggest_category(name)
    assert suggestion is not None and suggestion.category.value == expected


def test_plain_text_with_an_entity_keeps_its_line_breaks() -> None:
    # Feeds that escape '&' but write plain lines: the lines are the meaning (days, times, a list).
    source = "Monday 9&ndash;11\nTuesday: Fish &amp; chips\n\n- Bring a coat\n- Free"
    assert html_to_text(source) == "Monday 9–11\nTuesday: Fish & chips\n\n- Bring a coat\n- Free"
    assert html_to_text("Ages 0 < 5\nCarers > 18") == "Ages 0 < 5\nCarers > 18"


INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def test_no_control_or_direction_characters_reach_any_stored_field(session, tmp_path: Path) -> None:
    # `services show` prints these fields to a terminal and the app shows them: an escape sequence or a
    # right-to-left override from the feed must not come with them.
    esc, rlo = "\x1b[31m", "\u202e"
    data = {
        "contents": [
            {
                "id": f"id-{esc}1{rlo}",
                "name": f"Rhyme{esc} Time",
                "email": f"info{esc}@example.org",
                "url": f"https://example.org/{rlo}gpj.exe",
                "attributes": [{"taxonomy_term": {"name": f"Stay{esc} &amp; play{rlo}"}}],
                "contacts": [{"name": f"Ann{rlo} Persona", "email": f"ann{rlo}@example.org"}],
            }
        ]
    }
    path = tmp_path / "controls.json"
    path.write_text(json.dumps(data))
    import_directory(session, path)
    [s] = list_services(session)
    fields = [s.name, s.organisation, s.phone, s.email, s.website, s.address, s.description, s.hsds_id or ""]
    fields += list(s.taxonomy_terms) + [c.text for c in s.contacts]
    assert not [f for f in fields if INVISIBLE.search(f)]
    assert s.hsds_id == "id-[31m1" and s.taxonomy_terms == ("Stay[31m & play",)
    # Addresses that hide what they are pointing at are left out, not cleaned into something else.
    assert s.website == "" and s.email == ""


@pytest.mark.xfail(
    strict=True,
    reason="a re-import overwrites every directory field (only notes and a confirmed category are kept): "
    "a phone a manager corrected by hand goes back to the directory's old one without a word. Needs the "
    "directory's last values kept beside the setting's edits (a schema change), so an import can tell an "
    "edit here from a change there.",
)
def test_a_field_corrected_by_hand_is_not_overwritten_by_an_unchanged_feed(session, tmp_path: Path) -> None:
    feed = tmp_path / "feed.json"
    service = {"id": "s1", "name": "Rhyme Time", "phones": [{"number": "0117 496 0000"}]}
    feed.write_text(json.dumps({"contents": [service]}))
    import_directory(session, feed)
    [s] = list_services(session)
    update_service(session, s.id, replace(s.as_new(), phone="0117 496 0555"))
    summary = import_directory(session, feed)  # the same feed again: nothing changed at the council
    [after] = list_services(session)
    assert after.phone == "0117 496 0555", summary.message


@pytest.mark.parametrize(
    "term",
    [
        "Local offer",  # a SEND local offer lists every service open to disabled children: swimming, parks
        "SEND local offer",
        "Children's services",  # councils file play groups and holiday clubs under it, not only social care
        "Emotional wellbeing",  # yoga, mindfulness, walking groups
        "Emotional health and wellbeing",
    ],
)
def test_broad_directory_terms_do_not_decide_a_category(term: str) -> None:
    assert categories_from_terms([term]) == set()
    assert suggest_category("Splash Swimming Club", "Swimming lessons for all ages.", [term]) is None


def test_one_huge_description_in_a_csv_export_does_not_refuse_the_whole_directory(tmp_path: Path) -> None:
    # The csv module refuses a field over 128 KB by default; the JSON reader takes the same text.
    with (tmp_path / "services.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "name", "description"])
        writer.writerow(["1", "Rhyme Time", "Songs."])
        writer.writerow(["2", "Huge", "<p>Play and learn.</p>" * 10_000])
    parsed = parse_directory(tmp_path)
    assert [s.name for s in parsed.services] == ["Rhyme Time", "Huge"]
    assert len(parsed.services[1].description) <= MAX_DESCRIPTION

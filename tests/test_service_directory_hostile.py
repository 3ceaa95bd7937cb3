"""Hostile directory feeds: huge descriptions, scripts in HTML, deeply nested JSON, wrong types. Whatever
the file holds, the import either works with bounded plain text or is refused whole with one plain line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from setting_app.domain.errors import ImportRejected
from setting_app.domain.html_text import html_to_text
from setting_app.services import service_directory
from setting_app.services.service_directory import MAX_DESCRIPTION, import_directory, parse_hsds_json
from setting_app.storage import service_repo

MARKER = "XSSMARKER"
TAGS = [
    "p",
    "div",
    "h4",
    "ul",
    "li",
    "br",
    "b",
    "a",
    "span",
    "table",
    "tr",
    "td",
    "script",
    "style",
    "iframe",
]
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

html_piece = st.one_of(
    st.text(max_size=40),
    st.sampled_from(TAGS).map(lambda t: f"<{t}>"),
    st.sampled_from(TAGS).map(lambda t: f"</{t}>"),
    st.sampled_from(
        ["&nbsp;", "&amp;", "&lt;", "&#8217;", "&#x1F600;", "&bogus;", "&", "<", ">", "<!--", "-->"]
    ),
    st.just(f"<script>document.write('{MARKER}')</script>"),
    st.just(f"<style>.{MARKER} {{}}</style>"),
    st.just(f'<img src=x onerror="{MARKER}">'),
)
html_soup = st.lists(html_piece, max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(html_soup)
def test_html_to_text_never_fails_and_never_keeps_scripts_or_controls(html: str) -> None:
    text = html_to_text(html)
    assert isinstance(text, str)
    assert not CONTROL.search(text)
    assert "\n\n\n" not in text and text == text.strip()
    if MARKER not in re.sub(r"<script>.*?</script>|<style>.*?</style>|<img[^>]*>", "", html):
        assert MARKER not in text


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=4_001, max_value=200_000), st.sampled_from(["plain", "html", "no-spaces"]))
def test_descriptions_of_any_length_fit_and_say_they_were_cut(length: int, shape: str) -> None:
    unit = {"plain": "Sessions every week. ", "html": "<p>Sessions&nbsp;every week.</p>", "no-spaces": "x"}[
        shape
    ]
    raw = (unit * (length // len(unit) + 1))[:length]
    text, cut = service_directory.clean_description(raw)
    assert len(text) <= MAX_DESCRIPTION
    assert cut == (len(html_to_text(raw)) > MAX_DESCRIPTION)
    if cut:
        assert text.endswith("characters long.]") and "[Shortened here" in text


json_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30)
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
field_names = st.sampled_from(
    [
        "id",
        "name",
        "description",
        "email",
        "url",
        "status",
        "phones",
        "contacts",
        "organization",
        "service_at_locations",
        "attributes",
        "service_taxonomys",
        "locations",
    ]
)
service_like = st.dictionaries(field_names, json_value, max_size=10)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(json_value, st.lists(service_like, max_size=5).map(lambda s: {"contents": s})))
def test_any_json_gives_bounded_services_or_a_plain_refusal(data) -> None:
    try:
        parsed = parse_hsds_json(data)
    except ImportRejected as exc:
        assert "\n" not in exc.message
        return
    for s in parsed.services:
        assert s.hsds_id and s.name and len(s.name) <= 200
        assert len(s.description) <= MAX_DESCRIPTION and len(s.phone) <= 60
        assert all(
            isinstance(v, str) for v in (s.name, s.organisation, s.phone, s.email, s.website, s.address)
        )
        assert len(s.contacts) <= service_directory.MAX_CONTACTS


def test_wrong_types_are_read_where_they_can_be_and_ignored_where_not(session, tmp_path: Path) -> None:
    data = {
        "contents": [
            {"id": 42, "name": "Numbered id", "phones": "0117 496 0000", "contacts": {"name": "x"}},
            {"id": {"x": 1}, "name": "Dict id"},
            {"id": "s2", "name": ["list", "name"]},
            {
                "id": "s3",
                "name": "Bad inner types",
                "organization": "Council",
                "service_at_locations": [None, 3, "x"],
                "attributes": [{"taxonomy_term": "Food banks"}],
                "description": 12345,
                "email": True,
            },
            {"id": "s4", "name": "True status", "status": True, "url": ["http://x"]},
            {"id": "s5", "name": "Script link", "url": "javascript:alert(1)"},
            {"id": "s6", "name": "Bare link", "url": "www.example.org/group"},
            "not a service",
            None,
        ]
    }
    path = tmp_path / "types.json"
    path.write_text(json.dumps(data))
    summary = import_directory(session, path)
    assert summary.added == 5
    assert summary.problem_summary() == [
        "skipped: service 2: has no id",
        "skipped: service 3: has no name",
    ]
    services = {s.name: s for s in service_directory.list_services(session)}
    assert services["Numbered id"].hsds_id == "42" and services["Numbered id"].phone == ""
    assert (
        services["Bad inner types"].description == "12345" and services["Bad inner types"].organisation == ""
    )
    assert services["True status"].active is True and services["True status"].website == ""
    assert services["Script link"].website == "" and services["Bare link"].website == "www.example.org/group"


@pytest.mark.parametrize("depth", [2_000, 200_000])
def test_deeply_nested_json_is_refused_in_one_line(session, tmp_path: Path, depth: int) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"contents": ' + "[" * depth + "]" * depth + "}")
    try:
        summary = import_directory(session, path)
    except ImportRejected as exc:
        assert "\n" not in exc.message and (
            "nested too deeply" in exc.message or "No usable services" in exc.message
        )
    else:  # a parser that copes finds nothing to import: refused as well
        pytest.fail(f"imported {summary}")
    assert service_repo.count_services(session.conn) == 0


def test_a_huge_html_description_with_scripts_is_stored_as_bounded_text(session, tmp_path: Path) -> None:
    description = (
        "<div>" * 5_000 + ("<p>Play&nbsp;and learn.</p><script>steal()</script>" * 20_000) + "</div>" * 5_000
    )
    path = tmp_path / "huge.json"
    path.write_text(json.dumps([{"id": "h1", "name": "<b>Huge</b> &amp; Co", "description": description}]))
    summary = import_directory(session, path)
    [s] = service_directory.list_services(session)
    assert s.name == "Huge & Co"
    assert len(s.description) <= MAX_DESCRIPTION and "steal" not in s.description and "<" not in s.description
    assert s.description.startswith("Play and learn.\n\nPlay and learn.")
    assert any("description shortened" in line for line in summary.problem_summary())

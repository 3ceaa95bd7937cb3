"""Reading a large record file piece by piece gives exactly what reading it whole gives."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from setting_app.domain.errors import ImportRejected
from setting_app.services import json_stream, records
from tests.conftest import TODAY

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


def _stream(text: str, field: str = "items") -> tuple[dict, list]:
    fields, items = {}, []
    for kind, value in json_stream.stream_object(io.StringIO(text), field):
        if kind == "item":
            items.append(value)
        elif kind == "list":
            fields[value] = "list"
        else:
            fields[value[0]] = value[1]
    return fields, items


@pytest.fixture(autouse=True)
def tiny_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_stream, "CHUNK_CHARS", 7)  # every value crosses a window edge


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(st.text(max_size=6).filter(lambda k: k != "items"), JSON_VALUES, max_size=4),
    st.lists(JSON_VALUES, max_size=6),
)
def test_streaming_gives_what_loading_whole_gives(head: dict, items: list) -> None:
    document = {**head, "items": items}
    text = json.dumps(document, indent=1)
    fields, streamed = _stream(text)
    assert streamed == items
    assert fields == {**head, "items": "list"}


@pytest.mark.parametrize(
    "text",
    ['{"items": [1, 2', '{"items": [1 2]}', '{"a": 1} extra', "[1]", '{"items": [1], }', '{"a" 1}', ""],
)
def test_broken_json_is_a_stream_error(text: str) -> None:
    with pytest.raises(json_stream.StreamError):
        _stream(text)


def test_a_number_cut_at_the_window_edge_is_read_whole() -> None:
    fields, items = _stream('{"version":   123456789, "items": [98765432101234]}')
    assert fields["version"] == 123456789 and items == [98765432101234]


def _sample_file(tmp_path: Path) -> Path:
    from tests.test_records import _sample

    path = tmp_path / "records.json"
    path.write_text(json.dumps(_sample(), indent=2), encoding="utf-8")
    return path


def test_a_streamed_record_file_parses_to_the_same_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _sample_file(tmp_path)
    whole = records.parse_record_file(records.read_record_file(path), today=TODAY)
    monkeypatch.setattr(records, "STREAM_ABOVE", 0)
    streamed = records.read_and_parse_record_file(path, today=TODAY)
    assert streamed == whole


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda d: d.update(version=99), "version"),
        (lambda d: d.update(format="nope"), "not a record file"),
        (lambda d: d.update(extra=1), "unknown field 'extra'"),
        (lambda d: d["families"][0].update(ref=""), "ref"),
        (lambda d: d.update(families={"a": 1}), "must be a list"),
        (lambda d: d.pop("families"), "families: is required"),
    ],
)
def test_a_streamed_record_file_is_refused_as_the_whole_one_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change, words: str
) -> None:
    from tests.test_records import _sample

    document = _sample()
    change(document)
    path = tmp_path / "records.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ImportRejected) as whole:
        records.parse_record_file(records.read_record_file(path), today=TODAY)
    monkeypatch.setattr(records, "STREAM_ABOVE", 0)
    with pytest.raises(ImportRejected) as streamed:
        records.read_and_parse_record_file(path, today=TODAY)
    assert words in str(whole.value)
    assert str(streamed.value) == str(whole.value)


@pytest.mark.parametrize(
    "text, words",
    [
        ('{"format": "setting-app/records", "version": 3, "families": [{"ref": "A"}, ', "is not valid JSON"),
        ('{"format": "setting-app/records", "format": "x", "version": 3, "families": []}', "twice"),
        (
            '{"format": "setting-app/records", "version": 3, "families": [' + "[" * 5000 + "]" * 5000 + "]}",
            "nested",
        ),
        ('{"format": "setting-app/records", "version": 3, "families": [NaN]}', "not valid JSON"),
    ],
)
def test_broken_large_files_get_one_plain_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, words: str
) -> None:
    path = tmp_path / "records.json"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(records, "STREAM_ABOVE", 0)
    with pytest.raises(ImportRejected) as caught:
        records.read_and_parse_record_file(path, today=TODAY)
    assert words in str(caught.value) and "\n" not in str(caught.value)

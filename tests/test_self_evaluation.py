"""The integration self-evaluation: validation, who may record it, the audit row, history, the
one-page PDF with the change since last time, and the ``selfeval`` commands."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from setting_app.domain.errors import NotFound, PermissionDenied, ValidationError
from setting_app.domain.self_evaluation import (
    INGREDIENT_CODES,
    INGREDIENTS,
    MAX_EVIDENCE_LENGTH,
    SCALE,
    change_mark,
    parse_rating,
)
from setting_app.services import self_evaluation
from setting_app.services.casebook import unlock
from setting_app.services.self_evaluation_pdf import CONTINUED, shorten
from setting_app.services.staff import add_user
from setting_app.storage import audit_repo
from setting_app.storage.audit_repo import AuditFilter
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF

PAT_PASSPHRASE = "practitioner passphrase 1"
CANARY = "CANARY-evidence-5d1c"


def ratings(*values: int) -> dict[str, int]:
    return dict(zip(INGREDIENT_CODES, values, strict=True))


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.fixture
def practitioner(session, data_dir):
    add_user(session, "pat", "practitioner", PAT_PASSPHRASE, kdf=TEST_ONLY_FAST_KDF)
    pat = unlock(data_dir, "pat", PAT_PASSPHRASE)
    yield pat
    pat.close()


# --- the questionnaire ----------------------------------------------------------------------------


def test_the_questionnaire_has_the_six_ingredients_and_a_worded_scale() -> None:
    assert len(INGREDIENTS) == 6 and len(set(INGREDIENT_CODES)) == 6
    assert SCALE == {1: "Not in place", 2: "Starting", 3: "Developing", 4: "Embedded"}
    for spec in INGREDIENTS:
        assert spec.title and spec.question.endswith("?") and len(spec.looks_like) == 4


def test_ratings_are_read_as_numbers_or_words() -> None:
    assert parse_rating("3", "x") == 3 and parse_rating("embedded", "x") == 4 and parse_rating(2, "x") == 2
    for bad in ("0", "5", "", "lots", True, None):
        with pytest.raises(ValidationError):
            parse_rating(bad, "shared_ethos")


def test_change_marks() -> None:
    assert change_mark(3, None) == "first evaluation"
    assert change_mark(3, 2) == "\u2191 from 2"
    assert change_mark(1, 4) == "\u2193 from 4"
    assert change_mark(2, 2) == "= (was 2)"


# --- validation and permissions -------------------------------------------------------------------


def test_every_ingredient_must_be_rated(session) -> None:
    partial = ratings(1, 2, 3, 4, 2, 3)
    del partial["training_spotting_need"]
    with pytest.raises(ValidationError) as caught:
        self_evaluation.record(session, partial)
    assert caught.value.field == "training_spotting_need"
    assert "Training in spotting need" in caught.value.problem
    assert self_evaluation.list_evaluations(session) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"shared_ethos": 5}, "shared_ethos"),
        ({"shared_ethos": "very good"}, "shared_ethos"),
        ({"no_such_thing": 2}, "ingredient"),
    ],
)
def test_bad_ratings_are_refused_naming_the_field(session, change, field) -> None:
    with pytest.raises(ValidationError) as caught:
        self_evaluation.record(session, ratings(1, 2, 3, 4, 2, 3) | change)
    assert caught.value.field == field
    assert self_evaluation.list_evaluations(session) == []


def test_evidence_is_optional_but_capped(session) -> None:
    too_long = "x" * (MAX_EVIDENCE_LENGTH + 1)
    with pytest.raises(ValidationError) as caught:
        self_evaluation.record(session, ratings(1, 2, 3, 4, 2, 3), {"co_location_outreach": too_long})
    assert caught.value.field == "co_location_outreach evidence" and "too long" in caught.value.problem
    saved = self_evaluation.record(session, ratings(1, 2, 3, 4, 2, 3), {"co_location_outreach": " ok "})
    assert saved.by_ingredient()["co_location_outreach"].evidence == "ok"
    assert saved.by_ingredient()["shared_ethos"].evidence == ""


@pytest.mark.parametrize("note", [0, False, ["We meet", "monthly"], {"text": "x"}, 5])
def test_evidence_that_is_not_text_is_refused_not_mangled(session, note) -> None:
    with pytest.raises(ValidationError) as caught:
        self_evaluation.record(session, ratings(1, 2, 3, 4, 2, 3), {"shared_ethos": note})
    assert caught.value.field == "shared_ethos evidence" and "text" in caught.value.problem
    assert self_evaluation.list_evaluations(session) == []


def test_a_date_in_the_future_is_refused(session) -> None:
    with pytest.raises(ValidationError) as caught:
        self_evaluation.record(session, ratings(1, 2, 3, 4, 2, 3), completed_on="2026-11-24")
    assert caught.value.field == "date" and "future" in caught.value.problem
    with pytest.raises(ValidationError):
        self_evaluation.record(session, ratings(1, 2, 3, 4, 2, 3), completed_on="23/11/2026")


def test_practitioners_may_read_but_not_record(session, practitioner) -> None:
    self_evaluation.record(session, ratings(1, 2, 3, 4, 2, 3))
    with pytest.raises(PermissionDenied):
        self_evaluation.record(practitioner, ratings(1, 2, 3, 4, 2, 3))
    assert len(self_evaluation.list_evaluations(practitioner)) == 1


# --- audit and history ----------------------------------------------------------------------------


def test_recording_is_audited_without_the_notes(session) -> None:
    saved = self_evaluation.record(session, ratings(1, 2, 3, 4, 2, 3), {"shared_ethos": CANARY})
    rows = [
        r
        for r in audit_repo.list_audit(session.conn, AuditFilter(action="create"))
        if r.object_type == "self_evaluation"
    ]
    assert len(rows) == 1
    row = rows[0]
    assert (row.action, row.object_type, row.object_id, row.username) == (
        "create",
        "self_evaluation",
        saved.id,
        "manager",
    )
    assert "2026-11-23" in row.detail and "6 ingredients rated, 1 with evidence" in row.detail
    every_detail = " ".join(r.detail for r in audit_repo.list_audit(session.conn, limit=1000))
    assert CANARY not in every_detail


def test_list_latest_and_previous(session) -> None:
    assert self_evaluation.latest(session) is None
    first = self_evaluation.record(session, ratings(1, 1, 1, 1, 1, 1), completed_on="2025-11-01")
    third = self_evaluation.record(session, ratings(3, 3, 3, 3, 3, 3), completed_on="2026-11-20")
    second = self_evaluation.record(session, ratings(2, 2, 2, 2, 2, 2), completed_on="2026-03-15")
    assert [e.id for e in self_evaluation.list_evaluations(session)] == [third.id, second.id, first.id]
    assert self_evaluation.latest(session).id == third.id
    assert self_evaluation.previous(session, third).id == second.id
    assert self_evaluation.previous(session, second).id == first.id
    assert self_evaluation.previous(session, first) is None
    assert self_evaluation.latest_in_year(session, 2026).id == third.id
    assert self_evaluation.latest_in_year(session, 2025).id == first.id
    with pytest.raises(NotFound, match="No self-evaluation was completed in 2024"):
        self_evaluation.latest_in_year(session, 2024)
    # Two on one day: the later one saved is the latest.
    again = self_evaluation.record(session, ratings(4, 4, 4, 4, 4, 4), completed_on="2026-11-20")
    assert self_evaluation.latest(session).id == again.id
    assert self_evaluation.previous(session, again).id == third.id


# --- the PDF --------------------------------------------------------------------------------------


def test_the_pdf_is_one_page_with_the_change_since_last_time(session, tmp_path: Path) -> None:
    self_evaluation.record(session, ratings(2, 2, 2, 2, 2, 2), completed_on="2025-11-10")
    latest = self_evaluation.record(
        session,
        ratings(3, 2, 1, 4, 2, 3),
        {
            "shared_ethos": "Termly meetings with the health visiting team.",
            "training_spotting_need": "All staff",
        },
    )
    target = tmp_path / "selfeval.pdf"
    assert self_evaluation.save_pdf(session, latest, target) == 1
    assert pdf_pages(target) == 1
    text = " ".join(pdf_text(target).split())
    assert "Integration self-evaluation" in text and "Little Acorns Nursery" in text
    assert "23 November 2026" in text and "10 November 2025" in text
    assert "Shared ethos and mutual respect Developing (3) \u2191 from 2" in text
    assert "Co-location or outreach Not in place (1) \u2193 from 2" in text
    assert "Routine information sharing Starting (2) = (was 2)" in text
    assert "Termly meetings with the health visiting team." in text
    rows = audit_repo.list_audit(session.conn, AuditFilter(action="export"))
    assert rows[0].object_type == "self_evaluation" and rows[0].object_id == latest.id


def test_the_first_evaluation_says_so(session, tmp_path: Path) -> None:
    only = self_evaluation.record(session, ratings(1, 2, 3, 4, 2, 3))
    target = tmp_path / "first.pdf"
    self_evaluation.save_pdf(session, only, target)
    text = pdf_text(target)
    assert text.count("first evaluation") >= 6
    assert "No evidence notes were written." in text


def test_long_notes_still_fit_on_one_page(session, tmp_path: Path) -> None:
    long_note = ("Our partnership work with the family hub is described here at length. " * 14)[
        :MAX_EVIDENCE_LENGTH
    ]
    latest = self_evaluation.record(
        session, ratings(4, 4, 4, 4, 4, 4), {code: long_note for code in INGREDIENT_CODES}
    )
    target = tmp_path / "long.pdf"
    self_evaluation.save_pdf(session, latest, target)
    assert pdf_pages(target) == 1
    text = " ".join(pdf_text(target).split())
    assert text.count(CONTINUED) == 6
    assert "Training in spotting need" in text  # the last ingredient is still on the page


def test_shorten_cuts_at_a_word() -> None:
    assert shorten("short", 100) == "short"
    cut = shorten("alpha beta gamma delta epsilon", 14)
    assert cut.startswith("alpha beta") and cut.endswith(CONTINUED) and "gam" not in cut
    assert shorten("anything", 0) == CONTINUED


# --- the command line -----------------------------------------------------------------------------


def _rating_args(*values: int) -> list[str]:
    args = []
    for code, value in zip(INGREDIENT_CODES, values, strict=True):
        args += ["--rating", f"{code}={value}"]
    return args


def test_cli_record_list_and_export(cli, tmp_path: Path) -> None:
    assert cli.init().code == 0
    first = cli("selfeval", "record", *_rating_args(2, 2, 2, 2, 2, 2), "--on", "2025-10-01")
    assert first.code == 0, first.err
    second = cli(
        "selfeval",
        "record",
        *_rating_args(3, 2, 1, 4, 2, "embedded"),
        "--evidence",
        "shared_ethos=Termly meetings",
    )
    assert second.code == 0, second.err
    assert "Shared ethos and mutual respect" in second.out and "\u2191 from 2" in second.out
    listed = cli("selfeval", "list")
    assert listed.code == 0
    assert "2026-11-23" in listed.out and "3 2 1 4 2 4" in listed.out and "2 2 2 2 2 2" in listed.out
    out = tmp_path / "2026.pdf"
    exported = cli("selfeval", "export", "--year", "2026", "--out", str(out))
    assert exported.code == 0, exported.err
    assert pdf_pages(out) == 1 and "Termly meetings" in pdf_text(out)


def test_cli_record_from_json(cli, tmp_path: Path) -> None:
    assert cli.init().code == 0
    path = tmp_path / "selfeval.json"
    path.write_text(
        json.dumps(
            {
                "completed_on": "2026-09-30",
                "ratings": [
                    {"ingredient": c, "rating": 3, "evidence": f"note {c}"} for c in INGREDIENT_CODES
                ],
            }
        )
    )
    done = cli("selfeval", "record", "--from", str(path))
    assert done.code == 0, done.err
    assert "2026-09-30" in done.out
    path.write_text(json.dumps({"ratings": {"shared_ethos": 3}}))
    refused = cli("selfeval", "record", "--from", str(path))
    assert refused.code == 1 and "selfeval.json" in refused.err and "not rated" in refused.err
    path.write_text("{ not json")
    assert cli("selfeval", "record", "--from", str(path)).code == 1


def test_cli_exit_codes(cli, tmp_path: Path) -> None:
    assert cli.init().code == 0
    missing = cli("selfeval", "record", "--rating", "shared_ethos=3")
    assert missing.code == 1 and "every ingredient needs a rating" in missing.err
    assert "Traceback" not in missing.err
    bad = cli("selfeval", "record", *_rating_args(1, 2, 3, 4, 2, 9))
    assert bad.code == 1 and "training_spotting_need" in bad.err
    assert cli("selfeval", "record", "--rating", "shared_ethos").code == 2
    assert cli("selfeval", "record").code == 2
    assert cli("selfeval", "export", "--year", "26", "--out", str(tmp_path / "x.pdf")).code == 2
    assert cli("selfeval", "export", "--year", "2026").code == 2
    none = cli("selfeval", "export", "--year", "2026", "--out", str(tmp_path / "x.pdf"))
    assert none.code == 1 and "No self-evaluation was completed in 2026" in none.err
    assert not (tmp_path / "x.pdf").exists()
    empty = cli("selfeval", "list")
    assert empty.code == 0 and "No self-evaluation" in empty.out


def test_cli_practitioner_cannot_record(cli, session_free_practitioner) -> None:
    refused = cli(
        "selfeval", "record", *_rating_args(1, 2, 3, 4, 2, 3), user="pat", passphrase=PAT_PASSPHRASE
    )
    assert refused.code == 1 and "manager" in refused.err.lower()
    assert cli("selfeval", "list", user="pat", passphrase=PAT_PASSPHRASE).code == 0


@pytest.fixture
def session_free_practitioner(cli, data_dir):
    assert cli.init().code == 0
    manager = unlock(data_dir, "manager", "correct horse battery staple")
    try:
        add_user(manager, "pat", "practitioner", PAT_PASSPHRASE, kdf=TEST_ONLY_FAST_KDF)
    finally:
        manager.close()
    return "pat"


def test_cli_from_json_refuses_deep_nesting_an_unknown_key_and_other_encodings(cli, tmp_path: Path) -> None:
    assert cli.init().code == 0
    path = tmp_path / "selfeval.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    deep = cli("selfeval", "record", "--from", str(path))
    assert deep.code == 1 and "nested too deeply" in deep.err and "went wrong" not in deep.err
    ratings = dict.fromkeys(INGREDIENT_CODES, 3)
    path.write_text(json.dumps({"ratings": ratings, "evidnce": {"shared_ethos": "We meet the HV team"}}))
    typo = cli("selfeval", "record", "--from", str(path))
    assert typo.code == 1 and "evidnce" in typo.err and "allowed" in typo.err
    path.write_bytes(
        json.dumps({"ratings": ratings, "evidence": {"shared_ethos": "café"}}, ensure_ascii=False).encode(
            "latin-1"
        )
    )
    latin = cli("selfeval", "record", "--from", str(path))
    assert latin.code == 1 and "not UTF-8" in latin.err
    assert "No self-evaluation" in cli("selfeval", "list").out


def test_cli_export_refuses_a_name_that_is_not_a_pdf(cli, tmp_path: Path) -> None:
    assert cli.init().code == 0
    assert cli("selfeval", "record", *_rating_args(1, 2, 3, 4, 2, 3)).code == 0
    refused = cli("selfeval", "export", "--year", "2026", "--out", str(tmp_path / "summary.txt"))
    assert refused.code == 1 and "should end .pdf" in refused.err
    assert not (tmp_path / "summary.txt").exists()
    assert cli("selfeval", "export", "--year", "2026", "--out", str(tmp_path / "summary.PDF")).code == 0


def test_an_implausible_date_is_refused(session) -> None:
    with pytest.raises(ValidationError) as caught:
        self_evaluation.record(session, dict.fromkeys(INGREDIENT_CODES, 2), completed_on="0026-11-01")
    assert caught.value.field == "date" and "plausible" in caught.value.problem
    assert self_evaluation.list_evaluations(session) == []

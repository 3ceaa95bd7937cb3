"""The yearly (or on demand) integration self-evaluation: record it, read it back, compare it with
the one before, and save it as a one-page PDF.

Managers complete it; anyone may read it. Each evaluation is audited (CREATE, "self_evaluation")
with the date and counts only: the evidence notes never go into the audit trail.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from setting_app.domain.errors import AppError, NotFound, ValidationError
from setting_app.domain.self_evaluation import (
    INGREDIENTS,
    IngredientSpec,
    NewSelfEvaluation,
    SelfEvaluation,
    change_mark,
    new_self_evaluation,
)
from setting_app.services import audit
from setting_app.services.session import Session
from setting_app.storage import self_evaluation_repo
from setting_app.storage.bounded_read import InputRefused, check_regular_file, read_text
from setting_app.storage.unit_of_work import unit_of_work

OBJECT_TYPE = "self_evaluation"
#: The longest questionnaire file ``record --from`` will read.
MAX_FILE_BYTES = 200_000


def record(
    session: Session,
    ratings: Mapping[str, object],
    evidence: Mapping[str, object] | None = None,
    *,
    completed_on: object = None,
) -> SelfEvaluation:
    """Check and save a completed questionnaire (managers only); ``completed_on`` defaults to today."""
    session.require_manager("complete the integration self-evaluation")
    today = session.clock.today()
    new = new_self_evaluation(completed_on or today, ratings, evidence, today=today)
    return save(session, new)


def save(session: Session, new: NewSelfEvaluation) -> SelfEvaluation:
    session.require_manager("complete the integration self-evaluation")
    with unit_of_work(session.conn):
        evaluation_id = self_evaluation_repo.add_evaluation(
            session.conn, new, staff_id=session.user.id, now=session.clock.now()
        )
        with_notes = sum(1 for r in new.ratings if r.evidence)
        audit.record(
            session,
            audit.CREATE,
            object_type=OBJECT_TYPE,
            object_id=evaluation_id,
            detail=(
                f"integration self-evaluation of {new.completed_on.isoformat()}: "
                f"{len(new.ratings)} ingredients rated, {with_notes} with evidence"
            ),
        )
        return self_evaluation_repo.get_evaluation(session.conn, evaluation_id)


#: The keys a self-evaluation file may have.
FILE_KEYS = ("completed_on", "ratings", "evidence")


def parse_file(path: Path, *, today: date) -> NewSelfEvaluation:
    """A questionnaire from JSON: ``{"completed_on": "2026-11-20", "ratings": {"shared_ethos": 3, ...},
    "evidence": {"shared_ethos": "...", ...}}`` (``completed_on`` and ``evidence`` optional). Also
    accepted: ``"ratings": [{"ingredient": ..., "rating": ..., "evidence": ...}, ...]``."""
    path = Path(path)
    try:
        if check_regular_file(path).st_size > MAX_FILE_BYTES:
            raise AppError(f"{path} is too big for a self-evaluation ({MAX_FILE_BYTES // 1000} kB at most).")
        document = json.loads(read_text(path, MAX_FILE_BYTES))
    except InputRefused:
        raise
    except FileNotFoundError:
        raise AppError(f"{path} does not exist.") from None
    except UnicodeDecodeError:
        raise AppError(f"{path} is not UTF-8 text: save it as UTF-8 JSON.") from None
    except OSError as exc:
        raise AppError(f"Cannot read {path}: {getattr(exc, 'strerror', None) or exc}.") from None
    except ValueError as exc:
        raise AppError(f"{path} is not valid JSON ({exc}).") from None
    except RecursionError:
        raise AppError(f"{path} is not a self-evaluation: its JSON is nested too deeply.") from None
    if not isinstance(document, dict) or "ratings" not in document:
        raise ValidationError(
            "ratings", "the file must be a JSON object with a 'ratings' entry", where=str(path)
        )
    unknown = sorted(str(key) for key in document if key not in FILE_KEYS)
    if unknown:
        # A misspelt "evidence" would otherwise lose every note without a word.
        raise ValidationError(
            unknown[0],
            "is not a key a self-evaluation has (allowed: " + ", ".join(FILE_KEYS) + ")",
            where=str(path),
        )
    raw = document["ratings"]
    evidence = document.get("evidence") or {}
    if isinstance(raw, list):
        ratings: dict[str, object] = {}
        evidence = dict(evidence) if isinstance(evidence, dict) else {}
        for item in raw:
            if not isinstance(item, dict) or "ingredient" not in item:
                raise ValidationError(
                    "ratings", "each item needs an 'ingredient' and a 'rating'", where=str(path)
                )
            ratings[str(item["ingredient"])] = item.get("rating")
            if item.get("evidence"):
                evidence[str(item["ingredient"])] = item["evidence"]
    elif isinstance(raw, dict):
        ratings = raw
    else:
        raise ValidationError("ratings", "must be an object of ingredient: rating", where=str(path))
    if not isinstance(evidence, dict):
        raise ValidationError("evidence", "must be an object of ingredient: text", where=str(path))
    try:
        return new_self_evaluation(document.get("completed_on") or today, ratings, evidence, today=today)
    except ValidationError as exc:
        raise ValidationError(exc.field, exc.problem, where=str(path)) from None


# --- reading -----------------------------------------------------------------------------------------


def list_evaluations(session: Session) -> list[SelfEvaluation]:
    """Every evaluation, newest first."""
    return self_evaluation_repo.list_evaluations(session.conn)


#: A self-evaluation is asked for once a year: after this many days the dashboard says it is due.
DUE_AFTER_DAYS = 365


def due_note(session: Session, today: date | None = None) -> str:
    """A line for the dashboard when the yearly self-evaluation is due (none yet, or over a year old);
    "" otherwise."""
    today = today or session.clock.today()
    last = latest(session)
    if last is None:
        return "No integration self-evaluation yet: a manager completes it in Records → Self-evaluation."
    days = (today - last.completed_on).days
    if days < DUE_AFTER_DAYS:
        return ""
    return (
        f"The yearly integration self-evaluation is due: the last was completed on "
        f"{last.completed_on.strftime('%d/%m/%Y')}, {days // 30} months ago."
    )


def get(session: Session, evaluation_id: int) -> SelfEvaluation:
    return self_evaluation_repo.get_evaluation(session.conn, evaluation_id)


def latest(session: Session) -> SelfEvaluation | None:
    return self_evaluation_repo.latest_between(session.conn, None, date.max)


def previous(session: Session, evaluation: SelfEvaluation) -> SelfEvaluation | None:
    """The evaluation before ``evaluation``, or None for the first."""
    return self_evaluation_repo.previous_of(session.conn, evaluation)


def latest_in_year(session: Session, year: int) -> SelfEvaluation:
    """The latest evaluation completed in the calendar year ``year``."""
    found = self_evaluation_repo.latest_between(session.conn, date(year - 1, 12, 31), date(year, 12, 31))
    if found is None:
        raise NotFound(f"No self-evaluation was completed in {year}.")
    return found


# --- comparison ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComparedRating:
    spec: IngredientSpec
    rating: int
    previous: int | None
    evidence: str

    @property
    def change(self) -> str:
        return change_mark(self.rating, self.previous)


@dataclass(frozen=True)
class Comparison:
    evaluation: SelfEvaluation
    previous: SelfEvaluation | None
    rows: tuple[ComparedRating, ...]


def compare(evaluation: SelfEvaluation, earlier: SelfEvaluation | None) -> Comparison:
    now = evaluation.by_ingredient()
    before = earlier.by_ingredient() if earlier else {}
    rows = tuple(
        ComparedRating(
            spec,
            now[spec.code].rating,
            before[spec.code].rating if spec.code in before else None,
            now[spec.code].evidence,
        )
        for spec in INGREDIENTS
        if spec.code in now
    )
    return Comparison(evaluation, earlier, rows)


def comparison(session: Session, evaluation: SelfEvaluation) -> Comparison:
    return compare(evaluation, previous(session, evaluation))


def save_pdf(session: Session, evaluation: SelfEvaluation, target: Path) -> int:
    """Write the one-page PDF of ``evaluation`` (with the change since the one before) to ``target``,
    audited as an export. Returns the number of pages (always 1)."""
    from setting_app.services import self_evaluation_pdf
    from setting_app.services.report_pdf import write_file_atomically

    session.check_output_path(Path(target).expanduser())
    compared = comparison(session, evaluation)
    rendered = self_evaluation_pdf.render(
        compared, session.setting, made_at=session.clock.now(), made_by=session.user.username
    )
    with unit_of_work(session.conn):
        write_file_atomically(rendered.data, target)
        audit.record(
            session,
            audit.EXPORT,
            object_type=OBJECT_TYPE,
            object_id=evaluation.id,
            detail=f"integration self-evaluation of {evaluation.completed_on.isoformat()} saved as PDF",
        )
    return rendered.pages

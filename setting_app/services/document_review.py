"""The review before a family-facing document is released: what is left out, and a manager's choices.

Both the family summary and the subject access pack are made for one person (a named carer, or a
young person). ``assess`` reads the family's entries, referrals and sharing records and puts each
through the one rule in ``domain.sensitivity``: sensitive items and other people's items are left out
by default. The review lists every left-out item with its reasons; a manager may put one back in with
a reason (recorded in ``document_decisions`` and audited when the document is saved or printed).

A review can travel as a JSON file (``--review FILE.json`` on the command line): ``review_document``
writes one, ``read_review`` checks one against the casebook as it is now and returns the choices.
A file for another family or person, naming unknown items, or made before the family's records
changed (its fingerprint no longer matches) is refused in one plain line.

The settings: which activity types, services and service kinds the manager marks sensitive.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from setting_app.domain.codes import ServiceCategory
from setting_app.domain.errors import AppError, PermissionDenied
from setting_app.domain.models import Child, Family
from setting_app.domain.referrals import SharingOccasion
from setting_app.domain.sensitivity import (
    DocumentItem,
    Exemption,
    ItemKind,
    Reader,
    Reason,
    SensitiveMarks,
    default_exemption,
    left_out_reasons,
    service_key,
)
from setting_app.services import audit, support_log
from setting_app.services.session import Session
from setting_app.storage import entry_repo, family_repo, referral_repo, setting_repo, sharing_repo
from setting_app.storage.bounded_read import InputRefused, check_regular_file, read_text
from setting_app.storage.fsutil import atomic_write
from setting_app.storage.rows import from_datetime
from setting_app.storage.sharing_repo import SharingFilter
from setting_app.storage.unit_of_work import unit_of_work

REVIEW_FORMAT = "setting-app/document-review"
REVIEW_VERSION = 1
MAX_REVIEW_BYTES = 5 * 1024 * 1024
MAX_REASON_LENGTH = 1000
#: ``document`` values (also the ``document_decisions.document`` column).
FAMILY_SUMMARY = "family_summary"
SUBJECT_ACCESS = "subject_access"
DOCUMENT_WORDS = {FAMILY_SUMMARY: "family summary", SUBJECT_ACCESS: "subject access pack"}

MARKS_KEY = "sensitive_marks"


class ReviewRefused(AppError):
    """A review file that cannot be applied: nothing is written."""


# --- the settings ----------------------------------------------------------------------------------


def sensitive_marks(session: Session) -> SensitiveMarks:
    """What the manager has marked sensitive (nothing, on a new casebook)."""
    raw = setting_repo.get_app_setting(session.conn, MARKS_KEY)
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        data = {}
    categories = set()
    for code in data.get("categories", []):
        try:
            categories.add(ServiceCategory(code))
        except ValueError:
            continue
    return SensitiveMarks(
        categories=frozenset(categories),
        activities=frozenset(str(a) for a in data.get("activities", [])),
        services=frozenset(str(s) for s in data.get("services", [])),
    )


def set_sensitive_marks(session: Session, marks: SensitiveMarks) -> SensitiveMarks:
    """Save what is marked sensitive (managers only; audited without naming anything)."""
    session.require_manager("mark activity types, services or service kinds sensitive")
    known = {code for (_domain, code) in support_log.activity_labels(session)}
    unknown = sorted(a for a in marks.activities if a not in known)
    if unknown:
        raise AppError(f"There is no activity type '{unknown[0]}'. Nothing was changed.")
    services = sorted({" ".join(s.split()) for s in marks.services if s.strip()}, key=service_key)
    data = {
        "categories": sorted(c.value for c in marks.categories),
        "activities": sorted(marks.activities),
        "services": services,
    }
    with unit_of_work(session.conn):
        setting_repo.set_app_setting(session.conn, MARKS_KEY, json.dumps(data, sort_keys=True))
        audit.record(
            session,
            audit.SETTINGS,
            object_type="setting",
            detail=(
                f"sensitive marks: {len(data['categories'])} service kinds, "
                f"{len(data['activities'])} activity types, {len(services)} services"
            ),
        )
    return sensitive_marks(session)


# --- which carer a record concerns -----------------------------------------------------------------


def set_item_carer(session: Session, family: Family, kind: ItemKind, item_id: int, carer: str) -> str:
    """Say which carer of ``family`` an entry or referral concerns ("" for none); managers only, audited."""
    from setting_app.domain import validation

    session.require_manager("say which carer a record concerns")
    name = validation.check_carer(carer, family)
    repo = {ItemKind.ENTRY: entry_repo, ItemKind.REFERRAL: referral_repo}.get(kind)
    if repo is None:
        raise AppError("Only a support entry or a referral can say which carer it concerns.")
    table = "support_entries" if kind is ItemKind.ENTRY else "referrals"
    with unit_of_work(session.conn):
        row = session.conn.execute(f"SELECT family_id FROM {table} WHERE id = ?", (item_id,)).fetchone()
        if row is None or row[0] != family.id:
            raise AppError(f"{family.ref} has no {kind.value} {item_id}. Nothing was changed.")
        repo.set_carer(session.conn, item_id, name)
        audit.record(
            session,
            audit.UPDATE,
            object_type=kind.value,
            object_id=item_id,
            family_id=family.id,
            detail="carer concerned: " + ("set" if name else "cleared"),
        )
    return name


# --- who a document is for -------------------------------------------------------------------------


def _key(text: str) -> str:
    return " ".join((text or "").lower().split())


def reader_for(session: Session, family: Family, person: str | None) -> Reader:
    """The person a document is for: a carer of the family by name, or a child by name or key.

    With no person named, a family with one carer gets a document for that carer; otherwise the
    person must be named (a document is never for "the family").
    """
    carers = tuple(c.name for c in family.carers if c.name.strip())
    children = family_repo.list_children(session.conn, family.id)
    if person is None or not person.strip():
        if len(carers) == 1:
            return Reader(carers=carers, carer=carers[0])
        if not carers:  # no carer recorded: the document is for whoever holds parental responsibility
            return Reader(carers=())
        names = _choices(carers, children)
        raise AppError(
            f"Say who the document for {family.ref} is for: "
            + (names or "the family has no carer or child")
            + "."
        )
    wanted = _key(person)
    for name in carers:
        if _key(name) == wanted:
            return Reader(carers=carers, carer=name)
    for child in children:
        if wanted in (_key(child.name), _key(child.key)):
            return Reader(carers=carers, child_id=child.id, child_name=child.name)
    raise AppError(
        f"{person.strip()!r} is not a carer or child of {family.ref}: choose {_choices(carers, children)}."
    )


def _choices(carers: tuple[str, ...], children: list[Child]) -> str:
    names = [repr(n) for n in carers] + [f"{c.name!r} (a child)" for c in children]
    return " or ".join(names)


# --- what is left out ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeftOut:
    """One item left out of the document by default, and why."""

    item: DocumentItem
    day: date
    #: What it is, in staff's words (no note text): "Referral to Hope Refuge (Domestic abuse support)".
    what: str
    reasons: tuple[Reason, ...]

    @property
    def key(self) -> str:
        return self.item.key

    @property
    def why(self) -> str:
        return "; ".join(r.words for r in self.reasons)

    @property
    def exemption(self) -> Exemption:
        return default_exemption(self.reasons)

    @property
    def about_someone_else(self) -> bool:
        return any(r.why.is_about_someone_else for r in self.reasons)


@dataclass(frozen=True)
class Assessment:
    """A family's items for one reader: which go in by default, which are left out and why."""

    family: Family
    reader: Reader
    document: str
    #: Every item's key, in the order the casebook holds them.
    keys: tuple[str, ...]
    left_out: tuple[LeftOut, ...]
    fingerprint: str

    def left_out_keys(self) -> frozenset[str]:
        return frozenset(x.key for x in self.left_out)

    def find(self, key: str) -> LeftOut | None:
        return next((x for x in self.left_out if x.key == key), None)


@dataclass(frozen=True)
class Choices:
    """A manager's choices at the review: left-out items put back in (key -> reason), exemptions."""

    include: dict[str, str] = field(default_factory=dict)
    #: For a subject access pack: the exemption each withheld item is logged under (key -> code).
    exemptions: dict[str, Exemption] = field(default_factory=dict)
    #: For a subject access pack: flagged texts about other people left unredacted (text -> reason).
    keep_texts: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.include or self.keep_texts)


def _entry_item(e, labels: dict, child_names: dict[int, str]) -> DocumentItem:
    return DocumentItem(
        ItemKind.ENTRY,
        getattr(e, "id", 0),
        restricted=e.restricted,
        carer=getattr(e, "carer", ""),
        child_id=e.child_id,
        child_name=child_names.get(e.child_id, ""),
        activity_code=e.activity_code,
        activity_label=labels.get((e.domain, e.activity_code or ""), ""),
        text=e.note,
    )


def _referral_item(x, child_names: dict[int, str], more: tuple[str, ...] = ()) -> DocumentItem:
    """``more``: the notes of its status changes and chases (a pack shows them too)."""
    texts = (x.note, x.reason, x.consent_scope, x.consent_note, x.override_rationale, *more)
    return DocumentItem(
        ItemKind.REFERRAL,
        x.id,
        restricted=x.restricted,
        carer=x.carer,
        child_id=x.child_id,
        child_name=child_names.get(x.child_id, ""),
        service_category=x.service_category,
        service_name=x.service_name,
        text=" ".join(t for t in texts if t),
    )


def _sharing_item(s) -> DocumentItem:
    return DocumentItem(
        ItemKind.SHARING,
        s.id,
        text=" ".join((s.recipient, s.what, s.purpose, s.reason)),
        referral_id=s.referral_id,
        access_request=s.occasion is SharingOccasion.SUBJECT_ACCESS,
    )


def assess(session: Session, family: Family, reader: Reader, document: str) -> Assessment:
    """Put every entry, referral and sharing record of the family through the rule, for ``reader``."""
    conn = session.conn
    marks = sensitive_marks(session)
    labels = support_log.activity_labels(session)
    children = family_repo.list_children(conn, family.id)
    child_names = {c.id: c.name for c in children}
    entries = sorted(entry_repo.list_family_entries(conn, family.id), key=lambda e: (e.entry_date, e.id))
    referrals = sorted(referral_repo.list_family_referrals(conn, family.id), key=lambda x: (x.made_on, x.id))
    sharing = sorted(
        sharing_repo.list_records(conn, SharingFilter(family_id=family.id), limit=100_000),
        key=lambda s: (s.decided_on, s.id),
    )
    left: list[LeftOut] = []
    left_referrals: set[int] = set()
    for e in entries:
        reasons = left_out_reasons(_entry_item(e, labels, child_names), reader, marks)
        # A pack shows a corrected entry's earlier versions beneath it: each is judged too.
        for v in entry_repo.list_versions(conn, e.id):
            earlier = left_out_reasons(
                replace(
                    _entry_item(v, labels, child_names),
                    id=e.id,
                    carer=e.carer,
                    text=" ".join((v.note, v.reason)),
                ),
                reader,
                marks,
            )
            reasons += tuple(r for r in earlier if r not in reasons)
        if reasons:
            label = labels.get((e.domain, e.activity_code or ""), "") or e.domain.label(
                session.setting.nation
            )
            left.append(
                LeftOut(_entry_item(e, labels, child_names), e.entry_date, f"Support: {label}", reasons)
            )
    history = referral_repo.history_for(conn, [x.id for x in referrals])
    for x in referrals:
        more = tuple(h.note for h in history.get(x.id, ())) + tuple(
            c.note for c in referral_repo.list_chases(conn, x.id)
        )
        item = _referral_item(x, child_names, more)
        reasons = left_out_reasons(item, reader, marks)
        if reasons:
            left_referrals.add(x.id)
            left.append(
                LeftOut(
                    item,
                    x.made_on,
                    f"Referral to {x.service_name} ({x.service_category.label_for(session.setting.nation)})",
                    reasons,
                )
            )
    for s in sharing:
        item = _sharing_item(s)
        reasons = left_out_reasons(item, reader, marks, left_out_referrals=frozenset(left_referrals))
        if reasons:
            left.append(LeftOut(item, s.decided_on, f"Information shared with {s.recipient}", reasons))
    keys = tuple(
        [f"entry-{e.id}" for e in entries]
        + [f"referral-{x.id}" for x in referrals]
        + [f"sharing-{s.id}" for s in sharing]
    )
    return Assessment(
        family=family,
        reader=reader,
        document=document,
        keys=keys,
        left_out=tuple(left),
        fingerprint=_fingerprint(family, children, entries, referrals, sharing, marks, reader, document),
    )


def _fingerprint(family, children, entries, referrals, sharing, marks, reader, document) -> str:
    """A digest of everything the review's choices depend on: any change to the family's records
    (an entry amended, a referral's status moved, a carer renamed, a mark changed) changes it."""
    h = hashlib.sha256()
    for part in (document, repr(reader), repr(family), *map(repr, children)):
        h.update(part.encode() + b"\0")
    for rows in (entries, referrals, sharing):
        for row in rows:
            h.update(repr(row).encode() + b"\0")
    h.update(
        repr(
            (sorted(c.value for c in marks.categories), sorted(marks.activities), sorted(marks.services))
        ).encode()
    )
    return h.hexdigest()[:32]


def include_keys(assessment: Assessment, choices: Choices | None) -> frozenset[str]:
    """The left-out items the manager put back in (checked against the assessment)."""
    if choices is None:
        return frozenset()
    return frozenset(k for k in choices.include if assessment.find(k) is not None)


def withheld(assessment: Assessment, choices: Choices | None) -> tuple[LeftOut, ...]:
    """The items that stay out after the review."""
    keep = include_keys(assessment, choices)
    return tuple(x for x in assessment.left_out if x.key not in keep)


def check_choices(session: Session, assessment: Assessment, choices: Choices | None) -> None:
    """Only a manager may put a left-out item in, each with a reason; the items must be left-out ones."""
    if choices is None or not (choices.include or choices.keep_texts):
        return
    if not session.user.is_manager:
        raise PermissionDenied("Only a manager can put a left-out item into a document for a family.")
    for key, reason in choices.include.items():
        if assessment.find(key) is None:
            raise ReviewRefused(f"{key} is not an item left out of this document. No document was written.")
        if not reason.strip():
            raise ReviewRefused(
                f"{key} is put back in without a reason: say why it is safe to give it to "
                f"{assessment.reader.name}. No document was written."
            )
    for text, reason in choices.keep_texts.items():
        if not reason.strip():
            raise ReviewRefused(
                f"'{text}' is left unredacted without a reason: say why. No document was written."
            )


def record_decisions(
    session: Session,
    assessment: Assessment,
    choices: Choices | None,
    *,
    log_withheld: bool = False,
    redacted: Iterable[str] = (),
) -> int:
    """Inside the document's transaction: keep each decision and its reason; one audit row (no
    personal data). Returns how many items were put back in."""
    check_choices(session, assessment, choices)
    conn, now = session.conn, from_datetime(session.clock.now())
    made_for = assessment.reader.carer or assessment.reader.child_name
    rows = []
    included = include_keys(assessment, choices)
    for x in assessment.left_out:
        if x.key in included:
            rows.append((x.key, "included", x.why, "", choices.include[x.key]))
        elif log_withheld:
            exemption = (choices.exemptions.get(x.key) if choices else None) or x.exemption
            rows.append((x.key, "withheld", x.why, exemption.value, ""))
    for text in redacted:
        rows.append(("text", "redacted", text, Exemption.THIRD_PARTY.value, ""))
    for text, reason in choices.keep_texts.items() if choices else ():
        rows.append(("text", "kept", text, "", reason))
    conn.executemany(
        """INSERT INTO document_decisions (family_id, document, made_for, item, decision, why_left_out,
               exemption, reason, decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [(assessment.family.id, assessment.document, made_for, *row, session.user.id, now) for row in rows],
    )
    if included:
        audit.record(
            session,
            audit.UPDATE,
            object_type="family",
            object_id=assessment.family.id,
            family_id=assessment.family.id,
            detail=(
                f"{DOCUMENT_WORDS[assessment.document]}: a manager put back {len(included)} left-out "
                f"item{'s' if len(included) != 1 else ''} ({', '.join(sorted(included))}); reasons recorded"
            ),
        )
    return len(included)


def decisions(session: Session, family_id: int) -> list[dict]:
    """The decisions kept for a family (managers only), oldest first."""
    session.require_manager("read the decisions about documents for a family")
    return [
        dict(r)
        for r in session.conn.execute(
            "SELECT * FROM document_decisions WHERE family_id = ? ORDER BY id", (family_id,)
        )
    ]


# --- the review file -------------------------------------------------------------------------------


def review_document(assessment: Assessment, *, candidates: Iterable = ()) -> dict:
    """The review as a JSON document: every left-out item with why, to set ``include`` and ``reason``."""
    sar = assessment.document == SUBJECT_ACCESS
    items = []
    for x in assessment.left_out:
        row = {
            "id": x.key,
            "date": x.day.isoformat(),
            "what": x.what,
            "why": [r.words for r in x.reasons],
            "include": False,
            "reason": "",
        }
        if sar:
            row["exemption"] = x.exemption.value
        items.append(row)
    doc = {
        "format": REVIEW_FORMAT,
        "version": REVIEW_VERSION,
        "document": assessment.document,
        "family": assessment.family.ref,
        "made_for": assessment.reader.name,
        "fingerprint": assessment.fingerprint,
        "how_to_use": (
            "Every item below is left out of the document by default. To put one in, a manager sets "
            '"include": true and writes in "reason" why it is safe to give to the person it is for. '
            "Then run the same command again with --review and this file."
            + (
                ' For a withheld item, "exemption" names the law it is withheld under: one of '
                + ", ".join(e.value for e in Exemption)
                + '. Flagged names in "texts" are redacted unless "include" is true with a reason.'
                if sar
                else ""
            )
        ),
        "left_out": items,
    }
    if sar:
        doc["exemptions"] = {e.value: e.label for e in Exemption}
        doc["texts"] = [{"text": c.text, "why": c.why, "include": False, "reason": ""} for c in candidates]
    return doc


def write_review_file(path: Path, document: dict) -> Path:
    path = Path(path).expanduser()
    if path.is_dir():
        raise AppError(f"{path} is a folder: give a file name, for example {path / 'review.json'}.")
    if not path.parent.is_dir():
        raise AppError(f"The folder {path.parent} does not exist. Nothing was written.")
    try:
        atomic_write(path, (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode())
    except OSError as exc:
        raise AppError(f"Could not write {path}: {exc.strerror or exc}. Nothing was written.") from None
    return path


_ITEM_FIELDS = {"id", "date", "what", "why", "include", "reason", "exemption"}
_TEXT_FIELDS = {"text", "why", "include", "reason"}
_TOP_FIELDS = {
    "format",
    "version",
    "document",
    "family",
    "made_for",
    "fingerprint",
    "how_to_use",
    "left_out",
    "exemptions",
    "texts",
}


def read_review(path: Path, assessment: Assessment) -> Choices:
    """Read and check a review file against the casebook as it is now; refuse in one plain line."""
    path = Path(path).expanduser()
    name = path.name
    nothing = "No document was written."
    try:
        # Bounded, and a folder, FIFO or device (``/dev/zero``) is refused before a byte is read.
        if check_regular_file(path, "review file").st_size > MAX_REVIEW_BYTES:
            raise ReviewRefused(f"{name} is too large to be a review file. {nothing}")
        # Bounded, regular files only (a FIFO or device is refused); a byte order mark is dropped.
        data = json.loads(read_text(path, MAX_REVIEW_BYTES, "review file"))
    except InputRefused as exc:
        raise ReviewRefused(f"{exc} {nothing}") from None
    except OSError as exc:
        raise ReviewRefused(f"Could not read {name}: {exc.strerror or exc}. {nothing}") from None
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ReviewRefused(f"{name} is not a review file (it is not JSON). {nothing}") from None
    return parse_review(data, assessment, name=name)


def parse_review(data: object, assessment: Assessment, *, name: str = "The review file") -> Choices:
    nothing = "No document was written."
    if not isinstance(data, dict) or data.get("format") != REVIEW_FORMAT:
        raise ReviewRefused(f"{name} is not a review file made by this app. {nothing}")
    if data.get("version") != REVIEW_VERSION:
        raise ReviewRefused(f"{name} is a review file of a version this app does not read. {nothing}")
    unknown = sorted(set(data) - _TOP_FIELDS)
    if unknown:
        raise ReviewRefused(f"{name} has a field this app does not know: {unknown[0]!r}. {nothing}")
    if data.get("family") != assessment.family.ref:
        raise ReviewRefused(
            f"{name} is the review of another family ({data.get('family')!s}), not {assessment.family.ref}. "
            f"{nothing}"
        )
    if data.get("document") != assessment.document:
        raise ReviewRefused(
            f"{name} is the review of a {DOCUMENT_WORDS.get(str(data.get('document')), 'different document')}, "
            f"not a {DOCUMENT_WORDS[assessment.document]}. {nothing}"
        )
    if _key(str(data.get("made_for", ""))) != _key(assessment.reader.name):
        raise ReviewRefused(
            f"{name} was made for {data.get('made_for')!s}, not {assessment.reader.name}. {nothing}"
        )
    items = data.get("left_out")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ReviewRefused(f"{name}: 'left_out' must be a list of items. {nothing}")
    ids = [i.get("id") for i in items]
    twice = next((i for n, i in enumerate(ids) if isinstance(i, str) and i in ids[:n]), None)
    if twice is not None:
        raise ReviewRefused(f"{name} names {twice} twice: keep one choice for it. {nothing}")
    unknown_ids = [str(i) for i in ids if not isinstance(i, str) or i not in assessment.keys]
    if unknown_ids:
        shown = ", ".join(unknown_ids[:3]) + (" ..." if len(unknown_ids) > 3 else "")
        raise ReviewRefused(f"{name} names items {assessment.family.ref} does not have: {shown}. {nothing}")
    if data.get("fingerprint") != assessment.fingerprint:
        raise ReviewRefused(
            f"{name} was made before {assessment.family.ref}'s records changed: make a new review "
            f"and check it again. {nothing}"
        )
    include: dict[str, str] = {}
    exemptions: dict[str, Exemption] = {}
    for item in items:
        key = item["id"]
        extra = sorted(set(item) - _ITEM_FIELDS)
        if extra:
            raise ReviewRefused(f"{name}: {key} has a field this app does not know: {extra[0]!r}. {nothing}")
        if assessment.find(key) is None:
            raise ReviewRefused(
                f"{name}: {key} is not left out of this document, so it cannot be reviewed. {nothing}"
            )
        flag = item.get("include", False)
        if not isinstance(flag, bool):
            raise ReviewRefused(f'{name}: "include" of {key} must be true or false. {nothing}')
        reason = item.get("reason", "")
        if not isinstance(reason, str) or len(reason) > MAX_REASON_LENGTH:
            raise ReviewRefused(
                f'{name}: "reason" of {key} must be text of at most {MAX_REASON_LENGTH} characters. {nothing}'
            )
        if flag:
            include[key] = reason.strip()
        code = item.get("exemption")
        if code is not None and assessment.document == SUBJECT_ACCESS:
            try:
                exemptions[key] = Exemption(code)
            except ValueError:
                raise ReviewRefused(
                    f"{name}: {code!r} (for {key}) is not an exemption this app knows: use one of "
                    f"{', '.join(e.value for e in Exemption)}. {nothing}"
                ) from None
    keep_texts: dict[str, str] = {}
    texts = data.get("texts") or []
    if not isinstance(texts, list):
        raise ReviewRefused(f"{name}: 'texts' must be a list of flagged texts. {nothing}")
    for text in texts:
        if not isinstance(text, dict) or not isinstance(text.get("text"), str) or set(text) - _TEXT_FIELDS:
            raise ReviewRefused(f"{name}: each of 'texts' must be an object with a 'text'. {nothing}")
        if text.get("include") is True:
            keep_texts[text["text"]] = str(text.get("reason") or "").strip()
    for key, reason in include.items():
        if not reason:
            raise ReviewRefused(
                f"{name}: {key} is put back in without a reason: say why it is safe to give it to "
                f"{assessment.reader.name}. {nothing}"
            )
    return Choices(include=include, exemptions=exemptions, keep_texts=keep_texts)


__all__ = [
    "FAMILY_SUMMARY",
    "SUBJECT_ACCESS",
    "Assessment",
    "Choices",
    "LeftOut",
    "ReviewRefused",
    "assess",
    "check_choices",
    "include_keys",
    "parse_review",
    "read_review",
    "reader_for",
    "record_decisions",
    "review_document",
    "sensitive_marks",
    "set_sensitive_marks",
    "withheld",
    "write_review_file",
]

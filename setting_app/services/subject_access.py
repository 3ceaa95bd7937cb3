"""Subject access packs: everything the casebook holds about a family, or about one child.

A pack is two files written where the manager asks: a readable PDF and the record file (the
``setting-app/records`` JSON that ``import`` reads back). The PDF holds everything: family and
children, carers, every support entry with its earlier versions, referrals with their status history,
chases and consent, the information-sharing record about the family, and the access audit of its
records (who opened, changed or exported them, and when). The record format has no place for
earlier versions, the audit or the sharing record, so those are in the PDF only.

A child's pack holds that child's entries and referrals and the whole-family ones (naming no child),
and no other child of the family.

A pack is made for one person, the requester: a named carer (or a young person), never "the
family". As the ICO's guidance on subject access asks:

* Sensitive items (domestic abuse, children's social care, mental health, sexual health, substance
  use, anything marked sensitive, restricted records, safeguarding discussions) and another carer's
  items are withheld by default, each under a named exemption of the Data Protection Act 2018
  (Schedule 2, Part 3, paragraph 16 for information about others; Schedule 3 for health, social work
  and child abuse data, with the serious-harm test). A manager reviews them (``document_review``) and
  may put one in with a recorded reason. Every withheld item is kept in a withheld log in the
  casebook (``document_decisions``), never in the pack itself: the pack says, whatever was withheld,
  that the law allows some information to be held back, so it gives nothing away.
* Other people's names found in the free text (other families, other carers of the family, staff if
  asked) are redacted, or left in with a recorded reason.
* The one-month clock: the day the request was received and the day the reply is due.

Producing a pack is for managers only; it writes an audit row, an information-sharing row and the
decisions in the same transaction as the files.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from setting_app.domain.codes import ContactMode, Domain, Kind
from setting_app.domain.errors import AppError
from setting_app.domain.models import Child, Family, SettingDetails, SupportEntry
from setting_app.domain.referrals import (
    Chase,
    LawfulBasis,
    SharingOccasion,
    SharingRecord,
    StatusChange,
    TrackedReferral,
)
from setting_app.domain.sensitivity import subject_access_due
from setting_app.services import audit, document_review, families, info_sharing, records, support_log
from setting_app.services.document_review import Assessment, Choices, LeftOut
from setting_app.services.session import Session
from setting_app.storage import audit_repo, entry_repo, family_repo, referral_repo, sharing_repo, staff_repo
from setting_app.storage.audit_repo import AuditFilter, AuditRow
from setting_app.storage.database import Connection
from setting_app.storage.fsutil import atomic_write, ensure_private_dir
from setting_app.storage.rows import to_date, to_datetime
from setting_app.storage.sharing_repo import SharingFilter
from setting_app.storage.unit_of_work import unit_of_work

REDACTED = "[redacted]"
AUDIT_DETAIL = "subject_access"
DEFAULT_RECIPIENT = "The family (subject access request)"
#: Audit rows a pack lists at most (newest kept); a family's trail is normally far shorter.
MAX_AUDIT_ROWS = 20_000
#: Name parts shorter than this are not flagged on their own (too many false matches).
MIN_NAME_PART = 3


# --- what a pack holds ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryVersion:
    """An earlier version of an amended entry, as it read before it was replaced."""

    version: int
    entry_date: object
    child_id: int | None
    domain: Domain
    kind: Kind
    activity_code: str | None
    minutes: int
    contact_mode: ContactMode
    note: str
    restricted: bool
    replaced_at: datetime | None
    replaced_by: str
    reason: str
    recorded_by: str = ""


@dataclass(frozen=True)
class PackEntry:
    entry: SupportEntry
    version: int
    restricted: bool
    earlier: tuple[EntryVersion, ...] = ()


@dataclass(frozen=True)
class PackReferral:
    referral: TrackedReferral
    restricted: bool
    history: tuple[StatusChange, ...] = ()
    chases: tuple[Chase, ...] = ()


@dataclass(frozen=True)
class SubjectAccessPack:
    setting: SettingDetails
    family: Family
    #: The child the pack is about, or None for the whole family.
    child: Child | None
    #: The children whose details the pack carries (all of them, or just ``child``).
    children: tuple[Child, ...]
    entries: tuple[PackEntry, ...]
    referrals: tuple[PackReferral, ...]
    sharing: tuple[SharingRecord, ...]
    audit: tuple[AuditRow, ...]
    #: Staff display names by id (for "recorded by", "made by"...).
    staff_names: dict[int, str]
    #: Activity labels by (domain, code).
    activity_labels: dict[tuple[Domain, str], str]
    produced_at: datetime
    produced_by: str
    #: The record file (``setting-app/records``) for the same family or child.
    document: dict
    #: How many passages were replaced by ``[redacted]`` (0 before redaction).
    redactions: int = 0
    #: Who the pack is for, when known.
    recipient: str = ""
    #: The person the pack is for (a carer's or a young person's name) and the review behind it.
    made_for: str = ""
    assessment: Assessment | None = None
    choices: Choices | None = None
    #: Items withheld (with the exemption each is logged under) and items a manager put back in.
    withheld: tuple[LeftOut, ...] = ()
    put_back: tuple[LeftOut, ...] = ()
    #: The one-month clock: when the request was received and when the reply is due.
    received_on: date | None = None
    due_on: date | None = None

    @property
    def subject(self) -> str:
        if self.child is not None:
            return f"{self.child.name} ({self.family.ref})"
        if self.made_for:
            return f"{self.made_for} ({self.family.ref})"
        return f"family {self.family.ref}"

    def staff_name(self, staff_id: int | None) -> str:
        return self.staff_names.get(staff_id, "") if staff_id is not None else ""

    def child_name(self, child_id: int | None) -> str:
        if child_id is None:
            return "Whole family"
        for c in self.children:
            if c.id == child_id:
                return c.name
        return "Another child"


@dataclass(frozen=True)
class RedactionCandidate:
    """A text in the pack's free text that may identify someone else."""

    text: str
    #: Why it was flagged, e.g. "another family's reference (FAM-0012)", "staff name".
    why: str
    #: "other_family" or "staff".
    kind: str
    occurrences: int
    #: A short piece of the text around the first occurrence.
    example: str

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"


@dataclass(frozen=True)
class PackWritten:
    pdf: Path
    json: Path
    pages: int
    entries: int
    referrals: int
    redactions: int
    redacted_texts: tuple[str, ...] = field(default_factory=tuple)
    #: Restricted (safeguarding-sensitive) entries and referrals included: to check before sending.
    restricted: int = 0
    made_for: str = ""
    #: Withheld items (kept in the casebook's withheld log), with their exemptions.
    withheld: tuple[tuple[LeftOut, str], ...] = ()
    put_back: int = 0
    received_on: date | None = None
    due_on: date | None = None


# --- gathering -----------------------------------------------------------------------------------


def assess_pack(
    session: Session, ref: str, child: str | None = None, *, person: str | None = None
) -> Assessment:
    """What a pack for ``person`` (or for the child ``child``) withholds by default, and why."""
    session.require_manager("produce a subject access pack")
    family = families.find_family(session, ref)
    if child and child.strip():
        chosen = families.find_child(session, family, child)
        reader = document_review.reader_for(session, family, chosen.key)
    else:
        reader = document_review.reader_for(session, family, person)
    return document_review.assess(session, family, reader, document_review.SUBJECT_ACCESS)


def gather_pack(
    session: Session,
    ref: str,
    child: str | None = None,
    *,
    person: str | None = None,
    choices: Choices | None = None,
    received_on: date | None = None,
) -> SubjectAccessPack:
    """Everything held about the person the pack is for, but what is withheld; unredacted. Managers only."""
    session.require_manager("produce a subject access pack")
    conn = session.conn
    assessment = assess_pack(session, ref, child, person=person)
    document_review.check_choices(session, assessment, choices)
    shown_back = document_review.include_keys(assessment, choices)
    hidden = assessment.left_out_keys() - shown_back
    family = assessment.family
    reader = assessment.reader
    all_children = family_repo.list_children(conn, family.id)
    chosen = next((c for c in all_children if c.id == reader.child_id), None)
    children = (chosen,) if chosen else tuple(all_children)

    def about_subject(child_id: int | None) -> bool:
        return chosen is None or child_id is None or child_id == chosen.id

    staff_names = {s.id: s.display_name for s in staff_repo.list_staff(conn)}
    entries = [
        e
        for e in entry_repo.list_family_entries(conn, family.id)
        if about_subject(e.child_id) and f"entry-{e.id}" not in hidden
    ]
    flags = {
        r["id"]: (r["version"], bool(r["restricted"]))
        for r in conn.execute(
            "SELECT id, version, restricted FROM support_entries WHERE family_id = ?", (family.id,)
        )
    }
    earlier = _earlier_versions(conn, family.id, staff_names)
    pack_entries = tuple(
        PackEntry(
            e, flags.get(e.id, (1, False))[0], flags.get(e.id, (1, False))[1], tuple(earlier.get(e.id, ()))
        )
        for e in entries
    )

    referrals = [
        x
        for x in referral_repo.list_family_referrals(conn, family.id)
        if about_subject(x.child_id) and f"referral-{x.id}" not in hidden
    ]
    restricted_referrals = {
        r[0]
        for r in conn.execute("SELECT id FROM referrals WHERE family_id = ? AND restricted = 1", (family.id,))
    }
    histories = referral_repo.history_for(conn, [x.id for x in referrals])
    pack_referrals = tuple(
        PackReferral(
            x,
            x.id in restricted_referrals,
            tuple(histories.get(x.id, ())),
            tuple(referral_repo.list_chases(conn, x.id)),
        )
        for x in referrals
    )
    referral_ids = {x.id for x in referrals}
    sharing = tuple(
        s
        for s in reversed(sharing_repo.list_records(conn, SharingFilter(family_id=family.id), limit=100_000))
        if (s.referral_id is None or s.referral_id in referral_ids) and f"sharing-{s.id}" not in hidden
    )
    hidden_ids = {
        kind: {int(k.split("-")[1]) for k in hidden if k.startswith(f"{kind}-")}
        for kind in ("entry", "referral")
    }
    trail = tuple(
        row
        for row in reversed(
            audit_repo.list_audit(conn, AuditFilter(family_id=family.id), limit=MAX_AUDIT_ROWS)
        )
        if not _gives_away(row, hidden_ids)
    )

    selection = records.RecordSelection(
        entry_ids=frozenset(e.id for e in entries),
        referral_ids=frozenset(x.id for x in referrals),
        carers=None if reader.is_young_person else frozenset({reader.carer}),
    )
    document = records.export_families(session, [family.ref], only=selection)
    if chosen is not None:
        document = _document_for_child(document, chosen.key)
    if not reader.is_young_person:  # only the requester's own details
        family = replace(family, carers=tuple(c for c in family.carers if c.name == reader.carer))
    received = received_on or session.clock.today()
    return SubjectAccessPack(
        setting=session.setting,
        family=family,
        child=chosen,
        children=children,
        entries=pack_entries,
        referrals=pack_referrals,
        sharing=sharing,
        audit=trail,
        staff_names=staff_names,
        activity_labels=support_log.activity_labels(session),
        produced_at=session.clock.now(),
        produced_by=session.user.display_name,
        document=document,
        made_for=reader.name,
        assessment=assessment,
        choices=choices,
        withheld=tuple(x for x in assessment.left_out if x.key in hidden),
        put_back=tuple(x for x in assessment.left_out if x.key in shown_back),
        received_on=received,
        due_on=subject_access_due(received),
    )


def _gives_away(row: AuditRow, hidden_ids: dict[str, set[int]]) -> bool:
    """An audit row that would tell the reader about a withheld item, that items were reviewed, or that
    someone asked for their records."""
    if row.object_type in hidden_ids and row.object_id in hidden_ids[row.object_type]:
        return True
    if row.action == audit.VIEW_RESTRICTED or "restricted" in row.detail:
        return True
    if row.action == audit.EXPORT and row.detail == AUDIT_DETAIL:
        # A subject access pack: it says someone asked for their records (as its sharing record does).
        return True
    return "left-out" in row.detail


def _earlier_versions(
    conn: Connection, family_id: int, staff_names: dict[int, str]
) -> dict[int, list[EntryVersion]]:
    rows = conn.execute(
        """SELECT v.* FROM support_entry_versions v JOIN support_entries e ON e.id = v.entry_id
           WHERE e.family_id = ? ORDER BY v.entry_id, v.version""",
        (family_id,),
    )
    found: dict[int, list[EntryVersion]] = {}
    for r in rows:
        found.setdefault(r["entry_id"], []).append(
            EntryVersion(
                version=r["version"],
                entry_date=to_date(r["entry_date"]),
                child_id=r["child_id"],
                domain=Domain(r["domain"]),
                kind=Kind(r["kind"]),
                activity_code=r["activity_code"],
                minutes=r["minutes"],
                contact_mode=ContactMode(r["contact_mode"]),
                note=r["note"],
                restricted=bool(r["restricted"]),
                replaced_at=to_datetime(r["replaced_at"]),
                replaced_by=staff_names.get(r["replaced_by"], "") if r["replaced_by"] is not None else "",
                reason=r["reason"],
                recorded_by=staff_names.get(r["staff_id"], "") if r["staff_id"] is not None else "",
            )
        )
    return found


def _document_for_child(document: dict, child_key: str) -> dict:
    """The record file cut down to one child: that child, its entries and referrals, whole-family ones."""
    family = dict(document["families"][0])
    family["children"] = [c for c in family["children"] if c["key"] == child_key]
    family["entries"] = [e for e in family["entries"] if e.get("child") in (None, child_key)]
    family["referrals"] = [r for r in family["referrals"] if r.get("child") in (None, child_key)]
    return {**document, "families": [family]}


# --- redaction -----------------------------------------------------------------------------------


def _pattern(texts: Iterable[str], *, ignore_case: bool) -> re.Pattern | None:
    """One regex matching any of the texts as whole words, longest first."""
    unique = sorted({t.strip() for t in texts if t and t.strip()}, key=lambda t: (-len(t), t))
    if not unique:
        return None
    body = "|".join(r"\s+".join(re.escape(word) for word in t.split()) for t in unique)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE if ignore_case else 0)


class Redactor:
    """Replaces chosen texts (whole words, any case) with ``[redacted]`` and counts the replacements."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.texts = tuple(sorted({t.strip() for t in texts if t and t.strip()}))
        self._pattern = _pattern(self.texts, ignore_case=True)
        self.count = 0

    def __call__(self, text: str) -> str:
        if not text or self._pattern is None:
            return text
        result, n = self._pattern.subn(REDACTED, text)
        self.count += n
        return result


def free_texts(pack: SubjectAccessPack) -> list[str]:
    """Every piece of free text in the pack (what redaction reads and rewrites)."""
    texts = [pack.family.notes]
    for item in pack.entries:
        texts.append(item.entry.note)
        for v in item.earlier:
            texts += [v.note, v.reason]
    for item in pack.referrals:
        x = item.referral
        texts += [x.note, x.reason, x.consent_given_by, x.consent_scope, x.consent_note, x.override_rationale]
        texts += [h.note for h in item.history]
        texts += [c.note for c in item.chases]
    for s in pack.sharing:
        texts += [s.recipient, s.what, s.purpose, s.reason, s.method]
    return [t for t in texts if t]


def redact_pack(pack: SubjectAccessPack, texts: Iterable[str]) -> SubjectAccessPack:
    """A copy of the pack with every chosen text replaced in its free text, in the PDF data and the JSON."""
    r = Redactor(texts)
    if not r.texts:
        return pack
    entries = tuple(
        replace(
            item,
            entry=replace(item.entry, note=r(item.entry.note)),
            earlier=tuple(replace(v, note=r(v.note), reason=r(v.reason)) for v in item.earlier),
        )
        for item in pack.entries
    )
    referrals = tuple(
        replace(
            item,
            referral=replace(
                item.referral,
                note=r(item.referral.note),
                reason=r(item.referral.reason),
                consent_given_by=r(item.referral.consent_given_by),
                consent_scope=r(item.referral.consent_scope),
                consent_note=r(item.referral.consent_note),
                override_rationale=r(item.referral.override_rationale),
            ),
            history=tuple(replace(h, note=r(h.note)) for h in item.history),
            chases=tuple(replace(c, note=r(c.note)) for c in item.chases),
        )
        for item in pack.referrals
    )
    sharing = tuple(
        replace(
            s,
            recipient=r(s.recipient),
            what=r(s.what),
            purpose=r(s.purpose),
            reason=r(s.reason),
            method=r(s.method),
        )
        for s in pack.sharing
    )
    family = replace(pack.family, notes=r(pack.family.notes))
    count = r.count
    document = _redact_document(pack.document, Redactor(r.texts))
    return replace(
        pack,
        family=family,
        entries=entries,
        referrals=referrals,
        sharing=sharing,
        document=document,
        redactions=pack.redactions + count,
    )


_REFERRAL_TEXT_FIELDS = (
    "note",
    "reason",
    "consent_given_by",
    "consent_scope",
    "consent_note",
    "override_rationale",
)


def _redact_document(document: dict, r: Redactor) -> dict:
    out_families = []
    for fam in document["families"]:
        fam = dict(fam)
        fam["notes"] = r(fam.get("notes") or "")
        fam["entries"] = [{**e, "note": r(e.get("note") or "")} for e in fam["entries"]]
        referrals = []
        for x in fam["referrals"]:
            x = dict(x)
            for name in _REFERRAL_TEXT_FIELDS:
                if isinstance(x.get(name), str):
                    x[name] = r(x[name])
            if "history" in x:
                x["history"] = [{**h, "note": r(h.get("note") or "")} for h in x["history"]]
            if "chases" in x:
                x["chases"] = [{**c, "note": r(c.get("note") or "")} for c in x["chases"]]
            referrals.append(x)
        fam["referrals"] = referrals
        out_families.append(fam)
    return {**document, "families": out_families}


#: A word of free text, and what may stand between the words of one name or reference
#: ("Zara Quinn", "Mary-Jane", "O'Brien", "FAM-0002", "FAM/12").
_WORD = re.compile(r"\w+")
_JOINER = re.compile(r"[\s\-'\u2019/.]{1,3}")


_PHONE = re.compile(r"(?<![\w+])\+?\d[\d ()-]{7,}\d(?!\w)")


def _phone_digits(text: str) -> str:
    """A phone number's digits, UK international form made national: '+44 7700 900123' -> '07700900123'."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if text.strip().startswith("+44") and digits.startswith("44"):
        digits = "0" + digits[2:]
    return digits if len(digits) >= 9 else ""


def _key(text: str) -> str:
    """How a name or reference is looked up: its words, lower case, one space apart."""
    return " ".join(w.lower() for w in _WORD.findall(text))


def _name_parts(name: str) -> list[str]:
    return [p for p in _WORD.findall(name) if len(p) >= MIN_NAME_PART]


def redaction_candidates(
    session: Session, pack: SubjectAccessPack, *, include_staff: bool = False
) -> list[RedactionCandidate]:
    """Other families' references and names (and, if asked, staff names) found in the pack's free text.

    Full names and references are matched in any case; a single name part (a first name or surname
    on its own) only when written with a capital, as names are. Names of the pack's own family are
    never flagged.
    """
    session.require_manager("review a subject access pack")
    conn = session.conn
    own = {_key(pack.family.ref)}
    own_parts: set[str] = set()
    own_names = [c.name for c in pack.family.carers] + [
        c.name for c in family_repo.list_children(conn, pack.family.id)
    ]
    for name in own_names:
        own.add(_key(name))
        own_parts.update(p.lower() for p in _name_parts(name))

    whole: dict[str, tuple[str, str]] = {}  # lower text -> (why, kind)
    parts: dict[str, tuple[str, str]] = {}
    # The family's other carers are third parties to a carer's pack (a young person's pack keeps them).
    everyone = family_repo.get_family(conn, pack.family.id)
    others = [c for c in (everyone.carers if everyone else ()) if _key(c.name) and _key(c.name) not in own]
    for c in others:
        whole.setdefault(_key(c.name), ("another carer of the family", "third_party"))
        for part in _name_parts(c.name):
            if part.lower() not in own_parts:
                parts.setdefault(part, ("part of another carer's name", "third_party"))
    for row in conn.execute("SELECT id, ref FROM families WHERE id != ?", (pack.family.id,)):
        whole.setdefault(_key(row["ref"]), (f"another family's reference ({row['ref']})", "other_family"))
    people = conn.execute(
        """SELECT f.ref, c.name, 'carer' AS role FROM carers c JOIN families f ON f.id = c.family_id WHERE f.id != ?
           UNION ALL
           SELECT f.ref, k.name, 'child' FROM children k JOIN families f ON f.id = k.family_id WHERE f.id != ?""",
        (pack.family.id, pack.family.id),
    )
    for row in people:
        name, ref, role = row["name"].strip(), row["ref"], row["role"]
        if not _key(name) or _key(name) in own:
            continue
        whole.setdefault(_key(name), (f"a {role}'s name in another family ({ref})", "other_family"))
        for part in _name_parts(name):
            if part.lower() not in own_parts:
                parts.setdefault(part, (f"part of a {role}'s name in another family ({ref})", "other_family"))
    own_phones = {_phone_digits(c.phone) for c in pack.family.carers} - {""}
    phones: dict[str, tuple[str, str]] = {}
    for c in others:
        digits = _phone_digits(c.phone)
        if digits and digits not in own_phones:
            phones.setdefault(digits, ("another carer's phone number", "third_party"))
    for row in conn.execute(
        """SELECT f.ref, c.phone FROM carers c JOIN families f ON f.id = c.family_id
           WHERE f.id != ? AND c.phone != ''""",
        (pack.family.id,),
    ):
        digits = _phone_digits(row["phone"])
        if digits and digits not in own_phones:
            phones.setdefault(digits, (f"another family's phone number ({row['ref']})", "other_family"))
    if include_staff:
        for s in staff_repo.list_staff(conn):
            for text in (s.display_name, s.username):
                if _key(text) and _key(text) not in own:
                    whole.setdefault(_key(text), ("a staff member's name", "staff"))
            for part in _name_parts(s.display_name):
                if part.lower() not in own_parts:
                    parts.setdefault(part, ("part of a staff member's name", "staff"))

    # Dictionary look-ups over the words of each text (not one regex of thousands of names: that
    # is slow with a large casebook). Longest name first, so "Zara Quinn" wins over "Zara".
    found: dict[str, list] = {}  # key -> [text, why, kind, count, example]
    longest = max((key.count(" ") + 1 for key in whole), default=1)
    for text in free_texts(pack):
        words = list(_WORD.finditer(text))
        i = 0
        while i < len(words):
            matched = 0
            for n in range(min(longest, len(words) - i), 0, -1):
                run = words[i : i + n]
                if any(not _JOINER.fullmatch(text[a.end() : b.start()]) for a, b in itertools.pairwise(run)):
                    continue
                key = " ".join(w.group(0).lower() for w in run)
                if key in whole:
                    start_at, end_at = run[0].start(), run[-1].end()
                    _note(
                        found,
                        key,
                        " ".join(text[start_at:end_at].split()),
                        whole[key],
                        text,
                        start_at,
                        end_at,
                    )
                    matched = n
                    break
            if not matched:
                word = words[i].group(0)
                if word in parts:
                    _note(found, word, word, parts[word], text, words[i].start(), words[i].end())
                matched = 1
            i += matched
        if phones:
            for match in _PHONE.finditer(text):
                digits = _phone_digits(match.group(0))
                if digits in phones:
                    _note(found, digits, match.group(0), phones[digits], text, match.start(), match.end())
    candidates = [RedactionCandidate(t, why, kind, n, ex) for t, why, kind, n, ex in found.values()]
    return sorted(candidates, key=lambda c: (c.kind == "staff", c.kind != "other_family", c.text.lower()))


def _note(
    found: dict[str, list], key: str, shown: str, why_kind: tuple[str, str], text: str, start: int, end: int
) -> None:
    if key in found:
        found[key][3] += 1
    else:
        found[key] = [shown, *why_kind, 1, _snippet(text, start, end)]


def _snippet(text: str, start: int, end: int, width: int = 40) -> str:
    left = max(0, start - width)
    right = min(len(text), end + width)
    piece = " ".join(text[left:right].split())
    return ("…" if left else "") + piece + ("…" if right < len(text) else "")


# --- writing -------------------------------------------------------------------------------------


_UNSAFE_IN_NAME = re.compile(r"[^\w.-]+")


def pack_file_stem(pack: SubjectAccessPack) -> str:
    ref = _UNSAFE_IN_NAME.sub("_", pack.family.ref)
    if pack.child is not None:
        return f"{ref}-{_UNSAFE_IN_NAME.sub('_', pack.child.key)}-subject-access"
    return f"{ref}-subject-access"


def write_pack(
    session: Session,
    ref: str,
    out_dir: Path,
    *,
    child: str | None = None,
    person: str | None = None,
    redact: Iterable[str] = (),
    recipient: str | None = None,
    choices: Choices | None = None,
    review: Path | None = None,
    received_on: date | None = None,
    keep: dict[str, str] | None = None,
    include_staff: bool = False,
) -> PackWritten:
    """Write ``<REF>-subject-access.pdf`` and ``.json`` (0600) into ``out_dir`` for one person.

    Withheld items stay out unless ``choices`` (or the review file ``review``) puts them back with a
    reason. Other people's names found in the free text are redacted, but those in ``keep`` (text ->
    reason) and, from a review file, those marked to include; ``redact`` adds texts to redact.

    The audit row, the information-sharing row, the withheld log and the files are one step: if a file
    cannot be written, none of the rows is kept and no half-written file is left.
    """
    from setting_app.services.subject_access_pdf import render_pack_pdf

    session.require_manager("produce a subject access pack")
    out_dir = Path(out_dir).expanduser()
    if out_dir.exists() and not out_dir.is_dir():
        raise AppError(f"{out_dir} is a file, not a folder: give a folder to write the pack into.")
    session.check_output_path(out_dir)
    if review is not None:
        choices = document_review.read_review(review, assess_pack(session, ref, child, person=person))
    keep_texts = {**(choices.keep_texts if choices else {}), **(keep or {})}
    choices = Choices(
        include=dict(choices.include) if choices else {},
        exemptions=dict(choices.exemptions) if choices else {},
        keep_texts=keep_texts,
    )
    gathered = gather_pack(session, ref, child, person=person, choices=choices, received_on=received_on)
    kept = {t.strip().lower() for t in keep_texts}
    candidates = redaction_candidates(session, gathered, include_staff=include_staff)
    unknown_kept = sorted(
        t for t in keep_texts if t.strip().lower() not in {c.text.lower() for c in candidates}
    )
    if unknown_kept:
        raise AppError(
            f"'{unknown_kept[0]}' is not a name flagged in this pack, so it cannot be kept. Nothing was written."
        )
    to_redact = [c.text for c in candidates if c.text.lower() not in kept] + list(redact)
    recipient = (recipient or "").strip() or f"{gathered.made_for} (subject access request)"
    pack = replace(redact_pack(gathered, to_redact), recipient=recipient)
    pdf = render_pack_pdf(pack)
    json_bytes = records.dumps_record_file(pack.document)
    stem = pack_file_stem(pack)
    pdf_path, json_path = out_dir / f"{stem}.pdf", out_dir / f"{stem}.json"
    what = (
        (
            "Subject access pack for one child's record"
            if pack.child
            else "Subject access pack for one person's record"
        )
        + ": details, support entries with earlier versions, referrals, information-sharing record and access audit"
    )
    written: list[Path] = []
    try:
        with unit_of_work(session.conn):
            now = assess_pack(session, ref, child, person=person)
            if now.fingerprint != gathered.assessment.fingerprint:
                raise document_review.ReviewRefused(
                    f"{gathered.family.ref}'s records changed while the pack was made: make it again. "
                    "Nothing was written."
                )
            document_review.record_decisions(
                session,
                gathered.assessment,
                choices,
                log_withheld=True,
                redacted=Redactor(to_redact).texts,
            )
            audit.record(
                session,
                audit.EXPORT,
                object_type="child" if pack.child else "family",
                object_id=pack.child.id if pack.child else pack.family.id,
                family_id=pack.family.id,
                detail=AUDIT_DETAIL,
            )
            info_sharing.record_share(
                session.conn,
                recipient=recipient,
                what=what,
                purpose="Right of access (UK GDPR Article 15): a copy of the personal data held",
                shared_on=session.clock.today(),
                now=session.clock.now(),
                recorded_by=session.user.id,
                lawful_basis=LawfulBasis.LEGAL_OBLIGATION,
                occasion=SharingOccasion.SUBJECT_ACCESS,
                family_id=pack.family.id,
                method="PDF and record file (JSON)",
                today=session.clock.today(),
            )
            if not out_dir.exists():
                ensure_private_dir(out_dir)
            for path, data in ((pdf_path, pdf.data), (json_path, json_bytes)):
                atomic_write(path, data)
                written.append(path)
    except OSError as exc:
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        raise AppError(
            f"Could not write the pack in {out_dir}: {exc.strerror or exc}. Nothing was written."
        ) from None
    exemptions = choices.exemptions
    return PackWritten(
        pdf=pdf_path,
        json=json_path,
        pages=pdf.pages,
        entries=len(pack.entries),
        referrals=len(pack.referrals),
        redactions=pack.redactions,
        redacted_texts=Redactor(to_redact).texts,
        restricted=sum(e.restricted for e in pack.entries) + sum(x.restricted for x in pack.referrals),
        made_for=pack.made_for,
        withheld=tuple((x, (exemptions.get(x.key) or x.exemption).label) for x in pack.withheld),
        put_back=len(pack.put_back),
        received_on=pack.received_on,
        due_on=pack.due_on,
    )


def review(
    session: Session,
    ref: str,
    child: str | None = None,
    *,
    person: str | None = None,
    include_staff: bool = False,
    choices: Choices | None = None,
) -> tuple[SubjectAccessPack, list[RedactionCandidate]]:
    """The pack as it stands (with the manager's choices) and the texts to consider redacting."""
    pack = gather_pack(session, ref, child, person=person, choices=choices)
    return pack, redaction_candidates(session, pack, include_staff=include_staff)


def review_file(
    session: Session,
    ref: str,
    target: Path,
    child: str | None = None,
    *,
    person: str | None = None,
    include_staff: bool = False,
) -> tuple[SubjectAccessPack, list[RedactionCandidate]]:
    """Write the review (withheld items with their exemptions, flagged names) as JSON; no pack is made."""
    pack, candidates = review(session, ref, child, person=person, include_staff=include_staff)
    document_review.write_review_file(
        target, document_review.review_document(pack.assessment, candidates=candidates)
    )
    return pack, candidates


def withheld_log(session: Session, ref: str) -> list[dict]:
    """The family's withheld log: every decision kept when a pack or summary was made (managers only)."""
    family = families.find_family(session, ref)
    return document_review.decisions(session, family.id)


__all__ = [
    "REDACTED",
    "PackWritten",
    "RedactionCandidate",
    "SubjectAccessPack",
    "gather_pack",
    "redact_pack",
    "redaction_candidates",
    "assess_pack",
    "review",
    "review_file",
    "withheld_log",
    "write_pack",
]

"""Bringing a setting's support spreadsheet into the casebook: read, check every row, then all or nothing.

The steps are the same in the app and on the command line:

1. :func:`read_table` reads the CSV as Excel saves it (UTF-8 with or without a byte-order mark, or
   Windows-1252, comma, semicolon or tab separated). Blank rows are skipped; row numbers are the ones
   the spreadsheet shows, so "row 7" is row 7 in Excel.
2. :func:`suggest_mapping` guesses which column is which and what the setting's own words mean.
3. :func:`plan_import` checks every row against the mapping and the casebook and lists each problem by
   row number and field. Nothing is written.
4. :func:`import_entries` writes every row in one transaction with one audit row, or, if any row has
   a problem, writes nothing and says why (fix the spreadsheet or the mapping and try again).

Families are matched by reference, a carer's or child's full name, or a surname ("Smith family"). A
family that is not in the casebook is a problem, not created: families carry details (opened date,
carers, children) a support spreadsheet does not hold, so staff add them first. Entries are recorded
as logged by the person importing.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from setting_app.domain import validation
from setting_app.domain.codes import ContactMode, Kind
from setting_app.domain.csv_mapping import (
    FIELD_LABELS,
    FIELDS,
    REQUIRED_FIELDS,
    CsvMapping,
    normalise_word,
    read_date,
    read_minutes,
    suggest_category,
    suggest_columns,
    suggest_kind,
)
from setting_app.domain.errors import ImportRejected, ValidationError
from setting_app.domain.models import Child, Family, NewEntry
from setting_app.services import audit
from setting_app.services.session import Session
from setting_app.storage import entry_repo, family_repo
from setting_app.storage.bounded_read import CSV_LIMIT, SMALL_JSON_LIMIT, InputRefused, read_bytes, read_text
from setting_app.storage.family_repo import FamilyFilter
from setting_app.storage.fsutil import write_private_file
from setting_app.storage.unit_of_work import unit_of_work

MAX_ROWS = 20_000
#: How many problems an error message quotes before saying "and N more".
PROBLEMS_IN_MESSAGE = 12

#: The short field names problems use ("Row 7, time spent: ...").
PROBLEM_FIELD = {
    "date": "date",
    "family": "family",
    "child": "child",
    "category": "area of support",
    "kind": "direct or indirect",
    "minutes": "time spent",
    "activity": "what was done",
    "note": "notes",
}


# --- reading the file ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvRow:
    number: int  # as the spreadsheet shows it (the heading row is usually 1)
    cells: dict[str, str]

    def get(self, heading: str | None) -> str:
        return self.cells.get(heading, "") if heading else ""


@dataclass(frozen=True)
class CsvTable:
    name: str
    encoding: str
    headings: tuple[str, ...]
    rows: tuple[CsvRow, ...]
    blank_rows: int = 0

    def distinct_words(self, heading: str | None) -> Counter[str]:
        """How often each (normalised) word appears in a column."""
        counts: Counter[str] = Counter()
        for row in self.rows:
            word = normalise_word(row.get(heading))
            if word:
                counts[word] += 1
        return counts


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise ImportRejected(
            f"{name} is an Excel workbook, not a CSV file. In Excel choose File, Save As, "
            "'CSV UTF-8 (Comma delimited)', then import the saved file."
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    else:
        try:
            text = data.decode("utf-8-sig")
            return text, "UTF-8 with BOM" if data.startswith(b"\xef\xbb\xbf") else "UTF-8"
        except UnicodeDecodeError:
            pass
        try:
            return data.decode("cp1252"), "Windows-1252"
        except UnicodeDecodeError:
            pass
    raise ImportRejected(f"{name} is not a text spreadsheet this app can read. Save it as CSV and try again.")


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _unique_headings(raw: list[str]) -> tuple[str, ...]:
    headings: list[str] = []
    for index, cell in enumerate(raw):
        heading = " ".join(cell.split()) or f"Column {index + 1}"
        candidate, n = heading, 2
        while candidate in headings:
            candidate, n = f"{heading} ({n})", n + 1
        headings.append(candidate)
    return tuple(headings)


def parse_table(data: bytes, name: str = "the spreadsheet") -> CsvTable:
    """A CSV file's rows keyed by heading, with spaces trimmed and blank rows skipped."""
    text, encoding = _decode(data, name)
    if "\x00" in text:
        raise ImportRejected(
            f"{name} is not a text spreadsheet this app can read. Save it as CSV and try again."
        )
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    headings: tuple[str, ...] | None = None
    rows: list[CsvRow] = []
    blank = 0
    try:
        for number, record in enumerate(reader, start=1):
            cells = [" ".join(c.replace("\u00a0", " ").split()) for c in record]
            if not any(cells):
                if headings is not None:
                    blank += 1
                continue
            if headings is None:
                headings = _unique_headings(cells)
                continue
            if len(rows) >= MAX_ROWS:
                raise ImportRejected(f"{name} has more than {MAX_ROWS} rows: split it and import each part.")
            rows.append(
                CsvRow(number, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(headings)})
            )
    except csv.Error as exc:
        raise ImportRejected(f"{name} could not be read as CSV near row {reader.line_num}: {exc}.") from None
    if headings is None:
        raise ImportRejected(f"{name} is empty.")
    return CsvTable(name, encoding, headings, tuple(rows), blank)


def read_table(path: Path) -> CsvTable:
    try:
        data = read_bytes(path, CSV_LIMIT)
    except InputRefused as exc:
        raise ImportRejected(str(exc)) from None
    except OSError:
        raise ImportRejected(f"{path} could not be opened (is it open in Excel?).") from None
    return parse_table(data, path.name)


def load_mapping(path: Path) -> CsvMapping:
    """A saved mapping file, read with a size bound (a folder, device or huge file is refused)."""
    path = Path(path)
    try:
        text = read_text(path, SMALL_JSON_LIMIT, "mapping file")
    except InputRefused as exc:
        raise ImportRejected(str(exc)) from None
    return CsvMapping.from_json(text, source=f"Mapping file {path.name}")


def save_mapping(mapping: CsvMapping, path: Path) -> None:
    """Write a mapping file, 0600 whatever the umask. Raises OSError."""
    write_private_file(Path(path), mapping.to_json().encode("utf-8"))


# --- the mapping step ------------------------------------------------------------------------------


def suggest_mapping(table: CsvTable, start: CsvMapping | None = None) -> CsvMapping:
    """``start`` (a saved mapping) kept as it is, with guesses for columns and words it does not cover.

    Every word found in the category and kind columns is listed; a word with no good guess is listed
    with no choice (``None``), so the person sees it and decides.
    """
    start = start or CsvMapping()
    columns = {f: h for f, h in start.columns.items() if h in table.headings}
    for name, heading in suggest_columns([h for h in table.headings if h not in columns.values()]).items():
        columns.setdefault(name, heading)
    categories = dict(start.categories)
    for word in table.distinct_words(columns.get("category")):
        if categories.get(word) is None:
            categories[word] = suggest_category(word)
    kinds = dict(start.kinds)
    for word in table.distinct_words(columns.get("kind")):
        if kinds.get(word) is None:
            kinds[word] = suggest_kind(word)
    return CsvMapping(columns, categories, kinds)


# --- checking ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    row: int  # 0: a problem with the mapping itself, not one row
    field: str
    problem: str

    def __str__(self) -> str:
        where = f"Row {self.row}, {self.field}" if self.row else self.field[:1].upper() + self.field[1:]
        return f"{where}: {self.problem}"


@dataclass(frozen=True)
class PlannedRow:
    row: int
    #: What the row will become, in words, for the preview (field -> text).
    shown: dict[str, str]
    entry: NewEntry | None


@dataclass(frozen=True)
class ImportPlan:
    table: CsvTable
    rows: tuple[PlannedRow, ...]
    problems: tuple[RowProblem, ...]

    @property
    def entries(self) -> list[NewEntry]:
        return [r.entry for r in self.rows if r.entry is not None]

    @property
    def ready(self) -> bool:
        return not self.problems and bool(self.rows)

    def problem_summary(self, limit: int = PROBLEMS_IN_MESSAGE) -> str:
        lines = [str(p) for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"... and {len(self.problems) - limit} more")
        return "\n".join(lines)


def _key(text: str) -> str:
    return " ".join(text.lower().split())


@dataclass
class _FamilyIndex:
    """Every family, findable by reference, a carer's or child's full name, or a surname."""

    by_ref: dict[str, Family] = field(default_factory=dict)
    by_name: dict[str, set[int]] = field(default_factory=dict)
    by_surname: dict[str, set[int]] = field(default_factory=dict)
    by_id: dict[int, Family] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> _FamilyIndex:
        index = cls()
        flt = FamilyFilter(status="all")
        total = family_repo.count_families(session.conn, flt)
        for row in family_repo.list_family_rows(session.conn, flt, offset=0, limit=max(total, 1)):
            family = row.family
            index.by_id[family.id] = family
            index.by_ref[_key(family.ref)] = family
            for name in [c.name for c in family.carers] + list(row.children):
                index.by_name.setdefault(_key(name), set()).add(family.id)
                if len(name.split()) > 1:
                    index.by_surname.setdefault(_key(name.split()[-1]), set()).add(family.id)
        return index

    def find(self, text: str) -> Family:
        key = _key(text)
        if key in self.by_ref:
            return self.by_ref[key]
        ids = self.by_name.get(key)
        surname = key.removeprefix("the ").removesuffix(" family").removesuffix(" household").strip()
        if not ids and (surname != key or " " not in key):  # "Smith family" or "Smith", not "Jo Smith"
            ids = self.by_surname.get(surname)
        if not ids:
            raise ValidationError(
                "family",
                f"no family with the reference or name '{text}' is in the casebook (add the family first)",
            )
        if len(ids) > 1:
            refs = ", ".join(sorted(self.by_id[i].ref for i in ids))
            raise ValidationError(
                "family", f"'{text}' matches more than one family ({refs}): use the reference"
            )
        return self.by_id[next(iter(ids))]


def _find_child(children: list[Child], text: str, family: Family) -> Child:
    wanted = _key(text)
    matches = [c for c in children if _key(c.key) == wanted or _key(c.name) == wanted]
    if not matches:
        matches = [c for c in children if _key(c.name).split()[:1] == [wanted]]
    if len(matches) != 1:
        names = ", ".join(c.name for c in children) or "none recorded"
        raise ValidationError(
            "child", f"family {family.ref} has no child called '{text}' (children: {names})"
        )
    return matches[0]


def _note(activity: str, note: str) -> str:
    return " - ".join(part for part in (activity, note) if part)


def _mapping_problems(table: CsvTable, mapping: CsvMapping) -> list[RowProblem]:
    problems = []
    for name in FIELDS:
        heading = mapping.column(name)
        if heading is None:
            if name in REQUIRED_FIELDS:
                problems.append(RowProblem(0, FIELD_LABELS[name], "choose the column that holds it"))
        elif heading not in table.headings:
            problems.append(
                RowProblem(0, FIELD_LABELS[name], f"the spreadsheet has no column headed '{heading}'")
            )
    used = [h for h in mapping.columns.values() if h]
    for heading in sorted({h for h in used if used.count(h) > 1}):
        problems.append(RowProblem(0, f"column '{heading}'", "is chosen for more than one field"))
    return problems


def plan_import(session: Session, table: CsvTable, mapping: CsvMapping) -> ImportPlan:
    """Check every row; return what would be saved and every problem, by row and field. Writes nothing."""
    problems = _mapping_problems(table, mapping)
    if problems:
        return ImportPlan(table, (), tuple(problems))
    checker = _RowChecker(session, mapping, _FamilyIndex.load(session))
    planned: list[PlannedRow] = []
    for row in table.rows:
        planned.append(checker.check(row))
        problems.extend(checker.problems)
    if not table.rows:
        problems.append(RowProblem(0, "spreadsheet", "has headings but no rows to import"))
    return ImportPlan(table, tuple(planned), tuple(problems))


class _RowChecker:
    """Turns one spreadsheet row into an entry, collecting every problem rather than stopping at one."""

    def __init__(self, session: Session, mapping: CsvMapping, families: _FamilyIndex) -> None:
        self.session = session
        self.mapping = mapping
        self.families = families
        self.today = session.clock.today()
        self.children_of: dict[int, list[Child]] = {}
        self.existing: dict[int, set[tuple]] = {}
        self.problems: list[RowProblem] = []
        self.row_number = 0

    def problem(self, error: ValidationError, field_name: str) -> None:
        self.problems.append(
            RowProblem(self.row_number, PROBLEM_FIELD.get(field_name, error.field), error.problem)
        )

    def children(self, family: Family) -> list[Child]:
        if family.id not in self.children_of:
            self.children_of[family.id] = family_repo.list_children(self.session.conn, family.id)
        return self.children_of[family.id]

    def check(self, row: CsvRow) -> PlannedRow:
        self.problems = []
        self.row_number = row.number
        session, mapping, families, today = self.session, self.mapping, self.families, self.today
        col = mapping.column
        problem = self.problem
        shown = {name: row.get(col(name)) for name in FIELDS}
        entry_date = family = child = choice = kind = minutes = None
        try:
            entry_date = read_date(row.get(col("date")), "date")
            shown["date"] = entry_date.strftime("%d/%m/%Y")
        except ValidationError as error:
            problem(error, "date")
        family_text = row.get(col("family"))
        try:
            if not family_text:
                raise ValidationError("family", "is empty")
            family = families.find(family_text)
            shown["family"] = family.ref
        except ValidationError as error:
            problem(error, "family")
        if family is not None and row.get(col("child")):
            kids = self.children(family)
            try:
                child = _find_child(kids, row.get(col("child")), family)
                shown["child"] = child.name
            except ValidationError as error:
                problem(error, "child")
        word = row.get(col("category"))
        if not word:
            problem(ValidationError("category", "is empty"), "category")
        else:
            choice = mapping.category_for(word)
            if choice is None:
                problem(
                    ValidationError(
                        "category",
                        f"'{word}' is not matched to an area yet: choose one for it in the mapping",
                    ),
                    "category",
                )
            else:
                kind = choice.kind
                shown["category"] = choice.domain.label(session.setting.nation)
        kind_word = row.get(col("kind"))
        if kind_word:
            kind = mapping.kind_for(kind_word)
            if kind is None:
                problem(
                    ValidationError(
                        "kind",
                        f"'{kind_word}' is not matched to direct or indirect yet: choose one in the mapping",
                    ),
                    "kind",
                )
        try:
            minutes = read_minutes(row.get(col("minutes")), "minutes")
            shown["minutes"] = str(minutes)
        except ValidationError as error:
            problem(error, "minutes")
        entry = None
        if choice is not None:
            effective: Kind = kind or choice.domain.default_kind
            shown["kind"] = effective.label
        if not self.problems and family is not None and choice is not None:
            try:
                entry = validation.check_new_entry(
                    NewEntry(
                        family_id=family.id,
                        entry_date=entry_date,
                        domain=choice.domain,
                        minutes=minutes,
                        kind=kind,
                        child_id=child.id if child else None,
                        staff_id=session.user.id,
                        contact_mode=ContactMode.IN_PERSON,
                        note=_note(row.get(col("activity")), row.get(col("note"))),
                    ),
                    family,
                    self.children(family),
                    today,
                )
            except ValidationError as error:  # the casebook's own rules: dates within the record...
                problem(error, error.field)
                entry = None
            if entry is not None:
                if family.id not in self.existing:
                    self.existing[family.id] = {
                        _same(e) for e in entry_repo.list_family_entries(session.conn, family.id)
                    }
                if _same(entry) in self.existing[family.id]:
                    self.problems.append(
                        RowProblem(
                            row.number, "row", "the casebook already has this entry (imported before?)"
                        )
                    )
                    entry = None
        return PlannedRow(row.number, shown, entry)


def _same(entry) -> tuple:
    """What makes two entries the same contact, for spotting a spreadsheet imported twice."""
    return (entry.entry_date, entry.domain, entry.minutes, entry.child_id, entry.note.strip())


# --- writing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    entries: int
    families: int
    first_date: date
    last_date: date


def import_entries(session: Session, table: CsvTable, mapping: CsvMapping) -> ImportResult:
    """Save every row, or nothing: one problem anywhere and the whole import is refused."""
    session.require_manager("import a spreadsheet")
    with unit_of_work(session.conn):
        plan = plan_import(session, table, mapping)
        if not plan.ready:
            count = len(plan.problems)
            raise ImportRejected(
                f"Nothing was imported: {table.name} has {count} problem{'s' if count != 1 else ''}. "
                "Fix them and import again.\n" + plan.problem_summary()
            )
        entries = plan.entries
        entry_repo.add_entries(session.conn, entries, session.clock.now())
        family_count = len({e.family_id for e in entries})
        audit.record(
            session,
            audit.CREATE,
            object_type="import",
            detail=f"{len(entries)} entries for {family_count} families from a spreadsheet",
        )
    return ImportResult(
        len(entries),
        family_count,
        min(e.entry_date for e in entries),
        max(e.entry_date for e in entries),
    )

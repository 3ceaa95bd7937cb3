"""The service directory: the outside services families are referred or signposted to.

Services are added by hand or imported from a local directory published in the Open Referral UK /
HSDS standard, as JSON (an API page or a saved export: a list of services, ``{"contents": [...]}``
or ``{"services": [...]}``, HSDS 3 and ORUK 1.x alike), as CSV tables (``services.csv`` with its
sibling tables), or as an HSDS data package (its ``datapackage.json``). Re-importing updates services by
their HSDS id rather than adding them again, and never touches the setting's own notes or a category a
person confirmed.

What an import keeps: descriptions as plain text (HTML converted, cut at a sentence with a note when
too long); the directory's contacts as contacts; a phone from any level (service, contact, location,
organisation); an address from the service's locations. Categories come only from the directory's own
taxonomy terms through a reviewed table (``domain/service_categories.py``); a service without such terms
is "to review" (shown as Other) with at most a suggestion, until a manager confirms it in the review
queue. Problems are counted by kind, with the full list available as a file.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from setting_app.domain import validation
from setting_app.domain.codes import Domain, Nation, ServiceCategory
from setting_app.domain.errors import AppError, ImportRejected, NotFound, ValidationError
from setting_app.domain.html_text import has_invisible, html_to_text, shorten, strip_invisible, tidy
from setting_app.domain.referrals import (
    CATEGORY_USUAL_DOMAIN,
    CategoryStatus,
    NewService,
    Service,
    ServiceContact,
    ServiceSource,
)
from setting_app.domain.service_categories import categories_from_terms, suggest_category
from setting_app.services.session import Session
from setting_app.storage import service_repo, setting_repo
from setting_app.storage.bounded_read import InputRefused, check_regular_file, read_text
from setting_app.storage.database import Connection
from setting_app.storage.fsutil import atomic_write
from setting_app.storage.unit_of_work import unit_of_work

MAX_DESCRIPTION = 4000
MAX_IMPORT_BYTES = 50 * 1024 * 1024

# ---------------------------------------------------------------- adding and changing by hand


def check_service(service: NewService) -> NewService:
    name = validation.require_text(service.name, "service name")
    email = (service.email or "").strip()
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise ValidationError("email", f"'{service.email}' is not an email address")
    phone = (service.phone or "").strip()
    if len(phone) > 60:
        raise ValidationError("phone", "is too long (at most 60 characters)")
    description = (service.description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise ValidationError("description", f"is too long (at most {MAX_DESCRIPTION} characters)")
    return replace(
        service,
        name=name,
        organisation=(service.organisation or "").strip()[:200],
        phone=phone,
        email=email,
        website=(service.website or "").strip()[:500],
        address=(service.address or "").strip()[:500],
        description=description,
        notes=validation.check_note(service.notes, "notes"),
        hsds_id=(service.hsds_id or "").strip() or None,
    )


def add_service(session: Session, service: NewService) -> Service:
    service = check_service(service)
    if service.domain is None:
        service = replace(service, domain=CATEGORY_USUAL_DOMAIN[service.category])
    with unit_of_work(session.conn):
        return service_repo.add_service(session.conn, service, ServiceSource.MANUAL, session.clock.now())


def update_service(session: Session, service_id: int, service: NewService) -> Service:
    service = check_service(service)
    with unit_of_work(session.conn):
        existing = get_service(session, service_id)
        # The HSDS id links the entry to its directory, and the directory's terms and contacts come with
        # it; editing by hand keeps them. Choosing a category confirms it; leaving a service to review
        # at Other while changing something else leaves it to review.
        keep_review = existing.to_review and service.category is existing.category
        service = replace(
            service,
            hsds_id=existing.hsds_id,
            taxonomy_terms=existing.taxonomy_terms,
            contacts=existing.contacts,
            category_status=existing.category_status if keep_review else CategoryStatus.CONFIRMED,
            suggested_category=existing.suggested_category if keep_review else None,
            suggestion_reason=existing.suggestion_reason if keep_review else "",
        )
        return service_repo.update_service(session.conn, service_id, service, session.clock.now())


def get_service(session: Session, service_id: int) -> Service:
    service = service_repo.get_service(session.conn, service_id)
    if service is None:
        raise NotFound(f"There is no service #{service_id} in the directory.")
    return service


def list_services(
    session: Session,
    *,
    search: str = "",
    category: ServiceCategory | None = None,
    active_only: bool = False,
) -> list[Service]:
    return service_repo.list_services(session.conn, search=search, category=category, active_only=active_only)


def find_service(session: Session, name: str) -> Service | None:
    """The directory entry with exactly this name (ignoring case), None if there is none."""
    matches = service_repo.find_services_by_name(session.conn, name)
    active = [s for s in matches if s.active] or matches
    if len(active) > 1:
        organisations = ", ".join(s.organisation or f"#{s.id}" for s in active)
        raise ValidationError(
            "service", f"the directory has {len(active)} services called '{name}' ({organisations})"
        )
    return active[0] if active else None


def service_for_referral(
    conn: Connection, name: str, category: ServiceCategory, domain: Domain, now: datetime
) -> Service:
    """The directory entry a referral to ``name`` points at, added to the directory if it is new."""
    matches = service_repo.find_services_by_name(conn, name)
    same_category = [s for s in matches if s.category is category]
    if same_category:
        return same_category[0]
    if matches:
        return matches[0]
    return service_repo.add_service(
        conn, NewService(name=name.strip(), category=category, domain=domain), ServiceSource.REFERRAL, now
    )


def setting_nation(session: Session) -> Nation:
    """The setting's nation, for category labels in its words (ASN support in Scotland)."""
    return setting_repo.get_setting(session.conn).nation


# ---------------------------------------------------------------- the review queue


def count_to_review(session: Session) -> int:
    return service_repo.count_to_review(session.conn)


def review_queue(session: Session) -> list[Service]:
    """Services whose category nobody has placed yet, for a manager to confirm."""
    return service_repo.list_services(session.conn, to_review=True, limit=100_000)


def confirm_categories(
    session: Session, service_ids: Iterable[int], category: ServiceCategory | None = None
) -> list[Service]:
    """Confirm the category of each service: ``category`` for all of them, or, when it is None, each
    one's own suggestion. All or nothing; a confirmed category is kept by later imports."""
    session.require_manager("confirm service categories")
    category = ServiceCategory(category) if category is not None else None
    ids = list(dict.fromkeys(service_ids))
    if not ids:
        raise ValidationError("services", "choose at least one service")
    now = session.clock.now()
    with unit_of_work(session.conn):
        services = [get_service(session, i) for i in ids]
        if category is None:
            missing = [s for s in services if s.suggested_category is None]
            if missing:
                names = ", ".join(f"#{s.id} {s.name}" for s in missing[:5])
                more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
                raise ValidationError(
                    "category", f"no suggestion to accept for {names}{more}: choose their category"
                )
        for s in services:
            chosen = category if category is not None else s.suggested_category
            assert chosen is not None
            domain = s.domain if chosen is s.category and s.domain else CATEGORY_USUAL_DOMAIN[chosen]
            service_repo.set_category(session.conn, s.id, chosen, domain, now)
        return [get_service(session, i) for i in ids]


# ---------------------------------------------------------------- reading HSDS files

#: What a description cut to fit says about itself.
SHORTENED_NOTE = "[Shortened here: the directory's description is {length:,} characters long.]"
MAX_CONTACTS = 20
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class ImportProblem:
    """Something about one record of a directory file: ``skipped`` when the record was not used."""

    item: str
    reason: str
    skipped: bool = True

    @property
    def line(self) -> str:
        return f"{'skipped' if self.skipped else 'note'}: {self.item}: {self.reason}"


@dataclass
class ParsedDirectory:
    services: list[NewService] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def skipped(self) -> list[str]:
        return [f"{p.item}: {p.reason}" for p in self.problems if p.skipped]


def _text(value: object) -> str:
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, int | float | str):
        return str(value).strip()
    return ""


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _dicts(value: object) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _first(*values: str) -> str:
    return next((v for v in values if v), "")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def clean_description(raw: str) -> tuple[str, bool]:
    """Plain text from a directory's description (HTML converted, entities decoded), cut at a sentence
    with a note saying so when it is longer than the casebook keeps. True when it was cut."""
    text = html_to_text(raw)
    return shorten(text, MAX_DESCRIPTION, SHORTENED_NOTE.format(length=len(text)))


def clean_phone(raw: str) -> str:
    """A phone number as published, without the quotes and spaces some exports wrap it in."""
    text = tidy(html_to_text(raw)).replace("\n", " ")
    return text.strip().strip("\"'").strip()


def _phone(p: dict) -> str:
    number = clean_phone(_text(p.get("number")))
    extension = clean_phone(_text(p.get("extension")))
    if number and extension:
        number = f"{number} ext. {extension}"
    return number if 0 < len(number) <= 60 else ""


def _email(value: str) -> str:
    value = value.strip().removeprefix("mailto:").strip()
    ok = _EMAIL.fullmatch(value) and len(value) <= 254 and not has_invisible(value)
    return value if ok else ""


_ADDRESS_PARTS = (
    "address_1",
    "address_2",
    "address_3",
    "address_4",
    "city",
    "state_province",
    "postal_code",
    "postcode",
)


def _address(addr: dict) -> str:
    parts = [clean_phone(_text(addr.get(k))) for k in _ADDRESS_PARTS]
    seen: list[str] = []
    for part in parts:
        if part and part.lower() not in (s.lower() for s in seen):
            seen.append(part)
    return ", ".join(seen)


def _best_address(addresses: Iterable[dict]) -> str:
    """A physical address before a postal one."""
    ranked = sorted(addresses, key=lambda a: _text(a.get("address_type")).lower() not in ("", "physical"))
    return _first(*(_address(a) for a in ranked))


def _website(value: str) -> str:
    """A web address as published; other schemes (``javascript:``, ``file:``) and text with spaces are not
    web addresses."""
    value = value.strip()
    if not value or re.search(r"\s", value) or has_invisible(value):
        return ""
    if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", value) and not value.lower().startswith(("http://", "https://")):
        return ""
    return _clip(value, 500)


def _is_active(status: str) -> bool:
    return status.lower() in ("", "active")


def _contact(data: dict, phones: Iterable[str] = ()) -> ServiceContact | None:
    phone = _first(*(_phone(p) for p in _dicts(data.get("phones"))), *phones)
    contact = ServiceContact(
        name=_clip(html_to_text(_text(data.get("name"))).replace("\n", " "), 200),
        title=_clip(html_to_text(_text(data.get("title"))).replace("\n", " "), 200),
        phone=phone,
        email=_email(_text(data.get("email"))),
    )
    return contact if (contact.name or contact.title or contact.phone or contact.email) else None


def _unique(contacts: Iterable[ServiceContact | None]) -> tuple[ServiceContact, ...]:
    out: list[ServiceContact] = []
    for c in contacts:
        if c is not None and c not in out:
            out.append(c)
    return tuple(out[:MAX_CONTACTS])


def _categorise(
    lookup: Iterable[str], terms: tuple[str, ...], name: str, description: str
) -> dict[str, object]:
    """The category fields for a service: from the directory's terms when the reviewed table places
    them in one category; otherwise to review, with a suggestion only on strong evidence."""
    found = categories_from_terms(lookup)
    if len(found) == 1:
        category = next(iter(found))
        return {
            "category": category,
            "domain": CATEGORY_USUAL_DOMAIN[category],
            "category_status": CategoryStatus.DIRECTORY,
        }
    suggestion = suggest_category(name, description, terms)
    if found and (suggestion is None or suggestion.category not in found):
        suggestion = None
    return {
        "category": ServiceCategory.OTHER,
        "domain": None,
        "category_status": CategoryStatus.TO_REVIEW,
        "suggested_category": suggestion.category if suggestion else None,
        "suggestion_reason": suggestion.reason if suggestion else "",
    }


class _Builder:
    """Turns one directory record into a NewService, noting what had to be changed on the way."""

    def __init__(self, parsed: ParsedDirectory) -> None:
        self.parsed = parsed

    def add(
        self,
        where: str,
        hsds_id: str,
        name: str,
        *,
        organisation: str,
        description: str,
        lookup: Iterable[str],
        terms: Iterable[str],
        phones: Iterable[str],
        emails: Iterable[str],
        website: str,
        address: str,
        status: str,
        contacts: Iterable[ServiceContact | None],
    ) -> None:
        name = html_to_text(name).replace("\n", " ")
        hsds_id = strip_invisible(hsds_id).strip()
        if not hsds_id or not name:
            self.parsed.problems.append(ImportProblem(where, f"has no {'id' if not hsds_id else 'name'}"))
            return
        label = f"{name} ({hsds_id})"
        if len(hsds_id) > 200:
            self.parsed.problems.append(ImportProblem(where, "its id is longer than 200 characters"))
            return
        if len(name) > 200:
            name = _clip(name, 200)
            self.parsed.problems.append(
                ImportProblem(label, "name longer than 200 characters, shortened", skipped=False)
            )
        text, cut = clean_description(description)
        if cut:
            self.parsed.problems.append(
                ImportProblem(
                    label, f"description shortened to {MAX_DESCRIPTION:,} characters", skipped=False
                )
            )
        raw_emails = [e for e in emails if e]
        email = _first(*(_email(e) for e in raw_emails))
        if raw_emails and not email:
            self.parsed.problems.append(
                ImportProblem(label, "an email that is not an email address was left out", skipped=False)
            )
        terms = tuple(
            dict.fromkeys(_clip(c, 200) for t in terms if (c := html_to_text(t).replace("\n", " ")))
        )[:50]
        self.parsed.services.append(
            NewService(
                name=name,
                organisation=_clip(html_to_text(organisation).replace("\n", " "), 200),
                phone=_first(*phones),
                email=email,
                website=_website(website),
                address=_clip(address, 500),
                description=text,
                hsds_id=hsds_id,
                active=_is_active(status),
                taxonomy_terms=terms,
                contacts=_unique(contacts),
                **_categorise([*lookup, *terms], terms, name, text),  # type: ignore[arg-type]
            )
        )


def _json_terms(service: dict) -> tuple[list[str], list[str]]:
    """(every name, code and id to look up in the reviewed table, the term names to show)."""
    lookup: list[str] = []
    names: list[str] = []

    def add(term: dict) -> None:
        name = _first(_text(term.get("name")), _text(term.get("term")))
        names.append(name)
        lookup.extend([name, _text(term.get("code")), _text(term.get("id"))])

    for link in _dicts(service.get("service_taxonomys")):  # Open Referral UK 1.x
        add(_dict(link.get("taxonomy")))
    for attribute in _dicts(service.get("attributes")):  # HSDS 3 / UK profile 3
        add(_dict(attribute.get("taxonomy_term")))
    for term in _dicts(service.get("taxonomy_terms")):
        add(term)
    return [t for t in lookup if t], [n for n in names if n]


def _locations(service: dict) -> list[tuple[dict, dict]]:
    """(service_at_location, location) pairs; a bare HSDS 3 ``locations`` list is read too."""
    pairs = [(sal, _dict(sal.get("location"))) for sal in _dicts(service.get("service_at_locations"))]
    pairs += [({}, loc) for loc in _dicts(service.get("locations"))]
    return pairs


def _json_phones(service: dict, organisation: dict) -> list[str]:
    """Phones from any level: the service, its contacts, its locations and their contacts, then the
    organisation and its contacts."""
    found = [_phone(p) for p in _dicts(service.get("phones"))]
    for contact in _dicts(service.get("contacts")):
        found += [_phone(p) for p in _dicts(contact.get("phones"))]
    for sal, location in _locations(service):
        for holder in (sal, location):
            found += [_phone(p) for p in _dicts(holder.get("phones"))]
            for contact in _dicts(holder.get("contacts")):
                found += [_phone(p) for p in _dicts(contact.get("phones"))]
    found += [_phone(p) for p in _dicts(organisation.get("phones"))]
    for contact in _dicts(organisation.get("contacts")):
        found += [_phone(p) for p in _dicts(contact.get("phones"))]
    return [p for p in found if p]


def _json_address(service: dict) -> str:
    names = []
    for _sal, location in _locations(service):
        for key in ("physical_addresses", "addresses", "postal_addresses"):
            text = _best_address(_dicts(location.get(key)))
            if text:
                return text
        names.append(_text(location.get("name")))
    return _first(*names)


def _json_contacts(service: dict) -> list[ServiceContact | None]:
    contacts = [_contact(c) for c in _dicts(service.get("contacts"))]
    for sal, location in _locations(service):
        for holder in (sal, location):
            contacts += [_contact(c) for c in _dicts(holder.get("contacts"))]
    return contacts


def _json_services(data: object) -> tuple[list[dict], dict[str, dict]]:
    """The service objects in a parsed JSON document, and any top-level organisations by id."""
    organisations: dict[str, dict] = {}
    if isinstance(data, dict):
        for org in _dicts(data.get("organizations")):
            organisations[_text(org.get("id"))] = org
        for key in ("contents", "content", "services", "items", "data"):
            if isinstance(data.get(key), list):
                return _dicts(data[key]), organisations
        if "id" in data and "name" in data and "services" not in data:
            return [data], organisations
        if organisations:
            services = [
                dict(s, organization=org)
                for org in organisations.values()
                for s in _dicts(org.get("services"))
            ]
            return services, organisations
        raise ImportRejected(
            "This JSON file is not a service directory: it has no list of services "
            "(expected an Open Referral UK export)."
        )
    if isinstance(data, list):
        return _dicts(data), organisations
    raise ImportRejected("This JSON file is not a service directory (expected an Open Referral UK export).")


def parse_hsds_json(data: object) -> ParsedDirectory:
    services, organisations = _json_services(data)
    parsed = ParsedDirectory()
    builder = _Builder(parsed)
    for index, service in enumerate(services, start=1):
        org = service.get("organization")
        if not isinstance(org, dict):
            org = organisations.get(_text(service.get("organization_id")), {})
        lookup, names = _json_terms(service)
        contacts = _json_contacts(service)
        builder.add(
            f"service {index}",
            _text(service.get("id")),
            _text(service.get("name")),
            organisation=_text(org.get("name")),
            description=_text(service.get("description")),
            lookup=lookup,
            terms=names,
            phones=_json_phones(service, org),
            emails=[_text(service.get("email")), *(c.email for c in contacts if c), _text(org.get("email"))],
            website=_first(
                _text(service.get("url")),
                _text(service.get("website")),
                _text(org.get("website")),
                _text(org.get("url")),
            ),
            address=_json_address(service),
            status=_text(service.get("status")),
            contacts=contacts,
        )
    return parsed


# ---------------------------------------------------------------- CSV tables and data packages


def _read_csv(path: Path) -> list[dict[str, str]]:
    # A field may be as long as the file may be (the csv module's own limit, 128 KB, would refuse a whole
    # directory for one long description that the JSON reader takes and shortens).
    csv.field_size_limit(max(csv.field_size_limit(), MAX_IMPORT_BYTES))
    try:
        text = read_text(path, MAX_IMPORT_BYTES, encoding="utf-8-sig")
        return [
            {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
            for row in csv.DictReader(io.StringIO(text, newline=""))
        ]
    except InputRefused as exc:
        raise ImportRejected(str(exc)) from None
    except UnicodeDecodeError:
        raise ImportRejected(f"{path.name} is not UTF-8 text; save it as CSV UTF-8 and try again.") from None
    except csv.Error as exc:
        raise ImportRejected(f"{path.name} could not be read as CSV ({exc}).") from None
    except OSError as exc:
        raise ImportRejected(f"{path.name} could not be read ({exc.strerror or exc}).") from None


#: The tables read, each under every name HSDS 1, HSDS 3 and Open Referral UK exports give it.
_TABLES: dict[str, tuple[str, ...]] = {
    "services": ("services",),
    "organizations": ("organizations", "organisations", "organization", "organisation"),
    "phones": ("phones", "phone"),
    "contacts": ("contacts", "contact"),
    "attributes": ("attributes", "attribute"),
    "taxonomy_terms": ("taxonomy_terms", "taxonomy_term"),
    "service_taxonomy": ("service_taxonomy", "service_taxonomys", "services_taxonomy", "service_taxonomies"),
    "taxonomy": ("taxonomy", "taxonomies"),
    "service_at_location": (
        "service_at_location",
        "service_at_locations",
        "services_at_location",
        "services_at_locations",
    ),
    "locations": ("locations", "location"),
    "addresses": ("physical_addresses", "addresses", "address", "physical_address", "postal_addresses"),
}


def _package_resources(descriptor: Path) -> dict[str, Path]:
    """The CSV files a ``datapackage.json`` lists, by resource name and by file stem; only files inside
    the package's own folder."""
    try:
        data = json.loads(read_text(descriptor, MAX_IMPORT_BYTES, encoding="utf-8-sig"))
    except (InputRefused, UnicodeDecodeError, ValueError, RecursionError, OSError):
        raise ImportRejected(f"{descriptor.name} is not a readable data package descriptor.") from None
    folder = descriptor.parent.resolve()
    found: dict[str, Path] = {}
    for resource in _dicts(_dict(data).get("resources")):
        rel = _text(resource.get("path"))
        if not rel or "://" in rel:
            continue
        path = (folder / rel).resolve()
        if not path.is_relative_to(folder) or not path.is_file():
            continue
        found.setdefault(path.stem.lower(), path)
        name = _text(resource.get("name")).lower()
        if name:
            found.setdefault(name, path)
    return found


def parse_hsds_csv(folder: Path, resources: dict[str, Path] | None = None) -> ParsedDirectory:
    """An HSDS / Open Referral UK CSV export: ``services.csv`` with, when present, organisations,
    phones, contacts, taxonomy terms (HSDS 3 ``attributes`` + ``taxonomy_terms``, or HSDS 1
    ``services_taxonomy`` + ``taxonomy``) and addresses (``service_at_location`` or
    ``services_at_location``, ``locations`` and ``physical_addresses`` / ``addresses``)."""

    def table_path(kind: str) -> Path | None:
        for name in _TABLES[kind]:
            if resources and name in resources:
                return resources[name]
            if (folder / f"{name}.csv").is_file():
                return folder / f"{name}.csv"
        return None

    services_csv = table_path("services")
    if services_csv is None:
        raise ImportRejected(f"There is no services.csv in {folder}.")
    rows = _read_csv(services_csv)
    if rows and not {"id", "name"} <= set(rows[0]):
        raise ImportRejected(
            "services.csv needs 'id' and 'name' columns (an Open Referral UK services table)."
        )

    def table(kind: str) -> list[dict[str, str]]:
        path = table_path(kind)
        return _read_csv(path) if path else []

    organisations = {o.get("id", ""): o for o in table("organizations")}
    service_ids = {r.get("id", "") for r in rows}
    sal_service: dict[str, str] = {}
    services_at: dict[str, list[str]] = defaultdict(list)
    for sal in table("service_at_location"):
        if sal.get("service_id"):
            sal_service[sal.get("id", "")] = sal["service_id"]
            services_at[sal.get("location_id", "")].append(sal["service_id"])
    contact_rows = table("contacts")
    contact_service = {
        c.get("id", ""): _first(
            c.get("service_id", ""), sal_service.get(c.get("service_at_location_id", ""), "")
        )
        for c in contact_rows
    }

    # Phones, by the most direct link each has: service, contact, service-at-location, location, organisation.
    phones: dict[str, list[str]] = defaultdict(list)
    later_phones: dict[str, list[str]] = defaultdict(list)
    org_phones: dict[str, list[str]] = defaultdict(list)
    contact_phones: dict[str, list[str]] = defaultdict(list)
    for row in table("phones"):
        number = _phone(row)
        if not number:
            continue
        if row.get("contact_id"):
            contact_phones[row["contact_id"]].append(number)
        if row.get("service_id") and row["service_id"] in service_ids:
            phones[row["service_id"]].append(number)
        elif contact_service.get(row.get("contact_id", "")):
            later_phones[contact_service[row["contact_id"]]].append(number)
        elif sal_service.get(row.get("service_at_location_id", "")):
            later_phones[sal_service[row["service_at_location_id"]]].append(number)
        elif row.get("location_id") and row["location_id"] in services_at:
            for sid in services_at[row["location_id"]]:
                later_phones[sid].append(number)
        elif row.get("organization_id"):
            org_phones[row["organization_id"]].append(number)

    contacts: dict[str, list[ServiceContact | None]] = defaultdict(list)
    for c in contact_rows:
        sid = contact_service.get(c.get("id", ""), "")
        if sid:
            contacts[sid].append(_contact(dict(c), contact_phones.get(c.get("id", ""), [])))

    terms: dict[str, list[str]] = defaultdict(list)
    lookups: dict[str, list[str]] = defaultdict(list)
    term_rows = {t.get("id", ""): t for t in table("taxonomy_terms")}
    for attribute in table("attributes"):
        if (
            attribute.get("link_entity", "service") in ("", "service")
            or attribute.get("link_type") == "service"
        ):
            term = term_rows.get(attribute.get("taxonomy_term_id", ""), {})
            sid = attribute.get("link_id", "")
            terms[sid].append(_first(term.get("name", ""), term.get("term", "")))
            lookups[sid] += [term.get("name", ""), term.get("code", ""), term.get("id", "")]
    old_terms = {t.get("id", ""): t for t in table("taxonomy")}
    for link in table("service_taxonomy"):
        term = old_terms.get(link.get("taxonomy_id", ""), {})
        sid = link.get("service_id", "")
        terms[sid].append(term.get("name", ""))
        lookups[sid] += [term.get("name", ""), link.get("taxonomy_id", "")]
    for row in rows:  # HSDS 1 may list term ids on the service itself
        for tid in re.split(r"[,;|]", row.get("taxonomy_ids", "")):
            term = old_terms.get(tid.strip())
            if term:
                terms[row.get("id", "")].append(term.get("name", ""))
                lookups[row.get("id", "")].append(term.get("name", ""))

    by_location: dict[str, list[dict]] = defaultdict(list)
    for a in table("addresses"):
        by_location[a.get("location_id", "")].append(a)
    location_names = {loc.get("id", ""): loc.get("name", "") for loc in table("locations")}
    addresses: dict[str, str] = {}
    for location_id, sids in services_at.items():
        text = _best_address(by_location.get(location_id, [])) or location_names.get(location_id, "")
        for sid in sids:
            if text:
                addresses.setdefault(sid, text)

    parsed = ParsedDirectory()
    builder = _Builder(parsed)
    for line, row in enumerate(rows, start=2):
        hsds_id = row.get("id", "")
        org = organisations.get(row.get("organization_id", ""), {})
        builder.add(
            f"{services_csv.name} line {line}",
            hsds_id,
            row.get("name", ""),
            organisation=org.get("name", ""),
            description=row.get("description", ""),
            lookup=lookups.get(hsds_id, []),
            terms=[t for t in terms.get(hsds_id, []) if t],
            phones=[
                *phones.get(hsds_id, []),
                *later_phones.get(hsds_id, []),
                *org_phones.get(org.get("id", ""), []),
            ],
            emails=[
                row.get("email", ""),
                *(c.email for c in contacts.get(hsds_id, []) if c),
                org.get("email", ""),
            ],
            website=_first(
                row.get("url", ""), row.get("website", ""), org.get("url", ""), org.get("website", "")
            ),
            address=addresses.get(hsds_id, ""),
            status=row.get("status", ""),
            contacts=contacts.get(hsds_id, []),
        )
    return parsed


def _is_package_descriptor(data: object) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("resources"), list)
        and not any(
            isinstance(data.get(k), list) for k in ("contents", "content", "services", "items", "data")
        )
    )


def parse_directory(path: Path) -> ParsedDirectory:
    """Read a JSON file, a services.csv (with its sibling files), a data package's ``datapackage.json``,
    or a folder holding one of them."""
    path = Path(path)
    if path.is_dir():
        if (path / "datapackage.json").is_file():
            path = path / "datapackage.json"
        elif (path / "services.csv").is_file():
            return parse_hsds_csv(path)
        else:
            json_files = sorted(path.glob("*.json"))
            if len(json_files) != 1:
                raise ImportRejected(f"{path} holds no services.csv and no single JSON file to import.")
            path = json_files[0]
    if not path.is_file():
        try:  # a device, FIFO or missing name, said as it is
            check_regular_file(path)
        except InputRefused as exc:
            raise ImportRejected(str(exc)) from None
        raise ImportRejected(f"There is no file {path}.")
    if path.suffix.lower() == ".csv":
        if path.name.lower() != "services.csv":
            raise ImportRejected(
                "Choose the services.csv of the directory export (organizations.csv must sit beside it)."
            )
        return parse_hsds_csv(path.parent)
    try:
        if check_regular_file(path).st_size > MAX_IMPORT_BYTES:
            raise ImportRejected(f"{path.name} is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB.")
        data = json.loads(read_text(path, MAX_IMPORT_BYTES, encoding="utf-8-sig"))
    except InputRefused as exc:
        raise ImportRejected(str(exc)) from None
    except RecursionError:
        raise ImportRejected(f"{path.name} is not usable: its JSON is nested too deeply.") from None
    except UnicodeDecodeError:
        raise ImportRejected(f"{path.name} is not UTF-8 text.") from None
    except json.JSONDecodeError as exc:
        raise ImportRejected(
            f"{path.name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    except ValueError as exc:  # a number too long to read (Python's 4,300-digit limit)
        raise ImportRejected(f"{path.name} is not valid JSON ({exc}).") from None
    if _is_package_descriptor(data):
        resources = _package_resources(path)
        if (
            not any(name in resources for name in _TABLES["services"])
            and not (path.parent / "services.csv").is_file()
        ):
            raise ImportRejected(f"The data package {path.name} lists no services table (services.csv).")
        return parse_hsds_csv(path.parent, resources)
    return parse_hsds_json(data)


# ---------------------------------------------------------------- importing


@dataclass(frozen=True)
class ImportSummary:
    added: int
    updated: int
    unchanged: int
    problems: tuple[ImportProblem, ...] = ()
    #: Services imported (or still) waiting for a manager to confirm their category.
    to_review: int = 0

    @property
    def skipped(self) -> tuple[str, ...]:
        return tuple(f"{p.item}: {p.reason}" for p in self.problems if p.skipped)

    @property
    def message(self) -> str:
        text = f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"
        if self.skipped:
            text += f", {len(self.skipped)} skipped"
        if self.to_review:
            text += f"; {self.to_review} to review (category not given by the directory)"
        return text

    def problem_summary(self) -> list[str]:
        """One line per kind of problem, counted: '127 services skipped: the id X appears more than once'."""
        counts: dict[tuple[bool, str], list[ImportProblem]] = {}
        for p in self.problems:
            counts.setdefault((p.skipped, p.reason), []).append(p)
        lines = []
        for (skipped, reason), items in counts.items():
            if len(items) == 1:
                lines.append(f"{'skipped' if skipped else 'note'}: {items[0].item}: {reason}")
            else:
                what = "services skipped" if skipped else "services"
                lines.append(f"{len(items)} {what}: {reason}")
        return lines

    def problem_lines(self) -> list[str]:
        """Every problem, one a line, for the file a manager asks for."""
        return [p.line for p in self.problems]


def save_problem_list(session: Session, summary: ImportSummary, target: Path) -> Path:
    """Write every problem of an import to ``target`` (a text file), whole or not at all."""
    target = Path(target).expanduser()
    session.check_output_path(target)
    text = "".join(f"{line}\n" for line in summary.problem_lines())
    try:
        atomic_write(target, text.encode("utf-8"))
    except OSError as exc:
        raise AppError(f"Could not write {target}: {exc.strerror or exc}. Nothing was written.") from None
    return target


def _merge(incoming: NewService, existing: Service) -> NewService:
    """What an import makes of a service already here: the setting's notes are kept, and so is a category
    a person confirmed."""
    merged = replace(incoming, notes=existing.notes)
    if existing.category_status is CategoryStatus.CONFIRMED:
        merged = replace(
            merged,
            category=existing.category,
            domain=existing.domain,
            category_status=CategoryStatus.CONFIRMED,
            suggested_category=None,
            suggestion_reason="",
        )
    return merged


def import_directory(session: Session, path: Path) -> ImportSummary:
    """Bring a published directory into the casebook's service directory, in one transaction.

    A service already imported (same HSDS id) is updated; one added by hand or from a referral with
    the same name and no HSDS id is linked to the directory entry. The setting's notes are kept, and
    so is a category a person confirmed.
    """
    session.require_manager("import a service directory")
    parsed = parse_directory(path)
    if not parsed.services:
        reasons = "; ".join(parsed.skipped[:3])
        raise ImportRejected(f"No usable services found in {Path(path).name}. {reasons}".strip())
    problems = list(parsed.problems)
    added = updated = unchanged = 0
    now = session.clock.now()
    seen: set[str] = set()
    with unit_of_work(session.conn):
        for incoming in parsed.services:
            assert incoming.hsds_id is not None
            if incoming.hsds_id in seen:
                problems.append(
                    ImportProblem(
                        incoming.name,
                        f"the id {incoming.hsds_id} appears more than once (the first was used)",
                    )
                )
                continue
            seen.add(incoming.hsds_id)
            try:
                incoming = check_service(incoming)
            except ValidationError as exc:
                problems.append(ImportProblem(f"{incoming.name} ({incoming.hsds_id})", str(exc)))
                continue
            existing = service_repo.get_service_by_hsds_id(session.conn, incoming.hsds_id)
            if existing is None:
                existing = next(
                    (
                        s
                        for s in service_repo.find_services_by_name(session.conn, incoming.name)
                        if not s.hsds_id
                    ),
                    None,
                )
            if existing is None:
                service_repo.add_service(session.conn, incoming, ServiceSource.IMPORT, now)
                added += 1
                continue
            merged = _merge(incoming, existing)
            if merged == existing.as_new():
                unchanged += 1
                continue
            service_repo.update_service(session.conn, existing.id, merged, now, source=ServiceSource.IMPORT)
            updated += 1
        to_review = service_repo.count_to_review(session.conn)
    return ImportSummary(added, updated, unchanged, tuple(problems), to_review)

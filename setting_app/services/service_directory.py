"""The service directory: the outside services families are referred or signposted to.

Services are added by hand or imported from a local directory published in the Open Referral UK /
HSDS standard, as JSON (an API page or a saved export: a list of services, ``{"contents": [...]}``
or ``{"services": [...]}``) or as CSV (``services.csv`` and ``organizations.csv``, optionally
``phones.csv`` and taxonomy files). Re-importing updates services by their HSDS id rather than
adding them again, and never touches the setting's own notes.
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
from setting_app.domain.codes import Domain, ServiceCategory
from setting_app.domain.errors import ImportRejected, NotFound, ValidationError
from setting_app.domain.referrals import CATEGORY_USUAL_DOMAIN, NewService, Service, ServiceSource
from setting_app.services.session import Session
from setting_app.storage import service_repo
from setting_app.storage.bounded_read import InputRefused, check_regular_file, read_text
from setting_app.storage.database import Connection
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
        # The HSDS id links the entry to its directory; editing by hand keeps it.
        service = replace(service, hsds_id=existing.hsds_id)
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


# ---------------------------------------------------------------- categories from a directory

#: Most specific first: the first category whose pattern matches wins.
CATEGORY_KEYWORDS: tuple[tuple[ServiceCategory, tuple[str, ...]], ...] = (
    (ServiceCategory.DOMESTIC_ABUSE, (r"domestic (abuse|violence)", r"\brefuge\b", r"\bidva\b", r"coercive")),
    (
        ServiceCategory.SOCIAL_CARE,
        (r"social care", r"social work", r"\bmash\b", r"child protection", r"children'?s services"),
    ),
    (
        ServiceCategory.MENTAL_HEALTH,
        (
            r"mental health",
            r"perinatal",
            r"counsell?ing",
            r"talking therap",
            r"\biapt\b",
            r"postnatal depression",
        ),
    ),
    (
        ServiceCategory.SPEECH_LANGUAGE,
        (r"speech", r"language therap", r"\bsalt\b", r"\bslt\b", r"communication (difficult|needs|therap)"),
    ),
    (
        ServiceCategory.SEND_SUPPORT,
        (
            r"\bsend\b",
            r"\bsenco\b",
            r"\bportage\b",
            r"educational psycholog",
            r"special educational",
            r"disabilit",
            r"\bautis",
            r"\basn\b",
            r"additional support needs",
        ),
    ),
    (
        ServiceCategory.HEALTH_VISITING,
        (r"health visit", r"\b0 ?(-|to) ?19\b", r"healthy child", r"public health nurs"),
    ),
    (
        ServiceCategory.GP_PRIMARY_CARE,
        (r"\bgps?\b", r"general practi", r"primary care", r"medical (practice|centre)", r"\bsurgery\b"),
    ),
    (
        ServiceCategory.EARLY_HELP,
        (r"early help", r"family support (worker|service|team)", r"supporting families", r"\bgirfec\b"),
    ),
    (ServiceCategory.FAMILY_HUB, (r"family hubs?", r"children'?s centres?", r"start for life")),
    (ServiceCategory.HOUSING, (r"housing", r"homeless", r"\btenan(t|cy)", r"\brent\b")),
    (
        ServiceCategory.FOOD_ESSENTIALS,
        (
            r"food ?banks?",
            r"baby ?bank",
            r"\bpantry\b",
            r"cloth(es|ing)",
            r"essentials",
            r"\bfood\b",
            r"nappies",
        ),
    ),
    (
        ServiceCategory.DEBT_BENEFITS,
        (
            r"\bdebts?\b",
            r"benefits?",
            r"citizens advice",
            r"welfare rights",
            r"money advice",
            r"universal credit",
        ),
    ),
)
_COMPILED = tuple((cat, tuple(re.compile(p) for p in patterns)) for cat, patterns in CATEGORY_KEYWORDS)


def _match_category(text: str) -> ServiceCategory | None:
    text = text.lower()
    for category, patterns in _COMPILED:
        if any(p.search(text) for p in patterns):
            return category
    return None


def guess_category(terms: Iterable[str], name: str, description: str = "") -> ServiceCategory:
    """A category from the directory's taxonomy terms, else the service's name, else its description."""
    for text in (" | ".join(terms), name, description):
        found = _match_category(text)
        if found is not None:
            return found
    return ServiceCategory.OTHER


# ---------------------------------------------------------------- reading HSDS files


@dataclass
class ParsedDirectory:
    services: list[NewService] = field(default_factory=list)
    #: Records that could not be used, each with the reason.
    skipped: list[str] = field(default_factory=list)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float | str):
        return str(value).strip()
    return ""


def _dicts(value: object) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _first(*values: str) -> str:
    return next((v for v in values if v), "")


def _address(addr: dict) -> str:
    parts = [
        _text(addr.get(k))
        for k in ("address_1", "address_2", "city", "state_province", "postal_code", "postcode")
    ]
    return ", ".join(p for p in parts if p)


def _is_active(status: str) -> bool:
    return status.lower() in ("", "active")


def _new_service(
    hsds_id: str,
    name: str,
    *,
    organisation: str,
    description: str,
    terms: list[str],
    phone: str,
    email: str,
    website: str,
    address: str,
    status: str,
    contact: str = "",
) -> NewService:
    category = guess_category(terms, name, description)
    if contact:
        description = f"{description}\nContact: {contact}".strip()
    return NewService(
        name=name,
        category=category,
        organisation=organisation,
        domain=CATEGORY_USUAL_DOMAIN[category],
        phone=phone,
        email=email,
        website=website,
        address=address,
        description=description[:MAX_DESCRIPTION],
        hsds_id=hsds_id,
        active=_is_active(status),
    )


def _json_terms(service: dict) -> list[str]:
    terms = []
    for link in _dicts(service.get("service_taxonomys")):  # Open Referral UK 1.x
        taxonomy = link.get("taxonomy") if isinstance(link.get("taxonomy"), dict) else {}
        terms.append(_first(_text(taxonomy.get("name")), _text(taxonomy.get("term"))))
    for attribute in _dicts(service.get("attributes")):  # HSDS 3 / UK profile 3
        term = attribute.get("taxonomy_term") if isinstance(attribute.get("taxonomy_term"), dict) else {}
        terms.append(_first(_text(term.get("name")), _text(term.get("term")), _text(term.get("code"))))
    for term in _dicts(service.get("taxonomy_terms")):
        terms.append(_first(_text(term.get("name")), _text(term.get("term"))))
    return [t for t in terms if t]


def _json_phone(service: dict, organisation: dict) -> str:
    candidates = [p.get("number") for p in _dicts(service.get("phones"))]
    for contact in _dicts(service.get("contacts")):
        candidates += [p.get("number") for p in _dicts(contact.get("phones"))]
    for sal in _dicts(service.get("service_at_locations")):
        location = sal.get("location") if isinstance(sal.get("location"), dict) else {}
        candidates += [p.get("number") for p in _dicts(location.get("phones"))]
    candidates += [p.get("number") for p in _dicts(organisation.get("phones"))]
    return _first(*(_text(c) for c in candidates))


def _json_address(service: dict) -> str:
    for sal in _dicts(service.get("service_at_locations")):
        location = sal.get("location") if isinstance(sal.get("location"), dict) else {}
        for key in ("physical_addresses", "addresses"):
            for addr in _dicts(location.get(key)):
                text = _address(addr)
                if text:
                    return text
    return ""


def _json_contact(service: dict) -> str:
    for contact in _dicts(service.get("contacts")):
        name, title = _text(contact.get("name")), _text(contact.get("title"))
        if name or title:
            return f"{name} ({title})" if name and title else name or title
    return ""


def _json_services(data: object) -> tuple[list[dict], dict[str, dict]]:
    """The service objects in a parsed JSON document, and any top-level organisations by id."""
    organisations: dict[str, dict] = {}
    if isinstance(data, dict):
        for org in _dicts(data.get("organizations")):
            organisations[_text(org.get("id"))] = org
        for key in ("contents", "content", "services", "items", "data"):
            if isinstance(data.get(key), list):
                return _dicts(data[key]), organisations
        if "id" in data and "name" in data:
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
    for index, service in enumerate(services, start=1):
        hsds_id, name = _text(service.get("id")), _text(service.get("name"))
        if not hsds_id or not name:
            parsed.skipped.append(f"service {index}: has no {'id' if not hsds_id else 'name'}")
            continue
        org = service.get("organization")
        if not isinstance(org, dict):
            org = organisations.get(_text(service.get("organization_id")), {})
        parsed.services.append(
            _new_service(
                hsds_id,
                name,
                organisation=_text(org.get("name")),
                description=_text(service.get("description")),
                terms=_json_terms(service),
                phone=_json_phone(service, org),
                email=_first(_text(service.get("email")), _text(org.get("email"))),
                website=_first(
                    _text(service.get("url")), _text(service.get("website")), _text(org.get("url"))
                ),
                address=_json_address(service),
                status=_text(service.get("status")),
                contact=_json_contact(service),
            )
        )
    return parsed


def _read_csv(path: Path) -> list[dict[str, str]]:
    try:
        text = read_text(path, MAX_IMPORT_BYTES, encoding="utf-8-sig")
        return [
            {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            for row in csv.DictReader(io.StringIO(text, newline=""))
        ]
    except InputRefused as exc:
        raise ImportRejected(str(exc)) from None
    except UnicodeDecodeError:
        raise ImportRejected(f"{path.name} is not UTF-8 text; save it as CSV UTF-8 and try again.") from None
    except csv.Error as exc:
        raise ImportRejected(f"{path.name} could not be read as CSV ({exc}).") from None


def parse_hsds_csv(folder: Path) -> ParsedDirectory:
    """``services.csv`` and ``organizations.csv`` (``organisations.csv`` also read), and, when present,
    ``phones.csv``, ``contacts.csv``, taxonomy terms (``attributes.csv`` + ``taxonomy_terms.csv``, or the
    1.x ``service_taxonomy.csv`` + ``taxonomy.csv``) and addresses (``service_at_location.csv`` +
    ``physical_addresses.csv``)."""
    services_csv = folder / "services.csv"
    if not services_csv.is_file():
        raise ImportRejected(f"There is no services.csv in {folder}.")
    rows = _read_csv(services_csv)
    if rows and not {"id", "name"} <= set(rows[0]):
        raise ImportRejected(
            "services.csv needs 'id' and 'name' columns (an Open Referral UK services table)."
        )

    def optional(*names: str) -> list[dict[str, str]]:
        for name in names:
            if (folder / name).is_file():
                return _read_csv(folder / name)
        return []

    organisations = {o.get("id", ""): o for o in optional("organizations.csv", "organisations.csv")}
    phones: dict[str, list[str]] = defaultdict(list)
    org_phones: dict[str, list[str]] = defaultdict(list)
    for phone in optional("phones.csv"):
        if phone.get("service_id"):
            phones[phone["service_id"]].append(phone.get("number", ""))
        elif phone.get("organization_id"):
            org_phones[phone["organization_id"]].append(phone.get("number", ""))
    contacts: dict[str, str] = {}
    for contact in optional("contacts.csv"):
        sid = contact.get("service_id", "")
        if sid and sid not in contacts:
            name, title = contact.get("name", ""), contact.get("title", "")
            contacts[sid] = f"{name} ({title})" if name and title else name or title
    terms: dict[str, list[str]] = defaultdict(list)
    term_names = {
        t.get("id", ""): _first(t.get("name", ""), t.get("term", "")) for t in optional("taxonomy_terms.csv")
    }
    for attribute in optional("attributes.csv"):
        if (
            attribute.get("link_type", "service") in ("", "service")
            or attribute.get("link_entity") == "service"
        ):
            terms[attribute.get("link_id", "")].append(
                term_names.get(attribute.get("taxonomy_term_id", ""), "")
            )
    old_terms = {t.get("id", ""): t.get("name", "") for t in optional("taxonomy.csv", "taxonomies.csv")}
    for link in optional("service_taxonomy.csv", "service_taxonomys.csv"):
        terms[link.get("service_id", "")].append(old_terms.get(link.get("taxonomy_id", ""), ""))
    addresses_by_location = {
        a.get("location_id", ""): _address(a) for a in optional("physical_addresses.csv", "addresses.csv")
    }
    addresses: dict[str, str] = {}
    for sal in optional("service_at_location.csv", "service_at_locations.csv"):
        address = addresses_by_location.get(sal.get("location_id", ""), "")
        if address:
            addresses.setdefault(sal.get("service_id", ""), address)

    parsed = ParsedDirectory()
    for line, row in enumerate(rows, start=2):
        hsds_id, name = row.get("id", ""), row.get("name", "")
        if not hsds_id or not name:
            parsed.skipped.append(f"services.csv line {line}: has no {'id' if not hsds_id else 'name'}")
            continue
        org = organisations.get(row.get("organization_id", ""), {})
        parsed.services.append(
            _new_service(
                hsds_id,
                name,
                organisation=org.get("name", ""),
                description=row.get("description", ""),
                terms=[t for t in terms.get(hsds_id, []) if t],
                phone=_first(*phones.get(hsds_id, []), *org_phones.get(org.get("id", ""), [])),
                email=_first(row.get("email", ""), org.get("email", "")),
                website=_first(
                    row.get("url", ""), row.get("website", ""), org.get("url", ""), org.get("website", "")
                ),
                address=addresses.get(hsds_id, ""),
                status=row.get("status", ""),
                contact=contacts.get(hsds_id, ""),
            )
        )
    return parsed


def parse_directory(path: Path) -> ParsedDirectory:
    """Read a JSON file, a services.csv (with its sibling files) or a folder holding either."""
    path = Path(path)
    if path.is_dir():
        if (path / "services.csv").is_file():
            return parse_hsds_csv(path)
        json_files = sorted(path.glob("*.json"))
        if len(json_files) == 1:
            path = json_files[0]
        else:
            raise ImportRejected(f"{path} holds no services.csv and no single JSON file to import.")
    if not path.is_file():
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
    return parse_hsds_json(data)


# ---------------------------------------------------------------- importing


@dataclass(frozen=True)
class ImportSummary:
    added: int
    updated: int
    unchanged: int
    skipped: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        text = f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"
        if self.skipped:
            text += f", {len(self.skipped)} skipped"
        return text


def import_directory(session: Session, path: Path) -> ImportSummary:
    """Bring a published directory into the casebook's service directory, in one transaction.

    A service already imported (same HSDS id) is updated; one added by hand or from a referral with
    the same name and no HSDS id is linked to the directory entry. The setting's notes are kept.
    """
    session.require_manager("import a service directory")
    parsed = parse_directory(path)
    if not parsed.services:
        reasons = "; ".join(parsed.skipped[:3])
        raise ImportRejected(f"No usable services found in {Path(path).name}. {reasons}".strip())
    skipped = list(parsed.skipped)
    added = updated = unchanged = 0
    now = session.clock.now()
    seen: set[str] = set()
    with unit_of_work(session.conn):
        for incoming in parsed.services:
            if incoming.hsds_id in seen:
                skipped.append(
                    f"{incoming.name}: the id {incoming.hsds_id} appears twice; the first was used"
                )
                continue
            seen.add(incoming.hsds_id)
            try:
                incoming = check_service(incoming)
            except ValidationError as exc:
                skipped.append(f"{incoming.name or incoming.hsds_id}: {exc}")
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
            merged = replace(incoming, notes=existing.notes)
            if merged == existing.as_new():
                unchanged += 1
                continue
            service_repo.update_service(session.conn, existing.id, merged, now, source=ServiceSource.IMPORT)
            updated += 1
    return ImportSummary(added, updated, unchanged, tuple(skipped))

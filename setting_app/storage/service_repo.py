"""The directory of outside services a setting refers families to."""

from __future__ import annotations

from datetime import datetime

from setting_app.domain.codes import Domain, ServiceCategory
from setting_app.domain.referrals import CategoryStatus, NewService, Service, ServiceContact, ServiceSource
from setting_app.storage.database import Connection, Row
from setting_app.storage.rows import from_datetime, like_pattern, to_datetime


def _contacts(conn: Connection, service_id: int) -> tuple[ServiceContact, ...]:
    rows = conn.execute(
        "SELECT name, title, phone, email FROM service_contacts WHERE service_id = ? ORDER BY position",
        (service_id,),
    )
    return tuple(ServiceContact(r["name"], r["title"], r["phone"], r["email"]) for r in rows)


def _set_contacts(conn: Connection, service_id: int, contacts: tuple[ServiceContact, ...]) -> None:
    conn.execute("DELETE FROM service_contacts WHERE service_id = ?", (service_id,))
    conn.executemany(
        "INSERT INTO service_contacts (service_id, position, name, title, phone, email) VALUES (?, ?, ?, ?, ?, ?)",
        [(service_id, i, c.name, c.title, c.phone, c.email) for i, c in enumerate(contacts)],
    )


def _service(row: Row, contacts: tuple[ServiceContact, ...] = ()) -> Service:
    return Service(
        id=row["id"],
        name=row["name"],
        category=ServiceCategory(row["category"]),
        organisation=row["organisation"],
        domain=Domain(row["domain"]) if row["domain"] else None,
        phone=row["phone"],
        email=row["email"],
        website=row["website"],
        address=row["address"],
        description=row["description"],
        notes=row["notes"],
        hsds_id=row["hsds_id"],
        source=ServiceSource(row["source"]),
        active=bool(row["active"]),
        updated_at=to_datetime(row["updated_at"]),
        category_status=CategoryStatus(row["category_status"]),
        suggested_category=ServiceCategory(row["suggested_category"]) if row["suggested_category"] else None,
        suggestion_reason=row["suggestion_reason"],
        taxonomy_terms=tuple(t for t in row["taxonomy_terms"].split("\n") if t),
        contacts=contacts,
    )


def _category_fields(service: NewService) -> tuple:
    return (
        service.category_status.value,
        service.suggested_category.value if service.suggested_category else None,
        service.suggestion_reason,
        "\n".join(t.replace("\n", " ") for t in service.taxonomy_terms),
    )


def add_service(conn: Connection, service: NewService, source: ServiceSource, now: datetime) -> Service:
    stamp = from_datetime(now)
    cur = conn.execute(
        """INSERT INTO services (name, organisation, category, domain, phone, email, website, address,
                                 description, notes, hsds_id, source, active, created_at, updated_at,
                                 category_status, suggested_category, suggestion_reason, taxonomy_terms)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            service.name,
            service.organisation,
            service.category.value,
            service.domain.value if service.domain else None,
            service.phone,
            service.email,
            service.website,
            service.address,
            service.description,
            service.notes,
            service.hsds_id,
            source.value,
            int(service.active),
            stamp,
            stamp,
            *_category_fields(service),
        ),
    )
    service_id = int(cur.lastrowid)
    _set_contacts(conn, service_id, service.contacts)
    return get_service(conn, service_id)


def update_service(
    conn: Connection,
    service_id: int,
    service: NewService,
    now: datetime,
    *,
    source: ServiceSource | None = None,
) -> Service:
    conn.execute(
        """UPDATE services SET name = ?, organisation = ?, category = ?, domain = ?, phone = ?, email = ?,
               website = ?, address = ?, description = ?, notes = ?, hsds_id = ?, active = ?,
               source = coalesce(?, source), updated_at = ?, category_status = ?, suggested_category = ?,
               suggestion_reason = ?, taxonomy_terms = ?
           WHERE id = ?""",
        (
            service.name,
            service.organisation,
            service.category.value,
            service.domain.value if service.domain else None,
            service.phone,
            service.email,
            service.website,
            service.address,
            service.description,
            service.notes,
            service.hsds_id,
            int(service.active),
            source.value if source else None,
            from_datetime(now),
            *_category_fields(service),
            service_id,
        ),
    )
    _set_contacts(conn, service_id, service.contacts)
    return get_service(conn, service_id)


def get_service(conn: Connection, service_id: int) -> Service | None:
    row = conn.execute("SELECT * FROM services WHERE id = ?", (service_id,)).fetchone()
    return _service(row, _contacts(conn, service_id)) if row else None


def get_service_by_hsds_id(conn: Connection, hsds_id: str) -> Service | None:
    row = conn.execute("SELECT * FROM services WHERE hsds_id = ?", (hsds_id,)).fetchone()
    return _service(row, _contacts(conn, row["id"])) if row else None


def find_services_by_name(conn: Connection, name: str) -> list[Service]:
    """Exact name, ignoring case and surrounding spaces."""
    rows = conn.execute(
        "SELECT * FROM services WHERE lower(name) = lower(?) ORDER BY active DESC, id", (name.strip(),)
    )
    return [_service(r, _contacts(conn, r["id"])) for r in rows]


def list_services(
    conn: Connection,
    *,
    search: str = "",
    category: ServiceCategory | None = None,
    active_only: bool = False,
    to_review: bool = False,
    offset: int = 0,
    limit: int = 1000,
) -> list[Service]:
    clauses, params = [], []
    if search.strip():
        clauses.append(
            "(name LIKE ? ESCAPE '\\' OR organisation LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\')"
        )
        params += [like_pattern(search.strip())] * 3
    if category is not None:
        clauses.append("category = ?")
        params.append(category.value)
    if active_only:
        clauses.append("active = 1")
    if to_review:
        clauses.append("category_status = 'to_review'")
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    rows = conn.execute(
        f"SELECT * FROM services{where} ORDER BY name COLLATE NOCASE, organisation, id LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()
    contacts = _contacts_of(conn, [r["id"] for r in rows])
    return [_service(r, contacts.get(r["id"], ())) for r in rows]


def _contacts_of(conn: Connection, service_ids: list[int]) -> dict[int, tuple[ServiceContact, ...]]:
    """The contacts of many services, a few queries in all."""
    found: dict[int, list[ServiceContact]] = {}
    for start in range(0, len(service_ids), 500):
        chunk = service_ids[start : start + 500]
        rows = conn.execute(
            f"""SELECT service_id, name, title, phone, email FROM service_contacts
                WHERE service_id IN ({", ".join("?" * len(chunk))}) ORDER BY service_id, position""",
            chunk,
        )
        for r in rows:
            found.setdefault(r["service_id"], []).append(
                ServiceContact(r["name"], r["title"], r["phone"], r["email"])
            )
    return {k: tuple(v) for k, v in found.items()}


def count_services(conn: Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM services").fetchone()[0])


def count_referrals_to(conn: Connection, service_id: int) -> int:
    return int(
        conn.execute("SELECT count(*) FROM referrals WHERE service_id = ?", (service_id,)).fetchone()[0]
    )


def count_to_review(conn: Connection) -> int:
    return int(
        conn.execute("SELECT count(*) FROM services WHERE category_status = 'to_review'").fetchone()[0]
    )


def set_category(
    conn: Connection, service_id: int, category: ServiceCategory, domain: Domain | None, now: datetime
) -> None:
    """A person's decision on a service's category: confirmed, and kept by later imports."""
    conn.execute(
        """UPDATE services SET category = ?, domain = ?, category_status = 'confirmed', updated_at = ?
           WHERE id = ?""",
        (category.value, domain.value if domain else None, from_datetime(now), service_id),
    )

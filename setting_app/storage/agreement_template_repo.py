"""One data-sharing agreement and its parties, read for filling in the agreement template.

Only the fields the template prints: never the attached signed document (a large blob).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from setting_app.storage.database import Connection
from setting_app.storage.rows import to_date


@dataclass(frozen=True)
class TemplateParty:
    name: str
    party_type: str
    service_category: str | None
    contact: str


@dataclass(frozen=True)
class TemplateAgreement:
    id: int
    title: str
    purpose: str
    data_items: str
    direction: str
    lawful_basis: str
    special_category_condition: str | None
    retention: str
    security_measures: str
    starts_on: date
    review_on: date
    ends_on: date | None
    parties: tuple[TemplateParty, ...]


def get_template_agreement(conn: Connection, agreement_id: int) -> TemplateAgreement | None:
    """The agreement with its parties (this setting first, then in the order they were added)."""
    row = conn.execute(
        """SELECT id, title, purpose, data_items, direction, lawful_basis, special_category_condition,
                  retention, security_measures, starts_on, review_on, ends_on
           FROM sharing_agreements WHERE id = ?""",
        (agreement_id,),
    ).fetchone()
    if row is None:
        return None
    party_rows = conn.execute(
        """SELECT name, party_type, service_category, contact FROM sharing_agreement_parties
           WHERE agreement_id = ? ORDER BY party_type != 'this_setting', id""",
        (agreement_id,),
    ).fetchall()
    return TemplateAgreement(
        id=int(row["id"]),
        title=row["title"],
        purpose=row["purpose"],
        data_items=row["data_items"],
        direction=row["direction"],
        lawful_basis=row["lawful_basis"],
        special_category_condition=row["special_category_condition"],
        retention=row["retention"],
        security_measures=row["security_measures"],
        starts_on=date.fromisoformat(row["starts_on"]),
        review_on=date.fromisoformat(row["review_on"]),
        ends_on=to_date(row["ends_on"]),
        parties=tuple(
            TemplateParty(
                name=p["name"],
                party_type=p["party_type"],
                service_category=p["service_category"],
                contact=p["contact"] or "",
            )
            for p in party_rows
        ),
    )

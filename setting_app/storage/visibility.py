"""Who may see what: the one rule for restricted rows, used by every query that lists or counts them.

Restricted (safeguarding-sensitive) entries and referrals are seen, listed and counted for managers
only. ``viewer`` is the role of the person reading; ``None`` is a whole-casebook job that must see every
row (record export, subject access, erasure), never a person browsing.
"""

from __future__ import annotations

from setting_app.domain.codes import Role


def hides_restricted(viewer: Role | None) -> bool:
    return viewer is not None and viewer is not Role.MANAGER


def restricted_clause(viewer: Role | None, column: str = "restricted") -> str:
    """`` AND <column> = 0`` for a viewer who may not see restricted rows, else nothing."""
    return f" AND {column} = 0" if hides_restricted(viewer) else ""


def sealed_value(alias: str, table: str, field: str) -> str:
    """SQL for a field that restricted rows keep sealed: the real value on a manager's connection
    (``restricted_content.attach``), the neutral stand-in elsewhere."""
    return (
        f"CASE WHEN {alias}.sealed IS NULL THEN {alias}.{field} "
        f"ELSE unsealed('{table}', {alias}.id, {alias}.sealed, '{field}', {alias}.{field}) END"
    )

"""The setting's own details (one row) and small app settings."""

from __future__ import annotations

from datetime import datetime

from setting_app.domain.codes import IntegrationModel, Nation, ProviderType
from setting_app.domain.models import SettingDetails
from setting_app.storage.database import Connection
from setting_app.storage.rows import from_datetime


def save_setting(conn: Connection, details: SettingDetails, now: datetime) -> None:
    stamp = from_datetime(now)
    conn.execute(
        """INSERT INTO setting (id, name, urn, nation, la_code, la_name, provider_type, integration_model,
                                created_at, updated_at)
           VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET name = excluded.name, urn = excluded.urn, nation = excluded.nation,
               la_code = excluded.la_code, la_name = excluded.la_name, provider_type = excluded.provider_type,
               integration_model = excluded.integration_model, updated_at = excluded.updated_at""",
        (
            details.name,
            details.urn,
            details.nation.value,
            details.la_code,
            details.la_name,
            details.provider_type.value,
            details.integration_model.value,
            stamp,
            stamp,
        ),
    )


def get_setting(conn: Connection) -> SettingDetails:
    row = conn.execute("SELECT * FROM setting WHERE id = 1").fetchone()
    if row is None:
        raise LookupError("casebook has no setting row")
    return SettingDetails(
        name=row["name"],
        urn=row["urn"],
        nation=Nation(row["nation"]),
        la_code=row["la_code"],
        la_name=row["la_name"],
        provider_type=ProviderType(row["provider_type"]),
        integration_model=IntegrationModel(row["integration_model"]),
    )


def get_app_setting(conn: Connection, key: str, default: str | None = None) -> str | None:
    row = conn.execute("SELECT value FROM app_settings WHERE key = ?", (key,)).fetchone()
    return row[0] if row else default


def set_app_setting(conn: Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO app_settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )

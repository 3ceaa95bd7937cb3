"""Transfers of a family's record to and from other settings (table ``transfers``, migration 0006).

A received family's entries and referrals carry the transfer's id in ``transfer_id``, which keeps
them out of this setting's own figures and marks them on the family page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from setting_app.storage.database import Connection, Row
from setting_app.storage.rows import from_date, from_datetime, to_date, to_datetime

OUT = "out"
IN = "in"


@dataclass(frozen=True)
class NewTransfer:
    direction: str
    transfer_uid: str
    family_id: int | None
    family_ref: str
    other_setting_name: str
    other_setting_urn: str
    #: Out: the receiver's transfer key. In: the sender's signing key.
    other_key_fingerprint: str
    sealed_on: date
    file_sha256: str
    #: Counts in plain words, never notes.
    contents: str
    received_on: date | None = None
    restricted_included: bool = False
    restricted_reason: str = ""
    recorded_by: int | None = None


@dataclass(frozen=True)
class Transfer:
    id: int
    direction: str
    transfer_uid: str
    family_id: int | None
    family_ref: str
    other_setting_name: str
    other_setting_urn: str
    other_key_fingerprint: str
    sealed_on: date
    received_on: date | None
    file_sha256: str
    contents: str
    restricted_included: bool
    restricted_reason: str
    recorded_by: int | None
    created_at: datetime
    recorded_by_name: str = ""


_SELECT = """SELECT t.*, coalesce(s.display_name, '') AS recorded_by_name
    FROM transfers t LEFT JOIN staff s ON s.id = t.recorded_by"""


def _transfer(row: Row) -> Transfer:
    return Transfer(
        id=row["id"],
        direction=row["direction"],
        transfer_uid=row["transfer_uid"],
        family_id=row["family_id"],
        family_ref=row["family_ref"],
        other_setting_name=row["other_setting_name"],
        other_setting_urn=row["other_setting_urn"],
        other_key_fingerprint=row["other_key_fingerprint"],
        sealed_on=to_date(row["sealed_on"]),
        received_on=to_date(row["received_on"]),
        file_sha256=row["file_sha256"],
        contents=row["contents"],
        restricted_included=bool(row["restricted_included"]),
        restricted_reason=row["restricted_reason"],
        recorded_by=row["recorded_by"],
        created_at=to_datetime(row["created_at"]),
        recorded_by_name=row["recorded_by_name"],
    )


def add_transfer(conn: Connection, transfer: NewTransfer, now: datetime) -> Transfer:
    cur = conn.execute(
        """INSERT INTO transfers (direction, transfer_uid, family_id, family_ref, other_setting_name,
               other_setting_urn, other_key_fingerprint, sealed_on, received_on, file_sha256, contents,
               restricted_included, restricted_reason, recorded_by, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            transfer.direction,
            transfer.transfer_uid,
            transfer.family_id,
            transfer.family_ref,
            transfer.other_setting_name,
            transfer.other_setting_urn,
            transfer.other_key_fingerprint,
            from_date(transfer.sealed_on),
            from_date(transfer.received_on),
            transfer.file_sha256,
            transfer.contents,
            int(transfer.restricted_included),
            transfer.restricted_reason,
            transfer.recorded_by,
            from_datetime(now),
        ),
    )
    found = get_transfer(conn, int(cur.lastrowid))
    assert found is not None
    return found


def get_transfer(conn: Connection, transfer_id: int) -> Transfer | None:
    row = conn.execute(f"{_SELECT} WHERE t.id = ?", (transfer_id,)).fetchone()
    return _transfer(row) if row else None


def find_by_uid(conn: Connection, direction: str, transfer_uid: str) -> Transfer | None:
    row = conn.execute(
        f"{_SELECT} WHERE t.direction = ? AND t.transfer_uid = ?", (direction, transfer_uid)
    ).fetchone()
    return _transfer(row) if row else None


def list_transfers(conn: Connection, *, offset: int = 0, limit: int = 500) -> list[Transfer]:
    """Newest first."""
    rows = conn.execute(
        f"{_SELECT} ORDER BY t.created_at DESC, t.id DESC LIMIT ? OFFSET ?", (limit, offset)
    ).fetchall()
    return [_transfer(r) for r in rows]


def received_for_family(conn: Connection, family_id: int) -> Transfer | None:
    """The transfer a family arrived by (the latest, should there be more than one)."""
    row = conn.execute(
        f"{_SELECT} WHERE t.family_id = ? AND t.direction = 'in' ORDER BY t.id DESC LIMIT 1", (family_id,)
    ).fetchone()
    return _transfer(row) if row else None


def mark_family_received(conn: Connection, family_id: int, transfer_id: int) -> tuple[int, int]:
    """Mark every entry and referral of a just-received family with its transfer: (entries, referrals)."""
    entries = conn.execute(
        "UPDATE support_entries SET transfer_id = ? WHERE family_id = ?", (transfer_id, family_id)
    ).rowcount
    referrals = conn.execute(
        "UPDATE referrals SET transfer_id = ? WHERE family_id = ?", (transfer_id, family_id)
    ).rowcount
    return int(entries), int(referrals)


def received_entry_ids(conn: Connection, family_id: int) -> set[int]:
    rows = conn.execute(
        "SELECT id FROM support_entries WHERE family_id = ? AND transfer_id IS NOT NULL", (family_id,)
    ).fetchall()
    return {int(r[0]) for r in rows}


def received_referral_ids(conn: Connection, family_id: int) -> set[int]:
    rows = conn.execute(
        "SELECT id FROM referrals WHERE family_id = ? AND transfer_id IS NOT NULL", (family_id,)
    ).fetchall()
    return {int(r[0]) for r in rows}


#: ``app_settings`` keys remembering every transfer received, so a file cannot bring back a family that
#: was since erased (erasure deletes the family's ``transfers`` row with everything else about it).
_RECEIVED_KEY = "transfer_received:"


def remember_received(conn: Connection, transfer_uid: str, on: date) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO app_settings (key, value) VALUES (?, ?)",
        (_RECEIVED_KEY + transfer_uid, from_date(on)),
    )


def received_on(conn: Connection, transfer_uid: str) -> date | None:
    row = conn.execute(
        "SELECT value FROM app_settings WHERE key = ?", (_RECEIVED_KEY + transfer_uid,)
    ).fetchone()
    return to_date(row[0]) if row else None


#: ``app_settings`` keys pinning the signing key each sending setting used the first time (by its URN):
#: a later file from that setting signed with another key is held back until the new key is confirmed.
_SENDER_KEY = "transfer_sender_key:"


def known_sender_key(conn: Connection, sender: str) -> str | None:
    row = conn.execute("SELECT value FROM app_settings WHERE key = ?", (_SENDER_KEY + sender,)).fetchone()
    return str(row[0]) if row else None


def remember_sender_key(conn: Connection, sender: str, fingerprint: str) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO app_settings (key, value) VALUES (?, ?)", (_SENDER_KEY + sender, fingerprint)
    )

"""The audit trail: append-only rows, each chained to the one before by an HMAC.

The chain key lives inside the encrypted casebook, so only someone who can open it can extend the
chain. ``verify_chain`` finds an edited, deleted, inserted or reordered row, and a cut-off tail (the
head is kept beside the chain and compared).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date, datetime

from setting_app.storage.database import Connection, Row
from setting_app.storage.rows import from_date, from_datetime, to_datetime

GENESIS = "0" * 64
HEAD_KEY = "audit_chain_head"


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    staff_id: int | None
    username: str
    action: str
    object_type: str
    object_id: int | None
    family_id: int | None
    detail: str
    hash: str


@dataclass(frozen=True)
class AuditFilter:
    username: str | None = None
    family_id: int | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def _chain_key(conn: Connection) -> bytes:
    row = conn.execute("SELECT value FROM app_settings WHERE key = 'audit_chain_key'").fetchone()
    if row is None:
        raise LookupError("the casebook has no audit chain key")
    return bytes.fromhex(row[0])


def _row_hash(key: bytes, prev_hash: str, fields: tuple) -> str:
    message = prev_hash.encode() + b"|" + json.dumps(fields, separators=(",", ":")).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _fields(
    row_id: int, at: str, staff_id, username, action, object_type, object_id, family_id, detail
) -> tuple:
    return (row_id, at, staff_id, username, action, object_type, object_id, family_id, detail)


def append(
    conn: Connection,
    *,
    at: datetime,
    staff_id: int | None,
    username: str,
    action: str,
    object_type: str = "",
    object_id: int | None = None,
    family_id: int | None = None,
    detail: str = "",
) -> str:
    """Add one row in the caller's transaction; returns its hash."""
    last = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    row_id = (last["id"] + 1) if last else 1
    prev_hash = last["hash"] if last else GENESIS
    stamp = from_datetime(at)
    fields = _fields(row_id, stamp, staff_id, username, action, object_type, object_id, family_id, detail)
    digest = _row_hash(_chain_key(conn), prev_hash, fields)
    conn.execute(
        """INSERT INTO audit_log (id, at, staff_id, username, action, object_type, object_id, family_id, detail,
                                  prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (*fields, prev_hash, digest),
    )
    conn.execute(
        "INSERT INTO app_settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (HEAD_KEY, f"{row_id}:{digest}"),
    )
    return digest


def verify_chain(conn: Connection) -> str | None:
    """None when the chain is whole; otherwise a sentence naming the first broken row."""
    key = _chain_key(conn)
    prev_hash = GENESIS
    expected_id = 1
    last_id, last_hash = 0, GENESIS
    for row in conn.execute("SELECT * FROM audit_log ORDER BY id"):
        if row["id"] != expected_id:
            return f"audit row {expected_id} is missing (the next row is {row['id']})"
        if row["prev_hash"] != prev_hash:
            return f"audit row {row['id']} does not follow the row before it"
        fields = _fields(
            row["id"],
            row["at"],
            row["staff_id"],
            row["username"],
            row["action"],
            row["object_type"],
            row["object_id"],
            row["family_id"],
            row["detail"],
        )
        if not hmac.compare_digest(_row_hash(key, prev_hash, fields), row["hash"]):
            return f"audit row {row['id']} has been changed"
        prev_hash = row["hash"]
        last_id, last_hash = row["id"], row["hash"]
        expected_id += 1
    head = conn.execute("SELECT value FROM app_settings WHERE key = ?", (HEAD_KEY,)).fetchone()
    if head is not None and head[0] != f"{last_id}:{last_hash}":
        recorded_id = head[0].split(":", 1)[0]
        return f"audit rows after row {last_id} are missing (the trail's head says row {recorded_id})"
    if head is None and last_id:
        return "the audit trail's head record is missing"
    return None


def chain_head(conn: Connection) -> str:
    """A short fingerprint of the whole trail so far, for printing on reports."""
    row = conn.execute("SELECT value FROM app_settings WHERE key = ?", (HEAD_KEY,)).fetchone()
    if row is None:
        return "empty"
    row_id, digest = row[0].split(":", 1)
    return f"#{row_id} {digest[:16]}"


def _audit(row: Row) -> AuditRow:
    return AuditRow(
        row["id"],
        to_datetime(row["at"]),
        row["staff_id"],
        row["username"],
        row["action"],
        row["object_type"],
        row["object_id"],
        row["family_id"],
        row["detail"],
        row["hash"],
    )


def _filter_sql(flt: AuditFilter) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if flt.username:
        clauses.append("username = ?")
        params.append(flt.username)
    if flt.family_id is not None:
        clauses.append("family_id = ?")
        params.append(flt.family_id)
    if flt.action:
        clauses.append("action = ?")
        params.append(flt.action)
    if flt.date_from:
        clauses.append("at >= ?")
        params.append(from_date(flt.date_from))
    if flt.date_to:
        clauses.append("at < date(?, '+1 day')")
        params.append(from_date(flt.date_to))
    return (f"WHERE {' AND '.join(clauses)}" if clauses else ""), params


def list_audit(
    conn: Connection, flt: AuditFilter = AuditFilter(), *, offset: int = 0, limit: int = 200
) -> list[AuditRow]:
    where, params = _filter_sql(flt)
    rows = conn.execute(
        f"SELECT * FROM audit_log {where} ORDER BY id DESC LIMIT ? OFFSET ?", [*params, limit, offset]
    )
    return [_audit(r) for r in rows]


def count_audit(conn: Connection, flt: AuditFilter = AuditFilter()) -> int:
    where, params = _filter_sql(flt)
    return int(conn.execute(f"SELECT count(*) FROM audit_log {where}", params).fetchone()[0])


# --- signed heads -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedHead:
    id: int
    audit_id: int
    audit_hash: str
    occasion: str
    signed_at: str
    signature: bytes

    def message(self) -> bytes:
        return head_message(self.audit_id, self.audit_hash, self.occasion, self.signed_at)


def head_message(audit_id: int, audit_hash: str, occasion: str, signed_at: str) -> bytes:
    return f"setting-app/audit-head\x00{audit_id}\x00{audit_hash}\x00{occasion}\x00{signed_at}".encode()


def last_row(conn: Connection) -> tuple[int, str] | None:
    row = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return (row[0], row[1]) if row else None


def add_signed_head(
    conn: Connection, audit_id: int, audit_hash: str, occasion: str, signed_at: str, signature: bytes
) -> None:
    conn.execute(
        "INSERT INTO audit_heads (audit_id, audit_hash, occasion, signed_at, signature) VALUES (?, ?, ?, ?, ?)",
        (audit_id, audit_hash, occasion, signed_at, signature),
    )


def list_signed_heads(conn: Connection) -> list[SignedHead]:
    return [
        SignedHead(r[0], r[1], r[2], r[3], r[4], bytes(r[5]))
        for r in conn.execute(
            "SELECT id, audit_id, audit_hash, occasion, signed_at, signature FROM audit_heads ORDER BY id"
        )
    ]


def row_hash(conn: Connection, audit_id: int) -> str | None:
    row = conn.execute("SELECT hash FROM audit_log WHERE id = ?", (audit_id,)).fetchone()
    return row[0] if row else None

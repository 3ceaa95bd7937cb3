"""Restricted rows keep what says what happened under the manager key, not the data key.

A row marked restricted (and the rows that hang off a restricted entry or referral: earlier versions,
status changes, chases, sharing decisions) keeps its content fields sealed in its ``sealed`` column;
the plain columns hold neutral values. Anyone may seal (so a practitioner can restrict their own
entry): the fields are sealed to the casebook's restricted-content public key (ephemeral X25519,
HKDF-SHA256, AES-256-GCM, with the table and row id as associated data). Only the manager key derives
the private half, so only a manager's session reads them back.

What stays plain, so the app can count and list without the manager key, is named in
``docs/security.md``: that the row exists, its family, dates, domain, kind and minutes, who recorded
it, and a referral's status, route, urgency and consent code.

How it is kept whole without every caller knowing:
- ``seal_pending`` runs before every outermost COMMIT (``unit_of_work``): any restricted row whose
  ``sealed`` is empty is sealed then, so nothing restricted is ever committed in plain text.
- A manager's connection gets a row factory that puts the sealed fields back into ``SELECT *`` rows,
  and a SQL function ``unsealed(table, id, sealed, field, plain)`` for the few aggregate queries that
  group on a sealed field.
- Code that updates a sealed field first calls ``open_for_update``, which restores the plain fields
  (manager key needed) and empties ``sealed``; the commit seals the row again.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from setting_app.domain.errors import AppError, CasebookDamaged, PermissionDenied
from setting_app.storage.database import Connection, DatabaseError, OperationalError, Row
from setting_app.storage.manager_vault import SealedContentDamaged, installed_key_id

PUBLIC_KEY_SETTING = "restricted_content_public"
DAMAGED_TEXT = (
    "[This restricted record's protected content is damaged and cannot be read; restore it from a backup.]"
)
_FORMAT = b"\x01"


@dataclass(frozen=True)
class SealedTable:
    #: Each sealed field and the neutral value the plain column holds meanwhile.
    fields: dict[str, object]
    #: Which rows are sealed (SQL over the table, aliased ``t``).
    restricted_when: str
    #: A column only this table's rows have, so a ``SELECT *`` row is opened with its own table's
    #: associated data (chases and status changes both seal just ``note``; versions and entries the same
    #: fields).
    marker: str | None = None


_RESTRICTED_ENTRY = "t.entry_id IN (SELECT id FROM support_entries WHERE restricted = 1)"
_RESTRICTED_REFERRAL = "t.referral_id IN (SELECT id FROM referrals WHERE restricted = 1)"
_ENTRY_FIELDS: dict[str, object] = {
    "child_id": None,
    "activity_code": None,
    "contact_mode": "in_person",
    "note": "",
}

TABLES: dict[str, SealedTable] = {
    "support_entries": SealedTable({**_ENTRY_FIELDS, "carer": ""}, "t.restricted = 1"),
    # An earlier version also keeps why it was amended: free text about what happened.
    "support_entry_versions": SealedTable({**_ENTRY_FIELDS, "reason": ""}, _RESTRICTED_ENTRY, "entry_id"),
    "referrals": SealedTable(
        {
            "child_id": None,
            "service_name": "Restricted referral",
            "service_id": None,
            "service_category": "other",
            "reason": "",
            "note": "",
            "consent_given_by": "",
            "consent_scope": "",
            "consent_note": "",
            "override_rationale": "",
            "carer": "",
        },
        "t.restricted = 1",
    ),
    "referral_status_history": SealedTable({"note": ""}, _RESTRICTED_REFERRAL, "changed_on"),
    "referral_chases": SealedTable({"note": ""}, _RESTRICTED_REFERRAL, "chased_on"),
    "information_sharing": SealedTable(
        {
            "recipient": "Restricted",
            "what": "Restricted",
            "purpose": "Restricted",
            "reason": "Restricted",
            "method": "",
            "no_agreement_reason": "",
        },
        _RESTRICTED_REFERRAL,
        "decided_on",
    ),
    # Why restricted records went with a family to (or came from) another setting.
    "transfers": SealedTable(
        {"restricted_reason": "Restricted"}, "t.restricted_included = 1", "transfer_uid"
    ),
}


# --- keys ---------------------------------------------------------------------------------------


def _private_from_manager_key(manager_key: bytes) -> X25519PrivateKey:
    raw = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"setting-app/restricted-content"
    ).derive(manager_key)
    return X25519PrivateKey.from_private_bytes(raw)


def _raw_public(private: X25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_for(manager_key: bytes) -> bytes:
    return _raw_public(_private_from_manager_key(manager_key))


def stored_public_key(conn: Connection) -> bytes | None:
    row = conn.execute("SELECT value FROM app_settings WHERE key = ?", (PUBLIC_KEY_SETTING,)).fetchone()
    return base64.b64decode(row[0]) if row else None


def set_public_key(conn: Connection, manager_key: bytes) -> None:
    conn.execute(
        "INSERT INTO app_settings (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (PUBLIC_KEY_SETTING, base64.b64encode(public_key_for(manager_key)).decode()),
    )


def _aad(table: str, row_id: int) -> bytes:
    return f"setting-app/restricted\x00{table}\x00{row_id}".encode()


def _hkdf(shared: bytes, aad: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"setting-app/seal\x00" + aad).derive(
        shared
    )


def seal_fields(public_key: bytes, table: str, row_id: int, values: dict[str, object]) -> bytes:
    ephemeral = X25519PrivateKey.generate()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public_key))
    aad = _aad(table, row_id)
    nonce = secrets.token_bytes(12)
    plaintext = json.dumps(values, sort_keys=True).encode()
    return (
        _FORMAT + _raw_public(ephemeral) + nonce + AESGCM(_hkdf(shared, aad)).encrypt(nonce, plaintext, aad)
    )


def open_fields(manager_key: bytes, table: str, row_id: int, blob: bytes) -> dict[str, object]:
    blob = bytes(blob)
    aad = _aad(table, row_id)
    try:
        if blob[:1] != _FORMAT:
            raise ValueError("format")
        ephemeral, nonce, ciphertext = blob[1:33], blob[33:45], blob[45:]
        shared = _private_from_manager_key(manager_key).exchange(X25519PublicKey.from_public_bytes(ephemeral))
        values = json.loads(AESGCM(_hkdf(shared, aad)).decrypt(nonce, ciphertext, aad))
    except (InvalidTag, ValueError, TypeError):
        raise SealedContentDamaged(
            f"The restricted content of record {row_id} ({table.replace('_', ' ')}) is damaged or was changed "
            "outside the app, and cannot be read; the rest of the casebook is unaffected."
        ) from None
    if not isinstance(values, dict):
        raise SealedContentDamaged(f"The restricted content of record {row_id} is damaged.")
    return values


# --- sealing and opening rows -------------------------------------------------------------------


def seal_pending(conn: Connection) -> int:
    """Seal every restricted row not yet sealed (before each commit). Returns how many.

    Reads only the partial indexes of restricted rows and the rows they name, so it stays cheap.
    """
    try:
        return _seal_pending(conn)
    except OperationalError:
        raise
    except DatabaseError:
        raise CasebookDamaged(
            "The casebook is damaged: part of it could not be read, so nothing was saved. Run 'check' "
            "to see what is affected, and restore the newest backup."
        ) from None


class RestrictedKeyMissing(AppError):
    """The casebook has a manager key but the public key restricted content is sealed to is gone."""


def _seal_pending(conn: Connection) -> int:
    # A manager's connection seals to the key its manager key derives, never to what app_settings says:
    # anyone holding the data key can rewrite that setting (to a key of their own, or to nothing).
    manager_key = manager_key_of(conn)
    public = public_key_for(manager_key) if manager_key else stored_public_key(conn)
    if public is None and installed_key_id(conn) is None:
        return 0  # a casebook not yet upgraded: nothing to seal to until a manager signs in
    pending = []
    for table, spec in TABLES.items():
        columns = ", ".join(f"t.{f}" for f in spec.fields)
        rows = conn.execute(
            f"SELECT t.id, {columns} FROM {table} t WHERE t.sealed IS NULL AND {spec.restricted_when}"
        ).fetchall()
        pending.append((table, spec, rows))
    if public is None:
        if any(rows for _, _, rows in pending):
            raise RestrictedKeyMissing(
                "Restricted records cannot be saved now: the casebook's key for them is missing. Ask a "
                "manager to sign in, which puts it back. Nothing was saved."
            )
        return 0
    sealed = 0
    for table, spec, rows in pending:
        for row in rows:
            values = {f: row[i + 1] for i, f in enumerate(spec.fields)}
            blob = seal_fields(public, table, row[0], values)
            sets = ", ".join(f"{f} = ?" for f in spec.fields)
            conn.execute(
                f"UPDATE {table} SET {sets}, sealed = ? WHERE id = ?",
                [*spec.fields.values(), blob, row[0]],
            )
            sealed += 1
    return sealed


def seal_all(conn: Connection, manager_key: bytes) -> int:
    """At the upgrade: publish the public key for this manager key, then seal every restricted row."""
    set_public_key(conn, manager_key)
    count = seal_pending(conn)
    if count:
        conn.execute("INSERT INTO entry_notes_fts(entry_notes_fts) VALUES ('optimize')")
    return count


def _open_row(conn: Connection, manager_key: bytes, table: str, row_id: int) -> None:
    spec = TABLES[table]
    row = conn.execute(f"SELECT sealed FROM {table} WHERE id = ?", (row_id,)).fetchone()
    if row is None or row[0] is None:
        return
    values = open_fields(manager_key, table, row_id, row[0])
    sets = ", ".join(f"{f} = ?" for f in spec.fields)
    # A sealed entry or referral is restricted, whatever its flag says (the flag is a plain column that
    # anyone with the data key can clear): keep it restricted so the commit seals it again.
    restricted = ", restricted = 1" if table in _CHILDREN else ""
    conn.execute(
        f"UPDATE {table} SET {sets}, sealed = NULL{restricted} WHERE id = ?",
        [*(values.get(f, spec.fields[f]) for f in spec.fields), row_id],
    )


_CHILDREN = {
    "support_entries": (("support_entry_versions", "entry_id"),),
    "referrals": (
        ("referral_status_history", "referral_id"),
        ("referral_chases", "referral_id"),
        ("information_sharing", "referral_id"),
    ),
}


def open_for_update(conn: Connection, table: str, row_id: int, *, with_related: bool = False) -> None:
    """Put a sealed row's fields back in plain columns so it can be changed (or unrestricted).

    Needs the manager key on this connection. The next commit seals it again while it is restricted.
    """
    row = conn.execute(f"SELECT sealed FROM {table} WHERE id = ?", (row_id,)).fetchone()
    needs_key = row is not None and row[0] is not None
    related: list[tuple[str, int]] = []
    if with_related:
        for child, column in _CHILDREN.get(table, ()):
            for (child_id,) in conn.execute(
                f"SELECT id FROM {child} WHERE {column} = ? AND sealed IS NOT NULL", (row_id,)
            ):
                related.append((child, child_id))
    if not needs_key and not related:
        return
    key = manager_key_of(conn)
    if key is None:
        raise PermissionDenied("Only a manager can change a restricted record.")
    _open_row(conn, key, table, row_id)
    for child, child_id in related:
        _open_row(conn, key, child, child_id)


def reencrypt_all(conn: Connection, old_key: bytes, new_key: bytes) -> int:
    """Every sealed row under ``new_key``'s public key (inside the rotation's transaction)."""
    public = public_key_for(new_key)
    count = 0
    for table in TABLES:
        for row_id, blob in conn.execute(
            f"SELECT id, sealed FROM {table} WHERE sealed IS NOT NULL"
        ).fetchall():
            values = open_fields(old_key, table, row_id, blob)
            conn.execute(
                f"UPDATE {table} SET sealed = ? WHERE id = ?",
                (seal_fields(public, table, row_id, values), row_id),
            )
            count += 1
    set_public_key(conn, new_key)
    return count


# --- reading on a manager's connection ----------------------------------------------------------


class _OpenedRow:
    """A ``Row`` with its sealed fields put back (same lookups: by name, by index, keys())."""

    __slots__ = ("_keys", "_values", "_index")

    def __init__(self, keys: list[str], values: list[object]) -> None:
        self._keys = keys
        self._values = values
        self._index = {k: i for i, k in enumerate(keys)}

    def keys(self) -> list[str]:
        return list(self._keys)

    def __getitem__(self, key: int | str) -> object:
        if isinstance(key, str):
            return self._values[self._index[key]]
        return self._values[key]

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self):
        return iter(self._values)


class ManagerRowFactory:
    """Row factory for a manager's connection: sealed fields of ``SELECT *`` rows are opened."""

    def __init__(self, manager_key: bytes) -> None:
        self.manager_key = manager_key
        self._layouts: dict[int, tuple[tuple, str | None, int, int]] = {}

    def _layout(self, description: tuple) -> tuple[str | None, int, int]:
        cached = self._layouts.get(id(description))
        if cached is not None and cached[0] is description:
            return cached[1], cached[2], cached[3]
        names = [d[0] for d in description]
        table = None
        if "sealed" in names and "id" in names:
            present = set(names)
            fits = [
                t
                for t, spec in TABLES.items()
                if all(f in present for f in spec.fields) and (spec.marker is None or spec.marker in present)
            ]
            # The table named by its own marker column first (a version row also has every entry field).
            table = next((t for t in fits if TABLES[t].marker), fits[0] if fits else None)
        layout = (
            description,
            table,
            names.index("sealed") if table else -1,
            names.index("id") if table else -1,
        )
        if len(self._layouts) > 256:
            self._layouts.clear()
        self._layouts[id(description)] = layout
        return layout[1], layout[2], layout[3]

    def __call__(self, cursor, row: tuple):
        description = cursor.description
        table, sealed_at, id_at = self._layout(description)
        if table is None or row[sealed_at] is None:
            return Row(cursor, row)
        names = [d[0] for d in description]
        values = list(row)
        try:
            opened = open_fields(self.manager_key, table, row[id_at], row[sealed_at])
        except SealedContentDamaged:
            # A list must still show the rest: the damaged record says so in its own text field.
            opened = {f: DAMAGED_TEXT for f in ("note", "reason", "what") if f in TABLES[table].fields}
        for field in TABLES[table].fields:
            if field in opened:
                values[names.index(field)] = opened[field]
        if table in _CHILDREN and "restricted" in names:
            values[names.index("restricted")] = 1  # sealed means restricted, whatever the plain flag says
        return _OpenedRow(names, values)


def manager_key_of(conn: Connection) -> bytes | None:
    factory = conn.row_factory
    return factory.manager_key if isinstance(factory, ManagerRowFactory) else None


def _unsealed_function(manager_key: bytes | None):
    def unsealed(table: str, row_id: int, blob: bytes | None, field: str, plain: object) -> object:
        if blob is None or manager_key is None:
            return plain
        return open_fields(manager_key, table, row_id, blob).get(field, plain)

    return unsealed


def attach(conn: Connection, manager_key: bytes | None) -> None:
    """Give a connection (or take away) the manager key's view of restricted rows."""
    conn.row_factory = ManagerRowFactory(manager_key) if manager_key else Row
    conn.create_function("unsealed", 5, _unsealed_function(manager_key), deterministic=True)

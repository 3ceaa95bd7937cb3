"""The manager key: made with the casebook (or at the first manager unlock after the upgrade), held
only by manager and recovery slots, and needed for everything only managers may do with secrets.

Private keys the setting uses (the export signing key, the transfer key, the audit-head signing key)
live in ``manager_vault`` under it; their public halves stay readable in ``app_settings`` so anyone can
show a fingerprint. Before a casebook is upgraded, the old places (plain ``app_settings``) still work.
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from setting_app.domain.codes import Role
from setting_app.services.session import Session
from setting_app.storage import keyslots, manager_vault, restricted_content, setting_repo
from setting_app.storage.casebook_store import CasebookPaths
from setting_app.storage.database import Connection
from setting_app.storage.unit_of_work import unit_of_work

EXPORT_SIGNING_KEY = "export_signing_key"
TRANSFER_KEY = "transfer_key"
AUDIT_SIGNING_KEY = "audit_signing_key"
#: The private keys moved from ``app_settings`` into the vault by the upgrade.
MOVED_SECRETS = (EXPORT_SIGNING_KEY, TRANSFER_KEY)


def public_setting(name: str) -> str:
    return f"{name}_public"


def public_key(conn: Connection, name: str) -> str | None:
    """The public half (base64) of a manager-only key pair, readable by anyone signed in."""
    return setting_repo.get_app_setting(conn, public_setting(name))


def private_key(session: Session, name: str, action: str) -> str | None:
    """The private half (base64) of a manager-only key pair; None if it has not been made."""
    if manager_vault.installed_key_id(session.conn) is None:
        session.require_manager(action)
        return setting_repo.get_app_setting(session.conn, name)  # before the upgrade: the old place
    value = manager_vault.get(session.conn, session.manager_key(action), name)
    return value.decode("ascii") if value is not None else None


def store_key_pair(
    conn: Connection, manager_key: bytes | None, name: str, private_b64: str, public_b64: str
) -> None:
    """Keep a new key pair: the private half in the vault (or, before the upgrade, the old place)."""
    if manager_key is not None and manager_vault.installed_key_id(conn) is not None:
        manager_vault.put(conn, manager_key, name, private_b64.encode("ascii"))
    else:
        setting_repo.set_app_setting(conn, name, private_b64)
    setting_repo.set_app_setting(conn, public_setting(name), public_b64)


def install(session: Session, manager_key: bytes) -> None:
    """Make ``manager_key`` this casebook's: move every manager-only secret under it (call inside a
    unit of work, after the key is sealed in the slot file, so a crash never loses it)."""
    conn = session.conn
    manager_vault.set_key_id(conn, manager_key)
    for name in MOVED_SECRETS:
        value = setting_repo.get_app_setting(conn, name)
        if value is not None:
            manager_vault.put(conn, manager_key, name, value.encode("ascii"))
            conn.execute("DELETE FROM app_settings WHERE key = ?", (name,))
    if public_key(conn, AUDIT_SIGNING_KEY) is None:
        make_ed25519_pair(conn, manager_key, AUDIT_SIGNING_KEY)
    restricted_content.seal_all(conn, manager_key)


def reencrypt(conn: Connection, old_key: bytes, new_key: bytes) -> None:
    """Everything under the manager key moved to ``new_key`` (inside the rotation's transaction)."""
    manager_vault.reencrypt_vault(conn, old_key, new_key)
    manager_vault.add_link(conn, old_key, new_key)
    restricted_content.reencrypt_all(conn, old_key, new_key)
    manager_vault.set_key_id(conn, new_key)


def make_ed25519_pair(conn: Connection, manager_key: bytes | None, name: str) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    store_key_pair(conn, manager_key, name, base64.b64encode(raw).decode(), base64.b64encode(public).decode())
    return key


def settle_at_unlock(
    session: Session,
    slot: keyslots.KeySlot | None,
    manager_keys: list[bytes],
    opened: keyslots.SlotKeys | None = None,
) -> Session:
    """After a slot opened the casebook: hold the manager key if this slot carries the right one.

    A staff row saying "manager" without the key (a role raised by SQL, or a slot made outside the app)
    signs in as a practitioner. A manager's first unlock after the upgrade makes the key: it is sealed to
    every manager slot and the recovery slot first, then the secrets move under it in one transaction.
    """
    conn = session.conn
    if manager_vault.installed_key_id(conn) is not None:
        key = manager_vault.matching_key(conn, manager_keys)
        pinned = opened.pinned if opened is not None else None
        if pinned is not None and (key is None or not manager_vault.follows_from(conn, pinned, key)):
            # The key in use is not the one this person last held, nor one that follows from it: a
            # manager key minted outside the app (anyone who can write the key file can seal one to
            # every slot). The pinned key is the real one: put it back, so the minted one opens nothing
            # recorded from now on.
            if session.user.is_manager and slot is not None and slot.may_hold_manager_key:
                _reinstate(session, pinned)
                return session
            key = None
        if key is not None and session.user.is_manager:
            session.set_manager_key(key)
            _repair_public_key(session, key)
            if opened is not None and slot is not None and pinned != key:
                _pin(session, slot, opened, key)
        elif session.user.is_manager:
            _demote(session)
        return session
    slot_is_manager = slot is None or slot.may_hold_manager_key
    if _vault_in_use(conn):
        # The casebook was upgraded, yet its manager key's name is gone: removed by someone holding
        # the data key. Never "upgrade" again (that would move app_settings, which they may have
        # filled with keys of their own, over the vault's): put the name back if this key opens it.
        key = _key_opening_vault(conn, manager_keys) if slot_is_manager else None
        if key is None or not session.user.is_manager:
            if session.user.is_manager:
                _demote(session)
            return session
        from setting_app.services import audit

        with unit_of_work(conn):
            manager_vault.set_key_id(conn, key)
            for name in MOVED_SECRETS:
                conn.execute("DELETE FROM app_settings WHERE key = ?", (name,))
            audit.record(
                session,
                audit.ACCOUNT,
                object_type="casebook",
                detail="the manager key's name had been removed outside the app: put back",
            )
        session.set_manager_key(key)
        _repair_public_key(session, key)
        return session
    if not (session.user.is_manager and slot_is_manager):
        if session.user.is_manager:
            # A role raised by SQL, on a casebook whose manager_key_id is missing (not yet upgraded, or
            # deleted by someone holding the data key): a practitioner's slot makes a practitioner.
            _demote(session)
        return session
    key = manager_keys[0] if manager_keys else keyslots.new_data_key()
    paths = CasebookPaths(session.data_dir)
    slot_file = keyslots.read_slot_file(paths.slots)
    data_keys = [session.data_key()]
    keyslots.write_slot_file(paths.slots, slot_file.resealed(data_keys, [key]))
    if opened is not None and slot is not None:
        _pin(session, slot, opened, key)
    with unit_of_work(conn):
        install(session, key)
        from setting_app.services import audit

        session.set_manager_key(key)
        audit.record(
            session,
            audit.ACCOUNT,
            object_type="casebook",
            detail="manager key made: restricted content and the setting's private keys moved under it",
        )
    return session


def _vault_in_use(conn: Connection) -> bool:
    return conn.execute("SELECT 1 FROM manager_vault LIMIT 1").fetchone() is not None


def _key_opening_vault(conn: Connection, candidates: list[bytes]) -> bytes | None:
    return next((key for key in candidates if manager_vault.opens_vault(conn, key)), None)


def _public_half(name: str, private_b64: str) -> str | None:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    try:
        raw = base64.b64decode(private_b64)
        if name == TRANSFER_KEY:
            public = X25519PrivateKey.from_private_bytes(raw).public_key()
        else:
            public = Ed25519PrivateKey.from_private_bytes(raw).public_key()
    except ValueError:
        return None
    return base64.b64encode(
        public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    ).decode()


def _repair_public_key(session: Session, key: bytes) -> None:
    """Public halves are readable and writable with the data key: the one practitioners seal restricted
    content to, the transfer key's (other settings seal families to it) and the export and audit keys'
    (returns and signed heads are checked with them). A manager's sign-in derives each from what the
    manager key holds, puts back any that was changed or removed, and says so in the audit trail."""
    conn = session.conn
    repaired: list[str] = []
    if restricted_content.stored_public_key(conn) != restricted_content.public_key_for(key):
        repaired.append(restricted_content.PUBLIC_KEY_SETTING)
    pairs: dict[str, str] = {}
    for name in (EXPORT_SIGNING_KEY, TRANSFER_KEY, AUDIT_SIGNING_KEY):
        try:
            private = manager_vault.get(conn, key, name)
        except manager_vault.SealedContentDamaged:
            continue  # reported where the key is used
        public = _public_half(name, private.decode("ascii")) if private is not None else None
        if public is not None and public_key(conn, name) != public:
            pairs[name] = public
            repaired.append(public_setting(name))
    if not repaired:
        return
    from setting_app.services import audit

    with unit_of_work(conn):
        restricted_content.set_public_key(conn, key)
        for name, public in pairs.items():
            setting_repo.set_app_setting(conn, public_setting(name), public)
        audit.record(
            session,
            audit.ACCOUNT,
            object_type="casebook",
            detail="changed outside the app and put back: " + ", ".join(repaired),
        )


def _pin(session: Session, slot: keyslots.KeySlot, opened: keyslots.SlotKeys, key: bytes) -> None:
    """This person's slot now pins ``key`` (what only their passphrase opens records it)."""
    paths = CasebookPaths(session.data_dir)
    slot_file = keyslots.read_slot_file(paths.slots)
    current = next((s for s in slot_file.slots if s.slot_id == slot.slot_id), None)
    if current is None or current.salt != slot.salt:
        return  # changed meanwhile (a new passphrase): it pins at the next sign-in
    keyslots.write_slot_file(paths.slots, slot_file.with_slot(keyslots.repinned(current, opened, key)))


def _reinstate(session: Session, pinned: bytes) -> None:
    """Put this manager's pinned key back as the casebook's manager key, sealed to every manager slot
    and the recovery slot, and say so in the audit trail. Secrets deleted from the vault meanwhile must
    come back from a backup; restricted content sealed to the minted key meanwhile cannot be read."""
    from setting_app.services import audit

    paths = CasebookPaths(session.data_dir)
    slot_file = keyslots.read_slot_file(paths.slots)
    keyslots.write_slot_file(paths.slots, slot_file.resealed([session.data_key()], [pinned]))
    with unit_of_work(session.conn):
        manager_vault.set_key_id(session.conn, pinned)
        restricted_content.set_public_key(session.conn, pinned)
        session.set_manager_key(pinned)
        audit.record(
            session,
            audit.ACCOUNT,
            object_type="casebook",
            detail=(
                "the manager key in use did not follow from the one this manager last held (replaced "
                "outside the app): the manager's own key was put back; check the vault against a backup"
            ),
        )
    _repair_public_key(session, pinned)


def _demote(session: Session) -> None:
    from dataclasses import replace

    session.user = replace(session.user, role=Role.PRACTITIONER)

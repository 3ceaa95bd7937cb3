"""The setting's transfer key: the X25519 key other settings seal a family's record to.

Made the first time it is needed; the private half is kept under the manager key (like the Ed25519
export key, which signs what this setting sends), so only a manager's sign-in can open a transfer. Its fingerprint (8 groups of 4 hex digits,
``signing.fingerprint``) is what two managers read to each other on the phone.

The key file a setting hands to the settings that will send it records is JSON
(``setting-app/transfer-key``, version 1): the setting's name and URN, the X25519 transfer public key
and the Ed25519 signing public key (base64), each with its fingerprint. It holds nothing secret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from setting_app.domain.errors import AppError
from setting_app.services import audit, export_keys, manager_key
from setting_app.services.la_export import signing
from setting_app.services.session import Session
from setting_app.storage import setting_repo
from setting_app.storage.database import Connection
from setting_app.storage.fsutil import atomic_write
from setting_app.storage.rows import from_datetime
from setting_app.storage.unit_of_work import unit_of_work

PRIVATE_KEY_SETTING = "transfer_key"
CREATED_SETTING = "transfer_key_created"
KEY_FILE_FORMAT = "setting-app/transfer-key"
KEY_FILE_VERSION = 1
#: A key file is a few hundred bytes: anything much larger is not one.
MAX_KEY_FILE_BYTES = 64 * 1024


@dataclass(frozen=True)
class SettingKeys:
    """A setting's public keys, as its key file carries them."""

    setting_name: str
    urn: str
    #: X25519, raw 32 bytes: files for this setting are sealed to it.
    transfer_public: bytes
    #: Ed25519, raw 32 bytes: what this setting sends is signed with its private half.
    signing_public: bytes

    @property
    def fingerprint(self) -> str:
        return signing.fingerprint(self.transfer_public)

    @property
    def signing_fingerprint(self) -> str:
        return signing.fingerprint(self.signing_public)


def _private(raw: str | None) -> X25519PrivateKey | None:
    if raw is None:
        return None
    try:
        return X25519PrivateKey.from_private_bytes(signing.unb64(raw, "the transfer key"))
    except (ValueError, AppError):
        raise AppError("The setting's transfer key in the casebook is damaged; ask for support.") from None


def _public_raw(conn: Connection) -> bytes | None:
    public = manager_key.public_key(conn, PRIVATE_KEY_SETTING)
    if public is not None:
        return signing.unb64(public, "the transfer key")
    legacy = _private(setting_repo.get_app_setting(conn, PRIVATE_KEY_SETTING))  # before the upgrade
    return signing.raw_public(legacy.public_key()) if legacy is not None else None


def ensure_transfer_key(session: Session) -> str:
    """The transfer key's fingerprint, making the key first (a manager's sign-in) if there is none."""
    public = _public_raw(session.conn)
    if public is None:
        vault_key = (
            session.manager_key("make the setting's transfer key") if session.has_manager_key else None
        )
        if vault_key is None:
            session.require_manager("make the setting's transfer key")
        with unit_of_work(session.conn):
            public = _public_raw(session.conn)  # another window may have made it meanwhile
            if public is None:
                key = X25519PrivateKey.generate()
                raw = key.private_bytes(
                    serialization.Encoding.Raw,
                    serialization.PrivateFormat.Raw,
                    serialization.NoEncryption(),
                )
                public = signing.raw_public(key.public_key())
                manager_key.store_key_pair(
                    session.conn, vault_key, PRIVATE_KEY_SETTING, signing.b64(raw), signing.b64(public)
                )
                setting_repo.set_app_setting(
                    session.conn, CREATED_SETTING, from_datetime(session.clock.now())
                )
                audit.record(
                    session,
                    audit.SETTINGS,
                    object_type="transfer_key",
                    detail="made the setting's transfer key",
                )
    return signing.fingerprint(public)


def transfer_private_key(session: Session) -> X25519PrivateKey:
    """Opens transfers sealed to this setting: needs a manager's sign-in (the manager key)."""
    ensure_transfer_key(session)
    key = _private(manager_key.private_key(session, PRIVATE_KEY_SETTING, "open a transfer"))
    if key is None:
        raise AppError("The setting's transfer key is missing from the casebook; ask for support.")
    return key


def transfer_key_fingerprint(session: Session) -> str:
    return ensure_transfer_key(session)


def my_keys(session: Session) -> SettingKeys:
    """This setting's public keys (both made now if missing: that needs a manager)."""
    ensure_transfer_key(session)
    export_keys.ensure_export_key(session)
    transfer_public = _public_raw(session.conn)
    signing_public = signing.unb64(export_keys.public_key_b64(session.conn) or "", "the export key")
    assert transfer_public is not None
    return SettingKeys(
        setting_name=session.setting.name,
        urn=session.setting.urn,
        transfer_public=transfer_public,
        signing_public=signing_public,
    )


def key_file_bytes(keys: SettingKeys) -> bytes:
    document = {
        "format": KEY_FILE_FORMAT,
        "version": KEY_FILE_VERSION,
        "setting_name": keys.setting_name,
        "urn": keys.urn,
        "transfer_public_key": signing.b64(keys.transfer_public),
        "transfer_key_fingerprint": keys.fingerprint,
        "signing_public_key": signing.b64(keys.signing_public),
        "signing_key_fingerprint": keys.signing_fingerprint,
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_key_file(session: Session, path: Path) -> SettingKeys:
    """Write this setting's key file (atomically); returns the keys written."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise AppError(f"{path} is a folder: give a file name to write the key file to.")
    session.check_output_path(path)
    keys = my_keys(session)
    try:
        atomic_write(path, key_file_bytes(keys))
    except OSError as exc:
        raise AppError(f"Could not write {path}: {exc.strerror or exc}. Nothing was written.") from None
    return keys


def read_key_file(path: Path) -> SettingKeys:
    """Another setting's key file, checked: plain refusals for anything else."""
    path = Path(path).expanduser()
    not_one = (
        f"{path.name} is not a transfer key file (ask the receiving setting for theirs: Records → Transfers)."
    )
    try:
        if path.exists() and not path.is_dir() and not path.is_file():  # a pipe would wait for ever
            raise AppError(not_one)
        with path.open("rb") as handle:
            raw = handle.read(MAX_KEY_FILE_BYTES + 1)
    except FileNotFoundError:
        raise AppError(f"There is no file at {path}.") from None
    except IsADirectoryError:
        raise AppError(f"{path} is a folder, not a transfer key file.") from None
    except OSError as exc:
        raise AppError(f"Could not read {path}: {exc.strerror or exc}.") from None
    if len(raw) > MAX_KEY_FILE_BYTES:
        raise AppError(not_one)
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise AppError(not_one) from None
    if not isinstance(document, dict) or document.get("format") != KEY_FILE_FORMAT:
        raise AppError(not_one)
    version = document.get("version")
    if type(version) is not int or version > KEY_FILE_VERSION:
        raise AppError(f"{path.name} was made by a newer version of the app; update this app to read it.")
    damaged = f"{path.name} is damaged (its keys do not match their fingerprints); ask for a new copy."
    try:
        name = document["setting_name"]
        urn = document.get("urn", "") or ""
        transfer_public = signing.unb64(document["transfer_public_key"], "the transfer key")
        signing_public = signing.unb64(document["signing_public_key"], "the signing key")
    except (KeyError, TypeError, AppError):
        raise AppError(damaged) from None
    if not isinstance(name, str) or not name.strip() or not isinstance(urn, str):
        raise AppError(damaged)
    if len(transfer_public) != 32 or len(signing_public) != 32:
        raise AppError(damaged)
    keys = SettingKeys(name.strip(), urn.strip(), transfer_public, signing_public)
    if (
        document.get("transfer_key_fingerprint", keys.fingerprint) != keys.fingerprint
        or document.get("signing_key_fingerprint", keys.signing_fingerprint) != keys.signing_fingerprint
    ):
        raise AppError(damaged)
    return keys


def normalise_fingerprint(text: str) -> str:
    """``"ab12 CD34 ..."`` → ``"AB12CD34..."`` (spaces, dashes and case do not matter when comparing)."""
    return "".join(ch for ch in (text or "").upper() if ch in "0123456789ABCDEF")

"""Key slots: several passphrases (and one recovery code) each unwrap the same random data key.

Like LUKS: the database is encrypted with a random 256-bit data key; each staff member's slot holds
that key wrapped with AES-GCM under a key derived from their passphrase by Argon2id. The slot's
identity (kind, user, role, format version) is the associated data, so a slot cannot be relabelled.

The slot file holds one JSON object per line, each with a checksum, so damage to one line leaves the
other slots usable and is reported as damage rather than as a wrong passphrase.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import unicodedata
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from setting_app.domain.errors import (
    KeySlotDamaged,
    PassphraseNotRecognised,
    RecoveryCodeNotRecognised,
    UnknownUser,
)
from setting_app.storage.fsutil import atomic_write

SLOT_FILE_FORMAT = "setting-app/keyslots"
SLOT_FORMAT = "setting-app/keyslot"
SLOT_FORMAT_VERSION = 1
DATA_KEY_BYTES = 32
RECOVERY_CODE_BYTES = 20  # 160 bits, shown as 32 base32 characters
RECOVERY_SLOT_ID = "recovery"


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. Memory in KiB."""

    memory_kib: int = 64 * 1024
    iterations: int = 3
    lanes: int = 4


#: What every real casebook uses. A test asserts these values.
PRODUCTION_KDF = KdfParams()

#: Cheap derivation for building many casebooks in the test suite. Never the default anywhere.
TEST_ONLY_FAST_KDF = KdfParams(memory_kib=256, iterations=1, lanes=1)


@dataclass(frozen=True)
class KeySlot:
    slot_id: str
    kind: str  # "user" or "recovery"
    username: str | None
    role: str | None
    kdf: KdfParams
    salt: bytes
    nonce: bytes
    wrapped_key: bytes
    created_at: str

    def associated_data(self) -> bytes:
        identity = {
            "format": SLOT_FORMAT,
            "version": SLOT_FORMAT_VERSION,
            "kind": self.kind,
            "username": self.username,
            "role": self.role,
        }
        return json.dumps(identity, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True)
class SlotFile:
    slots: tuple[KeySlot, ...]
    damaged_lines: int = 0

    def find_user(self, username: str) -> KeySlot | None:
        return next((s for s in self.slots if s.kind == "user" and s.username == username), None)

    def recovery(self) -> KeySlot | None:
        return next((s for s in self.slots if s.kind == "recovery"), None)

    def without(self, slot_id: str) -> SlotFile:
        return replace(self, slots=tuple(s for s in self.slots if s.slot_id != slot_id))

    def with_slot(self, slot: KeySlot) -> SlotFile:
        """Add a slot, or replace the one with the same id in place (other lines stay byte for byte)."""
        if any(s.slot_id == slot.slot_id for s in self.slots):
            return replace(self, slots=tuple(slot if s.slot_id == slot.slot_id else s for s in self.slots))
        return replace(self, slots=(*self.slots, slot))


def new_data_key() -> bytes:
    return secrets.token_bytes(DATA_KEY_BYTES)


def new_recovery_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(RECOVERY_CODE_BYTES)).decode().rstrip("=")
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _normalise_passphrase(passphrase: str) -> bytes:
    # The same passphrase typed on two keyboards can differ in Unicode form; NFC makes them equal.
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def _derive(secret: bytes, salt: bytes, kdf: KdfParams) -> bytes:
    return Argon2id(
        salt=salt, length=32, iterations=kdf.iterations, lanes=kdf.lanes, memory_cost=kdf.memory_kib
    ).derive(secret)


def _make_slot(
    slot_id: str,
    kind: str,
    username: str | None,
    role: str | None,
    secret: bytes,
    data_key: bytes,
    kdf: KdfParams,
) -> KeySlot:
    salt = secrets.token_bytes(16)
    nonce = secrets.token_bytes(12)
    created = datetime.now(UTC).replace(microsecond=0).isoformat()
    slot = KeySlot(slot_id, kind, username, role, kdf, salt, nonce, b"", created)
    wrapped = AESGCM(_derive(secret, salt, kdf)).encrypt(nonce, data_key, slot.associated_data())
    return replace(slot, wrapped_key=wrapped)


def make_user_slot(username: str, role: str, passphrase: str, data_key: bytes, kdf: KdfParams) -> KeySlot:
    return _make_slot(
        f"user:{username}", "user", username, role, _normalise_passphrase(passphrase), data_key, kdf
    )


def make_recovery_slot(code: str, data_key: bytes, kdf: KdfParams) -> KeySlot:
    secret = normalise_recovery_code(code).encode()
    return _make_slot(RECOVERY_SLOT_ID, "recovery", None, None, secret, data_key, kdf)


def _unwrap(slot: KeySlot, secret: bytes) -> bytes:
    try:
        return AESGCM(_derive(secret, slot.salt, slot.kdf)).decrypt(
            slot.nonce, slot.wrapped_key, slot.associated_data()
        )
    except InvalidTag:
        raise PassphraseNotRecognised() from None


def unwrap_with_passphrase(slot: KeySlot, passphrase: str) -> bytes:
    return _unwrap(slot, _normalise_passphrase(passphrase))


def unwrap_with_recovery_code(slot: KeySlot, code: str) -> bytes:
    try:
        return _unwrap(slot, normalise_recovery_code(code).encode())
    except PassphraseNotRecognised:
        raise RecoveryCodeNotRecognised() from None


# --- the file ----------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _checksum(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:32]


def _slot_line(slot: KeySlot) -> str:
    body = {
        "format": SLOT_FORMAT,
        "version": SLOT_FORMAT_VERSION,
        "id": slot.slot_id,
        "kind": slot.kind,
        "username": slot.username,
        "role": slot.role,
        "kdf": {"name": "argon2id", **asdict(slot.kdf)},
        "salt": _b64(slot.salt),
        "nonce": _b64(slot.nonce),
        "wrapped_key": _b64(slot.wrapped_key),
        "created_at": slot.created_at,
    }
    return json.dumps({**body, "check": _checksum(body)}, sort_keys=True)


def _parse_slot_line(line: str) -> KeySlot:
    data = json.loads(line)
    check = data.pop("check")
    if _checksum(data) != check or data["format"] != SLOT_FORMAT or data["kdf"].pop("name") != "argon2id":
        raise ValueError("checksum or format")
    if data["version"] != SLOT_FORMAT_VERSION:
        raise ValueError("unknown slot version")
    return KeySlot(
        slot_id=data["id"],
        kind=data["kind"],
        username=data["username"],
        role=data["role"],
        kdf=KdfParams(**data["kdf"]),
        salt=base64.b64decode(data["salt"], validate=True),
        nonce=base64.b64decode(data["nonce"], validate=True),
        wrapped_key=base64.b64decode(data["wrapped_key"], validate=True),
        created_at=data["created_at"],
    )


def read_slot_file(path: Path) -> SlotFile:
    """Read every intact slot; count the lines that are damaged instead of failing on them."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return SlotFile(slots=())
    slots: list[KeySlot] = []
    damaged = 0
    for line in raw.splitlines():
        try:
            text = line.decode("utf-8").strip()
        except UnicodeDecodeError:
            damaged += 1
            continue
        if not text:
            continue
        try:
            if json.loads(text).get("format") == SLOT_FILE_FORMAT:
                continue  # the header line
        except (ValueError, AttributeError):
            damaged += 1
            continue
        try:
            slots.append(_parse_slot_line(text))
        except (ValueError, KeyError, TypeError, AttributeError):
            damaged += 1
    return SlotFile(slots=tuple(slots), damaged_lines=damaged)


def write_slot_file(path: Path, slot_file: SlotFile) -> None:
    header = json.dumps({"format": SLOT_FILE_FORMAT, "version": SLOT_FORMAT_VERSION})
    lines = [header, *(_slot_line(s) for s in slot_file.slots)]
    atomic_write(path, ("\n".join(lines) + "\n").encode())
    # Keep the file's own mode private even if something later loosened it.
    os.chmod(path, 0o600)


def find_user_slot(slot_file: SlotFile, username: str) -> KeySlot:
    slot = slot_file.find_user(username)
    if slot is not None:
        return slot
    if slot_file.damaged_lines:
        raise KeySlotDamaged(
            f"No usable key for '{username}': the key file has {slot_file.damaged_lines} damaged "
            "entry(ies). Use the recovery code, or ask a manager to set a new passphrase for you."
        )
    raise UnknownUser(f"There is no staff account called '{username}' in this casebook.")

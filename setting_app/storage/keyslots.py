"""Key slots: several passphrases (and one recovery code) each open the same random data key.

Like LUKS, the database is encrypted with a random 256-bit data key and each person has a slot. A
slot is an X25519 key pair: its private key is wrapped with AES-GCM under a key derived from the
passphrase by Argon2id, and the data key is sealed to its public key (ephemeral X25519, HKDF-SHA256,
AES-GCM). Sealing needs no secret, so when someone leaves, a manager can rotate the data key and
reseal it for everyone who remains without knowing their passphrases. The slot's identity (kind,
user, role, format version) is the associated data everywhere, so a slot cannot be relabelled.

During a rotation a slot may hold two sealed keys (old and new); unlocking tries each.

Manager slots and the recovery slot also seal a second secret, the **manager key**, under associated
data marked as such. It opens what only managers may use (restricted content, the signing and
transfer keys: ``manager_vault``). A practitioner's slot never holds it, so their passphrase plus the
data key plus plain SQL still cannot read restricted notes or act as a manager.

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
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from setting_app.domain.errors import (
    KeySlotDamaged,
    PassphraseNotRecognised,
    RecoveryCodeNotRecognised,
    UnknownUser,
)
from setting_app.storage.bounded_read import read_bytes
from setting_app.storage.fsutil import atomic_write

SLOT_FILE_FORMAT = "setting-app/keyslots"
SLOT_FORMAT = "setting-app/keyslot"
SLOT_FORMAT_VERSION = 1
SLOT_FILE_LIMIT = 4 * 1024 * 1024  # thousands of slots; a folder, device or huge file is refused
#: A slot asking for more than this is damaged (or hostile): deriving it would exhaust memory or time.
MAX_SLOT_KDF = {"memory_kib": 256 * 1024, "iterations": 64, "lanes": 16}
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
class SealedKey:
    """The data key sealed to a slot's public key."""

    key_id: str
    ephemeral_public: bytes
    nonce: bytes
    ciphertext: bytes


@dataclass(frozen=True)
class KeySlot:
    slot_id: str
    kind: str  # "user" or "recovery"
    username: str | None
    role: str | None
    kdf: KdfParams
    salt: bytes
    nonce: bytes
    wrapped_private_key: bytes
    public_key: bytes
    sealed: tuple[SealedKey, ...]
    created_at: str
    #: The manager key(s) sealed to this slot: manager and recovery slots only (two during a rotation).
    sealed_manager: tuple[SealedKey, ...] = ()

    @property
    def may_hold_manager_key(self) -> bool:
        return self.kind == "recovery" or self.role == "manager"

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

    def resealed(self, data_keys: list[bytes], manager_keys: list[bytes] | None = None) -> SlotFile:
        """Every slot sealing exactly these data keys (newest first). Needs no passphrase.

        With ``manager_keys``, manager and recovery slots seal exactly those too (and other slots none);
        without, each slot keeps the manager keys it has (a practitioner cannot reseal what they cannot read).
        """
        slots = tuple(reseal(s, data_keys) for s in self.slots)
        if manager_keys is not None:
            slots = tuple(reseal_manager(s, manager_keys) for s in slots)
        return replace(self, slots=slots)


def new_data_key() -> bytes:
    return secrets.token_bytes(DATA_KEY_BYTES)


def key_id(data_key: bytes) -> str:
    """A short public name for a data key, so a slot can say which key(s) it seals."""
    return hashlib.sha256(b"setting-app/key-id\x00" + data_key).hexdigest()[:16]


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


def _raw_public(private: X25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _seal_key(shared: bytes, aad: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"setting-app/seal\x00" + aad).derive(
        shared
    )


def _seal(public_key: bytes, data_key: bytes, aad: bytes) -> SealedKey:
    ephemeral = X25519PrivateKey.generate()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public_key))
    nonce = secrets.token_bytes(12)
    ciphertext = AESGCM(_seal_key(shared, aad)).encrypt(nonce, data_key, aad)
    return SealedKey(key_id(data_key), _raw_public(ephemeral), nonce, ciphertext)


def reseal(slot: KeySlot, data_keys: list[bytes]) -> KeySlot:
    aad = slot.associated_data()
    return replace(slot, sealed=tuple(_seal(slot.public_key, k, aad) for k in data_keys))


def _manager_aad(slot: KeySlot) -> bytes:
    # Distinct from the data key's, so a sealed data key cannot be passed off as a manager key.
    return slot.associated_data() + b"/manager-key"


def reseal_manager(slot: KeySlot, manager_keys: list[bytes]) -> KeySlot:
    """Seal exactly these manager keys to a manager or recovery slot; any other slot gets none."""
    if not slot.may_hold_manager_key:
        return replace(slot, sealed_manager=())
    aad = _manager_aad(slot)
    return replace(slot, sealed_manager=tuple(_seal(slot.public_key, k, aad) for k in manager_keys))


def _make_slot(
    slot_id: str,
    kind: str,
    username: str | None,
    role: str | None,
    secret: bytes,
    data_key: bytes,
    kdf: KdfParams,
    manager_key: bytes | None = None,
) -> KeySlot:
    private = X25519PrivateKey.generate()
    created = datetime.now(UTC).replace(microsecond=0).isoformat()
    slot = KeySlot(slot_id, kind, username, role, kdf, b"", b"", b"", _raw_public(private), (), created)
    pin = manager_key if manager_key is not None and slot.may_hold_manager_key else None
    slot = _wrap_private(slot, private, secret, kdf, pin)
    slot = reseal(slot, [data_key])
    return reseal_manager(slot, [manager_key]) if manager_key is not None else slot


def _raw_private(private: X25519PrivateKey) -> bytes:
    return private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def _wrap_private(
    slot: KeySlot, private: X25519PrivateKey, secret: bytes, kdf: KdfParams, pin: bytes | None = None
) -> KeySlot:
    """Wrap the slot's private key under the passphrase, with the manager key it pins (if any).

    The pin is the manager key this person last held, inside what only their passphrase opens: someone
    who can rewrite the slot file can seal a key of their own to every slot (sealing needs no secret),
    but cannot change what a slot pins, so a manager key minted outside the app is caught at sign-in.
    """
    salt = secrets.token_bytes(16)
    nonce = secrets.token_bytes(12)
    plaintext = _raw_private(private) + (pin or b"")
    wrapped = AESGCM(_derive(secret, salt, kdf)).encrypt(nonce, plaintext, slot.associated_data())
    return replace(slot, kdf=kdf, salt=salt, nonce=nonce, wrapped_private_key=wrapped)


def make_user_slot(
    username: str,
    role: str,
    passphrase: str,
    data_key: bytes,
    kdf: KdfParams,
    manager_key: bytes | None = None,
) -> KeySlot:
    """A person's slot. ``manager_key`` is sealed only if the role is manager."""
    return _make_slot(
        f"user:{username}",
        "user",
        username,
        role,
        _normalise_passphrase(passphrase),
        data_key,
        kdf,
        manager_key if role == "manager" else None,
    )


def make_recovery_slot(
    code: str, data_key: bytes, kdf: KdfParams, manager_key: bytes | None = None
) -> KeySlot:
    secret = normalise_recovery_code(code).encode()
    return _make_slot(RECOVERY_SLOT_ID, "recovery", None, None, secret, data_key, kdf, manager_key)


def _unwrap(slot: KeySlot, secret: bytes) -> tuple[X25519PrivateKey, bytes | None, bytes]:
    """The slot's private key, the manager key it pins (or None), and the passphrase-derived key."""
    derived = _derive(secret, slot.salt, slot.kdf)
    try:
        raw = AESGCM(derived).decrypt(slot.nonce, slot.wrapped_private_key, slot.associated_data())
    except InvalidTag:
        raise PassphraseNotRecognised() from None
    pin = raw[32:64] if len(raw) == 32 + DATA_KEY_BYTES else None
    return X25519PrivateKey.from_private_bytes(raw[:32]), pin, derived


def _private_key(slot: KeySlot, secret: bytes) -> X25519PrivateKey:
    return _unwrap(slot, secret)[0]


def _open_each(private: X25519PrivateKey, sealed_keys: tuple[SealedKey, ...], aad: bytes) -> list[bytes]:
    keys = []
    for sealed in sealed_keys:
        try:
            shared = private.exchange(X25519PublicKey.from_public_bytes(sealed.ephemeral_public))
            keys.append(AESGCM(_seal_key(shared, aad)).decrypt(sealed.nonce, sealed.ciphertext, aad))
        except (InvalidTag, ValueError):
            continue
    return keys


def _open_sealed(slot: KeySlot, private: X25519PrivateKey) -> list[bytes]:
    keys = _open_each(private, slot.sealed, slot.associated_data())
    if not keys:
        raise KeySlotDamaged(
            f"The key slot of '{slot.username or 'the recovery code'}' is damaged. Use the recovery code, or ask "
            "a manager to set a new passphrase."
        )
    return keys


@dataclass(frozen=True)
class SlotKeys:
    """What one slot opens: the data key(s) and, for managers and the recovery code, the manager key(s)."""

    data_keys: list[bytes]
    manager_keys: list[bytes]
    #: The manager key this slot pins (the one its owner last held), or None (a slot made before pins).
    pinned: bytes | None = None
    #: What it takes to pin another key without asking for the passphrase again (see ``repinned``).
    _derived: bytes = field(default=b"", repr=False)
    _private_raw: bytes = field(default=b"", repr=False)


def repinned(current: KeySlot, opened: SlotKeys, manager_key: bytes) -> KeySlot:
    """``current`` (the slot as the file now has it) pinning ``manager_key`` instead: re-encrypted under
    the same passphrase-derived key with a fresh nonce, so no second key derivation is needed."""
    nonce = secrets.token_bytes(12)
    wrapped = AESGCM(opened._derived).encrypt(
        nonce, opened._private_raw + manager_key, current.associated_data()
    )
    return replace(current, nonce=nonce, wrapped_private_key=wrapped)


def _open_slot(slot: KeySlot, private: X25519PrivateKey) -> SlotKeys:
    data_keys = _open_sealed(slot, private)
    manager_keys = (
        _open_each(private, slot.sealed_manager, _manager_aad(slot)) if slot.may_hold_manager_key else []
    )
    if slot.sealed_manager and slot.may_hold_manager_key and not manager_keys:
        raise KeySlotDamaged(
            f"The manager key in the key slot of '{slot.username or 'the recovery code'}' is damaged. Use "
            "the recovery code, or ask another manager to set a new passphrase."
        )
    return SlotKeys(data_keys, manager_keys)


def _opened(slot: KeySlot, secret: bytes) -> SlotKeys:
    private, pin, derived = _unwrap(slot, secret)
    keys = _open_slot(slot, private)
    return replace(keys, pinned=pin, _derived=derived, _private_raw=_raw_private(private))


def open_with_passphrase(slot: KeySlot, passphrase: str) -> SlotKeys:
    """Every key this slot opens with the passphrase (one Argon2id derivation)."""
    return _opened(slot, _normalise_passphrase(passphrase))


def open_with_recovery_code(slot: KeySlot, code: str) -> SlotKeys:
    try:
        return _opened(slot, normalise_recovery_code(code).encode())
    except PassphraseNotRecognised:
        raise RecoveryCodeNotRecognised() from None


def keys_with_passphrase(slot: KeySlot, passphrase: str) -> list[bytes]:
    """Every data key this slot seals (one, or two during a key rotation), newest first."""
    return _open_sealed(slot, _private_key(slot, _normalise_passphrase(passphrase)))


def unwrap_with_passphrase(slot: KeySlot, passphrase: str) -> bytes:
    return keys_with_passphrase(slot, passphrase)[0]


def keys_with_recovery_code(slot: KeySlot, code: str) -> list[bytes]:
    try:
        private = _private_key(slot, normalise_recovery_code(code).encode())
    except PassphraseNotRecognised:
        raise RecoveryCodeNotRecognised() from None
    return _open_sealed(slot, private)


def unwrap_with_recovery_code(slot: KeySlot, code: str) -> bytes:
    return keys_with_recovery_code(slot, code)[0]


def change_slot_passphrase(slot: KeySlot, current: str, new: str, kdf: KdfParams) -> KeySlot:
    """Rewrap this slot's private key (and its pin) under a new passphrase; the sealed keys stay as they are."""
    private, pin, _ = _unwrap(slot, _normalise_passphrase(current))
    return _wrap_private(slot, private, _normalise_passphrase(new), kdf, pin)


# --- the file ----------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _checksum(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:32]


def _sealed_json(k: SealedKey) -> dict:
    return {
        "key_id": k.key_id,
        "ephemeral_public": _b64(k.ephemeral_public),
        "nonce": _b64(k.nonce),
        "ciphertext": _b64(k.ciphertext),
    }


def _sealed_from_json(k: dict) -> SealedKey:
    return SealedKey(k["key_id"], _unb64(k["ephemeral_public"]), _unb64(k["nonce"]), _unb64(k["ciphertext"]))


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
        "wrapped_private_key": _b64(slot.wrapped_private_key),
        "public_key": _b64(slot.public_key),
        "sealed": [_sealed_json(k) for k in slot.sealed],
        "created_at": slot.created_at,
    }
    if slot.sealed_manager:
        body["sealed_manager"] = [_sealed_json(k) for k in slot.sealed_manager]
    return json.dumps({**body, "check": _checksum(body)}, sort_keys=True)


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def _parse_slot_line(line: str) -> KeySlot:
    data = json.loads(line)
    check = data.pop("check")
    if _checksum(data) != check or data["format"] != SLOT_FORMAT or data["kdf"].pop("name") != "argon2id":
        raise ValueError("checksum or format")
    if data["version"] != SLOT_FORMAT_VERSION:
        raise ValueError("unknown slot version")
    for name, most in MAX_SLOT_KDF.items():
        value = data["kdf"].get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= most:
            raise ValueError(f"implausible {name}")
    return KeySlot(
        slot_id=data["id"],
        kind=data["kind"],
        username=data["username"],
        role=data["role"],
        kdf=KdfParams(**data["kdf"]),
        salt=_unb64(data["salt"]),
        nonce=_unb64(data["nonce"]),
        wrapped_private_key=_unb64(data["wrapped_private_key"]),
        public_key=_unb64(data["public_key"]),
        sealed=tuple(_sealed_from_json(k) for k in data["sealed"]),
        created_at=data["created_at"],
        sealed_manager=tuple(_sealed_from_json(k) for k in data.get("sealed_manager", [])),
    )


def read_slot_file(path: Path) -> SlotFile:
    """Read every intact slot; count the lines that are damaged instead of failing on them."""
    if not path.exists():
        return SlotFile(slots=())
    raw = read_bytes(path, SLOT_FILE_LIMIT, "key file")  # a folder, a device or a huge file is refused
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
        except (ValueError, AttributeError, RecursionError):
            damaged += 1
            continue
        try:
            slots.append(_parse_slot_line(text))
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
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
    # The slot file is all that can be read before unlocking: it cannot tell a misspelt name from an
    # account that has no passphrase on this casebook yet (as the demo's practitioners).
    raise UnknownUser(
        f"No passphrase is set up for '{username}' in this casebook: check the username, or ask a "
        "manager to give this account a passphrase (Settings → Staff accounts)."
    )

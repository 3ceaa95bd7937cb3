"""Moving a family's record to another setting that runs this app, and receiving one.

The file (``setting-app/transfer``, version 1) is JSON::

    {"ciphertext": "...", "header": {...}, "signature": "..."}

* ``header``: format, version, algorithm, a random ``transfer_uid``, ``sealed_on``, the sender (name,
  URN, Ed25519 signing public key and its fingerprint), the receiver (name, URN, transfer key
  fingerprint), the ephemeral X25519 public key and the AES-GCM nonce. No personal data.
* ``ciphertext``: the payload (the family's record in the record format, version 3, plus the consent
  or lawful basis the sender recorded) sealed to the receiver's transfer key: ephemeral X25519,
  HKDF-SHA256, AES-256-GCM with the header as associated data (as ``la_export.exact`` does).
* ``signature``: Ed25519 by the sender's signing key over the header and the ciphertext.

The file is written in one canonical form (sorted keys, two-space indent, ASCII): a reader refuses
any other bytes, so one changed byte anywhere, even in the spacing, is refused.

Sending writes the ``transfers`` row, the information-sharing row and the audit row in one
transaction with the file; receiving imports the family, marks its entries and referrals with the
transfer, and writes its own three rows, all or nothing. Staff usernames of the sending setting are
not carried: they name accounts that mean nothing in the receiving casebook.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import stat
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from setting_app.domain import validation
from setting_app.domain.codes import Consent, ReferralStatus
from setting_app.domain.errors import AppError, ImportRejected, NotFound, ValidationError
from setting_app.domain.referrals import FINAL_STATUSES, LawfulBasis, SharingDecision, SharingOccasion
from setting_app.services import agreements, audit, export_keys, info_sharing, records
from setting_app.services.la_export import signing
from setting_app.services.session import Session
from setting_app.services.transfer_keys import (
    SettingKeys,
    my_keys,
    normalise_fingerprint,
    transfer_private_key,
)
from setting_app.storage import family_repo, transfer_repo
from setting_app.storage.fsutil import atomic_write
from setting_app.storage.transfer_repo import NewTransfer, Transfer
from setting_app.storage.unit_of_work import unit_of_work

FORMAT = "setting-app/transfer"
VERSION = 1
PAYLOAD_FORMAT = "setting-app/transfer-payload"
ALGORITHM = "X25519-HKDF-SHA256-AES-256-GCM+Ed25519"
MAX_FILE_BYTES = 64 * 1024 * 1024  # one family, sealed: read whole (a 60 MB one peaks well under 500 MB)
METHOD = "Sealed transfer file (encrypted to the receiving setting's key, signed by the sender)"
DEFAULT_PURPOSE = "The family is moving setting: continuity of their support"
_HKDF_INFO = b"setting-app transfer v1"
_SIGNED_PREFIX = b"setting-app/transfer v1\n"
_ENVELOPE_KEYS = {"ciphertext", "header", "signature"}
#: How every transfer file begins (the canonical form: sorted keys, two-space indent).
_FILE_OPENING = b'{\n  "ciphertext": "'
_STAFF_FIELDS_ENTRY = ("recorded_by",)
_STAFF_FIELDS_REFERRAL = ("made_by", "override_by")


# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SentTransfer:
    transfer: Transfer
    path: Path
    receiver: SettingKeys
    entries: int
    referrals: int
    #: Restricted entries and referrals in the file.
    restricted_sent: int
    #: Restricted entries and referrals the family has that were left out.
    restricted_left_out: int
    #: Closed referrals left out (only open ones go without ``all_referrals``).
    closed_referrals_left_out: int

    def sentence(self) -> str:
        text = (
            f"Sealed {self.transfer.family_ref} for {self.receiver.setting_name} "
            f"(key {self.receiver.fingerprint}) in {self.path}: {self.transfer.contents}."
        )
        if self.restricted_left_out:
            text += f" {_count(self.restricted_left_out, 'restricted record was', 'restricted records were')} left out."
        if self.closed_referrals_left_out:
            text += f" {_count(self.closed_referrals_left_out, 'closed referral was', 'closed referrals were')} left out."
        return text


@dataclass(frozen=True)
class SealedFile:
    """A transfer file whose signature is good (not yet opened)."""

    header: dict
    ciphertext: bytes
    file_sha256: str
    name: str

    @property
    def transfer_uid(self) -> str:
        return str(self.header["transfer_uid"])

    @property
    def sender_name(self) -> str:
        return str(self.header["sender"]["name"])

    @property
    def sender_urn(self) -> str:
        return str(self.header["sender"].get("urn", ""))

    @property
    def sender_fingerprint(self) -> str:
        return signing.fingerprint(signing.unb64(self.header["sender"]["signing_public_key"], "key"))

    @property
    def receiver_fingerprint(self) -> str:
        return str(self.header["receiver"]["transfer_key_fingerprint"])

    @property
    def sealed_on(self) -> date:
        return date.fromisoformat(self.header["sealed_on"])


@dataclass(frozen=True)
class OpenedTransfer:
    """A transfer file opened with this setting's key and checked, ready to import."""

    sealed: SealedFile
    family_ref: str
    records: records.RecordFile
    contents: str
    consent: Consent | None
    consent_by: str
    lawful_basis: LawfulBasis | None
    reason: str
    purpose: str
    restricted_reason: str

    @property
    def sender_name(self) -> str:
        return self.sealed.sender_name

    @property
    def sender_fingerprint(self) -> str:
        return self.sealed.sender_fingerprint

    @property
    def sealed_on(self) -> date:
        return self.sealed.sealed_on


@dataclass(frozen=True)
class ReceivedTransfer:
    transfer: Transfer
    family_id: int
    sender_name: str
    sender_fingerprint: str
    entries: int
    referrals: int

    def sentence(self) -> str:
        return (
            f"Received {self.transfer.family_ref} from {self.sender_name} "
            f"(sealed on {self.transfer.sealed_on.isoformat()}): {self.transfer.contents}."
        )


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _counted(children: int, entries: int, referrals: int, restricted: int) -> str:
    text = (
        f"{_count(children, 'child', 'children')}, "
        f"{_count(entries, 'entry', 'entries')}, {_count(referrals, 'referral', 'referrals')}"
    )
    return text + (f" ({restricted} restricted)" if restricted else "")


def _contents(family: dict) -> str:
    """What the family's record holds, in counts (never notes)."""
    entries, referrals = family["entries"], family["referrals"]
    restricted = sum(1 for e in entries if e.get("restricted")) + sum(
        1 for x in referrals if x.get("restricted")
    )
    return _counted(len(family["children"]), len(entries), len(referrals), restricted)


def _sharing_what(contents: str) -> str:
    """The information-sharing record's words: the counts without how many were restricted, because
    practitioners read that record and must not learn from it that restricted records exist (the
    transfers register and the audit trail, for managers, keep the full count)."""
    if contents.endswith(" restricted)"):
        contents = contents[: contents.rfind(" (")]
    return f"The family's record: {contents}"


def _file_contents(family: records.FileFamily) -> str:
    """The same words for a received family, counted here (never taken from the file's own words)."""
    restricted = sum(e.restricted for e in family.entries) + sum(x.restricted for x in family.referrals)
    return _counted(len(family.children), len(family.entries), len(family.referrals), restricted)


# --- crypto --------------------------------------------------------------------------------------


def _canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _file_bytes(envelope: dict) -> bytes:
    return (json.dumps(envelope, sort_keys=True, indent=2, ensure_ascii=True) + "\n").encode("ascii")


def _signed_bytes(header: dict, ciphertext_b64: str) -> bytes:
    return _SIGNED_PREFIX + _canonical({"ciphertext": ciphertext_b64, "header": header})


def _derive(shared: bytes, ephemeral_raw: bytes, recipient_raw: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=ephemeral_raw + recipient_raw, info=_HKDF_INFO
    ).derive(shared)


def seal(
    payload: dict,
    *,
    receiver: SettingKeys,
    sender: SettingKeys,
    signer,
    transfer_uid: str,
    sealed_on: date,
) -> bytes:
    """The file's bytes: ``payload`` sealed to ``receiver`` and signed by ``signer`` (Ed25519)."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = signing.raw_public(ephemeral.public_key())
    recipient = X25519PublicKey.from_public_bytes(receiver.transfer_public)
    key = _derive(ephemeral.exchange(recipient), ephemeral_raw, receiver.transfer_public)
    nonce = os.urandom(12)
    header = {
        "format": FORMAT,
        "version": VERSION,
        "algorithm": ALGORITHM,
        "transfer_uid": transfer_uid,
        "sealed_on": sealed_on.isoformat(),
        "sender": {
            "name": sender.setting_name,
            "urn": sender.urn,
            "signing_public_key": signing.b64(sender.signing_public),
            "signing_key_fingerprint": sender.signing_fingerprint,
        },
        "receiver": {
            "name": receiver.setting_name,
            "urn": receiver.urn,
            "transfer_key_fingerprint": receiver.fingerprint,
        },
        "ephemeral_public_key": signing.b64(ephemeral_raw),
        "nonce": signing.b64(nonce),
    }
    plaintext = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
    ciphertext = signing.b64(AESGCM(key).encrypt(nonce, plaintext, _canonical(header)))
    signature = signing.sign(signer, _signed_bytes(header, ciphertext))
    return _file_bytes({"header": header, "ciphertext": ciphertext, "signature": signing.b64(signature)})


def _changed(name: str) -> ImportRejected:
    return ImportRejected(
        f"{name} has been changed since it was signed, or damaged on the way: do not use it; "
        "ask the sender for a new file. Nothing was imported."
    )


def _not_transfer(name: str) -> ImportRejected:
    return ImportRejected(f"{name} is not a transfer file from this app. Nothing was imported.")


def _read_bytes(path: Path) -> bytes:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ImportRejected(f"There is no file at {path}.") from None
    except OSError as exc:
        raise ImportRejected(f"Could not read {path}: {exc.strerror or exc}.") from None
    if stat.S_ISDIR(info.st_mode):
        raise ImportRejected(f"{path} is a folder, not a transfer file.")
    if not stat.S_ISREG(info.st_mode):  # a pipe or a device would wait for ever, or never end
        raise _not_transfer(path.name)
    if info.st_size > MAX_FILE_BYTES:
        raise _not_transfer(path.name)
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ImportRejected(f"Could not read {path}: {exc.strerror or exc}.") from None


def read_transfer_file(path: Path) -> SealedFile:
    """Read a transfer file and check its form and signature (no casebook needed)."""
    path = Path(path).expanduser()
    name = path.name
    raw = _read_bytes(path)
    # A file cut short (a failed download, a full memory stick) loses its header, which comes after
    # the ciphertext: its opening still shows it was one of ours, so it is called damaged, not foreign.
    looks_like_one = f'"{FORMAT}"'.encode("ascii") in raw or raw.startswith(_FILE_OPENING)
    try:
        envelope = json.loads(raw.decode("ascii"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise (_changed(name) if looks_like_one else _not_transfer(name)) from None
    if not isinstance(envelope, dict) or set(envelope) != _ENVELOPE_KEYS:
        raise _changed(name) if looks_like_one else _not_transfer(name)
    header = envelope["header"]
    if not isinstance(header, dict):
        raise _changed(name)
    version = header.get("version")
    if header.get("format") == FORMAT and type(version) is int and version > VERSION:
        raise ImportRejected(
            f"{name} was made by a newer version of the app (transfer format version {version}); "
            "update this app to read it. Nothing was imported."
        )
    if _file_bytes(envelope) != raw:
        raise _changed(name)
    try:
        if header["format"] != FORMAT or version != VERSION or header["algorithm"] != ALGORITHM:
            raise _changed(name)
        ciphertext_b64, signature_b64 = envelope["ciphertext"], envelope["signature"]
        sender_key = signing.unb64(header["sender"]["signing_public_key"], "key")
        signature = signing.unb64(signature_b64, "signature")
        ciphertext = signing.unb64(ciphertext_b64, "ciphertext")
        if not isinstance(ciphertext_b64, str) or len(sender_key) != 32:
            raise _changed(name)
        if not signing.signature_ok(sender_key, _signed_bytes(header, ciphertext_b64), signature):
            raise _changed(name)
        sealed = SealedFile(header, ciphertext, hashlib.sha256(raw).hexdigest(), name)
        # Everything below is signed; reading it must not fail later.
        for field in ("transfer_uid", "sender_name", "sender_urn", "receiver_fingerprint", "sealed_on"):
            getattr(sealed, field)
        signing.unb64(header["ephemeral_public_key"], "key")
        signing.unb64(header["nonce"], "nonce")
    except ImportRejected:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, AppError):
        raise _changed(name) from None
    return sealed


def _open_payload(sealed: SealedFile, key: X25519PrivateKey) -> dict:
    header = sealed.header
    try:
        ephemeral_raw = signing.unb64(header["ephemeral_public_key"], "key")
        shared = key.exchange(X25519PublicKey.from_public_bytes(ephemeral_raw))
        secret = _derive(shared, ephemeral_raw, signing.raw_public(key.public_key()))
        plaintext = AESGCM(secret).decrypt(
            signing.unb64(header["nonce"], "nonce"), sealed.ciphertext, _canonical(header)
        )
        payload = json.loads(plaintext.decode("utf-8"))
    except RecursionError:  # sealed and signed, but nested beyond reading: not what this app writes
        raise _changed(sealed.name) from None
    except (InvalidTag, ValueError, KeyError, AppError):
        raise ImportRejected(
            f"{sealed.name} cannot be opened with this setting's transfer key, although it names it: "
            "it was sealed wrongly. Ask the sender for a new file. Nothing was imported."
        ) from None
    if (
        not isinstance(payload, dict)
        or payload.get("format") != PAYLOAD_FORMAT
        or payload.get("transfer_uid") != sealed.transfer_uid
    ):
        raise _changed(sealed.name)
    return payload


# --- sending -------------------------------------------------------------------------------------


def _without_staff(family: dict) -> dict:
    """The family's record without the sending setting's staff usernames."""
    family = dict(family)
    family["key_worker"] = None
    family["entries"] = [{**e, **dict.fromkeys(_STAFF_FIELDS_ENTRY)} for e in family["entries"]]
    referrals = []
    for x in family["referrals"]:
        x = {**x, **dict.fromkeys(_STAFF_FIELDS_REFERRAL)}
        if "history" in x:
            x["history"] = [{**h, "changed_by": None} for h in x["history"]]
        if "chases" in x:
            x["chases"] = [{**c, "chased_by": None} for c in x["chases"]]
        referrals.append(x)
    family["referrals"] = referrals
    return family


def _sharing_basis(
    consent_by: str, lawful_basis: LawfulBasis | str | None, reason: str
) -> tuple[Consent | None, LawfulBasis | None, str, str]:
    """(consent, lawful basis, who consented, reason) from what the manager gave: exactly one of the two."""
    consent_by = (consent_by or "").strip()
    basis = None
    if lawful_basis not in (None, ""):
        basis = validation.parse_code(LawfulBasis, lawful_basis, "lawful basis")
    reason = validation.check_note(reason or "", "reason")
    if consent_by and basis not in (None, LawfulBasis.CONSENT):
        raise ValidationError("consent", "give either the family's consent or another lawful basis, not both")
    if consent_by or basis is LawfulBasis.CONSENT:
        if not consent_by:
            raise ValidationError("consent given by", "say who gave consent to the transfer")
        validation.require_text(consent_by, "consent given by")
        return Consent.GIVEN, LawfulBasis.CONSENT, consent_by, reason
    if basis is None:
        raise ValidationError(
            "consent",
            "record the family's consent (who gave it) or the lawful basis for transferring without it",
        )
    if not reason.strip():
        raise ValidationError("reason", f"say why the record is transferred on the basis '{basis.value}'")
    return None, basis, "", reason


def send_family(
    session: Session,
    ref: str,
    receiver: SettingKeys,
    out: Path,
    *,
    consent_by: str = "",
    lawful_basis: LawfulBasis | str | None = None,
    reason: str = "",
    purpose: str = "",
    all_referrals: bool = False,
    include_restricted: bool = False,
    restricted_reason: str = "",
    agreement_id: int | None = None,
    no_agreement_reason: str = "",
) -> SentTransfer:
    """Seal one family's record for ``receiver`` into ``out`` (managers only), recording it all."""
    session.require_manager("transfer a family's record to another setting")
    out = Path(out).expanduser()
    if out.is_dir():
        raise AppError(f"{out} is a folder: give a file name to write the transfer file to.")
    session.check_output_path(out)
    consent, basis, consent_by, reason = _sharing_basis(consent_by, lawful_basis, reason)
    restricted_reason = validation.check_note(restricted_reason or "", "restricted reason").strip()
    if include_restricted and not restricted_reason:
        raise ValidationError(
            "restricted reason", "say why restricted (safeguarding) records go with the transfer"
        )
    purpose = validation.check_note(purpose or "", "purpose").strip() or DEFAULT_PURPOSE
    conn = session.conn
    today, now = session.clock.today(), session.clock.now()
    sender = my_keys(session)  # made (in their own transactions) before the transfer's
    if receiver.fingerprint == sender.fingerprint:
        raise ValidationError(
            "receiver", "that is this setting's own transfer key file: use the receiving setting's"
        )
    signer = export_keys.signing_key(session)
    written = False
    try:
        with unit_of_work(conn):
            family = family_repo.get_family_by_ref(conn, (ref or "").strip())
            if family is None:
                raise NotFound(f"There is no family with reference '{ref}'; nothing was sent.")
            document = records.export_families(session, [family.ref])
            whole = _without_staff(document["families"][0])
            entries = [e for e in whole["entries"] if include_restricted or not e.get("restricted")]
            referrals = [x for x in whole["referrals"] if include_restricted or not x.get("restricted")]
            restricted_left_out = (
                len(whole["entries"]) - len(entries) + len(whole["referrals"]) - len(referrals)
            )
            open_referrals = [x for x in referrals if ReferralStatus(x["status"]) not in FINAL_STATUSES]
            closed_left_out = 0 if all_referrals else len(referrals) - len(open_referrals)
            if not all_referrals:
                referrals = open_referrals
            sent = {**whole, "entries": entries, "referrals": referrals}
            restricted_sent = sum(1 for e in entries if e.get("restricted")) + sum(
                1 for x in referrals if x.get("restricted")
            )
            contents = _contents(sent)
            cover = agreements.check_cover(
                conn,
                on=today,
                partner=receiver.setting_name,
                agreement_id=agreement_id,
                no_agreement_reason=no_agreement_reason,
            )
            uid = secrets.token_hex(16)
            payload = {
                "format": PAYLOAD_FORMAT,
                "version": VERSION,
                "transfer_uid": uid,
                "family_ref": family.ref,
                "contents": contents,
                "sharing": {
                    "consent": consent.value if consent else None,
                    "consent_by": consent_by,
                    "lawful_basis": basis.value if basis else None,
                    "reason": reason,
                    "purpose": purpose,
                },
                "restricted_reason": restricted_reason if restricted_sent else "",
                "records": {"format": records.FORMAT, "version": records.WRITE_VERSION, "families": [sent]},
            }
            data = seal(
                payload, receiver=receiver, sender=sender, signer=signer, transfer_uid=uid, sealed_on=today
            )
            transfer = transfer_repo.add_transfer(
                conn,
                NewTransfer(
                    direction=transfer_repo.OUT,
                    transfer_uid=uid,
                    family_id=family.id,
                    family_ref=family.ref,
                    other_setting_name=receiver.setting_name,
                    other_setting_urn=receiver.urn,
                    other_key_fingerprint=receiver.fingerprint,
                    sealed_on=today,
                    file_sha256=hashlib.sha256(data).hexdigest(),
                    contents=contents,
                    restricted_included=bool(restricted_sent),
                    restricted_reason=restricted_reason if restricted_sent else "",
                    recorded_by=session.user.id,
                ),
                now,
            )
            info_sharing.record_share(
                conn,
                recipient=receiver.setting_name,
                what=_sharing_what(contents),
                purpose=purpose,
                shared_on=today,
                now=now,
                recorded_by=session.user.id,
                lawful_basis=basis,
                consent=consent,
                occasion=SharingOccasion.TRANSFER,
                family_id=family.id,
                method=METHOD,
                reason=f"Consent given by {consent_by}" if consent else reason,
                today=today,
                transfer_id=transfer.id,
                agreement_id=cover.agreement_id,
                no_agreement_reason=cover.no_agreement_reason,
            )
            audit.record(
                session,
                audit.EXPORT,
                object_type="transfer",
                object_id=transfer.id,
                family_id=family.id,
                detail=f"transfer file sealed for another setting: {contents}"
                + ("; restricted records included" if restricted_sent else ""),
            )
            try:
                atomic_write(out, data)
            except OSError as exc:
                raise AppError(f"Could not write {out}: {exc.strerror or exc}. Nothing was sent.") from None
            written = True
    except BaseException:
        if written:  # the rows were not saved: leave no file that the record does not know about
            with contextlib.suppress(OSError):
                out.unlink()
        raise
    return SentTransfer(
        transfer=transfer,
        path=out,
        receiver=receiver,
        entries=len(entries),
        referrals=len(referrals),
        restricted_sent=restricted_sent,
        restricted_left_out=restricted_left_out,
        closed_referrals_left_out=closed_left_out,
    )


# --- receiving -----------------------------------------------------------------------------------


def _refuse_replay(session: Session, sealed: SealedFile) -> None:
    earlier = transfer_repo.find_by_uid(session.conn, transfer_repo.IN, sealed.transfer_uid)
    if earlier is not None:
        when = (earlier.received_on or earlier.created_at.date()).isoformat()
        raise ImportRejected(
            f"{sealed.name} was already imported on {when} as {earlier.family_ref}. Nothing was imported again."
        )
    erased = transfer_repo.received_on(session.conn, sealed.transfer_uid)
    if erased is not None:
        raise ImportRejected(
            f"{sealed.name} was already imported on {erased.isoformat()}, and that family's record has since "
            "been erased. Nothing was imported again."
        )


class SenderKeyChanged(ImportRejected):
    """A file from a setting this casebook has received from before, signed with a different key.

    The first file from a setting pins its signing key (trust on first use, checked by phone); a new
    key is either the setting's new installation or someone else using its name, so it is held back
    until a manager has checked the new fingerprint with them and confirms it.
    """

    def __init__(self, sealed: SealedFile, known: str) -> None:
        self.sender_name = sealed.sender_name
        self.known_fingerprint = known
        self.new_fingerprint = sealed.sender_fingerprint
        super().__init__(
            f"{sealed.name} says it comes from {sealed.sender_name}, but it is signed with a different key "
            f"({sealed.sender_fingerprint}) from the one their earlier files used ({known}). Phone them: "
            "if they really have a new key, receive the file again with --expect-fingerprint and the new "
            "fingerprint (in the app, confirm the new key when asked). Nothing was imported."
        )


def _sender_id(sealed: SealedFile) -> str:
    """Which setting a file comes from, for pinning its key: its URN, or its name without one."""
    return sealed.sender_urn.strip().upper() or sealed.sender_name.strip().lower()


def open_transfer(
    session: Session, source: Path | SealedFile, *, expect_fingerprint: str | None = None
) -> OpenedTransfer:
    """Check a transfer file is for this setting, new, from the expected sender, and open it."""
    session.require_manager("receive a family's record from another setting")
    sealed = source if isinstance(source, SealedFile) else read_transfer_file(Path(source))
    confirmed = False
    if expect_fingerprint is not None and expect_fingerprint.strip():
        expected = normalise_fingerprint(expect_fingerprint)
        if expected != normalise_fingerprint(sealed.sender_fingerprint):
            raise ImportRejected(
                f"{sealed.name} was signed by the key {sealed.sender_fingerprint}, not the one you expected "
                f"({expect_fingerprint.strip()}): check with the sender before using it. Nothing was imported."
            )
        confirmed = True
    known = transfer_repo.known_sender_key(session.conn, _sender_id(sealed))
    if known is not None and known != sealed.sender_fingerprint and not confirmed:
        raise SenderKeyChanged(sealed, known)
    key = transfer_private_key(session)
    mine = signing.fingerprint(signing.raw_public(key.public_key()))
    if sealed.receiver_fingerprint != mine:
        raise ImportRejected(
            f"This file was sealed for a different setting (key {sealed.receiver_fingerprint}; this setting's "
            f"is {mine}); ask the sender to use your transfer key file. Nothing was imported."
        )
    _refuse_replay(session, sealed)
    payload = _open_payload(sealed, key)
    try:
        sharing = payload["sharing"]
        consent = Consent(sharing["consent"]) if sharing.get("consent") else None
        basis = LawfulBasis(sharing["lawful_basis"]) if sharing.get("lawful_basis") else None
        consent_by, reason, purpose = (str(sharing.get(k) or "") for k in ("consent_by", "reason", "purpose"))
        restricted_reason = str(payload.get("restricted_reason") or "")
        document = payload["records"]
    except (KeyError, TypeError, ValueError, AttributeError):
        raise _changed(sealed.name) from None
    checked = records.parse_record_file(document, today=session.clock.today())
    if len(checked.families) != 1:
        raise _changed(sealed.name)
    checked = _strip_staff(checked)
    contents = _file_contents(checked.families[0])
    return OpenedTransfer(
        sealed=sealed,
        family_ref=checked.families[0].ref,
        records=checked,
        contents=contents,
        consent=consent,
        consent_by=consent_by,
        lawful_basis=basis,
        reason=reason,
        purpose=purpose,
        restricted_reason=restricted_reason,
    )


def _strip_staff(checked: records.RecordFile) -> records.RecordFile:
    """Another setting's usernames would attach its work to this casebook's accounts: drop them."""
    families = []
    for fam in checked.families:
        entries = tuple(replace(e, recorded_by=None) for e in fam.entries)
        referrals = tuple(
            replace(
                x,
                made_by=None,
                override_by=None,
                history=tuple(replace(h, changed_by=None) for h in x.history),
                chases=tuple(replace(c, chased_by=None) for c in x.chases),
            )
            for x in fam.referrals
        )
        families.append(replace(fam, key_worker=None, entries=entries, referrals=referrals))
    return replace(checked, families=tuple(families))


def ref_taken(session: Session, ref: str) -> bool:
    return family_repo.get_family_by_ref(session.conn, ref) is not None


def _record_receipt(session: Session, opened: OpenedTransfer, family_id: int, transfer_id: int) -> None:
    """The receiving side's information-sharing row, from what the sender recorded."""
    today = session.clock.today()
    info_sharing.record_share(
        session.conn,
        recipient=opened.sender_name,
        what=_sharing_what(opened.contents),
        purpose=opened.purpose or DEFAULT_PURPOSE,
        shared_on=today,
        now=session.clock.now(),
        recorded_by=session.user.id,
        lawful_basis=opened.lawful_basis,
        consent=opened.consent,
        occasion=SharingOccasion.TRANSFER,
        family_id=family_id,
        method=METHOD,
        reason=f"Consent given by {opened.consent_by}" if opened.consent else opened.reason,
        today=today,
        transfer_id=transfer_id,
        decision=SharingDecision.RECEIVED,
    )


def receive_family(
    session: Session,
    source: Path | SealedFile | OpenedTransfer,
    *,
    new_ref: str | None = None,
    expect_fingerprint: str | None = None,
) -> ReceivedTransfer:
    """Import a transfer file's family (optionally under ``new_ref``): one transaction, all or nothing."""
    session.require_manager("receive a family's record from another setting")
    opened = (
        source
        if isinstance(source, OpenedTransfer)
        else open_transfer(session, source, expect_fingerprint=expect_fingerprint)
    )
    sealed = opened.sealed
    record_file = opened.records
    ref = opened.family_ref
    if new_ref is not None and new_ref.strip():
        ref = validation.check_family_ref(new_ref, "new reference")
        record_file = replace(record_file, families=(replace(record_file.families[0], ref=ref),))
    conn = session.conn
    today, now = session.clock.today(), session.clock.now()
    with unit_of_work(conn):
        _refuse_replay(session, sealed)  # again, inside the write lock
        if family_repo.get_family_by_ref(conn, ref) is not None:
            raise ImportRejected(
                f"This casebook already has a family {ref}: import the file under a new reference "
                "(--as NEWREF on the command line). Nothing was imported."
            )
        records.import_records(session, record_file)
        family = family_repo.get_family_by_ref(conn, ref)
        assert family is not None
        fam = record_file.families[0]
        restricted = any(e.restricted for e in fam.entries) or any(x.restricted for x in fam.referrals)
        transfer = transfer_repo.add_transfer(
            conn,
            NewTransfer(
                direction=transfer_repo.IN,
                transfer_uid=sealed.transfer_uid,
                family_id=family.id,
                family_ref=ref,
                other_setting_name=sealed.sender_name,
                other_setting_urn=sealed.sender_urn,
                other_key_fingerprint=sealed.sender_fingerprint,
                sealed_on=sealed.sealed_on,
                received_on=today,
                file_sha256=sealed.file_sha256,
                contents=opened.contents,
                restricted_included=restricted,
                restricted_reason=(opened.restricted_reason or "Marked restricted by the sending setting")
                if restricted
                else "",
                recorded_by=session.user.id,
            ),
            now,
        )
        entries, referrals = transfer_repo.mark_family_received(conn, family.id, transfer.id)
        transfer_repo.remember_received(conn, sealed.transfer_uid, today)
        transfer_repo.remember_sender_key(conn, _sender_id(sealed), sealed.sender_fingerprint)
        try:
            _record_receipt(session, opened, family.id, transfer.id)
        except ValidationError as exc:  # the sender's words, not the manager's: a plain refusal
            raise ImportRejected(
                f"{sealed.name} cannot be imported: the sending setting's record of the transfer is "
                f"incomplete ({exc}). Ask the sender for a new file. Nothing was imported."
            ) from None
        audit.record(
            session,
            audit.CREATE,
            object_type="transfer",
            object_id=transfer.id,
            family_id=family.id,
            detail=f"family record received from another setting: {opened.contents}",
        )
    return ReceivedTransfer(
        transfer=transfer,
        family_id=family.id,
        sender_name=sealed.sender_name,
        sender_fingerprint=sealed.sender_fingerprint,
        entries=entries,
        referrals=referrals,
    )


# --- reading back --------------------------------------------------------------------------------


def list_transfers(session: Session, *, limit: int = 500) -> list[Transfer]:
    session.require_manager("see the transfers register")
    return transfer_repo.list_transfers(session.conn, limit=limit)


def received_from(session: Session, family_id: int) -> Transfer | None:
    """How a family arrived, if it came from another setting (for the family page)."""
    return transfer_repo.received_for_family(session.conn, family_id)


def received_entry_ids(session: Session, family_id: int) -> set[int]:
    return transfer_repo.received_entry_ids(session.conn, family_id)


def received_referral_ids(session: Session, family_id: int) -> set[int]:
    return transfer_repo.received_referral_ids(session.conn, family_id)

"""The setting's register of data-sharing agreements, and which agreement covers a share."""

from __future__ import annotations

import hashlib
import json
import stat
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from setting_app.domain import validation
from setting_app.domain.agreements import (
    MAX_DOCUMENT_BYTES,
    REVIEW_DUE_DAYS,
    Agreement,
    AgreementStatus,
    Direction,
    NewAgreement,
    agreement_from_dict,
    check_document,
    check_new_agreement,
)
from setting_app.domain.errors import AppError, ImportRejected, NotFound, ValidationError
from setting_app.domain.referrals import SharingRecord
from setting_app.services import audit
from setting_app.services.session import Session
from setting_app.storage import agreement_repo, sharing_repo
from setting_app.storage.database import Connection
from setting_app.storage.fsutil import atomic_write
from setting_app.storage.sharing_repo import SharingFilter
from setting_app.storage.unit_of_work import unit_of_work

#: The audit trail's name for an agreement.
AUDIT_OBJECT = "agreement"


@dataclass(frozen=True)
class Cover:
    """What a share records about its agreement: the agreement, or why there was none."""

    agreement_id: int | None
    no_agreement_reason: str = ""


def check_cover(
    conn: Connection,
    *,
    on: date,
    partner: str,
    category: str | None = None,
    agreement_id: int | None = None,
    no_agreement_reason: str = "",
) -> Cover:
    """Decide which agreement covers a share to ``partner`` on ``on`` (inside the caller's transaction).

    A named agreement must exist, be in force, let information flow to partners and name the partner
    (a party with its name, or receiving ``category``). With none named, the one agreement in force that
    covers the partner (by its referral category or its name) is used. Otherwise the share needs a
    reason, which goes into the information-sharing record; without one it is refused.
    """
    reason = validation.check_note(no_agreement_reason or "", "reason for no agreement").strip()
    if agreement_id is not None:
        in_force = agreement_repo.agreement_in_force(conn, agreement_id, on)
        if in_force is None:
            raise NotFound(f"There is no data-sharing agreement #{agreement_id}.")
        if not in_force:
            title = agreement_repo.agreement_title(conn, agreement_id)
            raise ValidationError("agreement", f"the agreement “{title}” is not in force on {on.isoformat()}")
        if agreement_repo.agreement_direction(conn, agreement_id) is Direction.FROM_PARTNERS:
            title = agreement_repo.agreement_title(conn, agreement_id)
            raise ValidationError(
                "agreement",
                f"the agreement “{title}” covers only what partners send the setting, not sharing with {partner}",
            )
        if not agreement_repo.agreement_names_partner(
            conn, agreement_id, category=category, party_name=partner
        ):
            title = agreement_repo.agreement_title(conn, agreement_id)
            raise ValidationError(
                "agreement",
                f"{partner} is not a party to the agreement “{title}”"
                + (" and none of its parties receives that kind of referral" if category else "")
                + ": add them as a party, choose another agreement, or say why you are sharing without one",
            )
        return Cover(agreement_id)
    if reason:
        return Cover(None, reason)
    covering = agreement_repo.covering_agreement_ids(conn, on, category=category, party_name=partner)
    if len(covering) == 1:
        return Cover(covering[0])
    if covering:
        raise ValidationError(
            "agreement",
            f"{len(covering)} agreements cover sharing with {partner}: choose the one that applies",
        )
    raise ValidationError(
        "agreement",
        f"no data-sharing agreement in force covers sharing with {partner}: "
        "say why you are sharing without one",
    )


# ---------------------------------------------------------------- the register


def _audit(session: Session, action: str, agreement_id: int, detail: str) -> None:
    audit.record(session, action, object_type=AUDIT_OBJECT, object_id=agreement_id, detail=detail)


def add_agreement(session: Session, agreement: NewAgreement) -> Agreement:
    """Put an agreement on the register (managers only). Nothing is saved if any rule is broken."""
    session.require_manager("add a data-sharing agreement")
    checked = check_new_agreement(agreement)
    with unit_of_work(session.conn):
        agreement_id = agreement_repo.add_agreement(
            session.conn, checked, session.user.id, session.clock.now()
        )
        _audit(session, audit.CREATE, agreement_id, f"{len(checked.parties)} parties")
        return get_agreement(session, agreement_id)


def update_agreement(session: Session, agreement_id: int, agreement: NewAgreement) -> Agreement:
    """Change an agreement's details and parties (managers only); the document stays attached."""
    session.require_manager("change a data-sharing agreement")
    checked = check_new_agreement(agreement)
    with unit_of_work(session.conn):
        old = get_agreement(session, agreement_id)
        _keep_covered_shares_inside(session.conn, agreement_id, checked)
        agreement_repo.update_agreement(session.conn, agreement_id, checked, session.clock.now())
        new = get_agreement(session, agreement_id)
        changed = [
            name for name in NewAgreement.__dataclass_fields__ if getattr(old, name) != getattr(new, name)
        ]
        _audit(session, audit.UPDATE, agreement_id, "changed: " + (", ".join(changed) or "nothing"))
        return new


def _keep_covered_shares_inside(conn: Connection, agreement_id: int, changed: NewAgreement) -> None:
    """Refuse a change that would leave shares the agreement already covered outside it: the record
    of those shares must still be true of the agreement it names."""
    span = agreement_repo.covered_share_span(conn, agreement_id)
    if span is None:
        return
    first, last, count = span
    shares = f"{count} share{'' if count == 1 else 's'}"
    if changed.starts_on > first:
        raise ValidationError(
            "start date",
            f"{changed.starts_on.isoformat()} is after the first share this agreement covered "
            f"({first.isoformat()}); it covered {shares}. Add a new agreement instead",
        )
    if changed.ends_on is not None and changed.ends_on < last:
        raise ValidationError(
            "end date",
            f"{changed.ends_on.isoformat()} is before the last share this agreement covered "
            f"({last.isoformat()}); it covered {shares}. End it on {last.isoformat()} or later",
        )
    for recipient, category, shares_to in agreement_repo.covered_recipients(conn, agreement_id):
        named = any(
            p.name.strip().lower() == recipient.strip().lower()
            or (
                category is not None
                and p.service_category is not None
                and str(p.service_category) == category
            )
            for p in changed.parties
        )
        if not named:
            raise ValidationError(
                "parties",
                f"{recipient} received {shares_to} share{'' if shares_to == 1 else 's'} under this agreement: "
                "keep a party with that name (or receiving that kind of referral), or add a new agreement",
            )
    if changed.direction == Direction.FROM_PARTNERS:
        raise ValidationError(
            "direction",
            f"this agreement already covered {shares} to partners, so it cannot become one for what "
            "partners send only",
        )


def import_agreements(session: Session, data: object) -> list[Agreement]:
    """One agreement (a JSON object) or a list of them; all are saved or none."""
    session.require_manager("import data-sharing agreements")
    items = data if isinstance(data, list) else [data]
    if not items:
        raise ImportRejected("The file holds no agreements. Nothing was imported.")
    try:
        checked = [
            agreement_from_dict(item, f"agreement {i}" if len(items) > 1 else "")
            for i, item in enumerate(items, 1)
        ]
    except ValidationError as exc:
        raise ImportRejected(f"{exc.message}. Nothing was imported.") from None
    with unit_of_work(session.conn):
        return [add_agreement(session, agreement) for agreement in checked]


def read_import_file(path: Path) -> object:
    """An agreements JSON file's contents, or a plain refusal."""
    raw = _read_file(Path(path), "file", limit=MAX_DOCUMENT_BYTES)
    try:
        return json.loads(raw.decode("utf-8-sig"), object_pairs_hook=_no_repeated_keys)
    except UnicodeDecodeError:
        raise ImportRejected(f"{path} is not UTF-8 text: save it as UTF-8 JSON.") from None
    except json.JSONDecodeError as exc:
        raise ImportRejected(
            f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from None
    except _RepeatedKey as exc:
        raise ImportRejected(
            f"{path} gives '{exc}' twice in one object: say it once. Nothing was imported."
        ) from None
    except RecursionError:
        raise ImportRejected(f"{path} is nested too deeply to be agreements. Nothing was imported.") from None
    except ValueError as exc:  # a number too long to read (Python's 4,300-digit limit)
        raise ImportRejected(f"{path} is not valid JSON ({exc}). Nothing was imported.") from None


class _RepeatedKey(ValueError):
    pass


def _no_repeated_keys(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object, refused if a key is repeated (json keeps the last one silently)."""
    found: dict = {}
    for key, value in pairs:
        if key in found:
            raise _RepeatedKey(key)
        found[key] = value
    return found


def get_agreement(session: Session, agreement_id: int) -> Agreement:
    """Any member of staff may read the register."""
    found = agreement_repo.get_agreement(session.conn, agreement_id)
    if found is None:
        raise NotFound(f"There is no data-sharing agreement #{agreement_id}.")
    return found


def list_agreements(session: Session, *, include_ended: bool = True) -> list[Agreement]:
    """The next review first, ended agreements last."""
    today = session.clock.today()
    found = agreement_repo.list_agreements(session.conn)
    if not include_ended:
        return [a for a in found if a.status(today) is not AgreementStatus.ENDED]
    return sorted(found, key=lambda a: a.status(today) is AgreementStatus.ENDED)


def agreements_due(session: Session, today: date | None = None) -> list[Agreement]:
    """Agreements whose review is overdue or due within ``REVIEW_DUE_DAYS``, or that are in force but end
    within it (after that, shares to those partners need a reason), soonest first; ended ones left out."""
    today = today or session.clock.today()
    horizon = today + timedelta(days=REVIEW_DUE_DAYS)
    found = []
    for a in agreement_repo.list_agreements(session.conn):
        status = a.status(today)
        if status in (AgreementStatus.ENDED, AgreementStatus.NOT_STARTED):
            continue
        if a.review_on <= horizon or (a.ends_on is not None and a.ends_on <= horizon):
            found.append(a)
    return sorted(found, key=lambda a: (min(a.review_on, a.ends_on or a.review_on), a.id))


def covering_agreements(session: Session, *, partner: str, category: str | None = None) -> list[Agreement]:
    """The agreements in force today that cover sharing with ``partner`` (for forms to offer)."""
    ids = agreement_repo.covering_agreement_ids(
        session.conn, session.clock.today(), category=category, party_name=partner
    )
    return [get_agreement(session, i) for i in ids]


def shares_covered(session: Session, agreement_id: int, *, limit: int = 500) -> list[SharingRecord]:
    """The information-sharing records that name this agreement, newest first."""
    get_agreement(session, agreement_id)
    return sharing_repo.list_records(session.conn, SharingFilter(agreement_id=agreement_id), limit=limit)


def shares_without_agreement(session: Session, *, limit: int = 100) -> list[SharingRecord]:
    """Recent shares made with no agreement named, with the reason given: where one is missing."""
    return agreement_repo.shares_without_agreement(session.conn, limit=limit)


# ---------------------------------------------------------------- the signed document


def _read_file(path: Path, field: str, *, limit: int) -> bytes:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ValidationError(field, f"there is no file at {path}") from None
    except OSError as exc:
        raise ValidationError(field, f"could not read {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ValidationError(field, f"{path} is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):  # a pipe or device would never end
        raise ValidationError(field, f"{path} is not an ordinary file")
    if info.st_size > limit:
        raise ValidationError(
            field,
            f"{path.name} is too big ({info.st_size / 1e6:.1f} MB; the limit is {limit // (1024 * 1024)} MB)",
        )
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ValidationError(field, f"could not read {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise ValidationError(field, f"{path.name} is too big (the limit is {limit // (1024 * 1024)} MB)")
    return data


def attach_document(session: Session, agreement_id: int, path: Path) -> Agreement:
    """Keep the signed agreement (any file up to 20 MB) inside the encrypted casebook, with its SHA-256.

    A second attachment replaces the first.
    """
    session.require_manager("attach a signed data-sharing agreement")
    path = Path(path).expanduser()
    data = _read_file(path, "document", limit=MAX_DOCUMENT_BYTES)
    name = check_document(path.name, data)
    digest = hashlib.sha256(data).hexdigest()
    with unit_of_work(session.conn):
        old = get_agreement(session, agreement_id)
        agreement_repo.set_document(session.conn, agreement_id, name, data, digest, session.clock.now())
        _audit(
            session,
            audit.UPDATE,
            agreement_id,
            "signed document " + ("replaced" if old.document_name else "attached") + f" ({len(data)} bytes)",
        )
        return get_agreement(session, agreement_id)


def document(session: Session, agreement_id: int) -> tuple[str, bytes]:
    """The signed document's file name and bytes (checked against the SHA-256 kept with it)."""
    get_agreement(session, agreement_id)
    found = agreement_repo.get_document(session.conn, agreement_id)
    if found is None:
        raise NotFound(f"Agreement #{agreement_id} has no signed document attached.")
    name, data, digest = found
    if digest and hashlib.sha256(data).hexdigest() != digest:
        raise AppError(
            f"The document kept with agreement #{agreement_id} does not match its checksum: "
            "attach the signed copy again."
        )
    return name, data


def save_document(session: Session, agreement_id: int, path: Path) -> Path:
    """Write the signed document to ``path`` (a folder gets its original file name), byte for byte."""
    name, data = document(session, agreement_id)
    path = Path(path).expanduser()
    if path.is_dir():
        path = path / name
    session.check_output_path(path)
    with unit_of_work(session.conn):
        _audit(session, audit.EXPORT, agreement_id, f"signed document saved ({len(data)} bytes)")
        try:
            atomic_write(path, data)
        except OSError as exc:
            raise AppError(f"Could not write {path}: {exc.strerror or exc}. Nothing was written.") from None
    return path

"""The information-sharing record.

A row every time identifiable information leaves the setting (a referral sent, a family's record
exported, a subject access pack) and for every decision not to share, with the reasons. This follows
HM Government's "Information sharing: advice for practitioners providing safeguarding services"
(2024), whose seventh golden rule asks that information-sharing decisions and their reasons are
recorded, whether or not the information is shared.

``record_share(conn, ...)`` is for other features to call inside their own transaction, so the share
and its record are saved together or not at all.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from setting_app.domain import validation
from setting_app.domain.codes import Consent
from setting_app.domain.errors import NotFound, ValidationError
from setting_app.domain.referrals import (
    LawfulBasis,
    NewSharingRecord,
    SharingDecision,
    SharingOccasion,
    SharingRecord,
)
from setting_app.services.session import Session
from setting_app.storage import family_repo, referral_repo, sharing_repo
from setting_app.storage.database import Connection
from setting_app.storage.sharing_repo import SharingFilter
from setting_app.storage.unit_of_work import unit_of_work


def check_sharing_record(record: NewSharingRecord, today: date) -> NewSharingRecord:
    """The rules every sharing record follows, wherever it comes from."""
    recipient = validation.require_text(record.recipient, "shared with")
    what = validation.require_text(record.what, "what was shared", max_length=2000)
    purpose = validation.require_text(record.purpose, "why", max_length=2000)
    reason = validation.check_note(record.reason, "reason")
    validation.check_not_future(record.decided_on, "date", today)
    if (
        record.decision is not SharingDecision.NOT_SHARED
        and record.lawful_basis is None
        and record.consent is None
    ):
        raise ValidationError(
            "lawful basis", "say what the sharing relied on: consent or another lawful basis"
        )
    if record.decision is SharingDecision.NOT_SHARED and not reason:
        raise ValidationError("reason", "a decision not to share needs its reasons")
    if record.lawful_basis is LawfulBasis.CONSENT and record.consent not in (None, Consent.GIVEN):
        raise ValidationError("lawful basis", "consent cannot be the basis when consent was not given")
    return NewSharingRecord(
        decision=record.decision,
        occasion=record.occasion,
        decided_on=record.decided_on,
        recipient=recipient,
        what=what,
        purpose=purpose,
        lawful_basis=record.lawful_basis,
        consent=record.consent,
        reason=reason,
        method=(record.method or "").strip(),
        family_id=record.family_id,
        referral_id=record.referral_id,
        recorded_by=record.recorded_by,
        transfer_id=record.transfer_id,
        agreement_id=record.agreement_id,
        no_agreement_reason=validation.check_note(
            record.no_agreement_reason or "", "reason for no agreement"
        ),
    )


def _code(enum, value, field):
    return None if value is None or value == "" else validation.parse_code(enum, value, field)


def record_share(
    conn: Connection,
    *,
    recipient: str,
    what: str,
    purpose: str,
    shared_on: date,
    now: datetime,
    recorded_by: int | None,
    lawful_basis: LawfulBasis | str | None = None,
    consent: Consent | str | None = None,
    occasion: SharingOccasion | str = SharingOccasion.OTHER,
    family_id: int | None = None,
    referral_id: int | None = None,
    method: str = "",
    reason: str = "",
    today: date | None = None,
    transfer_id: int | None = None,
    agreement_id: int | None = None,
    no_agreement_reason: str = "",
    decision: SharingDecision = SharingDecision.SHARED,
) -> SharingRecord:
    """Record that identifiable information left the setting (or, with ``decision=RECEIVED``, came in
    from another setting; ``recipient`` then names where it came from).

    Call it inside the transaction that does the sharing (the export, the referral being sent): it
    joins that transaction (as a savepoint), so if either fails neither is saved. ``agreement_id``
    names the data-sharing agreement that covered it; ``no_agreement_reason`` says why there was none
    (``services.agreements.check_cover`` decides which one a share needs).
    """
    record = check_sharing_record(
        NewSharingRecord(
            decision=decision,
            occasion=validation.parse_code(SharingOccasion, occasion, "occasion"),
            decided_on=shared_on,
            recipient=recipient,
            what=what,
            purpose=purpose,
            lawful_basis=_code(LawfulBasis, lawful_basis, "lawful basis"),
            consent=_code(Consent, consent, "consent"),
            reason=reason,
            method=method,
            family_id=family_id,
            referral_id=referral_id,
            recorded_by=recorded_by,
            transfer_id=transfer_id,
            agreement_id=agreement_id,
            no_agreement_reason=no_agreement_reason,
        ),
        today or shared_on,
    )
    with unit_of_work(conn):
        return sharing_repo.add_record(conn, record, now)


def record_decision_not_to_share(
    session: Session,
    *,
    recipient: str,
    what: str,
    purpose: str,
    reason: str,
    decided_on: date | None = None,
    family_id: int | None = None,
    referral_id: int | None = None,
    occasion: SharingOccasion | str = SharingOccasion.OTHER,
    consent: Consent | str | None = None,
) -> SharingRecord:
    """Record a decision NOT to share, with its reasons (a request refused, consent withheld...)."""
    record = check_sharing_record(
        NewSharingRecord(
            decision=SharingDecision.NOT_SHARED,
            occasion=validation.parse_code(SharingOccasion, occasion, "occasion"),
            decided_on=decided_on or session.clock.today(),
            recipient=recipient,
            what=what,
            purpose=purpose,
            consent=_code(Consent, consent, "consent"),
            reason=reason,
            family_id=family_id,
            referral_id=referral_id,
            recorded_by=session.user.id,
        ),
        session.clock.today(),
    )
    with unit_of_work(session.conn):
        _check_links(session.conn, record)
        return sharing_repo.add_record(session.conn, record, session.clock.now())


def record_share_now(session: Session, **details) -> SharingRecord:
    """``record_share`` for the person using the app, dated today unless ``shared_on`` is given."""
    details.setdefault("shared_on", session.clock.today())
    with unit_of_work(session.conn):
        record = record_share(
            session.conn,
            now=session.clock.now(),
            recorded_by=session.user.id,
            today=session.clock.today(),
            **details,
        )
        _check_links(session.conn, record)
        return record


def _check_links(conn: Connection, record: NewSharingRecord) -> None:
    if record.family_id is not None and family_repo.get_family(conn, record.family_id) is None:
        raise NotFound("That family is no longer in the casebook.")
    if record.referral_id is not None:
        referral = referral_repo.get_referral(conn, record.referral_id)
        if referral is None:
            raise NotFound(f"There is no referral #{record.referral_id}.")
        if record.family_id is not None and referral.family_id != record.family_id:
            raise ValidationError("referral", "that referral belongs to a different family")


def list_sharing(
    session: Session, flt: SharingFilter | None = None, *, offset: int = 0, limit: int = 500
) -> list[SharingRecord]:
    """Newest first. Practitioners do not see the sharing rows of restricted referrals."""
    flt = flt or SharingFilter()
    if not session.user.is_manager:
        flt = replace(flt, include_restricted=False)
    return sharing_repo.list_records(session.conn, flt, offset=offset, limit=limit)

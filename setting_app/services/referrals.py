"""Referrals: made, sent (behind the consent gate), followed through each status, chased, and counted.

Every status change writes a ``referral_status_history`` row and updates ``referrals.status`` in one
transaction; sending a referral the setting makes itself also writes the information-sharing record in
that same transaction, so a share is never saved without its record (or the other way round).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta

from setting_app.domain import validation
from setting_app.domain.codes import Consent, ReferralStatus, Role, ServiceCategory
from setting_app.domain.errors import NotFound, ValidationError
from setting_app.domain.models import Family, NewReferral
from setting_app.domain.referrals import (
    CREATABLE_STATUSES,
    FOLLOW_UP_DAYS_SETTING,
    OUTCOME_KNOWN_STATUSES,
    Chase,
    LawfulBasis,
    NewTrackedReferral,
    ReferralMeasure,
    SharingOccasion,
    StatusChange,
    StatusReason,
    TrackedReferral,
    TransitionRefused,
    check_transition,
    consent_problem,
    due_date_after,
    follow_up_days_problem,
    reason_problem,
    status_label,
    tracked,
)
from setting_app.services import audit, info_sharing, service_directory
from setting_app.services.agreements import Cover, check_cover
from setting_app.services.session import Session
from setting_app.services.support_log import check_view_reason
from setting_app.storage import family_repo, referral_repo, service_repo, setting_repo
from setting_app.storage.database import Connection
from setting_app.storage.referral_repo import ReferralFilter
from setting_app.storage.unit_of_work import unit_of_work

S = ReferralStatus
MAX_REASON_LENGTH = 2000
#: A chase may push the due date at most this far ahead.
MAX_CHASE_DAYS = 365


# ---------------------------------------------------------------- checking a referral's details


def _clean_consent(r: NewTrackedReferral) -> NewTrackedReferral:
    """Keep only the consent details that belong to the consent recorded."""
    given = r.consent is Consent.GIVEN
    overridden = r.consent is Consent.OVERRIDDEN
    keeps_basis = r.consent in (Consent.OVERRIDDEN, Consent.NOT_NEEDED)
    return replace(
        r,
        consent_given_by=r.consent_given_by.strip() if given else "",
        consent_given_on=r.consent_given_on if given else None,
        consent_scope=r.consent_scope.strip() if given else "",
        consent_note=validation.check_note(r.consent_note, "consent note"),
        lawful_basis=r.lawful_basis if keeps_basis else None,
        override_rationale=validation.check_note(r.override_rationale, "override rationale")
        if overridden
        else "",
    )


def check_referral(referral: NewTrackedReferral, family: Family, children, today: date) -> NewTrackedReferral:
    """The core checks (service, dates, child) plus the workflow's own."""
    core = validation.check_new_referral(referral, family, children, today)
    r = replace(referral, service_name=core.service_name, note=core.note, carer=core.carer)
    if len(r.reason.strip()) > MAX_REASON_LENGTH:
        raise ValidationError("reason for referral", f"is too long (at most {MAX_REASON_LENGTH} characters)")
    r = replace(r, reason=r.reason.strip())
    if r.expected_response_on is not None and r.expected_response_on < r.made_on:
        raise ValidationError("expected response date", "is before the date the referral was made")
    if r.consent_given_on is not None and r.consent is Consent.GIVEN:
        validation.check_not_future(r.consent_given_on, "consent date", today)
    if r.consent_given_by and len(r.consent_given_by) > 200:
        raise ValidationError("consent given by", "is too long (at most 200 characters)")
    if r.consent is Consent.OVERRIDDEN and r.lawful_basis is LawfulBasis.CONSENT:
        raise ValidationError("lawful basis", "an override cannot rely on consent: choose another basis")
    return _clean_consent(r)


def _override_by(session: Session, new: NewTrackedReferral, old: TrackedReferral | None) -> int | None:
    """Who recorded the override. Only managers may record or change one (enforced here, not in the form)."""
    if new.consent is not Consent.OVERRIDDEN:
        return None
    unchanged = (
        old is not None
        and old.consent is Consent.OVERRIDDEN
        and old.lawful_basis is new.lawful_basis
        and old.override_rationale == new.override_rationale
        and old.override_by is not None
    )
    if unchanged:
        return old.override_by
    session.require_manager("override consent (share without the family's consent)")
    return session.user.id


def _gate(referral: NewTrackedReferral | TrackedReferral) -> None:
    """The consent gate: no referral the setting makes is sent without consent or an override."""
    problem = consent_problem(referral)
    if problem:
        raise ValidationError(*problem)


def _link_service(conn: Connection, r: NewTrackedReferral, now) -> NewTrackedReferral:
    """Point the referral at its directory entry (added to the directory when it is new)."""
    if r.service_id is not None:
        service = service_repo.get_service(conn, r.service_id)
        if service is None:
            raise NotFound("That service is no longer in the directory.")
        return r
    if getattr(r, "restricted", False):
        # The directory is plain (readable with the data key): a row added the same second as a
        # restricted referral would name the service that the referral keeps sealed. Link only.
        matches = service_repo.find_services_by_name(conn, r.service_name)
        same = [s for s in matches if s.category is r.service_category] or matches
        return replace(r, service_id=same[0].id if same else None)
    service = service_directory.service_for_referral(conn, r.service_name, r.service_category, r.domain, now)
    return replace(r, service_id=service.id)


def _family(session: Session, family_id: int) -> Family:
    family = family_repo.get_family(session.conn, family_id)
    if family is None:
        raise NotFound("That family is no longer in the casebook.")
    return family


# ---------------------------------------------------------------- making and changing referrals


def make_referral(
    session: Session,
    referral: NewReferral,
    *,
    agreement_id: int | None = None,
    no_agreement_reason: str = "",
) -> TrackedReferral:
    """Save a new referral as a draft, or as sent (behind the consent gate, with its sharing record).

    Sent straight away, it needs a data-sharing agreement covering the service (named by
    ``agreement_id``, or the one in force for its category) or ``no_agreement_reason``.
    """
    r = replace(tracked(referral), restricted=bool(referral.restricted))
    if r.made_by is None:
        r = replace(r, made_by=session.user.id)
    if r.status not in CREATABLE_STATUSES:
        raise TransitionRefused(
            f"A new referral starts as a draft or as sent, not {r.status.value}: save it, then record "
            "each later status as a change so its history is complete."
        )
    conn = session.conn
    now = session.clock.now()
    with unit_of_work(conn):
        family = _family(session, r.family_id)
        r = check_referral(r, family, family_repo.list_children(conn, family.id), session.clock.today())
        override_by = _override_by(session, r, None)
        sending = r.status is S.SENT and r.route.setting_shares
        if sending:
            _gate(r)
        r = _link_service(conn, r, now)
        cover = _cover(session, r, r.made_on, agreement_id, no_agreement_reason) if sending else None
        saved = referral_repo.add_referral(conn, r, now, override_by=override_by)
        if cover is not None:
            _record_referral_share(session, saved, family, saved.made_on, cover)
        _audit(
            session,
            audit.CREATE,
            saved,
            # A restricted referral's category is sealed with it: its audit row must not say it.
            f"{saved.status.value}, restricted"
            if saved.restricted
            else f"{saved.status.value}, {saved.service_category.value}",
        )
        return saved


def _audit(session: Session, action: str, referral: TrackedReferral, detail: str) -> None:
    """The referral's audit row (inside the caller's transaction; codes only, no personal data)."""
    audit.record(
        session,
        action,
        object_type="referral",
        object_id=referral.id,
        family_id=referral.family_id,
        detail=detail,
    )


def update_referral(session: Session, referral_id: int, referral: NewReferral) -> TrackedReferral:
    """Change what a referral says (service, reason, urgency, consent...). Its status changes separately."""
    conn = session.conn
    now = session.clock.now()
    with unit_of_work(conn):
        old = get_referral(session, referral_id)
        if old.is_final:
            raise TransitionRefused(
                f"A {old.status.value} referral is closed: its details can no longer be changed."
            )
        r = replace(
            tracked(referral),
            family_id=old.family_id,
            status=old.status,
            made_by=old.made_by,
            restricted=old.restricted,
        )
        family = _family(session, old.family_id)
        r = check_referral(r, family, family_repo.list_children(conn, family.id), session.clock.today())
        override_by = _override_by(session, r, old)
        if r.service_id == old.service_id and (
            r.service_name != old.service_name or r.service_category is not old.service_category
        ):
            r = replace(r, service_id=None)  # renamed by hand: find or add the right directory entry
        r = _link_service(conn, r, now)
        referral_repo.update_referral_details(conn, referral_id, r, now, override_by=override_by)
        if old.status is S.SENT:
            # The expected response date may have changed while no answer has come.
            last = referral_repo.last_change_on(conn, referral_id) or old.made_on
            if old.last_chased_on is None:
                due = due_date_after(S.SENT, last, follow_up_days(conn), r.expected_response_on)
                referral_repo.set_due_on(conn, referral_id, due, now)
        updated = get_referral(session, referral_id)
        _audit(
            session,
            audit.UPDATE,
            updated,
            "changed: " + (", ".join(_changed_details(old, updated)) or "nothing"),
        )
        return updated


def _changed_details(old: TrackedReferral, new: TrackedReferral) -> list[str]:
    names = (
        "child_id",
        "service_name",
        "service_category",
        "domain",
        "made_on",
        "consent",
        "note",
        "service_id",
        "route",
        "urgency",
        "reason",
        "expected_response_on",
        "consent_given_by",
        "consent_given_on",
        "consent_scope",
        "consent_note",
        "lawful_basis",
        "override_rationale",
    )
    return [name for name in names if getattr(old, name) != getattr(new, name)]


def change_status(
    session: Session,
    referral_id: int,
    status: ReferralStatus | str,
    *,
    reason: StatusReason | str | None = None,
    note: str = "",
    on: date | None = None,
    agreement_id: int | None = None,
    no_agreement_reason: str = "",
) -> TrackedReferral:
    """Move a referral on. Illegal moves, missing reasons and unsent consent are refused with a message.

    Sending a referral the setting makes names the data-sharing agreement that covers it
    (``agreement_id``, or the one agreement in force for the service) or says why there is none
    (``no_agreement_reason``); with neither, the send is refused and nothing changes.
    """
    status = validation.parse_code(ReferralStatus, status, "status")
    reason = validation.parse_code(StatusReason, reason, "reason") if reason not in (None, "") else None
    note = validation.check_note(note)
    today = session.clock.today()
    on = on or today
    validation.check_not_future(on, "date", today)
    conn = session.conn
    now = session.clock.now()
    with unit_of_work(conn):
        referral = get_referral(session, referral_id)
        check_transition(referral.status, status, referral.route)
        problem = reason_problem(status, reason, note)
        if problem:
            raise ValidationError(*problem)
        last = referral_repo.last_change_on(conn, referral_id) or referral.made_on
        if on < last:
            raise ValidationError(
                "date", f"{on.isoformat()} is before this referral's last change ({last.isoformat()})"
            )
        sending = status is S.SENT and referral.route.setting_shares
        cover = None
        if sending:
            _gate(referral)
            cover = _cover(session, referral, on, agreement_id, no_agreement_reason)
        due = due_date_after(status, on, follow_up_days(conn), referral.expected_response_on)
        referral_repo.add_status_change(conn, referral_id, status, on, session.user.id, reason, note, now)
        referral_repo.set_status(conn, referral_id, status, due, now)
        if cover is not None:
            _record_referral_share(session, referral, _family(session, referral.family_id), on, cover)
        changed = get_referral(session, referral_id)
        detail = f"status: {referral.status.value} -> {status.value}"
        if reason is not None:
            detail += f" ({reason.value})"
        _audit(session, audit.UPDATE, changed, detail)
        return changed


def _recipient(conn: Connection, referral: NewTrackedReferral | TrackedReferral) -> str:
    service = service_repo.get_service(conn, referral.service_id) if referral.service_id else None
    return service.display_name if service else referral.service_name


def _cover(
    session: Session,
    referral: NewTrackedReferral | TrackedReferral,
    on: date,
    agreement_id: int | None,
    no_agreement_reason: str,
) -> Cover:
    """Which data-sharing agreement covers sending this referral (or why none does), else refused."""
    return check_cover(
        session.conn,
        on=on,
        partner=_recipient(session.conn, referral),
        category=referral.service_category.value,
        agreement_id=agreement_id,
        no_agreement_reason=no_agreement_reason,
    )


def _record_referral_share(
    session: Session, referral: TrackedReferral, family: Family, on: date, cover: Cover
) -> None:
    """The information-sharing record for a referral the setting sends (inside the caller's transaction)."""
    recipient = _recipient(session.conn, referral)
    what = f"Referral for family {family.ref}: carers' names and contact details"
    if referral.child_id is not None:
        what += ", the child's name and date of birth"
    what += ", the reason for the referral and the referral note"
    if referral.consent is Consent.GIVEN:
        basis, why = (
            LawfulBasis.CONSENT,
            f"Consent given by {referral.consent_given_by}: {referral.consent_scope}",
        )
    elif referral.consent is Consent.OVERRIDDEN:
        basis, why = referral.lawful_basis, f"Shared without consent: {referral.override_rationale}"
    else:
        basis, why = referral.lawful_basis, f"Consent not needed: {referral.consent_note}"
    info_sharing.record_share(
        session.conn,
        recipient=recipient,
        what=what,
        purpose=referral.reason or f"Referral to {referral.service_category.label}",
        shared_on=on,
        now=session.clock.now(),
        recorded_by=session.user.id,
        lawful_basis=basis,
        consent=referral.consent,
        occasion=SharingOccasion.REFERRAL,
        family_id=family.id,
        referral_id=referral.id,
        reason=why,
        today=session.clock.today(),
        agreement_id=cover.agreement_id,
        no_agreement_reason=cover.no_agreement_reason,
    )


def chase_referral(
    session: Session,
    referral_id: int,
    *,
    note: str = "",
    on: date | None = None,
    next_due_on: date | None = None,
) -> Chase:
    """Log a chase (a call, an email to the service) and push the due date on."""
    note = validation.check_note(note)
    today = session.clock.today()
    on = on or today
    validation.check_not_future(on, "date", today)
    with unit_of_work(session.conn):
        referral = get_referral(session, referral_id)
        if referral.status is S.DRAFT:
            raise TransitionRefused(
                "This referral is still a draft: send it or withdraw it; there is nothing to chase."
            )
        if referral.is_final:
            raise TransitionRefused(
                f"A {referral.status.value} referral is closed: there is nothing to chase."
            )
        last = referral_repo.last_change_on(session.conn, referral_id) or referral.made_on
        if on < last:
            raise ValidationError(
                "date", f"{on.isoformat()} is before this referral's last change ({last.isoformat()})"
            )
        days = follow_up_days(session.conn)
        next_due_on = next_due_on or on + timedelta(days=days)
        if next_due_on < on:
            raise ValidationError("next follow-up", "is before the date of the chase")
        if next_due_on > on + timedelta(days=MAX_CHASE_DAYS):
            raise ValidationError("next follow-up", f"is more than {MAX_CHASE_DAYS} days after the chase")
        chase = referral_repo.add_chase(
            session.conn, referral_id, on, session.user.id, note, next_due_on, session.clock.now()
        )
        _audit(session, audit.UPDATE, referral, "chased")
        return chase


# ---------------------------------------------------------------- reading


def get_referral(session: Session, referral_id: int) -> TrackedReferral:
    """One referral as the person using the casebook may see it (never a restricted one for a practitioner)."""
    referral = referral_repo.get_referral(session.conn, referral_id)
    if referral is None or (referral.restricted and not session.user.is_manager):
        raise NotFound(f"There is no referral #{referral_id}.")
    return referral


def open_restricted_referral(session: Session, referral_id: int, reason: str) -> TrackedReferral:
    """A manager opens a restricted referral's details: the reason category goes into the audit trail."""
    session.require_manager("open a restricted referral")
    reason = check_view_reason(reason)
    with unit_of_work(session.conn):
        referral = get_referral(session, referral_id)
        audit.record(
            session,
            audit.VIEW_RESTRICTED,
            object_type="referral",
            object_id=referral.id,
            family_id=referral.family_id,
            detail=reason,
        )
        return referral


def set_referral_restricted(session: Session, referral_id: int, restricted: bool) -> TrackedReferral:
    """Mark a referral restricted (whoever made it, or a manager) or lift the mark (a manager only)."""
    with unit_of_work(session.conn):
        referral = get_referral(session, referral_id)
        if not restricted:
            session.require_manager("lift the restriction on a referral")
        elif not session.user.is_manager and referral.made_by != session.user.id:
            session.require_manager("restrict a referral someone else made")
        if referral.restricted == restricted:
            return referral
        referral_repo.set_restricted(session.conn, referral_id, restricted)
        _audit(session, audit.UPDATE, referral, "restricted" if restricted else "restriction lifted")
        return get_referral(session, referral_id)


def list_referrals(
    session: Session,
    flt: ReferralFilter | None = None,
    *,
    offset: int = 0,
    limit: int = 500,
    sort: referral_repo.ReferralSort = referral_repo.MOST_PRESSING,
) -> list[TrackedReferral]:
    return referral_repo.list_referrals(
        session.conn, flt, offset=offset, limit=limit, viewer=session.user.role, sort=sort
    )


def count_referrals(session: Session, flt: ReferralFilter | None = None) -> int:
    return referral_repo.count_referrals(session.conn, flt or ReferralFilter(), viewer=session.user.role)


def count_by_status(session: Session, flt: ReferralFilter | None = None) -> dict[ReferralStatus, int]:
    return referral_repo.count_by_status(session.conn, flt, viewer=session.user.role)


def family_referrals(session: Session, family_id: int) -> list[TrackedReferral]:
    return referral_repo.list_family_referrals(session.conn, family_id, viewer=session.user.role)


def referral_history(session: Session, referral_id: int) -> list[StatusChange]:
    get_referral(session, referral_id)
    return referral_repo.list_history(session.conn, referral_id)


def referral_chases(session: Session, referral_id: int) -> list[Chase]:
    get_referral(session, referral_id)
    return referral_repo.list_chases(session.conn, referral_id)


def referrals_due(session: Session, today: date | None = None) -> list[TrackedReferral]:
    """What needs chasing today: out with a service and due today or before, most overdue first."""
    return referral_repo.list_due(session.conn, today or session.clock.today(), viewer=session.user.role)


def overdue_referrals(session: Session, today: date | None = None) -> list[TrackedReferral]:
    """Out with a service and past their due date (due today is not yet overdue)."""
    today = today or session.clock.today()
    return [
        r for r in referral_repo.list_due(session.conn, today, viewer=session.user.role) if r.due_on < today
    ]


# ---------------------------------------------------------------- the follow-up setting


def follow_up_days(conn: Connection) -> int:
    return referral_repo.follow_up_days(conn)


def set_follow_up_days(session: Session, days: int | str) -> int:
    """Days until a referral with no expected response date is followed up. Managers only.

    Changes the due dates of referrals sent, answered or chased from now on; existing due dates stay.
    """
    session.require_manager("change the referral follow-up days")
    try:
        days = int(str(days).strip())
    except ValueError:
        raise ValidationError("follow-up days", f"'{days}' is not a whole number of days") from None
    problem = follow_up_days_problem(days)
    if problem:
        raise ValidationError("follow-up days", problem)
    with unit_of_work(session.conn):
        setting_repo.set_app_setting(session.conn, FOLLOW_UP_DAYS_SETTING, str(days))
    return days


# ---------------------------------------------------------------- measures


def referral_measures(
    conn: Connection, date_from: date, date_to: date, *, viewer: Role | None = None
) -> list[ReferralMeasure]:
    """Per service category, for referrals made in the period that reached the service.

    ``acknowledged`` counts the first answer of any kind (acknowledged, accepted, waitlisted,
    declined, seen or completed): a service that accepts straight away has acknowledged it too.
    ``seen`` is first contact (``seen``, or ``completed`` without a separate ``seen``). Days run from
    the first ``sent``. Outcome known: seen, completed, declined or withdrawn. Categories with no
    referrals are left out.
    """
    rows = referral_repo.referral_timings(conn, date_from, date_to, viewer=viewer)
    grouped: dict[ServiceCategory, list] = defaultdict(list)
    for row in rows:
        grouped[ServiceCategory(row["service_category"])].append(row)
    measures = []
    for category in ServiceCategory:
        group = grouped.get(category)
        if not group:
            continue
        to_ack = [row["days_to_acknowledged"] for row in group if row["days_to_acknowledged"] is not None]
        to_seen = [row["days_to_seen"] for row in group if row["days_to_seen"] is not None]
        known = sum(1 for row in group if ReferralStatus(row["status"]) in OUTCOME_KNOWN_STATUSES)
        measures.append(
            ReferralMeasure(
                category=category,
                referrals=len(group),
                acknowledged=len(to_ack),
                median_days_to_acknowledged=float(statistics.median(to_ack)) if to_ack else None,
                seen=len(to_seen),
                median_days_to_seen=float(statistics.median(to_seen)) if to_seen else None,
                outcome_known=known,
                outcome_unknown=len(group) - known,
            )
        )
    return measures


def describe_status(referral: TrackedReferral, today: date) -> str:
    """One line for lists: the status, and how overdue it is (text, not only colour)."""
    text = status_label(referral.status)
    overdue = referral.days_overdue(today)
    if overdue:
        text += f" - OVERDUE {overdue} day{'s' if overdue != 1 else ''}"
    elif referral.is_due(today):
        text += " - due today"
    return text

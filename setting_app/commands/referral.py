"""``referral add | status | list | show | chase | consent | follow-up-days | measures``,
``services import | list | add`` and ``sharing list | not-shared``."""

from __future__ import annotations

import argparse
from dataclasses import replace

from setting_app.cli import CliContext, UsageError, path_arg
from setting_app.commands.restricted import add_reason_argument, checked_reason, withheld_line
from setting_app.domain.codes import Consent, Domain, ReferralStatus, ServiceCategory
from setting_app.domain.errors import NotFound, ValidationError
from setting_app.domain.referrals import (
    LawfulBasis,
    NewService,
    NewTrackedReferral,
    Route,
    SharingDecision,
    SharingOccasion,
    StatusReason,
    TrackedReferral,
    Urgency,
)
from setting_app.domain.validation import parse_code, parse_date, parse_optional_date
from setting_app.services import families, info_sharing, service_directory
from setting_app.services import referrals as referral_service
from setting_app.storage.referral_repo import ReferralFilter
from setting_app.storage.sharing_repo import SharingFilter


def _codes(enum) -> str:
    return ", ".join(m.value for m in enum)


def register(sub: argparse._SubParsersAction) -> None:
    _register_referral(sub)
    _register_services(sub)
    _register_sharing(sub)


def _consent_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--consent", help=f"{_codes(Consent)} (default: given if --consent-by, else not_given)")
    p.add_argument("--consent-by", default="", help="who gave consent (e.g. 'Mother, A Parent')")
    p.add_argument("--consent-date", help="when consent was given, YYYY-MM-DD (default: the referral date)")
    p.add_argument(
        "--consent-scope", default="", help="what the family agreed may be shared (default: this referral)"
    )
    p.add_argument(
        "--consent-reason", default="", help="why consent is not needed (with --consent not_needed)"
    )
    p.add_argument("--lawful-basis", help=f"basis for sharing without consent: {_codes(LawfulBasis)}")
    p.add_argument("--rationale", default="", help="why consent is overridden (managers only)")


def _agreement_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--agreement",
        type=int,
        metavar="N",
        help="the data-sharing agreement covering the send (default: the one in force for the service)",
    )
    p.add_argument(
        "--no-agreement-reason",
        default="",
        metavar="TEXT",
        help="why the details are shared with no data-sharing agreement in force",
    )


def _register_referral(sub: argparse._SubParsersAction) -> None:
    ref = sub.add_parser("referral", help="referrals to outside services").add_subparsers(
        dest="referral_command", metavar="ACTION"
    )
    ref.required = True
    p = ref.add_parser("add", help="make a referral; prints its id once it is saved")
    p.add_argument("--family", required=True, help="the family's reference")
    p.add_argument("--service", required=True, help="the service's name (as in the directory, or a new one)")
    p.add_argument("--category", help=f"{_codes(ServiceCategory)} (default: the directory's)")
    p.add_argument("--domain", help=f"{_codes(Domain)} (default: the service's usual domain)")
    p.add_argument("--date", help="date made, YYYY-MM-DD (default today)")
    p.add_argument("--child", help="the child's name (or key) in that family")
    p.add_argument(
        "--carer", default="", help="the carer it is about (their name), when it is about one carer"
    )
    p.add_argument("--route", default=Route.REFERRED.value, help=_codes(Route))
    p.add_argument("--urgency", default=Urgency.ROUTINE.value, help=_codes(Urgency))
    p.add_argument("--reason", default="", help="why the family is referred")
    p.add_argument("--expected", help="date a response is expected, YYYY-MM-DD")
    p.add_argument("--sent", action="store_true", help="the referral has been sent (needs consent recorded)")
    _agreement_arguments(p)
    p.add_argument("--note", default="")
    _consent_arguments(p)
    p.set_defaults(handler=cmd_add)

    p = ref.add_parser("status", help="move a referral to a new status")
    p.add_argument("id", help="the referral's id")
    p.add_argument("status", help=_codes(ReferralStatus))
    p.add_argument("--reason", help=f"needed for declined and withdrawn: {_codes(StatusReason)}")
    p.add_argument("--note", default="")
    p.add_argument("--date", help="date of the change, YYYY-MM-DD (default today)")
    _agreement_arguments(p)
    p.set_defaults(handler=cmd_status)

    p = ref.add_parser("list", help="list referrals (open ones unless told otherwise)")
    p.add_argument("--overdue", action="store_true", help="only referrals past their follow-up date")
    p.add_argument("--due", action="store_true", help="only referrals to chase today (due or overdue)")
    p.add_argument("--family", help="one family's referrals (all statuses)")
    p.add_argument("--status", help=f"only this status: {_codes(ReferralStatus)}")
    p.add_argument("--all", action="store_true", help="include completed, declined and withdrawn")
    p.add_argument("--service", help="only referrals to this service")
    p.add_argument("--domain", help=_codes(Domain))
    p.set_defaults(handler=cmd_list)

    p = ref.add_parser("show", help="a referral with its status history and chases")
    p.add_argument("id")
    add_reason_argument(p)
    p.set_defaults(handler=cmd_show)

    p = ref.add_parser("chase", help="log that the service was chased; pushes the follow-up date on")
    p.add_argument("id")
    p.add_argument("--note", default="")
    p.add_argument("--date", help="date of the chase (default today)")
    p.add_argument("--next", help="next follow-up date (default: the follow-up days after the chase)")
    p.set_defaults(handler=cmd_chase)

    p = ref.add_parser("consent", help="record or change a referral's consent")
    p.add_argument("id")
    _consent_arguments(p)
    p.set_defaults(handler=cmd_consent)

    p = ref.add_parser("follow-up-days", help="show, or (managers) set, the default days before a follow-up")
    p.add_argument("days", nargs="?")
    p.set_defaults(handler=cmd_follow_up_days)

    p = ref.add_parser("measures", help="response times and outcomes per category of service")
    p.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
    p.set_defaults(handler=cmd_measures)


def _register_services(sub: argparse._SubParsersAction) -> None:
    svc = sub.add_parser("services", help="the directory of outside services").add_subparsers(
        dest="services_command", metavar="ACTION"
    )
    svc.required = True
    p = svc.add_parser(
        "import", help="import an Open Referral UK (HSDS) JSON file or services.csv (managers)"
    )
    p.add_argument(
        "file",
        type=path_arg,
        help="a JSON file, a services.csv, a data package's datapackage.json, or their folder",
    )
    p.add_argument(
        "--problems", type=path_arg, help="write every problem found, one a line, to this text file"
    )
    p.set_defaults(handler=cmd_services_import)

    p = svc.add_parser("show", help="every field of one service, with its contacts and directory categories")
    p.add_argument("id", help="the service's id, as 'services list' shows it (#12 or 12)")
    p.set_defaults(handler=cmd_services_show)

    p = svc.add_parser("review", help="imported services whose category is still to review, with suggestions")
    p.set_defaults(handler=cmd_services_review)

    p = svc.add_parser(
        "confirm", help="confirm the category of services to review (managers); kept by later imports"
    )
    p.add_argument("ids", nargs="+", help="service ids (#12 or 12)")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--category", help=f"the category for all of them: {_codes(ServiceCategory)}")
    which.add_argument("--suggested", action="store_true", help="accept each one's suggested category")
    p.set_defaults(handler=cmd_services_confirm)

    p = svc.add_parser("list", help="list the directory")
    p.add_argument("--search", default="")
    p.add_argument("--category", help=_codes(ServiceCategory))
    p.set_defaults(handler=cmd_services_list)

    p = svc.add_parser("add", help="add a service to the directory; prints its id")
    p.add_argument("--name", required=True)
    p.add_argument("--category", required=True, help=_codes(ServiceCategory))
    p.add_argument("--organisation", default="")
    p.add_argument("--domain", help=_codes(Domain))
    p.add_argument("--phone", default="")
    p.add_argument("--email", default="")
    p.add_argument("--website", default="")
    p.add_argument("--notes", default="")
    p.set_defaults(handler=cmd_services_add)


def _register_sharing(sub: argparse._SubParsersAction) -> None:
    sh = sub.add_parser("sharing", help="the information-sharing record").add_subparsers(
        dest="sharing_command", metavar="ACTION"
    )
    sh.required = True
    p = sh.add_parser("list", help="what was shared, with whom and why, newest first")
    p.add_argument("--family", help="one family's records")
    p.set_defaults(handler=cmd_sharing_list)

    p = sh.add_parser("not-shared", help="record a decision not to share, with the reasons; prints its id")
    p.add_argument(
        "--recipient", required=True, help="who asked for, or would have received, the information"
    )
    p.add_argument("--what", required=True, help="the information concerned")
    p.add_argument("--purpose", required=True, help="what it was wanted for")
    p.add_argument("--reason", required=True, help="why it was not shared")
    p.add_argument("--family", help="the family's reference")
    p.add_argument("--referral", help="the referral's id")
    p.add_argument("--date", help="date of the decision (default today)")
    p.set_defaults(handler=cmd_not_shared)


# ---------------------------------------------------------------- helpers


def _referral_id(text: str) -> int:
    try:
        return int(str(text).lstrip("#"))
    except ValueError:
        raise ValidationError(
            "id", f"'{text}' is not a referral id (a number, as 'referral list' shows)"
        ) from None


def _consent_fields(args: argparse.Namespace, service_name: str, made_on) -> dict:
    if args.consent:
        consent = parse_code(Consent, args.consent, "consent")
    else:
        consent = Consent.GIVEN if args.consent_by.strip() else Consent.NOT_GIVEN
    fields: dict = {"consent": consent}
    if consent is Consent.GIVEN:
        fields.update(
            consent_given_by=args.consent_by,
            consent_given_on=parse_optional_date(args.consent_date, "consent date") or made_on,
            consent_scope=args.consent_scope
            or f"Sharing the family's details with {service_name} for this referral",
        )
    fields["consent_note"] = args.consent_reason
    if args.lawful_basis:
        fields["lawful_basis"] = parse_code(LawfulBasis, args.lawful_basis, "lawful basis")
    fields["override_rationale"] = args.rationale
    return fields


def _line(referral: TrackedReferral, today) -> str:
    due = referral.due_on.isoformat() if referral.due_on else "-"
    status = referral_service.describe_status(referral, today)
    child = f" ({referral.child_name})" if referral.child_name else ""
    return (
        f"#{referral.id:<5} {status:<34} due {due:<10}  {referral.family_ref}{child}  {referral.service_name} "
        f"[{referral.service_category.value}, {referral.domain.value}]"
    )


# ---------------------------------------------------------------- referral commands


def cmd_add(ctx: CliContext, args: argparse.Namespace) -> int:
    category = parse_code(ServiceCategory, args.category, "category") if args.category else None
    domain = parse_code(Domain, args.domain, "domain") if args.domain else None
    route = parse_code(Route, args.route, "route")
    urgency = parse_code(Urgency, args.urgency, "urgency")
    made_on = parse_optional_date(args.date, "date")
    expected = parse_optional_date(args.expected, "expected response date")
    with ctx.open_session() as session:
        family = families.find_family(session, args.family)
        child = families.find_child(session, family, args.child) if args.child else None
        service = service_directory.find_service(session, args.service)
        category = category or (service.category if service else None)
        if category is None:
            raise ValidationError(
                "category", f"'{args.service}' is not in the service directory: give its --category"
            )
        domain = domain or (service.domain if service else None)
        if domain is None:
            raise ValidationError("domain", "give the need --domain this referral is for")
        made_on = made_on or session.clock.today()
        referral = NewTrackedReferral(
            family_id=family.id,
            service_name=service.name if service else args.service,
            service_category=category,
            domain=domain,
            made_on=made_on,
            status=ReferralStatus.SENT if args.sent else ReferralStatus.DRAFT,
            child_id=child.id if child else None,
            note=args.note,
            carer=args.carer,
            service_id=service.id if service and service.category is category else None,
            route=route,
            urgency=urgency,
            reason=args.reason,
            expected_response_on=expected,
            **_consent_fields(args, service.name if service else args.service, made_on),
        )
        saved = referral_service.make_referral(
            session, referral, agreement_id=args.agreement, no_agreement_reason=args.no_agreement_reason
        )
    ctx.print(saved.id)
    return 0


def cmd_status(ctx: CliContext, args: argparse.Namespace) -> int:
    referral_id = _referral_id(args.id)
    status = parse_code(ReferralStatus, args.status, "status")
    reason = parse_code(StatusReason, args.reason, "reason") if args.reason else None
    on = parse_optional_date(args.date, "date")
    with ctx.open_session() as session:
        referral = referral_service.change_status(
            session,
            referral_id,
            status,
            reason=reason,
            note=args.note,
            on=on,
            agreement_id=args.agreement,
            no_agreement_reason=args.no_agreement_reason,
        )
        ctx.print(_line(referral, session.clock.today()))
    return 0


def cmd_list(ctx: CliContext, args: argparse.Namespace) -> int:
    status = parse_code(ReferralStatus, args.status, "status") if args.status else None
    domain = parse_code(Domain, args.domain, "domain") if args.domain else None
    with ctx.open_session() as session:
        today = session.clock.today()
        family_id = families.find_family(session, args.family).id if args.family else None
        service_id = None
        if args.service:
            service = service_directory.find_service(session, args.service)
            if service is None:
                raise NotFound(f"'{args.service}' is not in the service directory.")
            service_id = service.id
        state = "all" if (args.all or family_id is not None or status is not None) else "open"
        flt = ReferralFilter(
            state=state,
            statuses=(status,) if status else (),
            family_id=family_id,
            service_id=service_id,
            domain=domain,
            overdue_on=today if args.overdue else None,
            due_by=today if args.due else None,
        )
        offset = 0
        while batch := referral_service.list_referrals(session, flt, offset=offset, limit=500):
            for referral in batch:
                ctx.print(_line(referral, today))
            offset += len(batch)
    return 0


def cmd_show(ctx: CliContext, args: argparse.Namespace) -> int:
    referral_id = _referral_id(args.id)
    reason = checked_reason(args)
    with ctx.open_session() as session:
        r = referral_service.get_referral(session, referral_id)
        if r.restricted:
            if reason is None:
                ctx.print(f"Referral #{r.id} made {r.made_on.isoformat()}: {withheld_line('referral')}")
                return 0
            r = referral_service.open_restricted_referral(session, referral_id, reason)
        today = session.clock.today()
        ctx.print(_line(r, today))
        ctx.print(f"  route: {r.route.value}; urgency: {r.urgency.value}; made {r.made_on.isoformat()}")
        if r.reason:
            ctx.print(f"  reason: {r.reason}")
        consent = f"  consent: {r.consent.value}"
        if r.consent is Consent.GIVEN:
            given_on = r.consent_given_on.isoformat() if r.consent_given_on else "?"
            consent += f" by {r.consent_given_by or '?'} on {given_on}; scope: {r.consent_scope or '?'}"
        elif r.consent is Consent.OVERRIDDEN:
            basis = r.lawful_basis.value if r.lawful_basis else "?"
            consent += f" (lawful basis {basis}): {r.override_rationale}"
        elif r.consent_note:
            consent += f": {r.consent_note}"
        ctx.print(consent)
        if r.expected_response_on:
            ctx.print(f"  expected response: {r.expected_response_on.isoformat()}")
        if r.note:
            ctx.print(f"  note: {r.note}")
        ctx.print("  history:")
        for change in referral_service.referral_history(session, r.id):
            reason = f" ({change.reason.value})" if change.reason else ""
            note = f": {change.note}" if change.note else ""
            by = f" by {change.changed_by_name}" if change.changed_by_name else ""
            ctx.print(f"    {change.changed_on.isoformat()} {change.status.value}{reason}{by}{note}")
        chases = referral_service.referral_chases(session, r.id)
        if chases:
            ctx.print("  chases:")
        for chase in chases:
            note = f": {chase.note}" if chase.note else ""
            ctx.print(
                f"    {chase.chased_on.isoformat()} by {chase.chased_by_name or '?'}, "
                f"next follow-up {chase.next_due_on.isoformat()}{note}"
            )
    return 0


def cmd_chase(ctx: CliContext, args: argparse.Namespace) -> int:
    referral_id = _referral_id(args.id)
    on = parse_optional_date(args.date, "date")
    next_due = parse_optional_date(args.next, "next follow-up")
    with ctx.open_session() as session:
        chase = referral_service.chase_referral(
            session, referral_id, note=args.note, on=on, next_due_on=next_due
        )
    ctx.print(
        f"#{referral_id} chased {chase.chased_on.isoformat()}; next follow-up {chase.next_due_on.isoformat()}"
    )
    return 0


def cmd_consent(ctx: CliContext, args: argparse.Namespace) -> int:
    referral_id = _referral_id(args.id)
    with ctx.open_session() as session:
        old = referral_service.get_referral(session, referral_id)
        base = old.as_new()
        if args.consent is None and not args.consent_by.strip():
            raise UsageError("say which --consent to record (or who gave it with --consent-by)")
        updated = replace(base, **_consent_fields(args, old.service_name, old.made_on))
        saved = referral_service.update_referral(session, referral_id, updated)
    ctx.print(f"#{saved.id} consent: {saved.consent.value}")
    return 0


def cmd_follow_up_days(ctx: CliContext, args: argparse.Namespace) -> int:
    with ctx.open_session() as session:
        if args.days is None:
            days = referral_service.follow_up_days(session.conn)
        else:
            days = referral_service.set_follow_up_days(session, args.days)
    ctx.print(days)
    return 0


def cmd_measures(ctx: CliContext, args: argparse.Namespace) -> int:
    date_from = parse_date(args.date_from, "from")
    date_to = parse_date(args.date_to, "to")
    if date_to < date_from:
        raise UsageError("--to is before --from")

    def days(value: float | None) -> str:
        return "-" if value is None else f"{value:g}"

    with ctx.open_session() as session:
        measures = referral_service.referral_measures(
            session.conn, date_from, date_to, viewer=session.user.role
        )
    ctx.print(
        "category             referrals  answered  median_days  seen  median_days  outcome_known  unknown"
    )
    for m in measures:
        ctx.print(
            f"{m.category.value:<20} {m.referrals:>9}  {m.acknowledged:>8}  {days(m.median_days_to_acknowledged):>11}"
            f"  {m.seen:>4}  {days(m.median_days_to_seen):>11}  {m.outcome_known:>13}  {m.outcome_unknown:>7}"
        )
    return 0


# ---------------------------------------------------------------- services and sharing commands


def cmd_services_import(ctx: CliContext, args: argparse.Namespace) -> int:
    with ctx.open_session() as session:
        summary = service_directory.import_directory(session, args.file)
        written = (
            service_directory.save_problem_list(session, summary, args.problems) if args.problems else None
        )
    ctx.print(f"Imported {args.file.name}: {summary.message}.")
    for line in summary.problem_summary():
        ctx.print(f"  {line}")
    if written is not None:
        ctx.print(f"Every problem ({len(summary.problems)}) is listed in {written}.")
    elif len(summary.problem_summary()) < len(summary.problems):
        ctx.print("  (--problems FILE lists every one)")
    if summary.to_review:
        ctx.print("Confirm their categories with 'services review' and 'services confirm' (managers).")
    return 0


def _service_id(text: str) -> int:
    try:
        return int(str(text).strip().lstrip("#"))
    except ValueError:
        raise ValidationError(
            "id", f"'{text}' is not a service id (a number, as 'services list' shows)"
        ) from None


def _category_text(s, nation) -> str:
    text = f"{s.category.label_for(nation)} ({s.category.value}), {s.category_status.label}"
    if s.to_review and s.suggested_category:
        text += f"; suggested: {s.suggested_category.value} ({s.suggestion_reason})"
    return text


def cmd_services_show(ctx: CliContext, args: argparse.Namespace) -> int:
    service_id = _service_id(args.id)
    with ctx.open_session() as session:
        s = service_directory.get_service(session, service_id)
        nation = service_directory.setting_nation(session)
    fields = [
        ("Service", f"#{s.id} {s.name}"),
        ("Organisation", s.organisation),
        ("Category", _category_text(s, nation)),
        ("Usual domain", s.domain.label(nation) if s.domain else "(any)"),
        ("Running", "yes" if s.active else "no longer running"),
        ("Phone", s.phone),
        ("Email", s.email),
        ("Website", s.website),
        ("Address", s.address),
        ("Directory id", s.hsds_id or ""),
        ("Directory terms", "; ".join(s.taxonomy_terms)),
        (
            "From",
            {"manual": "added here", "import": "directory import", "referral": "a referral"}[s.source.value],
        ),
        ("Updated", s.updated_at.strftime("%Y-%m-%d %H:%M")),
    ]
    for label, value in fields:
        ctx.print(f"{label + ':':<17}{value or '-'}")
    ctx.print("Contacts:" if s.contacts else f"{'Contacts:':<17}-")
    for contact in s.contacts:
        ctx.print(f"  {contact.text}")
    for label, text in (("Description", s.description), ("Our notes", s.notes)):
        ctx.print(f"{label}:" if text else f"{label + ':':<17}-")
        for line in text.splitlines():
            ctx.print(f"  {line}" if line else "")
    return 0


def cmd_services_review(ctx: CliContext, args: argparse.Namespace) -> int:
    with ctx.open_session() as session:
        queue = service_directory.review_queue(session)
    if not queue:
        ctx.print("No services to review: every category is confirmed or from the directory.")
        return 0
    ctx.print(f"{len(queue)} services to review (shown as Other until confirmed):")
    for s in queue:
        suggestion = (
            f"suggested {s.suggested_category.value}: {s.suggestion_reason}"
            if s.suggested_category
            else "no suggestion"
        )
        ctx.print(f"#{s.id:<4} {s.display_name:<50} {suggestion}")
    return 0


def cmd_services_confirm(ctx: CliContext, args: argparse.Namespace) -> int:
    category = parse_code(ServiceCategory, args.category, "category") if args.category else None
    ids = [_service_id(i) for i in args.ids]
    with ctx.open_session() as session:
        confirmed = service_directory.confirm_categories(session, ids, category)
    for s in confirmed:
        ctx.print(f"#{s.id:<4} {s.display_name}: {s.category.value}")
    return 0


def cmd_services_list(ctx: CliContext, args: argparse.Namespace) -> int:
    category = parse_code(ServiceCategory, args.category, "category") if args.category else None
    with ctx.open_session() as session:
        for s in service_directory.list_services(session, search=args.search, category=category):
            state = "" if s.active else "  (no longer running)"
            state += "  (category to review)" if s.to_review else ""
            contact = s.phone or s.email or s.website
            ctx.print(f"#{s.id:<4} {s.display_name:<50} {s.category.value:<16} {contact}{state}")
    return 0


def cmd_services_add(ctx: CliContext, args: argparse.Namespace) -> int:
    category = parse_code(ServiceCategory, args.category, "category")
    domain = parse_code(Domain, args.domain, "domain") if args.domain else None
    with ctx.open_session() as session:
        service = service_directory.add_service(
            session,
            NewService(
                name=args.name,
                category=category,
                organisation=args.organisation,
                domain=domain,
                phone=args.phone,
                email=args.email,
                website=args.website,
                notes=args.notes,
            ),
        )
    ctx.print(service.id)
    return 0


def cmd_sharing_list(ctx: CliContext, args: argparse.Namespace) -> int:
    with ctx.open_session() as session:
        family_id = families.find_family(session, args.family).id if args.family else None
        for rec in info_sharing.list_sharing(session, SharingFilter(family_id=family_id)):
            basis = (
                rec.lawful_basis.value if rec.lawful_basis else (rec.consent.value if rec.consent else "-")
            )
            referral = f" #{rec.referral_id}" if rec.referral_id else ""
            if rec.agreement_id is not None:
                agreement = f"; agreement #{rec.agreement_id}"
            elif rec.no_agreement_reason:
                agreement = f"; no agreement: {rec.no_agreement_reason}"
            else:
                agreement = ""
            ctx.print(
                f"{rec.decided_on.isoformat()} {rec.decision.value:<10} {rec.family_ref or '-':<10} "
                f"{'from' if rec.decision is SharingDecision.RECEIVED else 'to'} {rec.recipient} "
                f"({rec.occasion.value}{referral}; basis {basis}{agreement}): {rec.what}"
                + (f" | {rec.reason}" if rec.reason else "")
            )
    return 0


def cmd_not_shared(ctx: CliContext, args: argparse.Namespace) -> int:
    decided_on = parse_optional_date(args.date, "date")
    referral_id = _referral_id(args.referral) if args.referral else None
    with ctx.open_session() as session:
        family_id = families.find_family(session, args.family).id if args.family else None
        if referral_id is not None and family_id is None:
            family_id = referral_service.get_referral(session, referral_id).family_id
        record = info_sharing.record_decision_not_to_share(
            session,
            recipient=args.recipient,
            what=args.what,
            purpose=args.purpose,
            reason=args.reason,
            decided_on=decided_on,
            family_id=family_id,
            referral_id=referral_id,
            occasion=SharingOccasion.REFERRAL if referral_id else SharingOccasion.OTHER,
        )
    ctx.print(record.id)
    return 0

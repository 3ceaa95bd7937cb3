"""``sensitive list | mark | unmark``: what family-facing documents leave out besides the built-in areas.

Domestic abuse, children's social care, mental health, sexual health and substance use, restricted
records and safeguarding discussions are always left out of a family summary or subject access pack by
default. A manager may mark more: a service kind (``--category``), an activity type (``--activity``)
or a service by name (``--service``).
"""

from __future__ import annotations

import argparse

from setting_app.cli import CliContext
from setting_app.domain.codes import ServiceCategory
from setting_app.domain.sensitivity import SENSITIVE_CATEGORIES, SensitiveMarks, service_key
from setting_app.domain.validation import parse_code
from setting_app.services import document_review


def register(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser(
        "sensitive", help="what family summaries and subject access packs leave out (managers mark more)"
    ).add_subparsers(dest="sensitive_command", metavar="ACTION")
    group.required = True
    p = group.add_parser("list", help="what is left out of family-facing documents")
    p.set_defaults(handler=cmd_list)
    for name, handler, words in (("mark", cmd_mark, "mark"), ("unmark", cmd_unmark, "stop marking")):
        p = group.add_parser(name, help=f"{words} service kinds, activity types or services as sensitive")
        p.add_argument("--category", action="append", default=[], help="a service kind code (repeatable)")
        p.add_argument("--activity", action="append", default=[], help="an activity type code (repeatable)")
        p.add_argument("--service", action="append", default=[], help="a service's name (repeatable)")
        p.set_defaults(handler=handler)


def cmd_list(ctx: CliContext, args: argparse.Namespace) -> int:
    with ctx.open_session() as session:
        marks = document_review.sensitive_marks(session)
    ctx.print(
        "Always left out: domestic abuse, children's social care, mental health, sexual health, substance "
        "use; restricted records; safeguarding discussions; another carer's items."
    )
    ctx.print("Service kinds always sensitive: " + ", ".join(c.value for c in SENSITIVE_CATEGORIES))
    ctx.print("Service kinds marked: " + (", ".join(sorted(c.value for c in marks.categories)) or "none"))
    ctx.print("Activity types marked: " + (", ".join(sorted(marks.activities)) or "none"))
    ctx.print("Services marked: " + ("; ".join(sorted(marks.services)) or "none"))
    return 0


def _given(args: argparse.Namespace) -> SensitiveMarks:
    return SensitiveMarks(
        categories=frozenset(parse_code(ServiceCategory, c, "category") for c in args.category),
        activities=frozenset(a.strip() for a in args.activity if a.strip()),
        services=frozenset(s.strip() for s in args.service if s.strip()),
    )


def cmd_mark(ctx: CliContext, args: argparse.Namespace) -> int:
    given = _given(args)
    with ctx.open_session() as session:
        now = document_review.sensitive_marks(session)
        saved = document_review.set_sensitive_marks(
            session,
            SensitiveMarks(
                categories=now.categories | given.categories,
                activities=now.activities | given.activities,
                services=now.services | given.services,
            ),
        )
    ctx.print(
        f"Marked sensitive: {len(saved.categories)} service kinds, {len(saved.activities)} activity types, "
        f"{len(saved.services)} services."
    )
    return 0


def cmd_unmark(ctx: CliContext, args: argparse.Namespace) -> int:
    given = _given(args)
    drop = {service_key(s) for s in given.services}
    with ctx.open_session() as session:
        now = document_review.sensitive_marks(session)
        saved = document_review.set_sensitive_marks(
            session,
            SensitiveMarks(
                categories=now.categories - given.categories,
                activities=now.activities - given.activities,
                services=frozenset(s for s in now.services if service_key(s) not in drop),
            ),
        )
    ctx.print(
        f"Marked sensitive: {len(saved.categories)} service kinds, {len(saved.activities)} activity types, "
        f"{len(saved.services)} services."
    )
    return 0

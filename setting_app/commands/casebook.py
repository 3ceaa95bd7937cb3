"""``init``, ``check`` and ``recover``: creating, checking and regaining access to a casebook."""

from __future__ import annotations

import argparse

from setting_app.cli import CliContext
from setting_app.domain.codes import IntegrationModel, Nation, ProviderType
from setting_app.domain.models import SettingDetails
from setting_app.domain.validation import parse_code
from setting_app.services import casebook


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="create a new casebook for a setting, with its first manager")
    p.add_argument("--setting-name", required=True, help="the setting's name")
    p.add_argument("--urn", required=True, help="Ofsted URN or Care Inspectorate service number")
    p.add_argument("--nation", required=True, choices=[n.value for n in Nation])
    p.add_argument("--la-code", required=True, help="the local authority's GSS code, e.g. E09000019")
    p.add_argument("--la-name", default="", help="the local authority's name")
    p.add_argument("--provider-type", default=ProviderType.PVI.value, choices=[t.value for t in ProviderType])
    p.add_argument(
        "--integration-model",
        default=IntegrationModel.SETTING_LED.value,
        choices=[m.value for m in IntegrationModel],
    )
    p.add_argument("--manager", required=True, help="username of the first manager")
    p.add_argument("--manager-name", default="", help="the manager's display name")
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser(
        "check",
        help="check the casebook for damage: the key file, SQLCipher's page check, SQLite's integrity check "
        "and the audit chain; lists everything damaged",
    )
    p.set_defaults(handler=cmd_check)

    p = sub.add_parser(
        "recover",
        help="use the recovery code to set a new passphrase for --user (forgotten or damaged)",
        description="The recovery code comes from $SETTING_APP_RECOVERY_CODE and the new passphrase from "
        "$SETTING_APP_NEW_PASSPHRASE (each asked for when not set).",
    )
    p.set_defaults(handler=cmd_recover)


def cmd_init(ctx: CliContext, args: argparse.Namespace) -> int:
    details = SettingDetails(
        name=args.setting_name,
        urn=args.urn,
        nation=parse_code(Nation, args.nation, "nation"),
        la_code=args.la_code,
        la_name=args.la_name,
        provider_type=ProviderType(args.provider_type),
        integration_model=IntegrationModel(args.integration_model),
    )
    passphrase = ctx.passphrase(f"Passphrase for {args.manager}: ")
    created = casebook.create_casebook(
        ctx.data_dir, details, args.manager, args.manager_name, passphrase, kdf=ctx.kdf, clock=ctx.clock
    )
    created.session.close()
    ctx.print(f"Created the casebook for {details.name} in {ctx.data_dir}.")
    ctx.print("")
    ctx.print("RECOVERY CODE (shown once; print it or write it down and keep it locked away):")
    ctx.print(f"    {created.recovery_code}")
    ctx.print("")
    ctx.print("Anyone with this code can open the casebook. Without it, a forgotten manager passphrase")
    ctx.print("cannot be recovered.")
    return 0


def cmd_check(ctx: CliContext, args: argparse.Namespace) -> int:
    from setting_app.services import damage_check

    report = damage_check.check_folder(ctx.data_dir, ctx.require_user(), ctx.passphrase(), clock=ctx.clock)
    ctx.print("Checked: " + ", ".join(report.checked) + ".")
    if report.damaged:
        for problem in report.problems:
            ctx.print(f"  damaged: {problem}")
        ctx.error(
            f"setting-app: the casebook is damaged ({len(report.problems)} problem(s), first: {report.problems[0]}). "
            + report.advice
        )
        return 1
    ctx.print(
        "The casebook is intact: the key file, encryption check, database check and audit chain are ok."
    )
    return 0


def cmd_recover(ctx: CliContext, args: argparse.Namespace) -> int:
    user = ctx.require_user()
    code = ctx.recovery_code()
    new = ctx.new_passphrase(f"New passphrase for {user}: ")
    session = casebook.recover_access(ctx.data_dir, code, user, new, kdf=ctx.kdf, clock=ctx.clock)
    session.close()
    ctx.print(f"{user} can now unlock with the new passphrase.")
    return 0

"""``transfer keys``, ``transfer out REF --to KEYFILE --out FILE``, ``transfer in FILE``, ``transfer list``.

Moving a family's record to another setting that runs this app: the receiver gives its key file
(``transfer keys --out``), the sender seals the family's record to it, the receiver imports the file
after checking the sender's fingerprint by phone.
"""

from __future__ import annotations

import argparse

from setting_app.cli import CliContext, UsageError, path_arg
from setting_app.domain.referrals import LawfulBasis


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "transfer", help="move a family's record to or from another setting (sealed and signed)"
    )
    group = parser.add_subparsers(dest="transfer_command", metavar="ACTION")
    group.required = True

    keys = group.add_parser(
        "keys", help="show this setting's transfer key fingerprint; --out writes the key file to give senders"
    )
    keys.add_argument(
        "--out",
        type=path_arg,
        metavar="FILE.json",
        help="write the public key file (JSON) for sending settings",
    )
    keys.set_defaults(handler=cmd_keys)

    out = group.add_parser("out", help="seal one family's record for another setting (managers)")
    out.add_argument("ref", metavar="REF", help="the family's reference")
    out.add_argument(
        "--to", required=True, type=path_arg, metavar="KEYFILE", help="the receiving setting's key file"
    )
    out.add_argument("--out", required=True, type=path_arg, metavar="FILE", help="the transfer file to write")
    out.add_argument("--consent", choices=["given"], help="the family consented (say who with --consent-by)")
    out.add_argument("--consent-by", default="", metavar="NAME", help="who gave consent")
    out.add_argument(
        "--lawful-basis",
        choices=[b.value for b in LawfulBasis if b is not LawfulBasis.CONSENT],
        help="the lawful basis for transferring without consent (say why with --reason)",
    )
    out.add_argument("--reason", default="", metavar="TEXT", help="why, when relying on a lawful basis")
    out.add_argument("--purpose", default="", metavar="TEXT", help="why the record is transferred")
    out.add_argument(
        "--all-referrals", action="store_true", help="include closed referrals too (default: open ones)"
    )
    out.add_argument(
        "--include-restricted",
        action="store_true",
        help="include restricted (safeguarding) records (needs a reason)",
    )
    out.add_argument("--restricted-reason", default="", metavar="TEXT", help="why restricted records go")
    out.add_argument("--agreement", type=int, metavar="ID", help="the data-sharing agreement that covers it")
    out.add_argument("--no-agreement-reason", default="", metavar="TEXT", help="why there is no agreement")
    out.set_defaults(handler=cmd_out)

    incoming = group.add_parser("in", help="import a family's record sealed for this setting (managers)")
    incoming.add_argument("file", type=path_arg, metavar="FILE", help="the transfer file")
    incoming.add_argument(
        "--as", dest="new_ref", metavar="NEWREF", help="import under this reference instead"
    )
    incoming.add_argument(
        "--expect-fingerprint",
        metavar='"XXXX ..."',
        help="refuse unless the sender's signing key has this fingerprint",
    )
    incoming.set_defaults(handler=cmd_in)

    listing = group.add_parser("list", help="transfers in and out (managers)")
    listing.set_defaults(handler=cmd_list)


def cmd_keys(ctx: CliContext, args: argparse.Namespace) -> int:
    from setting_app.services import transfer_keys

    with ctx.open_session() as session:
        if args.out is not None:
            keys = transfer_keys.write_key_file(session, args.out)
        else:
            keys = transfer_keys.my_keys(session)
    ctx.print(f"Transfer key fingerprint: {keys.fingerprint}")
    ctx.print(f"Signing key fingerprint:  {keys.signing_fingerprint}")
    if args.out is not None:
        ctx.print(
            f"Wrote the key file for {keys.setting_name} to {args.out}: give it to the setting sending a record."
        )
    return 0


def cmd_out(ctx: CliContext, args: argparse.Namespace) -> int:
    from setting_app.services import transfer, transfer_keys

    if args.consent and args.lawful_basis:
        raise UsageError("give --consent given or --lawful-basis, not both")
    if not args.consent and not args.lawful_basis:
        raise UsageError(
            "say what the transfer relies on: --consent given --consent-by NAME, or --lawful-basis"
        )
    if args.consent and not args.consent_by.strip():
        raise UsageError("--consent given needs --consent-by NAME (who gave consent)")
    if args.agreement is not None and args.no_agreement_reason.strip():
        raise UsageError("give --agreement or --no-agreement-reason, not both")
    receiver = transfer_keys.read_key_file(args.to)  # checked before asking for the passphrase
    with ctx.open_session() as session:
        sent = transfer.send_family(
            session,
            args.ref,
            receiver,
            args.out,
            consent_by=args.consent_by if args.consent else "",
            lawful_basis=args.lawful_basis,
            reason=args.reason,
            purpose=args.purpose,
            all_referrals=args.all_referrals,
            include_restricted=args.include_restricted,
            restricted_reason=args.restricted_reason,
            agreement_id=args.agreement,
            no_agreement_reason=args.no_agreement_reason,
        )
    ctx.print(sent.sentence())
    ctx.print(
        f"Check the receiver's key fingerprint with {receiver.setting_name} by phone: {receiver.fingerprint}"
    )
    return 0


def cmd_in(ctx: CliContext, args: argparse.Namespace) -> int:
    from setting_app.services import transfer

    sealed = transfer.read_transfer_file(args.file)  # form and signature, before asking for the passphrase
    ctx.print(f"From {sealed.sender_name}{f' ({sealed.sender_urn})' if sealed.sender_urn else ''}, sealed on "
              f"{sealed.sealed_on.isoformat()}.")  # fmt: skip
    ctx.print(f"Sender's signing key fingerprint: {sealed.sender_fingerprint} (check it with them by phone)")
    with ctx.open_session() as session:
        received = transfer.receive_family(
            session, sealed, new_ref=args.new_ref, expect_fingerprint=args.expect_fingerprint
        )
    ctx.print(received.sentence())
    if not args.expect_fingerprint:
        ctx.print("The fingerprint was not checked against one you expected (--expect-fingerprint).")
    return 0


def cmd_list(ctx: CliContext, args: argparse.Namespace) -> int:
    from setting_app.services import transfer

    with ctx.open_session() as session:
        rows = transfer.list_transfers(session)
    if not rows:
        ctx.print("No transfers yet.")
        return 0
    for t in rows:
        if t.direction == "out":
            ctx.print(
                f"{t.sealed_on.isoformat()}  out  {t.family_ref} to {t.other_setting_name}: {t.contents}"
            )
        else:
            ctx.print(
                f"{(t.received_on or t.sealed_on).isoformat()}  in   {t.family_ref} from {t.other_setting_name} "
                f"(sealed {t.sealed_on.isoformat()}): {t.contents}"
            )
    return 0

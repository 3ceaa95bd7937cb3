"""``referral``, ``services`` and ``sharing`` on the command line, and their bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from setting_app.services.casebook import unlock
from tests.conftest import PASSPHRASE, CliRunner, fixed_clock
from tests.test_agreements import cover_all

HSDS = Path(__file__).parent / "fixtures" / "hsds"


def _prepare(cli: CliRunner) -> CliRunner:
    assert cli.init().code == 0
    family = cli(
        "family",
        "add",
        "--ref",
        "FAM-0001",
        "--carer",
        "A Parent",
        "--child",
        "Ava:2023-03-01",
        "--opened",
        "2026-01-05",
    )
    assert family.code == 0
    with unlock(cli.data_dir, "manager", PASSPHRASE, clock=cli.clock) as session:
        cover_all(session)  # sending now names the data-sharing agreement that covers it
    return cli


@pytest.fixture
def ready(cli: CliRunner) -> CliRunner:
    return _prepare(cli)


@pytest.fixture(scope="module")
def shared_ready(tmp_path_factory):
    """One casebook with a draft referral #1, for the bad-input cases (each proves it wrote nothing)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        cli = _prepare(CliRunner(tmp_path_factory.mktemp("cli") / "data", fixed_clock(), monkeypatch))
        assert _add(cli).out.strip() == "1"
        yield cli


def _add(cli: CliRunner, *extra: str):
    return cli(
        "referral",
        "add",
        "--family",
        "FAM-0001",
        "--service",
        "Eastbrook Community Food Bank",
        "--category",
        "food_essentials",
        "--domain",
        "financial_hardship",
        "--date",
        "2026-11-02",
        *extra,
    )


def _state(cli: CliRunner) -> tuple:
    """Every referral, history, chase and sharing row, to prove a refusal wrote nothing."""
    with unlock(cli.data_dir, "manager", PASSPHRASE, clock=cli.clock) as session:
        return tuple(
            session.conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
            for table in (
                "referrals",
                "referral_status_history",
                "referral_chases",
                "information_sharing",
                "services",
            )
        )


def test_add_send_follow_through_and_list(ready: CliRunner, clock) -> None:
    added = _add(
        ready,
        "--consent-by",
        "A Parent (mother)",
        "--child",
        "Ava",
        "--reason",
        "No food until payday",
        "--urgency",
        "urgent",
    )
    assert added.code == 0, added.err
    referral_id = added.out.strip()
    assert referral_id.isdigit()

    sent = ready("referral", "status", referral_id, "sent", "--date", "2026-11-03")
    assert sent.code == 0, sent.err
    assert "due 2026-11-17" in sent.out

    overdue = ready("referral", "list", "--overdue")
    assert overdue.code == 0
    assert f"#{referral_id}" in overdue.out and "OVERDUE 6 days" in overdue.out and "(Ava)" in overdue.out

    chased = ready("referral", "chase", referral_id, "--note", "Left a voicemail")
    assert chased.code == 0 and "next follow-up 2026-12-07" in chased.out
    assert ready("referral", "list", "--overdue").out == ""

    assert ready("referral", "status", referral_id, "accepted", "--note", "Parcel on Friday").code == 0
    assert ready("referral", "status", referral_id, "completed").code == 0
    assert ready("referral", "list").out == ""  # nothing open
    family_list = ready("referral", "list", "--family", "FAM-0001")
    assert "Completed" in family_list.out

    shown = ready("referral", "show", referral_id)
    assert shown.code == 0
    lines = shown.out
    assert "consent: given by A Parent (mother) on 2026-11-02" in lines
    assert "2026-11-03 sent by Mina" in lines or "2026-11-03 sent by" in lines
    assert "2026-11-23 accepted" in lines and "Parcel on Friday" in lines
    assert "next follow-up 2026-12-07: Left a voicemail" in lines

    sharing = ready("sharing", "list", "--family", "FAM-0001")
    assert (
        "shared" in sharing.out
        and "Eastbrook Community Food Bank" in sharing.out
        and "basis consent" in sharing.out
    )

    measures = ready("referral", "measures", "--from", "2026-11-01", "--to", "2026-11-30")
    assert measures.code == 0
    [row] = [line for line in measures.out.splitlines() if line.startswith("food_essentials")]
    assert row.split()[1:] == ["1", "1", "20", "1", "20", "1", "0"]


def test_declined_needs_a_reason_on_the_command_line(ready: CliRunner) -> None:
    referral_id = _add(ready, "--consent-by", "A Parent", "--sent").out.strip()
    before = _state(ready)
    refused = ready("referral", "status", referral_id, "declined")
    assert refused.code == 1
    assert refused.err.startswith("setting-app: reason: a declined referral needs a reason")
    assert "Traceback" not in refused.err and len(refused.err.strip().splitlines()) == 1
    assert _state(ready) == before
    ok = ready("referral", "status", referral_id, "declined", "--reason", "not_eligible")
    assert ok.code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("referral", "status", "1", "sent"), "consent: the family has not given consent"),
        (("referral", "status", "1", "seen"), "A draft referral cannot become seen"),
        (("referral", "status", "1", "lost"), "status: 'lost' is not one of"),
        (("referral", "status", "1", "withdrawn", "--reason", "bored"), "reason: 'bored' is not one of"),
        (("referral", "status", "1", "sent", "--date", "3/11/2026"), "date: '3/11/2026' is not a date"),
        (("referral", "status", "99", "sent"), "There is no referral #99"),
        (("referral", "status", "abc", "sent"), "id: 'abc' is not a referral id"),
        (("referral", "chase", "1"), "still a draft"),
        (
            (
                "referral",
                "add",
                "--family",
                "FAM-0404",
                "--service",
                "X",
                "--category",
                "other",
                "--domain",
                "family_wellbeing",
            ),
            "no family with reference 'FAM-0404'",
        ),
        (
            (
                "referral",
                "add",
                "--family",
                "FAM-0001",
                "--service",
                "Unknown service",
                "--domain",
                "family_wellbeing",
            ),
            "category: 'Unknown service' is not in the service directory",
        ),
        (
            (
                "referral",
                "add",
                "--family",
                "FAM-0001",
                "--service",
                "X",
                "--category",
                "food",
                "--domain",
                "financial_hardship",
            ),
            "category: 'food' is not one of",
        ),
        (
            (
                "referral",
                "add",
                "--family",
                "FAM-0001",
                "--service",
                "X",
                "--category",
                "other",
                "--domain",
                "family_wellbeing",
                "--date",
                "2027-01-01",
            ),
            "date made: 2027-01-01 is in the future",
        ),
        (
            (
                "referral",
                "add",
                "--family",
                "FAM-0001",
                "--service",
                "X",
                "--category",
                "other",
                "--domain",
                "family_wellbeing",
                "--sent",
            ),
            "consent: the family has not given consent",
        ),
        (
            (
                "referral",
                "add",
                "--family",
                "FAM-0001",
                "--service",
                "X",
                "--category",
                "other",
                "--domain",
                "family_wellbeing",
                "--route",
                "posted",
            ),
            "route: 'posted' is not one of",
        ),
        (("referral", "list", "--status", "open"), "status: 'open' is not one of"),
        (("referral", "follow-up-days", "0"), "follow-up days: must be from 1 to 180"),
        (("services", "import", "/nonexistent/directory.json"), "There is no file"),
        (
            ("sharing", "not-shared", "--recipient", "x", "--what", "y", "--purpose", "z", "--reason", " "),
            "reason: a decision not to share needs its reasons",
        ),
    ],
)
def test_bad_input_gets_one_plain_line_exit_1_and_writes_nothing(
    shared_ready: CliRunner, args, message
) -> None:
    ready = shared_ready
    before = _state(ready)
    result = ready(*args)
    assert result.code == 1, (result.out, result.err)
    assert message in result.err
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
    assert _state(ready) == before


def test_usage_errors_exit_2(ready: CliRunner) -> None:
    assert ready("referral").code == 2
    assert ready("referral", "add", "--family", "FAM-0001").code == 2  # --service missing
    assert ready("referral", "status", "1").code == 2


def test_override_from_the_command_line_is_for_managers_only(ready: CliRunner) -> None:
    assert (
        ready("users", "add", "pat", "--role", "practitioner", new_passphrase="pat passphrase 123").code == 0
    )
    referral_id = _add(ready).out.strip()
    override = (
        "--consent",
        "overridden",
        "--lawful-basis",
        "legal_obligation",
        "--rationale",
        "Risk of harm",
    )
    refused = ready(
        "referral", "consent", referral_id, *override, user="pat", passphrase="pat passphrase 123"
    )
    assert refused.code == 1 and "Only a manager can override consent" in refused.err
    sent_refused = ready(
        "referral", "status", referral_id, "sent", user="pat", passphrase="pat passphrase 123"
    )
    assert sent_refused.code == 1
    assert ready("referral", "consent", referral_id, *override).code == 0
    sent = ready("referral", "status", referral_id, "sent", user="pat", passphrase="pat passphrase 123")
    assert sent.code == 0, sent.err
    assert "basis legal_obligation" in ready("sharing", "list").out


def test_follow_up_days_and_directory_commands(ready: CliRunner) -> None:
    assert ready("referral", "follow-up-days").out.strip() == "14"
    assert ready("referral", "follow-up-days", "10").out.strip() == "10"
    imported = ready("services", "import", str(HSDS / "eastbrook_services.json"))
    assert imported.code == 0 and "8 added, 0 updated, 0 unchanged" in imported.out
    again = ready("services", "import", str(HSDS / "csv"))
    assert again.code == 0 and "2 added, 1 updated, 1 unchanged, 1 skipped" in again.out
    assert "skipped: services.csv line 6: has no id" in again.out
    listed = ready("services", "list", "--category", "food_essentials")
    assert "Eastbrook Community Food Bank" in listed.out and "Little Steps Baby Bank" in listed.out
    # The directory gives no category for the advice line: a manager confirms the suggested one.
    review = ready("services", "review")
    line = next(x for x in review.out.splitlines() if "Money Matters Advice Line" in x)
    assert "suggested debt_benefits" in line
    assert ready("services", "confirm", line.split()[0], "--suggested").code == 0
    # A directory service needs no --category or --domain; its due date uses the new follow-up days.
    added = ready(
        "referral",
        "add",
        "--family",
        "FAM-0001",
        "--service",
        "Money Matters Advice Line",
        "--consent-by",
        "A Parent",
        "--sent",
        "--date",
        "2026-11-20",
    )
    assert added.code == 0, added.err
    shown = ready("referral", "show", added.out.strip())
    assert "[debt_benefits, financial_hardship]" in shown.out and "due 2026-11-30" in shown.out
    not_shared = ready(
        "sharing",
        "not-shared",
        "--family",
        "FAM-0001",
        "--recipient",
        "Caller claiming to be dad",
        "--what",
        "Child's attendance",
        "--purpose",
        "Wanted to know pick-up times",
        "--reason",
        "Not on the contact list; identity could not be checked",
    )
    assert not_shared.code == 0 and not_shared.out.strip().isdigit()
    assert "not_shared" in ready("sharing", "list").out


def test_every_referral_command_has_help(ready: CliRunner) -> None:
    from setting_app.cli import build_parser

    parser = build_parser()
    groups = {a.dest: a for a in parser._subparsers._group_actions}  # noqa: SLF001
    for name in ("referral", "services", "sharing"):
        sub = groups["command"].choices[name]
        actions = sub._subparsers._group_actions[0]  # noqa: SLF001
        for choice in actions._choices_actions:  # noqa: SLF001
            assert choice.help, f"{name} {choice.dest} has no help"

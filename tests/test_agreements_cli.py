"""``agreement ...`` on the command line, and the agreement flags of ``referral`` and ``export family``."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.conftest import CliRunner

ADD = (
    "agreement",
    "add",
    "--title",
    "Family hub agreement",
    "--party",
    "Little Acorns Nursery|this_setting|",
    "--party",
    "Eastbrook Family Hub|family_hub|family_hub|hub@example.org",
    "--purpose",
    "Early help referrals",
    "--data",
    "Names, contact details, the reason for the referral",
    "--lawful-basis",
    "public_task",
    "--retention",
    "Six years after the case closes",
    "--security",
    "Secure email only",
    "--start",
    "2026-01-01",
    "--review",
    "2026-12-10",
)


@pytest.fixture
def ready(cli: CliRunner) -> CliRunner:
    assert cli.init().code == 0
    added = cli("family", "add", "--ref", "FAM-0001", "--carer", "A Parent", "--opened", "2026-01-05")
    assert added.code == 0, added.err
    return cli


def _one_line_error(result) -> str:
    assert result.code == 1
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1
    return result.err


def test_add_list_show_and_refusals(ready: CliRunner) -> None:
    added = ready(*ADD)
    assert added.code == 0, added.err
    assert added.out.strip() == "1"
    listed = ready("agreement", "list")
    assert listed.code == 0
    assert "#1" in listed.out and "review due" in listed.out and "2026-12-10" in listed.out
    assert "Eastbrook Family Hub" in listed.out
    shown = ready("agreement", "show", "1")
    assert "Lawful basis (article 6): Public task" in shown.out
    assert "receives family_hub referrals" in shown.out and "Signed document: none attached" in shown.out

    bad_review = ready(*ADD[:-1], "2025-12-01")
    assert "review date" in _one_line_error(bad_review)
    no_party = [a for a in ADD if "|" not in a and a != "--party"]
    assert "parties" in _one_line_error(ready(*no_party))
    assert "special category condition" in _one_line_error(ready(*ADD, "--special-category", "gossip"))
    assert "not an agreement id" in _one_line_error(ready("agreement", "show", "one"))
    assert "no data-sharing agreement #9" in _one_line_error(ready("agreement", "show", "9"))
    assert ready("agreement", "add", "--title", "Only a title").code == 2

    changed = ready("agreement", "change", "1", "--review", "2027-06-01", "--end", "2027-12-31")
    assert changed.code == 0, changed.err
    assert "in force" in changed.out and "2027-06-01" in changed.out
    assert "ends 2027-12-31" in ready("agreement", "show", "1").out
    assert "review date" in _one_line_error(ready("agreement", "change", "1", "--review", "2025-01-01"))
    assert "say what to change" in _one_line_error(ready("agreement", "change", "1"))
    assert ready("agreement", "change", "1", "--end", "none").code == 0
    assert "ends 2027-12-31" not in ready("agreement", "show", "1").out
    assert ready("agreement", "list").out.count("#") == 1


def test_practitioners_may_look_but_not_add(ready: CliRunner) -> None:
    assert ready(*ADD).code == 0
    assert (
        ready("users", "add", "pat", "--role", "practitioner", new_passphrase="pat passphrase 123").code == 0
    )
    pat = {"user": "pat", "passphrase": "pat passphrase 123"}
    assert "Only a manager" in _one_line_error(ready(*ADD, **pat))
    assert ready("agreement", "list", **pat).code == 0


def test_import_json_all_or_nothing(ready: CliRunner, tmp_path) -> None:
    item = {
        "title": "Health visiting",
        "parties": [{"name": "Eastbrook HV", "type": "health_visiting", "category": "health_visiting"}],
        "purpose": "Development concerns",
        "data_items": "Names and development notes",
        "direction": "both_ways",
        "lawful_basis": "public_task",
        "special_category_condition": "health_social_care",
        "retention": "Until school",
        "security_measures": "NHS mail",
        "starts_on": "2026-02-01",
        "review_on": "2027-02-01",
    }
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([item, {**item, "colour": "blue"}]))
    assert "colour" in _one_line_error(ready("agreement", "import", str(bad)))
    good = tmp_path / "good.json"
    good.write_text(json.dumps([item, {**item, "title": "Second"}]))
    imported = ready("agreement", "import", str(good))
    assert imported.code == 0 and "Imported 2 agreements" in imported.out
    broken = tmp_path / "broken.json"
    broken.write_text("{oops")
    assert "not valid JSON" in _one_line_error(ready("agreement", "import", str(broken)))
    assert "there is no file" in _one_line_error(ready("agreement", "import", str(tmp_path / "none.json")))


def test_attach_and_get_the_document_back(ready: CliRunner, tmp_path) -> None:
    assert ready(*ADD).code == 0
    signed = tmp_path / "signed.pdf"
    signed.write_bytes(b"%PDF-1.4 signed by both parties\n" + bytes(range(256)))
    attached = ready("agreement", "attach", "1", str(signed))
    assert attached.code == 0 and "signed.pdf" in attached.out
    out = tmp_path / "back.pdf"
    assert ready("agreement", "document", "1", "--out", str(out)).code == 0
    assert out.read_bytes() == signed.read_bytes()
    assert "there is no file" in _one_line_error(
        ready("agreement", "attach", "1", str(tmp_path / "nope.pdf"))
    )


def test_referral_send_and_export_name_the_agreement(ready: CliRunner, tmp_path) -> None:
    def add_referral(service: str = "Town Housing", category: str = "housing"):
        return ready(
            "referral", "add", "--family", "FAM-0001", "--service", service, "--category", category,
            "--domain", "financial_hardship", "--consent-by", "A Parent",
        ).out.strip()  # fmt: skip

    first = add_referral()
    refused = ready("referral", "status", first, "sent")
    assert "agreement: no data-sharing agreement in force covers" in _one_line_error(refused)
    sent = ready("referral", "status", first, "sent", "--no-agreement-reason", "Housing has no agreement yet")
    assert sent.code == 0, sent.err
    assert "no agreement: Housing has no agreement yet" in ready("sharing", "list").out
    missing = ready("agreement", "missing")
    assert "Town Housing" in missing.out and "Housing has no agreement yet" in missing.out

    assert ready(*ADD).code == 0
    # The family hub's agreement does not cover a housing referral...
    housing = add_referral()
    assert "not a party" in _one_line_error(ready("referral", "status", housing, "sent", "--agreement", "1"))
    # ...but does cover one to the family hub.
    second = add_referral("Eastbrook Family Hub", "family_hub")
    assert ready("referral", "status", second, "sent", "--agreement", "1").code == 0
    shown = ready("agreement", "show", "1")
    assert "agreement #1" in ready("sharing", "list").out
    assert "Shares it covers: 1" in shown.out and f"referral #{second}" in shown.out

    exported = ready(
        "export", "family", "FAM-0001", "--out", str(tmp_path / "f.json"), "--for", "Eastbrook Family Hub"
    )
    assert exported.code == 0, exported.err
    assert "Recorded as shared with Eastbrook Family Hub" in exported.out
    assert "Shares it covers: 2" in ready("agreement", "show", "1").out


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_template_subcommand_writes_a_pdf_with_the_settings_name(ready: CliRunner, tmp_path) -> None:
    assert ready(*ADD).code == 0
    out = tmp_path / "template.pdf"
    made = ready("agreement", "template", "--agreement", "1", "--out", str(out))
    assert made.code == 0, made.err
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "Little Acorns Nursery" in text and "Eastbrook Family Hub" in text
    assert "should end .pdf or .docx" in _one_line_error(
        ready("agreement", "template", "--out", str(tmp_path / "t.txt"))
    )


def test_import_refuses_deep_nesting_and_repeated_keys_plainly(ready: CliRunner, tmp_path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    assert "nested too deeply" in _one_line_error(ready("agreement", "import", str(deep)))
    twice = tmp_path / "twice.json"
    twice.write_text('{"title": "First", "title": "Second"}')
    assert "'title' twice" in _one_line_error(ready("agreement", "import", str(twice)))
    assert "No data-sharing agreements" in ready("agreement", "list").out

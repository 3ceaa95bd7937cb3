"""New passphrases must be hard to guess: zxcvbn score >= 3, judged with the account's own words.

Every place a passphrase is set (a new casebook, adding a staff account, changing one's own, the
recovery code) refuses a weak one with one plain line carrying the NCSC's three-random-words advice,
and changes nothing.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from setting_app.domain import passphrase_strength, validation
from setting_app.domain.codes import Nation, Role
from setting_app.domain.errors import ValidationError
from setting_app.services import casebook, demo, staff
from setting_app.storage import keyslots
from setting_app.storage.casebook_store import CasebookPaths
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import PASSPHRASE, setting_details

#: The fixture casebook's manager and setting (tests/conftest.py).
OWN_WORDS = ("manager", "Mina Manager", "Little Acorns Nursery")

COMMON_OR_GUESSABLE = [
    "aaaaaaaa",
    "password123",
    "qwertyuiop",
    "Summer2026!",
    "iloveyou1",
    "11111111",
    "abcdefgh",
    "P@ssw0rd1",
    "letmein123",
]
MADE_OF_OWN_WORDS = [
    "Mina Manager",
    "mina manager 2026",
    "LittleAcornsNursery1!",
    "little-acorns-nursery-2026",
    "acorns nursery mina",
    "manager manager",
]
STRONG = [
    PASSPHRASE,
    "mina purple tractor lemonade",  # a name in it is fine; made of names is not
    "otter lantern biscuit",
    "Tr0ub4dor&3 is a horse",
    "ein sehr langer Satz über Gärten und Flüsse",  # not only English, not only ASCII
    "lighthouse " * 9,  # longer than zxcvbn's 72 characters: only the start is judged, no error
]


@pytest.mark.parametrize("weak", COMMON_OR_GUESSABLE)
def test_common_or_guessable_passphrases_are_refused(weak: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validation.check_new_passphrase(weak, user_inputs=OWN_WORDS)
    message = str(caught.value)
    assert message.startswith("passphrase: is too easy to guess (")
    assert "Try three random words of your own, for example '" in message
    assert "\n" not in message


@pytest.mark.parametrize("weak", MADE_OF_OWN_WORDS)
def test_passphrases_made_of_the_users_or_settings_names_are_refused(weak: str) -> None:
    with pytest.raises(ValidationError, match="too easy to guess"):
        validation.check_new_passphrase(weak, user_inputs=OWN_WORDS)


def test_the_own_words_are_what_makes_those_weak() -> None:
    # Without the user's inputs zxcvbn rates some of these as strong: that is why they are passed.
    assert passphrase_strength.weakness("acorns nursery mina") is None
    assert passphrase_strength.weakness("acorns nursery mina", OWN_WORDS) is not None


@pytest.mark.parametrize("strong", STRONG)
def test_strong_passphrases_pass(strong: str) -> None:
    assert validation.check_new_passphrase(strong.strip(), user_inputs=OWN_WORDS) == strong.strip()


def test_too_short_is_still_its_own_message() -> None:
    with pytest.raises(ValidationError, match="is too short: use at least 8 characters"):
        validation.check_new_passphrase("Xq7#", user_inputs=OWN_WORDS)


def test_the_example_in_the_advice_is_three_random_words_that_pass() -> None:
    examples = {passphrase_strength.example_passphrase() for _ in range(30)}
    assert len(examples) > 20  # fresh each time, so nobody copies one shared example
    for example in examples:
        words = example.split()
        assert len(words) == 3 and all(w in passphrase_strength.EXAMPLE_WORDS for w in words)
        assert passphrase_strength.weakness(example) is None


def test_a_new_manager_with_aaaaaaaa_is_refused_and_nothing_is_created(data_dir: Path, clock) -> None:
    with pytest.raises(ValidationError, match="too easy to guess .* three random words"):
        casebook.create_casebook(
            data_dir,
            setting_details(),
            "mina",
            "Mina Manager",
            "aaaaaaaa",
            kdf=TEST_ONLY_FAST_KDF,
            clock=clock,
        )
    assert not casebook.casebook_exists(data_dir)


def test_a_new_casebook_refuses_a_passphrase_made_of_the_setting_name(data_dir: Path, clock) -> None:
    with pytest.raises(ValidationError, match="your name or the setting's name"):
        casebook.create_casebook(
            data_dir,
            setting_details(),
            "mina",
            "Mina Manager",
            "Little Acorns Nursery 1",
            kdf=TEST_ONLY_FAST_KDF,
            clock=clock,
        )
    assert not casebook.casebook_exists(data_dir)


def test_init_on_the_command_line_refuses_aaaaaaaa_in_one_line(cli, data_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("SETTING_APP_PASSPHRASE", "aaaaaaaa")
    result = cli.init()
    assert result.code == 1
    assert len(result.err.strip().splitlines()) == 1
    assert "too easy to guess" in result.err and "three random words" in result.err
    assert not casebook.casebook_exists(data_dir)


def test_adding_staff_refuses_a_weak_passphrase_and_adds_nobody(session) -> None:
    slots_before = CasebookPaths(session.data_dir).slots.read_bytes()
    for weak, display in (("password123", "Sam Smith"), ("sam smith 2026", "Sam Smith")):
        with pytest.raises(ValidationError, match="too easy to guess"):
            staff.add_user(
                session, "sam", Role.PRACTITIONER, weak, display_name=display, kdf=TEST_ONLY_FAST_KDF
            )
    assert [u.username for u in staff.list_users(session)] == ["manager"]
    assert CasebookPaths(session.data_dir).slots.read_bytes() == slots_before


def test_users_add_on_the_command_line_refuses_a_weak_passphrase(session, cli) -> None:
    session.close()
    result = cli("users", "add", "sam", "--role", "practitioner", new_passphrase="qwertyuiop")
    assert result.code == 1 and "too easy to guess" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_changing_ones_passphrase_refuses_a_weak_one_and_keeps_the_old(
    session, data_dir: Path, clock
) -> None:
    slots_before = CasebookPaths(data_dir).slots.read_bytes()
    with pytest.raises(ValidationError) as caught:
        staff.change_passphrase(session, PASSPHRASE, "Mina Manager!", kdf=TEST_ONLY_FAST_KDF)
    assert caught.value.field == "new passphrase"
    assert CasebookPaths(data_dir).slots.read_bytes() == slots_before
    session.close()
    casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock).close()


def test_passwd_on_the_command_line_refuses_a_weak_one(session, cli) -> None:
    session.close()
    result = cli("users", "passwd", new_passphrase="aaaaaaaa")
    assert result.code == 1 and "new passphrase: is too easy to guess" in result.err


def test_recovery_refuses_a_weak_new_passphrase_before_and_after_opening(data_dir: Path, clock) -> None:
    created = casebook.create_casebook(
        data_dir, setting_details(), "mina", "Mina Manager", PASSPHRASE, kdf=TEST_ONLY_FAST_KDF, clock=clock
    )
    created.session.close()
    slots_before = CasebookPaths(data_dir).slots.read_bytes()
    # Refused before the code is even tried ...
    with pytest.raises(ValidationError, match="new passphrase: is too easy to guess"):
        casebook.recover_access(
            data_dir, created.recovery_code, "mina", "aaaaaaaa", kdf=TEST_ONLY_FAST_KDF, clock=clock
        )
    # ... and, for the display name and setting name that only the open casebook knows, after it.
    with pytest.raises(ValidationError, match="your name or the setting's name"):
        casebook.recover_access(
            data_dir,
            created.recovery_code,
            "mina",
            "Little Acorns Nursery 1",
            kdf=TEST_ONLY_FAST_KDF,
            clock=clock,
        )
    assert CasebookPaths(data_dir).slots.read_bytes() == slots_before
    casebook.unlock(data_dir, "mina", PASSPHRASE, clock=clock).close()
    recovered = casebook.recover_access(
        data_dir, created.recovery_code, "mina", "otter lantern biscuit", kdf=TEST_ONLY_FAST_KDF, clock=clock
    )
    recovered.close()
    casebook.unlock(data_dir, "mina", "otter lantern biscuit", clock=clock).close()


@pytest.mark.parametrize("nation", list(Nation))
def test_the_demos_chosen_passphrases_pass_the_check(nation: Nation) -> None:
    inputs = demo.own_words("demo", nation)
    for _ in range(100):
        passphrase = demo.readable_passphrase(user_inputs=inputs)
        assert validation.check_new_passphrase(passphrase, user_inputs=inputs) == passphrase


def test_the_recovery_code_stays_at_least_128_bits() -> None:
    assert keyslots.RECOVERY_CODE_BYTES * 8 >= 128
    codes = {keyslots.new_recovery_code() for _ in range(50)}
    assert len(codes) == 50
    for code in codes:
        chars = keyslots.normalise_recovery_code(code)
        # Base32: 5 bits a character, and the characters decode back to the random bytes.
        assert set(chars) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        assert len(chars) * 5 >= 128
        padded = chars + "=" * (-len(chars) % 8)
        assert len(base64.b32decode(padded)) == keyslots.RECOVERY_CODE_BYTES

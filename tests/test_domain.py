"""Validation rules, named fields and the England/Scotland vocabulary."""

from __future__ import annotations

from datetime import date

import pytest

from setting_app.domain import validation
from setting_app.domain.codes import Domain, Kind, Nation, terms
from setting_app.domain.errors import ValidationError
from setting_app.domain.models import Carer, Child, Family, NewChild, NewEntry, NewFamily, SettingDetails

TODAY = date(2026, 11, 23)
FAMILY = Family(1, "FAM-1", date(2026, 1, 5), (), "", "", None, None, "")
CHILDREN = [Child(10, 1, "c1", "Amy", date(2023, 3, 1))]


def _entry(**changes) -> NewEntry:
    values = dict(family_id=1, entry_date=date(2026, 10, 3), domain=Domain.CHILD_DEVELOPMENT, minutes=30)
    values.update(changes)
    return NewEntry(**values)


def test_kind_defaults_by_domain() -> None:
    assert Domain.CHILD_DEVELOPMENT.default_kind is Kind.DIRECT
    assert Domain.INCLUSION_SEND.default_kind is Kind.DIRECT
    assert Domain.FAMILY_WELLBEING.default_kind is Kind.DIRECT
    assert Domain.FINANCIAL_HARDSHIP.default_kind is Kind.INDIRECT
    checked = validation.check_new_entry(_entry(domain=Domain.FINANCIAL_HARDSHIP), FAMILY, CHILDREN, TODAY)
    assert checked.kind is Kind.INDIRECT
    overridden = validation.check_new_entry(
        _entry(domain=Domain.FINANCIAL_HARDSHIP, kind=Kind.DIRECT), FAMILY, CHILDREN, TODAY
    )
    assert overridden.kind is Kind.DIRECT


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"minutes": 0}, "minutes"),
        ({"minutes": 601}, "minutes"),
        ({"entry_date": date(2026, 11, 24)}, "date"),
        ({"entry_date": date(2026, 1, 4)}, "date"),
        ({"child_id": 99}, "child"),
        ({"follow_up_on": date(2026, 10, 1)}, "follow-up date"),
        ({"domain": "housing"}, "domain"),
    ],
)
def test_entry_rules_name_the_field(changes, field) -> None:
    with pytest.raises(ValidationError) as caught:
        validation.check_new_entry(_entry(**changes), FAMILY, CHILDREN, TODAY)
    assert caught.value.field == field


def test_minutes_bounds_are_inclusive() -> None:
    assert validation.parse_minutes("1") == 1
    assert validation.parse_minutes(600) == 600
    with pytest.raises(ValidationError):
        validation.parse_minutes(True)


def test_family_rules() -> None:
    ok = validation.check_new_family(
        NewFamily(
            "FAM-1",
            date(2026, 1, 5),
            (Carer(" Jo ", "mum", ""),),
            postcode="n19gu",
            children=(NewChild("Amy", date(2023, 3, 1)),),
        ),
        TODAY,
    )
    assert ok.postcode == "N1 9GU" and ok.carers[0].name == "Jo"
    with pytest.raises(ValidationError, match="closed date"):
        validation.check_new_family(NewFamily("F", date(2026, 2, 1), closed_on=date(2026, 1, 1)), TODAY)
    with pytest.raises(ValidationError, match="postcode"):
        validation.check_new_family(NewFamily("F", date(2026, 2, 1), postcode="12345"), TODAY)
    with pytest.raises(ValidationError, match="home local authority"):
        validation.check_new_family(NewFamily("F", date(2026, 2, 1), home_la_code="Islington"), TODAY)
    with pytest.raises(ValidationError, match="date of birth"):
        validation.check_new_family(
            NewFamily("F", date(2026, 2, 1), children=(NewChild("Amy", date(2027, 1, 1)),)), TODAY
        )


def test_setting_rules() -> None:
    good = SettingDetails("  Little Acorns ", "EY123456", Nation.ENGLAND, "e09000019")
    assert validation.check_setting(good).la_code == "E09000019"
    with pytest.raises(ValidationError, match="setting name"):
        validation.check_setting(SettingDetails("", "EY123456", Nation.ENGLAND, "E09000019"))


def test_scotland_terms() -> None:
    assert Domain.INCLUSION_SEND.label(Nation.SCOTLAND) == "Inclusion and ASN"
    assert Domain.INCLUSION_SEND.label(Nation.ENGLAND) == "Inclusion and SEND"
    assert terms(Nation.SCOTLAND)["ecec"] == "ELC"
    assert terms(Nation.ENGLAND)["send"] == "SEND"


def test_parse_date_is_strict_iso() -> None:
    assert validation.parse_date("2026-02-28", "d") == date(2026, 2, 28)
    for bad in ("2026-02-30", "28/02/2026", "2026-2-3", ""):
        with pytest.raises(ValidationError, match="YYYY-MM-DD"):
            validation.parse_date(bad, "d")

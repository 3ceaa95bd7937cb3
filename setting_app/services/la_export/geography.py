"""The geography columns of a return: country, region, local authority (new GSS code, name, and DfE's
old 3-digit code in England), in the explore-education-statistics (EES) column names.

Names and old codes come from a small built-in list, not from what was typed into the casebook; an
authority not on the list keeps the name the setting gave it and ``x`` (unavailable) for the old code.
EES asks for the region beside every local authority: London's boroughs (``E09``) are in London
(``E12000007``); another English authority's region is ``x`` / ``Not available`` unless listed; a
Scottish one is ``z`` / ``Outside of England`` (EES's own wording for places outside its regions).
"""

from __future__ import annotations

from dataclasses import dataclass

from setting_app.domain.codes import Nation
from setting_app.services.la_export.sdc import NOT_APPLICABLE, UNAVAILABLE

COUNTRIES = {
    Nation.ENGLAND: ("E92000001", "England"),
    Nation.SCOTLAND: ("S92000003", "Scotland"),
}

#: GSS code -> (name, DfE old LA code or "" in Scotland).
LOCAL_AUTHORITIES: dict[str, tuple[str, str]] = {
    "E09000001": ("City of London", "201"),
    "E09000007": ("Camden", "202"),
    "E09000011": ("Greenwich", "203"),
    "E09000012": ("Hackney", "204"),
    "E09000013": ("Hammersmith and Fulham", "205"),
    "E09000019": ("Islington", "206"),
    "E09000020": ("Kensington and Chelsea", "207"),
    "E09000022": ("Lambeth", "208"),
    "E09000023": ("Lewisham", "209"),
    "E09000028": ("Southwark", "210"),
    "E09000030": ("Tower Hamlets", "211"),
    "E09000032": ("Wandsworth", "212"),
    "E09000033": ("Westminster", "213"),
    "E09000002": ("Barking and Dagenham", "301"),
    "E09000003": ("Barnet", "302"),
    "E09000004": ("Bexley", "303"),
    "E09000005": ("Brent", "304"),
    "E09000006": ("Bromley", "305"),
    "E09000008": ("Croydon", "306"),
    "E09000009": ("Ealing", "307"),
    "E09000010": ("Enfield", "308"),
    "E09000014": ("Haringey", "309"),
    "E09000015": ("Harrow", "310"),
    "E09000016": ("Havering", "311"),
    "E09000017": ("Hillingdon", "312"),
    "E09000018": ("Hounslow", "313"),
    "E09000021": ("Kingston upon Thames", "314"),
    "E09000024": ("Merton", "315"),
    "E09000025": ("Newham", "316"),
    "E09000026": ("Redbridge", "317"),
    "E09000027": ("Richmond upon Thames", "318"),
    "E09000029": ("Sutton", "319"),
    "E09000031": ("Waltham Forest", "320"),
    "S12000036": ("City of Edinburgh", ""),
    "S12000049": ("Glasgow City", ""),
    "S12000010": ("East Lothian", ""),
    "S12000019": ("Midlothian", ""),
    "S12000040": ("West Lothian", ""),
    "S12000047": ("Fife", ""),
}


LONDON = ("E12000007", "London")
#: GSS code prefix -> region, for authorities whose region follows from the code.
REGION_BY_PREFIX = {"E09": LONDON}
REGION_UNKNOWN = (UNAVAILABLE, "Not available")
OUTSIDE_ENGLAND = (NOT_APPLICABLE, "Outside of England")


def region_for(la_code: str, nation: Nation) -> tuple[str, str]:
    if nation is Nation.SCOTLAND:
        return OUTSIDE_ENGLAND
    return REGION_BY_PREFIX.get(la_code[:3], REGION_UNKNOWN)


@dataclass(frozen=True)
class Geography:
    country_code: str
    country_name: str
    new_la_code: str
    la_name: str
    old_la_code: str
    region_code: str = ""
    region_name: str = ""

    def columns(self) -> dict[str, str]:
        return {
            "country_code": self.country_code,
            "country_name": self.country_name,
            "region_code": self.region_code,
            "region_name": self.region_name,
            "new_la_code": self.new_la_code,
            "la_name": self.la_name,
            "old_la_code": self.old_la_code,
        }


def nation_of(la_code: str) -> Nation:
    return Nation.SCOTLAND if la_code.startswith("S") else Nation.ENGLAND


def geography_for(la_code: str, nation: Nation, typed_name: str = "") -> Geography:
    country_code, country_name = COUNTRIES[nation]
    known = LOCAL_AUTHORITIES.get(la_code)
    if known:
        name, old = known
    else:
        name, old = (typed_name.strip() or UNAVAILABLE), ""
    old_code = NOT_APPLICABLE if nation is Nation.SCOTLAND else (old or UNAVAILABLE)
    region_code, region_name = region_for(la_code, nation)
    return Geography(country_code, country_name, la_code, name, old_code, region_code, region_name)

"""Colours and print patterns for the four domains, shared by the app and the PDF report.

Plain hex strings (no Qt here). Colours are from the Okabe-Ito palette (safe for colour-blind
readers); each domain also has a pattern name so black-and-white prints still tell them apart.
"""

from __future__ import annotations

from setting_app.domain.codes import Domain, Kind

DOMAIN_COLOURS: dict[Domain, str] = {
    Domain.CHILD_DEVELOPMENT: "#0072B2",  # blue
    Domain.INCLUSION_SEND: "#CC79A7",  # reddish purple
    Domain.FAMILY_WELLBEING: "#009E73",  # bluish green
    Domain.FINANCIAL_HARDSHIP: "#E69F00",  # orange
}

#: For print: solid, diagonal hatch, dots, cross-hatch.
DOMAIN_PATTERNS: dict[Domain, str] = {
    Domain.CHILD_DEVELOPMENT: "solid",
    Domain.INCLUSION_SEND: "diagonal",
    Domain.FAMILY_WELLBEING: "dots",
    Domain.FINANCIAL_HARDSHIP: "cross",
}

KIND_MARKS: dict[Kind, str] = {Kind.DIRECT: "D", Kind.INDIRECT: "I"}

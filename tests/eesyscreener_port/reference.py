"""The screener's rules as data: the reference values that decide what a check accepts.

These are the small standard values of DfE's explore-education-statistics (EES) data standards, as
eesyscreener 0.3.1 (``R/reference_values.R``, built by ``data-raw/``) states them: the geographic
levels and their columns, the allowed time identifiers, required columns, symbols, indicator units,
the regular expression that catches geography columns, the API character limits, and the country and
region codes. They are also published in DfE's analysts' guide. ``test_eesyscreener_port`` checks
them against the package's own ``data/*.rda`` wherever the package is available (see ``source``).

The large lookups (local authorities, districts, constituencies, wards, LEPs, LSIPs, devolved areas,
ethnicity values, the data dictionary) are not copied here: they are read from the package itself.
"""

from __future__ import annotations

#: geographic_level -> (code_field, name_field, code_field_secondary); None where there is none.
GEOGRAPHY: dict[str, tuple[str | None, str | None, str | None]] = {
    "National": ("country_code", "country_name", None),
    "Regional": ("region_code", "region_name", None),
    "Local authority": ("new_la_code", "la_name", "old_la_code"),
    "Local authority district": ("lad_code", "lad_name", None),
    "RSC region": (None, "rsc_region_lead_name", None),
    "Parliamentary constituency": ("pcon_code", "pcon_name", None),
    "Local skills improvement plan area": ("lsip_code", "lsip_name", None),
    "Local enterprise partnership": (
        "local_enterprise_partnership_code",
        "local_enterprise_partnership_name",
        None,
    ),
    "English devolved area": ("english_devolved_area_code", "english_devolved_area_name", None),
    "Opportunity area": ("opportunity_area_code", "opportunity_area_name", None),
    "Ward": ("ward_code", "ward_name", None),
    "MAT": ("trust_id", "trust_name", None),
    "Sponsor": ("sponsor_id", "sponsor_name", None),
    "School": ("school_urn", "school_name", "school_laestab"),
    "Provider": ("provider_ukprn", "provider_name", None),
    "Institution": ("institution_id", "institution_name", None),
    "Planning area": ("planning_area_code", "planning_area_name", None),
    "Police force area": ("pfa_code", "pfa_name", None),
}

#: Groups of time identifiers that may be mixed in one file.
TIME_IDENTIFIER_GROUPS: tuple[tuple[str, ...], ...] = (
    ("Autumn and spring term",),
    ("Calendar year",),
    ("Financial year",),
    ("Academic year",),
    ("Tax year",),
    ("Reporting year",),
    ("Spring term", "Autumn term", "Summer term"),
    tuple(f"Week {n}" for n in range(1, 53)),
    (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    ("Financial year Q1", "Financial year Q2", "Financial year Q3", "Financial year Q4"),
    ("Part 1 (April to September)", "Part 2 (October to March)"),
)

FOUR_DIGIT_IDENTIFIERS: tuple[str, ...] = (
    "Calendar year",
    "Reporting year",
    *TIME_IDENTIFIER_GROUPS[7],
    *TIME_IDENTIFIER_GROUPS[8],
)
SIX_DIGIT_IDENTIFIERS: tuple[str, ...] = (
    "Autumn and spring term",
    "Spring term",
    "Autumn term",
    "Summer term",
    "Financial year",
    "Academic year",
    "Tax year",
    *TIME_IDENTIFIER_GROUPS[9],
    *TIME_IDENTIFIER_GROUPS[10],
)

REQ_META_COLS = (
    "col_name",
    "col_type",
    "label",
    "indicator_grouping",
    "indicator_unit",
    "indicator_dp",
    "filter_hint",
    "filter_grouping_column",
)
OPTIONAL_META_COLS = ("filter_default", "parent_filter")
REQ_DATA_COLS = ("geographic_level", "time_period", "time_identifier", "country_code", "country_name")
ACCEPTABLE_INDICATOR_UNITS = ("%", "pp", "£", "£m", "numberstring")
GSS_SYMBOLS = ("z", "x", "c", "low")
LEGACY_GSS_SYMBOLS = ("~", ":")
POTENTIAL_OB_UNITS_REGEX = (
    r"(^(country|sch|prov|inst|estab|reg|la|local|rsc|pfa|pcon|lep|mca|oa|ward|mat)"
    r".*(name|code|urn|ukprn|number|upin|id)$)"
    r"|(^(laestab|estab|sch|school|schools|prov|provider|providers|inst|institution|institutions"
    r"|name|code|urn|ukprn|number|upin|id|region|la|lad|rsc|pcon|lep|mca|oa|ward|mat)$)"
)
#: id -> (description, limit)
API_CHAR_LIMITS = {
    "location-code": ("location codes", 30),
    "column-name": ("filter / indicator names", 50),
    "column-label": ("filter / indicator labels", 100),
    "column-item": ("filter items / location names", 120),
}
#: (search string, harmonised column name)
HARMONISED_COL_NAMES: tuple[tuple[str, str], ...] = (
    ("sen_", "sen_status"),
    ("sen_", "sen_primary_need"),
    ("sen_", "sen_secondary_need"),
    ("sen_", "sen_provision"),
    ("primary_need", "sen_primary_need"),
    ("secondary_need", "sen_secondary_need"),
    ("establishment_type", "establishment_type"),
    ("establishment_type", "establishment_type_group"),
    ("provider_type", "provider_type"),
    ("school_type", "establishment_type"),
    ("school_type", "establishment_type_group"),
    ("ethnic", "ethnicity_major"),
    ("ethnic", "ethnicity_minor"),
    ("ethnic", "ethnicity_detailed"),
    ("ethnic", "minority_ethnic"),
)
ACCEPTABLE_COUNTRIES: tuple[tuple[str, str], ...] = (
    ("E92000001", "England"),
    ("K02000001", "United Kingdom"),
    ("K03000001", "Great Britain"),
    ("K04000001", "England and Wales"),
    ("N92000002", "Northern Ireland"),
    ("S92000003", "Scotland"),
    ("W92000004", "Wales"),
    ("z", "England, Wales and Northern Ireland"),
)
ACCEPTABLE_REGIONS: tuple[tuple[str, str], ...] = (
    ("E12000001", "North East"),
    ("E12000002", "North West"),
    ("E12000003", "Yorkshire and The Humber"),
    ("E12000004", "East Midlands"),
    ("E12000005", "West Midlands"),
    ("E12000006", "East of England"),
    ("E12000007", "London"),
    ("E12000008", "South East"),
    ("E12000009", "South West"),
    ("E13000001", "Inner London"),
    ("E13000002", "Outer London"),
)
#: Location codes and names accepted at every level as well as the lookup's.
EXTRA_GEOG_OPTIONS: tuple[tuple[str, str], ...] = (
    ("z", "Not applicable"),
    ("z", "Unknown"),
    ("z", "Outside of England"),
    ("z", "Outside of the United Kingdom"),
    ("z", "Outside of England and unknown"),
    ("z", "Outside of the United Kingdom and unknown"),
)

"""The fixed vocabularies of the product: codes used in the database, files and exports.

Codes are stable strings (they appear in exports an authority merges); labels are what people read
and may differ between England and Scotland.
"""

from __future__ import annotations

from enum import StrEnum


class Nation(StrEnum):
    ENGLAND = "england"
    SCOTLAND = "scotland"


class Kind(StrEnum):
    """Direct support is delivered by the setting; indirect connects the family to someone else."""

    DIRECT = "direct"
    INDIRECT = "indirect"

    @property
    def label(self) -> str:
        return "Direct" if self is Kind.DIRECT else "Indirect"


class Domain(StrEnum):
    CHILD_DEVELOPMENT = "child_development"
    INCLUSION_SEND = "inclusion_send"
    FAMILY_WELLBEING = "family_wellbeing"
    FINANCIAL_HARDSHIP = "financial_hardship"

    @property
    def default_kind(self) -> Kind:
        return Kind.INDIRECT if self is Domain.FINANCIAL_HARDSHIP else Kind.DIRECT

    def label(self, nation: Nation = Nation.ENGLAND) -> str:
        if self is Domain.INCLUSION_SEND:
            return "Inclusion and ASN" if nation is Nation.SCOTLAND else "Inclusion and SEND"
        return _DOMAIN_LABELS[self]

    def short_label(self, nation: Nation = Nation.ENGLAND) -> str:
        if self is Domain.INCLUSION_SEND:
            return "Inclusion/ASN" if nation is Nation.SCOTLAND else "Inclusion/SEND"
        return _DOMAIN_SHORT[self]


_DOMAIN_LABELS = {
    Domain.CHILD_DEVELOPMENT: "Child development and home learning",
    Domain.FAMILY_WELLBEING: "Family wellbeing",
    Domain.FINANCIAL_HARDSHIP: "Financial hardship",
}
_DOMAIN_SHORT = {
    Domain.CHILD_DEVELOPMENT: "Child development",
    Domain.FAMILY_WELLBEING: "Family wellbeing",
    Domain.FINANCIAL_HARDSHIP: "Financial hardship",
}

#: The order domains are shown in everywhere (buttons 1 to 4, tables, charts).
DOMAIN_ORDER: tuple[Domain, ...] = (
    Domain.CHILD_DEVELOPMENT,
    Domain.INCLUSION_SEND,
    Domain.FAMILY_WELLBEING,
    Domain.FINANCIAL_HARDSHIP,
)


class Role(StrEnum):
    PRACTITIONER = "practitioner"
    MANAGER = "manager"


class IntegrationModel(StrEnum):
    HUB = "hub"
    LOCALITY_TEAM = "locality_team"
    SETTING_LED = "setting_led"

    @property
    def label(self) -> str:
        return {
            IntegrationModel.HUB: "Hub or centre-based",
            IntegrationModel.LOCALITY_TEAM: "Multi-agency locality team",
            IntegrationModel.SETTING_LED: "Setting-led family support team",
        }[self]


class ProviderType(StrEnum):
    PVI = "pvi"
    MAINTAINED_NURSERY_SCHOOL = "maintained_nursery_school"
    SCHOOL_NURSERY_CLASS = "school_nursery_class"
    CHILDMINDER = "childminder"
    FAMILY_HUB = "family_hub"

    @property
    def label(self) -> str:
        return {
            ProviderType.PVI: "Private, voluntary or independent nursery",
            ProviderType.MAINTAINED_NURSERY_SCHOOL: "Maintained nursery school",
            ProviderType.SCHOOL_NURSERY_CLASS: "School nursery class",
            ProviderType.CHILDMINDER: "Childminder",
            ProviderType.FAMILY_HUB: "Family hub or children's centre",
        }[self]


class ContactMode(StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    HOME_VISIT = "home_visit"
    MEETING = "meeting"
    MESSAGE = "message"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Consent(StrEnum):
    GIVEN = "given"
    NOT_GIVEN = "not_given"
    NOT_NEEDED = "not_needed"
    OVERRIDDEN = "overridden"


class ReferralStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    ACCEPTED = "accepted"
    WAITLISTED = "waitlisted"
    DECLINED = "declined"
    SEEN = "seen"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class ServiceCategory(StrEnum):
    HEALTH_VISITING = "health_visiting"
    SPEECH_LANGUAGE = "speech_language"
    GP_PRIMARY_CARE = "gp_primary_care"
    MENTAL_HEALTH = "mental_health"
    FAMILY_HUB = "family_hub"
    EARLY_HELP = "early_help"
    SOCIAL_CARE = "social_care"
    SEND_SUPPORT = "send_support"
    HOUSING = "housing"
    FOOD_ESSENTIALS = "food_essentials"
    DEBT_BENEFITS = "debt_benefits"
    DOMESTIC_ABUSE = "domestic_abuse"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _SERVICE_LABELS[self]

    def label_for(self, nation: Nation) -> str:
        """The label in the setting's words (ASN support in Scotland)."""
        if self is ServiceCategory.SEND_SUPPORT and nation is Nation.SCOTLAND:
            return "ASN support"
        return _SERVICE_LABELS[self]


_SERVICE_LABELS = {
    ServiceCategory.HEALTH_VISITING: "Health visiting",
    ServiceCategory.SPEECH_LANGUAGE: "Speech and language therapy",
    ServiceCategory.GP_PRIMARY_CARE: "GP and primary care",
    ServiceCategory.MENTAL_HEALTH: "Mental health (incl. perinatal)",
    ServiceCategory.FAMILY_HUB: "Family hub",
    ServiceCategory.EARLY_HELP: "Early help",
    ServiceCategory.SOCIAL_CARE: "Children's social care",
    ServiceCategory.SEND_SUPPORT: "SEND support",
    ServiceCategory.HOUSING: "Housing",
    ServiceCategory.FOOD_ESSENTIALS: "Food and essentials",
    ServiceCategory.DEBT_BENEFITS: "Debt and benefits advice",
    ServiceCategory.DOMESTIC_ABUSE: "Domestic abuse support",
    ServiceCategory.OTHER: "Other",
}


def terms(nation: Nation) -> dict[str, str]:
    """Words that differ between England and Scotland, for labels and reports."""
    if nation is Nation.SCOTLAND:
        return {"ecec": "ELC", "send": "ASN", "ecec_long": "early learning and childcare"}
    return {"ecec": "ECEC", "send": "SEND", "ecec_long": "early childhood education and care"}


#: Activity types every casebook starts with; a setting can add its own per domain.
BUILTIN_ACTIVITIES: dict[Domain, tuple[tuple[str, str], ...]] = {
    Domain.CHILD_DEVELOPMENT: (
        ("home_learning_pack", "Home learning pack or resources"),
        ("development_advice", "Advice on development or routines"),
        ("stay_and_play", "Stay-and-play or parent session"),
        ("progress_check", "Progress check discussion"),
        ("health_visitor_liaison", "Liaison with health visitor"),
    ),
    Domain.INCLUSION_SEND: (
        ("support_plan", "Support plan or SEN support review"),
        ("ehcp_application", "Help with EHC plan or assessment"),
        ("inclusion_advice", "Inclusion advice to the family"),
        ("specialist_liaison", "Liaison with specialist service"),
        ("transition_support", "Transition support"),
    ),
    Domain.FAMILY_WELLBEING: (
        ("wellbeing_checkin", "Wellbeing check-in"),
        ("parenting_support", "Parenting support"),
        ("mental_health_signpost", "Mental health signposting"),
        ("safeguarding_discussion", "Safeguarding discussion"),
        ("early_help_contact", "Early help contact"),
    ),
    Domain.FINANCIAL_HARDSHIP: (
        ("food_bank_voucher", "Food bank or baby bank voucher"),
        ("benefits_form_help", "Help with a benefits or funding form"),
        ("debt_advice_signpost", "Signposting to debt or benefits advice"),
        ("housing_signpost", "Signposting to housing support"),
        ("essentials_provided", "Clothes, nappies or essentials provided"),
    ),
}

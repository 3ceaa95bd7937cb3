"""A plain-English multi-agency data-sharing agreement, as a PDF or an editable DOCX.

The wording is built once, as a list of blocks (headings, paragraphs, lists, tables, signature
boxes), from the setting's details and, when one is named, an agreement in the register. The PDF and
the DOCX renderers draw the same blocks, so both carry the same text. Whatever is not known is left
as a blank line (``__________``) for the partners to fill in.

The template is a starting point, not legal advice: it says so near the top, in both formats.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from setting_app import __version__
from setting_app.domain.codes import Nation
from setting_app.domain.errors import AlreadyExists, AppError, NotFound, ValidationError
from setting_app.domain.models import SettingDetails
from setting_app.services import audit
from setting_app.services.session import Session
from setting_app.storage import setting_repo
from setting_app.storage.agreement_template_repo import (
    TemplateAgreement,
    TemplateParty,
    get_template_agreement,
)
from setting_app.storage.fsutil import temp_file_beside
from setting_app.storage.unit_of_work import unit_of_work

BLANK = "__________"
DPO_NOTICE = (
    "This is a starting point, not legal advice. Have it checked by your setting's data protection "
    "officer before anyone signs it."
)
ALLOWED_ENDINGS = (".pdf", ".docx")

SECTION_HEADINGS: tuple[str, ...] = (
    "1. The parties",
    "2. Purpose and benefits to families",
    "3. What information is shared, and what is not",
    "4. Lawful basis for sharing",
    "5. How information is shared",
    "6. Each party's responsibilities",
    "7. Accuracy, retention and secure deletion",
    "8. Individuals' rights",
    "9. Data breaches",
    "10. Review and ending",
    "11. Signatures",
)

#: UK GDPR article 6 bases, in plain words (codes as stored in ``sharing_agreements.lawful_basis``).
ARTICLE_6: dict[str, str] = {
    "consent": (
        "Article 6(1)(a), consent: the parent or carer has freely agreed to the sharing, can say no "
        "without losing a service, and can withdraw their consent at any time."
    ),
    "legal_obligation": "Article 6(1)(c), legal obligation: the law requires the sharing.",
    "vital_interests": "Article 6(1)(d), vital interests: the sharing is needed to protect someone's life.",
    "public_task": (
        "Article 6(1)(e), public task: the sharing is needed to carry out a task in the public interest "
        "or an official function that has a clear basis in law."
    ),
    "legitimate_interests": (
        "Article 6(1)(f), legitimate interests: the sharing is needed for a genuine purpose, the "
        "family's interests have been weighed and do not override it, and the assessment is written "
        "down. Public authorities cannot use this basis for their official tasks."
    ),
}

#: UK GDPR article 9(2) conditions for special-category data, with the Data Protection Act 2018
#: Schedule 1 condition where one is needed (codes as in ``special_category_condition``).
ARTICLE_9: dict[str, str] = {
    "explicit_consent": (
        "Article 9(2)(a), explicit consent: the person has clearly agreed, usually in writing, to this "
        "kind of information being shared for this purpose."
    ),
    "employment_social_protection": (
        "Article 9(2)(b), social protection: the sharing is needed to carry out duties under social "
        "protection law (Data Protection Act 2018, Schedule 1, paragraph 1)."
    ),
    "vital_interests": (
        "Article 9(2)(c), vital interests: the sharing is needed to protect someone's life and they "
        "cannot give consent."
    ),
    "not_for_profit": (
        "Article 9(2)(d), a not-for-profit body: information about its own members or regular contacts, "
        "kept within that body."
    ),
    "made_public": "Article 9(2)(e), made public: the person has clearly made the information public.",
    "legal_claims": (
        "Article 9(2)(f), legal claims: the sharing is needed to make or defend a legal claim, or a "
        "court has asked for it."
    ),
    "substantial_public_interest": (
        "Article 9(2)(g), substantial public interest, with a condition in the Data Protection Act 2018, "
        "Schedule 1, Part 2: usually paragraph 18 (safeguarding of children and of individuals at risk) "
        "or paragraph 6 (statutory and government purposes)."
    ),
    "health_social_care": (
        "Article 9(2)(h), health or social care: the sharing is needed to provide health or social care, "
        "by or under the responsibility of a professional bound by confidentiality (Data Protection Act "
        "2018, Schedule 1, paragraph 2)."
    ),
    "public_health": "Article 9(2)(i), public health (Data Protection Act 2018, Schedule 1, paragraph 3).",
    "archiving_research": (
        "Article 9(2)(j), archiving, research or statistics, with safeguards (Data Protection Act 2018, "
        "Schedule 1, paragraph 4)."
    ),
}


class TemplateWriteError(AppError):
    """The template could not be saved where the user asked."""


# --- the document, as blocks both renderers draw ---------------------------------------------------


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Para:
    text: str
    #: A boxed notice (the "not legal advice" statement).
    notice: bool = False


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Grid:
    """A table. With ``header`` the first row is a header; without, the first column holds labels."""

    rows: tuple[tuple[str, ...], ...]
    header: tuple[str, ...] = ()


@dataclass(frozen=True)
class SignatureBox:
    """One party's signature rows: organisation, name, role, signature, date."""

    party: str
    organisation: str

    @property
    def rows(self) -> tuple[tuple[str, str], ...]:
        return (
            ("Organisation", self.organisation),
            ("Name", BLANK),
            ("Role", BLANK),
            ("Signature", BLANK),
            ("Date", BLANK),
        )


Block = Heading | Para | Bullets | Grid | SignatureBox


@dataclass(frozen=True)
class AgreementTemplate:
    title: str
    subtitle: str
    blocks: tuple[Block, ...]
    footer: str
    author: str
    nation: Nation

    @property
    def document_title(self) -> str:
        """The file's title metadata."""
        return f"{self.title}: {self.subtitle}"


# --- words that differ between England and Scotland -----------------------------------------------


@dataclass(frozen=True)
class _Words:
    setting_kind: str
    number_label: str
    needs: str
    framework: str
    default_purpose: str
    safeguarding: str
    safeguarding_lead: str
    safeguarding_guidance: str
    plan: str
    party_labels: dict[str, str]
    default_parties: tuple[tuple[str, str], ...]


_ENGLAND = _Words(
    setting_kind="early years setting",
    number_label="Ofsted URN",
    needs="special educational needs and disabilities (SEND)",
    framework="the local early help offer",
    default_purpose=(
        "To help children and families get the right support at the right time: to make and follow up "
        "referrals to health visiting, the family hub, the local authority's early help service and "
        "voluntary sector services, to plan early help together, and to keep children safe."
    ),
    safeguarding="safeguarding",
    safeguarding_lead="designated safeguarding lead (DSL)",
    safeguarding_guidance=(
        "Working Together to Safeguard Children and the government's advice on information sharing for "
        "safeguarding practitioners"
    ),
    plan="an early help plan",
    party_labels={
        "this_setting": "This setting",
        "early_years_setting": "Early years setting",
        "health_visiting": "Health visiting",
        "health": "Health service",
        "family_hub": "Family hub",
        "early_help": "Local authority early help",
        "local_authority": "Local authority",
        "social_care": "Children's social care",
        "voluntary_sector": "Voluntary sector",
        "other": "Other partner",
    },
    default_parties=(
        ("health_visiting", BLANK),
        ("family_hub", BLANK),
        ("early_help", ""),
        ("voluntary_sector", BLANK),
    ),
)

_SCOTLAND = _Words(
    setting_kind="early learning and childcare (ELC) setting",
    number_label="Care Inspectorate number",
    needs="additional support needs (ASN)",
    framework="Getting it right for every child (GIRFEC)",
    default_purpose=(
        "To help children and families get the right support at the right time, as Getting it right for "
        "every child (GIRFEC) intends: to make and follow up requests for support to health visiting, "
        "family support services, the local authority and third sector services, to contribute to a "
        "child's plan, and to keep children safe."
    ),
    safeguarding="child protection",
    safeguarding_lead="child protection coordinator",
    safeguarding_guidance=(
        "the National Guidance for Child Protection in Scotland and the GIRFEC practice guidance on "
        "information sharing"
    ),
    plan="a child's plan",
    party_labels={
        "this_setting": "This setting",
        "early_years_setting": "ELC setting",
        "health_visiting": "Health visiting (NHS board)",
        "health": "NHS health service",
        "family_hub": "Family support service",
        "early_help": "Local authority family support (GIRFEC)",
        "local_authority": "Local authority",
        "social_care": "Children's social work",
        "voluntary_sector": "Third sector (voluntary)",
        "other": "Other partner",
    },
    default_parties=(
        ("health_visiting", BLANK),
        ("family_hub", BLANK),
        ("early_help", ""),
        ("voluntary_sector", BLANK),
    ),
)


def _words(nation: Nation) -> _Words:
    return _SCOTLAND if nation is Nation.SCOTLAND else _ENGLAND


def format_day(day: date | None) -> str:
    return f"{day.day} {day.strftime('%B %Y')}" if day else BLANK


def _or_blank(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text or BLANK


def _sentence(text: str) -> str:
    """Free text that a template sentence ends with a full stop: its own final stop dropped."""
    return text.rstrip().rstrip(".").rstrip() or text


def _lines(text: str) -> tuple[str, ...]:
    """Free text as list items: one per line, list markers dropped."""
    items = [line.strip().lstrip("-*\u2022").strip() for line in text.splitlines()]
    return tuple(item for item in items if item) or (BLANK,)


# --- sections ------------------------------------------------------------------------------------


def _local_authority(setting: SettingDetails) -> str:
    if setting.la_name and setting.la_code:
        return f"{setting.la_name} ({setting.la_code})"
    return setting.la_name or setting.la_code or BLANK


def _parties(setting: SettingDetails, agreement: TemplateAgreement | None) -> tuple[TemplateParty, ...]:
    """The agreement's parties, or this setting and the usual local partners with names left blank."""
    if agreement is not None and agreement.parties:
        parties = agreement.parties
        if not any(p.party_type == "this_setting" for p in parties):
            parties = (TemplateParty(setting.name, "this_setting", None, ""), *parties)
        return parties
    words = _words(setting.nation)
    defaults = [TemplateParty(setting.name, "this_setting", None, "")]
    for party_type, name in words.default_parties:
        if party_type == "early_help" and not name:
            name = f"{setting.la_name} local authority" if setting.la_name else BLANK
        defaults.append(TemplateParty(name, party_type, None, ""))
    return tuple(defaults)


def _party_label(party: TemplateParty, nation: Nation) -> str:
    return _words(nation).party_labels.get(party.party_type, "Other partner")


def _opening(setting: SettingDetails, agreement: TemplateAgreement | None) -> list[Block]:
    words = _words(setting.nation)
    details: list[tuple[str, str]] = [
        ("Setting", _or_blank(setting.name)),
        (words.number_label, _or_blank(setting.urn)),
        ("Address", BLANK),
        ("Local authority", _local_authority(setting)),
        ("Agreement", f"{agreement.title} (register number {agreement.id})" if agreement else BLANK),
        ("Starts on", format_day(agreement.starts_on if agreement else None)),
        ("Review by", format_day(agreement.review_on if agreement else None)),
        ("Ends on", format_day(agreement.ends_on) if agreement and agreement.ends_on else BLANK),
        ("Data protection officer", BLANK),
    ]
    return [
        Para(DPO_NOTICE, notice=True),
        Grid(tuple(details)),
        Para(
            f"This agreement sets out how {setting.name}, an {words.setting_kind}, and its local partners "
            "share information about children and their families, so that families get the right help "
            "early without having to tell their story again and again. It supports "
            f"{words.framework}. It follows the UK General Data Protection Regulation (UK GDPR), the Data "
            "Protection Act 2018 and the Information Commissioner's data sharing code of practice."
        ),
    ]


def _parties_section(setting: SettingDetails, agreement: TemplateAgreement | None) -> list[Block]:
    rows = tuple(
        (_party_label(p, setting.nation), _or_blank(p.name), _or_blank(p.contact))
        for p in _parties(setting, agreement)
    )
    blocks: list[Block] = [
        Heading(SECTION_HEADINGS[0]),
        Para("The organisations that share information under this agreement, and who to contact in each:"),
        Grid(rows, header=("Party", "Organisation", "Contact for this agreement")),
    ]
    if agreement is None:
        blocks.append(
            Para(
                "Add or remove partners to match who actually shares information with the setting. "
                "Each party is a controller of the information it holds."
            )
        )
    else:
        blocks.append(Para("Each party is a controller of the information it holds."))
    return blocks


def _purpose_section(setting: SettingDetails, agreement: TemplateAgreement | None) -> list[Block]:
    words = _words(setting.nation)
    purpose = " ".join(agreement.purpose.split()) if agreement else words.default_purpose
    return [
        Heading(SECTION_HEADINGS[1]),
        Para(f"Purpose: {purpose}"),
        Para("What families gain from it:"),
        Bullets(
            (
                "Families tell their story once, rather than to every service.",
                "Help starts sooner: a referral carries what the service needs to act on it.",
                "The setting hears what happened to a referral, so it can support the family while they "
                "wait.",
                f"Worries about a child's development, {words.needs} or wellbeing are picked up early and "
                "acted on together.",
                "Children are kept safe, because the people who need to know see the whole picture.",
            )
        ),
        Para("Information shared under this agreement is not used for any other purpose."),
    ]


_DIRECTIONS = {
    "to_partners": "Information flows from {setting} to the partners named in section 1.",
    "from_partners": "Information flows from the partners named in section 1 to {setting}.",
    "both_ways": "Information flows both ways between {setting} and the partners named in section 1.",
}

_DEFAULT_ITEMS = (
    "Names, dates of birth, address and contact details of the child and their parents or carers.",
    "The reason for a referral or request for support, and what the family has asked for.",
    "The support the setting has already given, and what happened as a result.",
    "Relevant information on the child's development, health or {needs}, only where the purpose needs it "
    "(this is special category information: see section 4).",
    "Whether the family agreed to the sharing, and when.",
    "What happened to a referral: accepted, waiting, seen, or closed.",
)


def _information_section(setting: SettingDetails, agreement: TemplateAgreement | None) -> list[Block]:
    words = _words(setting.nation)
    if agreement is not None:
        direction = _DIRECTIONS.get(agreement.direction, BLANK).format(setting=setting.name)
        items = _lines(agreement.data_items)
    else:
        direction = (
            f"Direction of sharing: {BLANK} (from the setting to partners, from partners to the setting, "
            "or both ways)."
        )
        items = tuple(item.format(needs=words.needs) for item in _DEFAULT_ITEMS)
    return [
        Heading(SECTION_HEADINGS[2]),
        Para(direction),
        Para("What may be shared:"),
        Bullets(items),
        Para("What is not shared:"),
        Bullets(
            (
                "Anything the purpose does not need: a referral carries what that service needs, not the "
                "whole record.",
                "Information about other people (brothers and sisters, other adults in the home, other "
                "families), unless it is needed to keep a child safe.",
                "Health, ethnicity, religion or other special category information beyond what the "
                "purpose needs.",
                "Information another organisation gave in confidence, without that organisation's agreement.",
                "Guesses or gossip: notes record facts, and say when something is an opinion.",
            )
        ),
        Para(
            "Where figures will do, no family is named: the setting's yearly figures for the local "
            "authority, for example, are anonymised."
        ),
    ]


def _lawful_basis_section(agreement: TemplateAgreement | None) -> list[Block]:
    blocks: list[Block] = [
        Heading(SECTION_HEADINGS[3]),
        Para(
            "The law allows sharing personal information only on a lawful basis from article 6 of the UK "
            "GDPR. Special category information (about health, for example) also needs a condition from "
            "article 9, and for conditions (b), (g), (h), (i) and (j) one from Schedule 1 of the Data "
            "Protection Act 2018 as well. Information about criminal offences or allegations (article 10) "
            "may be shared only under a Schedule 1 condition too; for safeguarding, usually paragraph 18."
        ),
    ]
    if agreement is not None:
        article_9 = (
            ARTICLE_9.get(agreement.special_category_condition, BLANK)
            if agreement.special_category_condition
            else "No special category information is shared under this agreement."
        )
        blocks += [
            Para(f"Lawful basis (article 6): {ARTICLE_6.get(agreement.lawful_basis, BLANK)}"),
            Para(f"Special category condition (article 9): {article_9}"),
        ]
    else:
        blocks += [
            Para(f"Lawful basis (article 6): {BLANK}. Choose the one that applies:"),
            Bullets(
                (
                    ARTICLE_6["public_task"],
                    ARTICLE_6["legal_obligation"],
                    ARTICLE_6["legitimate_interests"],
                    ARTICLE_6["consent"],
                    ARTICLE_6["vital_interests"],
                )
            ),
            Para(f"Special category condition (article 9): {BLANK}. Usually one of:"),
            Bullets(
                (
                    ARTICLE_9["substantial_public_interest"],
                    ARTICLE_9["health_social_care"],
                    ARTICLE_9["explicit_consent"],
                )
            ),
        ]
    blocks.append(
        Para(
            "Where a Schedule 1 condition needs one, each party keeps an appropriate policy document. "
            "Each party records its own basis for each share; the bases of different parties can differ."
        )
    )
    return blocks


def _how_section(setting: SettingDetails, agreement: TemplateAgreement | None) -> list[Block]:
    words = _words(setting.nation)
    blocks: list[Block] = [
        Heading(SECTION_HEADINGS[4]),
        Para(
            "Information is shared only when it is needed for the purpose in section 2, and only with the "
            "people in each organisation who need it to help the family (need to know)."
        ),
        Para("Securely:"),
        Bullets(
            (
                "By secure email or a secure portal agreed between the parties, or by phone after checking "
                "who you are speaking to; never by ordinary text message or social media.",
                "No names in email subject lines; use the family's reference where possible.",
                "Paper is carried sealed and kept locked away; laptops, tablets and phones holding shared "
                "information are encrypted and locked with a password.",
                "Each share is recorded: what was shared, with whom, when, why and on what basis, or why "
                "it was not shared.",
            )
        ),
    ]
    if agreement is not None:
        blocks.append(
            Para(f"Security measures agreed for this agreement: {_or_blank(agreement.security_measures)}")
        )
    else:
        blocks.append(Para(f"Security measures agreed for this agreement: {BLANK}"))
    blocks += [
        Para(
            "Consent: families are told what is shared, with whom and why (each party's privacy notice "
            "says so). Where consent is the lawful basis, the setting asks the parent or carer first, "
            "records their answer, and does not share if they say no. Where another basis applies, the "
            "setting still tells the family and seeks their agreement where it is safe to do so."
        ),
        Para(
            "When consent is not needed: consent is not needed, and must not hold up sharing, when a child "
            "is at risk of significant harm or an adult is at risk of serious harm, when asking would put "
            "someone at risk or harm an investigation, or when the law requires the sharing. Follow "
            f"{words.safeguarding} procedures and {words.safeguarding_guidance}, and speak to the "
            f"setting's {words.safeguarding_lead}. Record the decision and the reason, whether you share "
            "or not."
        ),
    ]
    return blocks


def _responsibilities_section(setting: SettingDetails) -> list[Block]:
    words = _words(setting.nation)
    return [
        Heading(SECTION_HEADINGS[5]),
        Para("Each party:"),
        Bullets(
            (
                "names a contact for this agreement and tells the others when it changes;",
                "shares only what is needed, and checks that it is accurate before sharing it;",
                "keeps the information secure, uses it only for the purpose in section 2, and does not "
                "pass it on without a lawful reason;",
                f"trains its staff in this agreement, in data protection and in {words.safeguarding};",
                "keeps a record of what it shares and receives under this agreement;",
                "answers requests from individuals (section 8) and helps the other parties to answer theirs;",
                "tells the other parties about a breach (section 9).",
            )
        ),
        Para(
            f"{setting.name} also asks for the family's agreement where consent is the basis, and makes its "
            f"{words.safeguarding_lead} the first contact for any {words.safeguarding} concern."
        ),
        Para(
            "Partners also tell the setting, where it is appropriate and the family agrees, what happened "
            f"to a referral and any part the setting can play in {words.plan}."
        ),
    ]


def _retention_section(agreement: TemplateAgreement | None) -> list[Block]:
    retention = _sentence(_or_blank(agreement.retention)) if agreement else BLANK
    return [
        Heading(SECTION_HEADINGS[6]),
        Para(
            "Accuracy: information is checked before it is shared. A party that finds a mistake corrects "
            "it and tells every party it shared the information with."
        ),
        Para(
            f"Retention: each party keeps shared information for no longer than: {retention}. Information "
            "that is part of a safeguarding concern, a complaint or legal proceedings is kept until that "
            "matter is closed."
        ),
        Para(
            "Secure deletion: when it is no longer needed, information is deleted securely: removed from "
            "systems (and from backups as they are replaced) and paper shredded or put in confidential "
            "waste. Each party confirms in writing that it has done so when asked."
        ),
    ]


def _rights_section(setting: SettingDetails) -> list[Block]:
    # In Scotland a child of 12 or over is presumed old enough to use their own rights (DPA 2018 s.208).
    old_enough = (
        "when old enough to understand; in Scotland, a child of 12 or over is presumed to be (Data "
        "Protection Act 2018, section 208)"
        if setting.nation is Nation.SCOTLAND
        else "when old enough to understand"
    )
    return [
        Heading(SECTION_HEADINGS[7]),
        Para(f"Parents, carers and children ({old_enough}) have rights over their information. Each party:"),
        Bullets(
            (
                "tells people about this sharing in its privacy notice;",
                "gives people a copy of their information when they ask (the right of access), within one "
                "month;",
                "corrects information that is wrong (the right to rectification) and tells the parties it "
                "shared it with;",
                "considers an objection to sharing (the right to object, where the basis is public task or "
                "legitimate interests) and stops unless there are compelling reasons to go on, such as "
                "keeping a child safe;",
                "deletes or restricts information where the law gives that right;",
                "tells people they can complain to the Information Commissioner's Office (ICO).",
            )
        ),
        Para(
            "A request that reaches one party about information another party holds is passed to that "
            "party within 5 working days."
        ),
    ]


def _breach_section(setting: SettingDetails) -> list[Block]:
    words = _words(setting.nation)
    return [
        Heading(SECTION_HEADINGS[8]),
        Para(
            "A data breach is any loss of, or unauthorised access to or sharing of, information covered by "
            "this agreement: for example an email sent to the wrong person, or a lost phone or paper file."
        ),
        Bullets(
            (
                "The party that finds a breach stops it at once, and tells the other parties' contacts "
                "within 24 hours.",
                "The party responsible reports it to the ICO within 72 hours of becoming aware of it where "
                "it is likely to put people's rights and freedoms at risk, and tells the people affected "
                "without delay where the risk to them is high.",
                f"If a breach puts a child at risk, {words.safeguarding} procedures are followed at once.",
                "Each party records every breach, including those it does not need to report, and what it "
                "changed as a result.",
            )
        ),
    ]


def _review_section(agreement: TemplateAgreement | None) -> list[Block]:
    if agreement is not None:
        ends = (
            f"It ends on {format_day(agreement.ends_on)}."
            if agreement.ends_on
            else "It has no fixed end date: it continues until it is ended as below."
        )
        dates = (
            f"This agreement starts on {format_day(agreement.starts_on)}. It will be reviewed by "
            f"{format_day(agreement.review_on)}, and sooner if the law, the guidance or the partners "
            f"change, or after a breach. {ends}"
        )
    else:
        dates = (
            f"This agreement starts on {BLANK}. It will be reviewed by {BLANK} (at least once a year), "
            "and sooner if the law, the guidance or the partners change, or after a breach."
        )
    return [
        Heading(SECTION_HEADINGS[9]),
        Para(dates),
        Para(
            f"Any party may leave this agreement by giving the others {BLANK} weeks' notice in writing. "
            "Information already shared stays covered by sections 5 to 9 until it is deleted. Changes "
            "are agreed in writing by all parties."
        ),
    ]


def _signatures_section(setting: SettingDetails, agreement: TemplateAgreement | None) -> list[Block]:
    blocks: list[Block] = [
        Heading(SECTION_HEADINGS[10]),
        Para("Each party signs to confirm that it agrees to this agreement and will follow it."),
    ]
    for party in _parties(setting, agreement):
        blocks.append(SignatureBox(_party_label(party, setting.nation), _or_blank(party.name)))
    return blocks


def build_template(
    setting: SettingDetails,
    agreement: TemplateAgreement | None = None,
    *,
    made_on: date,
    author: str = "",
    version: str = __version__,
) -> AgreementTemplate:
    """The template's wording, filled in from the setting and (optionally) an agreement record."""
    blocks: list[Block] = []
    blocks += _opening(setting, agreement)
    blocks += _parties_section(setting, agreement)
    blocks += _purpose_section(setting, agreement)
    blocks += _information_section(setting, agreement)
    blocks += _lawful_basis_section(agreement)
    blocks += _how_section(setting, agreement)
    blocks += _responsibilities_section(setting)
    blocks += _retention_section(agreement)
    blocks += _rights_section(setting)
    blocks += _breach_section(setting)
    blocks += _review_section(agreement)
    blocks += _signatures_section(setting, agreement)
    subtitle = agreement.title if agreement else f"{setting.name} and its local partners"
    return AgreementTemplate(
        title="Data-sharing agreement",
        subtitle=" ".join(subtitle.split()),
        blocks=tuple(blocks),
        footer=f"Template made by setting_app {version} on {format_day(made_on)}",
        author=author or setting.name,
        nation=setting.nation,
    )


# --- saving --------------------------------------------------------------------------------------


def _check_target(path: Path, overwrite: bool) -> tuple[Path, str]:
    path = Path(path).expanduser()
    ending = path.suffix.lower()
    if ending not in ALLOWED_ENDINGS:
        raise ValidationError(
            "file name",
            f"must end in .pdf (a PDF to print) or .docx (a Word document to edit); got '{path.name}'",
        )
    if path.is_dir():
        raise TemplateWriteError(f"{path} is a folder; give a file name ending in .pdf or .docx.")
    if not path.parent.is_dir():
        raise TemplateWriteError(f"The folder {path.parent} does not exist; nothing was saved.")
    if path.exists() and not overwrite:
        raise AlreadyExists(
            f"{path} already exists; choose another name or allow replacing it. Nothing was saved."
        )
    return path, ending


def _write_atomically(data: bytes, target: Path, *, overwrite: bool) -> None:
    """Write beside ``target`` and rename into place, so no one ever sees half a file.

    Without ``overwrite`` the final step is a hard link, which fails if a file of that name appeared
    meanwhile; on file systems without hard links (some USB sticks) it falls back to a checked rename.
    """
    folder = target.parent
    try:
        temp_name = temp_file_beside(target, data)
    except OSError as exc:
        raise TemplateWriteError(
            f"Could not save in {folder}: {exc.strerror or exc}. Nothing was saved."
        ) from None
    try:
        if overwrite:
            os.replace(temp_name, target)
        else:
            try:
                os.link(temp_name, target)
            except FileExistsError:
                raise AlreadyExists(
                    f"{target} already exists; choose another name or allow replacing it. Nothing was saved."
                ) from None
            except OSError:
                if target.exists():
                    raise AlreadyExists(
                        f"{target} already exists; choose another name or allow replacing it. "
                        "Nothing was saved."
                    ) from None
                os.replace(temp_name, target)
    except OSError as exc:
        raise TemplateWriteError(
            f"Could not save {target}: {exc.strerror or exc}. Nothing was saved."
        ) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)


def render(template: AgreementTemplate, ending: str) -> bytes:
    """The template as PDF (``.pdf``) or DOCX (``.docx``) bytes."""
    if ending == ".pdf":
        from setting_app.services.agreement_template_pdf import render_pdf

        return render_pdf(template)
    from setting_app.services.agreement_template_docx import render_docx

    return render_docx(template)


def write_template(
    session: Session, path: Path, *, agreement_id: int | None = None, overwrite: bool = False
) -> Path:
    """Save a data-sharing agreement template (PDF or DOCX by the file's ending). Managers only.

    Filled in from the setting's details and, with ``agreement_id``, from that agreement. The file is
    written first; the audit row (no personal data) follows in its own transaction.
    """
    session.require_manager("make a data-sharing agreement template")
    target, ending = _check_target(path, overwrite)
    session.check_output_path(target)
    agreement = None
    if agreement_id is not None:
        agreement = get_template_agreement(session.conn, agreement_id)
        if agreement is None:
            raise NotFound(f"There is no data-sharing agreement #{agreement_id}.")
    setting = setting_repo.get_setting(session.conn)
    template = build_template(
        setting,
        agreement,
        made_on=session.clock.today(),
    )
    _write_atomically(render(template, ending), target, overwrite=overwrite)
    kind = ending.lstrip(".").upper()
    with unit_of_work(session.conn):
        audit.record(
            session,
            audit.EXPORT,
            object_type="agreement_template",
            object_id=agreement_id,
            detail=f"data-sharing agreement template saved as {kind}"
            + (" from a register agreement" if agreement_id is not None else ""),
        )
    return target

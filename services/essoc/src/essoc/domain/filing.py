"""Filing a new ESSOC request (manual §3.2): the form's rules, then the RequestSubmitted event.

Everything the domain cannot know is passed in: ids, the number, `now`, the company name found for
the SIRET, and the previous request a second examen refers to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, cast

from contracts.errors import DomainError
from contracts.events.essoc import FieldOfApplication, Nature, Notice, Requester, RequestSubmitted
from essoc.domain import deadlines
from essoc.domain.identity import check_siren, check_siret
from essoc.domain.referentials import Directorate, Referentials
from essoc.domain.request import EssocRequest, company_siren
from essoc.domain.states import RequestState

RequesterType = Literal["entreprise", "particulier"]


@dataclass(frozen=True)
class Filing:
    """The form as the requester sent it; name, first name and email come from the token instead. A draft's form
    may still miss some answers (empty values): `submit_request` refuses it until none is missing."""

    requester_type: str = ""
    nature: str = ""
    category: str = ""
    fields: Sequence[FieldOfApplication] = ()
    subject: str = ""
    description: str = ""
    sub_category: str | None = None
    siret: str | None = None
    represented_siren: str | None = None
    previous_request: str | None = None
    contested_rescrit_date: date | None = None
    contested_rescrit_reference: str | None = None


def submit_request(
    filing: Filing,
    *,
    request_id: str,
    number: int,
    requester: Requester,
    company_name: str | None,
    previous: EssocRequest | None,
    referentials: Referentials,
    now: datetime,
) -> list[RequestSubmitted]:
    """The RequestSubmitted of a valid filing, or the first rule it breaks (DomainError and kin)."""
    if not requester.email.strip():
        raise DomainError("Votre compte ne comporte pas d'adresse électronique.", field="email")
    requester_type, siret, company_name = check_company(filing, company_name)
    represented_siren = check_siren(filing.represented_siren) if filing.represented_siren else None
    directorate = check_addressee(filing, referentials)
    fields = check_fields(filing, referentials)
    subject = required(filing.subject, "subject", "L'objet de la demande")
    description = required(filing.description, "description", "La description de la demande")
    contested = check_contested_rescrit(
        filing,
        requester,
        company_siren(siret, represented_siren),
        previous,
        deadlines.local_time(now, directorate.territory).date(),
        now,
    )
    notice = Notice(
        number=number,
        requester_email=requester.email,
        requester_name=f"{requester.first_name} {requester.name}".strip(),
        directorate=directorate.label,
        directorate_mailbox=directorate.mailbox,
    )
    return [
        RequestSubmitted(
            request_id=request_id,
            number=number,
            requester=requester,
            requester_type=requester_type,
            siret=siret,
            company_name=company_name,
            represented_siren=represented_siren,
            nature=cast(Nature, filing.nature),
            category=filing.category,
            sub_category=filing.sub_category or None,
            directorate=directorate.code,
            unit=referentials.unit_for(filing.nature, directorate),
            fields=fields,
            subject=subject,
            description=description,
            previous_request=contested.request_id,
            previous_request_number=contested.number,
            contested_rescrit_date=contested.date,
            contested_rescrit_reference=contested.reference,
            collegial=filing.nature == "second_examen",  # a second examen is examined collegially
            received_at=now,  # no deadline yet: the 3 months run from admissibility
            notice=notice,
        )
    ]


def check_company(filing: Filing, company_name: str | None) -> tuple[RequesterType, str | None, str | None]:
    if filing.requester_type == "particulier":
        if filing.siret:
            raise DomainError("Un particulier ne renseigne pas de SIRET.", field="siret")
        return "particulier", None, None
    if filing.requester_type != "entreprise":
        raise DomainError("Le type de demandeur est « entreprise » ou « particulier ».", field="requester_type")
    if not filing.siret:
        raise DomainError("Une entreprise doit renseigner son SIRET.", field="siret")
    siret = check_siret(filing.siret)
    if not company_name:
        raise DomainError(f"Aucune entreprise n'est connue sous le SIRET {siret}.", field="siret", code="siret-inconnu")
    return "entreprise", siret, company_name


@dataclass(frozen=True)
class NatureForm:
    """What the form of a nature asks, from the rules below: whether the addressee is a sub-category (a
    directorate under a tax category) or the category itself, how many fields of application, whether the
    earlier rescrit is named."""

    sub_category: bool
    max_fields: int | None
    previous_request: bool


NATURE_FORMS = {
    "rescrit": NatureForm(sub_category=True, max_fields=None, previous_request=False),
    "second_examen": NatureForm(sub_category=True, max_fields=None, previous_request=True),
    # OGDE manual §3.2.3: a droit au contrôle bears on a single domain / sub-domain, addressed to a directorate.
    "droit_au_controle": NatureForm(sub_category=False, max_fields=1, previous_request=False),
}


def check_addressee(filing: Filing, referentials: Referentials) -> Directorate:
    """The addressee: the sub-category of a rescrit or second examen, the category of a droit au contrôle."""
    nature = referentials.nature(filing.nature)
    if nature is None:
        raise DomainError(f"Nature de demande inconnue « {filing.nature} ».", field="nature")
    if filing.nature == "droit_au_controle":
        if filing.sub_category:
            raise DomainError("Un droit au contrôle n'a pas de sous-catégorie.", field="sub_category")
        code, at_fault = filing.category, "category"
    else:
        if referentials.category(filing.nature, filing.category) is None:
            raise DomainError(f"Catégorie inconnue « {filing.category} » pour un {nature.label}.", field="category")
        if not filing.sub_category:
            raise DomainError("Choisissez la direction régionale compétente (sous-catégorie).", field="sub_category")
        code, at_fault = filing.sub_category, "sub_category"
    directorate = referentials.directorate(code)
    if directorate is None:
        raise DomainError(f"Direction inconnue « {code} ».", field=at_fault)
    if directorate.central:
        # décret 2018-944 art. 1: only the territorially competent directorate may be addressed.
        raise DomainError(
            "Une demande ne peut pas être adressée à la direction générale : choisissez la direction "
            "régionale territorialement compétente pour vos activités.",
            field=at_fault,
            code="direction-centrale",
        )
    if filing.nature == "droit_au_controle" and referentials.category(filing.nature, code) is None:
        raise DomainError(f"{directorate.label} ne reçoit pas de demande de droit au contrôle.", field=at_fault)
    return directorate


def check_fields(filing: Filing, referentials: Referentials) -> list[FieldOfApplication]:
    fields = list(filing.fields)
    if not fields:
        raise DomainError("Choisissez au moins un champ d'application.", field="fields")
    most = NATURE_FORMS[filing.nature].max_fields if filing.nature in NATURE_FORMS else None
    if most is not None and len(fields) > most:
        raise DomainError("Un droit au contrôle ne porte que sur un seul champ d'application.", field="fields")
    seen: set[tuple[str, str]] = set()
    for index, chosen in enumerate(fields):
        domain = referentials.field_domain(chosen.domain)
        if domain is None or chosen.sub_domain not in domain.sub_domains:
            raise DomainError(
                f"Champ d'application inconnu « {chosen.domain} / {chosen.sub_domain} ».",
                field=f"fields[{index}]",
            )
        key = (chosen.domain, chosen.sub_domain)
        if key in seen:
            raise DomainError(
                f"Le champ d'application « {domain.label} / {chosen.sub_domain} » est en double.",
                field=f"fields[{index}]",
            )
        seen.add(key)
    return fields


@dataclass(frozen=True)
class ContestedRescrit:
    """What a second examen contests: a rescrit of OGDE (its id), or one stated by its date and reference."""

    request_id: str | None = None
    number: int | None = None
    date: date | None = None
    reference: str | None = None


SECOND_EXAMEN_FIELDS = ("previous_request", "contested_rescrit_date", "contested_rescrit_reference")


def check_contested_rescrit(
    filing: Filing,
    requester: Requester,
    siren: str | None,
    previous: EssocRequest | None,
    today: date,
    now: datetime,
    *,
    partial: bool = False,
) -> ContestedRescrit:
    """The manual (§3.2.2, second examen): « vous pouvez renseigner le numéro de la demande initiale ». When
    given, it is a rescrit delivered to the same requester or about the same company (its lawyer's or RDE's
    counts), less than two months ago (code des douanes art. 345 bis). When not, the requester states the
    contested rescrit's date and reference, and the two months run from that date. `partial` (a draft's step):
    what is given is checked, what is missing is not refused yet."""
    if filing.nature != "second_examen":
        for name in SECOND_EXAMEN_FIELDS:
            if getattr(filing, name):
                raise DomainError("Seul un second examen se réfère à un rescrit précédent.", field=name)
        return ContestedRescrit()
    if filing.previous_request:
        rescrit = _rescrit_of_ogde(filing, requester, siren, previous, now)
        return ContestedRescrit(request_id=rescrit.id, number=rescrit.number)
    return _stated_rescrit(filing, today, partial)


def _rescrit_of_ogde(
    filing: Filing, requester: Requester, siren: str | None, previous: EssocRequest | None, now: datetime
) -> EssocRequest:
    for name in ("contested_rescrit_date", "contested_rescrit_reference"):
        if getattr(filing, name):
            raise DomainError(
                "Indiquez soit le numéro du rescrit dans OGDE, soit la date et la référence du rescrit contesté, "
                "pas les deux.",
                field=name,
            )
    # Unknown, and another's, answer alike: a number tells nothing about requests one may not see. A request
    # matched through the company's SIREN only (a number the requester typed, not proven) answers alike too,
    # whatever is wrong with it: otherwise its nature or its state would tell about another's request.
    unknown = DomainError(
        f"Aucun rescrit n° {filing.previous_request} délivré depuis moins de deux mois ne vous concerne, vous ou "
        "l'entreprise de la demande. Vérifiez le numéro, ou laissez-le vide et indiquez la date et la référence "
        "du rescrit contesté.",
        field="previous_request",
        code="rescrit-inconnu",
    )
    if previous is None or not previous.concerns(requester.id, siren):
        raise unknown
    refusal = _not_contestable(previous, now)
    if refusal is not None:
        raise refusal if previous.is_owned_by(requester.id) else unknown
    return previous


def _not_contestable(previous: EssocRequest, now: datetime) -> DomainError | None:
    """Why a request of the requester's cannot have a second examen: not a rescrit, not delivered, or delivered
    more than two months ago (code des douanes art. 345 bis). None when it can."""
    if previous.nature != "rescrit":
        return DomainError(f"La demande n° {previous.number} n'est pas un rescrit.", field="previous_request")
    if previous.state is not RequestState.CLOTUREE or previous.closed_at is None:
        return DomainError(
            f"Le rescrit n° {previous.number} n'a pas été délivré (demande {previous.state.label.lower()}).",
            field="previous_request",
        )
    if now > deadlines.second_examen_closes_at(previous.closed_at):
        return DomainError(
            f"Le délai de deux mois pour demander le second examen du rescrit n° {previous.number} est expiré.",
            field="previous_request",
            code="delai-expire",
        )
    return None


def _stated_rescrit(filing: Filing, today: date, partial: bool) -> ContestedRescrit:
    reference = (filing.contested_rescrit_reference or "").strip()
    if filing.contested_rescrit_date is None:
        if partial:
            return ContestedRescrit(reference=reference or None)
        raise DomainError(
            "Indiquez le numéro du rescrit dans OGDE ou, s'il n'y figure pas, la date du rescrit contesté.",
            field="contested_rescrit_date",
        )
    if not reference and not partial:
        raise DomainError(
            "Indiquez la référence du rescrit contesté (celle qui figure sur le courrier de réponse).",
            field="contested_rescrit_reference",
        )
    dated = filing.contested_rescrit_date
    if dated > today:
        raise DomainError(
            f"La date du rescrit contesté ({dated:%d/%m/%Y}) ne peut pas être postérieure à aujourd'hui.",
            field="contested_rescrit_date",
        )
    # code des douanes art. 345 bis: within two months of the rescrit.
    if not deadlines.second_examen_open_on(dated, today):
        raise DomainError(
            f"Le délai de deux mois pour demander le second examen d'un rescrit du {dated:%d/%m/%Y} est expiré.",
            field="contested_rescrit_date",
            code="delai-expire",
        )
    return ContestedRescrit(date=dated, reference=reference or None)


def required(value: str, field_name: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise DomainError(f"{what} est obligatoire.", field=field_name)
    return value

"""Filing an ESSOC request: the form's rules (manual §3.2) and the RequestSubmitted it gives."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from contracts.errors import DomainError
from contracts.events.essoc import AdmissibilityDecided, Notice, RequestClosed, RequestSubmitted
from essoc.domain.filing import submit_request
from essoc.domain.request import EssocRequest

from essoc_given import (
    ALCOHOL,
    COMPANY,
    NOW,
    OCTROI,
    REFS,
    REQUESTER,
    SIRET,
    admitted,
    control_filing,
    given,
    rescrit_filing,
    submit,
    submitted,
)


def refusal(error: pytest.ExceptionInfo[DomainError], field: str) -> str:
    assert error.value.field == field
    return error.value.detail


# ---- the happy paths -----------------------------------------------------------------------------


def test_rescrit_from_a_company_is_submitted_to_the_directorate_of_its_sub_category() -> None:
    [event] = submit()

    assert event.request_id == "req-1"
    assert event.number == 150
    assert event.requester == REQUESTER
    assert (event.requester_type, event.siret, event.company_name) == ("entreprise", SIRET, COMPANY)
    assert (event.nature, event.category, event.sub_category) == ("rescrit", "toutes-autres-taxes", "dr-lyon")
    assert event.directorate == "dr-lyon"
    assert event.unit == "DR Lyon - PAE"
    assert event.fields == [ALCOHOL]
    assert event.collegial is False
    assert event.previous_request is None
    assert event.received_at == NOW
    assert event.deadline_at is None, "the 3 months run from admissibility, not from receipt"


def test_the_notice_addresses_the_requester_and_the_directorate_mailbox() -> None:
    assert submitted().notice == Notice(
        number=150,
        requester_email="juda.bricot@example.fr",
        requester_name="Juda Bricot",
        directorate="DR Lyon",
        directorate_mailbox="dr-lyon@douane.example",
    )


def test_an_overseas_rescrit_goes_to_its_overseas_directorate() -> None:
    event = submitted(filing=rescrit_filing(category="octroi-de-mer", sub_category="dr-la-reunion"))
    assert event.notice.directorate_mailbox == "dr-la-reunion@douane.example"
    assert event.unit == "DR La Réunion - PAE"


def test_a_bureau_examines_the_requests_addressed_to_it() -> None:
    event = submitted(filing=rescrit_filing(category="tgap", sub_category="bureau-nice-port"))
    assert event.unit == "Nice port bureau"


def test_a_particulier_files_without_siret_nor_company() -> None:
    event = submitted(filing=rescrit_filing(requester_type="particulier", siret=None), company_name=None)
    assert (event.requester_type, event.siret, event.company_name) == ("particulier", None, None)


def test_requester_identity_comes_from_the_token_and_must_have_an_email() -> None:
    with pytest.raises(DomainError) as error:
        submit_request(
            rescrit_filing(),
            request_id="r",
            number=1,
            requester=REQUESTER.model_copy(update={"email": " "}),
            company_name=COMPANY,
            previous=None,
            referentials=REFS,
            now=NOW,
        )
    assert "adresse électronique" in refusal(error, "email")


def test_subject_and_description_are_stored_trimmed() -> None:
    event = submitted(filing=rescrit_filing(subject="  Objet  ", description="\nDescription\n"))
    assert (event.subject, event.description) == ("Objet", "Description")


# ---- requester type, SIRET, SIREN ----------------------------------------------------------------


def test_requester_type_is_entreprise_or_particulier() -> None:
    with pytest.raises(DomainError) as error:
        submit(rescrit_filing(requester_type="association"))
    assert "entreprise" in refusal(error, "requester_type")


def test_a_particulier_gives_no_siret() -> None:
    with pytest.raises(DomainError) as error:
        submit(rescrit_filing(requester_type="particulier"))
    assert "particulier" in refusal(error, "siret")


def test_a_company_must_give_its_siret() -> None:
    with pytest.raises(DomainError) as error:
        submit(rescrit_filing(siret=None))
    assert "SIRET" in refusal(error, "siret")


@pytest.mark.parametrize(
    ("siret", "reason"),
    [
        ("7328293200007", "14 chiffres"),
        ("7328293200007A", "que des chiffres"),
        ("73282932000075", "clé de contrôle"),
        ("12069087400011", "clé de contrôle"),  # the manual's test SIRET fails the Luhn key
    ],
)
def test_siret_is_checked_for_length_digits_and_luhn_key(siret: str, reason: str) -> None:
    with pytest.raises(DomainError) as error:
        submit(rescrit_filing(siret=siret))
    assert reason in refusal(error, "siret")
    assert error.value.code == "siret-invalide"


def test_siret_is_stored_without_spaces() -> None:
    assert submitted(filing=rescrit_filing(siret="732 829 320 00074")).siret == SIRET


def test_a_siret_the_lookup_does_not_know_is_refused() -> None:
    with pytest.raises(DomainError) as error:
        submit(company_name=None)
    assert "Aucune entreprise" in refusal(error, "siret")
    assert (error.value.code, error.value.status) == ("siret-inconnu", 422)


def test_a_lawyer_or_rde_names_the_represented_siren() -> None:
    event = submitted(filing=rescrit_filing(represented_siren="552 100 554"))
    assert event.represented_siren == "552100554"


@pytest.mark.parametrize(("siren", "reason"), [("55210055", "9 chiffres"), ("552100555", "clé de contrôle")])
def test_represented_siren_is_checked(siren: str, reason: str) -> None:
    with pytest.raises(DomainError) as error:
        submit(rescrit_filing(represented_siren=siren))
    assert reason in refusal(error, "represented_siren")


# ---- nature, category, sub-category ---------------------------------------------------------------


def test_nature_must_be_known() -> None:
    with pytest.raises(DomainError) as error:
        submit(rescrit_filing(nature="rescrit_valeur"))
    assert "Nature" in refusal(error, "nature")


def test_rescrit_category_must_be_a_known_tax() -> None:
    with pytest.raises(DomainError) as error:
        submit(rescrit_filing(category="dr-lyon"))
    assert "Catégorie inconnue" in refusal(error, "category")


def test_rescrit_requires_a_sub_category() -> None:
    with pytest.raises(DomainError) as error:
        submit(rescrit_filing(sub_category=None))
    assert "sous-catégorie" in refusal(error, "sub_category")


def test_rescrit_sub_category_must_be_a_known_directorate() -> None:
    with pytest.raises(DomainError) as error:
        submit(rescrit_filing(sub_category="dr-atlantide"))
    assert "Direction inconnue" in refusal(error, "sub_category")


@pytest.mark.parametrize("nature", ["rescrit", "second_examen"])
def test_rescrit_can_never_be_addressed_to_the_central_directorate(nature: str) -> None:
    # décret 2018-944 art. 1; manual §3.2.2: "il n'est pas possible de saisir directement la DGDDI".
    with pytest.raises(DomainError) as error:
        submit(rescrit_filing(nature=nature, sub_category="dgddi", previous_request="req-0"))
    assert "direction générale" in refusal(error, "sub_category")
    assert error.value.code == "direction-centrale"


def test_droit_au_controle_is_addressed_to_the_directorate_named_as_category() -> None:
    event = submitted(filing=control_filing())
    assert (event.category, event.sub_category, event.directorate) == ("dr-roissy", None, "dr-roissy")
    assert event.unit == "DR Roissy - POC/CRPC"
    assert event.notice.directorate_mailbox == "dr-roissy@douane.example"


def test_droit_au_controle_has_no_sub_category() -> None:
    with pytest.raises(DomainError) as error:
        submit(control_filing(sub_category="dr-lyon"))
    assert "sous-catégorie" in refusal(error, "sub_category")


def test_droit_au_controle_cannot_be_addressed_to_the_central_directorate() -> None:
    with pytest.raises(DomainError) as error:
        submit(rescrit_filing(nature="droit_au_controle", category="dgddi", sub_category=None))
    assert error.value.code == "direction-centrale"
    assert error.value.field == "category"


def test_droit_au_controle_goes_to_a_regional_directorate_not_a_bureau() -> None:
    with pytest.raises(DomainError) as error:
        submit(rescrit_filing(nature="droit_au_controle", category="bureau-nice-port", sub_category=None))
    assert "droit au contrôle" in refusal(error, "category")


# ---- fields of application ------------------------------------------------------------------------


def test_at_least_one_field_of_application_is_required() -> None:
    with pytest.raises(DomainError) as error:
        submit(rescrit_filing(fields=[]))
    assert "champ d'application" in refusal(error, "fields")


def test_rescrit_may_bear_on_several_fields() -> None:
    assert submitted(filing=rescrit_filing(fields=[ALCOHOL, OCTROI])).fields == [ALCOHOL, OCTROI]


def test_droit_au_controle_bears_on_exactly_one_field() -> None:
    with pytest.raises(DomainError) as error:
        submit(control_filing(fields=[ALCOHOL, OCTROI]))
    assert "un seul champ" in refusal(error, "fields")


@pytest.mark.parametrize(
    ("domain", "sub_domain"),
    [("astrologie", "horoscopes"), ("alcools-et-boissons", "octroi de mer interne")],
)
def test_field_must_be_a_known_domain_and_sub_domain(domain: str, sub_domain: str) -> None:
    unknown = ALCOHOL.model_copy(update={"domain": domain, "sub_domain": sub_domain})
    with pytest.raises(DomainError) as error:
        submit(rescrit_filing(fields=[ALCOHOL, unknown]))
    assert "inconnu" in refusal(error, "fields[1]")


def test_a_field_is_chosen_only_once() -> None:
    with pytest.raises(DomainError) as error:
        submit(rescrit_filing(fields=[ALCOHOL, ALCOHOL]))
    assert "en double" in refusal(error, "fields[1]")


# ---- subject and description ----------------------------------------------------------------------


@pytest.mark.parametrize("field", ["subject", "description"])
def test_subject_and_description_are_required(field: str) -> None:
    with pytest.raises(DomainError) as error:
        submit(rescrit_filing(**{field: "   "}))
    assert "obligatoire" in refusal(error, field)


# ---- second examen --------------------------------------------------------------------------------


def closed_rescrit(closed_at: datetime) -> EssocRequest:
    start = submitted(request_id="req-0", number=149, now=datetime(2025, 9, 1, tzinfo=UTC))
    return given(*admitted(start), (RequestClosed(response="Oui.", notice=start.notice), closed_at))


def second_examen(previous: EssocRequest | None, now: datetime) -> list[RequestSubmitted]:
    return submit(rescrit_filing(nature="second_examen", previous_request="req-0"), previous=previous, now=now)


def test_second_examen_of_a_rescrit_closed_less_than_two_months_ago_is_collegial() -> None:
    previous = closed_rescrit(datetime(2026, 2, 1, tzinfo=UTC))
    [event] = second_examen(previous, NOW)
    assert event.nature == "second_examen"
    assert event.previous_request == "req-0"
    assert event.collegial is True
    assert (event.received_at, event.deadline_at) == (NOW, None)  # its own 3 months run from its admissibility


def test_second_examen_may_be_asked_on_the_last_instant_of_the_two_months() -> None:
    previous = closed_rescrit(datetime(2026, 1, 10, 9, 0, tzinfo=UTC))
    assert second_examen(previous, datetime(2026, 3, 10, 9, 0, tzinfo=UTC))


def test_second_examen_after_two_months_is_refused() -> None:
    # code des douanes art. 345 bis: the second examen is asked within two months of the rescrit.
    previous = closed_rescrit(datetime(2026, 1, 10, 9, 0, tzinfo=UTC))
    with pytest.raises(DomainError) as error:
        second_examen(previous, datetime(2026, 3, 10, 9, 1, tzinfo=UTC))
    assert "deux mois" in refusal(error, "previous_request")
    assert error.value.code == "delai-expire"


def test_second_examen_previous_rescrit_number_is_optional() -> None:
    # The manual (§3.2.2): « vous pouvez renseigner le numéro de la demande initiale »; without it, the
    # contested rescrit's date and reference are stated, and the two months run from that date.
    [event] = submit(
        rescrit_filing(
            nature="second_examen",
            contested_rescrit_date=date(2026, 2, 1),
            contested_rescrit_reference="DR Martinique 2026/017",
        )
    )
    assert (event.previous_request, event.contested_rescrit_date, event.contested_rescrit_reference) == (
        None,
        date(2026, 2, 1),
        "DR Martinique 2026/017",
    )
    assert event.collegial is True


def test_second_examen_without_number_needs_the_date_and_reference() -> None:
    with pytest.raises(DomainError) as error:
        submit(rescrit_filing(nature="second_examen"))
    assert "date du rescrit contesté" in refusal(error, "contested_rescrit_date")
    with pytest.raises(DomainError) as error:
        submit(rescrit_filing(nature="second_examen", contested_rescrit_date=date(2026, 2, 1)))
    assert "référence" in refusal(error, "contested_rescrit_reference")


def test_second_examen_two_months_run_from_the_stated_rescrit_date() -> None:
    # code des douanes art. 345 bis: within two months of the rescrit; NOW is 10 March 2026
    def filed(on: date) -> list[RequestSubmitted]:
        return submit(
            rescrit_filing(nature="second_examen", contested_rescrit_date=on, contested_rescrit_reference="R-1")
        )

    assert filed(date(2026, 1, 10))  # the last day of the two months
    with pytest.raises(DomainError) as error:
        filed(date(2026, 1, 9))
    assert "deux mois" in refusal(error, "contested_rescrit_date") and error.value.code == "delai-expire"
    with pytest.raises(DomainError) as error:
        filed(date(2026, 3, 11))
    assert "postérieure" in refusal(error, "contested_rescrit_date")


def test_second_examen_unknown_number_is_a_422_on_the_field() -> None:
    with pytest.raises(DomainError) as error:
        second_examen(None, NOW)
    assert error.value.status == 422 and error.value.code == "rescrit-inconnu"
    assert "Aucun rescrit n° req-0 délivré depuis moins de deux mois" in refusal(error, "previous_request")


def test_second_examen_of_another_requesters_rescrit_reads_as_unknown() -> None:
    # Another's request answers like an unknown one: a number tells nothing about requests one may not see.
    previous = closed_rescrit(datetime(2026, 2, 1, tzinfo=UTC))
    previous.requester = previous.requester.model_copy(update={"id": "u-other"})
    previous.company_siren = "552100554"
    with pytest.raises(DomainError) as error:
        second_examen(previous, NOW)
    assert error.value.code == "rescrit-inconnu" and error.value.field == "previous_request"


def test_second_examen_of_a_rescrit_for_the_same_company_is_accepted() -> None:
    # A lawyer's or RDE's rescrit for the company counts: same SIREN, whoever filed it.
    previous = closed_rescrit(datetime(2026, 2, 1, tzinfo=UTC))
    previous.requester = previous.requester.model_copy(update={"id": "u-lawyer"})
    previous.company_siren = SIRET[:9]
    [event] = second_examen(previous, NOW)
    assert (event.previous_request, event.previous_request_number) == ("req-0", 149)


def test_second_examen_through_the_company_tells_nothing_of_the_request_state() -> None:
    # matched through a SIREN the requester typed: expired, open or not a rescrit all answer « inconnu »
    previous = closed_rescrit(datetime(2025, 12, 1, tzinfo=UTC))  # more than two months before NOW
    previous.requester = previous.requester.model_copy(update={"id": "u-lawyer"})
    previous.company_siren = SIRET[:9]
    with pytest.raises(DomainError) as error:
        second_examen(previous, NOW)
    assert error.value.code == "rescrit-inconnu"


def test_second_examen_of_a_rescrit_asked_for_the_represented_company_is_accepted() -> None:
    start = submitted(
        request_id="req-0",
        number=149,
        now=datetime(2025, 9, 1, tzinfo=UTC),
        filing=rescrit_filing(represented_siren=SIRET[:9]),
        requester_id="u-lawyer",
    )
    previous = given(
        *admitted(start), (RequestClosed(response="Oui.", notice=start.notice), datetime(2026, 2, 1, tzinfo=UTC))
    )
    assert previous.company_siren == SIRET[:9]
    assert second_examen(previous, NOW)


def test_second_examen_names_either_the_number_or_the_stated_rescrit() -> None:
    previous = closed_rescrit(datetime(2026, 2, 1, tzinfo=UTC))
    filing = rescrit_filing(nature="second_examen", previous_request="req-0", contested_rescrit_reference="R-1")
    with pytest.raises(DomainError) as error:
        submit(filing, previous=previous)
    assert "pas les deux" in refusal(error, "contested_rescrit_reference")


def test_second_examen_only_of_a_rescrit() -> None:
    start = submitted(request_id="req-0", filing=control_filing())
    previous = given(*admitted(start), RequestClosed(response="Contrôle programmé.", notice=start.notice))
    with pytest.raises(DomainError) as error:
        second_examen(previous, NOW)
    assert "n'est pas un rescrit" in refusal(error, "previous_request")


@pytest.mark.parametrize("state", ["deposee", "refusee"])
def test_second_examen_only_of_a_delivered_rescrit(state: str) -> None:
    start = submitted(request_id="req-0")
    history = (
        [start]
        if state == "deposee"
        else [
            *admitted(start)[:2],
            AdmissibilityDecided(decision="non", grounds="Hors champ.", notice=start.notice),
        ]
    )
    with pytest.raises(DomainError) as error:
        second_examen(given(*history), NOW)
    assert "n'a pas été délivré" in refusal(error, "previous_request")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("previous_request", "req-0"),
        ("contested_rescrit_date", date(2026, 2, 1)),
        ("contested_rescrit_reference", "R-1"),
    ],
)
def test_only_a_second_examen_refers_to_a_previous_request(field: str, value: object) -> None:
    with pytest.raises(DomainError) as error:
        submit(rescrit_filing(**{field: value}))
    assert "second examen" in refusal(error, field)

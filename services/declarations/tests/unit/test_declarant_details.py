"""« Données de la déclaration »: name, quality, place and payment method are each required (the manual)."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.errors import DomainError
from contracts.events.declarations import DeclarantDetailsSet
from declarations.domain.declarant import PAYMENT_METHODS

from declarations_given import given

COMPLETE: dict[str, Any] = {
    "name": "Marie-Josée Lordinot",
    "quality": "representant",
    "place": "Le Lamentin",
    "payment_method": "telepaiement",
}


def test_complete_details_are_set() -> None:
    declaration = given()
    events = declaration.set_declarant_details(**COMPLETE)
    assert events == [
        DeclarantDetailsSet(
            name="Marie-Josée Lordinot",
            quality="representant",
            place="Le Lamentin",
            payment_method="telepaiement",
        )
    ]


def test_details_are_trimmed() -> None:
    events = given().set_declarant_details(**{**COMPLETE, "name": "  Marie-Josée   Lordinot ", "place": " Ducos"})
    assert isinstance(events[0], DeclarantDetailsSet)
    assert (events[0].name, events[0].place) == ("Marie-Josée Lordinot", "Ducos")


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("name", "Le nom du déclarant est obligatoire."),
        ("quality", "La qualité du déclarant est obligatoire."),
        ("place", "Le lieu de déclaration est obligatoire."),
        ("payment_method", "Le mode de paiement est obligatoire."),
    ],
)
@pytest.mark.parametrize("missing", [None, "", "   "])
def test_each_declarant_detail_is_required_with_the_manual_message(
    field: str, message: str, missing: str | None
) -> None:
    with pytest.raises(DomainError) as refusal:
        given().set_declarant_details(**{**COMPLETE, field: missing})
    assert refusal.value.detail == message
    assert refusal.value.field == field
    assert refusal.value.status == 422


@pytest.mark.parametrize("quality", ["representant", "mandataire"])
def test_quality_is_representative_or_mandate_holder(quality: str) -> None:
    events = given().set_declarant_details(**{**COMPLETE, "quality": quality})
    assert isinstance(events[0], DeclarantDetailsSet) and events[0].quality == quality


def test_another_quality_is_refused() -> None:
    with pytest.raises(DomainError) as refusal:
        given().set_declarant_details(**{**COMPLETE, "quality": "comptable"})
    assert refusal.value.field == "quality"


@pytest.mark.parametrize("method", PAYMENT_METHODS)
def test_every_listed_payment_method_is_accepted(method: str) -> None:
    events = given().set_declarant_details(**{**COMPLETE, "payment_method": method})
    assert isinstance(events[0], DeclarantDetailsSet) and events[0].payment_method == method


def test_unknown_payment_method_is_refused_listing_the_accepted_ones() -> None:
    with pytest.raises(DomainError) as refusal:
        given().set_declarant_details(**{**COMPLETE, "payment_method": "bitcoin"})
    assert refusal.value.field == "payment_method"
    assert "bitcoin" in refusal.value.detail and "telepaiement" in refusal.value.detail


def test_a_deployment_may_narrow_the_payment_methods() -> None:
    with pytest.raises(DomainError):
        given().set_declarant_details(
            **{**COMPLETE, "payment_method": "numeraire"},
            accepted_payment_methods=("telepaiement", "carte_bancaire"),
        )


def test_the_first_missing_detail_in_form_order_is_reported() -> None:
    with pytest.raises(DomainError) as refusal:
        given().set_declarant_details(name="", quality="", place="", payment_method="")
    assert refusal.value.field == "name"


def test_every_missing_field_of_the_declarant_details_is_said_at_once() -> None:
    from contracts.errors import DomainError
    from declarations.domain.declarant import declarant_details

    try:
        declarant_details(name=" ", quality=None, place="Le Port", payment_method="")
    except DomainError as refused:
        assert refused.detail == "Le nom du déclarant est obligatoire." and refused.field == "name"
        assert refused.extra["errors"] == [
            {"field": "name", "message": "Le nom du déclarant est obligatoire."},
            {"field": "quality", "message": "La qualité du déclarant est obligatoire."},
            {"field": "payment_method", "message": "Le mode de paiement est obligatoire."},
        ]
    else:
        raise AssertionError("refused")

"""The « données de la déclaration »: who declares, in what capacity, where, and how the tax is paid."""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

from contracts import french
from contracts.errors import DomainError
from contracts.events.declarations import DeclarantDetailsSet

DeclarantQuality = Literal["representant", "mandataire"]

QUALITIES: dict[str, DeclarantQuality] = {"representant": "representant", "mandataire": "mandataire"}
"""« représentant de l'entreprise ou personne disposant d'un mandat » (the manual, « Guide détaillé »)."""

PAYMENT_METHODS: tuple[str, ...] = ("telepaiement", "carte_bancaire", "virement", "cheque", "numeraire")
"""Payment methods a declarant may choose (default list; unconfirmed, so callers may pass their own).

The manual's form has a « Mode paiement » field without listing its choices, and names only the two
online means that adhesion to DOMINO opens (« paiement en ligne par carte bancaire ou télépaiement »).
Payment at the customs office's cashier (virement, chèque, numéraire) is not excluded by the manual but
not confirmed either: hence a default list, narrowed by a deployment through `accepted_payment_methods`.
"""

PAYMENT_METHOD_LABELS: dict[str, str] = {
    "telepaiement": "télépaiement",
    "carte_bancaire": "carte bancaire",
    "virement": "virement",
    "cheque": "chèque",
    "numeraire": "numéraire",
}


def declarant_details(
    *,
    name: str | None,
    quality: str | None,
    place: str | None,
    payment_method: str | None,
    accepted_payment_methods: Collection[str] = PAYMENT_METHODS,
) -> DeclarantDetailsSet:
    """The details as an event, or a refusal: every missing field at once (`errors`, the first as `detail`,
    as the manual's form shows them together), else the first wrong one, in the form's order."""
    # Messages of the manual, « Données de la déclaration ».
    required = (
        ("name", name, "Le nom du déclarant est obligatoire."),
        ("quality", quality, "La qualité du déclarant est obligatoire."),
        ("place", place, "Le lieu de déclaration est obligatoire."),
        ("payment_method", payment_method, "Le mode de paiement est obligatoire."),
    )
    missing = [(field, message) for field, value, message in required if not " ".join((value or "").split())]
    if missing:
        raise DomainError(
            missing[0][1],
            field=missing[0][0],
            extra={"errors": [{"field": field, "message": message} for field, message in missing]},
        )
    clean_name = _required(name, "Le nom du déclarant est obligatoire.", field="name")
    clean_quality = _required(quality, "La qualité du déclarant est obligatoire.", field="quality")
    if clean_quality not in QUALITIES:
        raise DomainError(
            "La qualité du déclarant doit être « representant » (représentant de l'entreprise) "
            "ou « mandataire » (personne disposant d'un mandat).",
            field="quality",
        )
    clean_place = _required(place, "Le lieu de déclaration est obligatoire.", field="place")
    clean_method = _required(payment_method, "Le mode de paiement est obligatoire.", field="payment_method")
    if clean_method not in accepted_payment_methods:
        accepted = ", ".join(
            f"« {method} » ({PAYMENT_METHOD_LABELS.get(method, method)})" for method in accepted_payment_methods
        )
        raise DomainError(
            f"Mode de paiement inconnu : « {french.echo(clean_method)} ». Modes acceptés : {accepted}.",
            field="payment_method",
        )
    return DeclarantDetailsSet(
        name=clean_name, quality=QUALITIES[clean_quality], place=clean_place, payment_method=clean_method
    )


def _required(value: str | None, message: str, *, field: str) -> str:
    cleaned = " ".join((value or "").split())
    if not cleaned:
        raise DomainError(message, field=field)
    return cleaned

"""Card payments through PayFiP: the producer opens one for what is left to pay and is sent to PayFiP's page;
PayFiP notifies the operation's idop, and the result is asked of PayFiP itself, then recorded once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response

from chassis.http.auth import SYSTEM_PRINCIPAL, CurrentPrincipal
from contracts.errors import Conflict, DomainError, NotFound
from contracts.french import day, euros
from contracts.references import declaration_reference
from declarations.adapters.payfip import Operation, PayfipUnavailable
from declarations.application import card
from declarations.domain.collection.card import refdet
from declarations.entrypoints import views
from declarations.entrypoints.http.mandates import lists
from declarations.entrypoints.http.services import (
    CardDesk,
    DeclarationId,
    DeclarationsServices,
    Services,
    debit_in_force,
    load_declaration,
)

router = APIRouter(tags=["paiements"])
UNAVAILABLE = "Le paiement par carte est momentanément indisponible : réessayez plus tard ou payez par virement."


def desk(services: DeclarationsServices) -> CardDesk:
    if services.card is None:
        raise NotFound("Le paiement par carte n'est pas proposé par ce déploiement.", field="method")
    return services.card


@router.post("/declarations/{declaration_id}/card-payments", status_code=201)
async def open_card_payment(declaration_id: DeclarationId, services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    """Opens a PayFiP operation for what is left to pay of a filed declaration; `redirect` is the page where the
    payer pays. The result comes back from PayFiP, never from the browser."""
    who.require("declarant", "admin")
    doc = await load_declaration(services, who, declaration_id)
    payment = views.payment_of(doc) or {}
    balance = Decimal(str(payment.get("balance") or "0"))
    if doc["status"] != "filed" or balance <= 0:
        raise Conflict("Cette déclaration n'a rien à payer.", field="amount", code="rien-a-payer")
    debit = payment.get("debit")
    if debit and not payment.get("returned") and await debit_in_force(services, doc["relation_id"], debit):
        raise Conflict(
            f"Un prélèvement de {euros(debit['amount'])} est programmé le {day(debit['collection_date'])} pour cette "
            "déclaration : elle sera payée ainsi.",
            field="method",
            code="prelevement-programme",
        )
    cards = desk(services)
    reference = declaration_reference(
        doc["territory"], doc["year"], doc["quarter"], doc["relation_number"], doc.get("corrective", 0)
    )
    attempt = len(await lists(services).card_attempts(declaration_id)) + 1
    operation = Operation(
        year=doc["year"],
        email=who.email or "",
        amount=balance,
        purpose=f"Octroi de mer {reference.replace('-', ' ')}",  # PayFiP's objet: letters, digits, spaces
        refdet=refdet(reference, attempt),
        notification_url=cards.notification_url,
        return_url=f"{cards.portal_url}/domino/declarations/{quote(declaration_id, safe='')}",
    )
    if not operation.email:
        raise DomainError("PayFiP envoie son ticket par courriel : votre compte n'a pas d'adresse.", field="email")
    try:
        operation_id = await cards.payfip.open(operation)
    except PayfipUnavailable:
        raise Conflict(UNAVAILABLE, field="method", code="payfip-indisponible") from None
    command = card.StartCardPayment(
        declaration_id=declaration_id, operation_id=operation_id, refdet=operation.refdet, amount=balance
    )
    await services.commands.run(card.start_card_payment, command, who)
    return {"operation_id": operation_id, "amount": str(balance), "redirect": cards.payfip.page(operation_id)}


@router.post("/payfip/notifications", include_in_schema=True)
async def payfip_notification(request: Request, services: Services) -> Response:
    """PayFiP's notification of an operation (form field `idop`, no credentials: nothing in it is believed). The
    result is asked of PayFiP and recorded once; an unknown operation is a 404."""
    form = await request.form()
    operation_id = str(form.get("idop") or form.get("idOp") or "")[:64]  # PayFiP's field, in either spelling
    cards = desk(services)
    well_formed = operation_id and all(c.isascii() and (c.isalnum() or c == "-") for c in operation_id)
    known = await lists(services).card_operation(operation_id) if well_formed else None
    if known is None:
        raise NotFound("Opération de paiement inconnue.", field="idop")
    try:
        result = await cards.payfip.result(operation_id)
    except PayfipUnavailable:
        raise Conflict(UNAVAILABLE, field="idop", code="payfip-indisponible") from None
    command = card.SettleCardPayment(
        declaration_id=known["declaration_id"], result=result, client=cards.payfip.client, mode=cards.payfip.mode
    )
    await services.commands.run(card.settle_card_payment, command, SYSTEM_PRINCIPAL)
    return Response(status_code=204)

"""The payments of filed declarations: recording one, and a relation's payment follow-up and balance."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import Field

from chassis.http.auth import CurrentPrincipal
from chassis.http.inputs import IDENTIFIER_PATTERN, Code, Line
from contracts.errors import ConcurrencyError
from declarations.application import access, commands
from declarations.entrypoints import views
from declarations.entrypoints.http.services import AmountIn, Body, DeclarationId, Services, command_answer

router = APIRouter()


class PaymentBody(Body):
    reference: Line = Field(
        title="Référence du paiement",
        description="la référence du paiement au système de paiement ; la même deux fois : enregistré une fois",
    )
    amount: AmountIn = Field(title="Montant du paiement")
    paid_on: date = Field(title="Date du paiement", description="jour de réception du paiement (dans le territoire)")
    method: Code = Field(
        title="Moyen de paiement", description="telepaiement, carte_bancaire, virement, cheque ou numeraire"
    )


@router.post("/declarations/{declaration_id}/payments", tags=["paiements"])
async def record_payment(
    declaration_id: DeclarationId,
    body: PaymentBody,
    services: Services,
    response: Response,
    who: CurrentPrincipal,
) -> dict[str, Any]:
    """Records a payment received for a filed declaration (role comptable, or admin): 201 when new, 200 when
    this reference is already recorded with the same facts, 409 when with other facts. An overpayment is
    recorded and flagged (`payment.overpaid`), not refused."""
    command = commands.RecordPayment(
        declaration_id=declaration_id,
        reference=body.reference,
        amount=body.amount,
        paid_on=body.paid_on,
        method=body.method,
    )
    try:
        new = await services.commands.run(commands.record_payment, command, who)
    except ConcurrencyError:
        # the same payment sent twice at once (a retry after a timeout): the second reads the first, and is
        # the 200 of an idempotent call rather than a conflict
        new = await services.commands.run(commands.record_payment, command, who)
    response.status_code = 201 if new else 200
    return await command_answer(services, response, who, declaration_id)


@router.get("/relations/{relation_id}/payments", tags=["paiements"])
async def relation_payments(
    relation_id: Annotated[str, Path(max_length=128, pattern=IDENTIFIER_PATTERN)],
    services: Services,
    who: CurrentPrincipal,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """The payment follow-up of a relation's filed declarations, latest first, and its balance: what is due,
    paid, left to pay and overpaid over all of them."""
    access.relation_for(who, relation_id, services.reference, acting=False)
    total, docs = await services.read_model.search(
        {"relation_id": relation_id, "status": "filed"}, page=page, per_page=per_page
    )
    items = [{**views.summary(d, now=services.clock()), "payment": views.payment_of(d)} for d in docs]
    balance = views.relation_balance(await services.read_model.filed_of(relation_id))
    return {"relation_id": relation_id, "balance": balance, "total": total, "page": page, "per_page": per_page,
            "items": items}  # fmt: skip

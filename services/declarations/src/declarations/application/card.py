"""Card payments through PayFiP: an attempt opened for what is left to pay of a filed declaration, and its result
recorded once — the declaration's payment in the same transaction when PayFiP says it is paid."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from chassis.http.auth import Principal
from contracts.errors import Conflict, NotFound
from contracts.types import territory_code
from declarations.application import access
from declarations.application.collection import repository_of
from declarations.application.unit_of_work import DeclarationsUnitOfWork
from declarations.domain import calendar
from declarations.domain.collection.card import CardPayments, PayfipResult, card_stream


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class StartCardPayment(Command):
    declaration_id: str
    operation_id: str
    refdet: str
    amount: Decimal


class SettleCardPayment(Command):
    declaration_id: str
    result: PayfipResult
    client: str
    mode: str


async def start_card_payment(cmd: StartCardPayment, who: Principal, uow: DeclarationsUnitOfWork) -> None:
    """The producer of the relation (or an admin) pays a filed declaration by card: the attempt is recorded."""
    who.require("declarant", "admin")
    loaded = await uow.declarations.get(cmd.declaration_id)
    if loaded is None:
        raise NotFound(f"Déclaration {cmd.declaration_id} introuvable.", field="id")
    access.relation_for(who, loaded.aggregate.relation_id, uow.relations, acting=True)
    state = loaded.aggregate.payment_state()
    if state is None or state.balance <= 0:
        raise Conflict("Cette déclaration n'a rien à payer.", field="amount", code="rien-a-payer")
    repository = repository_of(uow.cards)
    stream = card_stream(cmd.declaration_id)
    existing = await repository.get(stream)
    cards = existing.aggregate if existing else CardPayments(cmd.declaration_id)
    if any(s.refdet == cmd.refdet for s in cards.started.values()):
        raise Conflict("Un paiement par carte vient d'être ouvert : réessayez.", field="refdet")
    events = cards.start(operation_id=cmd.operation_id, refdet=cmd.refdet, amount=cmd.amount, started_by=who.id)
    version = existing.version if existing else 0
    await repository.save(stream, events, expected_version=version, territory=loaded.territory)


async def settle_card_payment(cmd: SettleCardPayment, who: Principal, uow: DeclarationsUnitOfWork) -> bool:
    """PayFiP's result of an operation, once; returns whether a payment was recorded now."""
    who.require("system")
    repository = repository_of(uow.cards)
    stream = card_stream(cmd.declaration_id)
    existing = await repository.get(stream)
    if existing is None:
        raise NotFound("Opération de paiement inconnue.", field="idop")
    today = calendar.local_date(uow.clock(), territory_code(existing.territory))
    events = existing.aggregate.end(
        cmd.result, client=cmd.client, mode=cmd.mode, territory=existing.territory, today=today
    )
    if not events:
        return False
    await repository.save(stream, events, expected_version=existing.version, territory=existing.territory)
    ended = events[0]
    if ended.outcome != "paid" or ended.paid_on is None:  # type: ignore[union-attr]
        return False
    started = existing.aggregate.started[cmd.result.operation_id]
    loaded = await uow.declarations.get(cmd.declaration_id)
    if loaded is None:
        raise NotFound(f"Déclaration {cmd.declaration_id} introuvable.", field="id")
    payment = loaded.aggregate.record_payment(
        reference=f"PAYFIP-{cmd.result.operation_id}",
        amount=started.amount,
        paid_on=ended.paid_on,  # type: ignore[union-attr]
        method="carte_bancaire",
        recorded_by=who.id,
        now=uow.clock(),
    )
    await uow.declarations.save(
        cmd.declaration_id, payment, expected_version=loaded.version, territory=loaded.territory
    )
    return True

"""Card payments of a filed declaration through the public-sector payment service (PayFiP, DGFiP): each attempt
opened for what is left to pay, and its result — taken from PayFiP's own answer to the service, checked against
what was asked (the client number, the reference, the amount), recorded once however often it is notified."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel

from contracts.errors import Conflict, DomainError, NotFound
from contracts.events.collection import CardPaymentEnded, CardPaymentStarted
from contracts.french import euros
from contracts.recorded import Recorded
from contracts.types import TERRITORY_ZONES

CardEvent = CardPaymentStarted | CardPaymentEnded
Outcome = Literal["paid", "refused", "abandoned"]
OUTCOMES: dict[str, Outcome] = {"P": "paid", "V": "paid", "R": "refused", "Z": "refused", "A": "abandoned"}
"""PayFiP's `resultrans`: P paid by card, V paid by direct debit (PayFiP's own « prélèvement »), R refused, Z a
direct debit refused, A abandoned; anything else (in progress) records nothing yet."""
MINIMUM = Decimal("1.00")  # PayFiP refuses an operation under 1 euro (montant ≥ 100 cents)
MAXIMUM = Decimal("99999.99")  # and over 100 000 euros (montant < 10 000 000 cents)


def refdet(reference: str, attempt: int) -> str:
    """The reference of an attempt: the declaration's, and the attempt's number (PayFiP: 30 characters, letters and
    digits, unique per payment at the client)."""
    return f"{''.join(c for c in reference if c.isalnum())}C{attempt}"[-30:]


def card_stream(declaration_id: str) -> str:
    return f"card-{declaration_id}"


@dataclass(frozen=True)
class PayfipResult:
    """What PayFiP answered about an operation (`recupererDetailPaiementSecurise`)."""

    operation_id: str
    result: str
    amount_cents: int
    refdet: str
    client: str
    authorisation: str | None
    paid_at: datetime | None
    """When it was paid (PayFiP gives Paris time)."""
    mode: str = ""
    """`saisie`: T test, X activation, W production — a test payment is never a payment in production."""


@dataclass
class CardPayments:
    declaration_id: str
    started: dict[str, CardPaymentStarted] = field(default_factory=dict)
    ended: dict[str, CardPaymentEnded] = field(default_factory=dict)

    @classmethod
    def from_recorded(cls, events: Sequence[Recorded[BaseModel]]) -> CardPayments:
        first = events[0].event
        if not isinstance(first, CardPaymentStarted):
            raise ValueError(f"a card stream starts with CardPaymentStarted, not {type(first).__name__}")
        payments = cls(first.declaration_id)
        for recorded in events:
            payments.apply(recorded.event)
        return payments

    def apply(self, event: BaseModel) -> None:
        if isinstance(event, CardPaymentStarted):
            self.started[event.operation_id] = event
        elif isinstance(event, CardPaymentEnded):
            self.ended[event.operation_id] = event
        else:
            raise ValueError(f"{type(event).__name__} is not an event of a card payment")

    def start(self, *, operation_id: str, refdet: str, amount: Decimal, started_by: str) -> list[CardEvent]:
        if not MINIMUM <= amount <= MAXIMUM:
            raise DomainError(
                f"Le paiement par carte accepte de {euros(MINIMUM)} à {euros(MAXIMUM)} : "
                "payez ce montant par virement.",
                field="amount",
            )
        if operation_id in self.started:
            raise Conflict("Cette opération de paiement est déjà ouverte.", field="operation_id")
        event = CardPaymentStarted(
            declaration_id=self.declaration_id,
            operation_id=operation_id,
            refdet=refdet,
            amount=amount,
            started_by=started_by,
        )
        return [event]

    def end(self, result: PayfipResult, *, client: str, mode: str, territory: str, today: date) -> list[CardEvent]:
        """The operation's outcome, once; a result that does not match what was asked is refused, recording
        nothing (a paid amount other than the one asked is never a payment of this declaration)."""
        started = self.started.get(result.operation_id)
        if started is None:
            raise NotFound("Opération de paiement inconnue.", field="idop")
        if result.operation_id in self.ended:
            return []
        if result.client != client or result.refdet != started.refdet or result.mode != mode:
            raise Conflict("Le résultat de paiement ne correspond pas à l'opération ouverte.", field="idop")
        outcome = OUTCOMES.get(result.result)
        if outcome is None:
            return []  # still in progress at PayFiP: nothing to record yet
        if outcome == "paid" and result.amount_cents != int(started.amount * 100):
            raise Conflict("Le montant payé ne correspond pas au montant demandé.", field="idop")
        return [
            CardPaymentEnded(
                operation_id=result.operation_id,
                outcome=outcome,
                authorisation=result.authorisation if outcome == "paid" else None,
                paid_on=(result.paid_at.astimezone(TERRITORY_ZONES[territory]).date() if result.paid_at else today)
                if outcome == "paid"
                else None,
            )
        ]

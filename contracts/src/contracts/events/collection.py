"""Events of the collection of octroi de mer (recouvrement): SEPA B2B mandates, the debits scheduled at filing,
the bank files issued to the customs' bank, the bank statements read back, and what they settle or return.

Streams: `mandate-<relation>` (a relation's télépaiement convention), the declaration's own stream (a debit
scheduled, a payment returned), `collection-<territory>` (the pain.008 files issued, so that no debit is ever
presented twice) and `statement-<territory>-<digest>` (one bank statement, read once).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts import topics
from contracts.personal import (
    BY_VALUE,
    AgentId,
    Code,
    ComptableId,
    Id,
    NotPersonal,
    Reference,
    SignInId,
    bank,
    by_field,
    contact,
    free_text,
    identity,
)
from contracts.registry import event
from contracts.types import Money

SequenceType = Literal["FRST", "RCUR"]
"""SEPA: the first collection under a mandate, or a recurrent one."""

# A mandate's account is its holder's (an entrepreneur individuel's, or its signatory's name): found by the RUM, so
# that its data can go when the mandate's retention ends.
Iban = Annotated[str, bank("account_holder", by_field("rum"))]
Bic = Annotated[str, bank("account_holder", by_field("rum"))]
Holder = Annotated[str, identity("account_holder", by_field("rum"))]
MandateText = Annotated[str, free_text("account_holder", by_field("rum"))]
ReturnReason = Annotated[str, NotPersonal("libellé du code de rejet")]
DeclarantEmail = Annotated[str, contact("declarant", BY_VALUE)]


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _mandate(name: str):  # type: ignore[no-untyped-def]
    return event(name, stream_type="mandate", topic=topics.DECLARATIONS)


def _declaration(name: str):  # type: ignore[no-untyped-def]
    return event(name, stream_type="declaration", topic=topics.DECLARATIONS)


@_mandate("MandateRegistered")
class MandateRegistered(_Event):
    """A producer registered the SEPA B2B mandate it signed for one relation (« Convention d'adhésion à DOMINO et
    au télépaiement »); it debits nothing until the office validates it."""

    relation_id: Id
    rum: Reference = Field(description="référence unique du mandat (RUM), as the signed mandate prints it")
    iban: Iban = Field(description="the debtor's account, electronic form (no spaces)")
    bic: Bic
    holder: Holder = Field(description="the account holder's name")
    signed_on: date
    registered_by: SignInId


@_mandate("MandateValidated")
class MandateValidated(_Event):
    """The office checked the signed mandate: télépaiement debits this account from now on (the relation's
    previous mandate, if any, ends)."""

    rum: Reference
    validated_by: AgentId


@_mandate("MandateRefused")
class MandateRefused(_Event):
    rum: Reference
    reason: MandateText
    refused_by: AgentId


@_mandate("MandateRevoked")
class MandateRevoked(_Event):
    """The mandate no longer debits: revoked by its producer or by the office."""

    rum: Reference
    reason: MandateText
    revoked_by: SignInId


@_declaration("DebitScheduled")
class DebitScheduled(_Event):
    """Filed with télépaiement under a validated mandate: the total due is to be debited on the collection date.
    The mandate's details are copied: the debit is presented as the mandate stood when the producer filed."""

    end_to_end_id: Reference = Field(description="the debit's end-to-end id, carried back by the bank's statements")
    amount: Money
    collection_date: date
    rum: Reference
    iban: Iban
    bic: Bic
    holder: Holder
    signed_on: date


@_declaration("PaymentReturned")
class PaymentReturned(_Event):
    """A payment recorded for the declaration came back (an R-transaction of a direct debit: insufficient funds,
    no mandate…): it no longer counts as paid. It names the declaration as its producer reads it, so that the
    notifier can tell them without asking anyone."""

    declaration_id: Id
    year: int = Field(ge=2000, le=2100)
    quarter: int = Field(ge=1, le=4)
    relation_number: Reference
    declarant_email: DeclarantEmail | None = Field(default=None, description="who filed it, told of the return")
    reference: Reference = Field(description="the returned payment's reference (the debit's end-to-end id)")
    amount: Money
    returned_on: date
    reason_code: Code = Field(description="ISO 20022 ExternalReturnReason1Code, e.g. AM04, MD01")
    reason: ReturnReason = Field(description="the reason in French, for the producer")


class PresentedDebit(_Event):
    """A debit as a collection file presents it."""

    declaration_id: Id
    reference: Reference = Field(description="the declaration's human reference, the debtor's remittance information")
    end_to_end_id: Reference
    amount: Money
    sequence_type: SequenceType
    rum: Reference
    iban: Iban
    bic: Bic
    holder: Holder
    signed_on: date


@event("CollectionFileIssued", stream_type="collection", topic=topics.DECLARATIONS)
class CollectionFileIssued(_Event):
    """A pain.008 file (SEPA B2B direct debits) issued to the customs' bank for one collection date. Every debit
    is in one file only; the file's message id is its id, so a bank refuses the same file sent twice."""

    file_id: Id = Field(description="the pain.008 message id (MsgId)")
    collection_date: date
    issued_at: datetime
    issued_by: ComptableId
    debits: list[PresentedDebit]


class StatementEntry(_Event):
    """One booked entry of a bank statement, as reconciliation read it."""

    entry_id: Reference = Field(description="the entry's reference at the bank (AcctSvcrRef) or its position")
    direction: Literal["credit", "debit"]
    amount: Money
    booked_on: date
    end_to_end_id: Reference | None = None
    creditor_reference: Reference | None = None
    remittance: Annotated[str, free_text("debtor", by_field("entry_id"))] | None = None
    debtor: Annotated[str, identity("debtor", by_field("entry_id"))] | None = None
    return_reason_code: Code | None = None
    outcome: Literal["paid", "returned", "waiting", "ignored"]
    declaration_id: Id | None = Field(default=None, description="the declaration it settled or returned")
    method: Literal["telepaiement", "virement"] | None = Field(
        default=None, description="paid: a settled direct debit (télépaiement) or a transfer quoting the reference"
    )


@event("StatementImported", stream_type="statement", topic=topics.DECLARATIONS)
class StatementImported(_Event):
    """A bank statement (camt.053) of the customs' account, read once: its entries and what each did."""

    statement_id: Id
    account: Annotated[str, NotPersonal("compte de la recette des douanes")]
    created_at: datetime
    imported_by: ComptableId
    entries: list[StatementEntry]


@event("StatementEntryMatched", stream_type="statement", topic=topics.DECLARATIONS)
class StatementEntryMatched(_Event):
    """The comptable matched a waiting credit to a declaration by hand."""

    entry_id: Reference
    declaration_id: Id
    matched_by: ComptableId


def _card(name: str):  # type: ignore[no-untyped-def]
    return event(name, stream_type="card", topic=topics.DECLARATIONS)


@_card("CardPaymentStarted")
class CardPaymentStarted(_Event):
    """A card payment opened at the public-sector payment service (PayFiP) for what is left to pay of a filed
    declaration; the payer is sent there. Stream `card-<declaration>`: every attempt of one declaration."""

    declaration_id: Id
    operation_id: Reference = Field(description="PayFiP's idOp, the operation's identifier at the payment service")
    refdet: Reference = Field(description="the reference sent to PayFiP (unique per attempt)")
    amount: Money
    started_by: SignInId


@_card("CardPaymentEnded")
class CardPaymentEnded(_Event):
    """PayFiP's result of an operation, as the service itself answered it when asked (never as the browser
    said): paid (its payment is recorded on the declaration in the same transaction), refused or abandoned."""

    operation_id: Reference
    outcome: Literal["paid", "refused", "abandoned"]
    authorisation: Reference | None = Field(default=None, description="numauto, the card authorisation of a payment")
    paid_on: date | None = None

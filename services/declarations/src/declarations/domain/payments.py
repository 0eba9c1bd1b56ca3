"""Payment follow-up of a filed declaration: the payments recorded against it, and whether it is paid.

The manual: the declaration is filed *and paid* by the 24th of the month after the quarter. This is the follow-up
a back office needs, not a payment gateway: the payment system (or the accountant) records what it received;
the declaration then reads as unpaid, partly paid, paid or paid late, and an overpayment is flagged (the office
refunds or carries it), never refused.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from contracts import french
from contracts.errors import Conflict, DomainError
from contracts.events.collection import PaymentReturned
from contracts.events.declarations import PaymentRecorded
from declarations.domain.amounts import parse_amount
from declarations.domain.collection.returns import return_reason
from declarations.domain.declarant import PAYMENT_METHOD_LABELS, PAYMENT_METHODS

PaymentStatus = Literal["nothing_due", "unpaid", "returned", "partly_paid", "paid", "paid_late"]

STATUS_LABELS: dict[str, str] = {
    "nothing_due": "rien à payer",
    "unpaid": "non payée",
    "returned": "paiement rejeté",
    "partly_paid": "partiellement payée",
    "paid": "payée",
    "paid_late": "payée en retard",
}


def record_payment(
    recorded: Sequence[PaymentRecorded],
    *,
    reference: str,
    amount: object,
    paid_on: date,
    method: str,
    recorded_by: str,
    first_day: date,
    today: date,
    methods: Collection[str] = PAYMENT_METHODS,
) -> list[PaymentRecorded]:
    """The payment as an event, or nothing when this reference is already recorded with the same facts (a
    payment system sends again what it is not sure was received); a reference recorded with other facts is a
    conflict. `first_day` is the quarter's, `today` the territory's date."""
    reference = reference.strip()
    if not reference:
        raise DomainError("La référence du paiement est obligatoire.", field="reference")
    value = parse_amount(amount, field="amount", label="Le montant du paiement", strictly_positive=True)
    if method not in methods:
        accepted = ", ".join(PAYMENT_METHOD_LABELS.get(m, m) for m in methods)
        raise DomainError(f"Mode de paiement inconnu « {french.echo(method)} » : attendu {accepted}.", field="method")
    if paid_on > today:
        raise DomainError(
            f"La date du paiement ({paid_on:%d/%m/%Y}) ne peut pas être postérieure à aujourd'hui.", field="paid_on"
        )
    if paid_on < first_day:
        raise DomainError(
            f"La date du paiement ({paid_on:%d/%m/%Y}) précède le trimestre déclaré ({first_day:%d/%m/%Y}).",
            field="paid_on",
        )
    event = PaymentRecorded(reference=reference, amount=value, paid_on=paid_on, method=method, recorded_by=recorded_by)
    for earlier in recorded:
        if compared_reference(earlier.reference) != compared_reference(reference):
            continue
        if (earlier.amount, earlier.paid_on, earlier.method) == (value, paid_on, method):
            return []  # the same payment again: recorded once
        raise Conflict(
            f"Le paiement de référence « {earlier.reference} » est déjà enregistré avec d'autres données "
            f"({french.euros(earlier.amount)}, le {earlier.paid_on:%d/%m/%Y}).",
            field="reference",
            code="paiement-deja-enregistre",
        )
    return [event]


def compared_reference(reference: str) -> str:
    """A payment reference as a bank compares it: its letters and digits, without regard to case, to spaces, dashes
    of any kind or invisible characters, compatibility forms folded (ISO 11649 § 4 and the EPC SEPA rulebooks: a
    creditor reference is case-insensitive and printed in groups of four; banks match remittance information the
    same way). « TP-2026-0001 », « tp-2026-0001 », « TP‐2026 0001 » are one payment's reference."""
    folded = unicodedata.normalize("NFKC", reference)
    return "".join(c for c in folded if c.isalnum()).casefold()


@dataclass(frozen=True)
class PaymentState:
    """What is due, what was paid, and the status a back office reads."""

    status: PaymentStatus
    due: Decimal
    paid: Decimal
    balance: Decimal
    """What remains to pay (never negative)."""
    overpaid: Decimal
    """What was paid beyond what is due: flagged for the office, not refused."""
    paid_in_full_on: date | None


def payment_state(
    total_due: Decimal,
    due_date: date,
    payments: Sequence[PaymentRecorded],
    returned: Sequence[PaymentReturned] = (),
) -> PaymentState:
    """The manual: filed and paid by the due date. Paid late when the payment completing the amount due was
    received after it. A payment that came back (a returned direct debit) no longer counts: while nothing else
    pays, the declaration reads « paiement rejeté »."""
    gone = {compared_reference(r.reference) for r in returned}
    payments = [p for p in payments if compared_reference(p.reference) not in gone]
    paid = sum((p.amount for p in payments), Decimal("0.00"))
    balance = max(total_due - paid, Decimal("0.00"))
    overpaid = max(paid - total_due, Decimal("0.00"))
    in_full: date | None = None
    running = Decimal("0.00")
    for payment in sorted(payments, key=lambda p: p.paid_on):
        running += payment.amount
        if running >= total_due:
            in_full = payment.paid_on
            break
    status: PaymentStatus
    if total_due <= 0:
        status = "nothing_due"
    elif paid <= 0:
        status = "returned" if gone else "unpaid"
    elif balance > 0:
        status = "partly_paid"
    else:
        status = "paid_late" if in_full is not None and in_full > due_date else "paid"
    return PaymentState(status, total_due, paid, balance, overpaid, in_full if total_due > 0 else None)


@dataclass(frozen=True)
class Filed:
    """The declaration a return is about, as its producer reads it."""

    declaration_id: str
    year: int
    quarter: int
    relation_number: str
    declarant_email: str | None


def return_payment(
    returned: Sequence[PaymentReturned],
    filed: Filed,
    *,
    reference: str,
    amount: Decimal,
    returned_on: date,
    reason_code: str,
) -> list[PaymentReturned]:
    """A direct debit that came back (ISO 20022 R-transaction): it no longer pays the declaration; the same return
    read again (the same statement twice, or two statements that overlap) is recorded once."""
    if any(compared_reference(r.reference) == compared_reference(reference) for r in returned):
        return []
    code = reason_code.strip().upper()
    return [
        PaymentReturned(
            declaration_id=filed.declaration_id,
            year=filed.year,
            quarter=filed.quarter,
            relation_number=filed.relation_number,
            declarant_email=filed.declarant_email,
            reference=reference,
            amount=amount,
            returned_on=returned_on,
            reason_code=code,
            reason=return_reason(code),
        )
    ]


def payment_deadline(due_date: date, *, filed_late: bool, debit_collected_on: date | None) -> date:
    """The day a payment must be received by not to be late: the due date; but a declaration filed on time with
    télépaiement is paid by the debit the customs present, on the collection date they chose (the 24th, or the
    next TARGET day when the 24th is closed): its producer cannot pay it earlier, and is not late for that."""
    if debit_collected_on is not None and not filed_late:
        return max(due_date, debit_collected_on)
    return due_date

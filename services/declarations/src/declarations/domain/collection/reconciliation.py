"""Reading the customs' bank statement against the declarations: which credit pays which declaration, which
debit is a direct debit coming back, and what waits for the comptable.

A credit is matched by the end-to-end id of the debit it settles (télépaiement), or by the ISO 11649 creditor
reference the payer quoted (virement), structured or in the free text; nothing else is guessed: an amount alone
or a name alone waits for a person. A debit carrying a return reason and the end-to-end id of one of our debits is
that debit returned. Anything else on the account (fees, other revenue) is not ours to match.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from stdnum import iso11649

from contracts.events.collection import StatementEntry

RF_IN_TEXT = re.compile(r"R\s*F\s*\d\s*\d(?:\s*[0-9A-Z]){1,21}", re.IGNORECASE)


@dataclass(frozen=True)
class BankMovement:
    """One booked movement of a statement: an entry, or one transaction of a batch entry."""

    entry_id: str
    direction: Literal["credit", "debit"]
    amount: Decimal
    booked_on: date
    end_to_end_id: str | None = None
    creditor_reference: str | None = None
    remittance: str | None = None
    debtor: str | None = None
    return_reason_code: str | None = None
    reversal: bool = False
    """The bank reversed an earlier entry (RvslInd): a debit that reverses our debit's credit is a return."""


@dataclass(frozen=True)
class KnownPayments:
    """What the statement is matched against: the debits presented (end-to-end id → declaration) and the
    creditor references of the filed declarations (compact RF → declaration)."""

    debits: Mapping[str, tuple[str, Decimal]]
    """end-to-end id → (declaration, amount presented)"""
    creditor_references: Mapping[str, str]


def creditor_reference_in(movement: BankMovement) -> str | None:
    """The valid ISO 11649 reference the payer quoted, compacted: the structured one, else one found in the free
    text (payers often type it there, followed by other words: the longest prefix whose check digits hold); a
    reference whose check digits fail matches nothing."""
    if movement.creditor_reference:
        structured = str(iso11649.compact(movement.creditor_reference))
        return structured if iso11649.is_valid(structured) else None
    for found in RF_IN_TEXT.finditer(movement.remittance or ""):
        compact = str(iso11649.compact(found.group(0)))
        for end in range(len(compact), 4, -1):
            if iso11649.is_valid(compact[:end]):
                return compact[:end]
    return None


def reconcile(movement: BankMovement, known: KnownPayments) -> StatementEntry:
    """The entry as the statement's record keeps it: paid, returned, waiting for a person, or not ours."""
    outcome: Literal["paid", "returned", "waiting", "ignored"]
    declaration: str | None = None
    method: Literal["telepaiement", "virement"] | None = None
    reference = creditor_reference_in(movement)
    presented = known.debits.get(movement.end_to_end_id or "")
    if movement.direction == "debit":
        # our debit coming back: a return (R-transaction) or a reversal, of the whole amount presented
        coming_back = movement.return_reason_code or movement.reversal
        if presented and coming_back and movement.amount == presented[1]:
            declaration, outcome = presented[0], "returned"
        else:
            outcome = "ignored" if not presented else "waiting"
    elif presented:
        declaration, outcome, method = presented[0], "paid", "telepaiement"
    elif reference and reference in known.creditor_references:
        declaration, outcome, method = known.creditor_references[reference], "paid", "virement"
    else:
        outcome = "waiting"
    return StatementEntry(
        entry_id=movement.entry_id,
        direction=movement.direction,
        amount=movement.amount,
        booked_on=movement.booked_on,
        end_to_end_id=movement.end_to_end_id,
        creditor_reference=reference,
        remittance=movement.remittance,
        debtor=movement.debtor,
        return_reason_code=movement.return_reason_code,
        outcome=outcome,
        declaration_id=declaration,
        method=method,
    )

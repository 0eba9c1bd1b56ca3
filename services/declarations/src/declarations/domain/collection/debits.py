"""The debit a télépaiement filing schedules, and the day it is collected."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from contracts.events.collection import DebitScheduled
from declarations.domain.collection.mandate import MandateDetails
from declarations.domain.collection.target import target_day_on_or_after, target_days_after

TELEPAIEMENT = "telepaiement"

PRESENTATION_TARGET_DAYS = 2
"""EPC SDD B2B rulebook, 4.3.3 (PT-03.03): a B2B collection reaches the debtor's bank at the latest one TARGET day
before its due date. A late filing is collected no earlier than the second TARGET day after it: the comptable issues
the file the next TARGET day (`files.CollectionFiles.issue` refuses a later one), which reaches the debtor's bank
the day before the collection. The TARGET cut-off is in CET; the territories' evenings are already the next day
there, which the one-day margin absorbs."""


def collection_date(due: date, filed_on: date) -> date:
    """The first TARGET day on or after the due date (the 24th, or the next business day), or, for a declaration
    filed too close to it or after it, the second TARGET day after the filing."""
    return max(target_day_on_or_after(due), target_days_after(filed_on, PRESENTATION_TARGET_DAYS))


def end_to_end_id(reference: str) -> str:
    """The debit's end-to-end id: the declaration's reference in letters and digits (ISO 20022 Max35Text, and what
    the bank hands back in its statement)."""
    return "".join(c for c in reference if c.isalnum())


def schedule_debit(
    *,
    reference: str,
    payment_method: str,
    total_due: Decimal,
    mandate: MandateDetails | None,
    due: date,
    filed_on: date,
) -> list[DebitScheduled]:
    """Filed with télépaiement, something due and a validated mandate: a debit of the total due. Without a
    validated mandate nothing is scheduled: the declaration is filed all the same (filing is the obligation;
    the producer pays another way, and the declaration's page says so)."""
    if payment_method != TELEPAIEMENT or total_due <= 0 or mandate is None:
        return []
    return [
        DebitScheduled(
            end_to_end_id=end_to_end_id(reference),
            amount=total_due,
            collection_date=collection_date(due, filed_on),
            rum=mandate.rum,
            iban=mandate.iban,
            bic=mandate.bic,
            holder=mandate.holder,
            signed_on=mandate.signed_on,
        )
    ]


def presentable(debit: DebitScheduled, in_force: MandateDetails | None, balance: Decimal) -> DebitScheduled | None:
    """What of a scheduled debit may be presented: only under the mandate it was scheduled with, still in force
    (a mandate revoked or replaced since debits nothing — EPC SDD rulebook: no collection without a valid
    mandate), and only what is left to pay (a declaration paid meanwhile by card or transfer is not debited)."""
    if in_force is None or (in_force.rum, in_force.iban) != (debit.rum, debit.iban) or balance <= 0:
        return None
    return debit if debit.amount <= balance else debit.model_copy(update={"amount": balance})

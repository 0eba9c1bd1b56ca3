"""Reading the customs' bank statement against the declarations: what pays, what comes back, what waits."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from contracts.errors import DomainError
from contracts.events.collection import PaymentReturned
from contracts.events.declarations import PaymentRecorded
from declarations.domain.collection.reconciliation import BankMovement, KnownPayments, reconcile
from declarations.domain.collection.statement import import_statement
from declarations.domain.payments import Filed, payment_state, return_payment

KNOWN = KnownPayments(
    debits={"OM9742026T30974000789": ("decl-1", Decimal("100.00"))},
    creditor_references={"RF4197426T30974000789": "decl-2"},
)
DAY = date(2026, 10, 26)
FILED = Filed("decl-1", 2026, 3, "0974000789", "marie@producteur.example")


def credit(**fields: str) -> BankMovement:
    return BankMovement(entry_id="E1", direction="credit", amount=Decimal("100.00"), booked_on=DAY, **fields)


def test_a_settled_debit_is_matched_by_its_end_to_end_id() -> None:
    entry = reconcile(credit(end_to_end_id="OM9742026T30974000789"), KNOWN)
    assert (entry.outcome, entry.declaration_id, entry.method) == ("paid", "decl-1", "telepaiement")


@pytest.mark.parametrize(
    "fields",
    [
        {"creditor_reference": "RF41 9742 6T30 9740 0078 9"},
        {"remittance": "OCTROI DE MER RF41 9742 6T30 9740 0078 9 MERCI"},
        {"remittance": "rf4197426t30974000789"},
    ],
)
def test_a_transfer_is_matched_by_the_creditor_reference_it_quotes(fields: dict[str, str]) -> None:
    """ISO 11649: the reference is checked by its digits; structured or typed in the free text."""
    entry = reconcile(credit(**fields), KNOWN)
    assert (entry.outcome, entry.declaration_id, entry.method) == ("paid", "decl-2", "virement")
    assert entry.creditor_reference == "RF4197426T30974000789"


@pytest.mark.parametrize(
    "fields",
    [
        {"creditor_reference": "RF42 9742 6T30 9740 0078 9"},  # a wrong check digit matches nobody
        {"remittance": "octroi de mer 3e trimestre Savonnerie Bourbon"},  # a name alone is not matched
        {"end_to_end_id": "SOMEONE-ELSES-DEBIT"},
    ],
)
def test_anything_else_waits_for_the_comptable(fields: dict[str, str]) -> None:
    entry = reconcile(credit(**fields), KNOWN)
    assert (entry.outcome, entry.declaration_id) == ("waiting", None)


def test_a_debit_returned_with_a_reason_is_our_debit_coming_back() -> None:
    movement = BankMovement(
        "R1", "debit", Decimal("100.00"), DAY, end_to_end_id="OM9742026T30974000789", return_reason_code="AM04"
    )
    entry = reconcile(movement, KNOWN)
    assert (entry.outcome, entry.declaration_id, entry.return_reason_code) == ("returned", "decl-1", "AM04")


def test_other_debits_on_the_account_are_not_ours_to_match() -> None:
    assert reconcile(BankMovement("F1", "debit", Decimal("3.50"), DAY), KNOWN).outcome == "ignored"


def test_a_statement_of_another_account_is_refused() -> None:
    with pytest.raises(DomainError) as refused:
        import_statement(
            statement_id="S1",
            account="FR7630006000011234567890189",
            creditor_account="FR063000100000009740000OM96",
            created_at=datetime(2026, 10, 26, tzinfo=UTC),
            movements=[],
            known=KNOWN,
            imported_by="c",
        )
    assert refused.value.field == "file"


def paid(reference: str, amount: str, day: date) -> PaymentRecorded:
    return PaymentRecorded(
        reference=reference, amount=Decimal(amount), paid_on=day, method="telepaiement", recorded_by="c"
    )


def test_a_returned_payment_no_longer_counts_and_the_declaration_reads_paiement_rejete() -> None:
    payments = [paid("OM9742026T30974000789", "100.00", DAY)]
    [returned] = return_payment(
        [], FILED, reference="OM9742026T30974000789", amount=Decimal("100.00"), returned_on=date(2026, 10, 28),
        reason_code="am04",
    )  # fmt: skip
    assert returned == PaymentReturned(
        declaration_id="decl-1",
        year=2026,
        quarter=3,
        relation_number="0974000789",
        declarant_email="marie@producteur.example",
        reference="OM9742026T30974000789",
        amount=Decimal("100.00"),
        returned_on=date(2026, 10, 28),
        reason_code="AM04",
        reason="provision insuffisante",
    )
    assert payment_state(Decimal("100.00"), date(2026, 10, 24), payments).status == "paid_late"
    state = payment_state(Decimal("100.00"), date(2026, 10, 24), payments, [returned])
    assert (state.status, state.paid, state.balance) == ("returned", Decimal("0.00"), Decimal("100.00"))


def test_the_same_return_read_twice_is_recorded_once() -> None:
    first = return_payment([], FILED, reference="X", amount=Decimal("1"), returned_on=DAY, reason_code="MD01")
    again = return_payment(first, FILED, reference="x", amount=Decimal("1"), returned_on=DAY, reason_code="MD01")
    assert again == []
    assert first[0].reason == "pas de mandat"


def test_a_reversal_of_our_debit_for_its_whole_amount_is_a_return() -> None:
    movement = BankMovement("V1", "debit", Decimal("100.00"), DAY, end_to_end_id="OM9742026T30974000789", reversal=True)
    assert reconcile(movement, KNOWN).outcome == "returned"


def test_a_partial_or_unexplained_debit_of_our_debit_waits_for_the_comptable() -> None:
    partial = BankMovement(
        "R2", "debit", Decimal("1.00"), DAY, end_to_end_id="OM9742026T30974000789", return_reason_code="AM04"
    )
    assert reconcile(partial, KNOWN).outcome == "waiting"
    unexplained = BankMovement("R3", "debit", Decimal("100.00"), DAY, end_to_end_id="OM9742026T30974000789")
    assert reconcile(unexplained, KNOWN).outcome == "waiting"

"""Payment follow-up (issue: « filed *and paid* by the 24th »): given a filed declaration, when a payment is
recorded, then a PaymentRecorded (or nothing, or a refusal), and the status a back office reads."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from contracts.errors import Conflict, DomainError
from contracts.events.declarations import DeclarationFiled, PaymentRecorded
from declarations.domain.declaration import Declaration
from declarations.domain.payments import payment_state

from declarations_given import details_set, drafted, given, line_a, utc

AFTER_DUE = utc(2024, 5, 10)  # Q1 2024 is due on 24 April


def filed(total_due: str = "125.00") -> Declaration:
    declaration = given(drafted(), details_set(), line_a())
    declaration.apply(
        DeclarationFiled(
            filed_at=utc(2024, 4, 20),
            totals_version=3,
            boxes={},
            total_due=Decimal(total_due),
            late=False,
            days_late=0,
        )
    )
    return declaration


def pay(declaration: Declaration, **changes: Any) -> list[PaymentRecorded]:
    fields: dict[str, Any] = {
        "reference": "TP-2024-0001",
        "amount": "125.00",
        "paid_on": date(2024, 4, 22),
        "method": "telepaiement",
        "recorded_by": "comptable-972",
        "now": AFTER_DUE,
    }
    events = declaration.record_payment(**(fields | changes))
    for event in events:
        declaration.apply(event)
    return [e for e in events if isinstance(e, PaymentRecorded)]


def test_payment_is_recorded_on_a_filed_declaration() -> None:
    declaration = filed()
    [event] = pay(declaration)
    assert (event.reference, event.amount, event.paid_on, event.method) == (
        "TP-2024-0001",
        Decimal("125.00"),
        date(2024, 4, 22),
        "telepaiement",
    )
    state = declaration.payment_state()
    assert state is not None and (state.status, state.balance, state.overpaid) == (
        "paid",
        Decimal("0.00"),
        Decimal("0.00"),
    )


def test_payment_is_refused_on_a_draft() -> None:
    with pytest.raises(Conflict) as refusal:
        given(drafted(), details_set()).record_payment(
            reference="R", amount="1", paid_on=date(2024, 4, 1), method="virement", recorded_by="c", now=AFTER_DUE
        )
    assert refusal.value.code == "declaration-non-deposee"


def test_payment_is_idempotent_by_reference() -> None:
    declaration = filed()
    assert len(pay(declaration)) == 1
    assert pay(declaration) == [], "the same payment sent again is recorded once"
    with pytest.raises(Conflict) as refusal:
        pay(declaration, amount="100.00")
    assert refusal.value.field == "reference" and refusal.value.code == "paiement-deja-enregistre"


@pytest.mark.parametrize(
    "again", ["tp-2024-0001", "TP-2024 -0001", "\u00a0TP-2024-\u00a00001", "ＴＰ-2024-0001", "TP\u20102024\u20100001"]
)
def test_compared_reference_a_reference_differing_by_case_or_spaces_is_the_same_payment(again: str) -> None:
    """The probe's case: « TP-2026-0001 » then « tp-2026-0001 » recorded a second payment. A bank compares
    references without regard to case or spaces (ISO 11649): the same facts are recorded once, other facts are a
    conflict naming the reference as first recorded."""
    declaration = filed()
    assert len(pay(declaration)) == 1
    assert pay(declaration, reference=again) == []
    with pytest.raises(Conflict) as refusal:
        pay(declaration, reference=again, amount="100.00")
    assert "« TP-2024-0001 »" in refusal.value.detail and "125,00" in refusal.value.detail
    assert len(declaration.payments) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"method": "troc"}, "method"),
        ({"reference": "  "}, "reference"),
        ({"paid_on": date(2024, 5, 11)}, "paid_on"),  # after today
        ({"paid_on": date(2023, 12, 31)}, "paid_on"),  # before the quarter
    ],
)
def test_a_wrong_payment_is_refused_on_its_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(DomainError) as refusal:
        pay(filed(), **changes)
    assert refusal.value.field == field


def test_payment_status_partly_paid_then_paid_late() -> None:
    declaration = filed()
    pay(declaration, reference="A", amount="100.00", paid_on=date(2024, 4, 22))
    state = declaration.payment_state()
    assert state is not None and (state.status, state.balance) == ("partly_paid", Decimal("25.00"))
    pay(declaration, reference="B", amount="25.00", paid_on=date(2024, 5, 2))
    state = declaration.payment_state()
    assert state is not None and state.status == "paid_late" and state.paid_in_full_on == date(2024, 5, 2)


def test_overpayment_is_flagged_not_refused() -> None:
    declaration = filed()
    pay(declaration, amount="150.00")
    state = declaration.payment_state()
    assert state is not None and (state.status, state.overpaid, state.balance) == (
        "paid",
        Decimal("25.00"),
        Decimal("0.00"),
    )


def test_nothing_due_and_unpaid() -> None:
    assert payment_state(Decimal("0.00"), date(2024, 4, 24), []).status == "nothing_due"
    assert payment_state(Decimal("10.00"), date(2024, 4, 24), []).status == "unpaid"
    assert given(drafted()).payment_state() is None


def test_payments_fold_into_the_declaration() -> None:
    declaration = filed()
    [event] = pay(declaration)
    assert declaration.payments == [event]
    assert declaration.version == 5  # drafted, details, line, filed, paid

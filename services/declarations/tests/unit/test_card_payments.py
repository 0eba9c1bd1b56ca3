"""Card payments through PayFiP: an attempt per operation, its result taken from PayFiP and checked, once."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from contracts.errors import Conflict, DomainError, NotFound
from contracts.events.collection import CardPaymentEnded
from declarations.domain.collection.card import CardPayments, PayfipResult, refdet

CLIENT = "097400"


def opened(amount: str = "1234.56") -> CardPayments:
    cards = CardPayments("decl-1")
    for event in cards.start(
        operation_id="op1", refdet=refdet("OM-974-2026-T3-0974000789", 1), amount=Decimal(amount), started_by="marie"
    ):
        cards.apply(event)
    return cards


def result(
    code: str, *, cents: int = 123456, refdet: str = "OM9742026T30974000789C1", client: str = CLIENT
) -> PayfipResult:
    paid_at = datetime(2026, 10, 20, 2, 30, tzinfo=ZoneInfo("Europe/Paris"))  # 19 October, 20:30 in Guadeloupe
    return PayfipResult("op1", code, cents, refdet, client, "A1B2C3" if code == "P" else None, paid_at, "T")


def test_each_attempt_has_its_own_reference_for_payfip() -> None:
    cards = opened()
    assert cards.started["op1"].refdet == "OM9742026T30974000789C1"
    assert refdet("OM-974-2026-T3-0974000789", 2) == "OM9742026T30974000789C2"


@pytest.mark.parametrize("amount", ["0.99", "100000.00"])
def test_payfip_takes_from_one_euro_to_a_hundred_thousand(amount: str) -> None:
    with pytest.raises(DomainError) as refused:
        CardPayments("decl-1").start(operation_id="op", refdet="R1", amount=Decimal(amount), started_by="m")
    assert refused.value.field == "amount"
    assert "de 1,00\u00a0€ à 99\u202f999,99\u00a0€" in refused.value.detail  # amounts written the French way


def test_a_paid_operation_ends_once_with_its_authorisation_on_the_territorys_day() -> None:
    """PayFiP's time is Paris's: 02:30 on 20 October in Paris is still 19 October in Guadeloupe."""
    cards = opened()
    [ended] = cards.end(result("P"), client=CLIENT, mode="T", territory="971", today=date(2026, 10, 21))
    assert ended == CardPaymentEnded(
        operation_id="op1", outcome="paid", authorisation="A1B2C3", paid_on=date(2026, 10, 19)
    )
    cards.apply(ended)
    assert (
        cards.end(result("P"), client=CLIENT, mode="T", territory="971", today=date(2026, 10, 21)) == []
    )  # notified again: nothing twice


@pytest.mark.parametrize(("code", "outcome"), [("R", "refused"), ("A", "abandoned")])
def test_a_refused_or_abandoned_operation_records_no_payment(code: str, outcome: str) -> None:
    [ended] = opened().end(result(code), client=CLIENT, mode="T", territory="971", today=date(2026, 10, 21))
    assert (ended.outcome, ended.authorisation, ended.paid_on) == (outcome, None, None)


def test_an_operation_still_in_progress_records_nothing_yet() -> None:
    assert opened().end(result(""), client=CLIENT, mode="T", territory="971", today=date(2026, 10, 21)) == []


@pytest.mark.parametrize(
    "answer",
    [
        result("P", cents=100),
        result("P", refdet="OTHER"),
        result("P", client="000001"),
        PayfipResult("op1", "P", 123456, "OM9742026T30974000789C1", CLIENT, "A", None, "W"),
    ],
    ids=["another amount", "another reference", "another client", "a production payment seen by a test setup"],
)
def test_a_result_that_is_not_what_was_asked_is_refused(answer: PayfipResult) -> None:
    with pytest.raises(Conflict):
        opened().end(answer, client=CLIENT, mode="T", territory="971", today=date(2026, 10, 21))


def test_an_unknown_operation_is_not_found() -> None:
    with pytest.raises(NotFound):
        CardPayments("decl-1").end(result("P"), client=CLIENT, mode="T", territory="971", today=date(2026, 10, 21))


def test_a_payment_payfip_dates_no_day_is_of_the_day_it_is_told() -> None:
    no_day = PayfipResult("op1", "P", 123456, "OM9742026T30974000789C1", CLIENT, "A1", None, "T")
    [ended] = opened().end(no_day, client=CLIENT, mode="T", territory="971", today=date(2026, 10, 21))
    assert ended.paid_on == date(2026, 10, 21)

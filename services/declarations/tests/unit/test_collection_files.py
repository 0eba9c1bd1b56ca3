"""The collection files of a territory: each debit presented once, FRST under a mandate never used, RCUR after."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from contracts.errors import DomainError
from contracts.events.collection import CollectionFileIssued, DebitScheduled
from declarations.domain.collection.debits import presentable, schedule_debit
from declarations.domain.collection.files import CollectionFiles, PendingDebit
from declarations.domain.collection.mandate import MandateDetails

MANDATE = MandateDetails("RUM-1", "FR7630006000011234567890189", "AGRIFRPPXXX", "Savonnerie", date(2026, 9, 30))
NOW = datetime(2026, 10, 20, 14, tzinfo=UTC)


def pending(reference: str, amount: str, day: date, rum: str = "RUM-1") -> PendingDebit:
    [debit] = schedule_debit(
        reference=reference,
        payment_method="telepaiement",
        total_due=Decimal(amount),
        mandate=MandateDetails(rum, MANDATE.iban, MANDATE.bic, MANDATE.holder, MANDATE.signed_on),
        due=day,
        filed_on=date(2026, 10, 2),
    )
    return PendingDebit(f"decl-{reference}", reference, debit)


def issue(
    files: CollectionFiles, debits: list[PendingDebit], day: date = date(2026, 10, 26)
) -> list[CollectionFileIssued]:
    return list(files.issue(debits, collection_date=day, today=date(2026, 10, 20), now=NOW, issued_by="comptable"))


def test_no_debit_without_telepaiement_a_validated_mandate_and_something_due() -> None:
    def debit(method: str, due: str, mandate: MandateDetails | None) -> list[DebitScheduled]:
        return schedule_debit(
            reference="OM-974-2026-T3-1",
            payment_method=method,
            total_due=Decimal(due),
            mandate=mandate,
            due=date(2026, 10, 24),
            filed_on=date(2026, 10, 2),
        )

    assert debit("virement", "10", MANDATE) == []
    assert debit("telepaiement", "10", None) == []
    assert debit("telepaiement", "0", MANDATE) == []
    assert len(debit("telepaiement", "10", MANDATE)) == 1


def test_a_debit_is_of_the_total_due_on_the_collection_date_with_the_mandate_as_it_stood() -> None:
    debit = pending("OM-974-2026-T3-0974000789", "1234.56", date(2026, 10, 24)).debit
    assert debit == DebitScheduled(
        end_to_end_id="OM9742026T30974000789",
        amount=Decimal("1234.56"),
        collection_date=date(2026, 10, 26),
        rum="RUM-1",
        iban=MANDATE.iban,
        bic=MANDATE.bic,
        holder="Savonnerie",
        signed_on=date(2026, 9, 30),
    )


def test_the_first_debit_under_a_mandate_is_frst_the_next_ones_rcur() -> None:
    """EPC SDD rulebooks, sequence type: FRST for the first collection of a mandate, RCUR for the next."""
    files = CollectionFiles("974")
    first = issue(files, [pending("A", "10.00", date(2026, 10, 24)), pending("B", "20.00", date(2026, 10, 24))])
    [issued] = first
    assert [(d.end_to_end_id, d.sequence_type) for d in issued.debits] == [("A", "FRST"), ("B", "RCUR")]
    files.apply(issued)
    [later] = issue(files, [pending("C", "30.00", date(2026, 11, 24))], day=date(2026, 11, 24))
    assert [d.sequence_type for d in later.debits] == ["RCUR"]


def test_every_debit_is_presented_in_one_file_only() -> None:
    files = CollectionFiles("974")
    debits = [pending("A", "10.00", date(2026, 10, 24))]
    [issued] = issue(files, debits)
    files.apply(issued)
    with pytest.raises(DomainError) as refused:
        issue(files, debits)
    assert refused.value.field == "collection_date" and "Aucun prélèvement" in refused.value.detail


def test_a_file_holds_the_debits_due_that_day_and_those_left_behind() -> None:
    files = CollectionFiles("974")
    early, on_day, later = (
        pending("A", "1.00", date(2026, 9, 24)),
        pending("B", "2.00", date(2026, 10, 24)),
        pending("C", "3.00", date(2026, 11, 24)),
    )
    [issued] = issue(files, [later, on_day, early])
    assert [d.end_to_end_id for d in issued.debits] == ["A", "B"]
    assert issued.file_id == "DOMINO-974-20261026-001"


@pytest.mark.parametrize("day", [date(2026, 10, 20), date(2026, 10, 24), date(2026, 10, 19)])
def test_a_file_is_for_a_later_target_day(day: date) -> None:
    """Presented at the latest one TARGET day before its collection date: not today, not a closed day."""
    with pytest.raises(DomainError) as refused:
        issue(CollectionFiles("974"), [pending("A", "1.00", date(2026, 10, 24))], day=day)
    assert refused.value.field == "collection_date"


def test_a_debit_is_presented_only_under_its_mandate_still_in_force_and_for_what_is_left_to_pay() -> None:
    """EPC SDD rulebook: no collection without a valid mandate; and nothing collected twice."""
    debit = pending("A", "100.00", date(2026, 10, 24)).debit
    assert presentable(debit, MANDATE, Decimal("100.00")) == debit
    assert presentable(debit, None, Decimal("100.00")) is None  # revoked since
    replaced = MandateDetails("RUM-2", MANDATE.iban, MANDATE.bic, MANDATE.holder, MANDATE.signed_on)
    assert presentable(debit, replaced, Decimal("100.00")) is None  # a new mandate: the old one debits nothing
    assert presentable(debit, MANDATE, Decimal("0.00")) is None  # paid meanwhile by card or transfer
    partly = presentable(debit, MANDATE, Decimal("40.00"))
    assert partly is not None and partly.amount == Decimal("40.00")

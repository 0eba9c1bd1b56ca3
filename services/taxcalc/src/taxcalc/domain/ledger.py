"""The credit ledger of a relation: the credit each filed declaration carries forward (boxes 14
and 26), and what the next declaration receives in boxes 10 and 22."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from contracts.events.taxcalc import CreditCarriedForward

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class LedgerEntry:
    declaration_id: str
    year: int
    quarter: int
    om_credit: Decimal
    omr_credit: Decimal

    @property
    def period(self) -> tuple[int, int]:
        return (self.year, self.quarter)


@dataclass(frozen=True)
class CarriedCredit:
    """Credit carried into a declaration: box 10 (OM) and box 22 (OMR)."""

    om: Decimal = ZERO
    omr: Decimal = ZERO

    def as_boxes(self) -> dict[str, Decimal]:
        return {"10": self.om, "22": self.omr}


class CreditLedger:
    """One entry per filed quarter; filing the same quarter again replaces its entry."""

    def __init__(self, relation_id: str, entries: Iterable[LedgerEntry] = ()) -> None:
        self.relation_id = relation_id
        self._entries: dict[tuple[int, int], LedgerEntry] = {}
        for entry in entries:
            self._entries[entry.period] = entry

    @classmethod
    def from_events(cls, relation_id: str, events: Iterable[CreditCarriedForward]) -> CreditLedger:
        ledger = cls(relation_id)
        for event in events:
            ledger = ledger.apply(event)
        return ledger

    def apply(self, event: CreditCarriedForward) -> CreditLedger:
        if event.relation_id != self.relation_id:
            raise ValueError(f"l'écriture de la relation {event.relation_id} n'appartient pas à {self.relation_id}")
        return self.record(
            LedgerEntry(
                declaration_id=event.declaration_id,
                year=event.year,
                quarter=event.quarter,
                om_credit=event.om_credit,
                omr_credit=event.omr_credit,
            )
        )

    def record(self, entry: LedgerEntry) -> CreditLedger:
        return CreditLedger(self.relation_id, [*self._entries.values(), entry])

    def entries(self) -> list[LedgerEntry]:
        return [self._entries[period] for period in sorted(self._entries)]

    def carried_into(self, year: int, quarter: int) -> CarriedCredit:
        """Boxes 14/26 of the latest filed quarter strictly before (year, quarter); nothing if none."""
        earlier = [period for period in self._entries if period < (year, quarter)]
        if not earlier:
            return CarriedCredit()
        entry = self._entries[max(earlier)]
        return CarriedCredit(om=entry.om_credit, omr=entry.omr_credit)

    def credit_event(self, entry: LedgerEntry) -> CreditCarriedForward:
        """The event that records a filed declaration's credit in this ledger."""
        return CreditCarriedForward(
            relation_id=self.relation_id,
            declaration_id=entry.declaration_id,
            year=entry.year,
            quarter=entry.quarter,
            om_credit=entry.om_credit,
            omr_credit=entry.omr_credit,
        )

"""The credit ledger of a relation: the credit each filed declaration carries forward (boxes 14
and 26), the credits of déclarations rectificatives waiting for the next declaration, and what that
declaration receives in boxes 10 and 22."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from contracts.events.taxcalc import CorrectionCredited, CreditCarriedForward

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
    """Credit carried into a declaration: box 10 (OM) and box 22 (OMR), and the rectificatives' credits in it."""

    om: Decimal = ZERO
    omr: Decimal = ZERO
    corrections: tuple[str, ...] = ()

    def as_boxes(self) -> dict[str, Decimal]:
        return {"10": self.om, "22": self.omr}


LedgerEvent = CreditCarriedForward | CorrectionCredited


class CreditLedger:
    """One entry per filed quarter (filing the same quarter again replaces its entry), and the credits of
    rectificatives not yet absorbed by a later declaration."""

    def __init__(
        self,
        relation_id: str,
        entries: Iterable[LedgerEntry] = (),
        pending: Iterable[LedgerEntry] = (),
    ) -> None:
        self.relation_id = relation_id
        self._entries: dict[tuple[int, int], LedgerEntry] = {}
        for entry in entries:
            self._entries[entry.period] = entry
        self._pending = {entry.declaration_id: entry for entry in pending}

    @classmethod
    def from_events(cls, relation_id: str, events: Iterable[LedgerEvent]) -> CreditLedger:
        ledger = cls(relation_id)
        for event in events:
            ledger = ledger.apply(event)
        return ledger

    def apply(self, event: LedgerEvent) -> CreditLedger:
        if event.relation_id != self.relation_id:
            raise ValueError(f"l'écriture de la relation {event.relation_id} n'appartient pas à {self.relation_id}")
        entry = LedgerEntry(
            declaration_id=event.declaration_id,
            year=event.year,
            quarter=event.quarter,
            om_credit=event.om_credit,
            omr_credit=event.omr_credit,
        )
        if isinstance(event, CorrectionCredited):
            return CreditLedger(self.relation_id, self._entries.values(), [*self._pending.values(), entry])
        absorbed = set(event.absorbed)
        left = [p for p in self._pending.values() if p.declaration_id not in absorbed]
        return CreditLedger(self.relation_id, [*self._entries.values(), entry], left)

    def record(self, entry: LedgerEntry) -> CreditLedger:
        return CreditLedger(self.relation_id, [*self._entries.values(), entry], self._pending.values())

    def pending(self) -> list[LedgerEntry]:
        """The rectificatives' credits waiting for a later declaration, oldest quarter first."""
        return sorted(self._pending.values(), key=lambda p: (p.period, p.declaration_id))

    def entries(self) -> list[LedgerEntry]:
        return [self._entries[period] for period in sorted(self._entries)]

    def carried_into(self, year: int, quarter: int) -> CarriedCredit:
        """Boxes 14/26 of the latest filed quarter strictly before (year, quarter), plus the credits of the
        rectificatives of earlier quarters not yet absorbed by a filed declaration; nothing if none."""
        earlier = [period for period in self._entries if period < (year, quarter)]
        entry = self._entries[max(earlier)] if earlier else None
        waiting = [p for p in self.pending() if p.period < (year, quarter)]
        return CarriedCredit(
            om=(entry.om_credit if entry else ZERO) + sum((p.om_credit for p in waiting), ZERO),
            omr=(entry.omr_credit if entry else ZERO) + sum((p.omr_credit for p in waiting), ZERO),
            corrections=tuple(p.declaration_id for p in waiting),
        )

    def credit_event(self, entry: LedgerEntry, absorbed: Iterable[str] = ()) -> CreditCarriedForward:
        """The event that records a filed declaration's credit in this ledger; `absorbed`, the rectificatives'
        credits its boxes 10/22 took in."""
        return CreditCarriedForward(
            relation_id=self.relation_id,
            declaration_id=entry.declaration_id,
            year=entry.year,
            quarter=entry.quarter,
            om_credit=entry.om_credit,
            omr_credit=entry.omr_credit,
            absorbed=list(absorbed),
        )

    def correction_event(self, entry: LedgerEntry) -> CorrectionCredited:
        """The event that records a rectificative's credit, waiting for the next declaration."""
        return CorrectionCredited(
            relation_id=self.relation_id,
            declaration_id=entry.declaration_id,
            year=entry.year,
            quarter=entry.quarter,
            om_credit=entry.om_credit,
            omr_credit=entry.omr_credit,
        )

"""Given-side builders for taxcalc's handler tests: a declaration's consumed events, an in-memory unit of work."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from chassis.memory import MemoryEventStore, MemoryTransaction
from contracts.envelope import SYSTEM, EventEnvelope
from contracts.events.declarations import (
    DeclarantDetailsSet,
    DeclarationDrafted,
    DeclarationFiled,
    DeductionsEntered,
    LineAdded,
)
from contracts.recorded import Recorded
from contracts.registry import event_type
from contracts.types import Territory
from taxcalc.application.assessor import Assessor
from taxcalc.application.unit_of_work import TaxcalcUnitOfWork
from taxcalc.domain.tariff import Tariff
from taxcalc.domain.under_assessment import DeclarationUnderAssessment

DECLARATION = "decl-rel-974-0001-2026-Q1"
RELATION = "rel-974-0001"


def drafted(declaration_id: str = DECLARATION, year: int = 2026, quarter: int = 1) -> DeclarationDrafted:
    return DeclarationDrafted(
        declaration_id=declaration_id,
        relation_id=RELATION,
        relation_number="0974000789",
        siret="41234567000019",
        establishment="Savonnerie Bourbon",
        office="974001",
        year=year,
        quarter=quarter,
        due_date=date(year, quarter * 3 + 1, 24) if quarter < 4 else date(year + 1, 1, 24),
    )


def line(line_id: str, nomenclature: str = "33051000", price: str = "10000.00", annex: str = "A") -> LineAdded:
    return LineAdded(line_id=line_id, annex=annex, nomenclature=nomenclature, price_excl_tax=Decimal(price))


DETAILS = DeclarantDetailsSet(name="Marie", quality="representant", place="Le Port", payment_method="telepaiement")


def deductions(**om: str) -> DeductionsEntered:
    return DeductionsEntered.model_validate({"om": {"amounts": om}, "omr": {}})


def filed(boxes: dict[str, str], version: int, total_due: str = "0.00") -> DeclarationFiled:
    return DeclarationFiled(
        filed_at=datetime(2026, 4, 10, tzinfo=UTC),
        totals_version=version,
        boxes={k: Decimal(v) for k, v in boxes.items()},
        total_due=Decimal(total_due),
        late=False,
        days_late=0,
        declarant_email="producteur@example.org",
    )


def envelope(stream_id: str, version: int, event: BaseModel, territory: Territory = "974") -> EventEnvelope:
    spec = event_type(type(event).__name__)
    return EventEnvelope(
        type=spec.name,
        schema_version=spec.version,
        stream_id=stream_id,
        stream_type=spec.stream_type,
        version=version,
        territory=territory,
        actor=SYSTEM,
        correlation_id="tests",
        data=event.model_dump(mode="json"),
    )


def history(*events: BaseModel, stream_id: str = DECLARATION) -> list[Recorded[BaseModel]]:
    """The declaration's events as taxcalc consumed them, versions 1, 2, 3…"""
    return [Recorded.of(envelope(stream_id, n, e)) for n, e in enumerate(events, start=1)]


def under_assessment(*events: BaseModel, own: tuple[BaseModel, ...] = ()) -> DeclarationUnderAssessment:
    own_history = [Recorded.of(envelope(f"assess-{DECLARATION}", n, e)) for n, e in enumerate(own, start=1)]
    return DeclarationUnderAssessment.fold(history(*events), own_history)


class Tariffs:
    def __init__(self, tariff: Tariff) -> None:
        self.tariff = tariff

    async def of(self, territory: Territory) -> Tariff:
        return self.tariff


@dataclass
class Drafts:
    """The drafts the read model would name: every declaration received but not filed."""

    store: MemoryEventStore
    filed: set[str] = field(default_factory=set)

    async def later_than(self, relation_id: str, year: int, quarter: int) -> list[str]:
        found = []
        for stream_id, events in self.store.received.items():
            first = Recorded.of(events[0]).event
            assert isinstance(first, DeclarationDrafted)
            after = (first.year, first.quarter) > (year, quarter)
            if first.relation_id == relation_id and after and stream_id not in self.filed:
                found.append(stream_id)
        return found

    async def without_rate(self, territory: str) -> list[str]:
        return [s for s in self.store.received if s not in self.filed]


class Given:
    """An in-memory store where declarations' events are received, as the consumer records them."""

    def __init__(self, tariff: Tariff, *, served: tuple[str, ...] = ("974",), **overrides: Any) -> None:
        self.served = served
        self.store = MemoryEventStore()
        self.tariffs = Tariffs(tariff)
        self.drafts = Drafts(self.store)
        self.overrides = overrides

    def uow(self, tx: MemoryTransaction) -> TaxcalcUnitOfWork:
        return TaxcalcUnitOfWork.over(
            tx, self.tariffs, self.drafts, served=self.served, threshold_overrides=self.overrides
        )

    def receive(self, *events: BaseModel, stream_id: str = DECLARATION) -> list[Recorded[BaseModel]]:
        start = len(self.store.received.get(stream_id, [])) + 1
        received = []
        for version, event in enumerate(events, start=start):
            received.append(self.store.receive(envelope(stream_id, version, event)))
            if isinstance(event, DeclarationFiled):
                self.drafts.filed.add(stream_id)
        return received

    async def consume(
        self, *events: BaseModel, stream_id: str = DECLARATION, versions: list[int] | None = None
    ) -> None:
        """Each event received then reacted to, one after the other, as the consumer does (at the given
        stream versions, to play a broker that lost or reordered some)."""
        policy = Assessor(self.uow)
        for n, event in enumerate(events):
            if versions is None:
                [received] = self.receive(event, stream_id=stream_id)
            else:
                received = self.store.receive(envelope(stream_id, versions[n], event))

            async def react(tx: MemoryTransaction, received: Recorded[BaseModel] = received) -> None:
                await policy.dispatch(received, self.uow(tx))

            await self.store.run(react)

    def assessed(self, declaration_id: str = DECLARATION) -> list[BaseModel]:
        return self.store.events(f"assess-{declaration_id}")

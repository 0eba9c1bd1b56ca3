"""What taxcalc's handlers work with, bound to one transaction: the declarations under assessment, the
credit ledgers and tariffs (event-sourced), and two queries of its read models.

Adapters implement the queries on MongoDB; unit tests use lists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from pydantic import BaseModel

from chassis.repository import Loaded, Repository, recorded
from chassis.unit_of_work import EventStreams
from contracts.events.declarations import DeclarationDrafted
from contracts.events.taxcalc import (
    CorrectionCredited,
    CreditCarriedForward,
    DeclarationAssessed,
    LineAssessed,
    TariffPublished,
    TotalsProjected,
)
from contracts.recorded import Recorded
from contracts.types import Territory
from taxcalc.domain.ledger import CreditLedger
from taxcalc.domain.tariff import Tariff
from taxcalc.domain.under_assessment import DeclarationUnderAssessment, assessment_stream


def ledger_stream(relation_id: str) -> str:
    return f"ledger-{relation_id}"


def tariff_stream(territory: str) -> str:
    return f"tariff-{territory}"


class TariffInForce(Protocol):
    """The latest tariff published for a territory (from the tariffs read model)."""

    async def of(self, territory: Territory) -> Tariff: ...


class Drafts(Protocol):
    """Which declarations still in draft an event concerns (from the declarations read model)."""

    async def later_than(self, relation_id: str, year: int, quarter: int) -> list[str]: ...

    async def without_rate(self, territory: str) -> list[str]: ...


class Assessments:
    """Declarations under assessment: folded from the declaration's consumed events and `assess-<id>`."""

    def __init__(self, streams: EventStreams) -> None:
        self.streams = streams
        self.own = Repository(streams, lambda _: None)

    async def get(self, declaration_id: str) -> Loaded[DeclarationUnderAssessment] | None:
        """None for a declaration whose drafting taxcalc never received."""
        received = [Recorded.of(e) for e in await self.streams.read_received(declaration_id)]
        if not received or not isinstance(received[0].event, DeclarationDrafted):
            return None
        stream = assessment_stream(declaration_id)
        own = await self.streams.read_stream(stream)
        aggregate = DeclarationUnderAssessment.fold(received, recorded(own))
        return Loaded(stream, aggregate, len(own), aggregate.territory)

    async def save(self, loaded: Loaded[DeclarationUnderAssessment], events: Sequence[BaseModel]) -> None:
        await self.own.save(loaded.stream_id, events, expected_version=loaded.version, territory=loaded.territory)


def credit_ledger(events: Sequence[Recorded[BaseModel]]) -> CreditLedger:
    entries = [e.event for e in events if isinstance(e.event, CreditCarriedForward | CorrectionCredited)]
    return CreditLedger.from_events(entries[0].relation_id, entries)


def assessment_trail(events: Sequence[Recorded[BaseModel]]) -> dict[str, object]:
    """What taxcalc's own stream of a declaration records at a point: each line's last assessment, the last
    totals projected and the assessment at filing (the auditors' view of an `assess-<id>` stream)."""
    lines: dict[str, LineAssessed] = {}
    totals: TotalsProjected | None = None
    assessed: DeclarationAssessed | None = None
    for event in events:
        match event.event:
            case LineAssessed() as line:
                lines[line.line_id] = line
            case TotalsProjected() as projected:
                totals = projected
            case DeclarationAssessed() as filed:
                assessed = filed
    return {"lines": lines, "totals": totals, "assessed": assessed}


def last_published(events: Sequence[Recorded[BaseModel]]) -> TariffPublished:
    published = [e.event for e in events if isinstance(e.event, TariffPublished)]
    return published[-1]


@dataclass
class TaxcalcUnitOfWork:
    assessments: Assessments
    ledgers: Repository[CreditLedger]
    tariffs: Repository[TariffPublished]
    tariff_in_force: TariffInForce
    drafts: Drafts
    served: Sequence[str] = ()
    threshold_overrides: Mapping[str, Decimal] = field(default_factory=dict)
    """The refund thresholds a deployment sets instead of the dated defaults (DOMAIN §1, unconfirmed)."""

    @classmethod
    def over(
        cls,
        streams: EventStreams,
        tariff_in_force: TariffInForce,
        drafts: Drafts,
        *,
        served: Sequence[str],
        threshold_overrides: Mapping[str, Decimal],
    ) -> TaxcalcUnitOfWork:
        return cls(
            assessments=Assessments(streams),
            ledgers=Repository(streams, credit_ledger),
            tariffs=Repository(streams, last_published),
            tariff_in_force=tariff_in_force,
            drafts=drafts,
            served=served,
            threshold_overrides=threshold_overrides,
        )

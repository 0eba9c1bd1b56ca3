"""What a declarations handler works with, bound to one transaction: the declarations (event-sourced),
the relations it may declare for, the totals taxcalc projected, and this deployment's settings.

Adapters implement the two queries on MongoDB and the reference files; unit tests use dictionaries.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel

from chassis.repository import Repository
from chassis.unit_of_work import EventStreams
from contracts.envelope import utc_now
from contracts.events.declarations import FilingReminderIssued
from contracts.recorded import Recorded
from declarations.domain.canas import CanaMeasures
from declarations.domain.collection.card import CardPayments
from declarations.domain.collection.files import CollectionFiles, PendingDebit
from declarations.domain.collection.mandate import Mandates
from declarations.domain.collection.reconciliation import KnownPayments
from declarations.domain.collection.statement import StatementRecord
from declarations.domain.declaration import Declaration
from declarations.domain.drafting import Relation
from declarations.domain.filing import Totals

Clock = Callable[[], datetime]


class RelationDirectory(Protocol):
    """The relations (a user's right on one establishment) of the served territories."""

    def relation(self, relation_id: str) -> Relation | None: ...

    def relations(self) -> Sequence[Relation]: ...


class ProjectedTotals(Protocol):
    """The latest totals taxcalc projected for a declaration, as declarations received them."""

    async def of(self, declaration_id: str) -> Totals | None: ...


class TariffCanas(Protocol):
    """The CANA measures of a territory's tariff, as taxcalc last published it; None before any."""

    async def of(self, territory: str) -> CanaMeasures | None: ...


class CollectionQueries(Protocol):
    """What the collection reads across declarations: the debits not yet in a file, and what a statement's
    references name."""

    async def pending_debits(self, territory: str) -> list[PendingDebit]: ...

    async def mandate_reference_used(self, territory: str, rum: str, relation_id: str) -> bool: ...

    async def known_payments(
        self, territory: str, end_to_end_ids: Collection[str], creditor_references: Collection[str]
    ) -> KnownPayments: ...


class NoTariff:
    """No tariff known: taxcalc alone judges the CANAs (tests that do not need the list)."""

    async def of(self, territory: str) -> CanaMeasures | None:
        return None


@dataclass
class DeclarationsUnitOfWork:
    declarations: Repository[Declaration]
    relations: RelationDirectory
    totals: ProjectedTotals
    served: Sequence[str]
    canas: TariffCanas = field(default_factory=NoTariff)
    reminders: Repository[ReminderHistory] | None = None
    """The reminders issued per relation and quarter (the scheduler's); None where no handler needs them."""
    payment_methods: Sequence[str] | None = None
    """Narrows the payment methods a declarant may choose (the domain's list when None)."""
    clock: Clock = field(default=utc_now)
    mandates: Repository[Mandates] | None = None
    collections: Repository[CollectionFiles] | None = None
    statements: Repository[StatementRecord] | None = None
    cards: Repository[CardPayments] | None = None
    collection: CollectionQueries | None = None
    """The collection's streams and queries; None where no handler needs them (unit tests of declaring)."""


def declarations(streams: EventStreams) -> Repository[Declaration]:
    return Repository(streams, Declaration.from_recorded)


@dataclass(frozen=True)
class ReminderHistory:
    """The reminders issued for one relation and quarter."""

    issued: tuple[FilingReminderIssued, ...]

    @classmethod
    def from_recorded(cls, events: Sequence[Recorded[BaseModel]]) -> ReminderHistory:
        return cls(tuple(e.event for e in events if isinstance(e.event, FilingReminderIssued)))


def reminder_stream(relation_id: str, year: int, quarter: int) -> str:
    return f"reminder-{relation_id}-{year}-Q{quarter}"


def reminders(streams: EventStreams) -> Repository[ReminderHistory]:
    return Repository(streams, ReminderHistory.from_recorded)


def mandates(streams: EventStreams) -> Repository[Mandates]:
    return Repository(streams, Mandates.from_recorded)


def collections(streams: EventStreams) -> Repository[CollectionFiles]:
    return Repository(streams, CollectionFiles.from_recorded)


def statements(streams: EventStreams) -> Repository[StatementRecord]:
    return Repository(streams, StatementRecord.from_recorded)


def cards(streams: EventStreams) -> Repository[CardPayments]:
    return Repository(streams, CardPayments.from_recorded)

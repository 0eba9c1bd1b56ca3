"""What a declarations handler works with, bound to one transaction: the declarations (event-sourced),
the relations it may declare for, the totals taxcalc projected, and this deployment's settings.

Adapters implement the two queries on MongoDB and the reference files; unit tests use dictionaries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from chassis.repository import Repository
from chassis.unit_of_work import EventStreams
from contracts.envelope import utc_now
from declarations.domain.declaration import Declaration, Relation
from declarations.domain.filing import Totals

Clock = Callable[[], datetime]


class RelationDirectory(Protocol):
    """The relations (a user's right on one establishment) of the served territories."""

    def relation(self, relation_id: str) -> Relation | None: ...

    def relations(self) -> Sequence[Relation]: ...


class ProjectedTotals(Protocol):
    """The latest totals taxcalc projected for a declaration, as declarations received them."""

    async def of(self, declaration_id: str) -> Totals | None: ...


@dataclass
class DeclarationsUnitOfWork:
    declarations: Repository[Declaration]
    relations: RelationDirectory
    totals: ProjectedTotals
    served: Sequence[str]
    payment_methods: Sequence[str] | None = None
    """Narrows the payment methods a declarant may choose (the domain's list when None)."""
    clock: Clock = field(default=utc_now)


def declarations(streams: EventStreams) -> Repository[Declaration]:
    return Repository(streams, Declaration.from_recorded)

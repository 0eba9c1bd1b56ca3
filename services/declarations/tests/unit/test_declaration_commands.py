"""The command handlers on an in-memory unit of work: given a stream, when a command, then the events
appended (with the actor and the version) or a refusal that appends nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any, TypeVar

import pytest

from chassis.http.auth import Principal
from chassis.memory import MemoryEventStore, MemoryTransaction
from contracts.errors import ConcurrencyError, Conflict, Forbidden, NotFound
from contracts.events.declarations import DeclarationDrafted, DeclarationFiled, LineAdded
from declarations.application import commands
from declarations.application.unit_of_work import DeclarationsUnitOfWork, declarations
from declarations.domain.drafting import Relation
from declarations.domain.filing import Totals
from declarations.domain.lines import LineEntry

from declarations_given import MARTINIQUE, drafted, utc

R = TypeVar("R")
STREAM = commands.declaration_id(MARTINIQUE.relation_id, 2024, 1)
NOW = utc(2024, 4, 10)  # Q1 2024 has ended; due on 24 April
DECLARANT = Principal(id="decl-1", roles=("declarant",), email="marie@example.org", relations=(MARTINIQUE.relation_id,))
STRANGER = Principal(id="decl-2", roles=("declarant",), relations=("rel-972-9",))
AGENT = Principal(id="agent-1", roles=("agent",), territories=("972",))


class Relations:
    def __init__(self, *relations: Relation) -> None:
        self.by_id = {r.relation_id: r for r in relations}

    def relation(self, relation_id: str) -> Relation | None:
        return self.by_id.get(relation_id)

    def relations(self) -> Sequence[Relation]:
        return list(self.by_id.values())


class FixedTotals:
    def __init__(self, totals: Totals | None = None) -> None:
        self.totals = totals

    async def of(self, declaration_id: str) -> Totals | None:
        return self.totals


class Given:
    """A memory store, and how to run a handler on it as the HTTP API would."""

    def __init__(self, *, served: Sequence[str] = ("972",), totals: Totals | None = None) -> None:
        self.store = MemoryEventStore()
        self.served = served
        self.totals = FixedTotals(totals)

    def uow(self, tx: MemoryTransaction) -> DeclarationsUnitOfWork:
        return DeclarationsUnitOfWork(
            declarations=declarations(tx),
            relations=Relations(MARTINIQUE, replace(MARTINIQUE, relation_id="rel-972-9")),
            totals=self.totals,
            served=self.served,
            clock=lambda: NOW,
        )

    async def run(
        self, handler: Callable[[Any, Principal, DeclarationsUnitOfWork], Awaitable[R]], command: Any, who: Principal
    ) -> R:
        async def work(tx: MemoryTransaction) -> R:
            return await handler(command, who, self.uow(tx))

        return await self.store.run(work, actor=who.actor)

    async def drafted(self) -> None:
        command = commands.DraftDeclaration(relation_id=MARTINIQUE.relation_id, year=2024, quarter=1)
        await self.run(commands.draft_declaration, command, DECLARANT)

    def add(self, price: str = "1000.00", **changes: Any) -> commands.AddLine:
        line = LineEntry(annex="A", nomenclature="22084011", price_excl_tax=price)
        return commands.AddLine(declaration_id=STREAM, line_id="l-1", line=line, **changes)


async def test_drafting_appends_the_declaration_as_its_declarant() -> None:
    given = Given()
    await given.drafted()
    assert given.store.events(STREAM) == [drafted(2024, 1, STREAM)]
    [stored] = given.store.streams[STREAM]
    assert stored.actor == DECLARANT.actor and stored.territory == "972" and stored.version == 1


async def test_drafting_the_same_quarter_twice_is_a_conflict_naming_the_first() -> None:
    given = Given()
    await given.drafted()
    with pytest.raises(Conflict) as refused:
        await given.drafted()
    assert refused.value.extra == {"existing_id": STREAM} and refused.value.field == "quarter"
    assert len(given.store.streams[STREAM]) == 1


async def test_drafting_for_another_declarants_relation_is_forbidden() -> None:
    given = Given()
    command = commands.DraftDeclaration(relation_id=MARTINIQUE.relation_id, year=2024, quarter=1)
    with pytest.raises(Forbidden):
        await given.run(commands.draft_declaration, command, STRANGER)
    assert given.store.streams == {}


async def test_drafting_in_a_territory_this_deployment_does_not_serve_is_forbidden() -> None:
    given = Given(served=("974",))
    with pytest.raises(Forbidden) as refused:
        await given.drafted()
    assert refused.value.field == "territory" and given.store.streams == {}


async def test_a_line_is_appended_after_the_version_read() -> None:
    given = Given()
    await given.drafted()
    await given.run(commands.add_line, given.add(), DECLARANT)
    added = given.store.events(STREAM)[-1]
    assert isinstance(added, LineAdded) and added.price_excl_tax == Decimal("1000.00")
    assert [e.version for e in given.store.streams[STREAM]] == [1, 2]


async def test_a_command_decided_on_a_stale_version_appends_nothing() -> None:
    given = Given()
    await given.drafted()
    with pytest.raises(ConcurrencyError):
        await given.run(commands.add_line, given.add(expected_version=7), DECLARANT)
    assert len(given.store.streams[STREAM]) == 1


async def test_an_agent_may_not_declare() -> None:
    given = Given()
    await given.drafted()
    with pytest.raises(Forbidden):
        await given.run(commands.add_line, given.add(), AGENT)


async def test_a_command_on_an_unknown_declaration_is_not_found() -> None:
    with pytest.raises(NotFound) as refused:
        await Given().run(commands.add_line, Given().add(), DECLARANT)
    assert refused.value.field == "id"


async def test_filing_waits_for_the_totals() -> None:
    given = Given()
    await given.drafted()
    with pytest.raises(Conflict) as refused:
        await given.run(commands.file_declaration, commands.FileDeclaration(declaration_id=STREAM), DECLARANT)
    assert refused.value.code == "totaux-en-attente"


async def test_filing_records_the_totals_of_the_current_version() -> None:
    totals = Totals(declaration_version=2, boxes={"15": Decimal("25.00")}, total_due=Decimal("25.00"))
    given = Given(totals=totals)
    await given.drafted()
    details = commands.SetDeclarantDetails(
        declaration_id=STREAM, name="Marie", quality="representant", place="Fort-de-France", payment_method="virement"
    )
    await given.run(commands.set_declarant_details, details, DECLARANT)
    await given.run(commands.file_declaration, commands.FileDeclaration(declaration_id=STREAM), DECLARANT)
    filed = given.store.events(STREAM)[-1]
    assert isinstance(filed, DeclarationFiled)
    assert filed.total_due == Decimal("25.00") and filed.declarant_email == "marie@example.org"
    assert isinstance(given.store.events(STREAM)[0], DeclarationDrafted)

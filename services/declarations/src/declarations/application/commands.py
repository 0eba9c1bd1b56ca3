"""Command handlers: load the declaration in a transaction, let the domain decide, append its events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from chassis.eventstore import Metadata, NewEvent
from chassis.http.auth import Principal
from chassis.logging import correlation_id
from chassis.unit_of_work import Transaction, UnitOfWork
from contracts.errors import ConcurrencyError, Conflict, Forbidden, NotFound
from declarations.adapters.reference import ReferenceData
from declarations.application.projections import VIEW
from declarations.domain import declaration as domain
from declarations.domain.declaration import Declaration
from declarations.domain.filing import Totals

Clock = Callable[[], datetime]


def declaration_id(relation_id: str, year: int, quarter: int) -> str:
    """One stream per relation and quarter: a second draft conflicts on the stream's first version."""
    return f"decl-{relation_id}-{year}-Q{quarter}"


@dataclass
class Handlers:
    uow: UnitOfWork
    reference: ReferenceData
    served: Sequence[str]
    clock: Clock = lambda: datetime.now(UTC)
    payment_methods: Sequence[str] | None = None

    def _meta(self) -> Metadata:
        return Metadata(correlation_id=correlation_id.get() or "none")

    def _served(self, territory: str) -> None:
        if territory not in self.served:
            raise Forbidden(f"Ce déploiement ne traite pas le territoire {territory}.", field="territory")

    async def draft(self, who: Principal, relation_id: str, year: int, quarter: int) -> str:
        who.require("declarant", "admin")
        relation = self.reference.relation_for(who, relation_id, acting=True)
        self._served(relation.territory)
        stream = declaration_id(relation_id, year, quarter)

        async def work(tx: Transaction) -> None:
            if await tx.store.head(stream, tx.session) is not None:
                raise _already(stream)
            events = domain.draft(stream, relation.as_domain(), year=year, quarter=quarter, now=self.clock())
            await tx.append(stream, 0, self._wrap(events, relation.territory, who), self._meta())

        try:
            await self.uow.run(work)
        except ConcurrencyError:
            raise _already(stream) from None
        return stream

    async def _execute(
        self,
        who: Principal,
        stream: str,
        expected: int | None,
        decide: Callable[[Declaration, Transaction], Awaitable[Sequence[BaseModel]]],
    ) -> None:
        """Loads the declaration in a transaction, checks who may act on it, lets `decide` return the
        events, appends them at the version read."""
        who.require("declarant", "admin")

        async def work(tx: Transaction) -> None:
            history = await tx.read_stream(stream)
            if not history:
                raise NotFound(f"Déclaration {stream} introuvable.", field="id")
            current = Declaration.from_envelopes(history)
            self.reference.relation_for(who, current.relation_id, acting=True)
            self._served(current.territory)
            if expected is not None and expected != current.version:
                raise ConcurrencyError(stream, expected, current.version)
            events = await decide(current, tx)
            await tx.append(stream, current.version, self._wrap(events, current.territory, who), self._meta())

        await self.uow.run(work)

    def _wrap(self, events: Sequence[BaseModel], territory: str, who: Principal) -> list[NewEvent]:
        return [NewEvent(e, territory=territory, actor=who.actor) for e in events]

    async def _decided(
        self, who: Principal, stream: str, expected: int | None, decide: Callable[[Declaration], Sequence[BaseModel]]
    ) -> None:
        """`_execute` for the commands the domain decides alone, from the declaration."""

        async def decided(current: Declaration, _tx: Transaction) -> Sequence[BaseModel]:
            return decide(current)

        await self._execute(who, stream, expected, decided)

    async def set_declarant(self, who: Principal, stream: str, expected: int | None, **details: Any) -> None:
        if self.payment_methods:
            methods = tuple(self.payment_methods)
            await self._decided(
                who, stream, expected, lambda d: d.set_declarant_details(**details, accepted_payment_methods=methods)
            )
        else:
            await self._decided(who, stream, expected, lambda d: d.set_declarant_details(**details))

    async def add_line(self, who: Principal, stream: str, expected: int | None, line_id: str, **fields: Any) -> None:
        await self._decided(who, stream, expected, lambda d: d.add_line(line_id=line_id, **fields))

    async def remove_line(self, who: Principal, stream: str, expected: int | None, line_id: str) -> None:
        await self._decided(who, stream, expected, lambda d: d.remove_line(line_id))

    async def declare_turnover(self, who: Principal, stream: str, expected: int | None, amount: Any) -> None:
        await self._decided(who, stream, expected, lambda d: d.declare_annual_turnover(amount))

    async def enter_deductions(
        self, who: Principal, stream: str, expected: int | None, om: dict[str, Any], omr: dict[str, Any]
    ) -> None:
        await self._decided(who, stream, expected, lambda d: d.enter_deductions(om, omr))

    async def file(self, who: Principal, stream: str, expected: int | None) -> None:
        async def decide(current: Declaration, tx: Transaction) -> Sequence[BaseModel]:
            view = await tx.db[VIEW].find_one({"_id": stream}, session=tx.session)
            projected = (view or {}).get("totals")
            if projected is None:
                raise Conflict(
                    f"Les totaux ne sont pas encore calculés pour la version {current.version} de la déclaration.",
                    field="totals",
                    code="totaux-en-attente",
                )
            totals = Totals(
                declaration_version=int(projected["version"]),
                boxes={k: Decimal(v) for k, v in projected["boxes"].items()},
                total_due=Decimal(projected["total_due"]),
                errors=tuple(projected.get("errors") or ()),
                warnings=tuple(projected.get("warnings") or ()),
                complete=bool(projected.get("complete", True)),
            )
            return current.file(totals, now=self.clock(), declarant_email=who.email or None)

        await self._execute(who, stream, expected, decide)


def _already(stream: str) -> Conflict:
    return Conflict(
        "Une déclaration existe déjà pour cette relation et ce trimestre.",
        field="quarter",
        code="declaration-existante",
        extra={"existing_id": stream},
    )

"""Runs a command handler `(command, principal, uow)` in one transaction, as the caller.

The handler is a plain async function of the service's application layer; `uow` is the service's
unit of work (its repositories and queries) bound to the transaction. A transient conflict runs the
handler again from the start, so a handler does nothing outside the transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from chassis.http.auth import Principal
from chassis.unit_of_work import Transaction, UnitOfWork

C = TypeVar("C")
R = TypeVar("R")
U = TypeVar("U")

Handler = Callable[[C, Principal, U], Awaitable[R]]


class Commands(Generic[U]):
    def __init__(self, uow: UnitOfWork, bind: Callable[[Transaction], U]) -> None:
        self.uow = uow
        self.bind = bind

    async def run(self, handler: Callable[[C, Principal, U], Awaitable[R]], command: C, who: Principal) -> R:
        async def work(tx: Transaction) -> R:
            return await handler(command, who, self.bind(tx))

        # read when an event is appended: by then the handler's checks said in which role the caller acts
        return await self.uow.run(work, actor=lambda: who.actor)

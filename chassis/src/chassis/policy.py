"""Policies: what a service does when it consumes another service's event, inside the consumer's transaction.

A policy's handlers are `@on(LineAdded) async def _(self, event: Recorded[LineAdded], uow: U) -> None`,
where `uow` is the service's unit of work bound to the transaction (its repositories and queries), so
a unit test calls `dispatch` with an in-memory one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from pydantic import BaseModel

from chassis.dispatch import Dispatch
from chassis.unit_of_work import Transaction
from contracts.recorded import Recorded

U = TypeVar("U")


class Policy(Dispatch, Generic[U]):
    def __init__(self, bind: Callable[[Transaction], U]) -> None:
        self.bind = bind

    async def dispatch(self, event: Recorded[BaseModel], uow: U) -> None:
        handler = self.handler_for(event)
        if handler is not None:
            await handler(event, uow)

    async def react(self, event: Recorded[BaseModel], tx: Transaction) -> None:
        if self.handler_for(event) is not None:
            await self.dispatch(event, self.bind(tx))

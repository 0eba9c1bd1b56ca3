"""Group commit: the transactions that queue for a store's positions commit together.

The transactions of one process that take positions from a store run one at a time (they would conflict on
the position counter otherwise; see `chassis.eventstore`). While one runs, others queue. Rather than running
them one after another, each with its own counter write and its own majority-journaled commit, the next
transaction runs the whole queue: each work in turn, in one session, then one commit. The works see each
other's writes in the order they ran, as they would have one after another; each caller gets its own result
when the group's commit is durable, never before.

A work that fails (a refused command, a stale stream, a bug) must not take the others down with it, nor leave
its half-done writes in theirs: the group is aborted and each of its works runs again alone, so each gets the
outcome it would have had alone. A transient conflict retries the group whole, as `in_transaction` does.
Each work runs in the context its caller had (its correlation id in the logs).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from chassis.mongo import in_transaction, transaction_scope, use_scope

T = TypeVar("T")
Work = Callable[[AsyncClientSession], Awaitable[T]]
MAX_GROUP = 32
"""Works committed together at most: a bound on what one failure makes run again."""


@dataclass
class _Queued(Generic[T]):
    work: Work[T]
    result: asyncio.Future[T]
    context: contextvars.Context = field(default_factory=contextvars.copy_context)


class GroupCommit:
    def __init__(self, client: AsyncMongoClient[dict[str, Any]], turn: asyncio.Lock, *, max_group: int = MAX_GROUP):
        self.client = client
        self.turn = turn
        self.max_group = max_group
        self._queue: list[_Queued[Any]] = []
        self._leader: asyncio.Task[None] | None = None
        self.groups = 0
        """Transactions that committed more than one work (a figure for `make bench` and the tests)."""
        self.split = 0
        """Groups aborted by one failing work, whose works then ran alone."""

    async def run(self, work: Work[T]) -> T:
        """Runs `work` in a majority-journaled transaction, alone or with others queued at the same time."""
        if not self._queue and not self.turn.locked() and (self._leader is None or self._leader.done()):
            # Nobody else: no queue to join, and no task to start. Whoever comes meanwhile queues behind.
            return await in_transaction(self.client, work, turns=(self.turn,))
        queued: _Queued[T] = _Queued(work, asyncio.get_running_loop().create_future())
        self._queue.append(queued)
        if self._leader is None or self._leader.done():
            # Its own task: a caller that goes away (a closed connection) does not abort the others' commit.
            self._leader = asyncio.create_task(self._lead())
        return await queued.result

    async def _lead(self) -> None:
        group: list[_Queued[Any]] = []
        try:
            while self._queue:
                group = []

                async def together(session: AsyncClientSession, group: list[_Queued[Any]] = group) -> list[Any]:
                    if not group:  # formed once its turn came: whoever queued meanwhile joins
                        group.extend(q for q in self._queue[: self.max_group] if not q.result.done())
                        del self._queue[: self.max_group]
                    scope = transaction_scope()
                    return [await _in_context(queued, queued.work(session), scope) for queued in group]

                try:
                    results = await in_transaction(self.client, together, turns=(self.turn,))
                except Exception as exc:
                    if len(group) == 1:
                        _settle(group[0], exception=exc)
                    else:  # one of them failed: each runs alone, for its own outcome
                        self.split += 1
                        for queued in group:
                            await self._alone(queued)
                    continue
                if len(group) > 1:
                    self.groups += 1
                for queued, result in zip(group, results, strict=True):
                    _settle(queued, result=result)
        except BaseException as exc:  # cancelled (the service stopping): so is every caller still waiting
            for queued in [*group, *self._queue]:
                _settle(queued, exception=exc)
            self._queue.clear()
            raise

    async def _alone(self, queued: _Queued[Any]) -> None:
        async def alone(session: AsyncClientSession) -> Any:
            return await _in_context(queued, queued.work(session), transaction_scope())

        try:
            result = await in_transaction(self.client, alone, turns=(self.turn,))
        except Exception as exc:
            _settle(queued, exception=exc)
        else:
            _settle(queued, result=result)


def _settle(queued: _Queued[Any], *, result: Any = None, exception: BaseException | None = None) -> None:
    if queued.result.done():  # its caller went away
        return
    if exception is not None:
        queued.result.set_exception(exception)
    else:
        queued.result.set_result(result)


async def _in_context(queued: _Queued[Any], work: Awaitable[T], scope: Any) -> T:
    """`work` run in its caller's context, joined to the group's transaction scope."""
    context = queued.context.copy()
    context.run(use_scope, scope)
    return await asyncio.create_task(_awaited(work), context=context)


async def _awaited(work: Awaitable[T]) -> T:
    return await work

"""Group commit: the transactions that queue for a store's positions commit together.

The transactions of one process that take positions from a store run one at a time (they would conflict on
the position counter otherwise; see `chassis.eventstore`). While one runs, others queue. Rather than running
them one after another, each with its own counter write and its own majority-journaled commit, the next
transaction runs the whole queue: each work in turn, in one session, then one commit. The works see each
other's writes in the order they ran, as they would have one after another; each caller gets its own result
when the group's commit is durable, never before.

A work that fails (a refused command, a stale stream, a bug) must not take the others down with it, nor leave
its half-done writes in theirs: the group is aborted, the failed work runs again alone (for the outcome it
would have had alone) and the others go on together. A transient conflict retries the group whole, as
`in_transaction` does; a database that stays away fails the whole group once. Each work runs in the context
its caller had (its correlation id in the logs).

A work taken into a transaction runs to its outcome even if its caller goes away (a closed connection, a
timeout): the caller is told it was cancelled only once that outcome is known, so nothing that commits is
ever reported as not done. A transaction started from inside another one of the process is refused at once
(it would wait for the turn its outer transaction holds). Every work takes the turn, even one that only
reads: a command does not know before it runs whether it will append.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import ConnectionFailure, PyMongoError

from chassis.mongo import in_transaction, is_transient, refuse_nested, transaction_scope, use_scope

T = TypeVar("T")
Work = Callable[[AsyncClientSession], Awaitable[T]]
MAX_GROUP = 32
"""Works committed together at most: a bound on what one failure makes run again."""


@dataclass
class _Queued(Generic[T]):
    work: Work[T]
    result: asyncio.Future[T]
    context: contextvars.Context = field(default_factory=contextvars.copy_context)
    taken: bool = False
    """Taken into a transaction: from then on it runs to its outcome, even if its caller goes away."""


class _WorkFailed(Exception):
    """One work of a group failed by itself (not the database, not the group)."""

    def __init__(self, queued: _Queued[Any], error: BaseException) -> None:
        super().__init__(repr(error))
        self.queued = queued
        self.error = error


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
        """Groups aborted by one failing work, which then ran alone while the others went on together."""

    async def run(self, work: Work[T]) -> T:
        """Runs `work` in a majority-journaled transaction, alone or with others queued at the same time.

        Raises at once when called from inside a transaction of this process (a work that would wait for the
        turn its own transaction holds). A caller cancelled once its work was taken into a transaction is
        cancelled only when that work's outcome is known: it never reports « not done » for what commits.
        """
        refuse_nested()
        if not self._queue and not self.turn.locked() and not self._leading:
            # Nobody else: no queue to join, and no task to start. Whoever comes meanwhile queues behind.
            return await in_transaction(self.client, work, turns=(self.turn,))
        queued: _Queued[T] = _Queued(work, asyncio.get_running_loop().create_future())
        self._queue.append(queued)
        if not self._leading:
            # Its own task, in a context of its own: a caller that goes away does not abort the others' commit.
            self._leader = asyncio.create_task(self._lead(), context=contextvars.Context())
        try:
            return await asyncio.shield(queued.result)
        except asyncio.CancelledError:
            if not queued.taken:
                queued.result.cancel()  # never run: the leader skips it
                raise
            while not queued.result.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait({queued.result})
            if not queued.result.cancelled():
                queued.result.exception()  # retrieved: its outcome was known, the caller had left
            raise

    @property
    def _leading(self) -> bool:
        return self._leader is not None and not self._leader.done()

    async def _lead(self) -> None:
        group: list[_Queued[Any]] = []
        try:
            while self._queue:
                group = []

                async def together(session: AsyncClientSession, group: list[_Queued[Any]] = group) -> list[Any]:
                    if not group:  # formed once its turn came: whoever queued meanwhile joins
                        group.extend(q for q in self._queue[: self.max_group] if not q.result.done())
                        del self._queue[: self.max_group]
                        for queued in group:
                            queued.taken = True
                    scope = transaction_scope()
                    return [await _own(queued, _in_context(queued, queued.work(session), scope)) for queued in group]

                try:
                    results = await in_transaction(self.client, together, turns=(self.turn,))
                except _WorkFailed as failed:
                    # The others go on together, first in the queue; the failed one runs alone, for the
                    # outcome it would have had alone (the others' writes were aborted with the group).
                    self.split += 1
                    self._queue[:0] = [q for q in group if q is not failed.queued]
                    await self._alone(failed.queued)
                    continue
                except Exception as exc:  # the database, not a work: every work gets it
                    for queued in group:
                        _settle(queued, exception=exc)
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
        except asyncio.CancelledError as exc:
            if _leader_cancelled():
                raise
            _settle(queued, exception=exc)  # the work's own
        except Exception as exc:
            _settle(queued, exception=exc)
        else:
            _settle(queued, result=result)


def _leader_cancelled() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def _own(queued: _Queued[Any], work: Awaitable[T]) -> T:
    """`work`'s result; its own failure as `_WorkFailed`, except what the transaction must see: a transient
    database error (the group is retried whole) or the leader's own cancellation."""
    try:
        return await work
    except PyMongoError as exc:
        if is_transient(exc) or isinstance(exc, ConnectionFailure):
            raise
        raise _WorkFailed(queued, exc) from exc
    except asyncio.CancelledError as exc:
        if _leader_cancelled():
            raise
        raise _WorkFailed(queued, exc) from exc
    except Exception as exc:
        raise _WorkFailed(queued, exc) from exc


def _settle(queued: _Queued[Any], *, result: Any = None, exception: BaseException | None = None) -> None:
    if queued.result.done():  # its caller went away before it was taken
        return
    if isinstance(exception, _WorkFailed):
        exception = exception.error
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

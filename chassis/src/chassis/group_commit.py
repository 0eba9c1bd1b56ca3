"""Group commit: the transactions that queue for a store's positions commit together.

The transactions of one process that take positions from a store run one at a time (they would conflict on
the position counter otherwise; see `chassis.eventstore`). While one runs, others queue. Rather than running
them one after another, each with its own counter write and its own majority-journaled commit, the next
transaction runs the whole queue: each work in turn, in one session, then one commit. The works see each
other's writes in the order they ran, as they would have one after another; each caller gets its own result
when the group's commit is durable, never before.

A work that fails (a refused command, a stale stream, a bug) must not take the others down with it, nor leave
its half-done writes in theirs: the group is aborted, the failed work runs again alone (for the outcome it
would have had alone) and the others go on together. A transient conflict raised by one work of a group is
that work's: it is split out at once and retried alone, the others go on together (retrying the group whole
would fail every work after 30 s of one work's conflicts). A conflict outside the works (the position counter,
the commit) retries the group whole, as `in_transaction` does; a database that stays away fails the whole group
once. Each work runs in the context its caller had (its correlation id in the logs).

A work taken into a transaction runs to its outcome even if its caller goes away (a closed connection, a
timeout), alone or in a group: a caller cancelled meanwhile gets its work's result when it committed, and
is told it was cancelled only when it did not, so nothing that commits is ever reported as not done.

A transaction started from inside another one of the process is refused at once (it would wait for the turn
its outer transaction holds). Every work takes the turn, even one that only
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

    def __init__(self, queued: _Queued[Any], error: BaseException, *, transient: bool = False) -> None:
        super().__init__(repr(error))
        self.queued = queued
        self.error = error
        self.transient = transient
        """A conflict: the work may well commit when retried alone."""


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
        self._retried: set[asyncio.Task[None]] = set()
        """Works split out of a group by a conflict, retried alone beside the next groups."""

    async def run(self, work: Work[T]) -> T:
        """Runs `work` in a majority-journaled transaction, alone or with others queued at the same time.

        Raises at once when called from inside a transaction of this process (a work that would wait for the
        turn its own transaction holds). A caller cancelled once its work was taken into a transaction is
        cancelled only when that work's outcome is known: it never reports « not done » for what commits.
        """
        refuse_nested()
        if not self._queue and not self.turn.locked() and not self._leading:
            # Nobody else: no queue to join, no leader. It runs alone, in a task of its own so that a caller
            # cancelled during its commit still learns the outcome; whoever comes meanwhile queues behind, and this
            # task leads their groups after it.
            alone: _Queued[T] = _Queued(work, asyncio.get_running_loop().create_future())
            self._leader = asyncio.create_task(self._lead_alone(alone))
            return await _outcome(alone)
        queued: _Queued[T] = _Queued(work, asyncio.get_running_loop().create_future())
        self._queue.append(queued)
        if not self._leading:
            # Its own task, in a context of its own: a caller that goes away does not abort the others' commit.
            self._leader = asyncio.create_task(self._lead(), context=contextvars.Context())
        return await _outcome(queued)

    @property
    def _leading(self) -> bool:
        return self._leader is not None and not self._leader.done()

    async def _lead_alone(self, alone: _Queued[Any]) -> None:
        """Runs one work by itself (in its caller's context), then leads whoever queued meanwhile."""
        if not alone.result.done():  # its caller left before it started: it never runs
            alone.taken = True
            try:
                result = await in_transaction(self.client, alone.work, turns=(self.turn,))
            except BaseException as exc:
                _settle(alone, exception=exc)
                if isinstance(exc, asyncio.CancelledError) and _leader_cancelled():
                    raise
            else:
                _settle(alone, result=result)
        if self._queue:
            await self._lead()

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
                    results = []
                    for queued in group:
                        # The work that takes the group's first position writes the counter, which other
                        # replicas write too: a conflict there is the group's, retried whole with backoff.
                        splittable = len(group) > 1 and scope is not None and bool(scope.owned)
                        work = _in_context(queued, queued.work(session), scope)
                        results.append(await _own(queued, work, shared=splittable))
                    return results

                try:
                    results = await in_transaction(self.client, together, turns=(self.turn,))
                except _WorkFailed as failed:
                    # The others go on together, first in the queue; the failed one runs alone, for the
                    # outcome it would have had alone (the others' writes were aborted with the group). One
                    # that conflicts is retried alone beside the next groups, taking its turns between them.
                    self.split += 1
                    self._queue[:0] = [q for q in group if q is not failed.queued]
                    if failed.transient:
                        retried = asyncio.create_task(self._alone(failed.queued))
                        self._retried.add(retried)
                        retried.add_done_callback(self._retried.discard)
                    else:
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
            _settle(queued, exception=exc)  # the work's own, or the service stopping
            if _leader_cancelled():
                raise
        except Exception as exc:
            _settle(queued, exception=exc)
        else:
            _settle(queued, result=result)


def _leader_cancelled() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def _outcome(queued: _Queued[T]) -> T:
    """What the caller of `queued` is answered. Cancelled before its work was taken: it never runs. Cancelled
    once taken: it waits for the outcome, gets the result when the work committed, and is cancelled only when
    it did not (an Idempotency-Key released on « cancelled » for a command that committed would let it run
    twice, and the caller that stays would never be told it was done)."""
    try:
        return await asyncio.shield(queued.result)
    except asyncio.CancelledError:
        if queued.result.done() and queued.result.cancelled():
            raise
        if not queued.taken:
            queued.result.cancel()  # never run: the leader skips it
            raise
        while not queued.result.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait({queued.result})
        if queued.result.cancelled() or queued.result.exception() is not None:
            raise  # not done: the cancellation stands (the failure was retrieved, the caller had left)
        return queued.result.result()


async def _own(queued: _Queued[Any], work: Awaitable[T], *, shared: bool) -> T:
    """`work`'s result; its own failure as `_WorkFailed`, except what the transaction must see: a transient
    database error of a work alone (its transaction is retried), a connection lost, or the leader's own
    cancellation. A work of a shared group that meets a transient conflict is split out at once."""
    try:
        return await work
    except PyMongoError as exc:
        if isinstance(exc, ConnectionFailure) or (is_transient(exc) and not shared):
            raise
        raise _WorkFailed(queued, exc, transient=is_transient(exc)) from exc
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

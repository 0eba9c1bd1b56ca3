"""MongoDB client and the transaction loop every write goes through."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from typing import Any, TypeVar

import structlog
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import ConnectionFailure, OperationFailure, PyMongoError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

T = TypeVar("T")
log = structlog.get_logger(__name__)

WRITE_CONFLICT = 112


class TransactionScope:
    """The turns one call of `in_transaction` takes in this process, such as a store's position counter.

    A turn is held from the moment it is taken until the attempt ends (committed, aborted or failed), and
    never through a backoff. A turn first taken in the middle of an attempt is taken again at the start of
    the next ones: a transaction whose snapshot began before its turn came would meet the previous holder's
    committed write and conflict.
    """

    def __init__(self, turns: Sequence[asyncio.Lock] = ()) -> None:
        self._needed: list[asyncio.Lock] = list(turns)
        self._held: list[asyncio.Lock] = []
        self.owned: dict[object, Any] = {}
        """What this attempt holds on the server until it ends, by its owner's key (a store's counter)."""
        self._before_commit: list[Callable[[AsyncClientSession], Awaitable[None]]] = []
        self.active = False
        """An attempt is running (a task started from it and outliving it is no longer inside it)."""

    def before_commit(self, write: Callable[[AsyncClientSession], Awaitable[None]]) -> None:
        """`write` joins the transaction just before its commit (once per attempt)."""
        self._before_commit.append(write)

    async def finish(self, session: AsyncClientSession) -> None:
        for write in self._before_commit:
            await write(session)

    async def begin(self) -> None:
        for lock in self._needed:
            await self.take_turn(lock)

    async def take_turn(self, lock: asyncio.Lock) -> None:
        """Waits for `lock` (first come, first served) unless this attempt holds it already."""
        if any(held is lock for held in self._held):
            return
        if not any(needed is lock for needed in self._needed):
            self._needed.append(lock)
        await lock.acquire()
        self._held.append(lock)

    def release(self) -> None:
        for lock in reversed(self._held):
            lock.release()
        self._held.clear()
        self.owned.clear()
        self._before_commit.clear()


_scope: ContextVar[TransactionScope | None] = ContextVar("transaction_scope", default=None)


def transaction_scope() -> TransactionScope | None:
    """The attempt of `in_transaction` running in this task, if any."""
    return _scope.get()


class NestedTransaction(RuntimeError):
    """A transaction started from inside another one of this process: it would wait for a turn the outer
    one holds until the outer one ends, which waits for it."""


def refuse_nested() -> None:
    scope = _scope.get()
    if scope is not None and scope.active:
        raise NestedTransaction("a transaction cannot be started inside another one: do the work in the outer one")


def use_scope(scope: TransactionScope | None) -> None:
    """Joins the current context to a transaction's scope (a work run in its own task, see `group_commit`)."""
    _scope.set(scope)


def connect(uri: str) -> AsyncMongoClient[dict[str, Any]]:
    # tz_aware: stored datetimes come back as aware UTC, never naive.
    return AsyncMongoClient(uri, tz_aware=True, uuidRepresentation="standard")


def is_transient(exc: PyMongoError) -> bool:
    if isinstance(exc, OperationFailure) and exc.code == WRITE_CONFLICT:
        return True
    return exc.has_error_label("TransientTransactionError")


class CommitOutcomeUnknown(Exception):
    """The commit was sent and its outcome could not be learned before the deadline: the work is not run
    again (it may have committed). A consumer's inbox makes its retry safe; an HTTP client retries with its
    Idempotency-Key."""


async def in_transaction(
    client: AsyncMongoClient[dict[str, Any]],
    work: Callable[[AsyncClientSession], Awaitable[T]],
    *,
    max_seconds: float = 30.0,
    turns: Sequence[asyncio.Lock] = (),
) -> T:
    """Runs `work` in one majority-journaled transaction, retrying it whole on transient conflicts.

    `work` must be safe to run again: it re-reads what it decides on. A stream-version conflict
    is not transient: `work` detects it and raises ConcurrencyError, which is not retried.
    `turns`: what the transaction will wait its turn for in this process before it starts (see
    `TransactionScope`), when the caller knows it will take them.
    """
    refuse_nested()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max_seconds
    attempt = 0
    scope = TransactionScope(turns)
    while True:
        attempt += 1
        token = _scope.set(scope)
        async with client.start_session() as session:
            try:
                scope.active = True
                await scope.begin()
                await session.start_transaction(
                    read_concern=ReadConcern("snapshot"),
                    write_concern=WriteConcern("majority", j=True),
                )
                result = await work(session)
                await scope.finish(session)
                await _commit(session, deadline)
                return result
            except PyMongoError as exc:
                if session.in_transaction:
                    await _abort_quietly(session)
                scope.release()  # never hold a turn through the backoff
                if not (is_transient(exc) or isinstance(exc, ConnectionFailure)) or loop.time() > deadline:
                    raise
                # Jittered backoff: writers of the position counter in other processes take turns.
                await asyncio.sleep(min(0.5, 0.002 * 2 ** min(attempt, 8)) * random.random())
            except BaseException:
                if session.in_transaction:
                    await _abort_quietly(session)
                raise
            finally:
                scope.active = False
                scope.release()
                _scope.reset(token)


async def _commit(session: AsyncClientSession, deadline: float) -> None:
    """Commits, asking again while the outcome is unknown (a commit is safe to send again), never running the
    work again: after a commit was sent, a retry of the work could apply it twice."""
    loop = asyncio.get_running_loop()
    delay = 0.01
    while True:
        try:
            await session.commit_transaction()
            return
        except PyMongoError as exc:
            if not exc.has_error_label("UnknownTransactionCommitResult"):
                raise
            if loop.time() > deadline:
                raise CommitOutcomeUnknown(repr(exc)) from exc
            await asyncio.sleep(delay)
            delay = min(1.0, delay * 2)


async def _abort_quietly(session: AsyncClientSession) -> None:
    try:
        await session.abort_transaction()
    except PyMongoError:
        pass

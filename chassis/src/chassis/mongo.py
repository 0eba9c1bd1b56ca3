"""MongoDB client and the transaction loop every write goes through."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
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


def connect(uri: str) -> AsyncMongoClient[dict[str, Any]]:
    # tz_aware: stored datetimes come back as aware UTC, never naive.
    return AsyncMongoClient(uri, tz_aware=True, uuidRepresentation="standard")


def is_transient(exc: PyMongoError) -> bool:
    if isinstance(exc, OperationFailure) and exc.code == WRITE_CONFLICT:
        return True
    return exc.has_error_label("TransientTransactionError") or exc.has_error_label("UnknownTransactionCommitResult")


async def in_transaction(
    client: AsyncMongoClient[dict[str, Any]],
    work: Callable[[AsyncClientSession], Awaitable[T]],
    *,
    max_seconds: float = 30.0,
) -> T:
    """Runs `work` in one majority-journaled transaction, retrying it whole on transient conflicts.

    `work` must be safe to run again: it re-reads what it decides on. A stream-version conflict
    is not transient: `work` detects it and raises ConcurrencyError, which is not retried.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max_seconds
    attempt = 0
    while True:
        attempt += 1
        async with client.start_session() as session:
            try:
                await session.start_transaction(
                    read_concern=ReadConcern("snapshot"),
                    write_concern=WriteConcern("majority", j=True),
                )
                result = await work(session)
                await _commit(session)
                return result
            except PyMongoError as exc:
                if session.in_transaction:
                    await _abort_quietly(session)
                if not (is_transient(exc) or isinstance(exc, ConnectionFailure)) or loop.time() > deadline:
                    raise
                # Jittered backoff: concurrent writers of the position counter take turns.
                await asyncio.sleep(min(0.5, 0.002 * 2 ** min(attempt, 8)) * random.random())
            except BaseException:
                if session.in_transaction:
                    await _abort_quietly(session)
                raise


async def _commit(session: AsyncClientSession) -> None:
    for _ in range(5):
        try:
            await session.commit_transaction()
            return
        except PyMongoError as exc:
            if exc.has_error_label("UnknownTransactionCommitResult"):
                continue
            raise


async def _abort_quietly(session: AsyncClientSession) -> None:
    try:
        await session.abort_transaction()
    except PyMongoError:
        pass

"""`Idempotency-Key` on commands: a retried command gets the first answer and changes nothing.

The first request with a key reserves it (unique _id); its answer (any status below 500) is kept
and replayed to every retry with the same key. The same key with another body is refused.

A process killed between its command's commit and the answer leaves the key "pending": the command's
transaction also inserted a commit mark for the key (`chassis.unit_of_work.CommandKey`), so once the
reservation is older than `LEASE_SECONDS` a retry learns for sure whether it was applied (409
`commande-deja-executee`: reload the resource) or not (it runs now). A first run still going when its key is
taken over (a loaded database) cannot commit after the retry did, nor the retry after it: the mark is an insert,
and the second transaction to reach it fails whole. A key never blocks for good, and a command never runs twice.

A key reserved by a process that is gone (killed mid-command: `chassis.instances`, it stopped beating) is taken
over by the retry at once, with the same check of its commit mark, instead of waiting for the lease; a key whose
owner still runs is refused with the seconds to wait (`Retry-After`), never a bare « réessayez ».

A key belongs to the person who sent it (the token's subject, verified), not to the token: a client that
refreshed its token retries with the same key and gets the first answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request, Response
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from chassis.http.auth import TokenVerifier, Unauthenticated
from chassis.http.problems import problem
from chassis.instances import GONE_AFTER_SECONDS
from chassis.mongo import CommitOutcomeUnknown
from chassis.unit_of_work import COMMITS, CommandKey, command_key
from contracts.envelope import utc_now
from contracts.errors import CommandAlreadyCommitted

HEADER = "Idempotency-Key"
COMMAND_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
LEASE_SECONDS = 30.0


class IdempotencyMiddleware(BaseHTTPMiddleware):
    def __init__(self, app: Any, collection_getter: Any) -> None:
        super().__init__(app)
        self._collection_getter = collection_getter

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        key = request.headers.get(HEADER)
        if not key or request.method not in COMMAND_METHODS:
            return await call_next(request)
        if len(key) > 200:
            return problem(422, "La clé d'idempotence est trop longue (200 caractères au plus).", field=HEADER)
        collection: AsyncCollection[dict[str, Any]] = self._collection_getter(request.app)
        body = await request.body()
        caller = _caller(request)
        if caller is None:  # no valid token: the route refuses it (401) before any command runs
            return await call_next(request)
        doc_id = f"{caller}:{request.method}:{request.url.path}:{key}"
        fingerprint = hashlib.sha256(body).hexdigest()
        owner = _owner(request)
        lease = utc_now()  # to the millisecond the database keeps: the run's lease is recognised by it
        try:
            await collection.insert_one(
                {"_id": doc_id, "state": "pending", "fingerprint": fingerprint, "created_at": lease, "owner": owner}
            )
        except DuplicateKeyError:
            previous = await collection.find_one({"_id": doc_id})
            if previous is None:
                return problem(409, "Commande en cours de traitement ; réessayez.", field=HEADER)
            if previous.get("fingerprint") != fingerprint:
                return problem(
                    422,
                    "Cette clé d'idempotence a déjà servi pour une autre commande.",
                    field=HEADER,
                    code="cle-idempotence-reutilisee",
                )
            if previous.get("state") != "done" and (_expired(previous) or await _owner_gone(request, previous)):
                if await collection.database[COMMITS].find_one({"_id": doc_id}) is not None:
                    return problem(
                        409,
                        "Cette commande a déjà été enregistrée, mais sa réponse a été perdue : "
                        "rechargez la ressource pour la voir.",
                        field=HEADER,
                        code="commande-deja-executee",
                    )
                taken = await collection.update_one(
                    {"_id": doc_id, "state": "pending", "created_at": previous["created_at"]},
                    {"$set": {"created_at": lease, "owner": owner}},
                )
                if taken.modified_count == 1:
                    return await self._run(request, call_next, collection, doc_id, lease)
            if previous.get("state") != "done":
                wait = _seconds_left(previous)
                refused = problem(
                    409,
                    "Une commande avec cette clé est en cours de traitement : réessayez dans "
                    f"{wait} seconde{'s' if wait > 1 else ''} avec la même clé (elle aura alors abouti, ou sera "
                    "reprise).",
                    field=HEADER,
                    code="commande-en-cours",
                    retry_after=wait,
                )
                refused.headers["Retry-After"] = str(wait)
                return refused
            return _replayed(previous)
        return await self._run(request, call_next, collection, doc_id, lease)

    async def _run(
        self,
        request: Request,
        call_next: RequestResponseEndpoint,
        collection: AsyncCollection[dict[str, Any]],
        doc_id: str,
        lease: datetime,
    ) -> Response:
        """Runs the command under the reservation whose lease began at `lease`; only the run that still holds
        it records its answer (a run whose key was taken over records nothing), and a run that did not commit
        the command while another did answers that other's outcome, never its own refusal."""
        key = CommandKey(doc_id)
        token = command_key.set(key)
        try:
            response = await call_next(request)
        except (asyncio.CancelledError, CommitOutcomeUnknown):
            raise  # its commit may still land: the key stays reserved until the lease says what became of it
        except BaseException:
            await self._release(collection, key)
            raise
        finally:
            command_key.reset(token)
        if not key.committed and await collection.database[COMMITS].find_one({"_id": doc_id}) is not None:
            return await _first_outcome(collection, doc_id)  # another run committed it (this one was refused)
        if response.status_code >= 500:
            await self._release(collection, key)
            return response
        chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
        content = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
        await collection.update_one(
            {"_id": doc_id, "state": "pending", "created_at": lease},
            {
                "$set": {
                    "state": "done",
                    "status": response.status_code,
                    "body": content,
                    "media_type": response.media_type or response.headers.get("content-type"),
                }
            },
        )
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return Response(
            content=content, status_code=response.status_code, headers=headers, media_type=response.media_type
        )

    @staticmethod
    async def _release(collection: AsyncCollection[dict[str, Any]], key: CommandKey) -> None:
        """A failed request frees its key, unless its command committed before the failure or its commit's
        outcome is unknown: then the key stays reserved, and a retry after the lease learns what happened."""
        if key.outcome_unknown:
            return
        if await collection.database[COMMITS].find_one({"_id": key.id}) is None:
            await collection.delete_one({"_id": key.id, "state": "pending"})


def _caller(request: Request) -> str | None:
    """Who sends the command: the verified token's subject (hashed), or None without a valid token."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials:
        return None
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        principal = verifier.verify(credentials.strip())
    except Unauthenticated:
        return None
    return hashlib.sha256(principal.id.encode()).hexdigest()[:32]


async def _first_outcome(collection: AsyncCollection[dict[str, Any]], doc_id: str) -> Response:
    """The answer of the run that committed, once it recorded it; until then, that the command was applied."""
    first = await collection.find_one({"_id": doc_id, "state": "done"})
    if first is not None:
        return _replayed(first)
    applied = CommandAlreadyCommitted()
    return problem(applied.status, applied.detail, field=applied.field, code=applied.code)


def _replayed(previous: dict[str, Any]) -> Response:
    return Response(
        content=previous["body"],
        status_code=previous["status"],
        media_type=previous.get("media_type"),
        headers={"Idempotent-Replayed": "true"},
    )


def _age(reservation: dict[str, Any]) -> float | None:
    created = reservation.get("created_at")
    if not isinstance(created, datetime):
        return None
    created = created if created.tzinfo else created.replace(tzinfo=UTC)
    return (datetime.now(UTC) - created).total_seconds()


def _expired(reservation: dict[str, Any]) -> bool:
    age = _age(reservation)
    return age is None or age > LEASE_SECONDS


def _seconds_left(reservation: dict[str, Any]) -> int:
    """When a retry is sure to be answered: the lease's end, or the owner's being found gone, whichever first."""
    age = _age(reservation) or 0.0
    return max(1, math.ceil(min(LEASE_SECONDS - age, GONE_AFTER_SECONDS)))


def _owner(request: Request) -> str | None:
    runtime = getattr(request.app.state, "runtime", None)
    return runtime.instances.id if runtime is not None else None


async def _owner_gone(request: Request, reservation: dict[str, Any]) -> bool:
    """The process that reserved the key is gone (killed mid-command): no need to wait for the lease."""
    owner = reservation.get("owner")
    runtime = getattr(request.app.state, "runtime", None)
    if not isinstance(owner, str) or runtime is None:
        return False
    gone: bool = await runtime.instances.gone(owner)
    return gone


def install(app: FastAPI, collection_getter: Any) -> None:
    app.add_middleware(IdempotencyMiddleware, collection_getter=collection_getter)

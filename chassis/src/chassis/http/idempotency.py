"""`Idempotency-Key` on commands: a retried command gets the first answer and changes nothing.

The first request with a key reserves it (unique _id); its answer (any status below 500) is kept
and replayed to every retry with the same key. The same key with another body is refused.

A process killed between its command's commit and the answer leaves the key "pending": the command's
transaction also wrote a commit mark for the key (`commit_mark`), so once the reservation is older than
`LEASE_SECONDS` a retry learns for sure whether it was applied (409 `commande-deja-executee`: reload the
resource) or not (it runs now). A key never blocks for good, and a command never runs twice.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request, Response
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from chassis.http.problems import problem
from chassis.unit_of_work import COMMITS, command_key

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
        caller = hashlib.sha256(request.headers.get("authorization", "").encode()).hexdigest()[:32]
        doc_id = f"{caller}:{request.method}:{request.url.path}:{key}"
        fingerprint = hashlib.sha256(body).hexdigest()
        try:
            await collection.insert_one(
                {"_id": doc_id, "state": "pending", "fingerprint": fingerprint, "created_at": datetime.now(UTC)}
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
            if previous.get("state") != "done" and _expired(previous):
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
                    {"$set": {"created_at": datetime.now(UTC)}},
                )
                if taken.modified_count == 1:
                    return await self._run(request, call_next, collection, doc_id)
            if previous.get("state") != "done":
                return problem(
                    409,
                    "Une commande avec cette clé est en cours de traitement ; réessayez.",
                    field=HEADER,
                    code="commande-en-cours",
                )
            return Response(
                content=previous["body"],
                status_code=previous["status"],
                media_type=previous.get("media_type"),
                headers={"Idempotent-Replayed": "true"},
            )
        return await self._run(request, call_next, collection, doc_id)

    async def _run(
        self,
        request: Request,
        call_next: RequestResponseEndpoint,
        collection: AsyncCollection[dict[str, Any]],
        doc_id: str,
    ) -> Response:
        token = command_key.set(doc_id)
        try:
            response = await call_next(request)
        except BaseException:
            await self._release(collection, doc_id)
            raise
        finally:
            command_key.reset(token)
        if response.status_code >= 500:
            await self._release(collection, doc_id)
            return response
        chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
        content = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
        await collection.update_one(
            {"_id": doc_id},
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
    async def _release(collection: AsyncCollection[dict[str, Any]], doc_id: str) -> None:
        """A failed request frees its key, unless its command committed before the failure: then the
        key stays reserved, and a retry after the lease learns that it was applied."""
        if await collection.database[COMMITS].find_one({"_id": doc_id}) is None:
            await collection.delete_one({"_id": doc_id})


def _expired(reservation: dict[str, Any]) -> bool:
    created = reservation.get("created_at")
    if not isinstance(created, datetime):
        return True
    created = created if created.tzinfo else created.replace(tzinfo=UTC)
    return (datetime.now(UTC) - created).total_seconds() > LEASE_SECONDS


def install(app: FastAPI, collection_getter: Any) -> None:
    app.add_middleware(IdempotencyMiddleware, collection_getter=collection_getter)

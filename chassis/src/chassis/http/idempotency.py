"""`Idempotency-Key` on commands: a retried command gets the first answer and changes nothing.

The first request with a key reserves it (unique _id); its answer (any status below 500) is kept
and replayed to every retry with the same key. The same key with another body is refused.
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

HEADER = "Idempotency-Key"
COMMAND_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


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
        try:
            response = await call_next(request)
        except BaseException:
            await collection.delete_one({"_id": doc_id})
            raise
        if response.status_code >= 500:
            await collection.delete_one({"_id": doc_id})
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


def install(app: FastAPI, collection_getter: Any) -> None:
    app.add_middleware(IdempotencyMiddleware, collection_getter=collection_getter)

"""Reads of the mandates read model for retention: the mandates revoked at or before a given instant (a revocation
is a step « révoqué » of a relation's mandate history, with its RUM and its instant)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from declarations.application.collection_views import MANDATES
from declarations.application.personal_retention import RevokedMandate

Doc = dict[str, Any]
REVOKED = "révoqué"


class RevokedMandateReadModel:
    """Implements `personal_retention.RevokedMandates`."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.view = db[MANDATES]

    async def revoked_before(self, cutoff: datetime) -> list[RevokedMandate]:
        found: list[RevokedMandate] = []
        async for doc in self.view.find({"history.what": REVOKED}, {"history": 1}, sort=[("_id", 1)]):
            for step in doc["history"]:
                at = datetime.fromisoformat(step["at"])
                if step["what"] == REVOKED and at <= cutoff:
                    found.append(RevokedMandate(str(doc["_id"]), str(step["rum"]), at))
        return found

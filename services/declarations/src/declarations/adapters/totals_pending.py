"""Drafts waiting for their totals (taxcalc behind: producers cannot file), as two gauges kept fresh in the
background: how many, and the age of the oldest. Read from the `declarations` read model."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client import Gauge
from pymongo.asynchronous.database import AsyncDatabase

from chassis.background import every
from declarations.application.projections import VIEW

PENDING = Gauge("declarations_totals_pending", "Drafts whose totals are not for their current version", ["service"])
OLDEST = Gauge(
    "declarations_totals_pending_oldest_seconds",
    "Age of the oldest draft whose totals are not for its current version (0 when none waits)",
    ["service"],
)


@dataclass(frozen=True)
class PendingTotals:
    count: int
    oldest_seconds: float


class TotalsPending:
    """One `refresh()` reads the read model once and sets both gauges; `run` repeats it every `every_seconds`."""

    def __init__(
        self,
        db: AsyncDatabase[dict[str, Any]],
        territories: Iterable[str],
        clock: Callable[[], datetime],
        *,
        service: str = "declarations",
        every_seconds: float = 30.0,
    ) -> None:
        self.db = db
        self.territories = sorted(territories)
        self.clock = clock
        self.service = service
        self.every_seconds = every_seconds
        PENDING.labels(service)  # exported from the start, at 0
        OLDEST.labels(service)

    async def refresh(self) -> PendingTotals:
        # `territory` first: the view's (territory, status) index serves the query.
        match = {
            "territory": {"$in": self.territories},
            "status": "draft",
            "$or": [{"totals": None}, {"$expr": {"$ne": ["$totals.version", "$version"]}}],
        }
        group = {"_id": None, "count": {"$sum": 1}, "oldest": {"$min": "$updated_at"}}
        found = None
        async for doc in await self.db[VIEW].aggregate([{"$match": match}, {"$group": group}]):
            found = doc
        pending = PendingTotals(0, 0.0)
        if found is not None:
            oldest = datetime.fromisoformat(found["oldest"])  # ISO 8601 in UTC: the smallest string is the oldest
            pending = PendingTotals(found["count"], max(0.0, (self.clock() - oldest).total_seconds()))
        PENDING.labels(self.service).set(pending.count)
        OLDEST.labels(self.service).set(pending.oldest_seconds)
        return pending

    async def run(self, stop: asyncio.Event) -> None:
        await every(self.every_seconds, stop, self.refresh, name="totals pending")

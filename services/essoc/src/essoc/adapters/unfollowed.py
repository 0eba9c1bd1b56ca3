"""Open requests whose answer clock ends within 15 days while no agent follows them (the ESSOC answer may be
missed: the directorate must assign one), as a gauge kept fresh in the background. Read from the `requests`
read model."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Gauge
from pymongo.asynchronous.database import AsyncDatabase

from chassis.background import every
from essoc.application.projections import VIEW

WITHIN = timedelta(days=15)
UNFOLLOWED = Gauge(
    "essoc_requests_unfollowed_near_deadline",
    "Open requests whose answer deadline is within 15 days (or past) and that no agent follows",
    ["service"],
)


class UnfollowedNearDeadline:
    """One `refresh()` counts them and sets the gauge; `run` repeats it every `every_seconds`."""

    def __init__(
        self,
        db: AsyncDatabase[dict[str, Any]],
        territories: Iterable[str],
        clock: Callable[[], datetime],
        *,
        service: str = "essoc",
        every_seconds: float = 60.0,
    ) -> None:
        self.db = db
        self.territories = sorted(territories)
        self.clock = clock
        self.service = service
        self.every_seconds = every_seconds
        UNFOLLOWED.labels(service)  # exported from the start, at 0

    async def refresh(self) -> int:
        count = await self.db[VIEW].count_documents(
            {
                "territory": {"$in": self.territories},
                "closed_at": None,
                "followed_by": None,
                "deadline_at": {"$ne": None, "$lte": self.clock() + WITHIN},
            }
        )
        UNFOLLOWED.labels(self.service).set(count)
        return count

    async def run(self, stop: asyncio.Event) -> None:
        await every(self.every_seconds, stop, self.refresh, name="unfollowed requests near their deadline")

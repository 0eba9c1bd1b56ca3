"""The auditors' and agents' reads (`audit_log`, collection `audit_reads`) are kept for the `read_log` retention of
`contracts.retention` (CNIL délibération n° 2021-122: between six months and a year), then deleted.

Deleting by a query on `at` is idempotent: several replicas running it the same day delete each read once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import structlog

from chassis.audit_log import COLLECTION
from chassis.background import every
from contracts import retention

log = structlog.get_logger(__name__)
DAY_SECONDS = 24 * 3600.0


async def delete_reads_past_retention(db: Any, now: datetime) -> int:
    """Deletes the reads whose retention is over at `now`; returns how many."""
    cutoff = retention.rule("read_log", now.date()).cutoff(now)
    result = await db[COLLECTION].delete_many({"at": {"$lte": cutoff}})
    return int(result.deleted_count)


def _now() -> datetime:
    return datetime.now(UTC)


class ReadLogRetention:
    """The daily pass of a service that applies no other retention (declarations, taxcalc)."""

    def __init__(self, db: Any, clock: Callable[[], datetime] = _now, every_seconds: float = DAY_SECONDS) -> None:
        self.db = db
        self.clock = clock
        self.every_seconds = every_seconds

    async def tick(self) -> None:
        deleted = await delete_reads_past_retention(self.db, self.clock())
        if deleted:
            log.info("read log retention", reads_deleted=deleted)

    async def run(self, stop: asyncio.Event) -> None:
        await every(self.every_seconds, stop, self.tick, name="read log retention")

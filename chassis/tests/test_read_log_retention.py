"""The read log of a service that applies no other retention (taxcalc): its daily pass deletes the reads past the
`read_log` retention (1 year, CNIL délibération n° 2021-122), on the service's clock, against the embedded MongoDB."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from chassis.audit_log import COLLECTION
from chassis.read_log_retention import ReadLogRetention


async def test_read_logs_are_deleted_by_the_daily_pass_one_year_after_the_read(
    mongo_db: AsyncDatabase[dict[str, Any]],
) -> None:
    # given reads on 1 March 2027 and on 2 March 2027
    for day in (1, 2):
        await mongo_db[COLLECTION].insert_one({"at": datetime(2027, 3, day, 8, tzinfo=UTC), "who": "auditeur-1"})

    # when the service's pass runs on 1 March 2028 at 8:00 (its clock), then only the first read is deleted
    stop = asyncio.Event()
    stop.set()  # one pass, then stop
    retention = ReadLogRetention(mongo_db, clock=lambda: datetime(2028, 3, 1, 8, tzinfo=UTC), every_seconds=3600)
    await retention.run(stop)
    assert await mongo_db[COLLECTION].count_documents({}) == 2, "a stopped loop runs no pass"
    await retention.tick()
    assert [d["at"].day async for d in mongo_db[COLLECTION].find()] == [2]

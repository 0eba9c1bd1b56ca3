"""`essoc_requests_unfollowed_near_deadline`: the open requests whose answer deadline is within 15 days (or past)
and that no agent follows, counted on the embedded MongoDB's read model against an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY
from pymongo.asynchronous.database import AsyncDatabase

from essoc.adapters.unfollowed import UnfollowedNearDeadline
from essoc.application.projections import VIEW

pytestmark = pytest.mark.integration
NOW = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
AGENT = {"id": "agent-971", "name": "Joseph Lubin"}


def _request(name: str, due_in_days: float | None, *, followed: bool = False, **extra: Any) -> dict[str, Any]:
    return {
        "_id": name,
        "territory": "971",
        "followed_by": AGENT if followed else None,
        "closed_at": None,
        "deadline_at": None if due_in_days is None else NOW + timedelta(days=due_in_days),
        **extra,
    }


def _gauge() -> float | None:
    return REGISTRY.get_sample_value("essoc_requests_unfollowed_near_deadline", {"service": "essoc-unfollowed-test"})


async def test_open_requests_due_within_15_days_that_nobody_follows_are_counted(mongo_db) -> None:  # type: ignore[no-untyped-def]
    db: AsyncDatabase[dict[str, Any]] = mongo_db
    clock = [NOW]
    gauge = UnfollowedNearDeadline(db, ["971", "974"], lambda: clock[0], service="essoc-unfollowed-test")
    assert await gauge.refresh() == 0 and _gauge() == 0

    await db[VIEW].insert_many(
        [
            _request("due-in-10-days", 10),
            _request("overdue", -2),
            _request("due-in-15-days", 15),
            _request("due-in-16-days", 16),
            _request("followed", 3, followed=True),
            _request("closed", 3, closed_at=NOW - timedelta(days=1)),
            _request("no-clock-yet", None),
            _request("not-served", 3, territory="972"),
        ]
    )
    assert await gauge.refresh() == 3 and _gauge() == 3

    await db[VIEW].update_one({"_id": "overdue"}, {"$set": {"followed_by": AGENT}})  # the directorate assigned it
    clock[0] = NOW + timedelta(days=1)  # a day later, the 16-day one is within 15 days
    assert await gauge.refresh() == 3 and _gauge() == 3

"""`declarations_totals_pending*`: the drafts whose totals are not for their current version, counted on the
embedded MongoDB's read model, with the oldest one's age against an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY
from pymongo.asynchronous.database import AsyncDatabase

from declarations.adapters.totals_pending import PendingTotals, TotalsPending
from declarations.application.projections import VIEW

pytestmark = pytest.mark.integration
NOW = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)


def _draft(name: str, version: int, totals_version: int | None, minutes_ago: int, **extra: Any) -> dict[str, Any]:
    return {
        "_id": name,
        "territory": "974",
        "status": "draft",
        "version": version,
        "totals": None if totals_version is None else {"version": totals_version, "total_due": "0"},
        "updated_at": (NOW - timedelta(minutes=minutes_ago)).isoformat(),
        **extra,
    }


def _gauge(name: str) -> float | None:
    return REGISTRY.get_sample_value(name, {"service": "declarations-pending-test"})


async def test_drafts_without_totals_for_their_version_are_counted_with_the_oldest_ones_age(mongo_db) -> None:  # type: ignore[no-untyped-def]
    db: AsyncDatabase[dict[str, Any]] = mongo_db
    pending = TotalsPending(db, ["971", "974"], lambda: NOW, service="declarations-pending-test")
    assert await pending.refresh() == PendingTotals(0, 0.0)
    assert (_gauge("declarations_totals_pending"), _gauge("declarations_totals_pending_oldest_seconds")) == (0, 0)

    await db[VIEW].insert_many(
        [
            _draft("up-to-date", 3, 3, minutes_ago=60),
            _draft("no-totals-yet", 1, None, minutes_ago=3),
            _draft("totals-of-v2", 3, 2, minutes_ago=10),
            _draft("filed", 4, 3, minutes_ago=90) | {"status": "filed"},
            _draft("not-served", 2, 1, minutes_ago=120) | {"territory": "972"},
        ]
    )
    assert await pending.refresh() == PendingTotals(2, 600.0)
    assert (_gauge("declarations_totals_pending"), _gauge("declarations_totals_pending_oldest_seconds")) == (2, 600)

    await db[VIEW].update_one({"_id": "totals-of-v2"}, {"$set": {"totals.version": 3}})  # taxcalc caught up
    assert await pending.refresh() == PendingTotals(1, 180.0)

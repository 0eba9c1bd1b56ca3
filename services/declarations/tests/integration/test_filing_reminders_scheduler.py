"""The reminder scheduler on the declarations service (in process, on the embedded MongoDB): each reminder issued
once per relation and quarter, across passes and replicas; none for a quarter filed; in the territory's zone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from chassis.service import Runtime
from declarations.bootstrap import build
from declarations.entrypoints.http import DeclarationsServices
from declarations.settings import DeclarationsSettings

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[4]


async def _services(mongo_db: AsyncDatabase[dict[str, Any]]) -> tuple[Runtime, DeclarationsServices]:
    settings = DeclarationsSettings(
        mongo_db=mongo_db.name,
        relay_enabled=False,
        consume=False,
        jwt_secret="reminders-test-secret-0123456789-abcdef",
        reference_dir=str(ROOT / "deploy/territories"),
        topics_file=str(ROOT / "deploy/kafka/topics.yaml"),
        reminders_enabled=False,  # passes are run by the test, at the instants it chooses
    )
    runtime = Runtime(build(settings), client=mongo_db.client)
    await runtime.wire()
    services = runtime.wiring.services
    assert isinstance(services, DeclarationsServices) and services.reminders is not None
    return runtime, services


async def _issued(mongo_db: AsyncDatabase[dict[str, Any]]) -> list[tuple[str, str, int | None]]:
    cursor = mongo_db["events"].find({"type": "FilingReminderIssued"}, sort=[("stream_id", 1), ("version", 1)])
    return [(e["data"]["relation_id"], e["data"]["kind"], e["data"]["days_before"]) async for e in cursor]


async def test_reminders_are_issued_once_per_relation_and_quarter(mongo_db) -> None:  # type: ignore[no-untyped-def]
    runtime, services = await _services(mongo_db)
    reminders = services.reminders
    assert reminders is not None
    # 17 October 2026, 10:00 in Guadeloupe and in La Réunion: 7 days before the Q3 due date (24 October)
    assert await reminders.send_due(datetime(2026, 10, 17, 14, tzinfo=UTC)) == 3
    assert await reminders.send_due(datetime(2026, 10, 17, 15, tzinfo=UTC)) == 0, "once"
    assert await reminders.send_due(datetime(2026, 10, 23, 14, tzinfo=UTC)) == 3
    assert await reminders.send_due(datetime(2026, 10, 25, 14, tzinfo=UTC)) == 3
    assert await reminders.send_due(datetime(2026, 10, 26, 14, tzinfo=UTC)) == 0
    found = await _issued(mongo_db)
    assert sorted(found) == sorted(
        (relation, kind, days)
        for relation in ("rel-971-0001", "rel-971-0002", "rel-974-0001")
        for kind, days in (("before_due", 7), ("before_due", 1), ("late", None))
    )
    # the address is stored encrypted (decision 0031): read as the service reads its log
    [event] = await runtime.store.read_stream("reminder-rel-974-0001-2026-Q3", up_to_version=1)
    assert event.territory == "974" and event.data["email"] == "marie.payet@producteur.example"


async def test_reminders_follow_each_territorys_calendar(mongo_db) -> None:  # type: ignore[no-untyped-def]
    _, services = await _services(mongo_db)
    assert services.reminders is not None
    # 16 October 2026, 21:00 UTC: already the 17th in La Réunion (UTC+4), still the 16th in Guadeloupe (UTC-4)
    assert await services.reminders.send_due(datetime(2026, 10, 16, 21, tzinfo=UTC)) == 1
    assert [r for r, _, _ in await _issued(mongo_db)] == ["rel-974-0001"]


async def test_no_reminder_for_a_quarter_filed(mongo_db) -> None:  # type: ignore[no-untyped-def]
    _, services = await _services(mongo_db)
    assert services.reminders is not None
    await mongo_db["declarations"].insert_one(
        {
            "_id": "decl-rel-974-0001-2026-Q3",
            "relation_id": "rel-974-0001",
            "year": 2026,
            "quarter": 3,
            "status": "filed",
        }
    )
    assert await services.reminders.send_due(datetime(2026, 10, 17, 14, tzinfo=UTC)) == 2
    assert "rel-974-0001" not in {r for r, _, _ in await _issued(mongo_db)}


async def test_two_replicas_issue_each_reminder_once(mongo_db) -> None:  # type: ignore[no-untyped-def]
    _, first = await _services(mongo_db)
    _, second = await _services(mongo_db)
    assert first.reminders is not None and second.reminders is not None
    now = datetime(2026, 10, 17, 14, tzinfo=UTC)
    counts = await asyncio.gather(first.reminders.send_due(now), second.reminders.send_due(now))
    assert sum(counts) == 3
    assert len(await _issued(mongo_db)) == 3

"""The answer clock's scheduler: a reminder 15 days before, a notice at expiry, each once, across restarts."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta

import pytest

from essoc.domain.deadlines import answer_deadline

from essoc_http_support import control, essoc_app

pytestmark = pytest.mark.integration


@pytest.fixture
async def essoc(mongo_db):  # type: ignore[no-untyped-def]
    async with essoc_app(mongo_db) as app:
        yield app


async def _notices(essoc, request_id: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [
        (e["data"]["kind"], e["data"]["deadline_at"])
        async for e in essoc.db["events"].find(
            {"stream_id": request_id, "type": "DeadlineReached"}, sort=[("version", 1)]
        )
    ]


async def test_the_answer_clock_runs_three_months_from_receipt(essoc) -> None:  # type: ignore[no-untyped-def]
    # code des douanes art. 345 bis II: the administration answers within 3 months of receipt.
    filed = await essoc.file()
    received = datetime.fromisoformat(filed["deadline"]["received_at"])
    assert datetime.fromisoformat(filed["deadline"]["deadline_at"]) == answer_deadline(received)
    assert datetime.fromisoformat(filed["deadline"]["reminder_at"]) == answer_deadline(received) - timedelta(days=15)


async def test_droit_au_controle_has_no_three_month_clock(essoc) -> None:  # type: ignore[no-untyped-def]
    # CRPA L.124-1: « dans un délai raisonnable »; the 3 months are the rescrit's
    filed = await essoc.file(control())
    assert (filed["deadline"]["deadline_at"], filed["deadline"]["reminder_at"]) == (None, None)
    received = datetime.fromisoformat(filed["deadline"]["received_at"])
    assert await essoc.answer_clock.notify_deadlines(received + timedelta(days=400)) == 0
    assert await _notices(essoc, filed["id"]) == []


async def test_the_reminder_comes_15_days_before_and_the_expiry_at_the_deadline_each_once(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    deadline = datetime.fromisoformat(filed["deadline"]["deadline_at"])
    handlers = essoc.answer_clock
    assert await handlers.notify_deadlines(deadline - timedelta(days=16)) == 0
    assert await handlers.notify_deadlines(deadline - timedelta(days=14)) == 1
    assert await handlers.notify_deadlines(deadline - timedelta(days=13)) == 0
    assert await handlers.notify_deadlines(deadline + timedelta(seconds=1)) == 1
    assert await handlers.notify_deadlines(deadline + timedelta(days=30)) == 0
    assert [k for k, _ in await _notices(essoc, filed["id"])] == ["reminder", "expiry"]
    body = (await essoc.agent_971.get(f"/api/v1/requests/{filed['id']}")).json()
    assert [n["kind"] for n in body["deadline"]["notices"]] == ["reminder", "expiry"]
    assert body["updated_at"] == filed["updated_at"], "the clock's notices are not a change by a person"


async def test_a_scheduler_restarted_after_the_deadline_sends_the_expiry_only(mongo_db) -> None:  # type: ignore[no-untyped-def]
    async with essoc_app(mongo_db) as first:
        filed = await first.file()
        deadline = datetime.fromisoformat(filed["deadline"]["deadline_at"])
        assert await first.answer_clock.notify_deadlines(deadline + timedelta(days=1)) == 1
    async with essoc_app(mongo_db) as restarted:  # a new process: nothing kept in memory
        assert await restarted.answer_clock.notify_deadlines(deadline + timedelta(days=2)) == 0
    assert [k for k, _ in await _notices(restarted, filed["id"])] == ["expiry"]


async def test_two_schedulers_at_once_notify_once(essoc, mongo_db) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    deadline = datetime.fromisoformat(filed["deadline"]["deadline_at"])
    async with essoc_app(mongo_db) as other:
        counts = await asyncio.gather(
            essoc.answer_clock.notify_deadlines(deadline - timedelta(days=10)),
            other.answer_clock.notify_deadlines(deadline - timedelta(days=10)),
        )
    assert sum(counts) == 1 and len(await _notices(essoc, filed["id"])) == 1


async def test_a_restarted_clock_has_its_own_reminder_and_expiry(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    rid = filed["id"]
    first = datetime.fromisoformat(filed["deadline"]["deadline_at"])
    assert await essoc.answer_clock.notify_deadlines(first - timedelta(days=10)) == 1
    await essoc.agent_971.post(f"/api/v1/requests/{rid}/take-charge")
    q = (await essoc.agent_971.post(f"/api/v1/requests/{rid}/questions", json={"text": "?"})).json()
    essoc.clock.now = lambda: first - timedelta(days=5)
    r = await essoc.juda.post(f"/api/v1/requests/{rid}/questions/{q['question_id']}/answer", json={"text": "!"})
    second = datetime.fromisoformat(r.json()["deadline"]["deadline_at"])
    assert second > first
    assert await essoc.answer_clock.notify_deadlines(first + timedelta(days=1)) == 0, "the old deadline is gone"
    assert await essoc.answer_clock.notify_deadlines(second - timedelta(days=14)) == 1
    assert await essoc.answer_clock.notify_deadlines(second) == 1
    assert [(k, datetime.fromisoformat(d)) for k, d in await _notices(essoc, rid)] == [
        ("reminder", first),
        ("reminder", second),
        ("expiry", second),
    ]


async def test_a_closed_or_refused_request_gets_no_deadline_notice(essoc) -> None:  # type: ignore[no-untyped-def]
    closed = await essoc.closed()
    refused = await essoc.file()
    await essoc.agent_971.post(f"/api/v1/requests/{refused['id']}/take-charge")
    await essoc.agent_971.post(
        f"/api/v1/requests/{refused['id']}/admissibility", json={"decision": "non", "grounds": "Hors champ."}
    )
    later = datetime.fromisoformat(closed["deadline"]["deadline_at"]) + timedelta(days=400)
    assert await essoc.answer_clock.notify_deadlines(later) == 0


async def test_the_background_loop_notifies_what_is_due(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    deadline = datetime.fromisoformat(filed["deadline"]["deadline_at"])
    essoc.clock.now = lambda: deadline + timedelta(hours=1)
    stop = asyncio.Event()
    task = asyncio.create_task(essoc.answer_clock.run(stop))
    try:
        async with asyncio.timeout(10):
            while not await _notices(essoc, filed["id"]):
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 5)
    assert [k for k, _ in await _notices(essoc, filed["id"])] == ["expiry"]

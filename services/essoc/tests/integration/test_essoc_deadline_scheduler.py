"""The answer clock's scheduler: 3 months from admissibility, a reminder 15 days before, a notice at expiry, each
once, across restarts; nothing before admissibility."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from typing import Any

import pytest

from essoc.domain.deadlines import answer_deadline_from_admissibility

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


async def _admit(essoc, request_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert (await essoc.agent_971.post(f"/api/v1/requests/{request_id}/take-charge")).status_code == 200
    r = await essoc.agent_971.post(f"/api/v1/requests/{request_id}/admissibility", json={"decision": "oui"})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_the_answer_clock_runs_three_months_from_admissibility(essoc) -> None:  # type: ignore[no-untyped-def]
    # OGDE manual § 1.3: « à compter de la date à laquelle votre demande a été jugée recevable »
    filed = await essoc.file()
    waiting = filed["deadline"]
    assert (waiting["period_months"], waiting["awaiting_admissibility"]) == (3, True)
    assert waiting["deadline_at"] is waiting["reminder_at"] is None
    received = datetime.fromisoformat(filed["deadline"]["received_at"])
    assert await essoc.answer_clock.notify_deadlines(received + timedelta(days=400)) == 0, "no date yet: no notice"
    admitted_at = received + timedelta(days=40)
    essoc.clock.now = lambda: admitted_at
    admitted = await _admit(essoc, filed["id"])
    deadline = answer_deadline_from_admissibility("rescrit", admitted_at)
    assert admitted["deadline"]["awaiting_admissibility"] is False
    assert datetime.fromisoformat(admitted["deadline"]["deadline_at"]) == deadline
    assert datetime.fromisoformat(admitted["deadline"]["reminder_at"]) == deadline - timedelta(days=15)


async def test_an_answer_after_admissibility_leaves_the_deadline(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.admitted()
    rid = filed["id"]
    q = (await essoc.agent_971.post(f"/api/v1/requests/{rid}/questions", json={"text": "?"})).json()
    essoc.clock.now = lambda: datetime.fromisoformat(filed["deadline"]["deadline_at"]) - timedelta(days=5)
    r = await essoc.juda.post(f"/api/v1/requests/{rid}/questions/{q['question_id']}/answer", json={"text": "!"})
    assert r.json()["deadline"]["deadline_at"] == filed["deadline"]["deadline_at"]
    r = await essoc.juda.post(f"/api/v1/requests/{rid}/complements", json={"text": "Et ceci."})
    assert r.json()["deadline"]["deadline_at"] == filed["deadline"]["deadline_at"]


async def test_droit_au_controle_has_no_three_month_clock(essoc) -> None:  # type: ignore[no-untyped-def]
    # CRPA L.124-1: « dans un délai raisonnable »; the 3 months are the rescrit's
    filed = await essoc.admitted(control())
    assert filed["deadline"]["deadline_at"] is filed["deadline"]["reminder_at"] is None
    assert filed["deadline"]["period_months"] is None and filed["deadline"]["awaiting_admissibility"] is False
    received = datetime.fromisoformat(filed["deadline"]["received_at"])
    assert await essoc.answer_clock.notify_deadlines(received + timedelta(days=400)) == 0
    assert await _notices(essoc, filed["id"]) == []


async def test_the_reminder_comes_15_days_before_and_the_expiry_at_the_deadline_each_once(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.admitted()
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
        filed = await first.admitted()
        deadline = datetime.fromisoformat(filed["deadline"]["deadline_at"])
        assert await first.answer_clock.notify_deadlines(deadline + timedelta(days=1)) == 1
    async with essoc_app(mongo_db) as restarted:  # a new process: nothing kept in memory
        assert await restarted.answer_clock.notify_deadlines(deadline + timedelta(days=2)) == 0
    assert [k for k, _ in await _notices(restarted, filed["id"])] == ["expiry"]


async def test_two_schedulers_at_once_notify_once(essoc, mongo_db) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.admitted()
    deadline = datetime.fromisoformat(filed["deadline"]["deadline_at"])
    async with essoc_app(mongo_db) as other:
        counts = await asyncio.gather(
            essoc.answer_clock.notify_deadlines(deadline - timedelta(days=10)),
            other.answer_clock.notify_deadlines(deadline - timedelta(days=10)),
        )
    assert sum(counts) == 1 and len(await _notices(essoc, filed["id"])) == 1


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
    filed = await essoc.admitted()
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

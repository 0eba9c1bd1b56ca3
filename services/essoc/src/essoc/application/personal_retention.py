"""The retention of essoc's personal data, applied once a day (`contracts.retention`, issue 25 item 2):

- a request closed for longer than `essoc_request_closed`: its requester is recorded « due for erasure »
  (`chassis.erasure_due`); nothing is erased from the event log yet, crypto-shredding (item 3) will do it;
- the auditors' reads older than `read_log` are deleted (`chassis.read_log_retention`).

The drafts' own retention (`essoc_draft`) is applied by the answer clock's passes (`retention`). Every step is a
query and an idempotent write: a missed day is caught up by the next, several replicas write each thing once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import structlog

from chassis.background import every
from chassis.erasure_due import DueForErasure
from contracts import retention
from essoc.application.unit_of_work import Clock

log = structlog.get_logger(__name__)
DAY_SECONDS = 24 * 3600.0


@dataclass(frozen=True)
class ClosedRequest:
    request_id: str
    requester_id: str
    closed_at: datetime


class ClosedRequests(Protocol):
    async def closed_before(self, cutoff: datetime) -> list[ClosedRequest]:
        """The requests closed at or before `cutoff`."""
        ...


class ErasureDue(Protocol):
    async def record(self, due: DueForErasure, now: datetime) -> bool: ...


@dataclass(frozen=True)
class RetentionPass:
    requesters_due: int
    reads_deleted: int


class PersonalDataRetention:
    def __init__(
        self,
        closed: ClosedRequests,
        erasure_due: ErasureDue,
        delete_reads: Callable[[datetime], Awaitable[int]],
        clock: Clock,
        every_seconds: float = DAY_SECONDS,
    ) -> None:
        self.closed = closed
        self.erasure_due = erasure_due
        self.delete_reads = delete_reads
        self.clock = clock
        self.every_seconds = every_seconds

    async def apply(self, now: datetime | None = None) -> RetentionPass:
        now = now or self.clock()
        rule = retention.rule("essoc_request_closed", now.date())
        due = 0
        for request in await self.closed.closed_before(rule.cutoff(now)):
            if not rule.is_over(request.closed_at, now):
                continue
            ended = rule.expires_at(request.closed_at)
            record = DueForErasure("essoc_request_closed", request.request_id, "requester", request.requester_id, ended)
            due += await self.erasure_due.record(record, now)
        return RetentionPass(requesters_due=due, reads_deleted=await self.delete_reads(now))

    async def tick(self) -> None:
        done = await self.apply()
        if done.requesters_due or done.reads_deleted:
            log.info("personal data retention", requesters_due=done.requesters_due, reads_deleted=done.reads_deleted)

    async def run(self, stop: asyncio.Event) -> None:
        await every(self.every_seconds, stop, self.tick, name="personal data retention")

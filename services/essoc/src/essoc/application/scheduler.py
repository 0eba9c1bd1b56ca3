"""The answer clock: a background loop that appends the DeadlineReached now due.

It keeps no state of its own: each pass asks the read model which open requests have a notice due
and lets each aggregate decide, so a restart, a second instance or a late pass never emits a notice
twice, and a pass missed while the service was down is caught up by the next one. Each pass also
deletes the drafts untouched for 90 days (`retention`) and the attachment contents no event or open draft refers
to (see `uploads`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

import structlog

from chassis.background import every
from chassis.commands import Commands
from chassis.http.auth import SYSTEM_PRINCIPAL
from contracts.errors import ConcurrencyError
from essoc.application import commands
from essoc.application.unit_of_work import Clock, EssocUnitOfWork

log = structlog.get_logger(__name__)


class DueNotices(Protocol):
    async def due(self, now: datetime) -> list[str]:
        """The open requests with a deadline notice due at `now`."""
        ...


class AnswerClock:
    def __init__(
        self,
        runner: Commands[EssocUnitOfWork],
        notices: DueNotices,
        clock: Clock,
        sweep_orphans: Callable[[], Awaitable[int]],
        every_seconds: float,
        expire_drafts: Callable[[], Awaitable[int]] | None = None,
    ) -> None:
        self.commands = runner
        self.notices = notices
        self.clock = clock
        self.sweep_orphans = sweep_orphans
        self.every_seconds = every_seconds
        self.expire_drafts = expire_drafts

    async def notify_deadlines(self, now: datetime | None = None) -> int:
        """Appends the DeadlineReached due at `now`; returns how many. Safe to run again or concurrently:
        the aggregate emits each notice once per deadline, a concurrent writer gets a conflict."""
        now = now or self.clock()
        appended = 0
        for request_id in await self.notices.due(now):
            command = commands.NotifyDeadlines(request_id=request_id, now=now)
            try:
                appended += await self.commands.run(commands.notify_deadlines, command, SYSTEM_PRINCIPAL)
            except ConcurrencyError:
                continue  # another instance (or a command) moved the request on; the next pass decides again
        return appended

    async def run(self, stop: asyncio.Event) -> None:
        await every(self.every_seconds, stop, self.tick, name="answer clock")

    async def tick(self) -> None:
        """One pass: the notices now due, the drafts untouched for 90 days, then the orphan contents."""
        count = await self.notify_deadlines()
        if count:
            log.info("answer deadlines notified", count=count)
        expired = await self.expire_drafts() if self.expire_drafts else 0
        if expired:
            log.info("drafts untouched for 90 days deleted", count=expired)
        removed = await self.sweep_orphans()
        if removed:
            log.warning("orphan attachment contents deleted", count=removed)

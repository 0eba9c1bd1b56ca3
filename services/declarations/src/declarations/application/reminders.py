"""The reminder scheduler: a background loop that issues the deadline reminders now due.

It keeps no state of its own: each pass asks, per territory, which quarter is to remind and which relations
filed it, and lets the handler decide for the others from their reminder stream; so a restart, a second replica
or a late pass never issues a reminder twice, and a pass missed while the service was down is caught up by the
next one (within the late notice's window).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import structlog

from chassis.background import every
from chassis.commands import Commands
from chassis.http.auth import SYSTEM_PRINCIPAL
from contracts.errors import ConcurrencyError
from declarations.application import commands
from declarations.application.unit_of_work import Clock, DeclarationsUnitOfWork, RelationDirectory
from declarations.domain import calendar, reminders
from declarations.domain.drafting import Relation

log = structlog.get_logger(__name__)


class FiledQuarters(Protocol):
    async def filed_relations(self, year: int, quarter: int) -> set[str]:
        """The relations whose declaration of that quarter is filed."""
        ...


class FilingReminders:
    def __init__(
        self,
        runner: Commands[DeclarationsUnitOfWork],
        relations: RelationDirectory,
        filed: FiledQuarters,
        clock: Clock,
        *,
        days_before: Sequence[int] = reminders.DEFAULT_DAYS_BEFORE,
        late_window: int = reminders.LATE_NOTICE_WINDOW_DAYS,
        every_seconds: float = 300.0,
    ) -> None:
        self.commands = runner
        self.relations = relations
        self.filed = filed
        self.clock = clock
        self.days_before = tuple(days_before)
        self.late_window = late_window
        self.every_seconds = every_seconds

    async def send_due(self, now: datetime | None = None) -> int:
        """Issues the reminders due at `now`; returns how many."""
        now = now or self.clock()
        by_territory: dict[str, list[Relation]] = defaultdict(list)
        for relation in self.relations.relations():
            if relation.email:
                by_territory[relation.territory].append(relation)
        issued = 0
        for territory, relations in sorted(by_territory.items()):
            today = calendar.local_date(now, territory)  # type: ignore[arg-type]
            year, quarter = reminders.quarter_to_remind(today)
            first, last = reminders.reminder_window(
                (year, quarter), days_before=self.days_before, late_window=self.late_window
            )
            if not first <= today <= last:
                continue
            filed = await self.filed.filed_relations(year, quarter)
            for relation in relations:
                if relation.relation_id in filed:
                    continue
                command = commands.IssueReminder(
                    relation_id=relation.relation_id,
                    year=year,
                    quarter=quarter,
                    now=now,
                    days_before=self.days_before,
                    late_window=self.late_window,
                )
                try:
                    issued += await self.commands.run(commands.issue_reminder, command, SYSTEM_PRINCIPAL)
                except ConcurrencyError:
                    continue  # another replica issued it: the stream says so next time
        return issued

    async def run(self, stop: asyncio.Event) -> None:
        await every(self.every_seconds, stop, self.tick, name="filing reminders")

    async def tick(self) -> None:
        count = await self.send_due()
        if count:
            log.info("filing reminders issued", count=count)

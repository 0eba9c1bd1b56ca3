"""The retention of the notifier's personal data, applied once a day (`contracts.retention`, issue 25 item 2):

- the mails of the outbox settled and queued longer ago than `notifier_mail` are deleted (their recipient and the
  copy of their source event go); the `NotificationSent` event of each stays in the log (its recipient will be
  erased by crypto-shredding, item 3);
- the auditors' reads older than `read_log` are deleted (`chassis.read_log_retention`).

Both are deletions by a query: a missed day is caught up by the next pass, several replicas delete each mail once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import structlog

from chassis.background import every
from contracts import retention

log = structlog.get_logger(__name__)
DAY_SECONDS = 24 * 3600.0


class SettledMails(Protocol):
    async def delete_settled_before(self, cutoff: datetime) -> int:
        """Deletes the settled mails queued at or before `cutoff`; returns how many."""
        ...


@dataclass(frozen=True)
class RetentionPass:
    mails_deleted: int
    reads_deleted: int


def _now() -> datetime:
    return datetime.now(UTC)


class MailRetention:
    def __init__(
        self,
        mails: SettledMails,
        delete_reads: Callable[[datetime], Awaitable[int]],
        clock: Callable[[], datetime] = _now,
        every_seconds: float = DAY_SECONDS,
    ) -> None:
        self.mails = mails
        self.delete_reads = delete_reads
        self.clock = clock
        self.every_seconds = every_seconds

    async def apply(self, now: datetime | None = None) -> RetentionPass:
        now = now or self.clock()
        cutoff = retention.rule("notifier_mail", now.date()).cutoff(now)
        return RetentionPass(await self.mails.delete_settled_before(cutoff), await self.delete_reads(now))

    async def tick(self) -> None:
        done = await self.apply()
        if done.mails_deleted or done.reads_deleted:
            log.info("mail retention", mails_deleted=done.mails_deleted, reads_deleted=done.reads_deleted)

    async def run(self, stop: asyncio.Event) -> None:
        await every(self.every_seconds, stop, self.tick, name="mail retention")

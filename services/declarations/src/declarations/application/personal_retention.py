"""The retention of the declarations service's personal data, applied once a day (`contracts.retention`, issue 25
item 2):

- a SEPA mandate revoked longer ago than `mandate_revoked` (its IBAN, BIC and holder): its account holder is
  recorded « due for erasure » (`chassis.erasure_due`), keyed by the mandate's RUM (the key `contracts.personal`
  names for those fields); nothing is erased from the event log yet, crypto-shredding (item 3) will do it;
- the auditors' reads older than `read_log` are deleted (`chassis.read_log_retention`).

Each step is a query and an idempotent write: a missed day is caught up by the next, several replicas write each
thing once.
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
from declarations.application.unit_of_work import Clock

log = structlog.get_logger(__name__)
DAY_SECONDS = 24 * 3600.0


@dataclass(frozen=True)
class RevokedMandate:
    relation_id: str
    rum: str
    revoked_at: datetime


class RevokedMandates(Protocol):
    async def revoked_before(self, cutoff: datetime) -> list[RevokedMandate]:
        """The mandates revoked at or before `cutoff`."""
        ...


class ErasureDue(Protocol):
    async def record(self, due: DueForErasure, now: datetime) -> bool: ...


@dataclass(frozen=True)
class RetentionPass:
    holders_due: int
    reads_deleted: int


class DeclarationsRetention:
    def __init__(
        self,
        mandates: RevokedMandates,
        erasure_due: ErasureDue,
        delete_reads: Callable[[datetime], Awaitable[int]],
        clock: Clock,
        every_seconds: float = DAY_SECONDS,
    ) -> None:
        self.mandates = mandates
        self.erasure_due = erasure_due
        self.delete_reads = delete_reads
        self.clock = clock
        self.every_seconds = every_seconds

    async def apply(self, now: datetime | None = None) -> RetentionPass:
        now = now or self.clock()
        rule = retention.rule("mandate_revoked", now.date())
        due = 0
        for mandate in await self.mandates.revoked_before(rule.cutoff(now)):
            if not rule.is_over(mandate.revoked_at, now):
                continue
            ended = rule.expires_at(mandate.revoked_at)
            stream = f"mandate-{mandate.relation_id}"
            due += await self.erasure_due.record(
                DueForErasure("mandate_revoked", stream, "account_holder", mandate.rum, ended), now
            )
        return RetentionPass(holders_due=due, reads_deleted=await self.delete_reads(now))

    async def tick(self) -> None:
        done = await self.apply()
        if done.holders_due or done.reads_deleted:
            log.info("personal data retention", holders_due=done.holders_due, reads_deleted=done.reads_deleted)

    async def run(self, stop: asyncio.Event) -> None:
        await every(self.every_seconds, stop, self.tick, name="personal data retention")

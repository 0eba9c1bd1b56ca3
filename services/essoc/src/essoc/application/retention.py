"""Drafts untouched for 90 days are deleted (`essoc.domain.draft_retention`): each pass of the answer clock
(`scheduler`) asks the drafts read model which open drafts passed their date, lets each draft decide (a draft
changed or closed since is left as it is), appends one DraftExpired per draft, then deletes its files' contents.

Like the answer clock it keeps no state: a pass missed while the service was down is caught up by the next one, a
second instance gets a conflict and moves on, a crash before the contents are deleted leaves them to the orphan
sweep (no open draft refers to them any more).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from chassis.commands import Commands
from chassis.http.auth import SYSTEM_PRINCIPAL
from contracts.errors import ConcurrencyError
from essoc.application import drafting
from essoc.application.unit_of_work import Clock, EssocUnitOfWork
from essoc.application.uploads import BlobStore


class DueDrafts(Protocol):
    async def due(self, now: datetime) -> list[str]:
        """The open drafts whose retention ends at or before `now`."""
        ...


class DraftRetention:
    def __init__(self, runner: Commands[EssocUnitOfWork], drafts: DueDrafts, blobs: BlobStore, clock: Clock) -> None:
        self.commands = runner
        self.drafts = drafts
        self.blobs = blobs
        self.clock = clock

    async def expire(self, now: datetime | None = None) -> int:
        """Deletes the drafts untouched for 90 days at `now` (the service's clock by default); returns how many."""
        now = now or self.clock()
        expired = 0
        for draft_id in await self.drafts.due(now):
            command = drafting.ExpireDraft(draft_id=draft_id, now=now)
            try:
                contents = await self.commands.run(drafting.expire, command, SYSTEM_PRINCIPAL)
            except ConcurrencyError:
                continue  # the requester saved it meanwhile: the next pass decides again
            if contents is None:
                continue
            expired += 1
            for blob_id in contents:
                await self.blobs.delete(blob_id)
        return expired

"""The answer clock's scheduler: a background loop that appends the DeadlineReached now due.

It keeps no state of its own: each pass asks the read model which open requests have a notice due
and lets each aggregate decide, so a restart, a second instance or a late pass never emits a notice
twice, and a pass missed while the service was down is caught up by the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import structlog

from chassis.service import Runtime
from essoc.adapters.blobs import AttachmentStore
from essoc.application.commands import Handlers
from essoc.settings import EssocSettings

log = structlog.get_logger(__name__)


async def run_deadline_scheduler(runtime: Runtime, stop: asyncio.Event) -> None:
    settings: EssocSettings = runtime.settings  # type: ignore[assignment]
    handlers: Handlers = runtime.extras["handlers"]
    blobs: AttachmentStore = runtime.extras["blobs"]
    events = runtime.db["events"]

    async def referred_to(blob_id: str) -> bool:
        return await events.find_one({"type": "AttachmentAdded", "data.blob_id": blob_id}, {"_id": 1}) is not None

    while not stop.is_set():
        try:
            count = await handlers.notify_deadlines()
            if count:
                log.info("answer deadlines notified", count=count)
            removed = await blobs.sweep_orphans(referred_to, timedelta(seconds=settings.orphan_blob_grace_seconds))
            if removed:
                log.warning("orphan attachment contents deleted", count=removed)
        except Exception:
            log.exception("deadline scheduler pass failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.deadline_scan_seconds)

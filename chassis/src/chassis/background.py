"""Background loops: a pass now, then one every few seconds until the service stops."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger(__name__)


async def every(seconds: float, stop: asyncio.Event, work: Callable[[], Awaitable[object]], *, name: str) -> None:
    """Runs `work` until `stop` is set; a pass that fails is logged and the next one runs as planned."""
    while not stop.is_set():
        try:
            await work()
        except Exception:
            log.exception("background pass failed", task=name)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)

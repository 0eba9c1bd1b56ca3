"""A stream's events as the history endpoints show them: what, who, when, with the chain's hash."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from contracts.envelope import EventEnvelope


def event_rows(events: Sequence[EventEnvelope], zone: ZoneInfo | None = None) -> list[dict[str, Any]]:
    """One row per event; with `zone`, the instant also in the territory's local time."""
    rows = []
    for e in events:
        local = {"occurred_at_local": e.occurred_at.astimezone(zone).isoformat()} if zone else {}
        rows.append(
            {
                "version": e.version,
                "type": e.type,
                "occurred_at": e.occurred_at.isoformat(),
                **local,
                "actor": e.actor.model_dump(),
                "data": e.data,
                "hash": e.hash,
            }
        )
    return rows

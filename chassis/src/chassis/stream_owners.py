"""Whose key encrypts the texts of a stream that name its owner (`contracts.personal.STREAM_OWNERS`: a request, a
draft, an assistance ticket): the owner its opening event names in clear, remembered by stream (decision 0031)."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from contracts.personal import STREAM_OWNERS
from contracts.personal_subjects import stream_owner
from contracts.registry import event_type

Doc = dict[str, Any]
KEPT = 10_000


class StreamOwners:
    def __init__(self, events: Any) -> None:
        self.events = events
        self._known: dict[str, str | None] = {}

    async def of(
        self, stream_id: str, expected_version: int, first_type: str, first: Doc, session: AsyncClientSession | None
    ) -> str | None:
        """The owner of the stream an append of `first` (of type `first_type`) after `expected_version` goes to."""
        if event_type(first_type).stream_type not in STREAM_OWNERS:
            return None
        if stream_id not in self._known:
            owner = stream_owner(first_type, first) if expected_version == 0 else await self.stored(stream_id, session)
            if len(self._known) > KEPT:
                self._known.clear()
            self._known[stream_id] = owner
        return self._known[stream_id]

    async def stored(self, stream_id: str, session: AsyncClientSession | None = None) -> str | None:
        """The owner the stream's stored opening event names; None for a stream without one (or not begun)."""
        doc = await self.events.find_one(
            {"stream_id": stream_id, "version": 1}, {"type": 1, "data": 1}, session=session
        )
        return stream_owner(str(doc["type"]), doc["data"]) if doc else None

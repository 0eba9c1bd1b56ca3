"""The streams a process read last, kept so that loading one again reads only what came after.

A command loads its stream, and taxcalc the declaration it received, before every decision: read whole, that
is a read that grows with the stream (a declaration of 50 lines is 50 events read, checked and upcast for the
51st line). Events never change once committed, so what was read can be kept: the next load asks the server
only for the events from the last one kept, and checks that this one is still there, the same event (its
id). If it is not (the events kept were read in a transaction that was then aborted), the stream is read
whole again. A stream is kept from its version 1 up to its first missing version only (events received from
another service may arrive out of order: a later arrival always has a version past that prefix).

Bounded in events (least recently used streams go first): a few hot streams are what it is for.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from contracts.envelope import EventEnvelope

MAX_EVENTS = 1_000
"""Events kept in all: about 2 MB (about 2 KB an event in memory), enough for the streams being worked on."""


class StreamCache:
    def __init__(self, max_events: int = MAX_EVENTS) -> None:
        self.max_events = max_events
        self._streams: OrderedDict[tuple[str, str], tuple[EventEnvelope, ...]] = OrderedDict()
        self._events = 0
        self.hits = 0
        self.misses = 0

    def known(self, log: str, stream_id: str) -> tuple[EventEnvelope, ...]:
        """The events kept for the stream (its versions 1 to n, none missing), possibly none."""
        found = self._streams.get((log, stream_id))
        if found is None:
            return ()
        self._streams.move_to_end((log, stream_id))
        return found

    def keep(self, log: str, stream_id: str, events: Sequence[EventEnvelope]) -> None:
        prefix = _without_gap(events)
        self._drop((log, stream_id))
        if not prefix or len(prefix) > self.max_events:
            return
        self._streams[(log, stream_id)] = prefix
        self._events += len(prefix)
        while self._events > self.max_events:
            self._drop(next(iter(self._streams)))

    def follows(self, kept: tuple[EventEnvelope, ...], read: Sequence[EventEnvelope]) -> list[EventEnvelope] | None:
        """The whole stream from what was kept and what was read from its last version on; None when the
        last event kept is not the one the server holds at that version."""
        if not read or read[0].event_id != kept[-1].event_id:
            self.misses += 1
            return None
        self.hits += 1
        return [*kept, *read[1:]]

    def _drop(self, key: tuple[str, str]) -> None:
        gone = self._streams.pop(key, None)
        if gone is not None:
            self._events -= len(gone)


def _without_gap(events: Sequence[EventEnvelope]) -> tuple[EventEnvelope, ...]:
    """The events up to the first version missing (1, 2, 3… from the first)."""
    prefix: list[EventEnvelope] = []
    for expected, event in enumerate(events, start=1):
        if event.version != expected:
            break
        prefix.append(event)
    return tuple(prefix)

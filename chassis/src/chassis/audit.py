"""What an auditor reads of a service's log: a stream as of a date or a version (its events, the state the
service's own fold gives at that point, whether its chain holds), the streams that match a search, and the
events a correlation id caused here. Read-only, and limited to the territories the auditor's token names.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from chassis.audit_search import stream_ids_query, streams_query
from chassis.eventstore import from_doc
from contracts.audit import head_proofs
from contracts.envelope import EventEnvelope, verify_chain
from contracts.errors import DomainError
from contracts.recorded import Recorded
from contracts.verify import write_bundle

if TYPE_CHECKING:
    from chassis.seals import Seals

Doc = dict[str, Any]
Fold = Callable[[Sequence[Recorded[BaseModel]]], object]
Opener = Callable[[Sequence[EventEnvelope]], Awaitable[list[EventEnvelope]]]
"""A service's fold of one stream type (the one its repository uses to decide commands)."""


@dataclass(frozen=True)
class StreamAsOf:
    stream_id: str
    stream_type: str
    territory: str
    events: list[EventEnvelope]
    state: object
    problems: list[str]
    latest_version: int
    """The stream's version today (the read may stop before it)."""

    def as_json(self) -> Doc:
        last = self.events[-1] if self.events else None
        return {
            "stream_id": self.stream_id,
            "stream_type": self.stream_type,
            "territory": self.territory,
            "version": last.version if last else 0,
            "latest_version": self.latest_version,
            "at": last.occurred_at.isoformat() if last else None,
            "position": last.position if last else None,
            "chain": {"intact": not self.problems, "problems": self.problems},
            "state": self.state,
            "events": [e.model_dump(mode="json") for e in self.events],
        }


class AuditReads:
    """The audit reads of one service's own log (`events`) and of what it consumed (`inbox`)."""

    def __init__(self, db: AsyncDatabase[Doc], folds: Mapping[str, Fold], opener: Opener | None = None) -> None:
        self.events = db["events"]
        self.inbox = db["inbox"]
        self.folds = folds
        self.opener = opener
        """Decrypts personal values for the auditor's eyes (`EventStore.opened`); the chain is checked as stored."""

    async def stream(
        self, stream_id: str, *, as_of: datetime | None = None, version: int | None = None
    ) -> StreamAsOf | None:
        """The stream up to `as_of` (the events recorded by then) or `version`; None when unknown here."""
        latest = await self.events.find_one({"stream_id": stream_id}, sort=[("version", -1)])
        if latest is None:
            return None
        query: Doc = {"stream_id": stream_id}
        if version is not None:
            query["version"] = {"$lte": version}
        stored = [from_doc(d) async for d in self.events.find(query, sort=[("version", ASCENDING)])]
        if as_of is not None:  # a prefix of the stream, up to the last version stamped by then (never the stamp
            # alone: two replicas' clocks differ by a few ms); read by the (stream_id, version) index
            last = max((e.version for e in stored if e.occurred_at <= as_of), default=0)
            stored = [e for e in stored if e.version <= last]
        events = await self.opener(stored) if self.opener is not None else stored
        return StreamAsOf(
            stream_id=stream_id,
            stream_type=str(latest["stream_type"]),
            territory=str(latest["territory"]),
            events=events,
            state=self.state_of(str(latest["stream_type"]), events),
            problems=verify_chain(stored),
            latest_version=int(latest["version"]),
        )

    def state_of(self, stream_type: str, events: Sequence[EventEnvelope]) -> object:
        """The state the service's fold gives after `events` (JSON), or None when it has no fold for the type
        or nothing happened yet."""
        fold = self.folds.get(stream_type)
        if fold is None or not events:
            return None
        return to_jsonable_python(fold([Recorded.of(e) for e in events]), fallback=str)

    async def streams(
        self,
        *,
        territories: Sequence[str] | None,
        stream_type: str | None = None,
        territory: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        page: int = 1,
        per_page: int = 50,
    ) -> tuple[int, list[Doc]]:
        """The streams with an event in [since, until], of a type and territory, the auditor's only: grouped,
        sorted and paged by the database, its match served by an index (`chassis.audit_search`)."""
        pipeline, index = streams_query(
            territories=territories,
            stream_type=stream_type,
            territory=territory,
            since=since,
            until=until,
            page=page,
            per_page=per_page,
        )
        found = [d async for d in await self.events.aggregate(pipeline, hint=index)]
        total = found[0]["total"][0]["n"] if found and found[0]["total"] else 0
        chosen = found[0]["items"] if found else []
        return total, [
            {
                "stream_id": r["_id"],
                "stream_type": r["stream_type"],
                "territory": r["territory"],
                "first_at": _iso(r["first_at"]),
                "last_at": _iso(r["last_at"]),
                "events": r["events"],
            }
            for r in chosen
        ]

    async def trace(self, correlation_id: str, *, territories: Sequence[str] | None) -> list[Doc]:
        """The events of this service's log, and those it consumed, that carry `correlation_id`, in time order."""
        query = {"correlation_id": correlation_id}  # by its index; the territories kept of what it finds
        own = [("propre", from_doc(d)) async for d in self.events.find(query) if _among(d, territories)]
        received = [("reçu", from_doc(d)) async for d in self.inbox.find(query) if _among(d, territories)]
        rows = sorted([*own, *received], key=lambda row: (row[1].occurred_at, row[1].position or 0))
        return [
            {
                "origin": origin,
                "event_id": str(e.event_id),
                "type": e.type,
                "stream_id": e.stream_id,
                "version": e.version,
                "territory": e.territory,
                "occurred_at": e.occurred_at.isoformat(),
                "actor": e.actor.model_dump(),
                "causation_id": e.causation_id,
                "hash": e.hash,
            }
            for origin, e in rows
        ]


def _among(doc: Doc, territories: Sequence[str] | None) -> bool:
    return territories is None or doc.get("territory") in territories


def _iso(value: object) -> str | None:
    """A stored instant in ISO 8601, UTC (a client may read BSON dates without their zone)."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    return None if value is None else str(value)


async def export_bundle(
    runtime: Any,
    out: Path,
    stream_ids: Sequence[str],
    stream_type: str | None,
    since: datetime | None,
    until: datetime | None,
) -> str:
    """Writes a bundle of the chosen streams under the latest seal (sealing first when the service holds its
    key and something is unsealed); returns what was written, in French."""
    seals: Seals = runtime.seals
    await seals.seal_now()
    seal = await seals.latest()
    if seal is None:
        raise DomainError("Aucun sceau : scellez d'abord le journal (audit seal) avec la clé du service.")
    chosen = list(dict.fromkeys(stream_ids))
    if stream_type is not None:
        pipeline, index = stream_ids_query(stream_type, since, until)
        found = [str(d["_id"]) async for d in await runtime.db["events"].aggregate(pipeline, hint=index)]
        chosen = list(dict.fromkeys([*chosen, *found]))
    heads = await seals.sealed_heads(seal.seq)
    sealed_ids = {h.stream_id for h in heads}
    covered = [s for s in chosen if s in sealed_ids]
    left_out = [s for s in chosen if s not in sealed_ids]
    if not covered:
        raise DomainError("Aucun des flux choisis n'est couvert par le dernier sceau (inconnus, ou plus récents).")
    proofs = head_proofs(heads, covered)
    events: list[EventEnvelope] = []
    for stream_id in covered:
        events += await runtime.store.read_stream_as_stored(stream_id)  # as the seal covers it: encrypted
    await asyncio.to_thread(write_bundle, out, runtime.name, seal, proofs, events)
    note = f"{out} : {len(covered)} flux, {len(events)} événements, sous le {seal.label} (position {seal.position})."
    if left_out:
        note += f" Non couverts par le sceau, donc laissés de côté : {', '.join(left_out)}."
    return note

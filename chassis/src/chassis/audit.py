"""What an auditor reads of a service's log: a stream as of a date or a version (its events, the state the
service's own fold gives at that point, whether its chain holds), the streams that match a search, and the
events a correlation id caused here. Read-only, and limited to the territories the auditor's token names.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from chassis.eventstore import from_doc, last_recorded_by
from contracts.audit import head_proofs
from contracts.envelope import EventEnvelope, verify_chain
from contracts.errors import DomainError
from contracts.recorded import Recorded
from contracts.verify import write_bundle

if TYPE_CHECKING:
    from chassis.seals import Seals

Doc = dict[str, Any]
Fold = Callable[[Sequence[Recorded[BaseModel]]], object]
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

    def __init__(self, db: AsyncDatabase[Doc], folds: Mapping[str, Fold]) -> None:
        self.events = db["events"]
        self.inbox = db["inbox"]
        self.folds = folds

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
        if as_of is not None:  # a prefix of the stream: up to the last version stamped by then
            last = await last_recorded_by(self.events, as_of, {"stream_id": stream_id}, key="version")
            query["version"] = {"$lte": min(last, version) if version is not None else last}
        events = [from_doc(d) async for d in self.events.find(query, sort=[("version", ASCENDING)])]
        return StreamAsOf(
            stream_id=stream_id,
            stream_type=str(latest["stream_type"]),
            territory=str(latest["territory"]),
            events=events,
            state=self.state_of(str(latest["stream_type"]), events),
            problems=verify_chain(events),
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
        """The streams with an event in [since, until], of a type and territory, the auditor's only."""
        match: Doc = {}
        if territories is not None:
            match["territory"] = {"$in": list(territories)}
        if territory is not None:
            match["territory"] = territory if territories is None or territory in territories else {"$in": []}
        if stream_type is not None:
            match["stream_type"] = stream_type
        when: Doc = {}
        if since is not None:
            when["$gte"] = since
        if until is not None:
            when["$lte"] = until
        if when:
            match["occurred_at"] = when
        group = [
            {"$match": match},
            {"$sort": {"stream_id": 1, "version": 1}},
            {
                "$group": {
                    "_id": "$stream_id",
                    "stream_type": {"$first": "$stream_type"},
                    "territory": {"$first": "$territory"},
                    "first_at": {"$min": "$occurred_at"},
                    "last_at": {"$max": "$occurred_at"},
                    "events": {"$sum": 1},
                }
            },
            {"$sort": {"last_at": -1, "_id": 1}},
        ]
        rows = [d async for d in await self.events.aggregate(group)]
        chosen = rows[(page - 1) * per_page : page * per_page]
        return len(rows), [
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
        query: Doc = {"correlation_id": correlation_id}
        if territories is not None:
            query["territory"] = {"$in": list(territories)}
        own = [("propre", from_doc(d)) async for d in self.events.find(query)]
        received = [("reçu", from_doc(d)) async for d in self.inbox.find(query)]
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
        reads = AuditReads(runtime.db, {})
        _, rows = await reads.streams(
            territories=None, stream_type=stream_type, since=since, until=until, per_page=1_000_000
        )
        chosen += [r["stream_id"] for r in rows if r["stream_id"] not in chosen]
    heads = await seals.sealed_heads(seal.seq)
    sealed_ids = {h.stream_id for h in heads}
    covered = [s for s in chosen if s in sealed_ids]
    left_out = [s for s in chosen if s not in sealed_ids]
    if not covered:
        raise DomainError("Aucun des flux choisis n'est couvert par le dernier sceau (inconnus, ou plus récents).")
    proofs = head_proofs(heads, covered)
    events: list[EventEnvelope] = []
    for stream_id in covered:
        events += await runtime.store.read_stream(stream_id)
    await asyncio.to_thread(write_bundle, out, runtime.name, seal, proofs, events)
    note = f"{out} : {len(covered)} flux, {len(events)} événements, sous le {seal.label} (position {seal.position})."
    if left_out:
        note += f" Non couverts par le sceau, donc laissés de côté : {', '.join(left_out)}."
    return note

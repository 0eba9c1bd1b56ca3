"""The auditors' stream search and trace, each query served by an index of the log (issue 26).

The search always names the territories (the auditor's, or the five for an admin) and, when chosen, the
stream type, as exact fields, then the period as a range of `occurred_at`: the index
`audit_territory_type_time` (territory, stream_type, occurred_at) serves it when a type is chosen,
`audit_territory_time` (territory, occurred_at) when not. Each aggregation names its index (`hint`):
SecantusDB plans a territory `$in` followed by another condition as a collection scan, MongoDB as an index
scan; the hint gives both the same plan. The streams are grouped, sorted and paged in the database
(`$facet`: the count and the page), not in Python. A trace is an exact `correlation_id`, in the log and in
the inbox (`audit_correlation`), its territories kept in Python of the few events it finds; a stream read as
of a date reads the stream by its (stream_id, version) index and keeps the prefix stamped by then.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, get_args

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from contracts.types import Territory

Doc = dict[str, Any]
BY_TERRITORY_TYPE_TIME = "audit_territory_type_time"
BY_TERRITORY_TIME = "audit_territory_time"
BY_CORRELATION = "audit_correlation"
TERRITORIES: tuple[str, ...] = get_args(Territory)


async def ensure_indexes(db: AsyncDatabase[Doc]) -> None:
    events = db["events"]
    await events.create_index(
        [("territory", ASCENDING), ("stream_type", ASCENDING), ("occurred_at", ASCENDING)], name=BY_TERRITORY_TYPE_TIME
    )
    await events.create_index([("territory", ASCENDING), ("occurred_at", ASCENDING)], name=BY_TERRITORY_TIME)
    await events.create_index([("correlation_id", ASCENDING)], name=BY_CORRELATION)
    await db["inbox"].create_index([("correlation_id", ASCENDING)], name=BY_CORRELATION)


def search_match(
    *,
    territories: Sequence[str] | None,
    stream_type: str | None,
    territory: str | None,
    since: datetime | None,
    until: datetime | None,
) -> tuple[Doc, str]:
    """The events with their stamp in [since, until], of a type and a territory among the auditor's
    (`territories`, None: every one); and the index that serves the match."""
    allowed = list(TERRITORIES if territories is None else territories)
    chosen = [territory] if territory is not None and territory in allowed else [] if territory else allowed
    match: Doc = {"territory": chosen[0] if len(chosen) == 1 else {"$in": chosen}}
    if stream_type is not None:
        match["stream_type"] = stream_type
    when: Doc = {}
    if since is not None:
        when["$gte"] = since
    if until is not None:
        when["$lte"] = until
    if when:
        match["occurred_at"] = when
    return match, BY_TERRITORY_TYPE_TIME if stream_type is not None else BY_TERRITORY_TIME


def streams_query(
    *,
    territories: Sequence[str] | None,
    stream_type: str | None,
    territory: str | None,
    since: datetime | None,
    until: datetime | None,
    page: int,
    per_page: int,
) -> tuple[list[Doc], str]:
    """The aggregation of the streams with an event in [since, until], of a type and a territory among the
    auditor's, newest first, `{"total": [{"n"}], "items": [...]}` for the page asked; and the index it names."""
    match, index = search_match(
        territories=territories, stream_type=stream_type, territory=territory, since=since, until=until
    )
    pipeline: list[Doc] = [
        {"$match": match},
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
        {"$facet": {"total": [{"$count": "n"}], "items": [{"$skip": (page - 1) * per_page}, {"$limit": per_page}]}},
    ]
    return pipeline, index


def stream_ids_query(stream_type: str | None, since: datetime | None, until: datetime | None) -> tuple[list[Doc], str]:
    """The ids of every stream of a type with an event in [since, until], newest first (an export: one row
    each, not one document holding them all); and the index it names."""
    match, index = search_match(territories=None, stream_type=stream_type, territory=None, since=since, until=until)
    group = {"$group": {"_id": "$stream_id", "last_at": {"$max": "$occurred_at"}}}
    return [{"$match": match}, group, {"$sort": {"last_at": -1, "_id": 1}}, {"$project": {"_id": 1}}], index

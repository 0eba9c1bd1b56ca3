"""The people's routes every service has (issue 25): « Mes données » of the caller (`GET /personal-data/mine`,
any signed-in person, nobody else's data) and who read what (`GET /admin/reads`, the DPO only)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from chassis.audit_log import COLLECTION as READS
from chassis.http.auth import CurrentPrincipal
from chassis.http.inputs import IDENTIFIER_PATTERN
from chassis.personal_data import PersonalDataLookup
from contracts.errors import DomainError

router = APIRouter(tags=["données personnelles"])


@router.get("/personal-data/mine")
async def mine(request: Request, who: CurrentPrincipal) -> dict[str, Any]:
    """What this service holds about the caller (its sign-in id and e-mail address): each record with the
    personal values about them, the event, the date and the end of the record's retention."""
    runtime = request.app.state.runtime
    records = await PersonalDataLookup(runtime.store, runtime.name).held([who.id, who.email])
    return {
        "service": runtime.name,
        "subject": {"id": who.id, "email": who.email},
        "records": [r.as_json() for r in records],
    }


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@router.get("/admin/reads")
async def reads(
    request: Request,
    who: CurrentPrincipal,
    reader: Annotated[str | None, Query(max_length=200, pattern=IDENTIFIER_PATTERN, description="qui a lu")] = None,
    record: Annotated[str | None, Query(max_length=300, description="ce qui a été lu (un mot de l'adresse)")] = None,
    since: Annotated[datetime | None, Query(alias="from", description="depuis cet instant (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(alias="to", description="jusqu'à cet instant (ISO 8601)")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> dict[str, Any]:
    """The reads of personal data by agents, comptables and auditors, the last first (the DPO only)."""
    who.require("dpo")
    start, end = _utc(since), _utc(until)
    if start is not None and end is not None and start > end:
        raise DomainError("La fin de la période précède son début.", field="to")
    query: dict[str, Any] = {}
    if reader:
        query["who"] = reader
    if record:
        query["path"] = {"$regex": re.escape(record)}
    if start is not None or end is not None:
        query["at"] = {k: v for k, v in (("$gte", start), ("$lte", end)) if v is not None}
    db = request.app.state.runtime.db
    cursor = db[READS].find(query, sort=[("at", -1), ("_id", -1)], limit=limit)
    items = [
        {
            "at": _utc(d["at"]).isoformat() if isinstance(d.get("at"), datetime) else None,  # type: ignore[union-attr]
            "who": d.get("who"),
            "role": d.get("role"),
            "record": d.get("record") or d.get("path"),
            "path": d.get("path"),
            "query": d.get("query"),
        }
        async for d in cursor
    ]
    return {"service": request.app.state.runtime.name, "items": items}

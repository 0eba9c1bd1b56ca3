"""The auditors' HTTP reads, every service the same: a stream as of a date or a version, the streams, the
trail of a correlation id, the seals and the keys that sign them. Auditors (their territories) and admins;
nothing here changes the log but `POST /audit/seals` (admin), which seals it now."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from chassis.audit import AuditReads
from chassis.http.auth import CurrentPrincipal, Principal
from chassis.http.inputs import IDENTIFIER_PATTERN
from contracts.errors import DomainError, Forbidden, NotFound

router = APIRouter(prefix="/audit", tags=["audit"])
StreamId = Annotated[str, Path(min_length=1, max_length=200, pattern=IDENTIFIER_PATTERN)]
CorrelationId = Annotated[str, Path(min_length=1, max_length=200, pattern=IDENTIFIER_PATTERN)]


def _reads(request: Request) -> AuditReads:
    runtime = request.app.state.runtime
    return AuditReads(runtime.db, runtime.definition.audit_folds, runtime.store.opened)


def _territories(who: Principal) -> tuple[str, ...] | None:
    """None: every territory (an admin); else the auditor's."""
    who.require("auditor", "admin")
    return None if who.has("admin") else who.territories


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@router.get("/streams/{stream_id}")
async def stream(
    stream_id: StreamId,
    request: Request,
    who: CurrentPrincipal,
    as_of: Annotated[datetime | None, Query(description="les événements enregistrés à cet instant (ISO 8601)")] = None,
    version: Annotated[int | None, Query(ge=1, description="les événements jusqu'à cette version")] = None,
) -> dict[str, Any]:
    """A stream as it stood at `as_of` or at `version`: its events with their chain (`prev_hash`, `hash`), the
    state the service's own fold gives at that point, whether the chain holds, and the seal that covers it."""
    territories = _territories(who)
    if as_of is not None and version is not None:
        raise DomainError("Choisissez une date (as_of) ou une version, pas les deux.", field="version")
    found = await _reads(request).stream(stream_id, as_of=_utc(as_of), version=version)
    if found is None:
        raise NotFound(f"Le flux {stream_id} est inconnu de ce service.", field="stream_id")
    if territories is not None and found.territory not in territories:
        raise Forbidden(f"Le flux {stream_id} relève d'un territoire que vous n'auditez pas.", field="stream_id")
    body = found.as_json()
    seals = request.app.state.runtime.seals
    body["seal"] = await seals.covering(body["position"]) if seals is not None and body["position"] else None
    # The chain read holds together by itself even when rewritten with recomputed hashes: the seal says.
    sealed = await seals.check_stream(stream_id) if seals is not None else None
    body["sealed"] = sealed
    if sealed is not None and not sealed["intact"]:
        body["chain"] = {"intact": False, "problems": [*body["chain"]["problems"], *sealed["problems"]]}
    return body


@router.get("/streams")
async def streams(
    request: Request,
    who: CurrentPrincipal,
    type: Annotated[str | None, Query(max_length=40, pattern=IDENTIFIER_PATTERN, description="le type de flux")] = None,
    territory: Annotated[str | None, Query(max_length=3, pattern=r"^[0-9]{3}$")] = None,
    since: Annotated[datetime | None, Query(alias="from", description="un événement depuis cet instant")] = None,
    until: Annotated[datetime | None, Query(alias="to", description="un événement jusqu'à cet instant")] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """The streams with an event in the period, of a type and a territory (the auditor's only), newest first."""
    territories = _territories(who)
    total, items = await _reads(request).streams(
        territories=territories,
        stream_type=type,
        territory=territory,
        since=_utc(since),
        until=_utc(until),
        page=page,
        per_page=per_page,
    )
    return {"total": total, "page": page, "per_page": per_page, "items": items}


@router.get("/trace/{correlation_id}")
async def trace(correlation_id: CorrelationId, request: Request, who: CurrentPrincipal) -> dict[str, Any]:
    """The events a correlation id caused in this service (its own, and those it consumed), in time order."""
    territories = _territories(who)
    items = await _reads(request).trace(correlation_id, territories=territories)
    return {"service": request.app.state.runtime.name, "correlation_id": correlation_id, "items": items}


@router.get("/seals")
async def seals(
    request: Request,
    who: CurrentPrincipal,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """The seals of this service's log, newest first: number, position, root, time, the previous seal's
    digest, the key id and the Ed25519 signature, and whether it was published on `audit.seals`."""
    _territories(who)
    total, items = await request.app.state.runtime.seals.page(page, per_page)
    return {
        "service": request.app.state.runtime.name,
        "total": total,
        "page": page,
        "per_page": per_page,
        "items": items,
    }


@router.post("/seals")
async def seal_now(request: Request, who: CurrentPrincipal) -> dict[str, Any]:
    """Seals the log now (an operator, before an export or an audit); 200 with `sealed: false` when nothing
    was appended since the last seal."""
    who.require("admin")
    runtime = request.app.state.runtime
    if runtime.seals.key is None:
        raise DomainError(
            "Ce service n'a pas de clé de scellement (AUDIT_SIGNING_KEY) : il ne peut pas sceller son journal.",
            status=409,
            code="scellement-impossible",
        )
    seal = await runtime.seals.seal_now()
    with contextlib.suppress(Exception):  # the broker may be away: the sealing loop publishes it later
        await runtime.publish_seals()
    latest = seal or await runtime.seals.latest()
    return {"sealed": seal is not None, "seal": latest.model_dump(mode="json") if latest else None}


@router.get("/keys")
async def keys(request: Request, who: CurrentPrincipal) -> dict[str, Any]:
    """The public keys the seals are checked against, each with its service and validity period."""
    _territories(who)
    keyring = request.app.state.runtime.seals.keyring
    return {"keys": [] if keyring is None else [k.model_dump(mode="json") for k in keyring.keys]}

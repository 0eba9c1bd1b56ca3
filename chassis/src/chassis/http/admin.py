"""Operators' routes every service has: its dead letters, listed, inspected and replayed (admin only)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request

from chassis.dead_letters import DeadLetters, summary
from chassis.http.auth import CurrentPrincipal
from contracts.errors import Conflict

router = APIRouter(prefix="/admin", tags=["exploitation"])
LetterId = Annotated[str, Path(min_length=1, max_length=300, pattern=r"^(event:[0-9a-f-]{36}|record:[0-9a-f]{64})$")]


def _letters(request: Request) -> DeadLetters:
    return DeadLetters(request.app.state.runtime.db, request.app.state.runtime.name)


@router.get("/dead-letters")
async def list_dead_letters(
    request: Request,
    who: CurrentPrincipal,
    state: Annotated[Literal["parked", "replayed"] | None, Query()] = "parked",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """The consumed records this service could not process (oldest first), with the error and the event."""
    who.require("admin", "auditor")
    total, items = await _letters(request).list(state=state, limit=limit, offset=offset)
    return {"total": total, "items": items}


@router.get("/dead-letters/{letter_id}")
async def get_dead_letter(letter_id: LetterId, request: Request, who: CurrentPrincipal) -> dict[str, Any]:
    who.require("admin", "auditor")
    return summary(await _letters(request).get(letter_id))


@router.post("/dead-letters/{letter_id}/replay")
async def replay_dead_letter(letter_id: LetterId, request: Request, who: CurrentPrincipal) -> dict[str, Any]:
    """Processes the record again, once the cause is fixed; refused (409) when it fails again."""
    who.require("admin")
    consumer = request.app.state.runtime.consumer
    if consumer is None:
        raise Conflict("Ce processus ne consomme pas d'événements : rejouez depuis un processus consommateur.")
    return await _letters(request).replay(letter_id, consumer.process)

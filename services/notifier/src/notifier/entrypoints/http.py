"""GET /notifications: who was told what, when — for support and audit."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from chassis.http.auth import CurrentPrincipal

router = APIRouter(tags=["notifications"])


@router.get("/notifications")
async def list_notifications(
    request: Request,
    who: CurrentPrincipal,
    recipient: Annotated[str | None, Query(description="adresse du destinataire")] = None,
    event_id: Annotated[str | None, Query(description="événement à l'origine du courriel")] = None,
    status: Annotated[str | None, Query(pattern="^(sent|failed)$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Admins and agents see every notification; any other user only the ones sent to them."""
    who.require("admin", "agent", "requester", "declarant")
    query: dict[str, Any] = {}
    if who.role not in ("admin", "agent"):
        query["recipient"] = who.email
    elif recipient:
        query["recipient"] = recipient
    if who.role == "agent" and who.territories:
        query["territory"] = {"$in": list(who.territories)}
    if event_id:
        query["source_event_id"] = event_id
    if status:
        query["status"] = status
    collection = request.app.state.runtime.db["notifications"]
    total = await collection.count_documents(query)
    items = [
        {"notification_id": d.pop("_id"), **d}
        async for d in collection.find(query, sort=[("sent_at", -1), ("_id", 1)], skip=offset, limit=limit)
    ]
    return {"total": total, "items": items}

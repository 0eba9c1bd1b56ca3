"""GET /notifications: who was told what, when — for support and audit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pymongo.asynchronous.database import AsyncDatabase

from chassis.http.auth import CurrentPrincipal
from chassis.http.inputs import IDENTIFIER_PATTERN, LINE_PATTERN
from chassis.service import services_of
from notifier.application import access
from notifier.application.sender import MailSender

router = APIRouter(tags=["notifications"])


@dataclass
class NotifierServices:
    """What the routes depend on, wired by `bootstrap`."""

    db: AsyncDatabase[dict[str, Any]]
    sender: MailSender


Services = Annotated[NotifierServices, Depends(services_of(NotifierServices))]


@router.get("/notifications")
async def list_notifications(
    services: Services,
    who: CurrentPrincipal,
    recipient: Annotated[
        str | None, Query(max_length=254, pattern=LINE_PATTERN, description="adresse du destinataire")
    ] = None,
    event_id: Annotated[
        str | None,
        Query(max_length=128, pattern=IDENTIFIER_PATTERN, description="événement à l'origine du courriel"),
    ] = None,
    status: Annotated[Literal["sent", "failed"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """Admins and agents see every notification; any other user only the ones sent to them."""
    query = access.visible_notifications(who, recipient)
    if event_id:
        query["source_event_id"] = event_id
    if status:
        query["status"] = status
    collection = services.db["notifications"]
    total = await collection.count_documents(query)
    items = [
        {"notification_id": d.pop("_id"), **d}
        async for d in collection.find(query, sort=[("sent_at", -1), ("_id", 1)], skip=offset, limit=limit)
    ]
    return {"total": total, "items": items}

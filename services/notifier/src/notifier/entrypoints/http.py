"""GET /notifications: who was told what, when — for support and audit; GET /notifications/mine: the mails sent to
the caller (« Mes notifications » in the portal)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from pymongo.asynchronous.database import AsyncDatabase

from chassis.http.auth import CurrentPrincipal
from chassis.http.inputs import IDENTIFIER_PATTERN, LINE_PATTERN
from chassis.service import services_of
from notifier.adapters.outbox import MailOutbox
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


class MyNotification(BaseModel):
    id: str
    sent_at: str
    subject: str
    kind: str = Field(description="le modèle du courriel : « domino_filing_receipt », « essoc_request_closed »…")
    territory: str | None
    link: str | None = Field(description="la page du portail dont parle le courriel (un chemin), si elle est connue")


class MyNotifications(BaseModel):
    total: int
    page: int
    per_page: int
    items: list[MyNotification]


@router.get("/notifications/mine")
async def my_notifications(
    services: Services,
    who: CurrentPrincipal,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> MyNotifications:
    """The mails sent to the caller's own address (its token's `email`), newest first: any signed-in person's, and
    never anyone else's, whatever its roles."""
    query = {**access.own_notifications(who), "status": "sent"}
    collection = services.db["notifications"]
    total = await collection.count_documents(query)
    cursor = collection.find(query, sort=[("sent_at", -1), ("_id", 1)], skip=(page - 1) * per_page, limit=per_page)
    sent = [d async for d in cursor]
    links = await MailOutbox(services.db).pages([str(d["_id"]) for d in sent])
    items = [
        MyNotification(
            id=str(d["_id"]),
            sent_at=str(d["sent_at"]),
            subject=str(d.get("subject") or ""),
            kind=str(d["template"]),
            territory=d.get("territory"),
            link=links.get(str(d["_id"])),
        )
        for d in sent
    ]
    return MyNotifications(total=total, page=page, per_page=per_page, items=items)

"""The assistance tickets read model (decision record 0028): one document per ticket, what « Mes demandes
d'assistance » and the agents' queue list. The ticket page reads the ticket's own stream."""

from __future__ import annotations

from typing import Any

from chassis.dispatch import on
from chassis.projection import Projection
from chassis.views import Index, ViewDatabase
from contracts.events.assistance import (
    AssistanceAnswered,
    AssistanceClosed,
    AssistanceFollowedUp,
    AssistanceRequested,
)
from contracts.recorded import Recorded
from essoc.application.projections import utc

Doc = dict[str, Any]
TICKETS = "assistance_tickets"
GRAVITY_RANK = {"bloquant": 0, "genant": 1, "question": 2}
"""The queue shows the blocking problems first."""


def status_of(doc: Doc) -> str:
    """« en-attente » (the support's turn), « repondue » (the person's turn), « close »."""
    if doc.get("closed_at") is not None:
        return "close"
    return "repondue" if doc.get("last_from") == "agent" else "en-attente"


class AssistanceView(Projection):
    name = "assistance_tickets"
    collections = (TICKETS,)
    indexes = (
        Index(TICKETS, (("requester_id", 1), ("filed_at", -1))),
        Index(TICKETS, (("open", -1), ("gravity_rank", 1), ("filed_at", 1))),
    )

    @on(AssistanceRequested)
    async def _requested(self, event: Recorded[AssistanceRequested], db: ViewDatabase) -> None:
        e = event.event
        doc: Doc = {
            "_id": event.stream_id,
            "number": e.number,
            "territory": event.territory,
            "subject": e.subject,
            "category": e.category,
            "gravity": e.gravity,
            "gravity_rank": GRAVITY_RANK[e.gravity],
            "incident_reference": e.incident_reference,
            "requester_id": e.requester.id,
            "requester_name": e.requester.name,
            "filed_at": utc(e.at),
            "updated_at": utc(e.at),
            "messages": 0,
            "last_from": "requester",
            "open": True,
            "closed_at": None,
            "version": event.version,
        }
        doc["status"] = status_of(doc)
        await db[TICKETS].replace_one({"_id": event.stream_id}, doc, upsert=True)

    @on(AssistanceAnswered, AssistanceFollowedUp, AssistanceClosed)
    async def _changed(
        self, event: Recorded[AssistanceAnswered | AssistanceFollowedUp | AssistanceClosed], db: ViewDatabase
    ) -> None:
        doc = await db[TICKETS].find_one({"_id": event.stream_id})
        if doc is None:
            return  # a ticket this read model never saw filed (partial replay)
        e = event.event
        match e:
            case AssistanceAnswered():
                doc["messages"] += 1
                doc["last_from"] = "agent"
            case AssistanceFollowedUp():
                doc["messages"] += 1
                doc["last_from"] = "requester"
            case AssistanceClosed():
                doc["open"], doc["closed_at"] = False, utc(e.at)
        doc["updated_at"] = utc(e.at)
        doc["version"] = event.version
        doc["status"] = status_of(doc)
        await db[TICKETS].replace_one({"_id": event.stream_id}, doc)

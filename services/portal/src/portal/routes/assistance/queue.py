"""The agents' « Assistance » queue: every ticket (tickets are not per directorate), the open ones first, the
blocking ones first, the oldest first; each opens the ticket's page with its answer form."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from portal.auth import person
from portal.backends import backends_of
from portal.rendering import render
from portal.routes.assistance.ticket import STATUS_LABELS


async def queue(request: Request) -> Response:
    session = person(request, "agent")
    found = await backends_of(request).essoc.get("/api/v1/assistance/queue", session.token)
    context = {"title": "Assistance", "found": found, "statuses": STATUS_LABELS}
    return render(request, "assistance/queue.html", context)

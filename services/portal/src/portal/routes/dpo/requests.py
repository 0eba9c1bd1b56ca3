"""The people's requests about their data: every one, the oldest first, with its deadline and its state; those
still unanswered past their deadline are flagged (essoc says which)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from portal.backends import backends_of
from portal.rendering import render
from portal.routes.dpo.opening import signed_in


async def requests(request: Request) -> Response:
    session = signed_in(request)
    found = await backends_of(request).essoc.get("/api/v1/rights-requests", session.token)
    return render(request, "dpo/requests.html", {"title": "Demandes sur les données personnelles", "found": found})

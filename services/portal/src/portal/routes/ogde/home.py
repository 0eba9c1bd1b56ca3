"""« Accueil »: the menu, and where the person's requests stand."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from portal.backends import backends_of
from portal.rendering import render
from portal.routes.ogde.my_requests import TABS
from portal.routes.ogde.opening import signed_in


async def home(request: Request) -> Response:
    """« Accueil »: the menu, and where the person's requests stand."""
    session = signed_in(request)
    found = await backends_of(request).essoc.get("/api/v1/requests", session.token, per_page=1)
    return render(request, "ogde/home.html", {"title": "Accueil", "counts": found["counts"], "tabs": TABS})

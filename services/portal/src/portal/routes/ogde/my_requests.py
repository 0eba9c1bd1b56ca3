"""« Mes demandes »: the person's requests in four tabs."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from portal.backends import backends_of
from portal.rendering import render
from portal.routes.ogde.opening import signed_in

TABS = (
    ("deposees", "Déposées"),
    ("prises-en-charge", "Prises en charge"),
    ("refusees", "Refusées"),
    ("cloturees", "Clôturées"),
)


async def my_requests(request: Request, onglet: str = "deposees", page: int = 1) -> Response:
    """« Mes demandes »: the four tabs with their counts, 20 rows a page."""
    session = signed_in(request)
    tab = onglet if onglet in dict(TABS) else "deposees"
    found = await backends_of(request).essoc.get(
        "/api/v1/requests", session.token, tab=tab, page=max(1, min(page, 10_000)), per_page=20
    )
    return render(request, "ogde/list.html", {"title": "Mes demandes", "found": found, "tab": tab, "tabs": TABS})

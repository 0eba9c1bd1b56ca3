"""« Mes demandes »: the person's requests in four tabs, and their drafts of « Nouvelle demande » in a fifth,
« Brouillons », each with its last change, the day it will be deleted if left untouched, and « Reprendre »."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from portal.backends import backends_of
from portal.rendering import render
from portal.routes.ogde.opening import signed_in
from portal.routes.ogde.steps import resume_at, step_url

TABS = (
    ("deposees", "Déposées"),
    ("prises-en-charge", "Prises en charge"),
    ("refusees", "Refusées"),
    ("cloturees", "Clôturées"),
)
DRAFTS = ("brouillons", "Brouillons")


async def my_requests(request: Request, onglet: str = "deposees", page: int = 1) -> Response:
    """« Mes demandes »: the four tabs with their counts, 20 rows a page, and « Brouillons »."""
    session = signed_in(request)
    essoc = backends_of(request).essoc
    tab = onglet if onglet in (*dict(TABS), DRAFTS[0]) else "deposees"
    found = await essoc.get(
        "/api/v1/requests",
        session.token,
        tab=tab if tab != DRAFTS[0] else "deposees",
        page=max(1, min(page, 10_000)),
        per_page=20,
    )
    drafts = await essoc.get("/api/v1/drafts", session.token)
    for row in drafts["items"]:
        row["resume"] = step_url(row["id"], resume_at(row["missing"]))
    return render(
        request,
        "ogde/list.html",
        {"title": "Mes demandes", "found": found, "tab": tab, "tabs": (*TABS, DRAFTS), "drafts": drafts},
    )

"""« Rechercher une déclaration » of the chosen relation (année, trimestre, état)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from portal.backends import backends_of
from portal.forms import Form
from portal.rendering import render
from portal.routes.domino.opening import relation_home, signed_in

router = APIRouter()


@router.get("/recherche")
async def search(request: Request, annee: str = "", trimestre: str = "", etat: str = "", page: int = 1) -> Response:
    """« Rechercher une déclaration » (année, trimestre, état)."""
    session = signed_in(request)
    data = await relation_home(request, session)
    form = Form(values={"annee": annee, "trimestre": trimestre, "etat": etat})
    year = annee.strip() if annee.strip().isdigit() and len(annee.strip()) == 4 else None
    if annee.strip() and year is None:
        form.error("annee", "L'année s'écrit sur quatre chiffres, par exemple 2026.")
    quarter = trimestre if trimestre in ("1", "2", "3", "4") else None
    status = etat if etat in ("draft", "filed") else None
    found = await backends_of(request).declarations.get(
        "/api/v1/declarations",
        session.token,
        relation_id=session.relation_id,
        year=year,
        quarter=quarter,
        status=status,
        page=max(1, min(page, 10_000)),
        per_page=20,
    )
    # A quarter's rectificatives above the declaration they correct, the latest first (the service orders quarters).
    found["items"].sort(key=lambda d: (-d["year"], -d["quarter"], -int(d.get("corrective") or 0)))
    query = urlencode({k: v for k, v in form.values.items() if v})
    return render(
        request,
        "domino/search.html",
        {"title": "Rechercher une déclaration", "home": data, "form": form, "found": found, "query": query},
    )

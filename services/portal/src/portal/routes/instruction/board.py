"""« Demandes ESSOC », the board: the requests queued by stage in tabs with their counts, filters, a search by
number or words, a sort by any column, 20 rows a page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of
from portal.forms import Form
from portal.rendering import render, see_other
from portal.routes.instruction.opening import signed_in

TABS = ("a-traiter", "suivies", "prises-en-charge", "refusees", "cloturees")
SORTS = {
    "numero": "N°",
    "depot": "Dépôt",
    "demandeur": "Demandeur",
    "nature": "Nature / catégorie",
    "objet": "Objet",
    "maj": "MAJ",
    "echeance": "Échéance",
}
FILTERS = {"nature": "nature", "etat": "state", "recevabilite": "admissibility"}
"""The board's filters: the portal's query parameter → the API's."""


def board_query(params: dict[str, str]) -> dict[str, str]:
    """The board's state as the URL carries it, each value checked (an unknown one is dropped)."""
    chosen = {
        "onglet": params.get("onglet", "") if params.get("onglet") in TABS else "a-traiter",
        "tri": params.get("tri", "") if params.get("tri") in SORTS else "echeance",
        "ordre": "desc" if params.get("ordre") == "desc" else "asc",
        "q": " ".join(params.get("q", "").split())[:80],
    }
    for name in FILTERS:
        value = params.get(name, "")
        if value and value.replace("_", "").isalpha() and len(value) <= 40:
            chosen[name] = value
    return chosen


def api_params(chosen: dict[str, str], page: int, per_page: int) -> dict[str, Any]:
    params: dict[str, Any] = {
        "tab": chosen["onglet"],
        "sort": chosen["tri"],
        "order": chosen["ordre"],
        "q": chosen["q"] or None,
        "page": page,
        "per_page": per_page,
    }
    for name, api_name in FILTERS.items():
        params[api_name] = chosen.get(name) or None
    return params


def _url(chosen: dict[str, str], **changes: object) -> str:
    """The board's address with some of its state changed (another tab, column, page)."""
    values = {**chosen, **{k: str(v) for k, v in changes.items()}}
    kept = {k: v for k, v in values.items() if v and not (k == "page" and v == "1")}
    return "/instruction?" + urlencode(kept)


async def board(request: Request, page: int = 1) -> Response:
    """« Demandes ESSOC »: the tabs and their counts, the filters, the rows of the chosen tab."""
    session = signed_in(request)
    chosen = board_query(dict(request.query_params))
    form = Form(values=dict(chosen))
    page = max(1, min(page, 10_000))
    try:
        found = await backends_of(request).essoc.get(
            "/api/v1/instruction/requests", session.token, **api_params(chosen, page, 20)
        )
    except Refused as refused:
        form.error("q", refused.detail)
        chosen["q"] = ""
        found = await backends_of(request).essoc.get(
            "/api/v1/instruction/requests", session.token, **api_params(chosen, 1, 20)
        )
    last = max(1, -(-found["total"] // found["per_page"]))
    if page > last:
        return see_other(_url(chosen, page=last))  # a page past the last one (an old link): the last one
    label = next(t["label"] for t in found["tabs"] if t["slug"] == chosen["onglet"])
    return render(
        request,
        "agent/board.html",
        {
            "title": f"Demandes ESSOC — {label}",
            "found": found,
            "chosen": chosen,
            "form": form,
            "label": label,
            "sorts": SORTS,
            "url": lambda **changes: _url(chosen, **changes),
            "page_url": lambda n: _url(chosen, page=n),
            "elsewhere": [t for t in found["tabs"] if t["count"] and t["slug"] != chosen["onglet"]],
            "export": "/instruction/export.csv?" + urlencode({k: v for k, v in chosen.items() if v}),
        },
    )

"""What every screen of « Recouvrement » opens with: the signed-in comptable, the territory whose collection is
kept (one of the desks the service gives the person), and the page drawn with the space's tabs."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import Response

from portal.auth import person
from portal.backends import backends_of
from portal.forms import Form
from portal.rendering import render
from portal.session import Session

TABS = (
    ("", "Prélèvements à présenter"),
    ("/fichiers", "Fichiers de prélèvements"),
    ("/releves", "Relevés bancaires"),
    ("/en-attente", "Crédits en attente"),
)


def signed_in(request: Request) -> Session:
    """The signed-in person: the comptable of a territory (an auditor reads, an administrator too)."""
    return person(request, "comptable", "auditor", "admin")


async def desk(request: Request, session: Session, territoire: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The territory asked for among the person's desks (the first one when none is asked)."""
    desks: list[dict[str, Any]] = (
        await backends_of(request).declarations.get("/api/v1/collection/desks", session.token)
    )["items"]
    if not desks:
        raise HTTPException(403, "Aucun compte de recette ne vous est confié.")
    chosen = next((d for d in desks if d["territory"] == territoire), None)
    if territoire and chosen is None:
        raise HTTPException(404)
    return chosen or desks[0], desks


def page(
    request: Request,
    template: str,
    chosen: dict[str, Any],
    desks: list[dict[str, Any]],
    tab: str,
    *,
    title: str,
    form: Form | None = None,
    status: int = 200,
    **context: Any,
) -> Response:
    return render(
        request,
        template,
        {
            "title": title,
            "desk": chosen,
            "desks": desks,
            "tabs": TABS,
            "tab": tab,
            "form": form or Form(),
            **context,
        },
        status=status,
    )

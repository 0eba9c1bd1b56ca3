"""The pages every State service owes its users, linked from every page's footer: « Mentions légales »,
« Données personnelles » (from `portal.privacy`) and « Accessibilité » (from `portal.rgaa`)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from portal import privacy, rgaa
from portal.rendering import render
from portal.settings import PortalSettings

router = APIRouter()
DSFR_VERSION = (Path(__file__).parents[1] / "static" / "vendor" / "dsfr" / "VERSION").read_text().split()[1]
"""The vendored DSFR's version (« @gouvfr/dsfr 1.15.3 … »)."""


@router.get("/mentions-legales")
async def legal_notice(request: Request) -> Response:
    return render(request, "pages/legal_notice.html", {"title": "Mentions légales", "dsfr_version": DSFR_VERSION})


@router.get("/donnees-personnelles")
async def personal_data(request: Request) -> Response:
    settings: PortalSettings = request.app.state.settings
    durations = {"idle": f"{settings.session_idle_minutes:g}", "hours": f"{settings.session_hours:g}"}
    services = [
        (key, name, [replace(k, retention=k.retention.format(**durations)) for k in kept])
        for key, name, kept in privacy.by_service()
    ]
    return render(request, "pages/privacy.html", {"title": "Données personnelles", "services": services})


@router.get("/accessibilite")
async def accessibility(request: Request) -> Response:
    return render(
        request,
        "pages/accessibility.html",
        {"title": "Déclaration d'accessibilité", "assessment": rgaa.assessment()},
    )

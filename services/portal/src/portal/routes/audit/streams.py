"""« Flux »: the streams of a service's log with an event in the period, for the territories the auditor audits."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date, datetime, time
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from contracts import french
from contracts.types import TERRITORY_ZONES
from portal.backends import Refused
from portal.forms import Form
from portal.rendering import render, see_other
from portal.routes.audit.opening import backend, signed_in, utc
from portal.routes.audit.wording import SERVICES, STREAM_TYPES
from portal.session import Session

PER_PAGE = 20


def _territories(session: Session) -> list[str]:
    """The territories the person audits, as their token names them (an admin: all). Only to offer the
    choices: each service checks the token itself and answers for these territories only."""
    if session.has("admin"):
        return list(french.TERRITORY_NAMES)
    try:
        payload = (session.token or "").split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        named = [str(t) for t in claims.get("territories", [])] if isinstance(claims, dict) else []
    except (IndexError, ValueError, binascii.Error):
        named = []
    return [t for t in named if t in french.TERRITORY_NAMES] or list(french.TERRITORY_NAMES)


def _period(since: date | None, until: date | None, territory: str) -> dict[str, str]:
    """The days typed as instants: in the territory's zone, or, for every territory, from the first of them
    to enter the day to the last to leave it."""
    zones = [TERRITORY_ZONES[territory]] if territory else list(TERRITORY_ZONES.values())
    bounds: dict[str, str] = {}
    if since is not None:
        bounds["from"] = utc(min(datetime.combine(since, time.min, tzinfo=z) for z in zones))
    if until is not None:
        bounds["to"] = utc(max(datetime.combine(until, time.max, tzinfo=z) for z in zones))
    return bounds


def _streams_url(chosen: dict[str, str], page: int = 1) -> str:
    kept = {k: v for k, v in {**chosen, "page": str(page)}.items() if v and not (k == "page" and v == "1")}
    return "/audit?" + urlencode(kept)


async def streams(
    request: Request, service: str = "", type: str = "", territoire: str = "", du: str = "", au: str = "", page: int = 1
) -> Response:
    """« Flux »: the streams of a service's log with an event in the period, newest first, 20 a page."""
    session = signed_in(request)
    territories = _territories(session)
    service = service if service in SERVICES else "declarations"
    chosen = {
        "service": service,
        "type": type if type in STREAM_TYPES[service] else "",
        "territoire": territoire if territoire in territories else "",
        "du": du.strip()[:20],
        "au": au.strip()[:20],
    }
    form = Form(values=dict(chosen))
    since, until = form.day("du"), form.day("au")
    if since and until and since > until:
        form.error("au", "La fin de la période doit suivre son début.")
    page = max(1, min(page, 10_000))
    found: dict[str, Any] = {"total": 0, "page": 1, "per_page": PER_PAGE, "items": []}
    if form.ok:
        params = {"type": chosen["type"], "territory": chosen["territoire"], "page": page, "per_page": PER_PAGE}
        try:
            found = await backend(request, service).get(
                "/api/v1/audit/streams", session.token, **params, **_period(since, until, chosen["territoire"])
            )
        except Refused as refused:
            form.tell(refused.detail)
        last = max(1, -(-found["total"] // PER_PAGE))
        if page > last:
            return see_other(_streams_url(chosen, last))
    return render(
        request,
        "audit/streams.html",
        {
            "title": f"Flux — {SERVICES[service]}",
            "form": form,
            "chosen": chosen,
            "found": found,
            "services": list(SERVICES.items()),
            "service_label": SERVICES[service],
            "types": list(STREAM_TYPES[service].items()),
            "type_labels": STREAM_TYPES[service],
            "territories": [(t, french.TERRITORY_NAMES[t]) for t in territories],
            "page_url": lambda n: _streams_url(chosen, n),
        },
        status=200 if form.ok else 422,
    )

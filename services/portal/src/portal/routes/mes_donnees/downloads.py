"""The two downloads of « Mes données »: the JSON file (complete, machine-readable: every personal value with its
event, date, record and end of retention, as the services answered) and a readable, tagged PDF of the same."""

from __future__ import annotations

import json

from fastapi import Request
from fastapi.responses import Response

from chassis.renderer import shared_renderer
from portal.routes.mes_donnees.opening import held, my_requests, signed_in
from portal.routes.mes_donnees.pdf_content import my_data_document
from portal.routes.mes_donnees.portal_data import portal_held

NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


async def as_json(request: Request) -> Response:
    session = signed_in(request)
    services, silent = await held(request, session)
    body = {
        "person": {"id": session.sub, "name": session.display_name, "email": session.email},
        "services": services,
        "portal": await portal_held(request, session.sub),
        "services_unavailable": silent,
        "rights_requests": await my_requests(request, session),
    }
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={**NO_STORE, "Content-Disposition": 'attachment; filename="mes-donnees.json"'},
    )


async def as_pdf(request: Request) -> Response:
    session = signed_in(request)
    services, silent = await held(request, session)
    requests, portal = await my_requests(request, session), await portal_held(request, session.sub)
    document = my_data_document(session.display_name, session.email, services, silent, requests, portal)
    content = await shared_renderer().render("portal.routes.mes_donnees.pdf:draw", document)
    return Response(
        content,
        media_type="application/pdf",
        headers={**NO_STORE, "Content-Disposition": 'attachment; filename="mes-donnees.pdf"'},
    )

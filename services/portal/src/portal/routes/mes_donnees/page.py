"""« Mes données »: by service and record, the personal values the services hold about the person (the event, the
date, the field, the value, the end of retention), the two downloads, the two requests and those already made."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from contracts.personal import CATEGORY_LABELS
from portal.rendering import render
from portal.routes.audit.wording import AUDIT_EVENT_LABELS, SERVICES
from portal.routes.mes_donnees.opening import held, my_requests, signed_in
from portal.routes.mes_donnees.portal_data import portal_held


async def my_data(request: Request) -> Response:
    session = signed_in(request)
    services, silent = await held(request, session)
    context = {
        "title": "Mes données",
        "services": services,
        "service_names": SERVICES,
        "silent": silent,
        "requests": await my_requests(request, session),
        "portal": await portal_held(request, session.sub),
        "event_labels": AUDIT_EVENT_LABELS,
        "categories": {k: v.split(" (")[0] for k, v in CATEGORY_LABELS.items()},
    }
    return render(request, "mes_donnees/page.html", context)

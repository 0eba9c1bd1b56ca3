"""« Trace »: the events a correlation id caused in the four services, merged in time order."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response

from chassis.http.inputs import IDENTIFIER_PATTERN
from portal.backends import seg
from portal.forms import Form
from portal.rendering import render, see_other
from portal.routes.audit.opening import backend, each_service, signed_in
from portal.routes.audit.wording import AUDIT_EVENT_LABELS, ORIGINS, SERVICES, to_the_second

IDENTIFIER = re.compile(IDENTIFIER_PATTERN)


def merged_trace(answers: dict[str, Any]) -> list[dict[str, Any]]:
    """The services' rows in time order; at the same instant, the service that wrote the event before those
    that received it. A received event links to its stream in the service that wrote it, when that one is
    among the answers."""
    writers = {
        row["event_id"]: name for name, body in answers.items() for row in body["items"] if row["origin"] == "propre"
    }
    order = list(SERVICES)
    rows = [
        {**row, "service": name, "written_by": writers.get(row["event_id"])}
        for name, body in answers.items()
        for row in body["items"]
    ]
    return sorted(
        rows,
        key=lambda r: (
            datetime.fromisoformat(r["occurred_at"]),
            r["origin"] != "propre",
            order.index(r["service"]),
            r["version"],
        ),
    )


async def trace_search(request: Request, correlation: str = "") -> Response:
    """« Trace »: the correlation id to follow across the services."""
    signed_in(request)
    typed = correlation.strip()
    form = Form(values={"correlation": typed[:200]})
    if typed and IDENTIFIER.match(typed):
        return see_other(f"/audit/trace/{quote(typed, safe='')}")
    if typed:
        form.error("correlation", "Un identifiant de corrélation est fait de lettres, de chiffres et de « . _ : - ».")
    return render(
        request,
        "audit/trace.html",
        {"title": "Trace d'une corrélation", "form": form, "rows": None},
        status=200 if form.ok else 422,
    )


async def trace(request: Request, correlation_id: str) -> Response:
    """The events a correlation id caused in every service, merged in time order."""
    session = signed_in(request)
    path = f"/api/v1/audit/trace/{seg(correlation_id)}"
    answers, silent = await each_service({name: backend(request, name).get(path, session.token) for name in SERVICES})
    rows = merged_trace(answers)
    return render(
        request,
        "audit/trace.html",
        {
            "title": f"Trace de la corrélation {correlation_id}",
            "form": Form(values={"correlation": correlation_id}),
            "correlation_id": correlation_id,
            "rows": rows,
            "silent": silent,
            "services": SERVICES,
            "seen_in": [SERVICES[name] for name in SERVICES if any(r["service"] == name for r in rows)],
            "event_labels": AUDIT_EVENT_LABELS,
            "origins": ORIGINS,
            "to_the_second": to_the_second,
        },
    )

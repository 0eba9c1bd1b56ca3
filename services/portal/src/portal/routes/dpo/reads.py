"""« Qui a lu quoi »: the reads of personal data by agents, comptables and auditors, from the four services' logs
of reads, filtered by reader, record and period (French dates read here, the services filter)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from contracts.french import FrenchInputError, parse_day
from portal.backends import Refused, backends_of
from portal.forms import Form
from portal.rendering import render
from portal.routes.audit.opening import each_service
from portal.routes.audit.wording import SERVICES
from portal.routes.dpo.opening import signed_in

FILTERS = ("reader", "record", "from", "to")


def _instant(typed: str, field: str, form: Form, *, end: bool = False) -> str | None:
    """A French day (`24/01/2027`) as the instant that starts it (or ends it), in UTC; a message when unreadable."""
    if not typed.strip():
        return None
    try:
        day = parse_day(typed)
    except FrenchInputError as error:
        form.error(field, str(error))
        return None
    moment = datetime.combine(day + timedelta(days=1) if end else day, time(0), tzinfo=UTC)
    return moment.isoformat().replace("+00:00", "Z")


async def reads(request: Request) -> Response:
    session = signed_in(request)
    form = Form(values={k: str(request.query_params.get(k, "")) for k in FILTERS})
    params: dict[str, Any] = {"reader": form.value("reader").strip(), "record": form.value("record").strip()}
    params["from"] = _instant(form.value("from"), "from", form)
    params["to"] = _instant(form.value("to"), "to", form, end=True)
    items: list[dict[str, Any]] = []
    silent: list[str] = []
    if form.ok:
        backends = backends_of(request)
        try:
            found, silent = await each_service(
                {name: getattr(backends, name).get("/api/v1/admin/reads", session.token, **params) for name in SERVICES}
            )
        except Refused as refused:
            form.refuse(refused, {"reader": "reader", "record": "record", "from": "from", "to": "to"})
            found = {}
        items = sorted(
            ({**item, "service": SERVICES[name]} for name, answer in found.items() for item in answer["items"]),
            key=lambda item: str(item["at"]),
            reverse=True,
        )
    context = {"title": "Qui a lu quoi", "form": form, "items": items, "silent": silent}
    return render(request, "dpo/reads.html", context, status=200 if form.ok else 422)

"""« Demander l'effacement »: the person ticks the records to erase; essoc decides record by record (granted where
no legal obligation keeps them, refused with the text and the end of retention where one does) and mails it."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of
from portal.forms import Form, submitted
from portal.rendering import render, see_other
from portal.routes.audit.wording import SERVICES
from portal.routes.mes_donnees.opening import held, signed_in


def _choices(services: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{« service:record id »: the record as essoc is told it}, for the records whose retention is known."""
    found: dict[str, dict[str, Any]] = {}
    for service, answer in services.items():
        for record in answer["records"]:
            kept = record["retention"]
            if kept.get("record_type") is None:
                continue
            found[f"{service}:{record['record_id']}"] = {
                "service": service,
                "record_type": kept["record_type"],
                "record_id": record["record_id"],
                "label": f"{SERVICES[service]} — {record['label']}",
                "retention_ends_at": kept.get("ends_at"),
            }
    return found


async def form(request: Request, typed: Form | None = None, status: int = 200) -> Response:
    session = signed_in(request)
    services, silent = await held(request, session)
    context = {
        "title": "Demander l'effacement",
        "form": typed or Form(),
        "choices": _choices(services),
        "silent": silent,
    }
    return render(request, "mes_donnees/erasure.html", context, status=status)


async def sent(request: Request) -> Response:
    session = signed_in(request)
    typed, data = await submitted(request)
    services, _ = await held(request, session)
    choices = _choices(services)
    chosen = [choices[key] for key in data.getlist("records") if isinstance(key, str) and key in choices]
    try:
        answer = await backends_of(request).essoc.command(
            "POST", "/api/v1/rights-requests/erasure", session.token or "", key=typed.key, json={"records": chosen}
        )
    except Refused as refused:
        typed.refuse(refused, {"records": "records"})
        return await form(request, typed, status=422)
    session.say(f"Votre demande d'effacement {answer['number']} est décidée : la décision est ci-dessous.")
    return see_other("/mes-donnees#demandes")

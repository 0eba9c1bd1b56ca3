"""« Décider de la recevabilité »: Oui, or Non with its ground and a free text; irreversible, confirmed first."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from portal.forms import submitted
from portal.routes.instruction.actions import act, confirmed
from portal.routes.instruction.opening import signed_in


async def admissibility(request: Request, number: str) -> Response:
    """« Décider de la recevabilité »: Oui, or Non with its ground and a free text; confirmed first."""
    session = signed_in(request)
    form, _ = await submitted(request)
    decision = form.required("decision", "Choisissez « Oui » ou « Non ».")
    body: dict[str, Any] = {"decision": decision}
    if decision == "non":
        if form.value("ground_code"):
            body["ground_code"] = form.value("ground_code")
        if form.value("grounds").strip():
            body["grounds"] = form.value("grounds").strip()
    confirmed(form, "La recevabilité décidée ne se modifie plus : cochez la case pour confirmer.")
    return await act(
        request,
        session,
        number,
        form,
        path="admissibility",
        done="La demande est jugée recevable."
        if decision == "oui"
        else "La demande est jugée irrecevable : le demandeur en est informé.",
        anchor="etape-recevabilite",
        fields={"decision": "decision", "grounds": "grounds", "ground_code": "ground_code"},
        json=body,
    )

"""« Crédits en attente »: the credits of the statements no reference matched, oldest first, each matched by hand
to the declaration whose reference the comptable types (« OM-974-2026-T3-0974000789 »)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of, seg
from portal.forms import Form, submitted
from portal.rendering import see_other
from portal.routes.recouvrement.opening import desk, page, signed_in


async def waiting_view(request: Request, territoire: str, form: Form | None = None, status: int = 200) -> Response:
    session = signed_in(request)
    chosen, desks = await desk(request, session, territoire)
    found = await backends_of(request).declarations.get(
        "/api/v1/collection/waiting", session.token, territory=chosen["territory"]
    )
    return page(
        request,
        "recouvrement/waiting.html",
        chosen,
        desks,
        "/en-attente",
        title="Crédits en attente",
        form=form,
        status=status,
        waiting=found["items"],
        can_match=session.has("comptable", "admin"),
    )


async def waiting_page(request: Request, territoire: str = "") -> Response:
    return await waiting_view(request, territoire)


async def match(request: Request, statement: str) -> Response:
    """« Rapprocher »: the credit becomes the payment of the declaration named by its reference."""
    session = signed_in(request)
    form, _ = await submitted(request)
    territory = form.value("territoire")
    entry_id = form.value("ecriture")
    field = f"reference-{entry_id}"
    reference = form.required(field, "Saisissez la référence de la déclaration (OM-…).")
    if form.ok and reference:
        try:
            await backends_of(request).declarations.command(
                "POST",
                f"/api/v1/collection/statements/{seg(statement)}/match?territory={seg(territory)}",
                session.token or "",
                key=form.key,
                json={"entry_id": entry_id, "reference": reference},
            )
        except Refused as refused:
            form.refuse(refused, {"reference": field, "declaration_id": field})
        else:
            session.say(f"Le crédit est rapproché de la déclaration {reference}.")
            return see_other(f"/recouvrement/en-attente?territoire={territory}")
    return await waiting_view(request, territory, form, status=422)

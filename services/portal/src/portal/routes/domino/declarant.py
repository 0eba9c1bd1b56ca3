"""« Données de la déclaration »: who declares, in what quality, where, and how the tax is paid."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of, seg
from portal.forms import Form, submitted
from portal.rendering import see_other
from portal.routes.domino.opening import declaration_of, draft, read_only, screen, shown_version, signed_in, stale

router = APIRouter()

FIELDS = ("name", "quality", "place", "payment_method")


@router.get("/declarations/{declaration_id}/donnees")
async def declarant_page(request: Request, declaration_id: str) -> Response:
    session = signed_in(request)
    declaration, filed = await draft(request, session, declaration_id)
    if filed is not None:
        return filed
    known = declaration.get("declarant") or {}
    form = Form(values={k: str(known.get(k) or "") for k in FIELDS})
    if not known.get("name"):
        form.values["name"] = session.display_name
    return screen(request, "domino/declarant.html", declaration, "donnees", form=form)


@router.post("/declarations/{declaration_id}/donnees")
async def declarant_save(request: Request, declaration_id: str) -> Response:
    session = signed_in(request)
    form, _ = await submitted(request)
    body = {k: form.value(k).strip() or None for k in FIELDS}
    try:
        await backends_of(request).declarations.command(
            "PUT",
            f"/api/v1/declarations/{seg(declaration_id)}/declarant",
            session.token or "",
            key=form.key,
            json=body,
            headers=shown_version(form),
        )
    except Refused as refused:
        declaration = await declaration_of(request, session, declaration_id)
        if stale(refused, form, declaration):
            if (filed := read_only(declaration)) is not None:
                return filed
        else:
            form.refuse(refused, {k: k for k in body})
        return screen(request, "domino/declarant.html", declaration, "donnees", form=form, status=refused.status)
    return see_other(f"/domino/declarations/{declaration_id}/annexe-a")

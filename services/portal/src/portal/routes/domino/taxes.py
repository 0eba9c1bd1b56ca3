"""« Octroi de mer » (boxes 4–15) and « Octroi de mer régional » (16–27): the deductions typed on each tax's
page, the other page's boxes sent back as read.

Included last: their address, /declarations/{declaration_id}/{page}, would otherwise catch every screen above."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from contracts.boxes import ART19_BOXES, LATE_DEDUCTION_BOXES, OM_BOXES, OMR_BOXES, TYPED_BOXES
from portal.backends import Refused, backends_of, seg
from portal.forms import Form, submitted
from portal.rendering import amount_input, see_other
from portal.routes.domino.opening import (
    Declaration,
    declaration_of,
    draft,
    read_only,
    screen,
    shown_version,
    signed_in,
    stale,
)

router = APIRouter()

TAXES = {
    "om": ("octroi-de-mer", "Octroi de mer", OM_BOXES),
    "omr": ("octroi-de-mer-regional", "Octroi de mer régional", OMR_BOXES),
}


@router.get("/declarations/{declaration_id}/{page}")
async def tax_page(request: Request, declaration_id: str, page: str) -> Response:
    """« Suivant: octroi de mer » (boxes 4–15) and « Suivant: octroi de mer régional » (16–27)."""
    tax = _tax(page)
    session = signed_in(request)
    declaration, filed = await draft(request, session, declaration_id)
    if filed is not None:
        return filed
    entered = (declaration.get("deductions") or {}).get(tax, {})
    form = Form(values=_deduction_values(tax, entered))
    return _tax_page(request, declaration, tax, form)


def _tax(page: str) -> str:
    for tax, (slug, _, _) in TAXES.items():
        if slug == page:
            return tax
    raise HTTPException(404)


def _deduction_values(tax: str, entered: dict[str, Any]) -> dict[str, str]:
    values = {f"{tax}.{box}": amount_input(entered.get(box)) for box in TYPED_BOXES[tax]}
    for box in ART19_BOXES[tax]:
        if entered.get(f"{box}_art19_1"):
            values[f"{tax}.{box}_art19_1"] = "on"
    for box in LATE_DEDUCTION_BOXES[tax]:
        if entered.get(f"{box}_year"):
            values[f"{tax}.{box}_year"] = str(entered[f"{box}_year"])
    return values


def _tax_page(request: Request, declaration: Declaration, tax: str, form: Form, status: int = 200) -> Response:
    slug, label, boxes = TAXES[tax]
    return screen(
        request,
        "domino/tax.html",
        declaration,
        slug,
        form=form,
        tax=tax,
        tax_label=label,
        boxes=boxes,
        typed=TYPED_BOXES[tax],
        art19=ART19_BOXES[tax],
        late=LATE_DEDUCTION_BOXES[tax],
        status=status,
        block="totals",
    )


@router.post("/declarations/{declaration_id}/{page}")
async def tax_save(request: Request, declaration_id: str, page: str) -> Response:
    session = signed_in(request)
    tax = _tax(page)
    form, _ = await submitted(request)
    declaration = await declaration_of(request, session, declaration_id)
    other = "omr" if tax == "om" else "om"
    kept = (declaration.get("deductions") or {}).get(other, {})
    body: dict[str, dict[str, Any]] = {other: dict(kept), tax: {}}
    for box in TYPED_BOXES[tax]:
        typed = form.amount(f"{tax}.{box}")
        if typed is not None:  # a box left empty is not sent: the service reads it as nothing to declare
            body[tax][box] = typed
    for box in ART19_BOXES[tax]:
        body[tax][f"{box}_art19_1"] = form.checked(f"{tax}.{box}_art19_1")
    for box in LATE_DEDUCTION_BOXES[tax]:
        year = "".join(form.value(f"{tax}.{box}_year").split())
        if year:  # sent as typed: the service says what a year is and until when it may be claimed
            body[tax][f"{box}_year"] = year
    if not form.ok:
        return _tax_page(request, declaration, tax, form, status=422)
    try:
        await backends_of(request).declarations.command(
            "PUT",
            f"/api/v1/declarations/{seg(declaration_id)}/deductions",
            session.token or "",
            key=form.key,
            json=body,
            headers=shown_version(form),
        )  # the other page's boxes are sent as read: at the version the page was shown from, or refused
    except Refused as refused:
        declaration = await declaration_of(request, session, declaration_id)
        if stale(refused, form, declaration):
            if (filed := read_only(declaration)) is not None:
                return filed
        else:
            field = refused.field or ""
            form.refuse(refused, {field: field})
        return _tax_page(request, declaration, tax, form, status=refused.status)
    following = "octroi-de-mer-regional" if tax == "om" else "recapitulatif"
    return see_other(f"/domino/declarations/{declaration_id}/{following}")

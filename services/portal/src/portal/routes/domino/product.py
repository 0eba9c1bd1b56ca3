"""« Ajouter un produit »: the product checked against the tariff (annexe A: its rates on the date) before its
sale is typed."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of
from portal.forms import Form, submitted
from portal.rendering import see_other
from portal.routes.domino.annexes import annex_letter, quarter_start
from portal.routes.domino.opening import declaration_of, draft, screen, signed_in

router = APIRouter()


@router.get("/declarations/{declaration_id}/annexe-{annex}/produit")
async def product_page(
    request: Request, declaration_id: str, annex: str, nomenclature: str = "", rates_date: str = ""
) -> Response:
    """« Ajouter un produit »: Nomenclature (and, for annexe A, Date d'application)."""
    session = signed_in(request)
    letter = annex_letter(annex)
    declaration, filed = await draft(request, session, declaration_id)
    if filed is not None:
        return filed
    form = Form(values={"nomenclature": nomenclature, "rates_date": _french_day(rates_date)})
    return screen(request, "domino/product.html", declaration, f"annexe-{annex}", form=form, annex=letter)


def _french_day(iso: str) -> str:
    if len(iso) == 10 and iso[4] == "-" and iso[7] == "-":
        return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}"
    return iso


@router.post("/declarations/{declaration_id}/annexe-{annex}/produit")
async def product_choose(request: Request, declaration_id: str, annex: str) -> Response:
    """The product is checked against the tariff (annexe A: its rates on the date) before the sale is typed."""
    session = signed_in(request)
    letter = annex_letter(annex)
    form, _ = await submitted(request)
    declaration = await declaration_of(request, session, declaration_id)
    nomenclature = form.required("nomenclature", "La nomenclature est obligatoire.")
    day = form.day("rates_date") if letter == "A" else None
    if letter == "A" and form.ok and nomenclature:
        when = day.isoformat() if day else quarter_start(declaration)
        try:
            await backends_of(request).taxcalc.get(
                "/api/v1/rates", session.token, territory=declaration["territory"], nomenclature=nomenclature, date=when
            )
        except Refused as refused:
            form.refuse(refused, {"nomenclature": "nomenclature", "date": "rates_date"})
    if not form.ok:
        return screen(
            request, "domino/product.html", declaration, f"annexe-{annex}", form=form, annex=letter, status=422
        )
    query = {"nomenclature": nomenclature or ""}
    if day:
        query["rates_date"] = day.isoformat()
    return see_other(f"/domino/declarations/{declaration_id}/annexe-{annex}/vente?{urlencode(query)}")

"""« Reprendre les produits du trimestre précédent »: the previous quarter's products, their prices to fill."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of, seg
from portal.forms import submitted
from portal.rendering import see_other
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
from portal.session import Session

router = APIRouter()


async def _previous(request: Request, session: Session, declaration: Declaration) -> Declaration | None:
    year, quarter = declaration["year"], declaration["quarter"]
    year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    found = await backends_of(request).declarations.get(
        "/api/v1/declarations", session.token, relation_id=declaration["relation_id"], year=year, quarter=quarter
    )
    if not found["items"]:
        return None
    previous: Declaration = await backends_of(request).declarations.get(
        f"/api/v1/declarations/{seg(found['items'][0]['id'])}", session.token
    )
    return previous


def _products(previous: Declaration | None) -> list[dict[str, Any]]:
    """The previous quarter's products, once each (a product split over a rate change is one product)."""
    seen: set[tuple[Any, ...]] = set()
    products: list[dict[str, Any]] = []
    for annex in ("A", "B"):
        for line in (previous or {}).get("lines", {}).get(annex, []):
            key = (annex, line["nomenclature"], line.get("cana"), line.get("naf"), bool(line.get("rfs")))
            if key not in seen:
                seen.add(key)
                products.append(
                    {
                        "annex": annex,
                        "nomenclature": line["nomenclature"],
                        "cana": line.get("cana"),
                        "naf": line.get("naf"),
                        "rfs": bool(line.get("rfs")),
                        "avitaillement": bool(line.get("avitaillement")),
                    }
                )
    return products


@router.get("/declarations/{declaration_id}/reprise")
async def carry_over_page(request: Request, declaration_id: str) -> Response:
    """« Reprendre les produits du trimestre précédent »: the products, their prices to fill."""
    session = signed_in(request)
    declaration, filed = await draft(request, session, declaration_id)
    if filed is not None:
        return filed
    previous = await _previous(request, session, declaration)
    return screen(
        request,
        "domino/carry_over.html",
        declaration,
        "annexe-a",
        previous=previous,
        products=_products(previous),
        title="Reprendre les produits du trimestre précédent",
    )


@router.post("/declarations/{declaration_id}/reprise")
async def carry_over(request: Request, declaration_id: str) -> Response:
    session = signed_in(request)
    form, _ = await submitted(request)
    declaration = await declaration_of(request, session, declaration_id)
    previous = await _previous(request, session, declaration)
    products = _products(previous)
    lines: list[dict[str, Any]] = []
    rows: list[int] = []
    status = 422
    for index, product in enumerate(products):
        price = form.amount(f"price_{index}")
        if price is None:
            continue
        line = {k: v for k, v in product.items() if v not in (None, False)}
        if product["annex"] == "A":
            line.pop("rfs", None)
        else:
            line.pop("avitaillement", None)
        lines.append({**line, "price_excl_tax": price})
        rows.append(index)
    if form.ok and not lines:
        form.tell("Saisissez le prix d'au moins un produit vendu ou exporté ce trimestre.")
    if form.ok:
        try:
            done = await backends_of(request).declarations.command(
                "POST",
                f"/api/v1/declarations/{seg(declaration_id)}/lines/import",
                session.token or "",
                key=form.key,
                json={"lines": lines},
                headers=shown_version(form),
            )
        except Refused as refused:
            status = refused.status
            declaration = await declaration_of(request, session, declaration_id)
            if stale(refused, form, declaration):
                if (filed := read_only(declaration)) is not None:
                    return filed
            for error in refused.errors:
                row = error.get("row")
                if isinstance(row, int) and 1 <= row <= len(rows):
                    form.error(f"price_{rows[row - 1]}", str(error.get("message") or refused.detail))
            if form.ok:
                form.tell(refused.detail)
        else:
            session.say(
                f"{done['imported']} produit{'s' if done['imported'] > 1 else ''} repris du trimestre précédent."
            )
            return see_other(f"/domino/declarations/{declaration_id}/annexe-a")
    return screen(
        request,
        "domino/carry_over.html",
        declaration,
        "annexe-a",
        form=form,
        previous=previous,
        products=products,
        title="Reprendre les produits du trimestre précédent",
        status=status,
    )

"""« Ajouter une vente interne » (annexe A) or an export (annexe B), the rates shown before adding; and a line
removed from its annex. The sale's form is also the one of a line changed (`line_edit`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from contracts import french
from portal.backends import Refused, backends_of, seg
from portal.forms import Form, submitted
from portal.rendering import see_other
from portal.routes.domino.annexes import annex_letter, quarter_start
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

SALE_FIELDS = ("price_excl_tax", "naf", "cana", "rfs", "avitaillement")
"""The inputs of the sale's form, named as the service names the fields at fault."""


@router.get("/declarations/{declaration_id}/annexe-{annex}/vente")
async def sale_page(
    request: Request, declaration_id: str, annex: str, nomenclature: str = "", rates_date: str = "", cana: str = ""
) -> Response:
    """« Ajouter une vente interne » (annexe A) or an export (annexe B), the rates shown before adding."""
    session = signed_in(request)
    letter = annex_letter(annex)
    declaration, filed = await draft(request, session, declaration_id)
    if filed is not None:
        return filed
    if not nomenclature:
        return see_other(f"/domino/declarations/{declaration_id}/annexe-{annex}/produit")
    form = Form(values={"nomenclature": nomenclature, "rates_date": rates_date, "cana": cana})
    return await sale_screen(request, session, declaration, annex, letter, form)


@router.post("/declarations/{declaration_id}/annexe-{annex}/vente")
async def sale_add(request: Request, declaration_id: str, annex: str) -> Response:
    """« Ajouter ce produit »; « Actualiser les taux » (without JavaScript) shows the rates of the CANA chosen."""
    session = signed_in(request)
    letter = annex_letter(annex)
    form, _ = await submitted(request)
    declaration = await declaration_of(request, session, declaration_id)
    if form.value("action") == "taux":
        return await sale_screen(request, session, declaration, annex, letter, form)
    price = form.amount("price_excl_tax", required=True, message="Le prix hors TVA et hors accises est obligatoire.")
    if not form.ok:
        return await sale_screen(request, session, declaration, annex, letter, form, status=422)
    line: dict[str, Any] = {"annex": letter, "nomenclature": form.value("nomenclature"), "price_excl_tax": price}
    if form.value("naf").strip():
        line["naf"] = form.value("naf").strip()
    if letter == "A":
        line["avitaillement"] = form.checked("avitaillement")
        if form.value("rates_date"):
            line["rates_date"] = form.value("rates_date")
        if form.value("cana"):
            line["cana"] = form.value("cana")
    else:
        line["rfs"] = form.checked("rfs")
    try:
        await backends_of(request).declarations.command(
            "POST",
            f"/api/v1/declarations/{seg(declaration_id)}/lines",
            session.token or "",
            key=form.key,
            json=line,
            headers=shown_version(form),
        )
    except Refused as refused:
        declaration = await declaration_of(request, session, declaration_id)
        if stale(refused, form, declaration):
            if (filed := read_only(declaration)) is not None:
                return filed
        else:
            form.refuse(refused, {k: k for k in SALE_FIELDS})
            if refused.field in ("nomenclature", "rates_date"):
                form.tell(refused.detail)
        return await sale_screen(request, session, declaration, annex, letter, form, status=refused.status)
    session.say(f"Produit {form.value('nomenclature')} ajouté à l'annexe {letter}.")
    return see_other(f"/domino/declarations/{declaration_id}/annexe-{annex}")


async def sale_screen(
    request: Request,
    session: Session,
    declaration: Declaration,
    annex: str,
    letter: str,
    form: Form,
    status: int = 200,
    line: dict[str, Any] | None = None,
) -> Response:
    """The sale's form (a new line, or `line` changed), with the rates of its product, date and CANA (annexe A)."""
    rates, no_rate = (None, None)
    _checked_rates_date(form)
    if letter == "A":
        rates, no_rate = await _rates(
            request, session, declaration, form.value("nomenclature"), form.value("rates_date"), form.value("cana")
        )
        if no_rate and form.value("cana"):
            form.error("cana", no_rate)
    return screen(
        request,
        "domino/sale.html",
        declaration,
        f"annexe-{annex}",
        form=form,
        annex=letter,
        rates=rates,
        no_rate=no_rate,
        line=line,
        status=status,
        block="rates",
    )


def _checked_rates_date(form: Form) -> None:
    """The date of the rates comes back in the page's address and its hidden field as the service wrote it
    (2026-02-15); anything else (an address edited by hand) is dropped, with a message, never read as a date."""
    given = form.value("rates_date")
    if not given:
        return
    try:
        date.fromisoformat(given)
        valid = len(given) == 10
    except ValueError:
        valid = False
    if not valid:
        form.values["rates_date"] = ""
        form.tell(
            f"La date d'application « {french.echo(given)} » n'est pas une date : les taux sont ceux du premier jour "
            "du trimestre. Choisissez de nouveau le produit pour donner une autre date."
        )


async def _rates(
    request: Request, session: Session, declaration: Declaration, nomenclature: str, rates_date: str, cana: str
) -> tuple[dict[str, Any] | None, str | None]:
    """« Taux appliqués avec ces critères »: the rates taxcalc would apply, or why none apply."""
    try:
        rates: dict[str, Any] = await backends_of(request).taxcalc.get(
            "/api/v1/rates",
            session.token,
            territory=declaration["territory"],
            nomenclature=nomenclature,
            date=rates_date or quarter_start(declaration),
            cana=cana or None,
        )
    except Refused as refused:
        return None, refused.detail
    return rates, None


@router.post("/declarations/{declaration_id}/lignes/{line_id}/suppression")
async def line_remove(request: Request, declaration_id: str, line_id: str) -> Response:
    session = signed_in(request)
    form, _ = await submitted(request)
    letter = "B" if form.value("annex") == "B" else "A"
    try:
        await backends_of(request).declarations.command(
            "DELETE",
            f"/api/v1/declarations/{seg(declaration_id)}/lines/{seg(line_id)}",
            session.token or "",
            key=form.key,
            headers=shown_version(form),
        )
    except Refused as refused:
        declaration = await declaration_of(request, session, declaration_id)
        if stale(refused, form, declaration):  # the annex as it now is, the line not removed
            return read_only(declaration) or screen(
                request,
                "domino/annex.html",
                declaration,
                f"annexe-{letter.lower()}",
                form=form,
                annex=letter,
                lines=declaration["lines"][letter],
                status=refused.status,
            )
        session.say(refused.detail)
    else:
        session.say("Ligne supprimée.")
    return see_other(f"/domino/declarations/{declaration_id}/annexe-{letter.lower()}")

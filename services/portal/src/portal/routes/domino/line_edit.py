"""« Modifier » a line of annexe A or B before filing: the sale's form pre-filled with the line, its price, CANA,
NAF and flags to change; its nomenclature and date of application stay (changing them is another line)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of, seg
from portal.forms import Form, submitted
from portal.rendering import amount_input, see_other
from portal.routes.domino.annexes import annex_letter
from portal.routes.domino.opening import Declaration, declaration_of, draft, read_only, shown_version, signed_in, stale
from portal.routes.domino.sale import SALE_FIELDS, sale_screen

router = APIRouter()


def _line(declaration: Declaration, letter: str, line_id: str) -> dict[str, Any] | None:
    return next((x for x in declaration["lines"][letter] if x["line_id"] == line_id), None)


def _as_typed(line: dict[str, Any]) -> dict[str, str]:
    """The line as its form shows it: what the declarant would type to declare it as it is."""
    values = {
        "nomenclature": str(line["nomenclature"]),
        "rates_date": str(line.get("rates_date") or ""),
        "price_excl_tax": amount_input(line["price_excl_tax"]),
        "cana": str(line.get("cana") or ""),
        "naf": str(line.get("naf") or ""),
    }
    return values | {flag: "on" for flag in ("avitaillement", "rfs") if line.get(flag)}


@router.get("/declarations/{declaration_id}/annexe-{annex}/lignes/{line_id}")
async def line_page(
    request: Request, declaration_id: str, annex: str, line_id: str, cana: str | None = None
) -> Response:
    """The line's form; `cana`: the CANA just chosen in the list, its rates shown (htmx, or the address)."""
    session = signed_in(request)
    letter = annex_letter(annex)
    declaration, filed = await draft(request, session, declaration_id)
    if filed is not None:
        return filed
    line = _line(declaration, letter, line_id)
    if line is None:
        raise HTTPException(404)
    form = Form(values=_as_typed(line))
    if cana is not None and letter == "A":
        form.values["cana"] = cana
    return await sale_screen(request, session, declaration, annex, letter, form, line=line)


@router.post("/declarations/{declaration_id}/annexe-{annex}/lignes/{line_id}")
async def line_save(request: Request, declaration_id: str, annex: str, line_id: str) -> Response:
    """« Enregistrer la modification » (at the version the form was shown from); « Actualiser les taux » without
    JavaScript."""
    session = signed_in(request)
    letter = annex_letter(annex)
    form, _ = await submitted(request)
    declaration, filed = await draft(request, session, declaration_id)
    if filed is not None:
        return filed
    line = _line(declaration, letter, line_id)
    if line is None:
        return _gone(session, declaration_id, annex, letter)
    # What the form shows of the product is the line's, whatever came back in its hidden fields.
    form.values.update(nomenclature=str(line["nomenclature"]), rates_date=str(line.get("rates_date") or ""))
    if form.value("action") == "taux":
        return await sale_screen(request, session, declaration, annex, letter, form, line=line)
    price = form.amount("price_excl_tax", required=True, message="Le prix hors TVA et hors accises est obligatoire.")
    if not form.ok:
        return await sale_screen(request, session, declaration, annex, letter, form, status=422, line=line)
    body: dict[str, Any] = {"price_excl_tax": price}
    if form.value("naf").strip():
        body["naf"] = form.value("naf").strip()
    if letter == "A":
        body["avitaillement"] = form.checked("avitaillement")
        if form.value("cana"):
            body["cana"] = form.value("cana")
    else:
        body["rfs"] = form.checked("rfs")
    try:
        done = await backends_of(request).declarations.command(
            "PUT",
            f"/api/v1/declarations/{seg(declaration_id)}/lines/{seg(line_id)}",
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
            line = _line(declaration, letter, line_id)
            if line is None:
                return _gone(session, declaration_id, annex, letter)
        else:
            form.refuse(refused, {k: k for k in SALE_FIELDS})
        return await sale_screen(request, session, declaration, annex, letter, form, status=refused.status, line=line)
    unchanged = done["declaration_version"] == declaration["version"]
    session.say(f"Ligne {line['nomenclature']} {'inchangée' if unchanged else 'modifiée'} en annexe {letter}.")
    return see_other(f"/domino/declarations/{declaration_id}/annexe-{annex}")


def _gone(session: Any, declaration_id: str, annex: str, letter: str) -> Response:
    """The line was removed since the form was shown (another tab, another person): back to its annex."""
    session.say(f"Cette ligne n'est plus en annexe {letter} : elle a été supprimée depuis l'ouverture de la page.")
    return see_other(f"/domino/declarations/{declaration_id}/annexe-{annex}")

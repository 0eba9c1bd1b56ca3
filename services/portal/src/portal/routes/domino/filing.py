"""« Récapitulatif », the confirmation asked before filing, « Déposer la déclaration » at the version confirmed,
and the receipt (« Accusé de dépôt ») with the declaration's PDF."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of, seg
from portal.forms import submitted
from portal.rendering import see_other
from portal.routes.domino.opening import VERSION_CONFLICT, declaration_of, draft, screen, shown_version, signed_in

router = APIRouter()


@router.get("/declarations/{declaration_id}/recapitulatif")
async def recap_page(request: Request, declaration_id: str) -> Response:
    """« Aller à l'écran récapitulatif »: every box, the total to pay, the warnings."""
    session = signed_in(request)
    declaration, filed = await draft(request, session, declaration_id)
    if filed is not None:
        return filed
    return screen(request, "domino/recap.html", declaration, "recapitulatif", block="totals")


@router.get("/declarations/{declaration_id}/depot/confirmation")
async def filing_confirm(request: Request, declaration_id: str) -> Response:
    """The confirmation asked before filing: what will be filed, the total to pay."""
    session = signed_in(request)
    declaration, filed = await draft(request, session, declaration_id)
    if filed is not None:
        return filed
    return screen(request, "domino/file.html", declaration, "recapitulatif", title="Déposer la déclaration")


@router.post("/declarations/{declaration_id}/depot")
async def filing(request: Request, declaration_id: str) -> Response:
    """« Déposer la déclaration », at the version the person confirmed (If-Match): nothing else is filed."""
    session = signed_in(request)
    form, _ = await submitted(request)
    try:
        await backends_of(request).declarations.command(
            "POST",
            f"/api/v1/declarations/{seg(declaration_id)}/filing",
            session.token or "",
            key=form.key,
            headers=shown_version(form),
        )
    except Refused as refused:
        declaration = await declaration_of(request, session, declaration_id)
        if declaration["status"] == "filed":
            return see_other(f"/domino/declarations/{declaration_id}/accuse")
        if refused.code == "totaux-en-attente":
            form.tell(
                "Les montants de votre dernière modification sont en cours de calcul : patientez quelques "
                "secondes, vérifiez le récapitulatif puis déposez à nouveau."
            )
        elif refused.code == VERSION_CONFLICT:
            form.tell(
                "La déclaration a changé depuis l'affichage du récapitulatif : vérifiez-le puis déposez à nouveau."
            )
        else:
            form.tell(refused.detail)
        return screen(request, "domino/recap.html", declaration, "recapitulatif", form=form, status=refused.status)
    return see_other(f"/domino/declarations/{declaration_id}/accuse")


@router.get("/declarations/{declaration_id}/accuse")
async def receipt(request: Request, declaration_id: str) -> Response:
    """The receipt page: filed when, the total to pay, the PDF."""
    session = signed_in(request)
    declaration = await declaration_of(request, session, declaration_id)
    if declaration["status"] != "filed":
        return see_other(f"/domino/declarations/{declaration_id}/recapitulatif")
    return screen(request, "domino/receipt.html", declaration, None, title="Accusé de dépôt")


@router.get("/declarations/{declaration_id}/declaration.pdf")
async def receipt_pdf(request: Request, declaration_id: str) -> Response:
    session = signed_in(request)
    backend = backends_of(request).declarations
    try:
        async with backend.download(
            f"/api/v1/declarations/{seg(declaration_id)}/receipt.pdf", session.token or ""
        ) as got:
            content = await got.aread()
            named = got.headers.get("content-disposition", "").partition(";")[2].strip()
    except Refused as refused:  # someone else's declaration is as one that does not exist
        if refused.status in (403, 404):
            raise HTTPException(404) from None
        raise
    # Saved under the name the service gives it, after the declaration's reference (« declaration-OM-974-… »).
    if not named.startswith("filename="):
        named = f'filename="declaration-{declaration_id}.pdf"'
    return Response(content, media_type="application/pdf", headers={"Content-Disposition": f"attachment; {named}"})

"""« Mon télépaiement »: the SEPA B2B mandate of the chosen relation — the one that debits, the one waiting for
the office, what happened to each — and the form to register a newly signed one, or to end the one in force."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of, seg
from portal.forms import Form, submitted
from portal.rendering import render, see_other
from portal.routes.domino.opening import relation_home, signed_in
from portal.session import Session

router = APIRouter()
FIELDS = {"rum": "rum", "iban": "iban", "bic": "bic", "holder": "titulaire", "signed_on": "signature"}
"""The service's fields, as this page names its inputs."""
CONFIRM = "confirmation"


async def _page(request: Request, session: Session, form: Form | None = None, status: int = 200) -> Response:
    home = await relation_home(request, session)
    relation_id = home["relation"]["id"]
    mandates: dict[str, Any] = await backends_of(request).declarations.get(
        f"/api/v1/relations/{seg(relation_id)}/mandates", session.token
    )
    context = {"title": "Mon télépaiement", "home": home, "mandates": mandates, "form": form or Form()}
    return render(request, "domino/telepaiement.html", context, status=status)


@router.get("/telepaiement")
async def telepaiement_page(request: Request) -> Response:
    session = signed_in(request)
    return await _page(request, session)


@router.post("/telepaiement")
async def register(request: Request) -> Response:
    """« Enregistrer le mandat »: it waits for the office's validation; the service checks IBAN, BIC and RUM."""
    session = signed_in(request)
    form, _ = await submitted(request)
    home = await relation_home(request, session)
    for name, message in (
        ("rum", "Saisissez la référence unique du mandat (RUM) imprimée sur le mandat signé."),
        ("iban", "Saisissez l'IBAN du compte à débiter."),
        ("bic", "Saisissez le BIC de la banque du compte."),
        ("titulaire", "Saisissez le titulaire du compte."),
        ("signature", "Saisissez la date de signature du mandat (jj/mm/aaaa)."),
    ):
        form.required(name, message)
    signed_on = form.day("signature")
    if form.ok and signed_on is not None:
        body = {
            "rum": form.value("rum").strip(),
            "iban": form.value("iban"),
            "bic": form.value("bic").strip().replace(" ", "").upper(),
            "holder": form.value("titulaire"),
            "signed_on": signed_on.isoformat(),
        }
        try:
            await backends_of(request).declarations.command(
                "POST",
                f"/api/v1/relations/{seg(home['relation']['id'])}/mandates",
                session.token or "",
                key=form.key,
                json=body,
            )
        except Refused as refused:
            form.refuse(refused, FIELDS)
        else:
            session.say(
                "Votre mandat est enregistré. Votre bureau de douane le validera ; vous en serez informé sur cette "
                "page. Jusque-là, vos déclarations se paient par un autre moyen."
            )
            return see_other("/domino/telepaiement")
    return await _page(request, session, form, status=422)


@router.post("/telepaiement/revocation")
async def revoke(request: Request) -> Response:
    """« Mettre fin au mandat »: no debit after this; confirmed in the form itself."""
    session = signed_in(request)
    form, _ = await submitted(request)
    home = await relation_home(request, session)
    if not form.checked(CONFIRM):
        form.error(CONFIRM, "Cochez la case pour confirmer la fin du mandat.")
    if form.ok:
        try:
            await backends_of(request).declarations.command(
                "POST",
                f"/api/v1/relations/{seg(home['relation']['id'])}/mandates/revocation",
                session.token or "",
                key=form.key,
                json={"rum": form.value("rum"), "reason": "fin demandée par le déclarant"},
            )
        except Refused as refused:
            form.refuse(refused, {"rum": CONFIRM})
        else:
            session.say(
                "Le mandat a pris fin : aucun prélèvement ne sera plus présenté sur ce compte, pas même ceux qui "
                "étaient programmés. Réglez les déclarations concernées par virement ou par carte."
            )
            return see_other("/domino/telepaiement")
    return await _page(request, session, form, status=422)

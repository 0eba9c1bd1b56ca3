"""« Nouvelle demande », step by step: each step posts all that was typed so far, so « Retour » loses nothing
and the journey works without JavaScript; the form checks only that each answer is there, the service decides
the rest at « Créer la demande »."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of, seg
from portal.forms import Form, submitted
from portal.rendering import see_other
from portal.routes.ogde.filing import create
from portal.routes.ogde.opening import referentials, signed_in
from portal.routes.ogde.steps import STEPS, fields_chosen, wizard
from portal.session import Session


async def new_request(request: Request) -> Response:
    signed_in(request)
    return wizard(request, Form(), "demandeur", [], await referentials(request))


def _check(form: Form, step: str, chosen: list[str], refs: dict[str, Any]) -> None:
    """What the form itself asks before going on: the presence of each answer (the service checks the rest)."""
    if step == "demandeur":
        kind = form.required("requester_type", "Indiquez si vous êtes une entreprise ou un particulier.")
        if kind == "entreprise":
            siret = form.required("siret", "Saisissez le SIRET de l'entreprise.")
            if siret and form.value("company_siret") != "".join(siret.split()):
                form.error(
                    "siret", "Cliquez sur « Choisir une entreprise » puis « Valider » pour confirmer l'entreprise."
                )
        if form.checked("represents"):
            form.required("represented_siren", "Saisissez le SIREN de l'entreprise que vous représentez.")
    elif step == "caracteristiques":
        nature = form.required("nature", "Choisissez la nature de la demande.")
        form.required("category", "Choisissez la catégorie.")
        rules = refs["forms"].get(nature or "", {})
        if rules.get("sub_category"):
            form.required("sub_category", "Choisissez la direction compétente (sous-catégorie).")
        if rules.get("previous_request"):
            form.day("contested_rescrit_date")  # a date the person typed must read as one; the service says the rest
    elif step == "champs":
        rules = refs["forms"].get(form.value("nature"), {})
        if not chosen:
            form.error("fields", "Choisissez au moins un champ d'application.")
        elif rules.get("max_fields") and len(chosen) > rules["max_fields"]:
            most = rules["max_fields"]
            form.error(
                "fields",
                f"Cette nature de demande porte sur {most} champ{'s' if most > 1 else ''} d'application au plus.",
            )
    elif step == "demande":
        form.required("subject", "L'objet de la demande est obligatoire.")
        form.required("description", "La description de la demande est obligatoire.")


async def new_request_step(request: Request) -> Response:
    """One step posted: « Suivant » (checked), « Retour » (kept, not checked), « Choisir une entreprise »,
    « Valider », « Annuler », or « Créer la demande » at the last step."""
    session = signed_in(request)
    form, data = await submitted(request)
    refs = await referentials(request)
    chosen = fields_chosen(data)
    step = form.value("step") if form.value("step") in dict(STEPS) else "demandeur"
    action = form.value("action")
    slugs = [slug for slug, _ in STEPS]
    here = slugs.index(step)
    form.values.pop("step", None)
    form.values.pop("action", None)
    if action == "annuler":
        session.say("La saisie de la demande a été abandonnée.")
        return see_other("/ogde")
    if action == "retour":
        return wizard(request, form, slugs[max(0, here - 1)], chosen, refs)
    if action in ("choisir-entreprise", "valider-entreprise"):
        return await _company(request, session, form, chosen, refs, confirm=action == "valider-entreprise")
    if step == "caracteristiques" and action == "actualiser":  # the lists of another nature, without JavaScript
        return wizard(request, form, step, chosen, refs)
    _check(form, step, chosen, refs)
    if not form.ok:
        return wizard(request, form, step, chosen, refs, status=422)
    if step != "pieces":
        return wizard(request, form, slugs[here + 1], chosen, refs)
    return await create(request, session, form, data, chosen, refs)


async def _company(
    request: Request, session: Session, form: Form, chosen: list[str], refs: dict[str, Any], *, confirm: bool
) -> Response:
    """« Choisir une entreprise »: the raison sociale of the SIRET, shown before « Valider »."""
    siret = "".join(form.value("siret").split())
    if not siret:
        form.error("siret", "Saisissez le SIRET de l'entreprise.")
        return wizard(request, form, "demandeur", chosen, refs, status=422)
    try:
        company = await backends_of(request).essoc.get(f"/api/v1/companies/{seg(siret)}", session.token)
    except Refused as refused:
        form.values.pop("company_siret", None)
        form.error("siret", refused.detail)
        return wizard(request, form, "demandeur", chosen, refs, status=422)
    if confirm:
        form.values["company_siret"] = company["siret"]
        form.values["company_name"] = company["company_name"]
        form.values["siret"] = company["siret"]
        return wizard(request, form, "demandeur", chosen, refs)
    form.values.pop("company_siret", None)
    return wizard(request, form, "demandeur", chosen, refs, company=company)

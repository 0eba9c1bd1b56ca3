"""« Nouvelle demande », its first step before anything is kept: the requester, and the company chosen by its
SIRET. Its « Suivant » starts the draft in essoc (`POST /api/v1/drafts`); every step after is the draft's
(`draft_steps`). What the form itself checks, each answer being there, is said here once for every step."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of, seg
from portal.forms import Form, submitted
from portal.rendering import see_other
from portal.routes.ogde.opening import referentials, signed_in
from portal.routes.ogde.steps import fields_chosen, saved, step_url, wizard
from portal.session import Session


async def new_request(request: Request) -> Response:
    signed_in(request)
    return wizard(request, Form(), "demandeur", [], await referentials(request))


def check(form: Form, step: str, chosen: list[str], refs: dict[str, Any]) -> None:
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
    """The first step posted: « Choisir une entreprise », « Valider », or « Suivant », which starts the draft."""
    session = signed_in(request)
    form, data = await submitted(request)
    refs = await referentials(request)
    action = form.values.pop("action", "")
    form.values.pop("step", None)
    if action in ("choisir-entreprise", "valider-entreprise"):
        return await company(request, session, form, refs, confirm=action == "valider-entreprise")
    check(form, "demandeur", [], refs)
    if not form.ok:
        return wizard(request, form, "demandeur", fields_chosen(data.getlist("fields")), refs, status=422)
    _, body = saved("demandeur", form, [], refs)
    try:
        essoc = backends_of(request).essoc
        draft = await essoc.command("POST", "/api/v1/drafts", session.token or "", key=form.key, json=body)
    except Refused as refused:
        form.refuse(refused)
        return wizard(request, form, "demandeur", [], refs, status=422)
    return see_other(step_url(draft["id"], "caracteristiques"))


async def company(
    request: Request,
    session: Session,
    form: Form,
    refs: dict[str, Any],
    *,
    confirm: bool,
    draft: dict[str, Any] | None = None,
) -> Response:
    """« Choisir une entreprise »: the raison sociale of the SIRET, shown before « Valider »."""
    siret = "".join(form.value("siret").split())
    if not siret:
        form.error("siret", "Saisissez le SIRET de l'entreprise.")
        return wizard(request, form, "demandeur", [], refs, draft=draft, status=422)
    try:
        found = await backends_of(request).essoc.get(f"/api/v1/companies/{seg(siret)}", session.token)
    except Refused as refused:
        form.values.pop("company_siret", None)
        form.error("siret", refused.detail)
        return wizard(request, form, "demandeur", [], refs, draft=draft, status=422)
    if confirm:
        form.values["company_siret"] = found["siret"]
        form.values["company_name"] = found["company_name"]
        form.values["siret"] = found["siret"]
        return wizard(request, form, "demandeur", [], refs, draft=draft)
    form.values.pop("company_siret", None)
    return wizard(request, form, "demandeur", [], refs, draft=draft, company=found)

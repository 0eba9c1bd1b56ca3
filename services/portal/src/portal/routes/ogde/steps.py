"""The steps of « Nouvelle demande », the fields each asks, and the page that shows one of them.

From its first « Suivant » the request is a draft kept by essoc (decision record 0026): each step is read from it
and saved to it (`draft_steps`), so a person who leaves finds it again in « Mes demandes », tab « Brouillons ».
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from contracts import french
from portal.forms import Form
from portal.rendering import render

STEPS = (
    ("demandeur", "Demandeur"),
    ("caracteristiques", "Caractéristiques"),
    ("champs", "Champs d'application"),
    ("demande", "Demande"),
    ("pieces", "Pièces jointes"),
    ("recapitulatif", "Récapitulatif"),
)
SLUGS = tuple(slug for slug, _ in STEPS)
STEP_OF_FIELD = {
    "requester_type": "demandeur",
    "siret": "demandeur",
    "represented_siren": "demandeur",
    "email": "demandeur",
    "nature": "caracteristiques",
    "category": "caracteristiques",
    "sub_category": "caracteristiques",
    "previous_request": "caracteristiques",
    "contested_rescrit_date": "caracteristiques",
    "contested_rescrit_reference": "caracteristiques",
    "fields": "champs",
    "subject": "demande",
    "description": "demande",
    "files": "pieces",
}
COMPANY_CHOICE = ("company_name", "company_siret", "represents")
"""Fields of the « Demandeur » step that are the form's own (the company chosen), not the service's."""


def step_url(draft_id: str, step: str) -> str:
    return f"/ogde/brouillons/{draft_id}/{step}"


def resume_at(missing: list[str]) -> str:
    """The step a draft is taken up again at: the first one still missing an answer, else « Pièces jointes »
    (where the person was when nothing else was left to answer)."""
    return next((STEP_OF_FIELD[name] for name in missing if name in STEP_OF_FIELD), "pieces")


def neighbour(step: str, move: int) -> str:
    return SLUGS[max(0, min(len(SLUGS) - 1, SLUGS.index(step) + move))]


def fields_chosen(values: list[Any]) -> list[str]:
    return [v for v in values if isinstance(v, str) and "::" in v][:20]


def form_of(draft: dict[str, Any]) -> tuple[Form, list[str]]:
    """The form as the draft holds it (what each step shows again), and its fields of application."""
    person, c = draft["requester"], draft["characteristics"]
    contested = c["contested_rescrit_date"]
    values = {
        "requester_type": person["requester_type"],
        "siret": person["siret"],
        "company_siret": person["siret"],
        "company_name": person["company_name"],
        "represents": "on" if person["represented_siren"] else None,
        "represented_siren": person["represented_siren"],
        "nature": c["nature"],
        "category": c["category"],
        "sub_category": c["sub_category"],
        "previous_request": str(c["previous_request_number"] or c["previous_request"] or ""),
        "contested_rescrit_date": french.day(contested) if contested else None,
        "contested_rescrit_reference": c["contested_rescrit_reference"],
        "subject": draft["subject"],
        "description": draft["description"],
    }
    chosen = [f"{f['domain']}::{f['sub_domain']}" for f in draft["fields"]]
    return Form(values={k: str(v) for k, v in values.items() if v}), chosen


def saved(step: str, form: Form, chosen: list[str], refs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The draft's resource a step is saved to, and the body: what the person typed on it (a date read as typed,
    the fields of what the nature asks only)."""
    if step == "demandeur":
        body: dict[str, Any] = {"requester_type": form.value("requester_type")}
        if body["requester_type"] == "entreprise" and form.value("siret").strip():
            body["siret"] = "".join(form.value("siret").split())
        if form.checked("represents") and form.value("represented_siren").strip():
            body["represented_siren"] = "".join(form.value("represented_siren").split())
        return "requester", body
    if step == "caracteristiques":
        rules = refs["forms"].get(form.value("nature"), {})
        body = {name: form.value(name).strip() or None for name in ("nature", "category")}
        if rules.get("sub_category"):
            body["sub_category"] = form.value("sub_category").strip() or None
        if rules.get("previous_request"):
            body["previous_request"] = "".join(form.value("previous_request").split()) or None
            body["contested_rescrit_reference"] = form.value("contested_rescrit_reference").strip() or None
            contested: date | None = form.day("contested_rescrit_date")
            body["contested_rescrit_date"] = contested.isoformat() if contested else None
        return "characteristics", body
    if step == "champs":
        fields = [{"domain": c.split("::", 1)[0], "sub_domain": c.split("::", 1)[1]} for c in chosen]
        return "fields", {"fields": fields}
    return "description", {"subject": form.value("subject").strip(), "description": form.value("description").strip()}


def wizard(
    request: Request,
    form: Form,
    step: str,
    chosen: list[str],
    refs: dict[str, Any],
    *,
    draft: dict[str, Any] | None = None,
    status: int = 200,
    company: dict[str, Any] | None = None,
) -> Response:
    """One step's page: saved to the draft (`draft`), or the first step before there is one."""
    index = SLUGS.index(step)
    nature = form.value("nature")
    return render(
        request,
        "ogde/new.html",
        {
            "title": f"Nouvelle demande — {STEPS[index][1]}",
            "form": form,
            "step": step,
            "index": index + 1,
            "steps": STEPS,
            "chosen": chosen,
            "refs": refs,
            "rules": refs["forms"].get(nature, {}),
            "company": company,
            "draft": draft,
            "action": step_url(draft["id"], step) if draft else "/ogde/nouvelle-demande",
        },
        status=status,
    )


def refuse(form: Form, refused: Any, step: str) -> None:
    """The service's refusal next to its field when the field is on this step (`fields[0]` is the fields'), at the
    top of the form otherwise."""
    name = (refused.field or "").split("[", 1)[0].split(".", 1)[0]
    if STEP_OF_FIELD.get(name) == step:
        form.error(name, refused.detail)
    else:
        form.tell(refused.detail)


def with_the_rest(form: Form, draft: dict[str, Any], step: str) -> None:
    """The posted step, completed with what the draft holds for the other steps (the nature, which the fields of
    application depend on): the step's own answers are the posted ones, even those left empty or unticked."""
    kept, _ = form_of(draft)
    own = {name for name, at in STEP_OF_FIELD.items() if at == step}
    own |= set(COMPANY_CHOICE) if step == "demandeur" else set()
    form.values = {**{k: v for k, v in kept.values.items() if k not in own}, **form.values}

"""The steps of « Nouvelle demande », the fields each asks, and the page that shows one of them.

Nothing is kept on the server between steps: the page carries the other steps' values as hidden fields."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from portal.forms import Form
from portal.rendering import render

STEPS = (
    ("demandeur", "Demandeur"),
    ("caracteristiques", "Caractéristiques"),
    ("champs", "Champs d'application"),
    ("demande", "Demande"),
    ("pieces", "Pièces jointes"),
)
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
}
COMPANY_CHOICE = ("company_name", "company_siret", "represents")
"""Fields of the « Demandeur » step that are the form's own (the company chosen), not the service's."""
TYPED = tuple(name for name, step in STEP_OF_FIELD.items() if step != "champs" and name != "email")
"""What the person types (the fields of application are chosen apart; the e-mail comes from the account)."""
WIZARD_FIELDS = (*COMPANY_CHOICE, *TYPED)


def fields_chosen(data: FormData) -> list[str]:
    return [v for v in data.getlist("fields") if isinstance(v, str) and "::" in v][:20]


def wizard(
    request: Request,
    form: Form,
    step: str,
    chosen: list[str],
    refs: dict[str, Any],
    status: int = 200,
    company: dict[str, Any] | None = None,
) -> Response:
    index = next(i for i, (slug, _) in enumerate(STEPS) if slug == step)
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
            "hidden": [name for name in WIZARD_FIELDS if name not in visible(step)],
            "company": company,
        },
        status=status,
    )


def visible(step: str) -> tuple[str, ...]:
    extra = COMPANY_CHOICE if step == "demandeur" else ()
    return (*extra, *(name for name in TYPED if STEP_OF_FIELD[name] == step))

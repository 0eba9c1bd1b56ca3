"""The referentials a request is filed with, and the company a SIRET is registered under."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path

from chassis.http.auth import CurrentPrincipal
from chassis.http.inputs import IDENTIFIER_PATTERN
from contracts.errors import NotFound
from essoc.domain.attachments import ALLOWED_EXTENSIONS
from essoc.domain.filing import NATURE_FORMS
from essoc.domain.identity import check_siret
from essoc.entrypoints.http.services import Services

router = APIRouter()


@router.get("/referentials", tags=["référentiels"])
async def referentials(services: Services) -> dict[str, Any]:
    """Natures, categories per nature, directorates (mailbox, territory), fields, refusal grounds."""
    refs = services.referentials
    body = refs.as_dict()
    body["sub_categories"] = [{"code": d.code, "label": d.label} for d in refs.directorates if not d.central]
    body["served_territories"] = list(services.settings.territories)
    body["forms"] = {nature: asdict(form) for nature, form in NATURE_FORMS.items()}
    body["attachments"] = {
        "extensions": list(ALLOWED_EXTENSIONS),
        "max_bytes": services.settings.attachment_max_bytes,
    }
    return body


@router.get("/companies/{siret}", tags=["référentiels"])
async def company(
    siret: Annotated[str, Path(min_length=1, max_length=40, pattern=IDENTIFIER_PATTERN)],
    services: Services,
    who: CurrentPrincipal,
) -> dict[str, Any]:
    """« Choisir une entreprise »: the raison sociale a SIRET is registered under, before the requester confirms it."""
    checked = check_siret(siret)
    found = services.companies.lookup(checked)
    if found is None:
        raise NotFound(
            f"Aucune entreprise n'est enregistrée sous le SIRET {checked} ; vérifiez-le.",
            field="siret",
            code="entreprise-inconnue",
        )
    return {"siret": checked, "company_name": found.name}

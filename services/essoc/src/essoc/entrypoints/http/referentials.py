"""The referentials a request is filed with, and the company a SIRET is registered under."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path

from chassis.http.auth import CurrentPrincipal
from chassis.http.inputs import IDENTIFIER_PATTERN
from contracts.errors import NotFound
from essoc.domain.attachments import ALLOWED_EXTENSIONS
from essoc.domain.draft import DRAFT_MAX_FILES
from essoc.domain.filing import NATURE_FORMS
from essoc.domain.identity import check_siret
from essoc.domain.referentials import Directorate
from essoc.entrypoints.http.services import Services

router = APIRouter()


@router.get("/referentials", tags=["référentiels"])
async def referentials(services: Services) -> dict[str, Any]:
    """Natures, categories per nature, directorates (mailbox, territory), fields, refusal grounds."""
    refs = services.referentials
    body = refs.as_dict()
    served = services.settings.territories
    body["sub_categories"] = [{"code": d.code, "label": d.label} for d in refs.directorates if not d.central]
    body["served_territories"] = list(served)
    # What « Nouvelle demande » offers: the directorates this deployment serves, as sub-category of a rescrit or
    # second examen and as category of a droit au contrôle (the others are refused at the step that names them).
    body["served"] = {
        "sub_categories": [{"code": d.code, "label": d.label} for d in refs.directorates if _serves(d, served)],
        "categories": {
            nature: [
                {"code": c.code, "label": c.label}
                for c in categories
                if nature != "droit_au_controle" or _serves(refs.directorate(c.code), served)
            ]
            for nature, categories in refs.categories.items()
        },
    }
    body["forms"] = {nature: asdict(form) for nature, form in NATURE_FORMS.items()}
    body["attachments"] = {
        "extensions": list(ALLOWED_EXTENSIONS),
        "max_bytes": services.settings.attachment_max_bytes,
        "max_files_at_filing": DRAFT_MAX_FILES,
    }
    return body


def _serves(directorate: Directorate | None, served: Sequence[str]) -> bool:
    return directorate is not None and not directorate.central and directorate.territory in served


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

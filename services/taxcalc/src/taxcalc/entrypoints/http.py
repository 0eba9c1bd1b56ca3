"""HTTP API of taxcalc: rates, tariffs, totals of a declaration, the credit ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from starlette.datastructures import UploadFile

from chassis.commands import Commands
from chassis.http.auth import CurrentPrincipal
from chassis.http.inputs import IDENTIFIER_PATTERN, LINE_PATTERN
from chassis.service import services_of
from contracts.errors import DomainError, NotFound
from contracts.events.taxcalc import TariffLine
from contracts.types import Territory
from taxcalc.adapters.read_models import TaxcalcReadModels
from taxcalc.application import access
from taxcalc.application.tariffs import PublishTariff, publish_tariff
from taxcalc.application.unit_of_work import TaxcalcUnitOfWork
from taxcalc.domain.tariff import Tariff

router = APIRouter()
MAX_TARIFF_BYTES = 5 * 1024 * 1024
Doc = dict[str, Any]
PathId = Annotated[str, Path(min_length=1, max_length=128, pattern=IDENTIFIER_PATTERN)]


@dataclass
class TaxcalcServices:
    """What the routes depend on, wired by `bootstrap`."""

    commands: Commands[TaxcalcUnitOfWork]
    read_models: TaxcalcReadModels


Services = Annotated[TaxcalcServices, Depends(services_of(TaxcalcServices))]


async def _tariff(services: TaxcalcServices, territory: Territory) -> tuple[Doc, Tariff]:
    doc = await services.read_models.tariff_document(territory)
    if doc is None:
        raise NotFound(f"Aucun tarif n'est publié pour le territoire {territory}.", field="territory")
    return doc, Tariff.of(territory, [TariffLine.model_validate(x) for x in doc["lines"]])


@router.get("/rates", tags=["tarifs"])
async def rates(
    services: Services,
    who: CurrentPrincipal,
    territory: Territory,
    nomenclature: Annotated[str, Query(max_length=40, pattern=LINE_PATTERN)],
    date: Annotated[date, Query(description="date d'application des taux")],
    cana: Annotated[str | None, Query(max_length=40, pattern=LINE_PATTERN)] = None,
) -> dict[str, Any]:
    """The OM and OMR rates in force: CANA line first, then the longest code prefix; OMI, else OME.

    `canas`: the CANA measures the tariff holds for this product on that date (the form's CANA list)."""
    _, tariff = await _tariff(services, territory)
    match = tariff.lookup(territory, nomenclature, cana or None, date)
    canas = [
        {"cana": m.cana, "label": m.label, "om_rate": str(m.om_rate), "omr_rate": str(m.omr_rate), "kind": m.kind}
        for m in tariff.canas(territory, nomenclature, date)
    ]
    return {
        "territory": territory,
        "nomenclature": nomenclature,
        "cana": cana,
        "date": date.isoformat(),
        "om_rate": str(match.om_rate),
        "omr_rate": str(match.omr_rate),
        "kind": match.kind,
        "matched_code": match.matched_code,
        "deliberation": match.deliberation,
        "label": match.label,
        "valid_from": match.valid_from.isoformat() if match.valid_from else None,
        "valid_to": match.valid_to.isoformat() if match.valid_to else None,
        "canas": canas,
    }


@router.post("/tariffs", tags=["tarifs"])
async def post_tariff(
    request: Request, services: Services, response: Response, who: CurrentPrincipal, territory: Territory | None = None
) -> dict[str, Any]:
    """Imports a tariff CSV (`text/csv` body or multipart field `file`); admin only. With `territory`, the file
    holds that territory's tariff only; without it, each row names its territory and a file may hold the tariffs
    of several territories the deployment serves (all published, or none). 201 when a tariff changed, 200 when
    the file changes nothing."""
    who.require("admin")
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise DomainError("Joignez le fichier CSV du tarif dans le champ « file ».", field="file")
        raw = await upload.read(MAX_TARIFF_BYTES + 1)
    else:
        raw = await request.body()
    if len(raw) > MAX_TARIFF_BYTES:
        raise DomainError("Le fichier du tarif dépasse 5 Mo.", field="file", status=413)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DomainError("Le fichier du tarif doit être encodé en UTF-8.", field="file") from None
    command = PublishTariff(text=text, territory=territory)
    outcome = await services.commands.run(publish_tariff, command, who)
    response.status_code = 201 if outcome.published else 200
    return outcome.model_dump()


@router.get("/tariffs/{territory}", tags=["tarifs"])
async def get_tariff(
    territory: Territory, services: Services, who: CurrentPrincipal, date: date | None = None
) -> dict[str, Any]:
    """The tariff in force on `date` (every version when no date is given)."""
    doc, tariff = await _tariff(services, territory)
    lines = tariff.in_force(date, territory) if date else list(tariff.lines(territory))
    return {
        "territory": territory,
        "version": doc["version"],
        "published_at": doc["published_at"],
        "date": date.isoformat() if date else None,
        "lines": [x.model_dump(mode="json") for x in lines],
    }


@router.get("/declarations/{declaration_id}/totals", tags=["totaux"])
async def totals(declaration_id: PathId, services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    """Boxes 1–27: `current` when computed for the latest version taxcalc has seen, else `pending`."""
    doc = await services.read_models.declaration(declaration_id)
    if doc is None:
        raise NotFound(f"Déclaration {declaration_id} inconnue du calcul.", field="id")
    access.require_see(who, doc["territory"], doc["relation_id"])
    t: Doc | None = doc.get("totals")
    current = t is not None and t["declaration_version"] == doc["version"]
    return {
        "declaration_id": declaration_id,
        "version": t["declaration_version"] if t else None,
        "latest_version": doc["version"],
        "status": "current" if current else "pending",
        "complete": t["complete"] if t else False,
        "boxes": t["boxes"] if t else {},
        "total_due": t["total_due"] if t else None,
        "warnings": t["warnings"] if t else [],
        "errors": t["errors"] if t else [],
    }


@router.get("/ledger/{relation_id}", tags=["totaux"])
async def ledger(relation_id: PathId, services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    """The credit carried quarter by quarter (boxes 14 and 26), with the declaration each came from, and the credits
    of déclarations rectificatives (`corrections`): each waits until a later declaration takes it into its boxes
    10/22 (`absorbed_by`)."""
    doc = await services.read_models.ledger(relation_id)
    if doc is None and not (who.has("admin") or (who.has("declarant") and relation_id in who.relations)):
        raise NotFound(f"Aucun crédit enregistré pour la relation {relation_id}.", field="relation_id")
    access.require_see(who, (doc or {}).get("territory", ""), relation_id)
    entries = (doc or {}).get("entries", [])
    return {
        "relation_id": relation_id,
        "entries": [
            {
                "year": e["year"],
                "quarter": e["quarter"],
                "declaration_id": e["declaration_id"],
                "om_credit": e["om_credit"],
                "omr_credit": e["omr_credit"],
                "recorded_at": e["recorded_at"],
            }
            for e in entries
        ],
        "corrections": [
            {
                key: c[key]
                for key in (
                    "year",
                    "quarter",
                    "declaration_id",
                    "om_credit",
                    "omr_credit",
                    "absorbed_by",
                    "recorded_at",
                )
            }
            for c in (doc or {}).get("corrections", [])
        ],
    }

"""HTTP API of taxcalc: rates, tariffs, totals of a declaration, the credit ledger."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from starlette.datastructures import UploadFile

from chassis.http.auth import CurrentPrincipal, Principal
from chassis.logging import correlation_id
from contracts.errors import DomainError, Forbidden, NotFound
from contracts.events.taxcalc import TariffLine
from contracts.types import Territory
from taxcalc.application.projections import DECLARATIONS, LEDGER, TARIFFS
from taxcalc.application.tariffs import import_tariff
from taxcalc.domain.tariff import Tariff

router = APIRouter()
MAX_TARIFF_BYTES = 5 * 1024 * 1024


def _db(request: Request) -> Any:
    return request.app.state.runtime.db


def _may_see(who: Principal, territory: str, relation_id: str | None = None) -> None:
    if who.role == "admin":
        return
    if who.role == "agent" and territory in who.territories:
        return
    if who.role == "declarant" and relation_id is not None and relation_id in who.relations:
        return
    raise Forbidden("Vous n'avez pas accès à ces données.")


async def _tariff(request: Request, territory: str) -> Tariff:
    doc = await _db(request)[TARIFFS].find_one({"_id": territory})
    if doc is None:
        raise NotFound(f"Aucun tarif n'est publié pour le territoire {territory}.", field="territory")
    return Tariff.of(territory, [TariffLine.model_validate(x) for x in doc["lines"]])  # type: ignore[arg-type]


@router.get("/rates", tags=["tarifs"])
async def rates(
    request: Request,
    who: CurrentPrincipal,
    territory: Territory,
    nomenclature: str,
    date: Annotated[date, Query(description="date d'application des taux")],
    cana: str | None = None,
) -> dict[str, Any]:
    """The OM and OMR rates in force: CANA line first, then the longest code prefix; OMI, else OME."""
    match = (await _tariff(request, territory)).lookup(territory, nomenclature, cana or None, date)
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
    }


@router.post("/tariffs", tags=["tarifs"])
async def post_tariff(
    request: Request, response: Response, who: CurrentPrincipal, territory: Territory | None = None
) -> dict[str, Any]:
    """Imports a tariff CSV (`text/csv` body or multipart field `file`); admin only."""
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
    runtime = request.app.state.runtime
    published, version, code = await import_tariff(
        runtime.uow,
        who,
        text,
        territory,
        correlation_id.get() or "none",
        runtime.settings.territories,
        runtime.extras["assessor"],
    )
    response.status_code = 201 if published else 200
    return {
        "territory": code,
        "version": version,
        "published": published,
        "lines": len((await _db(request)[TARIFFS].find_one({"_id": code}))["lines"]),
    }


@router.get("/tariffs/{territory}", tags=["tarifs"])
async def get_tariff(
    territory: Territory, request: Request, who: CurrentPrincipal, date: date | None = None
) -> dict[str, Any]:
    """The tariff in force on `date` (every version when no date is given)."""
    tariff = await _tariff(request, territory)
    doc = await _db(request)[TARIFFS].find_one({"_id": territory})
    lines = tariff.in_force(date, territory) if date else list(tariff.lines(territory))
    return {
        "territory": territory,
        "version": doc["version"],
        "published_at": doc["published_at"],
        "date": date.isoformat() if date else None,
        "lines": [x.model_dump(mode="json") for x in lines],
    }


@router.get("/declarations/{declaration_id}/totals", tags=["totaux"])
async def totals(declaration_id: str, request: Request, who: CurrentPrincipal) -> dict[str, Any]:
    """Boxes 1–27: `current` when computed for the latest version taxcalc has seen, else `pending`."""
    doc = await _db(request)[DECLARATIONS].find_one({"_id": declaration_id})
    if doc is None:
        raise NotFound(f"Déclaration {declaration_id} inconnue du calcul.", field="id")
    _may_see(who, doc["territory"], doc["relation_id"])
    t = doc.get("totals")
    current = bool(t) and t["declaration_version"] == doc["version"]
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
async def ledger(relation_id: str, request: Request, who: CurrentPrincipal) -> dict[str, Any]:
    """The credit carried quarter by quarter (boxes 14 and 26), with the declaration each came from."""
    doc = await _db(request)[LEDGER].find_one({"_id": relation_id})
    territory = (doc or {}).get("territory", "")
    if who.role == "agent" and doc is None:
        raise NotFound(f"Aucun crédit enregistré pour la relation {relation_id}.", field="relation_id")
    _may_see(who, territory, relation_id)
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
    }

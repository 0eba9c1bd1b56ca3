"""HTTP API of DOMINO-NG: relations, offices, declarations and their commands."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from chassis.http.auth import CurrentPrincipal, Principal
from contracts.errors import DomainError, NotFound
from contracts.types import TERRITORY_ZONES
from declarations.adapters import receipt_pdf
from declarations.adapters.reference import ReferenceData
from declarations.application.commands import Handlers
from declarations.application.projections import VIEW
from declarations.domain.calendar import current_quarter
from declarations.entrypoints import views

router = APIRouter()

AmountIn = Annotated[Any, Field(json_schema_extra={"type": "string", "examples": ["1250.00"]})]
IfMatch = Annotated[str | None, Header(alias="If-Match", description="version attendue (concurrence optimiste)")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DraftBody(_Body):
    relation_id: str = Field(min_length=1)
    year: int = Field(ge=2000, le=2100)
    quarter: int = Field(ge=1, le=4)


class DeclarantBody(_Body):
    name: str | None = None
    quality: str | None = Field(default=None, description='"representant" ou "mandataire"')
    place: str | None = None
    payment_method: str | None = None


class LineBody(_Body):
    annex: Literal["A", "B"]
    nomenclature: str
    price_excl_tax: AmountIn
    cana: str | None = None
    naf: str | None = None
    rates_date: date | None = None
    avitaillement: bool | None = None
    rfs: bool | None = None


class TurnoverBody(_Body):
    amount: AmountIn


class DeductionsBody(_Body):
    om: dict[str, Any] = Field(default_factory=dict)
    omr: dict[str, Any] = Field(default_factory=dict)


def _handlers(request: Request) -> Handlers:
    handlers: Handlers = request.app.state.runtime.extras["handlers"]
    return handlers


def _reference(request: Request) -> ReferenceData:
    reference: ReferenceData = request.app.state.runtime.extras["reference"]
    return reference


def _expected(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    try:
        return int(raw)
    except ValueError:
        raise DomainError("L'en-tête If-Match doit porter un numéro de version.", field="If-Match") from None


async def _load(request: Request, who: Principal, declaration_id: str) -> dict[str, Any]:
    doc = await request.app.state.runtime.db[VIEW].find_one({"_id": declaration_id})
    if doc is None:
        raise NotFound(f"Déclaration {declaration_id} introuvable.", field="id")
    _reference(request).relation_for(who, doc["relation_id"], acting=False)
    return dict(doc)


async def _answer(request: Request, response: Response, who: Principal, declaration_id: str) -> dict[str, Any]:
    doc = await _load(request, who, declaration_id)
    response.headers["ETag"] = f'"{doc["version"]}"'
    return views.detail(doc)


@router.get("/relations", tags=["relations"])
async def relations(request: Request, who: CurrentPrincipal) -> list[dict[str, Any]]:
    """The caller's relations (one account may hold several: choose one first)."""
    return [r.public() for r in _reference(request).relations_of(who)]


@router.get("/relations/{relation_id}/home", tags=["relations"])
async def home(relation_id: str, request: Request, who: CurrentPrincipal) -> dict[str, Any]:
    """The manual's home page in one call: the relation, its office, the current quarter's declaration."""
    relation = _reference(request).relation_for(who, relation_id, acting=False)
    year, quarter = current_quarter(datetime.now(UTC), relation.territory)  # type: ignore[arg-type]
    doc = await request.app.state.runtime.db[VIEW].find_one(
        {"relation_id": relation_id, "year": year, "quarter": quarter}
    )
    return {
        "relation": relation.public(),
        "office": _reference(request).office(relation.office),
        "current_quarter": {"year": year, "quarter": quarter},
        "current_declaration": views.summary(doc) if doc else None,
        "search": f"/api/v1/declarations?relation_id={relation_id}",
    }


@router.get("/offices/{code}", tags=["relations"])
async def office(code: str, request: Request, who: CurrentPrincipal) -> dict[str, Any]:
    """A customs office's contact details."""
    return _reference(request).office(code)


@router.post("/declarations", status_code=201, tags=["déclarations"])
async def draft(body: DraftBody, request: Request, response: Response, who: CurrentPrincipal) -> dict[str, Any]:
    """Opens the declaration of a relation for a quarter (one per relation and quarter)."""
    stream = await _handlers(request).draft(who, body.relation_id, body.year, body.quarter)
    response.headers["Location"] = f"/api/v1/declarations/{stream}"
    return views.summary(await _load(request, who, stream))


@router.get("/declarations", tags=["déclarations"])
async def search(
    request: Request,
    who: CurrentPrincipal,
    relation_id: str | None = None,
    year: int | None = None,
    quarter: Annotated[int | None, Query(ge=1, le=4)] = None,
    status: Annotated[Literal["draft", "filed"] | None, Query()] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 20,
) -> dict[str, Any]:
    """Searches the declarations the caller may see."""
    reference = _reference(request)
    visible = [r.id for r in reference.relations_of(who)]
    if relation_id is not None:
        reference.relation_for(who, relation_id, acting=False)
        visible = [relation_id]
    query: dict[str, Any] = {"relation_id": {"$in": visible}}
    for key, value in (("year", year), ("quarter", quarter), ("status", status)):
        if value is not None:
            query[key] = value
    collection = request.app.state.runtime.db[VIEW]
    total = await collection.count_documents(query)
    docs = collection.find(
        query, sort=[("year", -1), ("quarter", -1), ("relation_id", 1)], skip=(page - 1) * per_page, limit=per_page
    )
    return {"total": total, "page": page, "per_page": per_page, "items": [views.summary(d) async for d in docs]}


@router.get("/declarations/{declaration_id}", tags=["déclarations"])
async def get_declaration(
    declaration_id: str, request: Request, response: Response, who: CurrentPrincipal
) -> dict[str, Any]:
    """Everything: lines with their rates and amounts, deductions, totals (current or pending)."""
    return await _answer(request, response, who, declaration_id)


@router.put("/declarations/{declaration_id}/declarant", tags=["déclarations"])
async def set_declarant(
    declaration_id: str,
    body: DeclarantBody,
    request: Request,
    response: Response,
    who: CurrentPrincipal,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    await _handlers(request).set_declarant(who, declaration_id, _expected(if_match), **body.model_dump())
    return await _answer(request, response, who, declaration_id)


@router.post("/declarations/{declaration_id}/lines", status_code=201, tags=["déclarations"])
async def add_line(
    declaration_id: str,
    body: LineBody,
    request: Request,
    response: Response,
    who: CurrentPrincipal,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Adds a line to annexe A (ventes internes) or B (exportations); rates follow once assessed."""
    line_id = f"L{uuid.uuid4().hex[:12]}"
    await _handlers(request).add_line(who, declaration_id, _expected(if_match), line_id, **body.model_dump())
    declaration = await _answer(request, response, who, declaration_id)
    line = next(x for x in declaration["lines"][body.annex] if x["line_id"] == line_id)
    response.headers["Location"] = f"/api/v1/declarations/{declaration_id}/lines/{line_id}"
    return {**line, "declaration_id": declaration_id, "declaration_version": declaration["version"]}


@router.delete("/declarations/{declaration_id}/lines/{line_id}", tags=["déclarations"])
async def remove_line(
    declaration_id: str,
    line_id: str,
    request: Request,
    response: Response,
    who: CurrentPrincipal,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    await _handlers(request).remove_line(who, declaration_id, _expected(if_match), line_id)
    return await _answer(request, response, who, declaration_id)


@router.put("/declarations/{declaration_id}/annual-turnover", tags=["déclarations"])
async def annual_turnover(
    declaration_id: str,
    body: TurnoverBody,
    request: Request,
    response: Response,
    who: CurrentPrincipal,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Box 3: the annual production turnover, on the Q4 declaration only."""
    await _handlers(request).declare_turnover(who, declaration_id, _expected(if_match), body.amount)
    return await _answer(request, response, who, declaration_id)


@router.put("/declarations/{declaration_id}/deductions", tags=["déclarations"])
async def deductions(
    declaration_id: str,
    body: DeductionsBody,
    request: Request,
    response: Response,
    who: CurrentPrincipal,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Boxes 5, 7–9bis, 13/13bis (OM) and 17, 19–21bis, 25/25bis (OMR)."""
    await _handlers(request).enter_deductions(who, declaration_id, _expected(if_match), body.om, body.omr)
    return await _answer(request, response, who, declaration_id)


@router.post("/declarations/{declaration_id}/filing", tags=["déclarations"])
async def file(
    declaration_id: str, request: Request, response: Response, who: CurrentPrincipal, if_match: IfMatch = None
) -> dict[str, Any]:
    """Files the declaration with the totals computed for its current version."""
    await _handlers(request).file(who, declaration_id, _expected(if_match))
    declaration = await _answer(request, response, who, declaration_id)
    filing = declaration["filing"]
    return {
        **declaration,
        "late": filing["late"],
        "days_late": filing["days_late"],
        "warnings": filing.get("warnings", []),
    }


@router.get("/declarations/{declaration_id}/history", tags=["déclarations"])
async def history(declaration_id: str, request: Request, who: CurrentPrincipal) -> list[dict[str, Any]]:
    """Every event of the declaration: what, who, when (UTC and the territory's local time)."""
    doc = await _load(request, who, declaration_id)
    zone = TERRITORY_ZONES[doc["territory"]]
    events = await request.app.state.runtime.store.read_stream(declaration_id)
    return [
        {
            "version": e.version,
            "type": e.type,
            "occurred_at": e.occurred_at.isoformat(),
            "occurred_at_local": e.occurred_at.astimezone(zone).isoformat(),
            "actor": e.actor.model_dump(),
            "data": e.data,
            "hash": e.hash,
        }
        for e in events
    ]


@router.get(
    "/declarations/{declaration_id}/receipt.pdf",
    tags=["déclarations"],
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def receipt(declaration_id: str, request: Request, who: CurrentPrincipal) -> Response:
    """The declaration as a PDF: the filing receipt once filed (a draft is marked as such)."""
    view = views.detail(await _load(request, who, declaration_id))
    office = _reference(request).offices.get(view["office"])
    content = await run_in_threadpool(receipt_pdf.render, view, office)
    filename = f"declaration-{declaration_id}.pdf"
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )

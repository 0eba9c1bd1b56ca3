"""The declarations: opening one for a quarter, searching them, reading one, its declarant's details."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import Field

from chassis.http.auth import CurrentPrincipal
from chassis.http.inputs import IDENTIFIER_PATTERN, Code, Identifier, Line
from declarations.application import access, commands
from declarations.entrypoints import views
from declarations.entrypoints.http.services import (
    Body,
    DeclarationId,
    IfMatch,
    Services,
    command_answer,
    execute,
    expected_version,
    load_declaration,
)

router = APIRouter()

Year = Annotated[int, Field(strict=True, ge=2004, le=2100)]
Quarter = Annotated[int, Field(strict=True, ge=1, le=4)]


class DraftBody(Body):
    relation_id: Identifier
    year: Year
    quarter: Quarter


class DeclarantBody(Body):
    name: Line | None = None
    quality: Code | None = Field(default=None, description='"representant" ou "mandataire"')
    place: Line | None = None
    payment_method: Code | None = None


@router.post("/declarations", status_code=201, tags=["déclarations"])
async def draft(body: DraftBody, services: Services, response: Response, who: CurrentPrincipal) -> dict[str, Any]:
    """Opens the declaration of a relation for a quarter (one per relation and quarter)."""
    command = commands.DraftDeclaration(relation_id=body.relation_id, year=body.year, quarter=body.quarter)
    stream = await services.commands.run(commands.draft_declaration, command, who)
    response.headers["Location"] = f"/api/v1/declarations/{stream}"
    return views.summary(await load_declaration(services, who, stream), now=services.clock())


@router.get("/declarations", tags=["déclarations"])
async def search(
    services: Services,
    who: CurrentPrincipal,
    relation_id: Annotated[str | None, Query(max_length=128, pattern=IDENTIFIER_PATTERN)] = None,
    year: Annotated[int | None, Query(ge=2004, le=2100)] = None,
    quarter: Annotated[int | None, Query(ge=1, le=4)] = None,
    status: Annotated[Literal["draft", "filed"] | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 20,
) -> dict[str, Any]:
    """Searches the declarations the caller may see."""
    visible = [r.relation_id for r in access.visible_relations(who, services.reference)]
    if relation_id is not None:
        access.relation_for(who, relation_id, services.reference, acting=False)
        visible = [relation_id]
    query: dict[str, Any] = {"relation_id": {"$in": visible}}
    for key, value in (("year", year), ("quarter", quarter), ("status", status)):
        if value is not None:
            query[key] = value
    total, docs = await services.read_model.search(query, page=page, per_page=per_page)
    return {
        "total": total,
        "page": page,
        "per_page": per_page,
        "items": [views.summary(d, now=services.clock()) for d in docs],
    }


@router.get("/declarations/{declaration_id}", tags=["déclarations"])
async def get_declaration(
    declaration_id: DeclarationId, services: Services, response: Response, who: CurrentPrincipal
) -> dict[str, Any]:
    """Everything: lines with their rates and amounts, deductions, totals (current or pending)."""
    return await command_answer(services, response, who, declaration_id)


@router.put("/declarations/{declaration_id}/declarant", tags=["déclarations"])
async def set_declarant(
    declaration_id: DeclarationId,
    body: DeclarantBody,
    services: Services,
    response: Response,
    who: CurrentPrincipal,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    command = commands.SetDeclarantDetails(
        declaration_id=declaration_id, expected_version=expected_version(if_match), **body.model_dump()
    )
    return await execute(services, response, who, commands.set_declarant_details, command)

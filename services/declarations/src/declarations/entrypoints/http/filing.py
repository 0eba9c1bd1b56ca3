"""The last boxes of a declaration — the annual turnover, the deductions — and its filing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import Field

from chassis.http.auth import CurrentPrincipal
from chassis.http.inputs import Code
from declarations.application import commands
from declarations.entrypoints import views
from declarations.entrypoints.http.services import (
    AmountIn,
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


class TurnoverBody(Body):
    amount: AmountIn


class DeductionsBody(Body):
    om: dict[Code, Any] = Field(default_factory=dict, max_length=20)
    omr: dict[Code, Any] = Field(default_factory=dict, max_length=20)


@router.put("/declarations/{declaration_id}/annual-turnover", tags=["déclarations"])
async def annual_turnover(
    declaration_id: DeclarationId,
    body: TurnoverBody,
    services: Services,
    response: Response,
    who: CurrentPrincipal,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Box 3: the annual production turnover, on the Q4 declaration only."""
    command = commands.DeclareAnnualTurnover(
        declaration_id=declaration_id, expected_version=expected_version(if_match), amount=body.amount
    )
    return await execute(services, response, who, commands.declare_annual_turnover, command)


@router.put("/declarations/{declaration_id}/deductions", tags=["déclarations"])
async def deductions(
    declaration_id: DeclarationId,
    body: DeductionsBody,
    services: Services,
    response: Response,
    who: CurrentPrincipal,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Boxes 5, 7–9bis, 13/13bis (OM) and 17, 19–21bis, 25/25bis (OMR)."""
    command = commands.EnterDeductions(
        declaration_id=declaration_id, expected_version=expected_version(if_match), om=body.om, omr=body.omr
    )
    return await execute(services, response, who, commands.enter_deductions, command)


@router.post("/declarations/{declaration_id}/filing", tags=["déclarations"])
async def file(
    declaration_id: DeclarationId,
    services: Services,
    response: Response,
    who: CurrentPrincipal,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Files the declaration with the totals computed for its current version."""
    command = commands.FileDeclaration(declaration_id=declaration_id, expected_version=expected_version(if_match))
    await services.commands.run(commands.file_declaration, command, who)
    declaration = await command_answer(services, response, who, declaration_id)
    filing = declaration["filing"]
    return {
        **declaration,
        "late": filing["late"],
        "days_late": filing["days_late"],
        "warnings": filing.get("warnings", []),
    }


@router.post("/declarations/{declaration_id}/corrections", status_code=201, tags=["déclarations"])
async def open_correction(
    declaration_id: DeclarationId,
    services: Services,
    response: Response,
    who: CurrentPrincipal,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Opens a déclaration rectificative of a filed declaration: a copy to correct, then file (« déclaration
    rectificative n° N »). Refused once the recovery period (three years from the quarter's end) is over, when the
    declaration was already superseded, or while a rectificative of it is open (its id in `correction_id`)."""
    command = commands.OpenCorrection(declaration_id=declaration_id, expected_version=expected_version(if_match))
    stream = await services.commands.run(commands.open_correction, command, who)
    response.headers["Location"] = f"/api/v1/declarations/{stream}"
    return views.summary(await load_declaration(services, who, stream), now=services.clock())

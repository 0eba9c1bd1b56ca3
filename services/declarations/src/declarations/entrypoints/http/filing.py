"""The last boxes of a declaration — the annual turnover, the deductions — and its filing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import Field

from chassis.http.auth import CurrentPrincipal
from chassis.http.inputs import Code
from declarations.application import commands
from declarations.entrypoints.http.services import (
    AmountIn,
    Body,
    DeclarationId,
    IfMatch,
    Services,
    command_answer,
    execute,
    expected_version,
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

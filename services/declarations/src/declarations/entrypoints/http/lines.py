"""The lines of a declaration's annexes: adding one, importing many (a CSV or JSON), changing one, removing one."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request, Response
from pydantic import Field, StrictBool, ValidationError

from chassis.http.auth import CurrentPrincipal
from chassis.http.inputs import IDENTIFIER_PATTERN, Code
from contracts.errors import DomainError
from declarations.adapters import lines_csv
from declarations.application import commands
from declarations.domain.lines import LineChange, LineEntry
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

LineId = Annotated[str, Path(min_length=1, max_length=128, pattern=IDENTIFIER_PATTERN)]


class LineBody(Body):
    annex: Literal["A", "B"]
    nomenclature: Code
    price_excl_tax: AmountIn
    cana: Code | None = None
    naf: Code | None = None
    rates_date: date | None = None
    avitaillement: StrictBool | None = None
    rfs: StrictBool | None = None


@router.post("/declarations/{declaration_id}/lines", status_code=201, tags=["déclarations"])
async def add_line(
    declaration_id: DeclarationId,
    body: LineBody,
    services: Services,
    response: Response,
    who: CurrentPrincipal,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Adds a line to annexe A (ventes internes) or B (exportations); rates follow once assessed."""
    line_id = f"L{uuid.uuid4().hex[:12]}"
    command = commands.AddLine(
        declaration_id=declaration_id,
        expected_version=expected_version(if_match),
        line_id=line_id,
        line=LineEntry.model_validate(body.model_dump()),
    )
    await services.commands.run(commands.add_line, command, who)
    declaration = await command_answer(services, response, who, declaration_id)
    line = next(x for x in declaration["lines"][body.annex] if x["line_id"] == line_id)
    response.headers["Location"] = f"/api/v1/declarations/{declaration_id}/lines/{line_id}"
    return {**line, "declaration_id": declaration_id, "declaration_version": declaration["version"]}


class LinesBody(Body):
    lines: list[LineBody] = Field(min_length=1, max_length=2000)


_IMPORT_DOC: dict[str, Any] = {
    "requestBody": {
        "content": {
            "text/csv": {"schema": {"type": "string", "description": "le modèle `/api/v1/line-import/template.csv`"}},
            "application/json": {"schema": LinesBody.model_json_schema()},
        },
        "required": True,
    }
}


@router.post(
    "/declarations/{declaration_id}/lines/import",
    status_code=201,
    tags=["déclarations"],
    openapi_extra=_IMPORT_DOC,
)
async def import_lines(
    declaration_id: DeclarationId,
    request: Request,
    services: Services,
    response: Response,
    who: CurrentPrincipal,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """« Importer des lignes »: a CSV of annexe A/B lines (`;` or `,`, UTF-8 or Windows-1252, French amounts
    and dates), or `{"lines": [...]}`. All the lines or none: a refusal lists every wrong row (`errors`:
    row, column, message)."""
    ignored: list[str] = []
    unreadable: list[tuple[int, str | None, str]] = []
    if request.headers.get("content-type", "").split(";")[0].strip().lower() in ("text/csv", "application/csv"):
        parsed = lines_csv.parse(lines_csv.decode(await request.body()))
        rows, ignored = parsed.rows, parsed.ignored_columns
        unreadable = [(r.row, r.field, r.message) for r in parsed.unreadable]
    else:
        try:
            body = LinesBody.model_validate_json(await request.body() or b"{}")
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "lines"
            raise DomainError(f"{where} : champ absent ou invalide ({first['msg']}).", field=where) from None
        rows = [(n, LineEntry.model_validate(line.model_dump())) for n, line in enumerate(body.lines, start=1)]
    command = commands.ImportLines(
        declaration_id=declaration_id,
        expected_version=expected_version(if_match),
        lines=[(row, f"L{uuid.uuid4().hex[:12]}", entry) for row, entry in rows],
        unreadable=unreadable,
    )
    await services.commands.run(commands.import_lines, command, who)
    declaration = await command_answer(services, response, who, declaration_id)
    return {**declaration, "imported": len(rows), "ignored_columns": ignored}


class LineChangeBody(Body):
    price_excl_tax: AmountIn
    cana: Code | None = None
    naf: Code | None = None
    avitaillement: StrictBool | None = None
    rfs: StrictBool | None = None


@router.put("/declarations/{declaration_id}/lines/{line_id}", tags=["déclarations"])
async def change_line(
    declaration_id: DeclarationId,
    line_id: LineId,
    body: LineChangeBody,
    services: Services,
    response: Response,
    who: CurrentPrincipal,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """« Modifier » a line before filing: its price, CANA, NAF and flags (avitaillement, RFS), all of them as they
    are to be (one left out is emptied), checked as a line added would be; its annex, nomenclature and date of
    application stay (changing them is another line). Nothing is recorded when nothing changes."""
    command = commands.ChangeLine(
        declaration_id=declaration_id,
        expected_version=expected_version(if_match),
        line_id=line_id,
        change=LineChange.model_validate(body.model_dump()),
    )
    await services.commands.run(commands.change_line, command, who)
    declaration = await command_answer(services, response, who, declaration_id)
    lines = [*declaration["lines"]["A"], *declaration["lines"]["B"]]
    line = next(x for x in lines if x["line_id"] == line_id)
    return {**line, "declaration_id": declaration_id, "declaration_version": declaration["version"]}


@router.delete("/declarations/{declaration_id}/lines/{line_id}", tags=["déclarations"])
async def remove_line(
    declaration_id: DeclarationId,
    line_id: LineId,
    services: Services,
    response: Response,
    who: CurrentPrincipal,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    command = commands.RemoveLine(
        declaration_id=declaration_id, expected_version=expected_version(if_match), line_id=line_id
    )
    return await execute(services, response, who, commands.remove_line, command)

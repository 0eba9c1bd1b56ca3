"""The reference data a declaration is filled with: the NAF sub-classes, the lines' import template, a customs
office's contact details."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from chassis.http.auth import CurrentPrincipal
from chassis.http.inputs import IDENTIFIER_PATTERN, LINE_PATTERN
from contracts.french import plain
from declarations.adapters import lines_csv
from declarations.domain.codes import naf_subclasses
from declarations.entrypoints.http.services import Services

router = APIRouter()


@router.get("/naf", tags=["référentiels"])
async def naf(q: Annotated[str | None, Query(max_length=80, pattern=LINE_PATTERN)] = None) -> dict[str, Any]:
    """The NAF rév. 2 sub-classes (INSEE, public), filtered by a code or words of the label (accents and case
    aside)."""
    words = plain(q or "").split()
    items = [
        {"code": code, "label": label}
        for code, label in naf_subclasses().items()
        if all(w in plain(f"{code} {code.replace('.', '')} {label}") for w in words)
    ]
    return {"q": q or "", "total": len(items), "items": items}


@router.get(
    "/line-import/template.csv",
    tags=["déclarations"],
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def line_import_template() -> Response:
    """The file to fill for « Importer des lignes » (`;`, UTF-8 with BOM, one example per annex)."""
    return Response(
        lines_csv.template().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="modele-lignes-annexes.csv"'},
    )


@router.get("/offices/{code}", tags=["relations"])
async def office(
    code: Annotated[str, Path(max_length=40, pattern=IDENTIFIER_PATTERN)], services: Services, who: CurrentPrincipal
) -> dict[str, Any]:
    """A customs office's contact details."""
    return services.reference.office(code)

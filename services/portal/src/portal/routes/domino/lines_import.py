"""« Importer des lignes »: the annexes' lines of many products from a CSV file, and the file's template."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of, seg
from portal.forms import submitted, uploaded
from portal.rendering import see_other
from portal.routes.domino.opening import declaration_of, draft, read_only, screen, shown_version, signed_in, stale

router = APIRouter()

MAX_IMPORT_BYTES = 5 * 1024 * 1024


@router.get("/modele-lignes.csv")
async def import_template(request: Request) -> Response:
    session = signed_in(request)
    async with backends_of(request).declarations.download(
        "/api/v1/line-import/template.csv", session.token or ""
    ) as got:
        content = await got.aread()
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="modele-lignes-annexes.csv"'},
    )


@router.get("/declarations/{declaration_id}/import")
async def import_page(request: Request, declaration_id: str) -> Response:
    """« Importer des lignes »."""
    session = signed_in(request)
    declaration, filed = await draft(request, session, declaration_id)
    if filed is not None:
        return filed
    return screen(request, "domino/import.html", declaration, "annexe-a", title="Importer des lignes")


@router.post("/declarations/{declaration_id}/import")
async def import_lines(request: Request, declaration_id: str) -> Response:
    session = signed_in(request)
    form, data = await submitted(request)
    declaration = await declaration_of(request, session, declaration_id)
    file = uploaded(data, "fichier")
    report: list[dict[str, Any]] = []
    others = 0
    status = 422
    if file is None:
        form.error("fichier", "Choisissez le fichier CSV à importer.")
    else:
        content = await file.read(MAX_IMPORT_BYTES + 1)
        if len(content) > MAX_IMPORT_BYTES:
            form.error("fichier", "Le fichier dépasse 5 Mo : découpez-le en plusieurs fichiers.")
        else:
            try:
                done = await backends_of(request).declarations.command(
                    "POST",
                    f"/api/v1/declarations/{seg(declaration_id)}/lines/import",
                    session.token or "",
                    key=form.key,
                    content=content,
                    content_type="text/csv",
                    headers=shown_version(form),
                )
            except Refused as refused:
                status = refused.status
                declaration = await declaration_of(request, session, declaration_id)
                if stale(refused, form, declaration):
                    if (filed := read_only(declaration)) is not None:
                        return filed
                else:
                    form.error("fichier", refused.detail)
                    report = refused.errors
                    others = int(refused.extra.get("other_errors") or 0)
            else:
                ignored = done.get("ignored_columns") or []
                note = f" Colonnes ignorées : {', '.join(ignored)}." if ignored else ""
                session.say(
                    f"{done['imported']} ligne{'s' if done['imported'] > 1 else ''} importée"
                    f"{'s' if done['imported'] > 1 else ''}.{note}"
                )
                return see_other(f"/domino/declarations/{declaration_id}/annexe-a")
    return screen(
        request,
        "domino/import.html",
        declaration,
        "annexe-a",
        form=form,
        report=report,
        others=others,
        title="Importer des lignes",
        status=status,
    )

"""« Fichiers de prélèvements »: issuing the pain.008 file of a collection date, the files issued, and each one
downloaded exactly as the bank takes it (the same bytes at every download)."""

from __future__ import annotations

from fastapi import HTTPException, Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of, seg
from portal.forms import submitted
from portal.rendering import see_other
from portal.routes.recouvrement.debits import debits_view
from portal.routes.recouvrement.opening import desk, page, signed_in


async def issue(request: Request) -> Response:
    """« Émettre le fichier »: the service presents every debit due that day in one file, once."""
    session = signed_in(request)
    form, _ = await submitted(request)
    territory = form.value("territoire")
    day = form.value("date")
    if form.ok:
        try:
            issued = await backends_of(request).declarations.command(
                "POST",
                "/api/v1/collection/files",
                session.token or "",
                key=form.key,
                json={"territory": territory, "collection_date": day},
            )
        except Refused as refused:
            form.refuse(refused, {"collection_date": "date", "territory": "territoire"})
        else:
            session.say(
                f"Le fichier {issued['file_id']} est émis : {issued['count']} prélèvement(s). Téléchargez-le pour "
                "la banque."
            )
            return see_other(f"/recouvrement/fichiers?territoire={territory}")
    return await debits_view(request, territory, form, status=422)


async def files_page(request: Request, territoire: str = "") -> Response:
    session = signed_in(request)
    chosen, desks = await desk(request, session, territoire)
    found = await backends_of(request).declarations.get(
        "/api/v1/collection/files", session.token, territory=chosen["territory"]
    )
    return page(
        request,
        "recouvrement/files.html",
        chosen,
        desks,
        "/fichiers",
        title="Fichiers de prélèvements",
        files=found["items"],
    )


async def download(request: Request, file_id: str) -> Response:
    session = signed_in(request)
    try:
        async with backends_of(request).declarations.download(
            f"/api/v1/collection/files/{seg(file_id)}.xml", session.token or ""
        ) as answer:
            content = await answer.aread()
    except Refused:
        raise HTTPException(404) from None
    headers = {"Content-Disposition": f'attachment; filename="{file_id}.xml"'}
    return Response(content, media_type="application/xml", headers=headers)

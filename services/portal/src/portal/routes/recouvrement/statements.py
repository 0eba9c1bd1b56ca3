"""« Relevés bancaires »: uploading the bank's camt.053 statement of the collection account, the report of what
each entry did (paid, returned, waiting, not ours), and the statements read so far."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import Response

from portal.backends import Refused, backends_of, seg
from portal.forms import Form, submitted, uploaded
from portal.routes.recouvrement.opening import desk, page, signed_in

MAX_STATEMENT_BYTES = 10 * 1024 * 1024
OUTCOMES = {"paid": "Payée", "returned": "Prélèvement rejeté", "waiting": "En attente", "ignored": "Hors octroi de mer"}


async def statements_view(
    request: Request, territoire: str, form: Form | None = None, status: int = 200, report: Any = None
) -> Response:
    session = signed_in(request)
    chosen, desks = await desk(request, session, territoire)
    found = await backends_of(request).declarations.get(
        "/api/v1/collection/statements", session.token, territory=chosen["territory"]
    )
    return page(
        request,
        "recouvrement/statements.html",
        chosen,
        desks,
        "/releves",
        title="Relevés bancaires",
        form=form,
        status=status,
        statements=found["items"],
        report=report,
        outcomes=OUTCOMES,
        can_upload=session.has("comptable", "admin"),
    )


async def statements_page(request: Request, territoire: str = "") -> Response:
    return await statements_view(request, territoire)


async def upload(request: Request) -> Response:
    """« Déposer le relevé »: the service reads it once; the page shows what each entry did."""
    session = signed_in(request)
    form, data = await submitted(request)
    territory = form.value("territoire")
    file = uploaded(data, "releve")
    if file is None:
        form.error("releve", "Choisissez le relevé bancaire (fichier camt.053 de la banque).")
    report = None
    if form.ok and file is not None:
        content = await file.read(MAX_STATEMENT_BYTES + 1)
        try:
            report = await backends_of(request).declarations.command(
                "POST",
                f"/api/v1/collection/statements?territory={seg(territory)}",
                session.token or "",
                key=form.key,
                content=content,
                content_type="application/xml",
            )
        except Refused as refused:
            form.refuse(refused, {"file": "releve", "territory": "territoire"})
        else:
            form = Form(values={"territoire": territory})
            read = report["statements"]
            if read and not any(s["new"] for s in read):
                form.tell("Ce relevé a déjà été lu : rien n'a été enregistré une seconde fois.")
    return await statements_view(request, territory, form, status=200 if form.ok else 422, report=report)


async def statement_page(request: Request, statement: str) -> Response:
    session = signed_in(request)
    try:
        found = await backends_of(request).declarations.get(
            f"/api/v1/collection/statements/{seg(statement)}", session.token
        )
    except Refused:
        raise HTTPException(404) from None
    chosen, desks = await desk(request, session, found["territory"])
    return page(
        request,
        "recouvrement/statement.html",
        chosen,
        desks,
        "/releves",
        title=f"Relevé {found['statement_id']}",
        statement=found,
        outcomes=OUTCOMES,
    )

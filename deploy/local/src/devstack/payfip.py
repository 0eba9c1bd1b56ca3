"""SIMULATOR — the public-sector card payment service (PayFiP, DGFiP), for development and tests only: its web
service (`creerPaiementSecurise`, `recupererDetailPaiementSecurise`, SOAP 1.1, the messages PayFiP exchanges) and
its payment page (`/tpa/paiementws.web?idop=…`), where no card is asked and none is debited: « Payer », « Carte
refusée » or « Abandonner » decide the result. Like PayFiP, it then posts the `idop` to the notification address
it was given and sends the payer back. `make run` starts it beside the services; nothing in production uses it.
"""

from __future__ import annotations

import html
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import typer
import uvicorn
from lxml import etree
from lxml.builder import ElementMaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
SERVICE = (
    "http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/"
    "contrat_paiement_securise/PaiementSecuriseService"
)
E = ElementMaker(namespace=SOAP, nsmap={"soap": SOAP})
S = ElementMaker(namespace=SERVICE, nsmap={"ns2": SERVICE})
PLAIN = ElementMaker()
ASKED = ("exer", "mel", "montant", "numcli", "objet", "refdet", "saisie", "urlnotif", "urlredirect")
PARIS = ZoneInfo("Europe/Paris")
RESULTS = {"payer": "P", "refuser": "R", "abandonner": "A"}


@dataclass
class Operation:
    fields: dict[str, str]
    result: str = ""
    authorisation: str = ""
    at: datetime | None = None


def _answer(operation: str, fields: dict[str, str]) -> Response:
    body = S(f"{operation}Response", PLAIN("return", *(PLAIN(k, v) for k, v in fields.items())))
    content = etree.tostring(E.Envelope(E.Body(body)), xml_declaration=True, encoding="UTF-8")
    return Response(content, media_type="text/xml; charset=utf-8")


def _fault(message: str) -> Response:
    fault = E.Fault(PLAIN.faultcode("soap:Server"), PLAIN.faultstring(message))
    content = etree.tostring(E.Envelope(E.Body(fault)), xml_declaration=True, encoding="UTF-8")
    return Response(content, status_code=500, media_type="text/xml; charset=utf-8")


PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>SIMULATEUR PayFiP</title>
<meta name="viewport" content="width=device-width"><link rel="icon" href="data:,"><style>
body{{font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}}
.simu{{background:#fee;border:2px solid #c00;padding:.5rem 1rem}} button{{margin:.25rem;padding:.5rem 1rem}}
</style></head><body><p class="simu" id="simulateur"><strong>SIMULATEUR de PayFiP</strong> — environnement de
développement : aucune carte n'est demandée, aucun compte n'est débité.</p><h1>Paiement par carte bancaire</h1>
<p id="objet">{purpose}</p><p>Montant : <strong id="montant">{amount} €</strong> — référence {refdet}</p>
<form method="post" action="/tpa/paiementws.web"><input type="hidden" name="idop" value="{operation_id}">
<button name="choix" value="payer" id="payer">Payer</button><button name="choix" value="refuser" id="refuser">Carte
refusée</button><button name="choix" value="abandonner" id="abandonner">Abandonner</button></form></body></html>"""


def simulator(clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> Starlette:
    """The simulator's web application; `clock` dates the payments (tests give theirs)."""
    operations: dict[str, Operation] = {}

    async def web_service(request: Request) -> Response:
        try:
            root = etree.fromstring(await request.body(), etree.XMLParser(resolve_entities=False, no_network=True))
            call = root.find(f"{{{SOAP}}}Body")[0]
        except (etree.XMLSyntaxError, IndexError, TypeError):
            return _fault("message SOAP illisible")
        fields = {child.tag: child.text or "" for child in call.find("arg0") if isinstance(child.tag, str)}
        if call.tag == f"{{{SERVICE}}}creerPaiementSecurise":
            missing = [name for name in ASKED if not fields.get(name)]
            cents = fields.get("montant", "")
            if missing or not cents.isdigit() or not 100 <= int(cents) < 10_000_000 or fields["saisie"] not in "TXW":
                return _fault(f"paramètres invalides : {', '.join(missing) or 'montant ou saisie'}")
            operation_id = uuid.uuid4().hex
            operations[operation_id] = Operation({name: fields[name] for name in ASKED})
            return _answer("creerPaiementSecurise", {"idOp": operation_id})
        if call.tag == f"{{{SERVICE}}}recupererDetailPaiementSecurise":
            operation = operations.get(fields.get("idOp", ""))
            if operation is None:
                return _fault("opération inconnue")
            at = operation.at.astimezone(PARIS) if operation.at else None  # PayFiP speaks Paris time
            detail = {k: operation.fields[k] for k in ("exer", "mel", "montant", "numcli", "objet", "refdet", "saisie")}
            detail |= {
                "idOp": fields["idOp"],
                "resultrans": operation.result,
                "numauto": operation.authorisation,
                "dattrans": at.strftime("%d%m%Y") if at else "",
                "heurtrans": at.strftime("%H%M") if at else "",
            }
            return _answer("recupererDetailPaiementSecurise", detail)
        return _fault("opération non prise en charge")

    async def payment_page(request: Request) -> Response:
        operation_id = request.query_params.get("idop", "")
        operation = operations.get(operation_id)
        if operation is None:
            return HTMLResponse("<p>Opération inconnue.</p>", status_code=404)
        cents = int(operation.fields["montant"])
        amount = f"{cents // 100},{cents % 100:02d}"
        fields = {k: html.escape(v) for k, v in operation.fields.items()}
        page = PAGE.format(purpose=fields["objet"], amount=amount, refdet=fields["refdet"], operation_id=operation_id)
        return HTMLResponse(page)

    async def pay(request: Request) -> Response:
        form = await request.form()
        operation_id = str(form.get("idop", ""))
        operation = operations.get(operation_id)
        choice = str(form.get("choix", ""))
        if operation is None or choice not in RESULTS:
            return HTMLResponse("<p>Opération inconnue.</p>", status_code=404)
        if not operation.result:
            operation.result = RESULTS[choice]
            operation.at = clock()
            operation.authorisation = uuid.uuid4().hex[:6].upper() if choice == "payer" else ""
        # Like PayFiP: the notification first (server to server, the idop only), then the payer back to the site.
        async with httpx.AsyncClient(timeout=10) as client:
            try:
                await client.post(operation.fields["urlnotif"], data={"idop": operation_id})
            except httpx.HTTPError:
                pass  # the site asks the result when the payer comes back anyway
        return RedirectResponse(operation.fields["urlredirect"], status_code=303)

    async def ready(request: Request) -> Response:
        return JSONResponse({"status": "ready", "simulator": "PayFiP"})

    return Starlette(
        routes=[
            Route("/services/securite", web_service, methods=["POST"]),
            Route("/tpa/paiementws.web", payment_page, methods=["GET"]),
            Route("/tpa/paiementws.web", pay, methods=["POST"]),
            Route("/health/ready", ready),
            Route("/health/live", ready),
        ]
    )


app = simulator()
cli = typer.Typer(add_completion=False, help="SIMULATEUR de PayFiP (développement)")


@cli.callback()
def simulator_cli() -> None:
    """SIMULATEUR de PayFiP : `payfip serve`."""


@cli.command()
def serve() -> None:
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ.get("PAYFIP_HTTP_PORT", "8005")), log_level="warning")


def main() -> None:
    cli()

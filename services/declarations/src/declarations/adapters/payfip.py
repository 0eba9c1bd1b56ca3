"""The public-sector card payment service, PayFiP (DGFiP), through its web service: `creerPaiementSecurise` opens
an operation for a reference and an amount and gives its `idOp`, the payer pays on PayFiP's page
(`paiementws.web?idop=…`), PayFiP posts the `idOp` to our notification address, and `recupererDetailPaiementSecurise`
tells the result. The notification carries nothing we trust: the result is always asked of PayFiP itself.

SOAP 1.1 messages built and read with lxml, never as strings. `make run` points this at `devstack.payfip`, a
clearly labelled simulator that speaks the same messages; production takes PayFiP's address and the client
number of the recette (settings `payfip_*`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
from lxml import etree
from lxml.builder import ElementMaker

from declarations.domain.collection.card import PayfipResult

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
SERVICE = (
    "http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/"
    "contrat_paiement_securise/PaiementSecuriseService"
)
E = ElementMaker(namespace=SOAP, nsmap={"soapenv": SOAP, "pai": SERVICE})
P = ElementMaker(namespace=SERVICE, nsmap={"pai": SERVICE})
PLAIN = ElementMaker()
PARIS = ZoneInfo("Europe/Paris")
"""PayFiP's `dattrans` and `heurtrans` are the time in Paris."""


class PayfipUnavailable(Exception):
    """PayFiP did not answer, or answered a fault: the payer is told to try again or pay otherwise."""


@dataclass(frozen=True)
class Operation:
    """What an operation is opened for."""

    year: int
    email: str
    amount: Decimal
    purpose: str
    refdet: str
    notification_url: str
    return_url: str


def envelope(operation: str, fields: dict[str, str]) -> bytes:
    body = P(operation, PLAIN.arg0(*(PLAIN(name, value) for name, value in fields.items())))
    out: bytes = etree.tostring(E.Envelope(E.Header(), E.Body(body)), xml_declaration=True, encoding="UTF-8")
    return out


def returned(content: bytes, operation: str) -> dict[str, str]:
    """The fields of `<return>` in an operation's answer; a SOAP fault raises `PayfipUnavailable`."""
    try:
        root = etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        raise PayfipUnavailable("réponse illisible") from None
    fault = root.find(f".//{{{SOAP}}}Fault")
    if fault is not None:
        raise PayfipUnavailable(fault.findtext("faultstring") or "erreur")
    answer = root.find(f".//{{{SERVICE}}}{operation}Response/return")
    if answer is None:
        raise PayfipUnavailable(f"pas de réponse à {operation}")
    return {child.tag: child.text or "" for child in answer}


class Payfip:
    def __init__(
        self,
        service_url: str,
        payment_url: str,
        client: str,
        mode: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.service_url = service_url
        self.payment_url = payment_url
        self.client = client
        self.mode = mode
        self.http = httpx.AsyncClient(timeout=15, transport=transport)

    async def close(self) -> None:
        await self.http.aclose()

    async def _call(self, operation: str, fields: dict[str, str]) -> dict[str, str]:
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}
        try:
            response = await self.http.post(self.service_url, content=envelope(operation, fields), headers=headers)
        except httpx.HTTPError as error:
            raise PayfipUnavailable(type(error).__name__) from error
        return returned(response.content, operation)

    async def open(self, operation: Operation) -> str:
        """The operation's idOp (`creerPaiementSecurise`)."""
        fields = {
            "exer": str(operation.year),
            "mel": operation.email,
            "montant": str(int((operation.amount * 100).to_integral_exact())),
            "numcli": self.client,
            "objet": operation.purpose,
            "refdet": operation.refdet,
            "saisie": self.mode,
            "urlnotif": operation.notification_url,
            "urlredirect": operation.return_url,
        }
        answer = await self._call("creerPaiementSecurise", fields)
        if not answer.get("idOp"):
            raise PayfipUnavailable("pas d'identifiant d'opération")
        return answer["idOp"]

    def page(self, operation_id: str) -> str:
        """Where the payer pays."""
        return f"{self.payment_url}?idop={operation_id}"

    async def result(self, operation_id: str) -> PayfipResult:
        """The operation as PayFiP knows it (`recupererDetailPaiementSecurise`)."""
        answer = await self._call("recupererDetailPaiementSecurise", {"idOp": operation_id})
        day, hour = answer.get("dattrans") or "", answer.get("heurtrans") or "0000"
        try:
            paid_at = datetime.strptime(day + hour, "%d%m%Y%H%M").replace(tzinfo=PARIS) if day else None
            cents = int(answer.get("montant") or "0")
        except ValueError:
            raise PayfipUnavailable("date ou montant illisible") from None
        return PayfipResult(
            operation_id=answer.get("idOp") or operation_id,
            result=answer.get("resultrans") or "",
            amount_cents=cents,
            refdet=answer.get("refdet") or "",
            client=answer.get("numcli") or "",
            authorisation=answer.get("numauto") or None,
            paid_at=paid_at,
            mode=answer.get("saisie") or "",
        )

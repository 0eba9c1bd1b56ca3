"""The whole stack as processes, as `make run` starts it: a DOMINO-NG filing ends as a receipt mail,
an OGDE question and its answer end as mails to the requester and the directorate."""

from __future__ import annotations

import asyncio
import importlib.util
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack import spans
from devstack.demo import DEMO_USERS
from devstack.stack import Stack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    stack = Stack.on_free_ports(Path(tmp_path_factory.mktemp("stack")))
    try:
        await stack.start(within=120)
        yield stack
    finally:
        stack.stop()


def _tokens(stack: Stack) -> dict[str, str]:
    tokens: dict[str, str] = json.loads((stack.var_dir / "tokens.json").read_text())
    return tokens


def _client(stack: Stack, service: str, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=stack.service(service).url, timeout=30, headers={"Authorization": f"Bearer {token}"}
    )


async def _mail(stack: Stack, predicate: Any, timeout: float = 60) -> EmailMessage:
    return await stack.smtp.maildir.wait_for_async(predicate, timeout)


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


async def test_a_filed_declaration_ends_as_a_receipt_in_the_maildir(stack: Stack) -> None:
    tokens = _tokens(stack)
    assert set(tokens) == set(DEMO_USERS)  # each demo account of deploy/reference/demo-users.yaml
    async with _client(stack, "declarations", tokens["declarant"]) as http:
        relations = (await http.get("/api/v1/relations")).json()
        assert {r["id"] for r in relations} >= {"rel-971-0001", "rel-974-0001"}
        r = await http.post("/api/v1/declarations", json={"relation_id": "rel-974-0001", "year": 2026, "quarter": 2})
        assert r.status_code == 201, r.text
        did = r.json()["id"]
        r = await http.put(
            f"/api/v1/declarations/{did}/declarant",
            json={
                "name": "Marie Payet",
                "quality": "representant",
                "place": "Le Port",
                "payment_method": "telepaiement",
            },
        )
        assert r.status_code == 200, r.text
        r = await http.post(
            f"/api/v1/declarations/{did}/lines",
            json={"annex": "A", "nomenclature": "33051000", "price_excl_tax": "2500.00"},
        )
        assert r.status_code == 201, r.text
        async with asyncio.timeout(60):
            while (body := (await http.get(f"/api/v1/declarations/{did}")).json())["totals"]["status"] != "current":
                await asyncio.sleep(0.2)
        total_due = Decimal(body["totals"]["total_due"])
        assert total_due > 0
        r = await http.post(f"/api/v1/declarations/{did}/filing")
        assert r.status_code == 200, r.text
    receipt = await _mail(
        stack, lambda m: "marie.payet@producteur.example" in m["To"] and "du 2e trimestre 2026" in m["Subject"]
    )
    assert "OM-974-2026-T2-0974000789" in receipt["Subject"]
    text = _text(receipt)
    assert "0974000789" in text and "joint à ce courriel" in text
    # The filed declaration's page on the portal the stack runs, as a link people can open.
    assert f"{stack.portal_public_url()}/domino/declarations/{did}" in text.split()
    [pdf] = list(receipt.iter_attachments())
    assert pdf.get_content_type() == "application/pdf" and pdf.get_content().startswith(b"%PDF")
    assert pdf.get_filename() == "declaration-OM-974-2026-T2-0974000789.pdf"
    assert f"{total_due:.2f}".replace(".", ",") in text.replace("\u00a0", " ").replace(" ", "")
    await _filing_is_one_trace(stack, did)


async def _filing_is_one_trace(stack: Stack, did: str) -> None:
    """The filing's trace in var/traces: the request, the append, the publish, taxcalc's consume and the totals it
    settles (DeclarationAssessed), their publish, the notifier's consume and the receipt mail: one trace id, each
    span the child of the one before it."""
    filing = f"/api/v1/declarations/{did}/filing"
    async with asyncio.timeout(30):
        while True:  # the services export every half second
            every = spans.read_spans(stack.var_dir / "traces")
            requests = [s for s in every if s.attributes.get("url.path") == filing and s.parent_id is None]
            trace = [s for s in every if requests and s.trace_id == requests[0].trace_id]
            if any(s.name == "mail" for s in trace) and any(s.service == "taxcalc" for s in trace):
                break
            await asyncio.sleep(0.3)
    by_id = {s.span_id: s for s in trace}

    def parent(span: spans.Span) -> spans.Span:
        assert span.parent_id is not None, span
        return by_id[span.parent_id]

    def descends(span: spans.Span, ancestor: spans.Span) -> bool:
        while span.parent_id is not None and span.parent_id in by_id:
            span = by_id[span.parent_id]
            if span == ancestor:
                return True
        return False

    [request] = requests
    assert (request.service, request.name) == ("declarations", "POST /api/v1/declarations/{declaration_id}/filing")
    [filed] = [s for s in trace if s.name == "append DeclarationFiled"]
    assert filed.service == "declarations" and descends(filed, request)  # under the command's own spans
    [published] = [s for s in trace if s.name == "publish DeclarationFiled"]
    assert parent(published) == filed
    [taxcalc] = [s for s in trace if s.name == "consume DeclarationFiled" and s.service == "taxcalc"]
    assert parent(taxcalc) == published
    [assessed] = [s for s in trace if s.name.startswith("append DeclarationAssessed")]
    assert assessed.service == "taxcalc" and parent(assessed) == taxcalc  # the filing's totals, settled
    [relayed] = [s for s in trace if s.name == "publish DeclarationAssessed"]
    assert relayed.service == "taxcalc" and parent(relayed) == assessed
    [told] = [s for s in trace if s.name == "consume DeclarationAssessed" and s.service == "notifier"]
    assert parent(told) == relayed
    [mail] = [s for s in trace if s.name == "mail"]
    assert mail.service == "notifier" and parent(mail) == told
    [sent] = [s for s in trace if s.name == "append NotificationSent"]
    assert parent(sent) == mail
    assert {s.trace_id for s in trace} == {request.trace_id}


async def test_a_question_and_its_answer_reach_the_requester_and_the_directorate(stack: Stack) -> None:
    tokens = _tokens(stack)
    async with (
        _client(stack, "essoc", tokens["requester"]) as requester,
        _client(stack, "essoc", tokens["agent_971"]) as agent,
    ):
        referentials = (await requester.get("/api/v1/referentials")).json()
        assert {n["code"] for n in referentials["natures"]} == {"rescrit", "second_examen", "droit_au_controle"}
        r = await requester.post(
            "/api/v1/requests",
            json={
                "requester_type": "entreprise",
                "siret": "41234567000019",
                "nature": "rescrit",
                "category": "octroi-de-mer",
                "sub_category": "dr-guadeloupe",
                "fields": [
                    {
                        "domain": referentials["fields"][0]["domain"],
                        "sub_domain": referentials["fields"][0]["sub_domains"][0],
                    }
                ],
                "subject": "Taux applicable au rhum vieux",
                "description": "Quel taux d'octroi de mer s'applique ?",
            },
        )
        assert r.status_code == 201, r.text
        request = r.json()
        assert request["state"] == "deposee" and request["admissibility"] == "en_attente"
        rid, number = request["id"], request["number"]
        r = await agent.post(f"/api/v1/requests/{rid}/take-charge")
        assert r.status_code == 200, r.text
        r = await agent.post(f"/api/v1/requests/{rid}/questions", json={"text": "Pouvez-vous préciser l'âge du rhum ?"})
        assert r.status_code == 201, r.text
        question_id = r.json()["question_id"]
        r = await requester.post(
            f"/api/v1/requests/{rid}/questions/{question_id}/answer", json={"text": "Six ans d'âge."}
        )
        assert r.status_code == 200, r.text
    question_mail = await _mail(
        stack, lambda m: "juda.bricot@entreprise.example" in m["To"] and "l'âge du rhum" in _text(m)
    )
    assert question_mail["Subject"] == f"[OGDE] Votre demande n° {number} appelle une réponse de votre part"
    answer_mail = await _mail(stack, lambda m: "dr-guadeloupe@douane.example" in m["To"] and "Six ans" in _text(m))
    answered = f"[OGDE] Demande n° {number} : le demandeur a répondu à votre question"
    assert answer_mail["Subject"] == answered
    async with _client(stack, "notifier", tokens["admin"]) as notifier:
        sent = (
            await notifier.get("/api/v1/notifications", params={"recipient": "dr-guadeloupe@douane.example"})
        ).json()
        [told] = [n for n in sent["items"] if n["template"] == "essoc_question_answered"]
        assert (told["status"], told["subject"]) == ("sent", answered)
        assert told["message_id"] == answer_mail["Message-ID"]


async def test_every_metric_the_alerts_and_dashboards_query_is_exported(stack: Stack) -> None:
    """deploy/observability: each name in an alert's or a panel's query is on some service's /metrics (declared by
    its `# TYPE` line: a labelled counter has no sample until first counted), or is Prometheus's own `up`."""
    spec = importlib.util.spec_from_file_location(
        "metric_names", Path(__file__).resolve().parents[1] / "observability" / "metric_names.py"
    )
    assert spec is not None and spec.loader is not None
    metric_names = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(metric_names)
    pages: list[str] = []
    for service in ("declarations", "taxcalc", "essoc", "notifier"):
        async with httpx.AsyncClient(base_url=stack.service(service).url, timeout=30) as http:
            page = await http.get("/metrics")
        assert page.status_code == 200, f"{service}: {page.status_code}"
        pages.append(page.text)
    assert metric_names.unexported(pages) == {}

"""A card payment through PayFiP's protocol (in process, on the embedded MongoDB, against the PayFiP simulator's
SOAP web service and page): the producer opens an operation for what is left to pay, pays on the page, PayFiP
notifies the idop, the service asks PayFiP the result and records the payment once; a refused card records none,
a forged notification changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo.asynchronous.database import AsyncDatabase

from chassis.http.auth import mint
from chassis.service import Runtime, attach, create_app
from declarations.bootstrap import build
from declarations.settings import DeclarationsSettings
from devstack import payfip

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[4]
SECRET = "card-test-secret-0123456789-abcdefghij-0123"
DECLARANT = {"sub": "marie", "role": "declarant", "email": "marie@producteur.example", "relations": ["rel-974-0001"]}


@dataclass
class Card:
    runtime: Runtime
    declarant: httpx.AsyncClient
    notifier: httpx.AsyncClient
    """PayFiP's side: the notification it posts, without credentials."""
    bank: httpx.AsyncClient
    """The payer's browser on PayFiP's page (the simulator)."""


@pytest.fixture
async def desk(mongo_db: AsyncDatabase[dict[str, Any]]) -> AsyncIterator[Card]:
    settings = DeclarationsSettings(
        mongo_db=mongo_db.name,
        relay_enabled=False,
        consume=False,
        jwt_secret=SECRET,
        territories=["974"],
        reference_dir=str(ROOT / "deploy/territories"),
        topics_file=str(ROOT / "deploy/kafka/topics.yaml"),
        reminders_enabled=False,
        payfip_url="http://payfip/services/securite",
        payfip_payment_url="http://payfip/tpa/paiementws.web",
        payfip_client="097400",
        public_url="http://declarations",
        portal_url="http://portail",
        payfip_mode="T",
    )
    clock = lambda: datetime(2026, 10, 2, 12, tzinfo=UTC)  # noqa: E731
    simulator = httpx.ASGITransport(app=payfip.simulator(clock=lambda: datetime(2026, 10, 2, 12, 5, tzinfo=UTC)))
    definition = build(settings, clock=clock, payfip_transport=simulator)
    app = create_app(definition)
    runtime = Runtime(definition, client=mongo_db.client)
    await runtime.wire()
    attach(app, runtime)
    transport = httpx.ASGITransport(app=app)
    token = mint(settings, **DECLARANT)
    async with (
        httpx.AsyncClient(
            transport=transport, base_url="http://declarations", headers={"Authorization": f"Bearer {token}"}
        ) as declarant,
        httpx.AsyncClient(transport=transport, base_url="http://declarations") as notifier,
        httpx.AsyncClient(transport=simulator, base_url="http://payfip") as bank,
    ):
        yield Card(runtime, declarant, notifier, bank)


async def _filed(card: Card, total_due: str) -> str:
    r = await card.declarant.post(
        "/api/v1/declarations", json={"relation_id": "rel-974-0001", "year": 2026, "quarter": 3}
    )
    did = r.json()["id"]
    body = {"name": "Marie Payet", "quality": "representant", "place": "Le Port", "payment_method": "carte_bancaire"}
    assert (await card.declarant.put(f"/api/v1/declarations/{did}/declarant", json=body)).status_code == 200
    doc = await card.runtime.db["declarations"].find_one({"_id": did})
    assert doc is not None
    totals = {"version": doc["version"], "complete": True, "boxes": {"15": total_due}, "total_due": total_due,
              "warnings": [], "errors": []}  # fmt: skip
    await card.runtime.db["declarations"].update_one({"_id": did}, {"$set": {"totals": totals}})
    assert (await card.declarant.post(f"/api/v1/declarations/{did}/filing")).status_code == 200
    return str(did)


async def _pay(card: Card, did: str, choice: str) -> str:
    r = await card.declarant.post(f"/api/v1/declarations/{did}/card-payments")
    assert r.status_code == 201, r.text
    opened = r.json()
    assert opened["amount"] == "1234.56"
    page = await card.bank.get(opened["redirect"].removeprefix("http://payfip"))
    assert page.status_code == 200 and "SIMULATEUR" in page.text and "1234,56" in page.text
    back = await card.bank.post("/tpa/paiementws.web", data={"idop": opened["operation_id"], "choix": choice})
    assert back.status_code == 303 and back.headers["location"] == f"http://portail/domino/declarations/{did}"
    operation_id: str = opened["operation_id"]
    return operation_id


async def test_a_card_payment_is_recorded_from_payfips_answer_once(desk: Card) -> None:
    did = await _filed(desk, "1234.56")
    assert (await desk.declarant.get(f"/api/v1/declarations/{did}")).json()["payment"]["card"] is True
    operation = await _pay(desk, did, "payer")
    for _ in range(2):  # PayFiP may notify twice
        r = await desk.notifier.post("/api/v1/payfip/notifications", data={"idop": operation})
        assert r.status_code == 204, r.text
    payment = (await desk.declarant.get(f"/api/v1/declarations/{did}")).json()["payment"]
    assert (payment["status"], payment["balance"]) == ("paid", "0.00")
    [paid] = payment["payments"]
    assert (paid["method"], paid["amount"], paid["reference"]) == ("carte_bancaire", "1234.56", f"PAYFIP-{operation}")
    r = await desk.declarant.post(f"/api/v1/declarations/{did}/card-payments")
    assert r.status_code == 409 and "rien à payer" in r.json()["detail"]


async def test_a_refused_card_records_nothing_and_a_forged_notification_changes_nothing(desk: Card) -> None:
    did = await _filed(desk, "1234.56")
    operation = await _pay(desk, did, "refuser")
    assert (await desk.notifier.post("/api/v1/payfip/notifications", data={"idop": operation})).status_code == 204
    assert (await desk.notifier.post("/api/v1/payfip/notifications", data={"idop": "f" * 32})).status_code == 404
    payment = (await desk.declarant.get(f"/api/v1/declarations/{did}")).json()["payment"]
    assert (payment["status"], payment["payments"]) == ("unpaid", [])
    # the next attempt gets its own reference at PayFiP, and can pay
    second = await _pay(desk, did, "payer")
    assert (await desk.notifier.post("/api/v1/payfip/notifications", data={"idop": second})).status_code == 204
    assert (await desk.declarant.get(f"/api/v1/declarations/{did}")).json()["payment"]["status"] == "paid"

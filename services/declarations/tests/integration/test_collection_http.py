"""Télépaiement and reconciliation through the HTTP API (in process, on the embedded MongoDB): a producer registers
its SEPA B2B mandate, the office validates it, a filing schedules its debit, the comptable issues the pain.008 file
and reads back the bank's camt.053 statements — a debit settled, the same statement twice, a transfer matched by
its RF reference, a debit returned for insufficient funds, a credit matched by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import sepaxml
from lxml import etree
from pymongo.asynchronous.database import AsyncDatabase

from chassis.http.auth import mint
from chassis.service import Runtime, attach, create_app
from declarations.bootstrap import build
from declarations.settings import DeclarationsSettings
from devstack.bank import Statement, Transfer, camt053, debits_of

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[4]
SECRET = "collection-test-secret-0123456789-abcdefghij"
RELATION = "rel-974-0001"
ACCOUNT = "FR063000100000009740000OM96"  # deploy/territories/974/creditor.yaml

USERS: dict[str, dict[str, Any]] = {
    "declarant": {"sub": "marie", "role": "declarant", "email": "marie@producteur.example", "relations": [RELATION]},
    "agent_974": {"sub": "joseph-974", "role": "agent", "territories": ["974"]},
    "agent_971": {"sub": "joseph-971", "role": "agent", "territories": ["971"]},
    "comptable": {"sub": "comptable-974", "role": "comptable", "territories": ["974"]},
    "comptable_971": {"sub": "comptable-971", "role": "comptable", "territories": ["971"]},
    "auditor": {"sub": "auditor", "role": "auditor", "territories": ["974"]},
}


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 10, 2, 12, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Desk:
    runtime: Runtime
    clock: Clock
    clients: dict[str, httpx.AsyncClient]

    def __getattr__(self, user: str) -> httpx.AsyncClient:
        try:
            return self.clients[user]
        except KeyError:
            raise AttributeError(user) from None

    @property
    def db(self) -> AsyncDatabase[dict[str, Any]]:
        return self.runtime.db

    async def filed(self, year: int, quarter: int, method: str, total_due: str) -> dict[str, Any]:
        r = await self.declarant.post(
            "/api/v1/declarations", json={"relation_id": RELATION, "year": year, "quarter": quarter}
        )
        assert r.status_code == 201, r.text
        did = r.json()["id"]
        body = {"name": "Marie Payet", "quality": "representant", "place": "Le Port", "payment_method": method}
        assert (await self.declarant.put(f"/api/v1/declarations/{did}/declarant", json=body)).status_code == 200
        doc = await self.db["declarations"].find_one({"_id": did})
        assert doc is not None
        totals = {"version": doc["version"], "complete": True, "boxes": {"15": total_due}, "total_due": total_due,
                  "warnings": [], "errors": []}  # fmt: skip
        await self.db["declarations"].update_one({"_id": did}, {"$set": {"totals": totals}})
        r = await self.declarant.post(f"/api/v1/declarations/{did}/filing")
        assert r.status_code == 200, r.text
        return await self.declaration(did)

    async def declaration(self, did: str) -> dict[str, Any]:
        r = await self.declarant.get(f"/api/v1/declarations/{did}")
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    async def statement(self, content: bytes) -> httpx.Response:
        return await self.comptable.post(
            "/api/v1/collection/statements?territory=974", content=content, headers={"Content-Type": "application/xml"}
        )


@pytest.fixture
async def desk(mongo_db: AsyncDatabase[dict[str, Any]]) -> AsyncIterator[Desk]:
    settings = DeclarationsSettings(
        mongo_db=mongo_db.name,
        relay_enabled=False,
        consume=False,
        jwt_secret=SECRET,
        territories=["971", "974"],
        reference_dir=str(ROOT / "deploy/territories"),
        topics_file=str(ROOT / "deploy/kafka/topics.yaml"),
        reminders_enabled=False,
    )
    clock = Clock()
    definition = build(settings, clock=clock)
    app = create_app(definition)
    runtime = Runtime(definition, client=mongo_db.client)
    await runtime.wire()
    attach(app, runtime)
    transport = httpx.ASGITransport(app=app)
    clients = {
        name: httpx.AsyncClient(
            transport=transport,
            base_url="http://declarations",
            headers={"Authorization": f"Bearer {mint(settings, **claims)}"},
        )
        for name, claims in USERS.items()
    }
    try:
        yield Desk(runtime, clock, clients)
    finally:
        for client in clients.values():
            await client.aclose()


MANDATE = {
    "rum": "RUM-974-0001",
    "iban": "FR76 3000 6000 0112 3456 7890 189",
    "bic": "AGRIFRPPXXX",
    "holder": "Savonnerie Bourbon",
    "signed_on": "2026-09-30",
}


async def test_a_mandate_waits_for_the_office_of_its_territory(desk: Desk) -> None:
    r = await desk.declarant.post(f"/api/v1/relations/{RELATION}/mandates", json={**MANDATE, "iban": "FR76 3000"})
    assert r.status_code == 422 and r.json()["field"] == "iban" and "IBAN" in r.json()["detail"]
    r = await desk.declarant.post(f"/api/v1/relations/{RELATION}/mandates", json=MANDATE)
    assert r.status_code == 201, r.text
    assert r.json()["pending"]["iban"] == "FR7630006000011234567890189" and r.json()["active"] is None
    waiting = (await desk.agent_974.get("/api/v1/mandates")).json()
    assert [m["relation_id"] for m in waiting["items"]] == [RELATION]
    assert (await desk.agent_971.get("/api/v1/mandates")).json()["items"] == []
    r = await desk.agent_971.post(
        f"/api/v1/relations/{RELATION}/mandates/decision", json={"rum": "RUM-974-0001", "decision": "valider"}
    )
    assert r.status_code == 403, r.text
    r = await desk.declarant.post(
        f"/api/v1/relations/{RELATION}/mandates/decision", json={"rum": "RUM-974-0001", "decision": "valider"}
    )
    assert r.status_code == 403, r.text
    r = await desk.agent_974.post(
        f"/api/v1/relations/{RELATION}/mandates/decision", json={"rum": "RUM-974-0001", "decision": "valider"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["active"]["rum"] == "RUM-974-0001" and r.json()["pending"] is None
    assert [step["what"] for step in r.json()["history"]] == ["enregistré", "validé"]


async def test_telepaiement_from_filing_to_the_bank_and_back(desk: Desk) -> None:
    await desk.declarant.post(f"/api/v1/relations/{RELATION}/mandates", json=MANDATE)
    decision = {"rum": "RUM-974-0001", "decision": "valider"}
    await desk.agent_974.post(f"/api/v1/relations/{RELATION}/mandates/decision", json=decision)

    # Q3 2026 filed on 2 October with télépaiement: its debit is due on Saturday 24 October, collected Monday 26
    q3 = await desk.filed(2026, 3, "telepaiement", "1234.56")
    debit = q3["payment"]["debit"]
    assert (debit["amount"], debit["collection_date"], debit["rum"], debit["presented"]) == (
        "1234.56", "2026-10-26", "RUM-974-0001", False,
    )  # fmt: skip
    assert debit["account"] == "•••• 0189"
    # Q2 2026 filed late, paid by transfer: the page gives the account and the reference to quote
    q2 = await desk.filed(2026, 2, "virement", "250.00")
    assert q2["payment"]["debit"] is None
    assert q2["payment"]["transfer"]["iban"] == ACCOUNT
    reference = q2["payment"]["creditor_reference"]
    assert reference.startswith("RF")

    # the comptable sees the debit to present and issues the file of 26 October
    pending = (await desk.comptable.get("/api/v1/collection/debits?territory=974")).json()
    assert [d["declaration_id"] for d in pending["items"]] == [q3["id"]]
    r = await desk.comptable.post(
        "/api/v1/collection/files", json={"territory": "974", "collection_date": "2026-10-26"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["file_id"] == "DOMINO-974-20261026-001"
    assert r.json()["count"] == 1 and r.json()["total"] == "1234.56"
    again = await desk.comptable.post(
        "/api/v1/collection/files", json={"territory": "974", "collection_date": "2026-10-26"}
    )
    assert again.status_code == 422 and "Aucun prélèvement" in again.json()["detail"]
    xml = await desk.comptable.get(r.headers["Location"])
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/xml")
    schema = etree.XMLSchema(etree.parse(str(Path(sepaxml.__file__).parent / "schemas/pain.008.001.02.xsd")))
    assert schema.validate(etree.fromstring(xml.content)), schema.error_log
    assert (await desk.comptable.get(r.headers["Location"])).content == xml.content
    assert (await desk.comptable_971.get(r.headers["Location"])).status_code == 403
    assert (await desk.declaration(q3["id"]))["payment"]["debit"]["presented"] is True

    # the bank's statement of 26 October: the debit settled, the transfer quoting the RF, an unknown credit
    [presented] = debits_of(xml.content)
    statement = camt053(
        Statement(
            account=ACCOUNT,
            statement_id="REL-974-20261026",
            created_at=datetime(2026, 10, 27, 5, tzinfo=UTC),
            credits=[presented],
            transfers=[
                Transfer(Decimal("250.00"), date(2026, 10, 26), "SAVONNERIE BOURBON", reference),
                Transfer(Decimal("99.00"), date(2026, 10, 26), "INCONNU SARL", None, "octroi de mer T3"),
            ],
        )
    )
    desk.clock.now = datetime(2026, 10, 27, 12, tzinfo=UTC)
    r = await desk.statement(statement)
    assert r.status_code == 201, r.text
    assert r.json()["statements"][0]["counts"] == {"paid": 2, "returned": 0, "waiting": 1, "ignored": 0}
    paid = (await desk.declaration(q3["id"]))["payment"]
    assert (paid["status"], paid["balance"]) == ("paid", "0.00")  # collected on the day the customs chose: on time
    assert (await desk.declaration(q2["id"]))["payment"]["status"] == "paid_late"

    # the same statement uploaded again records nothing twice
    r = await desk.statement(statement)
    assert r.status_code == 200 and r.json()["statements"][0]["new"] is False
    assert len((await desk.declaration(q3["id"]))["payment"]["payments"]) == 1

    # the debit comes back two days later: insufficient funds
    returned = camt053(
        Statement(
            account=ACCOUNT,
            statement_id="REL-974-20261028",
            created_at=datetime(2026, 10, 29, 5, tzinfo=UTC),
            returns=[(presented, "AM04", date(2026, 10, 28))],
        )
    )
    desk.clock.now = datetime(2026, 10, 29, 12, tzinfo=UTC)
    r = await desk.statement(returned)
    assert r.status_code == 201 and r.json()["statements"][0]["counts"]["returned"] == 1
    rejected = (await desk.declaration(q3["id"]))["payment"]
    assert (rejected["status"], rejected["status_label"], rejected["balance"]) == (
        "returned", "paiement rejeté", "1234.56",
    )  # fmt: skip
    assert rejected["returned"][0]["reason"] == "provision insuffisante"

    # the unknown credit waits; the comptable matches it to Q3 by hand
    waiting = (await desk.comptable.get("/api/v1/collection/waiting?territory=974")).json()["items"]
    assert [(w["amount"], w["debtor"]) for w in waiting] == [("99.00", "INCONNU SARL")]
    entry = waiting[0]
    r = await desk.comptable.post(
        f"/api/v1/collection/statements/{entry['statement']}/match?territory=974",
        json={"entry_id": entry["entry_id"], "reference": "OM-974-2025-T2-0974000789"},
    )
    assert r.status_code == 422 and r.json()["field"] == "reference"  # no such declaration filed
    r = await desk.comptable.post(
        f"/api/v1/collection/statements/{entry['statement']}/match?territory=974",
        json={"entry_id": entry["entry_id"], "reference": q3["reference"]},
    )
    assert r.status_code == 200, r.text
    assert (await desk.comptable.get("/api/v1/collection/waiting?territory=974")).json()["items"] == []
    assert (await desk.declaration(q3["id"]))["payment"]["paid"] == "99.00"

    # who may see the desk
    assert (await desk.auditor.get("/api/v1/collection/statements?territory=974")).status_code == 200
    assert (await desk.declarant.get("/api/v1/collection/debits?territory=974")).status_code == 403
    assert (await desk.comptable_971.get("/api/v1/collection/debits?territory=974")).status_code == 403


async def test_a_statement_of_another_account_or_format_is_refused_and_changes_nothing(desk: Desk) -> None:
    other = camt053(
        Statement(account="FR7630006000011234567890189", statement_id="X", created_at=datetime(2026, 10, 2, tzinfo=UTC))
    )
    r = await desk.statement(other)
    assert r.status_code == 422 and r.json()["field"] == "file" and "compte" in r.json()["detail"]
    r = await desk.statement(b"<html>relev\xc3\xa9</html>")
    assert r.status_code == 422 and r.json()["field"] == "file"
    assert (await desk.comptable.get("/api/v1/collection/statements?territory=974")).json()["items"] == []

"""« Mes notifications » on the notifier's side: GET /api/v1/notifications/mine lists the mails sent to the caller's
own address, newest first, each with the portal page it is about, and never anyone else's.

The notifier runs in process on the embedded MongoDB, without Kafka: its consumer is handed the events, its
sender sends through a mailer that keeps the messages."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from pydantic import BaseModel
from pymongo.asynchronous.database import AsyncDatabase

from chassis.http.auth import mint
from chassis.service import Runtime, attach, create_app
from contracts.events.collection import PaymentReturned
from contracts.events.declarations import FilingReminderIssued
from notifier.bootstrap import build
from notifier.entrypoints.http import NotifierServices
from notifier.settings import NotifierSettings

from notifier_running import SECRET, TOPICS, envelope

pytestmark = pytest.mark.integration

MARIE = "marie.payet@producteur.example"
OTHER = "jean.hoarau@distillerie.example"
REMINDER = FilingReminderIssued(
    relation_id="rel-974-0001",
    relation_number="0974000789",
    establishment="Savonnerie Bourbon",
    year=2026,
    quarter=3,
    due_date=date(2026, 10, 24),
    kind="before_due",
    days_before=7,
    email="Marie.Payet@Producteur.example",  # as the relation's file spells it
)
RETURNED = PaymentReturned(
    declaration_id="decl-rel-974-0001-2026-Q3",
    year=2026,
    quarter=3,
    relation_number="0974000789",
    declarant_email=MARIE,
    reference="OM9742026T30974000789",
    amount=Decimal("1234.56"),
    returned_on=date(2026, 10, 28),
    reason_code="AM04",
    reason="provision insuffisante",
)
SOMEONE_ELSES = RETURNED.model_copy(
    update={"declaration_id": "decl-rel-974-0002-2026-Q3", "relation_number": "0974000790", "declarant_email": OTHER}
)


class KeptMails:
    """The mailer: keeps what it is given (the SMTP sink's delivery is tested in test_notifier_delivery.py)."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


class Notifier:
    def __init__(self, runtime: Runtime, app: Any) -> None:
        self.runtime = runtime
        self.app = app

    async def mailed(self, event: BaseModel) -> None:
        """`event` consumed and its mails sent, one after the other (so each has its own instant)."""
        await _consumer(self.runtime).process(envelope(event, stream_id=f"s-{uuid.uuid4().hex[:8]}"))
        services = self.runtime.wiring.services
        assert isinstance(services, NotifierServices)
        assert await services.sender.send_due() >= 1

    def client(self, **claims: Any) -> httpx.AsyncClient:
        settings = self.runtime.settings
        headers = {"Authorization": f"Bearer {mint(settings, **claims)}"} if claims else {}
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://n", headers=headers)


def _consumer(runtime: Runtime) -> Any:
    assert runtime.consumer is not None
    return runtime.consumer


@pytest.fixture
async def notifier(mongo_db: AsyncDatabase[dict[str, Any]]) -> AsyncIterator[Notifier]:
    settings = NotifierSettings(
        mongo_db=mongo_db.name,
        relay_enabled=False,
        consume=False,
        background_enabled=False,
        jwt_secret=SECRET,
        topics_file=str(TOPICS),
        declarations_url=None,
        log_json=False,
        log_level="WARNING",
    )
    definition = build(settings, mailer=KeptMails())
    runtime = Runtime(definition, client=mongo_db.client)
    await runtime.wire()
    app = create_app(definition)
    attach(app, runtime)
    yield Notifier(runtime, app)


async def test_a_person_reads_the_mails_sent_to_them_newest_first_with_the_page_each_is_about(
    notifier: Notifier,
) -> None:
    for event in (REMINDER, SOMEONE_ELSES, RETURNED):
        await notifier.mailed(event)
    async with notifier.client(sub="marie", roles=["declarant", "requester"], email=MARIE.upper()) as http:
        r = await http.get("/api/v1/notifications/mine")
    assert r.status_code == 200, r.text
    found = r.json()
    assert (found["total"], found["page"], found["per_page"]) == (2, 1, 20)
    returned, reminder = found["items"]
    assert returned["subject"] == "[DOMINO-NG] Paiement rejeté : déclaration d'octroi de mer du 3e trimestre 2026"
    assert (returned["kind"], returned["territory"]) == ("domino_payment_returned", "974")
    assert returned["link"] == "/domino/declarations/decl-rel-974-0001-2026-Q3"
    assert reminder["kind"] == "domino_filing_reminder" and reminder["link"] == "/domino"
    assert returned["sent_at"] > reminder["sent_at"]
    assert "0974000790" not in r.text and OTHER not in r.text


async def test_a_person_never_reads_another_persons_mails_whatever_their_roles(notifier: Notifier) -> None:
    await notifier.mailed(RETURNED)
    callers: list[dict[str, Any]] = [
        {"sub": "jean", "role": "declarant", "email": OTHER},
        {"sub": "admin", "role": "admin", "email": "admin@douane.example"},
        {"sub": "agent", "role": "agent", "territories": ["974"]},  # no address: nothing was sent to it
        {"sub": "pattern", "role": "requester", "email": ".*@producteur.example"},  # an address is no pattern
    ]
    for claims in callers:
        async with notifier.client(**claims) as http:
            r = await http.get("/api/v1/notifications/mine")
        assert r.status_code == 200, r.text
        assert r.json() == {"total": 0, "page": 1, "per_page": 20, "items": []}, claims
    async with notifier.client() as anonymous:
        assert (await anonymous.get("/api/v1/notifications/mine")).status_code == 401


async def test_the_list_is_paginated_and_a_mail_queued_before_pages_were_kept_still_links_to_its_own(
    notifier: Notifier,
) -> None:
    for event in (REMINDER, RETURNED):
        await notifier.mailed(event)
    await notifier.runtime.db["mail_outbox"].update_many({}, {"$unset": {"page": ""}})
    async with notifier.client(sub="marie", role="declarant", email=MARIE) as http:
        first = (await http.get("/api/v1/notifications/mine", params={"per_page": 1})).json()
        second = (await http.get("/api/v1/notifications/mine", params={"per_page": 1, "page": 2})).json()
        assert (await http.get("/api/v1/notifications/mine", params={"per_page": 101})).status_code == 422
    assert first["total"] == second["total"] == 2
    assert [i["link"] for i in first["items"] + second["items"]] == [
        "/domino/declarations/decl-rel-974-0001-2026-Q3",
        "/domino",
    ]

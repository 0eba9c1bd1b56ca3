"""« Mes notifications » in the portal, in process: the portal on the notifier (its app on the embedded MongoDB, the
mails recorded as its sender records them). The page lists the person's mails, newest first, each dated in its
territory's zone with its subject and a « Voir » link to its page; 20 a page; an empty state; a link in the header."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel
from pymongo.asynchronous.database import AsyncDatabase

from chassis.service import Runtime, attach, create_app
from contracts.envelope import Actor, EventEnvelope
from contracts.events.collection import PaymentReturned
from contracts.events.declarations import FilingReminderIssued
from contracts.registry import event_type
from notifier.bootstrap import build
from notifier.entrypoints.http import NotifierServices
from notifier.settings import NotifierSettings
from portal.app import create_app as create_portal
from portal.rendering import moment
from portal.settings import PortalSettings

from portal_sign_in import dev_sign_in

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]
SECRET = "notifications-tests-secret-0123456789-abcdefgh"
MARIE = "marie.payet@producteur.example"
"""The demo declarant's address (deploy/reference/demo-users.yaml)."""
REMINDER = FilingReminderIssued(
    relation_id="rel-974-0001",
    relation_number="0974000789",
    establishment="Savonnerie Bourbon",
    year=2026,
    quarter=3,
    due_date=date(2026, 10, 24),
    kind="before_due",
    days_before=7,
    email=MARIE,
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


class KeptMails:
    async def send(self, message: EmailMessage) -> None:
        pass


class Mailed:
    """The notifier, handed events as its consumer would be, sending what they call for; and a portal before it."""

    def __init__(self, runtime: Runtime, portal: httpx.AsyncClient) -> None:
        self.runtime = runtime
        self.portal = portal

    async def mail(self, event: BaseModel) -> None:
        name = type(event).__name__
        spec = event_type(name)
        envelope = EventEnvelope(
            type=name,
            schema_version=spec.version,
            stream_id=f"s-{uuid.uuid4().hex[:8]}",
            stream_type=spec.stream_type,
            version=1,
            territory="974",
            actor=Actor(id="tests", role="system"),
            correlation_id=str(uuid.uuid4()),
            data=event.model_dump(mode="json"),
        ).chained("0" * 64)
        assert self.runtime.consumer is not None
        await self.runtime.consumer.process(envelope)
        services = self.runtime.wiring.services
        assert isinstance(services, NotifierServices)
        assert await services.sender.send_due() == 1


@pytest.fixture
async def mailed(mongo_db: AsyncDatabase[dict[str, Any]], mongo_uri: str) -> AsyncIterator[Mailed]:
    settings = NotifierSettings(
        mongo_db=mongo_db.name,
        relay_enabled=False,
        consume=False,
        background_enabled=False,
        jwt_secret=SECRET,
        topics_file=str(ROOT / "deploy/kafka/topics.yaml"),
        declarations_url=None,
        log_json=False,
        log_level="WARNING",
    )
    definition = build(settings, mailer=KeptMails())
    runtime = Runtime(definition, client=mongo_db.client)
    await runtime.wire()
    app = create_app(definition)
    attach(app, runtime)
    portal = create_portal(
        PortalSettings(
            mongo_uri=mongo_uri,
            mongo_db=mongo_db.name,
            session_secret="a-strong-session-secret-for-the-tests-0123456789",
            dev_login=True,
            dev_jwt_secret=SECRET,
            notifier_url="http://notifier",
            demo_users_file=str(ROOT / "deploy/reference/demo-users.yaml"),
            changelog_file=str(ROOT / "CHANGELOG.md"),
        ),
        transport=httpx.ASGITransport(app=app),
    )
    async with (
        portal.router.lifespan_context(portal),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=portal), base_url="http://portail.test") as browser,
    ):
        yield Mailed(runtime, browser)


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr id="notification-\d+">(.*?)</tr>', page, re.S)


async def test_mes_notifications_lists_the_persons_mails_newest_first_each_linked_to_its_page(mailed: Mailed) -> None:
    await mailed.mail(REMINDER)
    await mailed.mail(RETURNED)
    await dev_sign_in(mailed.portal, "declarant")
    help_page = await mailed.portal.get("/aide")  # any page: the header's tools
    assert '<a class="fr-btn fr-icon-mail-line" href="/notifications">Mes notifications</a>' in help_page.text
    r = await mailed.portal.get("/notifications")
    assert r.status_code == 200, r.text[:500]
    page = html.unescape(r.text)
    assert "<title>Mes notifications — " in page and "<h1>Mes notifications</h1>" in page
    assert 'href="/notifications" aria-current="page">Mes notifications</a>' in page
    returned, reminder = _rows(page)
    sent = [d async for d in mailed.runtime.db["notifications"].find({}, sort=[("sent_at", -1)])]
    assert moment(sent[0]["sent_at"], "974") in returned and moment(sent[1]["sent_at"], "974") in reminder
    assert re.search(r"\d{2}/\d{2}/\d{4} à \d{2}:\d{2}", returned)  # French, in La Réunion's time
    assert "[DOMINO-NG] Paiement rejeté : déclaration d'octroi de mer du 3e trimestre 2026" in returned
    assert '<a class="fr-link" href="/domino/declarations/decl-rel-974-0001-2026-Q3">Voir' in returned
    assert "[DOMINO-NG] Rappel : déclaration du 3e trimestre 2026 à déposer dans 7 jours" in reminder
    assert '<a class="fr-link" href="/domino">Voir' in reminder
    assert 'id="aucune-notification"' not in page and "fr-pagination" not in page


async def test_twenty_mails_a_page_and_an_empty_state_for_someone_never_mailed(mailed: Mailed) -> None:
    for days in range(21):
        await mailed.mail(REMINDER.model_copy(update={"days_before": days}))
    await dev_sign_in(mailed.portal, "declarant")
    first = html.unescape((await mailed.portal.get("/notifications")).text)
    assert len(_rows(first)) == 20 and "Courriels envoyés (21)" in first
    assert 'href="/notifications?page=2"' in first and "fr-pagination" in first
    second = html.unescape((await mailed.portal.get("/notifications?page=2")).text)
    assert len(_rows(second)) == 1 and "à déposer aujourd'hui" in second  # the first one sent, last listed
    mailed.portal.cookies.clear()
    await dev_sign_in(mailed.portal, "requester")
    empty = await mailed.portal.get("/notifications")
    assert empty.status_code == 200 and 'id="aucune-notification"' in empty.text and not _rows(empty.text)

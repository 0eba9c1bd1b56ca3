"""The whole life of each ESSOC nature, every mail it causes checked in the Maildir.

essoc and the notifier run as they do in production, in this process: essoc's HTTP API served by
uvicorn with its outbox relay to Kafka, the notifier consuming Kafka and sending through the SMTP
sink, and fetching the answer's attachments back from essoc's API (claim check).
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
import uvicorn
from pymongo import AsyncMongoClient

from chassis.http.auth import mint
from chassis.service import Runtime, attach, create_app
from devstack.maildir import Maildir
from devstack.ports import free_port
from essoc.bootstrap import build as build_essoc
from essoc.entrypoints.http import EssocServices
from essoc.settings import EssocSettings
from notifier.domain.french import format_date

from notifier_running import ROOT, SECRET, TOPICS, Notifier, mails, notifier_running, text_of, to

pytestmark = pytest.mark.integration

MAILBOX = "dr-guadeloupe@douane.example"
RESCRIT_PDF = b"%PDF-1.4\n" + "Rescrit n° 1 : le taux d'octroi de mer applicable est de 2,5 %.\n".encode() * 40
ANNEX = "Annexe : délibération du conseil régional.\n".encode()


@dataclass
class Ogde:
    essoc: Runtime
    essoc_url: str
    notifier: Notifier
    agent: httpx.AsyncClient

    def requester(self) -> tuple[httpx.AsyncClient, str]:
        """A new requester (own email, so their mails are theirs alone) and their address."""
        email = f"requester-{uuid.uuid4().hex[:8]}@entreprise.example"
        token = mint(
            self.essoc.settings,
            sub=f"u-{uuid.uuid4().hex[:8]}",
            role="requester",
            name="Bricot",
            given_name="Juda",
            email=email,
        )
        return httpx.AsyncClient(
            base_url=self.essoc_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ), email


@pytest.fixture(scope="module")
async def ogde(infra) -> AsyncIterator[Ogde]:  # type: ignore[no-untyped-def]
    port = free_port()
    settings = EssocSettings(
        mongo_uri=infra.mongo_uri,
        mongo_db=f"t_essoc_{uuid.uuid4().hex[:10]}",
        kafka_bootstrap=infra.kafka_bootstrap,
        topics_file=str(TOPICS),
        jwt_secret=SECRET,
        company_directory=str(ROOT / "deploy/reference/companies.csv"),
        relay_poll_seconds=0.05,
        first_request_number=random.randrange(10_000, 90_000, 1000),
        log_json=False,
        log_level="WARNING",
    )
    definition = build_essoc(settings)
    app = create_app(definition)
    essoc = Runtime(definition)
    await essoc.start()
    attach(app, essoc)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
    serving = asyncio.create_task(server.serve())
    agent_token = mint(
        settings,
        sub="agent-971",
        role="agent",
        name="Lubin",
        given_name="Joseph",
        territories=["971"],
        directorates=["dr-guadeloupe"],
    )
    essoc_url = f"http://127.0.0.1:{port}"
    try:
        async with asyncio.timeout(20):
            while not server.started:
                await asyncio.sleep(0.05)
        async with (
            notifier_running(infra, essoc_url=essoc_url) as notifier,
            httpx.AsyncClient(
                base_url=essoc_url, headers={"Authorization": f"Bearer {agent_token}"}, timeout=30
            ) as agent,
        ):
            yield Ogde(essoc, essoc_url, notifier, agent)
    finally:
        server.should_exit = True
        await serving
        await essoc.stop()
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongo_uri)
        await client.drop_database(settings.database)
        await client.close()


async def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def _mails(
    maildir: Maildir, requester: str, number: int, to_requester: int, to_mailbox: int
) -> tuple[list[EmailMessage], list[EmailMessage]]:
    """Waits for exactly the mails expected for request `number`, then checks no other one comes."""

    def mailbox(m: EmailMessage) -> bool:
        return to(MAILBOX)(m) and f"n° {number} " in str(m["Subject"])

    if to_requester:
        await maildir.wait_for_all_async(to(requester), count=to_requester, timeout=30)
    if to_mailbox:
        await maildir.wait_for_all_async(mailbox, count=to_mailbox, timeout=30)
    await asyncio.sleep(1.0)  # a duplicate or a stray mail would be out by now
    return mails(maildir, to(requester)), mails(maildir, mailbox)


def _subjects(messages: list[EmailMessage]) -> list[str]:
    return sorted(str(m["Subject"]) for m in messages)


async def test_a_rescrit_from_filing_to_closure_mails_each_step_once(ogde: Ogde, maildir: Maildir) -> None:
    requester, email = ogde.requester()
    async with requester:
        filed = await _ok(
            await requester.post(
                "/api/v1/requests",
                json={
                    "requester_type": "entreprise",
                    "siret": "41234567000019",
                    "nature": "rescrit",
                    "category": "octroi-de-mer",
                    "sub_category": "dr-guadeloupe",
                    "fields": [{"domain": "octroi-de-mer", "sub_domain": "octroi de mer interne"}],
                    "subject": "Taux applicable au rhum vieux",
                    "description": "Quel taux d'octroi de mer s'applique ?",
                },
            ),
            201,
        )
        rid, n = filed["id"], filed["number"]
        await _ok(await ogde.agent.post(f"/api/v1/requests/{rid}/take-charge"))
        question = await _ok(
            await ogde.agent.post(
                f"/api/v1/requests/{rid}/questions", json={"text": "Pouvez-vous préciser l'âge du rhum ?"}
            ),
            201,
        )
        await _ok(
            await requester.post(
                f"/api/v1/requests/{rid}/questions/{question['question_id']}/answer", json={"text": "Six ans d'âge."}
            )
        )
        await _ok(await ogde.agent.post(f"/api/v1/requests/{rid}/admissibility", json={"decision": "oui"}))
        current = await _ok(await requester.get(f"/api/v1/requests/{rid}"))
        deadline = datetime.fromisoformat(current["deadline"]["deadline_at"])
        services = ogde.essoc.wiring.services
        assert isinstance(services, EssocServices)
        assert await services.answer_clock.notify_deadlines(deadline - timedelta(days=14)) == 1
        annex = await _ok(
            await ogde.agent.post(f"/api/v1/requests/{rid}/attachments", files={"file": ("annexe.txt", ANNEX)}), 201
        )
        await _ok(
            await ogde.agent.post(
                f"/api/v1/requests/{rid}/closure",
                data={
                    "response": "Vous trouverez le rescrit en pièce jointe.",
                    "attachment_ids": [annex["attachment_id"]],
                },
                files=[("files", ("Rescrit définitif.pdf", RESCRIT_PDF, "application/pdf"))],
            )
        )

    to_requester, to_mailbox = await _mails(maildir, email, n, to_requester=4, to_mailbox=2)
    assert _subjects(to_requester) == sorted(
        [
            f"[OGDE] Votre demande n° {n} a bien été déposée",
            f"[OGDE] Votre demande n° {n} appelle une réponse de votre part",
            f"[OGDE] Votre demande n° {n} est recevable",
            f"[OGDE] Votre demande n° {n} a reçu sa réponse",
        ]
    )
    assert _subjects(to_mailbox) == sorted(
        [
            f"[OGDE] Demande n° {n} : le demandeur a répondu à votre question",
            f"[OGDE] Demande n° {n} : le délai de réponse expire dans 15 jours",
        ]
    )
    by_subject = {str(m["Subject"]): m for m in [*to_requester, *to_mailbox]}
    assert "Pouvez-vous préciser l'âge du rhum ?" in text_of(
        by_subject[f"[OGDE] Votre demande n° {n} appelle une réponse de votre part"]
    )
    assert "Six ans d'âge." in text_of(by_subject[f"[OGDE] Demande n° {n} : le demandeur a répondu à votre question"])
    # The 3 months run from admissibility: the receipt says so, the admissible mail gives the date (the
    # directorate's zone), and the answer given before it moved nothing.
    receipt = text_of(by_subject[f"[OGDE] Votre demande n° {n} a bien été déposée"])
    assert "à compter de la date à laquelle votre demande aura été jugée recevable" in receipt
    assert "jusqu'au" not in receipt
    admissible = text_of(by_subject[f"[OGDE] Votre demande n° {n} est recevable"])
    until = format_date(deadline, "971")
    assert f"trois mois à compter de cette décision pour vous répondre, soit jusqu'au {until}." in admissible
    reminder = text_of(by_subject[f"[OGDE] Demande n° {n} : le délai de réponse expire dans 15 jours"])
    assert "à compter de la date à laquelle la demande a été jugée recevable" in reminder

    closure = by_subject[f"[OGDE] Votre demande n° {n} a reçu sa réponse"]
    assert "Vous trouverez le rescrit en pièce jointe." in text_of(closure)
    assert "Les fichiers suivants sont joints à ce courriel" in text_of(closure)
    files = {part.get_filename(): part.get_payload(decode=True) for part in closure.iter_attachments()}
    assert set(files) == {"annexe.txt", "Rescrit définitif.pdf"}
    assert hashlib.sha256(files["Rescrit définitif.pdf"]).digest() == hashlib.sha256(RESCRIT_PDF).digest()
    assert files["annexe.txt"] == ANNEX

    sent = (await ogde.notifier.http.get("/api/v1/notifications", params={"recipient": email})).json()
    assert sent["total"] == 4 and {i["status"] for i in sent["items"]} == {"sent"}


async def test_a_droit_au_controle_refused_on_a_ground_mails_that_ground(ogde: Ogde, maildir: Maildir) -> None:
    requester, email = ogde.requester()
    async with requester:
        filed = await _ok(
            await requester.post(
                "/api/v1/requests",
                json={
                    "requester_type": "particulier",
                    "nature": "droit_au_controle",
                    "category": "dr-guadeloupe",
                    "fields": [{"domain": "alcools-et-boissons", "sub_domain": "statut d'entrepositaire agréé"}],
                    "subject": "Contrôle de nos processus",
                    "description": "Points à contrôler : tenue du stock.",
                },
            ),
            201,
        )
        rid, n = filed["id"], filed["number"]
        await _ok(await ogde.agent.post(f"/api/v1/requests/{rid}/take-charge"))
        refused = await _ok(
            await ogde.agent.post(
                f"/api/v1/requests/{rid}/admissibility", json={"decision": "non", "grounds": "mauvaise-foi"}
            )
        )
        assert refused["tab"] == "refusees"

    to_requester, to_mailbox = await _mails(maildir, email, n, to_requester=2, to_mailbox=0)
    assert _subjects(to_requester) == sorted(
        [f"[OGDE] Votre demande n° {n} a bien été déposée", f"[OGDE] Votre demande n° {n} n'est pas recevable"]
    )
    refusal = next(m for m in to_requester if "recevable" in str(m["Subject"]))
    assert "Mauvaise foi du demandeur." in text_of(refusal)
    submitted = next(m for m in to_requester if "déposée" in str(m["Subject"]))
    assert "droit au contrôle" in text_of(submitted)
    assert "trois mois" not in text_of(submitted)  # a droit au contrôle has no answer deadline
    assert to_mailbox == []


async def test_a_second_examen_of_a_closed_rescrit_is_mailed_as_collegial(ogde: Ogde, maildir: Maildir) -> None:
    requester, email = ogde.requester()
    async with requester:
        form = {
            "requester_type": "particulier",
            "nature": "rescrit",
            "category": "toutes-autres-taxes",
            "sub_category": "dr-guadeloupe",
            "fields": [{"domain": "octroi-de-mer", "sub_domain": "exonérations et régimes suspensifs"}],
            "subject": "Exonération",
            "description": "Nos intrants sont-ils exonérés ?",
        }
        first = await _ok(await requester.post("/api/v1/requests", json=form), 201)
        await _ok(await ogde.agent.post(f"/api/v1/requests/{first['id']}/take-charge"))
        await _ok(await ogde.agent.post(f"/api/v1/requests/{first['id']}/admissibility", json={"decision": "oui"}))
        await _ok(
            await ogde.agent.post(
                f"/api/v1/requests/{first['id']}/closure", json={"response": "Vos intrants ne sont pas exonérés."}
            )
        )
        second = await _ok(
            await requester.post(
                "/api/v1/requests",
                json={
                    **form,
                    "nature": "second_examen",
                    "previous_request": str(first["number"]),
                    "description": "Nous contestons le rescrit.",
                },
            ),
            201,
        )
        assert second["characteristics"]["collegial"] is True
        await _ok(await ogde.agent.post(f"/api/v1/requests/{second['id']}/take-charge"))
        await _ok(await ogde.agent.post(f"/api/v1/requests/{second['id']}/admissibility", json={"decision": "oui"}))
        await _ok(
            await ogde.agent.post(
                f"/api/v1/requests/{second['id']}/closure",
                json={"response": "Après examen collégial, le rescrit est confirmé."},
            )
        )

    n1, n2 = first["number"], second["number"]
    await _mails(maildir, email, n2, to_requester=6, to_mailbox=0)
    to_requester = mails(maildir, to(email))
    assert _subjects(to_requester) == sorted(
        f"[OGDE] Votre demande n° {n} {what}"
        for n in (n1, n2)
        for what in ("a bien été déposée", "est recevable", "a reçu sa réponse")
    )
    by_subject = {str(m["Subject"]): m for m in to_requester}
    filed_second = by_subject[f"[OGDE] Votre demande n° {n2} a bien été déposée"]
    assert "(second examen)" in text_of(filed_second) and "examinée de manière collégiale" in text_of(filed_second)
    assert "à compter de la date à laquelle votre demande aura été jugée recevable" in text_of(filed_second)
    # Its own 3 months, from its own admissibility.
    admissible_second = text_of(by_subject[f"[OGDE] Votre demande n° {n2} est recevable"])
    assert "trois mois à compter de cette décision" in admissible_second
    answer = by_subject[f"[OGDE] Votre demande n° {n2} a reçu sa réponse"]
    assert "le rescrit est confirmé" in text_of(answer)

"""The mails of a « Demande d'assistance » against the real servers (decision record 0028): Kafka in, the SMTP sink
out. The person's acknowledgement and the ticket sent to the support mailbox (the setting), then the agent's
answer to the person; each once, even when its event is delivered twice."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest

from contracts.events.assistance import (
    AssistanceAnswered,
    AssistanceRequested,
    TicketFile,
    TicketNotice,
    TicketRequester,
)
from devstack.ports import free_port
from notifier.domain.french import format_datetime

from notifier_running import envelope, html_of, mails, notifier_running, publish, text_of, to

pytestmark = pytest.mark.integration

PORTAL = "https://reunion.portail.douane.example"
SUPPORT = "assistance-tests@douane.example"
FILED_AT = datetime(2026, 12, 7, 15, 30, tzinfo=UTC)  # 19:30 at La Réunion


@pytest.fixture(scope="module")
async def notifier(infra):  # type: ignore[no-untyped-def]
    port = free_port()
    async with notifier_running(
        infra, essoc_url=f"http://127.0.0.1:{port}", portal_url=PORTAL, support_mailbox=SUPPORT
    ) as running:
        yield running


def _requested(email: str, number: str) -> AssistanceRequested:
    return AssistanceRequested(
        ticket_id=f"assistance-{uuid.uuid4().hex[:8]}",
        number=number,
        subject="Erreur à l'envoi de ma déclaration",
        category="domino",
        gravity="bloquant",
        description="La page affiche une erreur <b>500</b>.\nJ'ai réessayé deux fois.",
        incident_reference="c0ffee-1234",
        files=[
            TicketFile(
                attachment_id="pj-1",
                filename="capture.png",
                content_type="image/png",
                size=2048,
                sha256="0" * 64,
                blob_id="pj-1",
            )
        ],
        requester=TicketRequester(id="decl-1", name="Marie Payet", email=email, roles=["declarant"]),
        at=FILED_AT,
    )


async def test_the_person_and_the_support_are_mailed_once_each(notifier, infra, maildir) -> None:  # type: ignore[no-untyped-def]
    email = f"marie-{uuid.uuid4().hex[:8]}@producteur.example"
    number = f"AS-2026-{uuid.uuid4().int % 1_000_000:06d}"
    event = envelope(_requested(email, number), stream_id=f"assistance-{number}")

    await publish(infra.kafka_bootstrap, event, event)  # delivered twice

    [ack] = await maildir.wait_for_all_async(to(email), timeout=30)
    [support] = await maildir.wait_for_all_async(lambda m: to(SUPPORT)(m) and number in m["Subject"], timeout=30)
    assert ack["Subject"] == f"[Assistance] Votre demande {number} est bien reçue"
    text = text_of(ack)
    assert f"envoyée le {format_datetime(FILED_AT, '974')}." in text  # shown in La Réunion's zone
    assert f"{PORTAL}/assistance/{number}" in text and "c0ffee-1234" in text
    assert support["Subject"] == f"[Assistance] {number} (bloquant) : Erreur à l'envoi de ma déclaration"
    assert email in text_of(support) and "capture.png" in text_of(support)
    assert "&lt;b&gt;500&lt;/b&gt;" in html_of(support)  # the person's text, escaped
    await asyncio.sleep(1.0)  # the sender polls every 0.1 s: a second mail would be out by now
    assert len(mails(maildir, to(email))) == 1
    assert len(mails(maildir, lambda m: to(SUPPORT)(m) and number in m["Subject"])) == 1


async def test_the_agent_answer_is_mailed_to_the_person_with_the_link_to_reply(notifier, infra, maildir) -> None:  # type: ignore[no-untyped-def]
    email = f"juda-{uuid.uuid4().hex[:8]}@entreprise.example"
    number = f"AS-2026-{uuid.uuid4().int % 1_000_000:06d}"
    notice = TicketNotice(number=number, subject="Connexion", requester_name="Juda Bricot", requester_email=email)
    answered = AssistanceAnswered(
        message_id="msg-1",
        agent_id="agent-974",
        agent_name="Line Hoarau",
        text="Votre compte est débloqué.",
        notice=notice,
        at=FILED_AT,
    )

    await publish(infra.kafka_bootstrap, envelope(answered, stream_id=f"assistance-{number}", version=2))

    [mail] = await maildir.wait_for_all_async(to(email), timeout=30)
    assert mail["Subject"] == f"[Assistance] Réponse à votre demande {number}"
    assert "Votre compte est débloqué." in text_of(mail) and f"{PORTAL}/assistance/{number}" in text_of(mail)
    assert "Bonjour Juda Bricot," in text_of(mail)

"""« Demande d'assistance » in the browser (decision record 0028): a producer meets an error page with its incident
reference, follows its link to the form (the reference prefilled), sends a request with a screenshot and gets its
number; the acknowledgement and the ticket for the support are in the Maildir; an agent finds it in the agents'
« Assistance » queue and answers it; the producer reads the answer on the ticket's page and in the answer mail.
Every page checked by axe-core."""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path

import pytest

from devstack.stack import Stack

from browser_support import Opener

pytestmark = pytest.mark.e2e

MARIE = "marie.payet@producteur.example"
SUPPORT = "assistance@douane.example"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 128


def _text(mail: EmailMessage) -> str:
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


async def test_an_assistance_request_from_an_error_page_to_the_agents_answer_with_its_mails(
    person: Opener, stack: Stack, tmp_path: Path
) -> None:
    # An error page shows its incident reference and a link to the form with it.
    producer = await person()
    page = producer.page
    await producer.sign_in("declarant")
    await producer.goto("/notifications?page=deux", status=400)
    reference = (await page.inner_text("#reference")).strip()
    await page.click("#demander-assistance")
    await page.wait_for_selector("#demande-assistance")
    await producer.check()
    assert await page.input_value("#incident_reference") == reference
    assert "Jusqu'à 5 fichiers" in await page.inner_text("#limites-pieces")  # said before choosing

    # Refused without a description: the message next to its field, what was typed kept, « Erreur — » in the title.
    await page.fill("#subject", "Erreur en ouvrant mes notifications")
    await page.select_option("#category", "domino")
    await page.check("#gravity-2", force=True)
    await page.click("#envoyer")
    await page.wait_for_selector("#description-message")
    await producer.check()
    assert (await page.title()).startswith("Erreur — Demande d'assistance")
    assert await page.input_value("#subject") == "Erreur en ouvrant mes notifications"
    assert await page.input_value("#incident_reference") == reference

    capture = tmp_path / "capture.png"
    capture.write_bytes(PNG)
    await page.fill("#description", "La page « Adresse incorrecte » s'affiche quand je change de page.")
    await page.set_input_files("#file", str(capture))
    await page.click("#envoyer")
    await page.wait_for_selector("#echanges, #aucun-echange")
    await producer.check("assistance-demande")
    found = re.search(r"AS-\d{4}-\d{6}", await page.inner_text("h1"))
    assert found, await page.inner_text("h1")
    number = found.group(0)
    assert "Un accusé de réception vous est envoyé" in await page.content()
    assert reference in await page.inner_text("#reference-incident")
    assert "capture.png" in await page.inner_text("#fichiers")

    # Both mails: the acknowledgement to the producer, the ticket to the support's mailbox.
    maildir = stack.smtp.maildir
    ack = await maildir.wait_for_async(lambda m: MARIE in m["To"] and number in m["Subject"], 60)
    assert f"/assistance/{number}" in _text(ack) and reference in _text(ack)
    support = await maildir.wait_for_async(lambda m: SUPPORT in m["To"] and number in m["Subject"], 60)
    assert MARIE in _text(support) and "capture.png" in _text(support)

    # « Mes demandes d'assistance » lists it, waiting for an answer.
    await producer.goto("/assistance")
    assert "En attente de réponse" in (await page.text_content(f"#assistance-{number}") or "")

    # The agent's queue (« Assistance » in the agents' navigation), the ticket, the answer.
    agent = await person()
    desk = agent.page
    await agent.sign_in("agent_971")
    await desk.click("nav >> text=Assistance")
    await desk.wait_for_selector("#file-assistance")
    await agent.check("assistance-file")
    assert "Marie Payet" in await desk.inner_text(f"#assistance-{number}")
    await desk.click(f"#assistance-{number} a")
    await desk.wait_for_selector("#repondre")
    await agent.check()
    await desk.fill("#text", "Le numéro de page s'écrit en chiffres : essayez « 2 ».")
    await desk.click("#repondre button[type=submit]")
    await desk.wait_for_selector("#message-1")
    await agent.check()

    # The producer reads the answer on the ticket's page and in the answer mail.
    await producer.goto(f"/assistance/{number}")
    assert "essayez « 2 »" in await page.inner_text("#message-1")
    assert "Répondue" in (await page.text_content("#etat") or "")
    answer = await maildir.wait_for_async(
        lambda m: MARIE in m["To"] and f"Réponse à votre demande {number}" in m["Subject"], 60
    )
    assert "essayez « 2 »" in _text(answer) and f"/assistance/{number}" in _text(answer)

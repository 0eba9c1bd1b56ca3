"""OGDE for the customs agents, in the browser: the agent of 971 finds a new request in « À traiter », takes
it, asks a question; the requester answers in her browser; the agent sees the badge, decides it admissible
(after confirming), writes a private note the requester never sees, closes it with an answer and a file; the
requester sees it closed with the answer, and the mails are in the Maildir. A request is reassigned to the
other agent of the directorate, who finds it in « Suivies par moi ». The agent of 974 sees none of it and gets
the French refusal page. The board's export opens as a French spreadsheet. Every page checked by axe-core."""

from __future__ import annotations

import csv
import io
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from devstack.stack import Stack

from browser_support import Opener, Visit, api, json_of

pytestmark = pytest.mark.e2e


def rescrit(subject: str) -> dict[str, Any]:
    return {
        "requester_type": "particulier",
        "nature": "rescrit",
        "category": "octroi-de-mer",
        "sub_category": "dr-guadeloupe",
        "fields": [{"domain": "octroi-de-mer", "sub_domain": "octroi de mer interne"}],
        "subject": subject,
        "description": "Nous vendons du rhum vieux en Guadeloupe : quel taux d'octroi de mer s'applique ?",
    }


async def _filed(stack: Stack, tokens: dict[str, str], subject: str) -> int:
    async with api(stack, "essoc", tokens["requester"]) as requester:
        created = json_of(await requester.post("/api/v1/requests", json=rescrit(subject)))
    return int(created["number"])


async def _row(visit: Visit, number: int) -> str:
    return await visit.page.text_content(f"#demande-{number}") or ""


async def test_an_agent_instructs_a_request_from_a_traiter_to_cloturees(
    person: Opener, stack: Stack, tokens: dict[str, str], tmp_path: Path
) -> None:
    word = f"rhum{uuid.uuid4().hex[:6]}"
    number = await _filed(stack, tokens, f"Taux du {word} élevé en fût")

    # The agent's home is the board; the new request waits in « À traiter ».
    agent = await person()
    page = agent.page
    await agent.sign_in("agent_971")
    assert page.url.endswith("/instruction")
    await page.fill("#q", word)
    await page.click("#filtres button[type=submit]")
    await page.wait_for_selector(f"#demande-{number}")
    await agent.check("agent-tableau")
    assert "À traiter" in await page.inner_text("#demandes caption")
    row = await _row(agent, number)
    assert "Juda Bricot" in row and "élevé en fût" in row
    assert "3 mois à compter de la recevabilité" in row, "no date before admissibility (OGDE manual § 1.3)"
    await page.click(f"#demande-{number} a")
    await page.wait_for_selector("#actions")
    await agent.check()

    # « Prendre en charge »: the request is the agent's (« Suivies par moi »).
    await page.click("#prendre-en-charge")
    await page.wait_for_selector("text=elle figure dans « Suivies par moi »")
    assert "Suivie par Joseph Lubin" in await page.text_content("#suivie-par") or ""
    await agent.goto("/instruction?onglet=suivies")
    assert str(number) in await page.inner_text("#demandes")

    # « Poser une question »: empty first (the message next to the field), then the question.
    await agent.goto(f"/instruction/demandes/{number}")
    await page.click("#poser-question")
    await page.wait_for_selector("#question-message")
    await agent.check()
    await page.fill("#question", "Quel est le titre alcoométrique du rhum ?")
    await page.click("#poser-question")
    await page.wait_for_selector("text=Votre question est envoyée au demandeur.")

    # The requester answers in her browser.
    requester = await person()
    await requester.sign_in("requester")
    await requester.goto(f"/ogde/demandes/{number}")
    await requester.page.locator("textarea[name^=answer-]").fill("42 % vol.")
    await requester.page.locator("form[id^=repondre-] button[type=submit]").click()
    await requester.page.wait_for_selector("text=Votre réponse est envoyée au service.")

    # The agent sees the badge on the board, then the answer on the request; opening it clears the badge.
    await agent.goto(f"/instruction?onglet=suivies&q={word}")
    assert "Nouveau : réponse" in await _row(agent, number)
    await agent.check("agent-tableau-nouveau")
    await page.click(f"#demande-{number} a")
    await page.wait_for_selector("#nouveau")
    assert "42 % vol." in await page.inner_text("#echanges ~ ol")
    await agent.goto(f"/instruction?onglet=suivies&q={word}")
    assert "Nouveau" not in await _row(agent, number)

    # « Décider de la recevabilité »: the browser asks for the confirmation first; a browser that does not
    # (the attribute removed) is refused by the portal, what was chosen kept; then recorded.
    await agent.goto(f"/instruction/demandes/{number}")
    await page.check("#decision-1", force=True)
    await page.click("#decider")
    assert await page.evaluate("() => !document.querySelector('#confirmation').checkValidity()")
    assert page.url.endswith(f"/instruction/demandes/{number}")
    await page.evaluate("() => document.querySelector('#confirmation').removeAttribute('required')")
    await page.click("#decider")
    await page.wait_for_selector("#confirmation-message")
    await agent.check()
    assert await page.is_checked("#decision-1")
    await page.check("#confirmation", force=True)
    await page.click("#decider")
    await page.wait_for_selector("text=La demande est jugée recevable.")
    assert "Recevabilité : Oui" in await page.text_content("#recevabilite-etat") or ""
    assert "jours restants" in (await page.text_content("#echeance") or ""), "dated once judged admissible"

    # A private note, for the agents only.
    await page.fill("#note", "Vérifier la délibération NOTE-PRIVEE du conseil régional.")
    await page.click("#ajouter-note")
    await page.wait_for_selector("text=Votre note privée est ajoutée.")
    assert "NOTE-PRIVEE" in await page.inner_text("#liste-notes")

    # « Clôturer avec la réponse », with a file: sent without the confirmation (by a browser that does not
    # check), the form comes back asking for the file again; without it the closing is refused; with the file
    # and the confirmation, done.
    answer_file = tmp_path / "deliberation-taux.txt"
    answer_file.write_text("Délibération : taux de 2,5 % pour le rhum.", encoding="utf-8")
    await page.fill("#response", "Le taux applicable est de 2,5 % (délibération jointe).")
    await page.set_input_files("#files", str(answer_file))
    await page.evaluate(
        "() => document.querySelector('#etape-cloture input[name=confirmation]').removeAttribute('required')"
    )
    await page.click("#cloturer")
    await page.wait_for_selector("#files-message")
    await page.wait_for_load_state("load")  # the refused form is a new page: nothing moves under a click
    assert "deliberation-taux.txt" in await page.inner_text("#files-message")
    assert page.url.endswith(f"/instruction/demandes/{number}"), "a refused form keeps the page's address"
    await page.check("#etape-cloture input[name=confirmation]", force=True)
    await page.click("#cloturer")
    await page.wait_for_selector("text=choisissez à nouveau ces fichiers")
    await page.wait_for_load_state("load")
    assert await page.input_value("#response") == "Le taux applicable est de 2,5 % (délibération jointe)."
    await page.set_input_files("#files", str(answer_file))
    await page.check("#etape-cloture input[name=confirmation]", force=True)
    await agent.check("agent-demande")
    await page.click("#cloturer")
    await page.wait_for_selector(f"text=La demande n° {number} est clôturée")
    assert "Clôturée" in await page.text_content("#etat") or ""
    await agent.goto(f"/instruction?onglet=cloturees&q={word}")
    assert str(number) in await page.inner_text("#demandes")

    # The requester sees it closed, with the answer and its file, and nothing of the private note.
    await requester.goto("/ogde/demandes?onglet=cloturees")
    await requester.goto(f"/ogde/demandes/{number}")
    assert "2,5 %" in await requester.page.inner_text("#reponse")
    assert "deliberation-taux.txt" in await requester.page.inner_text("#liste-pieces")
    assert "NOTE-PRIVEE" not in await requester.page.content()

    # The mails: the requester's question and answer, the directorate told of her answer.
    maildir = stack.smtp.maildir
    closed = await maildir.wait_for_async(
        lambda m: "juda.bricot@entreprise.example" in m["To"] and f"n° {number} a reçu sa réponse" in m["Subject"], 60
    )
    assert [a.get_filename() for a in closed.iter_attachments()] == ["deliberation-taux.txt"]
    await maildir.wait_for_async(
        lambda m: "dr-guadeloupe@" in m["To"] and f"n° {number} : le demandeur a répondu" in m["Subject"], 60
    )
    for mail in maildir.messages():
        assert "NOTE-PRIVEE" not in mail.as_string()

    # The export of « Clôturées »: UTF-8 with BOM, `;`, the board's columns, the accents.
    async with page.expect_download() as waiting:
        await page.click("#exporter")
    content = Path(str(await (await waiting.value).path())).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert header[:10] == ["N°", "Dépôt", "Demandeur", "Entreprise", "SIRET", "Nature", "Catégorie", "Objet", "MAJ",
                           "Échéance"]  # fmt: skip
    [mine] = [dict(zip(header, r, strict=True)) for r in rows[1:] if r[0] == str(number)]
    assert mine["Objet"] == f"Taux du {word} élevé en fût" and mine["État"] == "Clôturée"
    assert mine["Suivie par"] == "Joseph Lubin" and mine["Clôturée le"]
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", mine["Dépôt"])  # a date and time to a spreadsheet


async def test_a_request_is_reassigned_to_another_agent_of_the_directorate(
    person: Opener, stack: Stack, tokens: dict[str, str]
) -> None:
    number = await _filed(stack, tokens, "Origine des bananes séchées")
    async with api(stack, "essoc", tokens["agent_971"]) as agent_api:
        json_of(await agent_api.post(f"/api/v1/requests/{number}/take-charge"))
    agent = await person()
    await agent.sign_in("agent_971")
    await agent.goto(f"/instruction/demandes/{number}")
    await agent.page.select_option("#agent_id", "agent-971-b")
    await agent.page.click("#reassigner-bouton")
    await agent.page.wait_for_selector("text=La demande est confiée à l'agent choisi")
    assert "Suivie par Lucie Bélénus" in await agent.page.text_content("#suivie-par") or ""

    other = await person()
    await other.sign_in("agent_971_b")
    await other.goto("/instruction?onglet=suivies")
    assert str(number) in await other.page.inner_text("#demandes")
    await other.check("agent-suivies")
    await stack.smtp.maildir.wait_for_async(
        lambda m: "lucie.belenus@douane.example" in m["To"] and f"n° {number} vous est confiée" in m["Subject"], 60
    )


async def test_an_agent_of_974_sees_none_of_971s_requests(person: Opener, stack: Stack, tokens: dict[str, str]) -> None:
    number = await _filed(stack, tokens, "Classement du jus de canne")
    agent = await person()
    await agent.sign_in("agent_974")
    assert agent.page.url.endswith("/instruction")
    await agent.goto(f"/instruction?q={number}")
    assert await agent.page.locator("#aucune-demande").count() == 1
    await agent.goto(f"/instruction/demandes/{number}", status=404)
    refusal = await agent.page.inner_text("#contenu")
    assert f"La demande n° {number} n'existe pas, ou elle relève d'une direction que vous n'instruisez pas" in refusal
    assert "jus de canne" not in refusal
    # and the requester has no agent's page
    requester = await person()
    await requester.sign_in("requester")
    await requester.goto("/instruction", status=403)


async def test_the_board_without_javascript_and_360_px_wide(
    person: Opener, stack: Stack, tokens: dict[str, str]
) -> None:
    number = await _filed(stack, tokens, "Régime des intrants de la distillerie")
    for visit in (await person(javascript=False), await person(width=360)):
        await visit.sign_in("agent_971")
        await visit.goto("/instruction?tri=numero&ordre=desc")
        assert str(number) in await visit.page.inner_text("#demandes")
        await visit.goto(f"/instruction/demandes/{number}")

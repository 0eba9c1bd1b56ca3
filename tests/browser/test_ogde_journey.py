"""OGDE in the browser: a requester files a rescrit step by step (a company chosen by its SIRET, two fields of
application, one « Retour »), leaves after step 3 and takes the draft up again from « Brouillons », keeps two
files across « Retour » and « Suivant », reads « Récapitulatif » (and « Annuler »'s question) and creates the
request (decision record 0026), finds it in « Déposées »; an agent takes it and asks a question
(through the API here: the agents' screens have their own journey); the requester answers in the browser; once
closed, the request is in « Clôturées » with the answer, and its PDF downloads. Every page checked by axe."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from playwright.async_api import TimeoutError as PlaywrightTimeout
from pypdf import PdfReader

from devstack.stack import Stack

from browser_support import Opener, api, json_of

pytestmark = pytest.mark.e2e

SIRET = "41234567000019"  # Distillerie Bellevue SAS (deploy/reference/companies.csv)


async def test_a_requester_files_follows_and_answers_a_rescrit(
    person: Opener, stack: Stack, tokens: dict[str, str], tmp_path: Path
) -> None:
    visit = await person()
    page = visit.page
    await visit.sign_in("requester")
    await page.wait_for_selector("text=Nouvelle demande")
    await visit.check("ogde-accueil")
    menu = await page.inner_text("#navigation-principale")
    for entry in ("Accueil", "Nouvelle demande", "Mes demandes", "Documents"):
        assert entry in menu
    await page.click("#navigation-principale >> text=Nouvelle demande")

    # Demandeur: the account's name and email, a company chosen by its SIRET.
    await page.wait_for_selector("#nouvelle-demande")
    await visit.check("ogde-demandeur")
    assert "juda.bricot@entreprise.example" in await page.inner_text("#nouvelle-demande")
    await page.click("#suivant")  # nothing chosen yet: the form says what is missing
    await page.wait_for_selector("#erreur-formulaire")
    await visit.check()
    await page.check("#requester_type-1", force=True)
    await page.fill("#siret", "412 345 670 00019")
    await page.click("#choisir-entreprise")
    await page.wait_for_selector("#entreprise-trouvee")
    assert "Distillerie Bellevue SAS" in await page.inner_text("#entreprise-trouvee")
    await visit.check("ogde-choisir-entreprise")
    await page.click("#valider-entreprise")
    await page.wait_for_selector("#entreprise-choisie")
    await page.click("#suivant")

    # Caractéristiques (the draft is kept from here on): a rescrit on octroi de mer, for the Guadeloupe directorate;
    # only the directorates this deployment serves are offered.
    await page.wait_for_selector("#nature")
    draft_url = page.url.removesuffix("/caracteristiques")
    assert "/ogde/brouillons/" in draft_url
    # htmx attaches its « change » listener once it has processed the page just swapped in: under load a
    # choice made in the same instant can come first, and a person would simply choose again
    await page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    # RGAA 7.4: « Suivant » refused puts the focus on the error summary; the nature then chosen with the keyboard
    # refreshes the lists below it and leaves the focus on the list, not on that summary.
    await page.click("#suivant")
    await page.wait_for_function("() => document.activeElement?.id === 'erreur-formulaire'", timeout=5000)
    await page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    await page.focus("#nature")
    await page.keyboard.press("ArrowDown")
    await page.wait_for_selector("#category", timeout=5000)
    await page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    assert await page.evaluate("() => document.activeElement?.id") == "nature"
    await page.select_option("#nature", "rescrit")
    # the lists of the nature chosen with the keyboard are there already: wait for those of « rescrit »
    await page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    if await page.locator("button[value=actualiser]").is_visible():
        await page.click("button[value=actualiser]")
    try:
        await page.wait_for_selector("#category", timeout=5000)
    except PlaywrightTimeout:
        await page.dispatch_event("#nature", "change")
        await page.wait_for_selector("#category")
    assert await page.locator("#sub_category option[value=dr-lyon]").count() == 0
    await page.select_option("#category", "octroi-de-mer")
    await page.select_option("#sub_category", "dr-guadeloupe")
    await visit.check("ogde-caracteristiques")
    await page.click("#suivant")

    # Champs d'application: two, then « Retour » and back: nothing typed is lost.
    await page.wait_for_selector("#fields")
    boxes = page.locator("#fields input[type=checkbox]")
    assert await boxes.count() >= 2
    first, second = await boxes.nth(0).get_attribute("id"), await boxes.nth(1).get_attribute("id")
    await page.check(f"#{first}", force=True)
    await page.check(f"#{second}", force=True)
    await visit.check("ogde-champs")
    await page.click("#retour")
    await page.wait_for_selector("#category")
    assert await page.input_value("#category") == "octroi-de-mer"
    assert await page.input_value("#sub_category") == "dr-guadeloupe"
    await page.click("#suivant")
    await page.wait_for_selector("#fields")
    assert await page.is_checked(f"#{first}") and await page.is_checked(f"#{second}")
    await page.click("#suivant")

    # The requester leaves after step 3, and comes back from « Mes demandes », tab « Brouillons ».
    await page.wait_for_selector("#avertissement-donnees")
    await page.click("#navigation-principale >> text=Mes demandes")
    await page.wait_for_selector("#onglets")
    await page.click("#onglet-brouillons")
    await page.wait_for_selector("#brouillons")
    assert "90 jours" in await page.inner_text("#brouillons-conservation")
    await visit.check("ogde-brouillons")
    await page.locator("#brouillons a", has_text="Reprendre").first.click()

    # Demande: the manual's warning about personal data; the draft says until when it is kept.
    await page.wait_for_selector("#avertissement-donnees")
    assert page.url == f"{draft_url}/demande"
    assert "90 jours" in await page.inner_text("#enregistrement")
    assert "données à caractère personnel" in await page.inner_text("#avertissement-donnees")
    await page.fill("#subject", "Taux applicable au rhum agricole en vrac")
    await page.fill("#description", "Nous vendons du rhum agricole en vrac à des embouteilleurs locaux.\nQuel taux ?")
    await visit.check("ogde-demande")
    await page.click("#suivant")

    # Pièces jointes: the limits before the input; two files kept at once, kept across « Retour » and « Suivant ».
    await page.wait_for_selector("#files")
    assert "5 fichiers" in await page.inner_text("#limites-pieces") and "pdf" in await page.inner_text(
        "#limites-pieces"
    )
    notes = [tmp_path / "fiche-produit.txt", tmp_path / "analyse.txt"]
    notes[0].write_text("Fiche produit : rhum agricole 50 % vol.")
    notes[1].write_text("Analyse du laboratoire : 50,2 % vol.")
    await page.set_input_files("#files", [str(n) for n in notes])
    await page.click("#joindre")
    await page.wait_for_selector("#liste-pieces-brouillon")
    await visit.check("ogde-pieces")
    await page.click("#retour")
    await page.wait_for_selector("#subject")
    assert await page.input_value("#subject") == "Taux applicable au rhum agricole en vrac"
    await page.click("#suivant")
    await page.wait_for_selector("#liste-pieces-brouillon")
    for note in notes:
        assert note.name in await page.inner_text("#liste-pieces-brouillon")
    await page.click("#suivant")

    # Récapitulatif: everything typed and every file; « Annuler » asks first; then « Créer la demande ».
    await page.wait_for_selector("#recap-demande")
    summary = await page.inner_text("#contenu")
    for typed in (
        "Distillerie Bellevue SAS",
        "DR Guadeloupe",
        "Taux applicable au rhum agricole",
        *(n.name for n in notes),
    ):
        assert typed in summary, typed
    await visit.check("ogde-recapitulatif")
    await page.click("#annuler")
    await page.wait_for_selector("#confirmer-abandon")
    assert "2 pièces jointes" in await page.inner_text("#confirmation-abandon")
    await visit.check("ogde-annuler")
    await page.click("#reprendre")
    await page.wait_for_selector("#creer-la-demande")
    await page.click("#creer-la-demande")
    await page.wait_for_selector("#caracteristiques")
    await visit.check("ogde-detail-deposee")
    number = re.search(r"n° (\d+)", await page.inner_text("h1"))
    assert number is not None
    number_text = number.group(1)
    for note in notes:
        assert note.name in await page.inner_text("#liste-pieces")
    fields = await page.locator("#champs-application li").count()
    assert fields == 2

    # « Mes demandes »: in « Déposées ».
    await page.click("#navigation-principale >> text=Mes demandes")
    await page.wait_for_selector("#onglets")
    await visit.check("ogde-mes-demandes")
    assert await page.locator("#demandes").get_by_role("link", name=number_text, exact=True).count() == 1
    assert re.search(r"Déposées \(\d+\)", await page.inner_text("#onglet-deposees"))

    # The agent takes it and asks a question (API; the agents' screens: test_agent_ogde_journey).
    async with api(stack, "essoc", tokens["agent_971"]) as agent:
        json_of(await agent.post(f"/api/v1/requests/{number_text}/take-charge"))
        json_of(
            await agent.post(
                f"/api/v1/requests/{number_text}/questions", json={"text": "Quel est le titre alcoométrique ?"}
            )
        )

    # The requester answers in the browser.
    await visit.goto(f"/ogde/demandes/{number_text}")
    assert "Quel est le titre alcoométrique ?" in await page.inner_text("#echanges ~ ol")
    answer_box = page.locator("textarea[name^=answer-]")
    await answer_box.fill("50 % vol.")
    await page.locator("form[id^=repondre-] button[type=submit]").click()
    await page.wait_for_selector("text=Votre réponse est envoyée au service.")
    await visit.check("ogde-detail-echanges")
    assert "50 % vol." in await page.inner_text("#echanges ~ ol")

    # Closed by the agent: « Clôturées », the answer, the PDF.
    async with api(stack, "essoc", tokens["agent_971"]) as agent:
        json_of(await agent.post(f"/api/v1/requests/{number_text}/admissibility", json={"decision": "oui"}))
        closure = {"response": "Le taux applicable est celui de la délibération CR/26-0112."}
        json_of(await agent.post(f"/api/v1/requests/{number_text}/closure", json=closure))
    await visit.goto("/ogde/demandes?onglet=cloturees")
    assert "Nous vendons du rhum agricole en vrac" in await page.inner_text("#demandes")
    await page.locator("#demandes").get_by_role("link", name=number_text, exact=True).click()
    await page.wait_for_selector("#reponse")
    await visit.check("ogde-detail-cloturee")
    assert "délibération CR/26-0112" in await page.inner_text("#reponse")
    async with page.expect_download() as waiting:
        await page.click("#telecharger-pdf")
    content = Path(str(await (await waiting.value).path())).read_bytes()
    assert content.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert number_text in text


async def test_the_other_pages_are_accessible_too(person: Opener) -> None:
    visit = await person()
    for path in ("/", "/connexion", "/aide", "/codes-naf?q=boulangerie", "/notes-de-version", "/accessibilite"):
        await visit.goto(path)
    await visit.sign_in("requester")
    await visit.goto("/ogde/documents")
    await visit.check("ogde-documents")
    # the manual §6: the user guide and the request forms, each a PDF downloaded through the portal
    titles = await visit.page.locator("#documents .fr-card__title").all_inner_texts()
    assert len(titles) == 3 and any("rescrit" in t for t in titles) and any("droit au contrôle" in t for t in titles)
    async with visit.page.expect_download() as waiting:
        await visit.page.click("a[href='/ogde/documents/formulaire-rescrit']")
    download = await waiting.value
    assert download.suggested_filename == "formulaire-rescrit.pdf"
    assert Path(str(await download.path())).read_bytes().startswith(b"%PDF")
    await visit.goto("/page-qui-n-existe-pas", status=404)
    assert "Page non trouvée" in await visit.page.inner_text("h1")


async def test_the_portal_is_usable_360_px_wide(person: Opener) -> None:
    visit = await person(width=360)
    page = visit.page

    async def fits() -> None:
        width = await page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360, f"{page.url} scrolls sideways at 360 px ({width} px)"

    await visit.sign_in("declarant")
    await visit.check("mobile-relations")
    await fits()
    await page.get_by_role("button", name=re.compile("0974000789")).click()
    await page.wait_for_selector("#rappel-connexion")
    await visit.check("mobile-accueil")
    await fits()
    for path in ("/domino/recherche", "/domino/bureau", "/aide", "/codes-naf"):
        await visit.goto(path)
        await fits()

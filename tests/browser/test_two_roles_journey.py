"""One person, two roles (decision record 0027), in the browser: Marie Payet, producer and requester, signs in once and
lands on « Mes espaces »; from the header's menu she opens DOMINO-NG and files a quarter of Confiserie Karukera, then
OGDE, where « Nouvelle demande » names her from the same sign-in, and her rescrit opens. The agents' and the
comptable's spaces are linked nowhere and refuse her. « Mes données » holds her quarter and her rescrit, downloaded
as JSON and as a PDF. Never a second sign-in; every page checked by axe-core.

The quarter's draft and the rescrit's filing go through the APIs with her token: the declaration's screens and OGDE's
steps have their own journeys; this one is about going from one space to the other."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from playwright.async_api import Page

from devstack.stack import Stack

from browser_support import Opener, api, json_of

pytestmark = pytest.mark.e2e

RELATION, RELATION_NUMBER = "rel-971-0002", "0971000456"  # Confiserie Karukera, Guadeloupe
YEAR, QUARTER = 2023, 3
"""A quarter no other journey files (they take 2023 Q1–Q2 of Bellevue, 2024, 2025, the latest and the late ones)."""
EMAIL = "marie.payet@producteur.example"
RESCRIT = {
    "requester_type": "particulier",
    "nature": "rescrit",
    "category": "octroi-de-mer",
    "sub_category": "dr-guadeloupe",
    "fields": [{"domain": "octroi-de-mer", "sub_domain": "octroi de mer interne"}],
    "subject": "Taux de la confiture de goyave vendue en vrac",
    "description": "Nous vendons aussi de la confiture en seaux de 5 kg à des pâtissiers : quel taux s'applique ?",
}


async def _drafted(stack: Stack, token: str) -> str:
    """The quarter drafted with one line of jam, its totals computed."""
    async with api(stack, "declarations", token) as http:
        r = await http.post("/api/v1/declarations", json={"relation_id": RELATION, "year": YEAR, "quarter": QUARTER})
        assert r.status_code == 201, r.text
        did: str = r.json()["id"]
        details = {
            "name": "Marie Payet",
            "quality": "representant",
            "place": "Baie-Mahault",
            "payment_method": "virement",
        }
        json_of(await http.put(f"/api/v1/declarations/{did}/declarant", json=details))
        line = {"annex": "A", "nomenclature": "20079910", "price_excl_tax": "4200.00"}
        json_of(await http.post(f"/api/v1/declarations/{did}/lines", json=line))
        async with asyncio.timeout(60):
            while json_of(await http.get(f"/api/v1/declarations/{did}"))["totals"]["status"] != "current":
                await asyncio.sleep(0.2)
    return did


async def _open_space(page: Page, key: str) -> None:
    """« Mes espaces » in the header, then the space: no sign-in on the way."""
    await page.click("#mes-espaces button")
    await page.click(f"#espace-{key}")
    await page.wait_for_url(f"**/{key}**")


async def test_a_producer_who_is_also_a_requester_files_a_quarter_then_a_rescrit_with_one_sign_in(
    person: Opener, stack: Stack, tokens: dict[str, str]
) -> None:
    token = tokens["productrice_demandeuse"]
    declaration = await _drafted(stack, token)
    visit = await person()
    page = visit.page
    await visit.sign_in("productrice_demandeuse")
    assert page.url.endswith("/espaces")
    await visit.check("mes-espaces")
    cards = await page.locator("#espaces .fr-card__title").all_inner_texts()
    assert cards == ["DOMINO-NG", "OGDE"]
    assert await page.locator("#menu-espaces a").evaluate_all("links => links.map(a => a.id)") == [
        "espace-domino",
        "espace-ogde",
    ]

    # DOMINO-NG: her three relations, then the quarter's recap, filed.
    await _open_space(page, "domino")
    await page.wait_for_selector("#relations")
    assert await page.locator("#relations tbody tr").count() == 3
    assert await page.locator(".fr-header__tools-links a[href='/codes-naf']").count() == 1  # the producers' tool
    await visit.check()
    await visit.goto(f"/domino/declarations/{declaration}/recapitulatif")
    await page.wait_for_selector("#montants-calcules")
    await page.click("#deposer")
    await page.wait_for_selector("#confirmation")
    await visit.check()
    await page.click("#confirmer-depot")
    await page.wait_for_selector("#depot-enregistre")
    await visit.check()
    assert await page.inner_text("#reference") == f"OM-971-{YEAR}-T{QUARTER}-{RELATION_NUMBER}"

    # OGDE, from the same header: « Nouvelle demande » knows her from the same sign-in.
    await _open_space(page, "ogde")
    await page.wait_for_selector("#navigation-principale >> text=Nouvelle demande")
    assert await page.locator("header a[href='/codes-naf']").count() == 0
    await visit.check()
    await page.click("#navigation-principale >> text=Nouvelle demande")
    await page.wait_for_selector("#nouvelle-demande")
    assert EMAIL in await page.inner_text("#nouvelle-demande")
    await visit.check()
    async with api(stack, "essoc", token) as http:
        filed = json_of(await http.post("/api/v1/requests", json=RESCRIT))
    await visit.goto(f"/ogde/demandes/{filed['number']}")
    assert f"n° {filed['number']}" in await page.inner_text("h1")
    async with api(stack, "declarations", token) as http:
        assert json_of(await http.get(f"/api/v1/declarations/{declaration}"))["status"] == "filed"

    # The spaces she does not hold: linked nowhere, refused.
    assert await page.locator("a[href^='/instruction'], a[href^='/recouvrement'], a[href^='/suivi']").count() == 0
    for space in ("/instruction", "/recouvrement"):
        await visit.goto(space, status=403)

    # « Mes données » (decision record 0030), from the header: her quarter and her rescrit, as a JSON file and a PDF.
    await visit.goto("/aide")
    await page.click("#lien-mes-donnees-entete")
    await page.wait_for_selector("#telechargements")
    await visit.check()
    shown = await page.inner_text("main")
    assert f"Déclaration {declaration}" in shown and f"Demande ESSOC {filed['id']}" in shown
    async with page.expect_download() as waiting:
        await page.click("#export-json")
    exported = json.loads(Path(str(await (await waiting.value).path())).read_text(encoding="utf-8"))
    held = {s: {r["record_id"] for r in answer["records"]} for s, answer in exported["services"].items()}
    assert declaration in held["declarations"] and filed["id"] in held["essoc"]
    values = [v for a in exported["services"].values() for r in a["records"] for v in r["values"]]
    assert ("DeclarantDetailsSet", "place", "Baie-Mahault") in {(v["event"], v["field"], v["value"]) for v in values}
    async with page.expect_download() as waiting:
        await page.click("#export-pdf")
    pdf = Path(str(await (await waiting.value).path())).read_bytes()
    assert pdf.startswith(b"%PDF") and b"/StructTreeRoot" in pdf

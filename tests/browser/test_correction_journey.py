"""The déclaration rectificative in the browser (droit à l'erreur): the producer opens a filed quarter, clicks
« Rectifier cette déclaration », raises a line's price through « Modifier », files: the receipt names « Déclaration
rectificative n° 1 » with the original, the corrected and the difference, and the supplement to pay; the original
reads « Remplacée »; the agent's list badges both. Then a rectificative that lowers a quarter while the next one is a
draft: the next quarter's box 10 shows the credit. The originals are filed through the API; only the correction is
driven in the browser. Every page checked by axe-core, at 1280 px and a phone's 360 px.

The quarters are the stack's clock's: six to eight quarters before the quarter due, of Confiserie Karukera
(rel-971-0002), whose late quarters of the last year (the home's) the DOMINO journey drafts — older than those,
younger than the three-year recovery period."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from contracts.french import quarter as quarter_name
from declarations.domain.calendar import previous_quarter, quarter_due
from devstack.stack import Stack

from browser_support import Opener, api, json_of

pytestmark = pytest.mark.e2e

RELATION, RELATION_NUMBER = "rel-971-0002", "0971000456"  # Confiserie Karukera, Guadeloupe
AGENT_JOURNEY_QUARTER = (2025, 3)  # test_agent_domino: Karukera has not filed it
JAM = "20079910"  # confitures, OMI 5 % and OMR 2,5 % in deploy/territories/971/tariff.csv


def _quarters() -> list[tuple[int, int]]:
    """Three quarters in a row, six to eight quarters before the quarter due by the stack's clock in Guadeloupe, or the
    nearest three from five to ten quarters before that leave out the quarter the agent's journey needs unfiled for
    Karukera (all of them within the three-year recovery period, older than the DOMINO journey's late quarters)."""
    period = quarter_due(Stack.now().astimezone(ZoneInfo("America/Guadeloupe")).date())
    earlier = []
    for _ in range(10):
        period = previous_quarter(*period)
        earlier.append(period)
    windows = [earlier[start : start + 3] for start in (5, 4, 6, 7)]
    return next(window for window in windows if AGENT_JOURNEY_QUARTER not in window)


def _fours(text: str) -> str:
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


async def _current(http: httpx.AsyncClient, did: str) -> dict[str, Any]:
    """The declaration once taxcalc's totals are those of its current version."""
    async with asyncio.timeout(60):
        while (declaration := json_of(await http.get(f"/api/v1/declarations/{did}")))["totals"]["status"] != "current":
            await asyncio.sleep(0.2)
    result: dict[str, Any] = declaration
    return result


async def _drafted(http: httpx.AsyncClient, period: tuple[int, int], price: str) -> str:
    """A quarter drafted with one line of jam, its totals computed."""
    r = await http.post("/api/v1/declarations", json={"relation_id": RELATION, "year": period[0], "quarter": period[1]})
    assert r.status_code == 201, r.text
    did: str = r.json()["id"]
    details = {"name": "Marie Payet", "quality": "representant", "place": "Baie-Mahault", "payment_method": "virement"}
    json_of(await http.put(f"/api/v1/declarations/{did}/declarant", json=details))
    json_of(await http.post(f"/api/v1/declarations/{did}/lines", json={"annex": "A", "nomenclature": JAM,
                                                                       "price_excl_tax": price}))  # fmt: skip
    if period[1] == 4:  # box 3, the year's turnover, on the fourth quarter
        json_of(await http.put(f"/api/v1/declarations/{did}/annual-turnover", json={"amount": "1250000.00"}))
    await _current(http, did)
    return did


async def _filed(http: httpx.AsyncClient, period: tuple[int, int], price: str) -> dict[str, Any]:
    did = await _drafted(http, period, price)
    json_of(await http.post(f"/api/v1/declarations/{did}/filing"))
    filed: dict[str, Any] = json_of(await http.get(f"/api/v1/declarations/{did}"))
    return filed


async def _lowered(http: httpx.AsyncClient, original: dict[str, Any], price: str) -> dict[str, Any]:
    """A rectificative of `original` opened, its line's price lowered, filed (through the API)."""
    r = await http.post(
        f"/api/v1/declarations/{original['id']}/corrections", headers={"If-Match": f'"{original["version"]}"'}
    )
    assert r.status_code == 201, r.text
    correction = await _current(http, r.json()["id"])
    [line] = correction["lines"]["A"]
    json_of(await http.put(f"/api/v1/declarations/{correction['id']}/lines/{line['line_id']}",
                           json={"price_excl_tax": price}))  # fmt: skip
    await _current(http, correction["id"])
    json_of(await http.post(f"/api/v1/declarations/{correction['id']}/filing"))
    filed: dict[str, Any] = json_of(await http.get(f"/api/v1/declarations/{correction['id']}"))
    return filed


def _amount(text: str) -> Decimal:
    cleaned = text.replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace("€", "").replace(",", ".")
    return Decimal(cleaned)


async def test_a_producer_rectifies_a_filed_quarter_and_a_lowered_one_credits_the_next(
    person: Opener, stack: Stack, tokens: dict[str, str]
) -> None:
    raised_period, lowered_period, next_period = _quarters()[::-1]
    async with api(stack, "declarations", tokens["declarant"]) as http:
        original, lowered_original = await asyncio.gather(
            _filed(http, raised_period, "10000.00"), _filed(http, lowered_period, "20000.00")
        )
        following = await _drafted(http, next_period, "10000.00")
    did = str(original["id"])
    period = quarter_name(*raised_period)

    # The filed quarter offers « Rectifier cette déclaration »; the copy opens at its first screen.
    producer = await person()
    page = producer.page
    await producer.sign_in("declarant")
    await producer.goto(f"/domino/declarations/{did}")
    await producer.check("domino-rectificative-bouton")
    assert "Droit à l'erreur" in await page.inner_text("#rectification")
    await page.click("#rectifier-declaration")
    await page.wait_for_selector("#donnees")
    correction = f"{did}-R1"
    assert page.url.endswith(f"/domino/declarations/{correction}/donnees")
    assert await page.inner_text("h1") == f"Déclaration rectificative n° 1 — {period}"
    assert "Consulter la déclaration d'origine" in await page.inner_text("#rectifie")
    await producer.check()

    # The line's price raised through « Modifier »; the recap shows the difference and the supplement.
    [line] = original["lines"]["A"]
    await producer.goto(f"/domino/declarations/{correction}/annexe-a")
    await page.click(f"#modifier-{line['line_id']}")
    await page.wait_for_selector("#enregistrer-ligne")
    await page.fill("#price_excl_tax", "12 000,00")
    await page.click("#enregistrer-ligne")
    await page.wait_for_selector(f"text=Ligne {JAM} modifiée en annexe A.")
    await producer.goto(f"/domino/declarations/{correction}/recapitulatif")
    await page.wait_for_selector("#difference", timeout=60_000)  # the page polls until taxcalc's totals are in
    await producer.check("domino-rectificative-recapitulatif")
    cells = await page.locator("#difference tbody td").all_inner_texts()
    before, after = _amount(cells[0]), _amount(cells[1])
    assert before == _amount(str(original["filing"]["total_due"])) and after > before
    supplement = await page.inner_text("#supplement")
    assert supplement.startswith("Supplément à payer") and _amount(supplement.split(":")[1]) > 0

    # Filed: the receipt names the rectificative, the difference and the supplement with its due date.
    await page.click("#deposer")
    await page.wait_for_selector("#confirmation")
    await page.click("#confirmer-depot")
    await page.wait_for_selector("#depot-enregistre")
    await producer.check("domino-rectificative-accuse")
    assert f"déclaration rectificative n° 1 du {period} est déposée" in await page.inner_text("#depot-enregistre")
    assert await page.locator("#difference").count() == 1
    assert "À payer au plus tard le" in await page.inner_text("#consequence")
    async with api(stack, "declarations", tokens["declarant"]) as http:
        filed = json_of(await http.get(f"/api/v1/declarations/{correction}"))
    due = filed["filing"]["correction"]["difference"]["supplement"]
    assert _amount(supplement.split(":")[1]) == Decimal(due) == Decimal(filed["payment"]["due"])
    # Its payment is the supplement's, to be paid by transfer with its own RF reference.
    await producer.goto(f"/domino/declarations/{correction}")
    assert "Supplément à payer" in await page.inner_text("#paiement")
    assert _fours(filed["payment"]["creditor_reference"]) in await page.inner_text("#virement")
    assert filed["payment"]["creditor_reference"] != original["payment"]["creditor_reference"]
    # The original reads « Remplacée », with a link to the rectificative; the search badges both.
    await producer.goto(f"/domino/declarations/{did}")
    assert (await page.text_content("#badge-remplacee") or "").strip() == "Remplacée"  # shown in capitals
    assert "remplacée par la déclaration rectificative n° 1" in await page.inner_text("#remplacee")
    await producer.goto(f"/domino/recherche?annee={raised_period[0]}&trimestre={raised_period[1]}")
    rows = await page.locator("#resultats tbody tr").all_text_contents()
    assert ["Rectificative n° 1" in row for row in rows] == [True, False] and "Remplacée" in rows[1]

    # The agent's list badges them, each linked.
    agent = await person()
    await agent.sign_in("agent_971")
    await agent.goto(f"/suivi?annee={raised_period[0]}&trimestre={raised_period[1]}&onglet=toutes")
    await agent.check("suivi-rectificative")
    row = (await agent.page.text_content(f"#relation-{RELATION}") or "").replace("\u00a0", " ")
    assert "Remplacée par la rectificative n° 1" in row and "Rectificative n° 1" in row
    assert await agent.page.locator(f'#relation-{RELATION} a[href="/suivi/declarations/{correction}"]').count() == 1

    # A quarter lowered while the next one is a draft: the credit lands in the next quarter's boxes 10 and 22.
    async with api(stack, "declarations", tokens["declarant"]) as http:
        credited = await _lowered(http, lowered_original, "16000.00")
    difference = credited["filing"]["correction"]["difference"]
    assert Decimal(difference["om_credit"]) > 0 and Decimal(difference["supplement"]) == 0
    await producer.goto(f"/domino/declarations/{credited['id']}/accuse")
    assert "Crédit reporté sur votre prochaine déclaration : case 10" in await page.inner_text("#credit-reporte")
    await producer.goto(f"/domino/declarations/{following}/octroi-de-mer")
    await page.wait_for_selector("#montants-calcules", timeout=60_000)
    assert "Report du crédit de la précédente déclaration" in await page.inner_text("#case-10")
    assert _amount(await page.inner_text("#valeur-10")) == Decimal(difference["om_credit"])

    # A phone's width: the receipts and the original, nothing wider than the window.
    narrow = await person(width=360)
    await narrow.sign_in("declarant")
    await narrow.goto(f"/domino/declarations/{correction}/accuse")
    await narrow.goto(f"/domino/declarations/{credited['id']}")
    await narrow.goto(f"/domino/declarations/{did}")
    narrow_agent = await person(width=360)
    await narrow_agent.sign_in("agent_971")
    await narrow_agent.goto(f"/suivi/declarations/{correction}")
    assert not producer.errors and not agent.errors and not narrow.errors and not narrow_agent.errors

    # The next quarter filed: it takes the credit in, none is left waiting for another draft of the relation.
    async with api(stack, "declarations", tokens["declarant"]) as http:
        await _current(http, following)
        json_of(await http.post(f"/api/v1/declarations/{following}/filing"))

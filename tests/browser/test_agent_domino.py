"""DOMINO-NG for the customs agents in the browser (issue 11, item 6): the demo producer files a quarter, the agent
of Guadeloupe finds it in « Déposées » with its total, opens it read-only (boxes, history, PDF), finds the relation
that filed nothing in « Non déposées », exports the tab as CSV; the agent of La Réunion sees none of Guadeloupe's
relations and is refused its declaration in French. Every page checked by axe-core."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import pytest

from devstack.stack import Stack

from browser_support import Opener, Visit, api, json_of

pytestmark = pytest.mark.e2e

YEAR, QUARTER = 2025, 3
"""A past quarter the producer's journeys leave alone (they file the latest ended and the late ones of a year)."""
FILED = "rel-971-0001"  # 0971000123, Distillerie Bellevue, bureau de Pointe-à-Pitre port
NOT_FILED = "rel-971-0002"  # 0971000456, Confiserie Karukera


async def _filed_by_the_producer(stack: Stack, tokens: dict[str, str]) -> tuple[str, str]:
    """The demo declarant files the quarter of rel-971-0001 through the API (late: the quarter is long past); the
    accountant records part of the payment. Returns the declaration and its total due."""
    async with api(stack, "declarations", tokens["declarant"]) as http:
        r = await http.post("/api/v1/declarations", json={"relation_id": FILED, "year": YEAR, "quarter": QUARTER})
        assert r.status_code == 201, r.text
        did: str = r.json()["id"]
        details = {
            "name": "Marie Payet",
            "quality": "representant",
            "place": "Capesterre",
            "payment_method": "virement",
        }
        json_of(await http.put(f"/api/v1/declarations/{did}/declarant", json=details))
        line = {"annex": "A", "nomenclature": "20079910", "price_excl_tax": "12500.00"}
        json_of(await http.post(f"/api/v1/declarations/{did}/lines", json=line))
        async with asyncio.timeout(60):
            while (body := json_of(await http.get(f"/api/v1/declarations/{did}")))["totals"]["status"] != "current":
                await asyncio.sleep(0.2)
        filed = json_of(await http.post(f"/api/v1/declarations/{did}/filing"))
        assert filed["late"]
    async with api(stack, "declarations", tokens["comptable"]) as http:
        payment = {"reference": "VIR-AGENT-1", "amount": "100.00", "paid_on": "2025-11-05", "method": "virement"}
        r = await http.post(f"/api/v1/declarations/{did}/payments", json=payment)
        assert r.status_code == 201, r.text
    return did, str(body["totals"]["total_due"])


def _plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def _euros(amount: str) -> str:
    """`1 250,40 €` as the portal shows an amount (a check of the page, not a formatter of ours)."""
    units, cents = f"{float(amount):.2f}".split(".")
    groups = f"{int(units):,}".replace(",", " ")
    return f"{groups},{cents} €"


async def _choose_quarter(visit: Visit) -> None:
    page = visit.page
    await page.select_option("#annee", str(YEAR))
    await page.select_option("#trimestre", str(QUARTER))
    await page.click("#afficher")
    await page.wait_for_selector(f"#echeance:has-text('{QUARTER}e trimestre {YEAR}')")
    await visit.check()


async def test_an_agent_follows_the_quarter_of_its_offices(
    person: Opener, stack: Stack, tokens: dict[str, str], tmp_path: Path
) -> None:
    declaration_id, total_due = await _filed_by_the_producer(stack, tokens)
    visit = await person()
    page = visit.page
    await visit.sign_in("agent_971")
    await visit.goto("/suivi")
    await visit.check("suivi-trimestre")
    assert await page.inner_text("h1") == "Déclarations d'octroi de mer"
    assert await page.locator("#onglet-deposees[aria-current=page]").count() == 1

    # « Déposées » of the quarter: the declaration, its total and its payment.
    await _choose_quarter(visit)
    assert "Déposées (1)" in await page.inner_text("#onglet-deposees")
    row = _plain(await page.locator(f"#relation-{FILED}").text_content() or "")  # the badge's words, not its caps
    assert "0971000123" in row and "Distillerie Bellevue" in row and "Bureau de Pointe-à-Pitre port" in row
    assert "Déposée hors délai" in row and _euros(total_due) in row and "partiellement payée" in row
    await visit.check("suivi-deposees")

    # Read-only: the boxes, the history, the PDF.
    await page.click(f"#relation-{FILED} a")
    await page.wait_for_selector("#historique")
    await visit.check("suivi-declaration")
    assert page.url.endswith(f"/suivi/declarations/{declaration_id}")
    assert await page.locator("[data-case]").count() == 31
    assert _euros(total_due) in _plain(await page.inner_text("#total-a-payer"))
    history = await page.inner_text("#historique")
    assert "Déclaration déposée" in history and "Paiement enregistré" in history
    assert await page.locator("#contenu form, #contenu input, #contenu button").count() == 0, "read-only"
    async with page.expect_download() as waiting:
        await page.click("#telecharger-pdf")
    pdf = Path(str(await (await waiting.value).path())).read_bytes()
    assert pdf.startswith(b"%PDF")

    # « Non déposées »: the relation that filed nothing, past the 24th.
    await page.click("#retour-liste")
    await page.wait_for_selector("#onglets")
    await page.click("#onglet-non-deposees")
    await page.wait_for_selector(f"#relation-{NOT_FILED}")
    await visit.check("suivi-non-deposees")
    row = await page.locator(f"#relation-{NOT_FILED}").text_content() or ""
    assert "0971000456" in row and "Non déposée, en retard" in row and "Aucune" in row
    assert await page.locator(f"#relation-{FILED}").count() == 0

    # The tab as a spreadsheet: BOM, semicolons, the table's columns, accents intact.
    async with page.expect_download() as waiting:
        await page.click("#exporter")
    download = await waiting.value
    assert download.suggested_filename == f"declarations-971-{YEAR}-T{QUARTER}.csv"
    content = Path(str(await download.path())).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Relation", "Raison sociale", "Bureau", "État", "Déposée le", "Total dû (€)", "Paiement",
                       "Reste à payer (€)", "Rectificatives"]  # fmt: skip
    [karukera] = [r for r in rows[1:] if r[0] == "0971000456"]
    assert karukera[1] == "Confiserie Karukera — atelier de Baie-Mahault" and karukera[3] == "Non déposée, en retard"
    assert all(r[0] != "0971000123" for r in rows[1:])

    # 360 px wide: the table scrolls inside its box, the page does not.
    narrow = await person(width=360)
    await narrow.sign_in("agent_971")
    await narrow.goto(f"/suivi?annee={YEAR}&trimestre={QUARTER}&onglet=toutes")


async def test_an_agent_of_another_territory_sees_none_of_it(
    person: Opener, stack: Stack, tokens: dict[str, str]
) -> None:
    async with api(stack, "declarations", tokens["admin"]) as http:
        found = json_of(await http.get("/api/v1/declarations", params={"relation_id": FILED}))
    guadeloupe = next((d["id"] for d in found["items"]), None)
    if guadeloupe is None:  # this test alone: the producer files first
        guadeloupe, _ = await _filed_by_the_producer(stack, tokens)
    visit = await person(javascript=False)  # the quarter chooser is a plain form
    page = visit.page
    await visit.sign_in("agent_974")
    await visit.goto("/suivi?onglet=toutes")
    await _choose_quarter(visit)
    assert await page.locator("#onglet-toutes[aria-current=page]").count() == 1
    table = await page.inner_text("#declarations")
    assert "0974000789" in table and "0971000" not in table
    assert [await o.get_attribute("value") for o in await page.locator("#bureau option").all()] == ["", "974001"]
    # Another territory's declaration is a page not found, as an unknown one: the page tells nothing of it.
    await visit.goto(f"/suivi/declarations/{guadeloupe}", status=404)
    assert await page.inner_text("h1") == "Page non trouvée"
    assert "0971000123" not in await page.inner_text("#contenu")

"""Pay and reconcile in the browser (issue 22): the producer registers its SEPA B2B mandate in « Mon télépaiement »,
the agent of La Réunion validates it, a quarter filed with télépaiement shows its debit, another filed with
« virement » shows the account and the RF reference to quote; the comptable issues the pain.008 file of the
collection date (valid against the ISO 20022 schema), uploads the bank's camt.053 that settles the debit and the
transfer (« payée »), then one that returns the debit for insufficient funds: the declaration reads « Paiement
rejeté » and the producer gets the mail. Every page checked by axe-core, at 1280 px and a phone's 360 px."""

from __future__ import annotations

import asyncio
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sepaxml
from lxml import etree

from devstack.bank import Statement, Transfer, camt053, debits_of
from devstack.stack import Stack

from browser_support import Opener, Visit, api, json_of

pytestmark = pytest.mark.e2e

RELATION = "rel-974-0001"  # 0974000789, Savonnerie Bourbon, deploy/territories/974
ACCOUNT = "FR063000100000009740000OM96"  # the recette of La Réunion, deploy/territories/974/creditor.yaml
YEAR = 2024
"""Quarters no other journey files (they take the latest ended ones and the late ones of the last year)."""


def _fours(text: str) -> str:
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def _today(stack: Stack) -> date:
    return stack.now().astimezone(ZoneInfo("Indian/Reunion")).date()


async def _filed(stack: Stack, token: str, quarter: int, method: str) -> dict[str, object]:
    """A quarter of the relation filed through the API with a line, once taxcalc has assessed it."""
    async with api(stack, "declarations", token) as http:
        r = await http.post("/api/v1/declarations", json={"relation_id": RELATION, "year": YEAR, "quarter": quarter})
        assert r.status_code == 201, r.text
        did = r.json()["id"]
        details = {"name": "Marie Payet", "quality": "representant", "place": "Le Port", "payment_method": method}
        json_of(await http.put(f"/api/v1/declarations/{did}/declarant", json=details))
        line = {"annex": "A", "nomenclature": "33051000", "price_excl_tax": f"{quarter}0000.00"}
        json_of(await http.post(f"/api/v1/declarations/{did}/lines", json=line))
        async with asyncio.timeout(60):
            while json_of(await http.get(f"/api/v1/declarations/{did}"))["totals"]["status"] != "current":
                await asyncio.sleep(0.2)
        json_of(await http.post(f"/api/v1/declarations/{did}/filing"))
        declaration: dict[str, object] = json_of(await http.get(f"/api/v1/declarations/{did}"))
        return declaration


async def _mandate(visit: Visit) -> None:
    """« Mon télépaiement »: a wrong IBAN refused next to its field, what was typed kept; then registered."""
    page = visit.page
    await visit.goto("/domino")
    await page.get_by_role("button", name=re.compile("0974000789")).click()
    await page.wait_for_url("**/domino/accueil")
    await page.click("#lien-telepaiement")
    await page.wait_for_selector("#formulaire-mandat")
    await visit.check("domino-telepaiement")
    assert await page.locator("#aucun-mandat").count() == 1
    await page.fill("#rum", "RUM-974-0001-2024")
    await page.fill("#iban", "FR76 3000 6000 0112 3456 7890 188")
    await page.fill("#bic", "AGRIFRPPXXX")
    await page.fill("#titulaire", "Savonnerie Bourbon")
    await page.fill("#signature", "02/01/2024")
    await page.click("#enregistrer-mandat")
    await page.wait_for_selector("#iban-message")
    assert "IBAN" in await page.inner_text("#iban-message")
    assert await page.input_value("#rum") == "RUM-974-0001-2024"
    await visit.check()
    await page.fill("#iban", "FR76 3000 6000 0112 3456 7890 189")
    await page.click("#enregistrer-mandat")
    await page.wait_for_selector("#mandat-en-attente")
    await visit.check()


async def _validated_by_the_office(visit: Visit) -> None:
    page = visit.page
    await visit.sign_in("agent_974")
    await visit.goto("/suivi/mandats")
    await visit.check("suivi-mandats")
    section = page.locator(f"#mandat-{RELATION}")
    assert "FR76 3000 6000 0112 3456 7890 189" in (await section.inner_text())
    await page.click(f"#valider-{RELATION}")
    await page.wait_for_selector("#aucun-mandat")
    await visit.check()


async def test_a_producer_pays_by_telepaiement_and_transfer_and_the_comptable_reconciles(
    person: Opener, stack: Stack, tokens: dict[str, str], tmp_path: Path
) -> None:
    producer = await person()
    await producer.sign_in("declarant")
    await _mandate(producer)
    await _validated_by_the_office(await person())
    await producer.goto("/domino/telepaiement")
    assert "RUM-974-0001-2024" in await producer.page.inner_text("#mandat-actif")

    debited = await _filed(stack, tokens["declarant"], 2, "telepaiement")
    transferred = await _filed(stack, tokens["declarant"], 3, "virement")

    # The producer's filed declarations say how each is paid.
    page = producer.page
    await producer.goto(f"/domino/declarations/{debited['id']}")
    await producer.check("domino-paiement-prelevement")
    debit = debited["payment"]["debit"]  # type: ignore[index]
    assert "prélèvement programmé" in await page.inner_text("#prelevement")
    await producer.goto(f"/domino/declarations/{transferred['id']}")
    await producer.check("domino-paiement-virement")
    callout = await page.inner_text("#virement")
    assert _fours(ACCOUNT) in callout  # « FR06 3000 1000 … »: as people copy it
    reference = str(transferred["payment"]["creditor_reference"])  # type: ignore[index]
    assert _fours(reference) in callout

    # The comptable issues the file of the debit's collection date and downloads it.
    comptable = await person()
    await comptable.sign_in("comptable")
    await comptable.goto("/recouvrement?territoire=974")
    await comptable.check("recouvrement-prelevements")
    day = str(debit["collection_date"])  # type: ignore[index]
    await comptable.page.click(f"#emettre-{day}")
    await comptable.page.wait_for_selector("#fichiers")
    await comptable.check("recouvrement-fichiers")
    async with comptable.page.expect_download() as waiting:
        await comptable.page.click("#fichiers a[download]")
    pain = Path(str(await (await waiting.value).path())).read_bytes()
    schema = etree.XMLSchema(etree.parse(str(Path(sepaxml.__file__).parent / "schemas/pain.008.001.02.xsd")))
    assert schema.validate(etree.fromstring(pain)), schema.error_log
    [presented] = debits_of(pain)
    assert presented.end_to_end_id == str(debit["end_to_end_id"])  # type: ignore[index]

    # The bank's statement: the debit settled, the transfer quoting its reference, a credit nobody names.
    today = _today(stack)
    due = transferred["payment"]["due"]  # type: ignore[index]
    settled = tmp_path / "releve-1.xml"
    settled.write_bytes(
        camt053(
            Statement(
                account=ACCOUNT,
                statement_id=f"REL-974-{today:%Y%m%d}-1",
                created_at=stack.now(),
                credits=[presented],
                transfers=[Transfer(Decimal(str(due)), today, "SAVONNERIE BOURBON", reference)],
                booked_on=today,
            )
        )
    )
    await comptable.goto("/recouvrement/releves?territoire=974")
    await comptable.page.set_input_files("#releve", str(settled))
    await comptable.page.click("#deposer-releve")
    await comptable.page.wait_for_selector("#rapport")
    await comptable.check("recouvrement-releve")
    assert "2 paiement(s) rapproché(s)" in await comptable.page.inner_text("#rapport")

    await producer.goto(f"/domino/declarations/{debited['id']}")
    assert (await page.text_content("#etat-paiement") or "").strip() == "payée en retard"
    await producer.goto(f"/domino/declarations/{transferred['id']}")
    assert (await page.text_content("#etat-paiement") or "").strip() == "payée en retard"

    # The debit comes back: insufficient funds.
    returned = tmp_path / "releve-2.xml"
    returned.write_bytes(
        camt053(
            Statement(
                account=ACCOUNT,
                statement_id=f"REL-974-{today:%Y%m%d}-2",
                created_at=stack.now(),
                returns=[(presented, "AM04", today)],
            )
        )
    )
    await comptable.goto("/recouvrement/releves?territoire=974")
    await comptable.page.set_input_files("#releve", str(returned))
    await comptable.page.click("#deposer-releve")
    await comptable.page.wait_for_selector("#rapport")
    assert "1 prélèvement(s) rejeté(s)" in await comptable.page.inner_text("#rapport")
    await producer.goto(f"/domino/declarations/{debited['id']}")
    await producer.check("domino-paiement-rejete")
    assert (await page.text_content("#etat-paiement") or "").strip() == "paiement rejeté"
    assert "provision insuffisante" in await page.inner_text("#paiement-rejete")
    assert await page.locator("#virement").count() == 1  # how to pay it now
    mail = await stack.smtp.maildir.wait_for_async(
        lambda m: "marie.payet@producteur.example" in m["To"] and "Paiement rejeté" in m["Subject"], 60
    )
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None and "provision insuffisante" in str(body.get_content())

    # By card: PayFiP's page (the simulator under test), paid, back on the declaration, paid.
    by_card = await _filed(stack, tokens["declarant"], 1, "carte_bancaire")
    await producer.goto(f"/domino/declarations/{by_card['id']}")
    await page.click("#payer-carte")
    await page.wait_for_selector("#simulateur")
    assert "Octroi de mer OM 974 2024 T1 0974000789" in await page.inner_text("#objet")
    await page.click("#payer")
    await page.wait_for_url(f"**/domino/declarations/{by_card['id']}")
    await producer.check("domino-paiement-carte")
    assert (await page.text_content("#etat-paiement") or "").strip() == "payée en retard"
    assert "Carte bancaire" in await page.inner_text("#paiements")

    # A phone's width: the comptable's statements and the producer's declaration.
    narrow = await person(width=360)
    await narrow.sign_in("comptable")
    await narrow.goto("/recouvrement/releves?territoire=974")
    narrow_producer = await person(width=360)
    await narrow_producer.sign_in("declarant")
    await narrow_producer.goto(f"/domino/declarations/{debited['id']}")
    assert not producer.errors and not comptable.errors

"""The auditors' space in the browser (issue « Audit », item 5): the demo producer drafts a declaration of La Réunion
and adds a line; the auditor lands on « Flux », finds the declaration's stream, reads it before the line and as it
stands, the day before it existed, follows the line's correlation id to the trace across declarations and taxcalc,
and reads the seals and the keyring. A declarant is refused the space; a stream of a territory the auditor does not
audit, or unknown, gives the portal's French page. Every page checked by axe-core, and at 360 px."""

from __future__ import annotations

import asyncio
import uuid
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from devstack.cli import app as devstack
from devstack.stack import Stack

from browser_support import Opener, Visit, api, json_of

pytestmark = pytest.mark.e2e

RELATION = "rel-974-0001"  # the demo producer's relation of La Réunion, which the auditor audits
YEAR, QUARTER = 2025, 2
"""A past quarter the other journeys leave alone."""
NOMENCLATURE = "20079910"


async def _drafted_with_a_line(stack: Stack, tokens: dict[str, str], correlation: str, quarter: int = QUARTER) -> str:
    """The declaration drafted, then a line added under `correlation`; back once taxcalc has assessed it."""
    async with api(stack, "declarations", tokens["declarant"]) as http:
        r = await http.post("/api/v1/declarations", json={"relation_id": RELATION, "year": YEAR, "quarter": quarter})
        assert r.status_code == 201, r.text
        did: str = r.json()["id"]
        line = {"annex": "A", "nomenclature": NOMENCLATURE, "price_excl_tax": "8400.00"}
        json_of(
            await http.post(f"/api/v1/declarations/{did}/lines", json=line, headers={"X-Correlation-Id": correlation})
        )
        async with asyncio.timeout(60):
            while json_of(await http.get(f"/api/v1/declarations/{did}"))["totals"]["status"] != "current":
                await asyncio.sleep(0.2)
    return did


async def _sealed_now(stack: Stack, tokens: dict[str, str]) -> None:
    """An operator seals the logs on demand (the stack's own seals come every few minutes)."""
    for service in ("declarations", "taxcalc"):
        async with api(stack, service, tokens["admin"]) as http:
            assert json_of(await http.post("/api/v1/audit/seals"))["seal"] is not None


def _devstack_trace(stack: Stack, correlation: str) -> str:
    """`devstack trace` against this stack: its ports as `make run`'s would be given, its tokens."""
    ports = {f"{s.name.upper()}_PORT": str(s.port) for s in stack.services}
    runner = CliRunner()
    result = runner.invoke(
        devstack, ["trace", correlation, "--var-dir", str(stack.var_dir)], env={**ports, "COLUMNS": "220"}
    )
    assert result.exit_code == 0, result.output
    return result.output


async def _version_read(visit: Visit) -> int:
    return int(await visit.page.inner_text("#version-atteinte"))


async def test_an_auditor_reads_a_stream_as_it_was_and_follows_its_trace(
    person: Opener, stack: Stack, tokens: dict[str, str]
) -> None:
    correlation = f"audit-parcours-{uuid.uuid4().hex[:12]}"
    declaration_id = await _drafted_with_a_line(stack, tokens, correlation)
    await _sealed_now(stack, tokens)

    visit = await person()
    page = visit.page
    await visit.sign_in("auditor")
    assert page.url.endswith("/audit"), page.url
    assert await page.inner_text("h1") == "Flux"
    await visit.check("audit-flux")

    # « Flux »: the declarations of La Réunion, newest first; the producer's among them.
    await page.select_option("#type", "declaration")
    await page.select_option("#territoire", "974")
    await page.click("#chercher-flux")
    await page.wait_for_selector(f"#flux-{declaration_id}")
    await visit.check()
    row = await page.inner_text(f"#flux-{declaration_id}")
    assert "La Réunion" in row and "Déclaration" in row

    # The stream as it stands: the line in its state, the chain intact, sealed.
    await page.click(f"#flux-{declaration_id} a")
    await page.wait_for_selector("#evenements")
    await visit.check("audit-flux-detail")
    latest = await _version_read(visit)
    assert latest >= 2
    assert NOMENCLATURE in await page.inner_text("#etat")
    assert "intacte" in await page.inner_text("#chaine")
    assert "Scellé par le sceau n°" in await page.inner_text("#sceau")
    assert "Ligne ajoutée" in await page.inner_text("#evenements")

    # At version 1, before the line: the drafted declaration, without it.
    await page.fill("#version", "1")
    await page.click("#lire")
    await page.wait_for_selector("#lecture:has-text('À la version 1')")
    await visit.check()
    assert await _version_read(visit) == 1
    assert NOMENCLATURE not in await page.inner_text("#etat")
    assert await page.locator("#evenements tbody tr").count() == 1

    # At the end of today, in La Réunion: as it stands; the day before, it did not exist yet.
    await page.fill("#version", "")
    await page.fill("#date", stack.now().astimezone(ZoneInfo("Indian/Reunion")).strftime("%d/%m/%Y"))
    await page.click("#lire")
    await page.wait_for_selector("#lecture:has-text('Au ')")
    await visit.check()
    assert await _version_read(visit) == latest
    await page.click("#la-veille")
    await page.wait_for_selector("#aucun-evenement")
    await visit.check()
    assert await _version_read(visit) == 0

    # The line's correlation id: the trace across declarations and taxcalc (which assessed the line).
    await page.click("#aujourd-hui")
    await page.wait_for_selector("#evenements")
    await page.click(f"#evenements a:has-text('{correlation}')")
    await page.wait_for_selector("#trace, #aucune-trace")
    async with asyncio.timeout(60):
        while not await page.locator("#trace tr[data-service=taxcalc]").count():
            await asyncio.sleep(0.5)
            await page.reload()
            await page.wait_for_selector("#trace, #aucune-trace")
    await visit.check("audit-trace")
    assert page.url.endswith(f"/audit/trace/{correlation}")
    assert await page.locator("#trace tr[data-service=declarations]").count() >= 1
    services = await page.inner_text("#services-vus")
    assert "Déclarations" in services and "Calcul des taxes" in services

    # The same trace in the command line.
    printed = await asyncio.to_thread(_devstack_trace, stack, correlation)
    assert "Trace de la corrélation" in printed
    assert "Déclarations" in printed and "Calcul des taxes" in printed and "LineAssessed" in printed

    # The search form leads to the same trace.
    await visit.goto("/audit/trace")
    await page.fill("#correlation", correlation)
    await page.click("#suivre")
    await page.wait_for_selector("#trace")
    assert page.url.endswith(f"/audit/trace/{correlation}")

    # The seals of each service and the keyring.
    await page.click("#nav-sceaux")
    await page.wait_for_selector("#cles")
    await visit.check("audit-sceaux")
    assert await page.locator("#sceaux-declarations tbody tr").count() >= 1
    assert await page.locator("#sceaux-taxcalc tbody tr").count() >= 1
    assert await page.locator("#cles tbody tr").count() >= 4

    # A territory the auditor does not audit (the tariff of Martinique), a stream unknown: the French page.
    await visit.goto("/audit/taxcalc/flux/tariff-972", status=403)
    assert "territoire que vous n'auditez pas" in await page.inner_text("#contenu")
    await visit.goto("/audit/declarations/flux/inconnu-0", status=404)
    assert "inconnu" in await page.inner_text("#contenu")


async def test_the_auditors_pages_read_on_a_phone(person: Opener) -> None:
    """360 px wide: the tariff of La Réunion (published when the stack started), nested lists in its state."""
    correlation = f"audit-telephone-{uuid.uuid4().hex[:12]}"
    visit = await person(width=360)
    await visit.sign_in("auditor")
    await visit.goto("/audit/taxcalc/flux/tariff-974")
    await visit.goto("/audit/taxcalc/flux/tariff-974?version=1")
    await visit.goto(f"/audit/trace/{correlation}")
    assert await visit.page.locator("#aucune-trace").count() == 1
    await visit.goto("/audit/sceaux")
    await visit.goto("/audit?service=taxcalc")


async def test_a_declarant_is_refused_the_auditors_space(person: Opener) -> None:
    visit = await person()
    await visit.sign_in("declarant")
    await visit.goto("/audit", status=403)
    await visit.goto("/audit/sceaux", status=403)


async def test_an_auditor_is_shown_in_red_a_stream_rewritten_after_its_seal(
    person: Opener, stack: Stack, tokens: dict[str, str]
) -> None:
    """The probe's case: someone with database access changes a price to 0,01 after the seal and recomputes every
    hash of the stream. The page said « intacte … Scellé par le sceau n° 4 »; it now says, in red, that the stream
    was rewritten since the seal, and what differs."""
    from pymongo import AsyncMongoClient

    from chassis.eventstore import from_doc, to_doc
    from contracts.envelope import GENESIS_HASH

    declaration_id = await _drafted_with_a_line(stack, tokens, f"reecrit-{uuid.uuid4().hex[:8]}", quarter=3)
    await _sealed_now(stack, tokens)
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(stack.mongo.uri, tz_aware=True)
    try:
        events = client["declarations"]["events"]
        docs = [d async for d in events.find({"stream_id": declaration_id}, sort=[("version", 1)])]
        assert len(docs) >= 2
        prev = GENESIS_HASH
        for doc in docs:
            envelope = from_doc(doc)
            if envelope.type == "LineAdded":
                envelope = envelope.model_copy(update={"data": {**envelope.data, "price_excl_tax": "0.01"}})
            envelope = envelope.chained(prev)
            prev = envelope.hash
            await events.replace_one({"_id": doc["_id"]}, to_doc(envelope))
    finally:
        await client.close()

    visit = await person()
    page = visit.page
    await visit.sign_in("auditor")
    await visit.goto(f"/audit/declarations/flux/{declaration_id}")
    await page.wait_for_selector("#chaine")
    await visit.check("audit-flux-reecrit")
    alert = page.locator("#chaine")
    assert "fr-alert--error" in (await alert.get_attribute("class") or "")
    text = await alert.inner_text()
    assert "Flux réécrit depuis le sceau n°" in text and "intacte" not in text
    assert "scellée avait l'empreinte" in text, text
    assert await page.locator("#sceau").count() == 0, "no « Scellé par » beside a rewritten stream"

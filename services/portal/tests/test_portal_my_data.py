"""« Mes données » and the DPO's space through the portal, on the essoc service in process (decision record 0030;
its app on the embedded MongoDB, its clock the test's; the four backends all reach essoc here): the page from the
header, the JSON and the tagged PDF, a rectification refused next to its field then sent, an erasure decided record
by record; the DPO's list, answer and « Qui a lu quoi », which no one else opens."""

from __future__ import annotations

import html
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo.asynchronous.database import AsyncDatabase

from chassis.http.auth import mint
from chassis.service import Runtime, attach, create_app
from essoc.bootstrap import build
from essoc.entrypoints.http import EssocServices
from essoc.settings import EssocSettings
from portal.app import create_app as create_portal
from portal.settings import PortalSettings

from portal_sign_in import dev_sign_in

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]
SECRET = "my-data-tests-secret-0123456789-abcdefghijkl"
NOW = datetime(2027, 1, 31, 9, 0, tzinfo=UTC)
SIRET = "41234567000019"


class Portal:
    def __init__(self, front: Any, essoc: Any, settings: EssocSettings) -> None:
        self.front, self.essoc, self.settings = front, essoc, settings

    def browser(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.front), base_url="http://portail.test")

    def api(self, **claims: Any) -> httpx.AsyncClient:
        token = mint(self.settings, **claims)
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.essoc),
            base_url="http://essoc",
            headers={"Authorization": f"Bearer {token}"},
        )


async def post(client: httpx.AsyncClient, path: str, data: dict[str, Any], page: str = "") -> httpx.Response:
    shown = await client.get(page or path)
    token = re.search(r'name="csrf" value="([^"]+)"', shown.text)
    assert token, shown.text[:300]
    return await client.post(path, data={"csrf": token.group(1), **data})


def text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))).replace("\u202f", " ")


@pytest.fixture
async def portal(mongo_db: AsyncDatabase[dict[str, Any]], mongo_uri: str) -> AsyncIterator[Portal]:
    settings = EssocSettings(
        mongo_db=mongo_db.name,
        relay_enabled=False,
        consume=False,
        jwt_secret=SECRET,
        company_directory=str(ROOT / "deploy/reference/companies.csv"),
        agent_directory=str(ROOT / "deploy/reference/agents.yaml"),
        topics_file=str(ROOT / "deploy/kafka/topics.yaml"),
    )
    definition = build(settings)
    app = create_app(definition)
    runtime = Runtime(definition, client=mongo_db.client)
    await runtime.wire()
    attach(app, runtime)
    services = runtime.wiring.services
    assert isinstance(services, EssocServices)
    services.clock.now = lambda: NOW
    front = create_portal(
        PortalSettings(
            mongo_uri=mongo_uri,
            mongo_db=mongo_db.name,
            session_secret="a-strong-session-secret-for-the-tests-0123456789",
            dev_login=True,
            dev_jwt_secret=SECRET,
            declarations_url="http://declarations",
            taxcalc_url="http://taxcalc",
            essoc_url="http://essoc",
            demo_users_file=str(ROOT / "deploy/reference/demo-users.yaml"),
            changelog_file=str(ROOT / "CHANGELOG.md"),
        ),
        transport=httpx.ASGITransport(app=app),
    )
    async with front.router.lifespan_context(front):
        yield Portal(front, app, settings)


async def _juda_has_a_draft(portal: Portal) -> str:
    claims = {"sub": "requester-demo", "role": "requester", "name": "Bricot", "given_name": "Juda",
              "email": "juda.bricot@entreprise.example"}  # fmt: skip
    async with portal.api(**claims) as juda:
        r = await juda.post("/api/v1/drafts", json={"requester_type": "entreprise", "siret": SIRET})
        assert r.status_code == 201, r.text
        return str(r.json()["id"])


async def test_a_person_reads_and_downloads_their_data_and_nothing_of_anyone_elses(portal: Portal) -> None:
    draft_id = await _juda_has_a_draft(portal)
    async with portal.browser() as browser:
        await dev_sign_in(browser, "requester")
        page = await browser.get("/mes-donnees")
        exported = await browser.get("/mes-donnees/export.json")
        pdf = await browser.get("/mes-donnees/export.pdf")
    async with portal.browser() as other:
        await dev_sign_in(other, "declarant")
        theirs = await other.get("/mes-donnees/export.json")

    assert page.status_code == 200, page.text[:500]
    assert 'href="/mes-donnees" id="lien-mes-donnees-entete"' in page.text
    shown = text(page.text)
    assert f"Brouillon de demande ESSOC {draft_id}" in shown and "juda.bricot@entreprise.example" in shown
    assert "Conservé jusqu'au" in shown
    assert "Mes sessions ouvertes (1)" in shown  # the portal's own: this sign-in
    assert exported.headers["content-disposition"] == 'attachment; filename="mes-donnees.json"'
    body = exported.json()
    values = [v for answer in body["services"].values() for r in answer["records"] for v in r["values"]]
    assert {"event": "DraftStarted", "field": "requester.email", "value": "juda.bricot@entreprise.example"}.items() <= (
        next(v for v in values if v["field"] == "requester.email").items()
    )
    assert len(body["portal"]["sessions"]) == 1 and body["portal"]["sub"] == "requester-demo"
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert b"/StructTreeRoot" in pdf.content and b"/MarkInfo" in pdf.content
    assert "juda" not in json.dumps(theirs.json()).lower() and draft_id not in theirs.text


async def test_a_rectification_refused_next_to_its_field_then_sent_and_answered_by_the_dpo(portal: Portal) -> None:
    asked = {"data_concerned": "Mon prénom", "what_is_wrong": "Il est écrit Judas", "right_value": " "}
    async with portal.browser() as juda:
        await dev_sign_in(juda, "requester")
        refused = await post(juda, "/mes-donnees/rectification", asked)
        assert refused.status_code == 422
        assert 'id="right_value-message">Indiquez la valeur exacte.</p>' in html.unescape(refused.text)
        assert "Il est écrit Judas</textarea>" in html.unescape(refused.text)
        sent = await post(juda, "/mes-donnees/rectification", {**asked, "right_value": "Juda"})
        assert sent.status_code == 303 and sent.headers["location"] == "/mes-donnees#demandes"
        mine = text((await juda.get("/mes-donnees")).text)
        assert "Rectification DR-2027-000001 Reçue" in mine and "réponse due le 28/02/2027" in mine
        assert (await juda.get("/dpo")).status_code == 403

    async with portal.browser() as agent:
        await dev_sign_in(agent, "agent_971")
        assert (await agent.get("/dpo/lectures")).status_code == 403

    async with portal.browser() as dpo:
        assert (await dev_sign_in(dpo, "dpo")).status_code == 303
        listed = text((await dpo.get("/dpo")).text)
        assert "DR-2027-000001 Rectification Juda Bricot" in listed and "0 en retard" in listed
        url = "/dpo/demandes/DR-2027-000001/decision"
        no_reason = await post(dpo, url, {"outcome": "accordee", "reason": ""}, page="/dpo/demandes/DR-2027-000001")
        assert no_reason.status_code == 422 and 'id="reason-message"' in no_reason.text
        done = await post(dpo, url, {"outcome": "accordee", "reason": "Prénom corrigé."}, page=url.rsplit("/", 1)[0])
        assert done.status_code == 303
        reads = await dpo.get("/dpo/lectures", params={"from": "31/02/2027"})
        assert reads.status_code == 422 and 'id="from-message"' in reads.text
        async with portal.api(sub="agent-971", role="agent", territories=["971"]) as agent_api:
            assert (await agent_api.get("/api/v1/instruction/requests")).status_code == 200
        reads = await dpo.get("/dpo/lectures", params={"reader": "agent-971"})
        assert reads.status_code == 200
        assert "agent-971 Agent des douanes Demandes ESSOC instruction/requests" in text(reads.text)

    async with portal.browser() as juda:
        await dev_sign_in(juda, "requester")
        assert "Réponse : Prénom corrigé." in text((await juda.get("/mes-donnees")).text)


async def test_an_erasure_is_decided_record_by_record(portal: Portal) -> None:
    draft_id = await _juda_has_a_draft(portal)
    async with portal.browser() as juda:
        await dev_sign_in(juda, "requester")
        form = await juda.get("/mes-donnees/effacement")
        assert form.status_code == 200 and f'value="essoc:{draft_id}"' in form.text
        none = await post(juda, "/mes-donnees/effacement", {})
        assert none.status_code == 422 and 'id="records-message"' in none.text
        sent = await post(juda, "/mes-donnees/effacement", {"records": f"essoc:{draft_id}"})
        assert sent.status_code == 303
        mine = text((await juda.get("/mes-donnees")).text)

    assert "Effacement DR-2027-000001" in mine
    assert f"Brouillon de demande ESSOC {draft_id} : effacement accordé ." in mine
    assert "Aucune obligation légale ne conserve un brouillon : il est supprimé." in mine

"""« Demande d'assistance » through the portal on the essoc service in process (decision record 0028; its app on
the embedded MongoDB, its clock the test's): reached from the footer of every page and from an error page with its
incident reference prefilled, by a person of any role (after signing in when not); a refusal shown next to its field
with what was typed kept; the ticket's page and « Mes demandes d'assistance »; the agents' queue and their answer."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from pymongo.asynchronous.database import AsyncDatabase

from chassis.service import Runtime, attach, create_app
from essoc.bootstrap import build
from essoc.entrypoints.http import EssocServices
from essoc.settings import EssocSettings
from portal.app import create_app as create_portal
from portal.settings import PortalSettings

from portal_sign_in import dev_sign_in

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]
SECRET = "assistance-tests-secret-0123456789-abcdefghij"
NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FORM = {
    "subject": "Erreur à l'envoi",
    "category": "domino",
    "gravity": "bloquant",
    "description": "La page affiche une erreur.",
    "incident_reference": "c0ffee-1234",
}


@dataclass
class Browsers:
    front: Any

    def new(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.front), base_url="http://portail.test")


async def post(client: httpx.AsyncClient, path: str, data: dict[str, str], files: Any = None, page: str = "") -> Any:
    shown = await client.get(page or path)
    token = re.search(r'name="csrf" value="([^"]+)"', shown.text)
    assert token, shown.text[:300]
    return await client.post(path, data={"csrf": token.group(1), **data}, files=files)


def text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))).replace("\u202f", " ")


@pytest.fixture
async def browsers(mongo_db: AsyncDatabase[dict[str, Any]], mongo_uri: str) -> AsyncIterator[Browsers]:
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
        yield Browsers(front)


async def test_someone_not_signed_in_signs_in_first_then_comes_back_to_the_form(browsers: Browsers) -> None:
    async with browsers.new() as browser:
        r = await browser.get("/assistance/nouvelle?reference=c0ffee-1234")

    assert r.status_code == 303
    assert r.headers["location"] == "/connexion?suite=" + quote("/assistance/nouvelle?reference=c0ffee-1234", safe="")


@pytest.mark.parametrize("user", ["comptable", "auditor", "declarant", "agent_971"])
async def test_a_person_of_any_role_opens_the_form_prefilled_from_the_footer(browsers: Browsers, user: str) -> None:
    async with browsers.new() as browser:
        assert (await dev_sign_in(browser, user)).status_code == 303
        page = await browser.get("/assistance/nouvelle?reference=c0ffee-1234")

    assert page.status_code == 200, page.text[:500]
    assert 'href="/assistance/nouvelle"' in page.text  # the footer's « Assistance »
    assert re.search(r'name="incident_reference"\s+value="c0ffee-1234"', page.text)
    assert "Jusqu'à 5 fichiers" in text(page.text)


async def test_a_refusal_is_shown_next_to_its_field_and_keeps_what_was_typed(browsers: Browsers) -> None:
    async with browsers.new() as browser:
        await dev_sign_in(browser, "declarant")
        r = await post(browser, "/assistance/nouvelle", {**FORM, "subject": " "})

        assert r.status_code == 422
        page = html.unescape(r.text)
        assert "<title>Erreur — Demande d'assistance" in page
        assert 'id="subject-message">Saisissez l\'objet de votre demande.</p>' in page
        assert "La page affiche une erreur.</textarea>" in page
        assert (await browser.get("/assistance")).text.count('id="assistance-AS-') == 0


async def test_six_files_are_refused_next_to_the_field_with_what_was_typed_kept(browsers: Browsers) -> None:
    async with browsers.new() as browser:
        await dev_sign_in(browser, "declarant")
        six = [("file", (f"capture-{i}.png", PNG, "image/png")) for i in range(6)]
        r = await post(browser, "/assistance/nouvelle", FORM, files=six)

        page = html.unescape(r.text)
        assert r.status_code == 422
        assert 'id="file-message">Joignez 5 fichiers au plus' in page
        assert "La page affiche une erreur.</textarea>" in page
        assert (await browser.get("/assistance")).text.count('id="assistance-AS-') == 0


async def test_the_person_files_the_agent_answers_from_the_queue_and_the_person_reads_it(browsers: Browsers) -> None:
    async with browsers.new() as marie, browsers.new() as agent:
        await dev_sign_in(marie, "declarant")
        sent = await post(marie, "/assistance/nouvelle", FORM, files={"file": ("capture.png", PNG, "image/png")})
        assert sent.status_code == 303 and sent.headers["location"] == "/assistance/AS-2026-000001"
        page = await marie.get("/assistance/AS-2026-000001")
        assert "envoyée sous le numéro AS-2026-000001" in text(page.text)
        assert "c0ffee-1234" in page.text and "capture.png" in page.text
        assert "En attente de réponse" in text((await marie.get("/assistance")).text)

        await dev_sign_in(agent, "agent_971")
        queue = await agent.get("/instruction/assistance")
        assert 'href="/assistance/AS-2026-000001"' in queue.text and "Marie Payet" in text(queue.text)
        assert 'href="/instruction/assistance" aria-current="page"' in queue.text
        refused = await post(
            agent, "/assistance/AS-2026-000001/reponse", {"text": ""}, page="/assistance/AS-2026-000001"
        )
        assert refused.status_code == 422 and 'id="text-message"' in refused.text
        answered = await post(
            agent, "/assistance/AS-2026-000001/reponse", {"text": "Videz le cache."}, page="/assistance/AS-2026-000001"
        )
        assert answered.status_code == 303

        seen = text((await marie.get("/assistance/AS-2026-000001")).text)
        assert "Assistance — Joseph Lubin" in seen and "Videz le cache." in seen and "Répondue" in seen
        closed = await post(marie, "/assistance/AS-2026-000001/cloture", {}, page="/assistance/AS-2026-000001")
        assert closed.status_code == 303
        assert "Cette demande est close" in text((await marie.get("/assistance/AS-2026-000001")).text)


async def test_another_person_does_not_see_the_ticket_and_only_agents_open_the_queue(browsers: Browsers) -> None:
    async with browsers.new() as marie, browsers.new() as juda:
        await dev_sign_in(marie, "declarant")
        await post(marie, "/assistance/nouvelle", FORM)
        await dev_sign_in(juda, "requester")

        assert (await juda.get("/assistance/AS-2026-000001")).status_code == 404
        assert (await juda.get("/instruction/assistance")).status_code == 403


async def test_an_error_page_with_an_incident_reference_links_to_the_form_with_it(browsers: Browsers) -> None:
    async with browsers.new() as browser:
        await dev_sign_in(browser, "declarant")
        refused = await browser.post("/assistance/nouvelle", data={"csrf": "not-the-session-s", **FORM})

    assert refused.status_code == 403
    reference = re.search(r'<strong id="reference">([^<]+)</strong>', refused.text)
    assert reference, refused.text[-2000:]
    assert f'href="/assistance/nouvelle?reference={reference.group(1)}"' in refused.text

"""The answer deadline of a rescrit as the portal shows it: « 3 mois à compter de la recevabilité » until the request
is judged admissible, then the date 3 months after that decision (OGDE manual § 1.3), on the requester's detail,
the agents' board, its export and the request's page. The portal on the essoc service in process (its app on the
embedded MongoDB, its clock the test's), signed in through the development sign-in."""

from __future__ import annotations

import csv
import io
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
SECRET = "ogde-deadline-tests-secret-0123456789-abcdefghij"
FILED = datetime(2026, 3, 10, 13, tzinfo=UTC)  # 09:00 in Guadeloupe
ADMITTED = datetime(2026, 4, 15, 14, tzinfo=UTC)  # 10:00 in Guadeloupe
TODAY = datetime(2026, 5, 1, 12, tzinfo=UTC)
USERS = {
    "requester": {"sub": "requester-demo", "role": "requester", "name": "Bricot", "given_name": "Juda",
                  "email": "juda.bricot@entreprise.example"},
    "agent_971": {"sub": "agent-971", "role": "agent", "name": "Lubin", "given_name": "Joseph",
                  "email": "joseph.lubin@douane.example", "territories": ["971"], "directorates": ["dr-guadeloupe"]},
}  # fmt: skip
RESCRIT = {
    "requester_type": "entreprise",
    "siret": "41234567000019",
    "nature": "rescrit",
    "category": "octroi-de-mer",
    "sub_category": "dr-guadeloupe",
    "fields": [{"domain": "octroi-de-mer", "sub_domain": "octroi de mer interne"}],
    "subject": "Taux d'octroi de mer applicable au rhum vieux",
    "description": "Quel taux s'applique à nos ventes de rhum vieux en Guadeloupe ?",
}
PENDING = "3 mois à compter de la recevabilité"


class Desk:
    """The essoc service, its clock, and a portal in front of it."""

    def __init__(self, service: httpx.AsyncClient, portal: httpx.AsyncClient, services: EssocServices) -> None:
        self.service = service
        self.portal = portal
        self.services = services

    def at(self, moment: datetime) -> None:
        self.services.clock.now = lambda: moment

    async def api(self, user: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {mint(EssocSettings(jwt_secret=SECRET), **USERS[user])}"}
        r = await self.service.request(method, path, headers=headers, **kwargs)
        assert r.status_code in (200, 201), r.text
        return dict(r.json())

    async def filed(self, body: dict[str, Any] = RESCRIT) -> dict[str, Any]:
        self.at(FILED)
        request = await self.api("requester", "POST", "/api/v1/requests", json=body)
        await self.api("agent_971", "POST", f"/api/v1/requests/{request['id']}/take-charge")
        self.at(TODAY)
        return request

    async def admit(self, request: dict[str, Any]) -> None:
        self.at(ADMITTED)
        await self.api("agent_971", "POST", f"/api/v1/requests/{request['id']}/admissibility", json={"decision": "oui"})
        self.at(TODAY)

    async def page(self, user: str, path: str, **params: str) -> str:
        assert (await dev_sign_in(self.portal, user)).status_code == 303
        r = await self.portal.get(path, params=params)
        assert r.status_code == 200, r.text
        return r.text


@pytest.fixture
async def desk(mongo_db: AsyncDatabase[dict[str, Any]], mongo_uri: str) -> AsyncIterator[Desk]:
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
    transport = httpx.ASGITransport(app=app)
    portal = create_portal(
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
        transport=transport,
    )
    async with (
        portal.router.lifespan_context(portal),
        httpx.AsyncClient(transport=transport, base_url="http://essoc") as service,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=portal), base_url="http://portail.test") as browser,
    ):
        yield Desk(service, browser, services)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u202f", " ").replace("\u00a0", " ")


def _part(html: str, pattern: str) -> str:
    found = re.search(pattern, html, re.S)
    assert found, pattern
    return _text(found.group(0)).strip()


async def _export(desk: Desk, number: int) -> dict[str, str]:
    r = await desk.portal.get("/instruction/export.csv", params={"onglet": "suivies"})
    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    [row] = [dict(zip(rows[0], r, strict=True)) for r in rows[1:] if r[0] == str(number)]
    return row


async def test_before_admissibility_the_deadline_reads_3_months_from_admissibility(desk: Desk) -> None:
    request = await desk.filed()
    number = request["number"]
    detail = await desk.page("requester", f"/ogde/demandes/{number}")
    assert _part(detail, r'<p[^>]*id="delai-reponse".*?</p>') == f"Délai de réponse : {PENDING}."
    assert "Réponse attendue" not in detail
    board = await desk.page("agent_971", "/instruction", onglet="suivies")
    assert PENDING in _part(board, rf'<tr id="demande-{number}">.*?</tr>')
    page = await desk.page("agent_971", f"/instruction/demandes/{number}")
    assert _part(page, r'<p[^>]*id="echeance".*?</p>') == f"Délai de réponse : {PENDING}"
    assert "repartir" not in page
    row = await _export(desk, number)
    assert (row["Échéance"], row["Jours restants"]) == (PENDING, "")


async def test_once_admissible_the_deadline_is_3_months_after_the_decision(desk: Desk) -> None:
    request = await desk.filed()
    number = request["number"]
    await desk.admit(request)
    detail = await desk.page("requester", f"/ogde/demandes/{number}")
    shown = _part(detail, r'<p[^>]*id="delai-reponse".*?</p>')
    assert shown.startswith("Réponse attendue au plus tard le 15/07/2026") and shown.endswith(f"({PENDING}).")
    board = await desk.page("agent_971", "/instruction", onglet="suivies")
    row = _part(board, rf'<tr id="demande-{number}">.*?</tr>')
    assert "15/07/2026" in row and "75 jours restants" in row and PENDING not in row
    page = await desk.page("agent_971", f"/instruction/demandes/{number}")
    assert _part(page, r'<p[^>]*id="echeance".*?</p>') == "le 15/07/2026 — 75 jours restants"
    exported = await _export(desk, number)
    assert (exported["Échéance"], exported["Jours restants"]) == ("15/07/2026", "75")


async def test_a_droit_au_controle_shows_no_deadline(desk: Desk) -> None:
    control = RESCRIT | {"nature": "droit_au_controle", "category": "dr-guadeloupe", "sub_category": None,
                         "fields": [{"domain": "alcools-et-boissons",
                                     "sub_domain": "cotisation sur les boissons alcooliques"}]}  # fmt: skip
    request = await desk.filed(control)
    number = request["number"]
    detail = await desk.page("requester", f"/ogde/demandes/{number}")
    assert 'id="delai-reponse"' not in detail and "Réponse attendue" not in detail
    board = await desk.page("agent_971", "/instruction", onglet="suivies")
    assert PENDING not in _part(board, rf'<tr id="demande-{number}">.*?</tr>')
    page = await desk.page("agent_971", f"/instruction/demandes/{number}")
    assert 'id="echeance"' not in page

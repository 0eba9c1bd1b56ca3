"""« Nouvelle demande » as a draft (decision record 0026), through the portal on the essoc service in process (its
app on the embedded MongoDB, its clock the test's): each step saved to the draft and checked then (a metropolitan
directorate neither offered nor accepted at step 2), « Brouillons » to resume it, files kept at their step (a sixth
refused, the others kept), « Récapitulatif » before « Créer la demande », « Annuler » confirmed before deleting."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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
SECRET = "ogde-drafts-tests-secret-0123456789-abcdefghij"
NOW = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # 10:00 in Guadeloupe; 90 days later: 1 March 2027
PDF = b"%PDF-1.4\nfiche produit\n"


class Portal:
    def __init__(self, client: httpx.AsyncClient, services: EssocServices) -> None:
        self.client = client
        self.services = services

    async def csrf(self, path: str) -> str:
        page = await self.client.get(path)
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found, page.text[:300]
        return found.group(1)

    async def post(self, path: str, data: dict[str, Any], files: Any = None, page: str | None = None) -> httpx.Response:
        token = await self.csrf(page or path)
        return await self.client.post(path, data={"csrf": token, **data}, files=files)

    async def draft(self) -> str:
        """Steps 1 to 3 saved: a particulier's rescrit to DR Guadeloupe on one field; returns its address."""
        r = await self.post("/ogde/nouvelle-demande", {"requester_type": "particulier", "action": "suivant"})
        assert r.status_code == 303, r.text
        base = r.headers["location"].removesuffix("/caracteristiques")
        step = {"nature": "rescrit", "category": "octroi-de-mer", "sub_category": "dr-guadeloupe", "action": "suivant"}
        assert (await self.post(f"{base}/caracteristiques", step)).headers["location"] == f"{base}/champs"
        champ = {"fields": "octroi-de-mer::octroi de mer interne", "action": "suivant"}
        assert (await self.post(f"{base}/champs", champ)).headers["location"] == f"{base}/demande"
        return base


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
    async with (
        front.router.lifespan_context(front),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=front), base_url="http://portail.test") as client,
    ):
        assert (await dev_sign_in(client, "requester")).status_code == 303
        yield Portal(client, services)


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))).replace("\u202f", " ").replace("\xa0", " ")


async def test_each_step_is_saved_checked_then_and_resumed_from_brouillons(portal: Portal) -> None:
    first = await portal.client.get("/ogde/nouvelle-demande")
    assert "90 jours" in _text(first.text)
    base = await portal.draft()
    step2 = await portal.client.get(f"{base}/caracteristiques")
    assert 'value="dr-guadeloupe" selected' in step2.text
    assert "dr-lyon" not in step2.text, "a directorate this deployment does not serve is not offered"
    # forged anyway: refused at step 2, next to its field, what was typed kept
    lyon = {"nature": "rescrit", "category": "octroi-de-mer", "sub_category": "dr-lyon", "action": "suivant"}
    refused = await portal.post(f"{base}/caracteristiques", lyon)
    assert refused.status_code == 422
    message = re.search(r'<p class="fr-error-text" id="sub_category-message">([^<]+)</p>', refused.text)
    assert message and "DR Lyon n'est pas servie par ce déploiement" in html.unescape(message.group(1))
    assert 'value="octroi-de-mer" selected' in refused.text
    # « Mes demandes », « Brouillons »: its last change, the day it will be deleted, « Reprendre » where it was left
    listed = await portal.client.get("/ogde/demandes", params={"onglet": "brouillons"})
    row = _text(re.search(r'<tr id="brouillon-1">.*?</tr>', listed.text, re.S).group(0))  # type: ignore[union-attr]
    assert "01/12/2026" in row and "01/03/2027" in row and "octroi de mer" in row
    assert f'href="{base}/demande"' in listed.text
    assert "Brouillons (1)" in _text(listed.text) and "90 jours" in _text(listed.text)
    step4 = await portal.client.get(f"{base}/demande")
    assert "le 01/03/2027 s'il n'est pas modifié" in _text(step4.text)


async def test_files_stay_with_the_draft_and_the_summary_comes_before_creating_it(portal: Portal) -> None:
    base = await portal.draft()
    text = {"subject": "Taux du rhum vieux", "description": "Quel taux s'applique ?", "action": "suivant"}
    assert (await portal.post(f"{base}/demande", text)).headers["location"] == f"{base}/pieces"
    pieces = await portal.client.get(f"{base}/pieces")
    limits = _text(pieces.text)
    assert limits.index("jusqu'à 5 fichiers") < limits.index("Joindre le fichier"), "the limits come before the input"
    assert "20 Mo" in limits
    two = [("files", (f"fiche-{n}.pdf", PDF, "application/pdf")) for n in range(2)]
    assert (await portal.post(f"{base}/pieces", {"action": "joindre"}, files=two)).status_code == 303
    four = [("files", (f"annexe-{n}.pdf", PDF, "application/pdf")) for n in range(4)]
    refused = await portal.post(f"{base}/pieces", {"action": "suivant"}, files=four)
    assert refused.status_code == 422 and "vous pouvez en joindre encore 3" in _text(refused.text)
    assert "fiche-0.pdf" in refused.text and "fiche-1.pdf" in refused.text
    six = [("files", (f"annexe-{n}.pdf", PDF, "application/pdf")) for n in range(6)]
    refused = await portal.post(f"{base}/pieces", {"action": "joindre"}, files=six)
    assert refused.status_code == 422 and "plus de 5 fichiers" in _text(refused.text) and "fiche-1.pdf" in refused.text
    assert (await portal.post(f"{base}/pieces", {"action": "retour"})).headers["location"] == f"{base}/demande"
    summary = _text((await portal.client.get(f"{base}/recapitulatif")).text)
    for typed in ("Particulier", "rescrit sur une situation de fait", "DR Guadeloupe", "octroi de mer interne",
                  "Taux du rhum vieux", "Quel taux s'applique ?", "fiche-0.pdf", "fiche-1.pdf"):  # fmt: skip
        assert typed in summary, typed
    created = await portal.post(f"{base}/recapitulatif", {"action": "creer"})
    assert created.status_code == 303 and created.headers["location"].startswith("/ogde/demandes/")
    detail = _text((await portal.client.get(created.headers["location"])).text)
    assert "fiche-0.pdf" in detail and "fiche-1.pdf" in detail
    assert "Brouillons (0)" in _text((await portal.client.get("/ogde/demandes")).text)


async def test_annuler_asks_first_then_deletes_the_draft_and_its_files(portal: Portal) -> None:
    base = await portal.draft()
    one = [("files", ("fiche.pdf", PDF, "application/pdf"))]
    assert (await portal.post(f"{base}/pieces", {"action": "joindre"}, files=one)).status_code == 303
    asked = await portal.client.get(f"{base}/annulation", params={"retour": "pieces"})
    assert "Abandonner cette demande ?" in asked.text and "la pièce jointe" in asked.text
    assert f'href="{base}/pieces"' in asked.text, "« Non » goes back to the step left"
    assert await portal.services.blobs.files.count_documents({}) == 1
    done = await portal.post(f"{base}/annulation", {}, page=f"{base}/annulation")
    assert done.headers["location"] == "/ogde/demandes?onglet=brouillons"
    assert await portal.services.blobs.files.count_documents({}) == 0
    gone = await portal.client.get(f"{base}/demande")
    assert gone.status_code == 410 and "vous l'avez abandonné" in _text(gone.text)

"""The agents' « Déclarations d'octroi de mer » in process: the portal on the declarations service (its app on the
embedded MongoDB, its clock the test's), signed in through the development sign-in. The quarter chooser, the tabs
and their counts, the pages, the CSV, one declaration read-only with its PDF, and who is refused what."""

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
from declarations.bootstrap import build
from declarations.settings import DeclarationsSettings
from portal.app import create_app as create_portal
from portal.settings import PortalSettings

from portal_sign_in import dev_sign_in

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]
SECRET = "suivi-tests-secret-0123456789-abcdefghijklmnop"
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


class Desk:
    """The declarations service, and a portal in front of it."""

    def __init__(self, service: httpx.AsyncClient, portal: httpx.AsyncClient, clock: Clock) -> None:
        self.service = service
        self.portal = portal
        self.clock = clock

    async def sign_in(self, user: str) -> None:
        r = await dev_sign_in(self.portal, user)
        assert r.status_code == 303, r.text

    async def file(self, relation_id: str, year: int, quarter: int, *, at: datetime, total_due: str, db: Any) -> str:
        """Filed by the demo declarant at `at`, with taxcalc's totals as its projection leaves them."""
        declarant = {"Authorization": f"Bearer {_token('declarant')}"}
        self.clock.now = at
        r = await self.service.post(
            "/api/v1/declarations", json={"relation_id": relation_id, "year": year, "quarter": quarter},
            headers=declarant,
        )  # fmt: skip
        assert r.status_code == 201, r.text
        did: str = r.json()["id"]
        details = {
            "name": "Marie Payet",
            "quality": "representant",
            "place": "Capesterre",
            "payment_method": "virement",
        }
        r = await self.service.put(f"/api/v1/declarations/{did}/declarant", json=details, headers=declarant)
        assert r.status_code == 200, r.text
        boxes = {"14": total_due, "15": total_due, "27": "0.00"}
        totals = {"version": r.json()["version"], "complete": True, "boxes": boxes, "total_due": total_due,
                  "warnings": [], "errors": []}  # fmt: skip
        await db["declarations"].update_one({"_id": did}, {"$set": {"totals": totals}})
        r = await self.service.post(f"/api/v1/declarations/{did}/filing", headers=declarant)
        assert r.status_code == 200, r.text
        self.clock.now = NOW
        return did


USERS = {
    "declarant": {"sub": "declarant-demo", "role": "declarant", "email": "marie.payet@producteur.example",
                  "relations": ["rel-971-0001", "rel-971-0002", "rel-974-0001"]},
    "comptable": {"sub": "comptable-demo", "role": "comptable", "territories": ["971", "974"]},
}  # fmt: skip


def _token(user: str) -> str:
    return mint(DeclarationsSettings(jwt_secret=SECRET), **USERS[user])


@pytest.fixture
async def desk(mongo_db: AsyncDatabase[dict[str, Any]], mongo_uri: str) -> AsyncIterator[Desk]:
    settings = DeclarationsSettings(
        mongo_db=mongo_db.name,
        relay_enabled=False,
        consume=False,
        jwt_secret=SECRET,
        territories=["971", "974"],
        reference_dir=str(ROOT / "deploy/territories"),
        topics_file=str(ROOT / "deploy/kafka/topics.yaml"),
        reminders_enabled=False,
    )
    clock = Clock()
    definition = build(settings, clock=clock)
    app = create_app(definition)
    runtime = Runtime(definition, client=mongo_db.client)
    await runtime.wire()
    attach(app, runtime)
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
        httpx.AsyncClient(transport=transport, base_url="http://declarations") as service,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=portal), base_url="http://portail.test") as browser,
    ):
        yield Desk(service, browser, clock)


@pytest.fixture
async def filed(desk: Desk, mongo_db: AsyncDatabase[dict[str, Any]]) -> str:
    """The 3rd quarter of 2025: rel-971-0001 filed 10 days late and partly paid; rel-971-0002 filed nothing."""
    did = await desk.file("rel-971-0001", 2025, 3, at=datetime(2025, 11, 3, 14, tzinfo=UTC), total_due="1250.40",
                          db=mongo_db)  # fmt: skip
    payment = {"reference": "VIR-2025-77", "amount": "1000.00", "paid_on": "2025-11-05", "method": "virement"}
    r = await desk.service.post(
        f"/api/v1/declarations/{did}/payments", json=payment,
        headers={"Authorization": f"Bearer {_token('comptable')}"},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    return did


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u202f", " ").replace("\u00a0", " ")


async def test_the_page_opens_on_the_latest_quarter_ended_with_its_tabs(desk: Desk) -> None:
    await desk.sign_in("agent_971")
    r = await desk.portal.get("/suivi")
    assert r.status_code == 200, r.text
    assert "<h1>Déclarations d'octroi de mer</h1>" in r.text
    assert '<option value="2026" selected>' in r.text and '<option value="3" selected>' in r.text
    text = _text(r.text)
    assert "3e trimestre 2026 : déclarations et paiements attendus au plus tard le 24/10/2026" in text
    assert "Déposées (0)" in text and "Non déposées (2)" in text and "En retard (2)" in text and "Toutes (2)" in text
    assert "Aucune relation dans l'onglet « Déposées » pour le 3e trimestre 2026." in text
    assert 'href="/suivi/export.csv?annee=2026&amp;trimestre=3&amp;onglet=deposees"' in r.text


async def test_a_filed_declaration_is_listed_with_its_total_and_payment(desk: Desk, filed: str) -> None:
    await desk.sign_in("agent_971")
    r = await desk.portal.get("/suivi", params={"annee": "2025", "trimestre": "3"})
    text = _text(r.text)
    assert "Déposées (1)" in text and "Non déposées (1)" in text and "En retard (2)" in text
    row = _text(re.search(r'<tr id="relation-rel-971-0001">.*?</tr>', r.text, re.S).group(0))  # type: ignore[union-attr]
    assert "0971000123" in row and "Distillerie Bellevue — site de Capesterre" in row
    assert "Bureau de Pointe-à-Pitre port" in row and "Déposée hors délai" in row
    assert "03/11/2025 à 10:00" in row and "1 250,40 €" in row and "partiellement payée, reste 250,40 €" in row
    assert f'href="/suivi/declarations/{filed}"' in r.text
    r = await desk.portal.get("/suivi", params={"annee": "2025", "trimestre": "3", "onglet": "non-deposees"})
    row = _text(re.search(r'<tr id="relation-rel-971-0002">.*?</tr>', r.text, re.S).group(0))  # type: ignore[union-attr]
    assert "0971000456" in row and "Non déposée, en retard" in row and "Aucune" in row
    assert "rel-974-0001" not in r.text


async def test_the_office_filter_and_a_wrong_quarter(desk: Desk, filed: str) -> None:
    await desk.sign_in("agent_971")
    r = await desk.portal.get("/suivi", params={"annee": "2025", "trimestre": "3", "bureau": "971002",
                                                "onglet": "toutes"})  # fmt: skip
    assert "relation-rel-971-0002" in r.text and "relation-rel-971-0001" not in r.text
    assert '<option value="971002" selected>Bureau de Pointe-à-Pitre aéroport (971002)</option>' in r.text
    r = await desk.portal.get("/suivi", params={"annee": "2004", "trimestre": "1"})
    assert r.status_code == 422
    assert 'id="annee-message"' in r.text and "1er août 2004" in r.text


async def test_the_export_is_a_french_spreadsheet_of_every_row_of_the_tab(desk: Desk, filed: str) -> None:
    await desk.sign_in("agent_971")
    r = await desk.portal.get("/suivi/export.csv", params={"annee": "2025", "trimestre": "3", "onglet": "en-retard"})
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"] == 'attachment; filename="declarations-971-2025-T3.csv"'
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Relation", "Raison sociale", "Bureau", "État", "Déposée le", "Total dû (€)", "Paiement",
                       "Reste à payer (€)", "Rectificatives"]  # fmt: skip
    assert len(rows) == 3
    filed_row = next(row for row in rows if row[0] == "0971000123")
    assert filed_row[1] == "Distillerie Bellevue — site de Capesterre" and filed_row[3] == "Déposée hors délai"
    assert (filed_row[4], filed_row[5]) == ("03/11/2025 10:00", "1250,40")  # what a spreadsheet computes with
    assert (filed_row[6], filed_row[7]) == ("partiellement payée", "250,40")


async def test_a_declaration_opens_read_only_with_its_boxes_history_and_pdf(desk: Desk, filed: str) -> None:
    await desk.sign_in("agent_971")
    r = await desk.portal.get(f"/suivi/declarations/{filed}")
    assert r.status_code == 200, r.text
    text = _text(r.text)
    assert "Déclaration du 3e trimestre 2025 — relation n° 0971000123" in text
    assert "hors délai (10 jours de retard)" in text and "Bureau de Pointe-à-Pitre port (971001)" in text
    assert 'data-case="15">1 250,40' in r.text.replace("\u202f", " ") and 'id="recap-omr"' in r.text
    assert "Déclaration déposée" in text and "Paiement enregistré" in text and "VIR-2025-77" in text
    content = r.text.split('id="contenu"')[1].split('<dialog id="fin-de-session"')[0]  # the session's own dialog apart
    assert "<form" not in content, "nothing to change on this page"
    pdf = await desk.portal.get(f"/suivi/declarations/{filed}/declaration.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


async def test_another_territory_and_other_profiles_are_refused_in_french(desk: Desk, filed: str) -> None:
    await desk.sign_in("agent_974")
    r = await desk.portal.get(f"/suivi/declarations/{filed}")
    assert r.status_code == 404 and "Page non trouvée" in r.text and "0971000123" not in r.text
    assert (await desk.portal.get(f"/suivi/declarations/{filed}/declaration.pdf")).status_code == 404
    r = await desk.portal.get("/suivi", params={"annee": "2025", "trimestre": "3", "onglet": "toutes"})
    assert "relation-rel-974-0001" in r.text and "0971000" not in r.text
    assert (await desk.portal.get("/suivi/declarations/decl-inconnue")).status_code == 404
    await desk.sign_in("declarant")
    r = await desk.portal.get("/suivi")
    assert r.status_code == 403 and "Votre profil ne donne pas accès à cette page." in r.text

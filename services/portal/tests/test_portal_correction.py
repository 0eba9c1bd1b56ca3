"""The déclaration rectificative in the portal, in process: the portal on the declarations service (its app on the
embedded MongoDB, its clock the test's), taxcalc's totals and difference written as its projection leaves them.
« Rectifier cette déclaration » opens the copy at its first screen; a refusal is shown on the filed declaration's
page, in French; the recap and the receipt show the difference and what follows; the original reads « Remplacée »;
the lists badge both; the agents' pages link them."""

from __future__ import annotations

import csv
import html
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
from portal.routes.domino.correction import CHANGED_MEANWHILE
from portal.settings import PortalSettings

from portal_sign_in import dev_sign_in

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]
SECRET = "correction-tests-secret-0123456789-abcdefghijk"
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
DECLARANT = {"sub": "declarant-demo", "role": "declarant", "email": "marie.payet@producteur.example",
             "relations": ["rel-971-0001", "rel-971-0002", "rel-974-0001"]}  # fmt: skip
SUPPLEMENT = {"original_total_due": "1000.00", "corrected_total_due": "1250.00", "om": "200.00", "omr": "50.00",
              "supplement": "250.00", "om_credit": "0.00", "omr_credit": "0.00"}  # fmt: skip
CREDIT = {"original_total_due": "1000.00", "corrected_total_due": "700.00", "om": "-260.00", "omr": "-40.00",
          "supplement": "0.00", "om_credit": "260.00", "omr_credit": "40.00"}  # fmt: skip
NOTHING = {"original_total_due": "1000.00", "corrected_total_due": "1000.00", "om": "0.00", "omr": "0.00",
           "supplement": "0.00", "om_credit": "0.00", "omr_credit": "0.00"}  # fmt: skip


class Desk:
    """The declarations service (as the declarant's API client), a portal before it, and the read model."""

    def __init__(self, service: httpx.AsyncClient, portal: httpx.AsyncClient, db: AsyncDatabase[dict[str, Any]]):
        self.service = service
        self.portal = portal
        self.db = db

    async def call(self, method: str, path: str, body: object = None) -> dict[str, Any]:
        r = await self.service.request(method, f"/api/v1{path}", json=body)
        assert r.status_code in (200, 201), r.text
        answer: dict[str, Any] = r.json()
        return answer

    async def computed(self, did: str, total_due: str, difference: dict[str, str] | None = None) -> None:
        """taxcalc's totals (and a rectificative's difference) for the current version, in the read model."""
        doc = await self.db["declarations"].find_one({"_id": did})
        assert doc is not None
        totals = {"version": doc["version"], "complete": True, "boxes": {"15": total_due, "27": "0.00"},
                  "total_due": total_due, "warnings": [], "errors": [], "difference": difference}  # fmt: skip
        await self.db["declarations"].update_one({"_id": did}, {"$set": {"totals": totals}})

    async def filed(self, year: int, quarter: int, relation_id: str = "rel-974-0001") -> str:
        """A quarter filed through the API, its total 1 000,00 €."""
        body = {"relation_id": relation_id, "year": year, "quarter": quarter}
        did = str((await self.call("POST", "/declarations", body))["id"])
        details = {"name": "Marie Payet", "quality": "representant", "place": "Le Port", "payment_method": "virement"}
        await self.call("PUT", f"/declarations/{did}/declarant", details)
        await self.computed(did, "1000.00")
        await self.call("POST", f"/declarations/{did}/filing")
        return did


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
    definition = build(settings, clock=lambda: NOW)
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
    token = mint(settings, **DECLARANT)  # type: ignore[arg-type]
    async with (
        portal.router.lifespan_context(portal),
        httpx.AsyncClient(
            transport=transport, base_url="http://declarations", headers={"Authorization": f"Bearer {token}"}
        ) as service,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=portal), base_url="http://portail.test") as browser,
    ):
        yield Desk(service, browser, mongo_db)


def _text(page: str) -> str:
    shown = html.unescape(re.sub(r"<[^>]+>", " ", page))
    return re.sub(r"\s+", " ", shown).replace("\u202f", " ").replace("\u00a0", " ")


def _block(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}".*?</(div|table|section)>', page, re.S)
    assert found, f"no #{element_id}"
    return _text(found.group(0))


def _rectify_form(page: str) -> dict[str, str]:
    form = page.split('id="rectifier"', 1)[1].split("</form>", 1)[0]
    return dict(re.findall(r'name="(csrf|key|version)" value="([^"]*)"', form))


async def _signed_in(desk: Desk, user: str = "declarant") -> None:
    assert (await dev_sign_in(desk.portal, user)).status_code == 303


async def test_rectifier_opens_a_copy_at_its_first_screen_and_the_original_offers_to_resume_it(desk: Desk) -> None:
    original = await desk.filed(2026, 3)
    await _signed_in(desk)
    page = (await desk.portal.get(f"/domino/declarations/{original}")).text
    assert "Droit à l'erreur" in _text(page) and 'id="rectifier-declaration"' in page
    r = await desk.portal.post(f"/domino/declarations/{original}/rectificative", data=_rectify_form(page))
    assert r.status_code == 303 and r.headers["location"] == f"/domino/declarations/{original}-R1/donnees"
    first = await desk.portal.get(r.headers["location"])
    assert first.status_code == 200
    assert '<h1 class="fr-h2">Déclaration rectificative n° 1 — 3e trimestre 2026</h1>' in first.text
    assert "Données de la déclaration — Déclaration rectificative n° 1 — 3e trimestre 2026" in _text(first.text)
    assert f'href="/domino/declarations/{original}" id="lien-rectifiee"' in first.text
    assert "Date limite de dépôt dépassée" not in first.text, "a rectificative is never filed late"
    again = (await desk.portal.get(f"/domino/declarations/{original}")).text
    assert 'id="rectifier"' not in again
    assert f'id="reprendre-rectificative" href="/domino/declarations/{original}-R1"' in again
    assert "Reprendre la déclaration rectificative n° 1" in again
    # Its quarter was filed: the home never lists it as late, whichever of its declarations the service names.
    home = await desk.portal.get("/domino/accueil")
    assert "3e trimestre 2026" not in _block(home.text, "trimestres-en-retard")


async def test_a_refusal_is_shown_on_the_filed_declaration_in_french_and_a_stale_page_is_shown_again(
    desk: Desk,
) -> None:
    # loi 2004-639 art. 47, code des douanes art. 354: three years from the quarter's last day (30/09/2023)
    old = await desk.filed(2023, 3)
    await _signed_in(desk)
    page = (await desk.portal.get(f"/domino/declarations/{old}")).text
    assert 'id="rectifier"' not in page, "past the recovery period the page offers no correction"
    assert "Le délai de reprise de trois ans est écoulé depuis le 30/09/2026" in _block(page, "rectification")
    recent = await desk.filed(2026, 2)
    page = (await desk.portal.get(f"/domino/declarations/{recent}")).text
    assert "vous pouvez corriger cette déclaration jusqu'au 30/06/2029" in _text(page)
    # a tab opened before the period ended still posts: the service refuses, the page says why
    version = (await desk.call("GET", f"/declarations/{old}"))["version"]
    form = {**_rectify_form(page), "version": str(version)}
    refused = await desk.portal.post(f"/domino/declarations/{old}/rectificative", data=form)
    assert refused.status_code == 422
    alert = _block(refused.text, "erreur-rectification")
    assert "La déclaration rectificative n'a pas été ouverte" in alert and "délai de reprise" in alert

    stale = await desk.portal.post(
        f"/domino/declarations/{recent}/rectificative", data={**_rectify_form(page), "version": "1"}
    )
    assert stale.status_code == 409 and CHANGED_MEANWHILE in html.unescape(stale.text)
    again = await desk.portal.post(f"/domino/declarations/{recent}/rectificative", data=_rectify_form(stale.text))
    assert again.status_code == 303 and again.headers["location"].endswith(f"{recent}-R1/donnees")


async def test_one_already_open_is_resumed(desk: Desk) -> None:
    original = await desk.filed(2026, 3)
    await _signed_in(desk)
    page = (await desk.portal.get(f"/domino/declarations/{original}")).text
    version = (await desk.call("GET", f"/declarations/{original}"))["version"]
    opened = await desk.service.post(
        f"/api/v1/declarations/{original}/corrections", headers={"If-Match": f'"{version}"'}
    )
    assert opened.status_code == 201, opened.text
    now_at = (await desk.call("GET", f"/declarations/{original}"))["version"]
    form = {**_rectify_form(page), "version": str(now_at)}  # a page shown after it opened, in another tab
    r = await desk.portal.post(f"/domino/declarations/{original}/rectificative", data=form)
    assert r.status_code == 303 and r.headers["location"] == f"/domino/declarations/{original}-R1/donnees"
    shown = await desk.portal.get(r.headers["location"])
    assert "était déjà en cours : la voici" in _text(shown.text)


async def _rectificative(desk: Desk, difference: dict[str, str]) -> tuple[str, str]:
    original = await desk.filed(2026, 3)
    version = (await desk.call("GET", f"/declarations/{original}"))["version"]
    r = await desk.service.post(f"/api/v1/declarations/{original}/corrections", headers={"If-Match": f'"{version}"'})
    assert r.status_code == 201, r.text
    correction = str(r.json()["id"])
    await desk.computed(correction, difference["corrected_total_due"], difference)
    return original, correction


@pytest.mark.parametrize(
    ("difference", "said"),
    [
        (SUPPLEMENT, "Supplément à payer : 250,00 € Sa date limite de paiement figurera sur l'accusé de dépôt"),
        (
            CREDIT,
            "Crédit reporté sur votre prochaine déclaration : case 10 (octroi de mer) : 260,00 €, "
            "case 22 (octroi de mer régional) : 40,00 €",
        ),
        (NOTHING, "Aucun montant supplémentaire"),
    ],
)
async def test_the_recap_shows_the_difference_and_what_follows(
    desk: Desk, difference: dict[str, str], said: str
) -> None:
    _, correction = await _rectificative(desk, difference)
    await _signed_in(desk)
    recap = await desk.portal.get(f"/domino/declarations/{correction}/recapitulatif")
    assert recap.status_code == 200, recap.text
    table = _block(recap.text, "difference")
    shown = {
        "1250.00": ("1 250,00 €", "+250,00 €"),
        "700.00": ("700,00 €", "−300,00 €"),
        "1000.00": ("1 000,00 €", "0,00 €"),
    }
    corrected, moved = shown[difference["corrected_total_due"]]
    expected = f"Déclaration d'origine 1 000,00 € Déclaration rectificative {corrected} Différence {moved}"
    assert expected in table, table
    assert said in _block(recap.text, "consequence")
    assert "Déposer la déclaration rectificative" in recap.text


async def test_the_filed_rectificative_shows_its_supplement_and_the_original_reads_remplacee(desk: Desk) -> None:
    original, correction = await _rectificative(desk, SUPPLEMENT)
    await _signed_in(desk)
    confirm = await desk.portal.get(f"/domino/declarations/{correction}/depot/confirmation")
    form = dict(re.findall(r'name="(csrf|key|version)" value="([^"]*)"', confirm.text))
    filed = await desk.portal.post(f"/domino/declarations/{correction}/depot", data=form)
    assert filed.status_code == 303 and filed.headers["location"].endswith(f"{correction}/accuse")
    receipt = _text((await desk.portal.get(filed.headers["location"])).text)
    assert "Votre déclaration rectificative n° 1 du 3e trimestre 2026 est déposée" in receipt
    assert "OM-974-2026-T3-0974000789-R1" in receipt
    assert "Supplément à payer : 250,00 € À payer au plus tard le 30/11/2026." in receipt
    consult = (await desk.portal.get(f"/domino/declarations/{correction}")).text
    assert "Supplément à payer 250,00 €, au plus tard le 30/11/2026" in _block(consult, "paiement")
    assert 'id="rectifier-declaration"' in consult, "the rectificative in force can be rectified in turn"
    replaced = (await desk.portal.get(f"/domino/declarations/{original}")).text
    notice = _block(replaced, "remplacee")
    assert "Cette déclaration a été remplacée par la déclaration rectificative n° 1 le 30/11/2026." in notice
    assert f'href="/domino/declarations/{correction}" id="lien-rectificative"' in replaced
    assert 'id="rectification"' not in replaced, "no button on a declaration superseded"
    found = (await desk.portal.get("/domino/recherche", params={"annee": "2026", "trimestre": "3"})).text
    rows = [_text(row) for row in re.findall(r"<tr>.*?</tr>", found.split("<tbody>")[1], re.S)]
    assert [("Rectificative n° 1" in row, "Remplacée" in row) for row in rows] == [(True, False), (False, True)]


async def test_the_agents_list_and_pages_link_the_rectificative_and_the_original(desk: Desk) -> None:
    original, correction = await _rectificative(desk, CREDIT)
    await desk.call("POST", f"/declarations/{correction}/filing", None)
    await _signed_in(desk, "agent_974")
    listed = await desk.portal.get("/suivi", params={"annee": "2026", "trimestre": "3", "onglet": "toutes"})
    row = _block(listed.text, "relation-rel-974-0001")
    assert "Remplacée par la rectificative n° 1" in row and "Rectificative n° 1" in row
    assert f'href="/suivi/declarations/{correction}"' in listed.text
    page = (await desk.portal.get(f"/suivi/declarations/{correction}")).text
    assert "Déclaration rectificative n° 1 — 3e trimestre 2026 — relation n° 0974000789" in _text(page)
    assert f'href="/suivi/declarations/{original}" id="lien-rectifiee"' in page
    assert "Crédit reporté sur la prochaine déclaration de la relation : case 10" in _block(page, "consequence")
    replaced = (await desk.portal.get(f"/suivi/declarations/{original}")).text
    assert "Remplacée par la rectificative n° 1" in _text(replaced)
    assert f'href="/suivi/declarations/{correction}" id="lien-rectificative"' in replaced
    r = await desk.portal.get("/suivi/export.csv", params={"annee": "2026", "trimestre": "3", "onglet": "toutes"})
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][-1] == "Rectificatives"
    assert next(row for row in rows if row[0] == "0974000789")[-1] == "n° 1 déposée"

"""DOMINO-NG's « Modifier » on a line and the forms that carry the version they were shown from, in process: the
portal on the declarations service (its app on the embedded MongoDB), signed in through the development sign-in.
A line changed from its annex; a form older than the declaration (another tab changed it) shown again with why,
what was typed kept, carrying the new version, nothing changed; sent again, applied."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
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
from portal.routes.domino.opening import STALE_FORM
from portal.settings import PortalSettings

from portal_sign_in import dev_sign_in

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]
SECRET = "line-edit-tests-secret-0123456789-abcdefghijk"
DECLARANT = {"sub": "declarant-demo", "role": "declarant", "email": "marie.payet@producteur.example",
             "relations": ["rel-971-0001", "rel-971-0002", "rel-974-0001"]}  # fmt: skip


class Desk:
    """The declarations service (the API, as another tab or another person uses it), and a portal before it."""

    def __init__(self, service: httpx.AsyncClient, portal: httpx.AsyncClient) -> None:
        self.service = service
        self.portal = portal
        self.headers = {"Authorization": f"Bearer {mint(DeclarationsSettings(jwt_secret=SECRET), **DECLARANT)}"}

    async def draft(self, quarter: int) -> str:
        """A draft of 2025 for rel-974-0001, its « données » filled, one line in annexe B."""
        r = await self.service.post("/api/v1/declarations", headers=self.headers,
                                    json={"relation_id": "rel-974-0001", "year": 2025, "quarter": quarter})  # fmt: skip
        assert r.status_code == 201, r.text
        did: str = r.json()["id"]
        details = {"name": "Marie Payet", "quality": "representant", "place": "Le Port", "payment_method": "virement"}
        assert (await self.service.put(f"/api/v1/declarations/{did}/declarant", json=details,
                                       headers=self.headers)).status_code == 200  # fmt: skip
        return did

    async def line(self, did: str, price: str = "10000.00") -> str:
        body = {"annex": "B", "nomenclature": "33051000", "price_excl_tax": price, "naf": "20.42Z"}
        r = await self.service.post(f"/api/v1/declarations/{did}/lines", json=body, headers=self.headers)
        assert r.status_code == 201, r.text
        return str(r.json()["line_id"])

    async def declaration(self, did: str) -> dict[str, Any]:
        body: dict[str, Any] = (await self.service.get(f"/api/v1/declarations/{did}", headers=self.headers)).json()
        return body

    async def elsewhere(self, did: str, line_id: str, price: str) -> None:
        """Another tab changes the line."""
        r = await self.service.put(f"/api/v1/declarations/{did}/lines/{line_id}", json={"price_excl_tax": price},
                                   headers=self.headers)  # fmt: skip
        assert r.status_code == 200, r.text


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
    app = create_app(build(settings))
    runtime = Runtime(build(settings), client=mongo_db.client)
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
        ),
        transport=transport,
    )
    async with (
        portal.router.lifespan_context(portal),
        httpx.AsyncClient(transport=transport, base_url="http://declarations") as service,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=portal), base_url="http://portail.test") as browser,
    ):
        desk = Desk(service, browser)
        r = await dev_sign_in(browser, "declarant")
        assert r.status_code == 303, r.text
        yield desk


def _hidden(page: str, name: str, form_id: str | None = None) -> str:
    scope = page if form_id is None else page.split(f'id="{form_id}"', 1)[1]
    found = re.search(rf'name="{name}" value="([^"]*)"', scope)
    assert found, (name, page[:300])
    return html.unescape(found.group(1))


def _input(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', page, re.S)
    assert found, name
    return html.unescape(found.group(1))


def _form(page: str, form_id: str, **typed: str) -> dict[str, str]:
    """The form `form_id` of the page as the browser sends it: its hidden fields, then what the person typed."""
    return {name: _hidden(page, name, form_id) for name in ("csrf", "key", "version")} | typed


async def test_a_line_is_changed_from_its_annex(desk: Desk) -> None:
    did = await desk.draft(1)
    line_id = await desk.line(did)
    annex = (await desk.portal.get(f"/domino/declarations/{did}/annexe-b")).text
    url = f"/domino/declarations/{did}/annexe-b/lignes/{line_id}"
    assert f'href="{url}" id="modifier-{line_id}"' in annex
    page = await desk.portal.get(url)
    assert page.status_code == 200 and "Modifier une exportation" in page.text
    assert _input(page.text, "price_excl_tax").replace("\u202f", " ") == "10 000,00"
    assert _input(page.text, "naf") == "20.42Z" and "La nomenclature ne se modifie pas" in page.text
    # the price is required, as when adding: the message by the field, what was typed kept
    refused = await desk.portal.post(url, data=_form(page.text, "vente", price_excl_tax="", naf="10.71C"))
    assert refused.status_code == 422 and 'id="price_excl_tax-message"' in refused.text
    assert _input(refused.text, "naf") == "10.71C"
    done = await desk.portal.post(url, data=_form(refused.text, "vente", price_excl_tax="12 500,00", naf="20.42Z",
                                                  rfs="on", action="enregistrer"))  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == f"/domino/declarations/{did}/annexe-b"
    shown = await desk.portal.get(done.headers["location"])
    assert "Ligne 33051000 modifiée en annexe B." in shown.text
    [line] = (await desk.declaration(did))["lines"]["B"]
    assert (line["price_excl_tax"], line["rfs"], line["nomenclature"]) == ("12500.00", True, "33051000")


async def test_a_stale_line_form_is_shown_again_with_what_was_typed_then_applied(desk: Desk) -> None:
    did = await desk.draft(2)
    line_id = await desk.line(did)
    url = f"/domino/declarations/{did}/annexe-b/lignes/{line_id}"
    page = (await desk.portal.get(url)).text
    shown_from = int(_hidden(page, "version", "vente"))
    await desk.elsewhere(did, line_id, "11000.00")  # another tab, meanwhile
    stale = await desk.portal.post(url, data=_form(page, "vente", price_excl_tax="9 999,00", naf="20.42Z"))
    assert stale.status_code == 409
    alert = stale.text.split('id="erreur-formulaire"', 1)[1].split("</div>", 1)[0]
    assert html.unescape(alert).count(STALE_FORM) == 1 and 'class="fr-alert fr-alert--error' in stale.text
    assert _input(stale.text, "price_excl_tax") == "9 999,00", "what was typed is kept"
    assert int(_hidden(stale.text, "version", "vente")) == shown_from + 1, "the form carries the new version"
    assert [x["price_excl_tax"] for x in (await desk.declaration(did))["lines"]["B"]] == ["11000.00"]
    again = await desk.portal.post(url, data=_form(stale.text, "vente", price_excl_tax="9 999,00", naf="20.42Z"))
    assert again.status_code == 303
    assert [x["price_excl_tax"] for x in (await desk.declaration(did))["lines"]["B"]] == ["9999.00"]


async def test_a_stale_declarant_form_keeps_what_was_typed(desk: Desk) -> None:
    did = await desk.draft(3)
    page = (await desk.portal.get(f"/domino/declarations/{did}/donnees")).text
    await desk.line(did)  # another tab adds a line meanwhile
    typed = {"name": "Jean Hoarau", "quality": "mandataire", "place": "Saint-Pierre", "payment_method": "cheque"}
    stale = await desk.portal.post(f"/domino/declarations/{did}/donnees", data=_form(page, "donnees", **typed))
    assert stale.status_code == 409 and STALE_FORM in html.unescape(stale.text)
    assert _input(stale.text, "name") == "Jean Hoarau" and _input(stale.text, "place") == "Saint-Pierre"
    assert (await desk.declaration(did))["declarant"]["name"] == "Marie Payet", "nothing changed"
    again = await desk.portal.post(f"/domino/declarations/{did}/donnees", data=_form(stale.text, "donnees", **typed))
    assert again.status_code == 303 and (await desk.declaration(did))["declarant"]["name"] == "Jean Hoarau"


async def test_a_stale_removal_shows_the_annex_as_it_now_is(desk: Desk) -> None:
    did = await desk.draft(4)
    line_id = await desk.line(did)
    annex = (await desk.portal.get(f"/domino/declarations/{did}/annexe-b")).text
    removal = {name: _hidden(annex, name, f"ligne-{line_id}") for name in ("csrf", "annex", "key", "version")}
    await desk.elsewhere(did, line_id, "8000.00")
    stale = await desk.portal.post(f"/domino/declarations/{did}/lignes/{line_id}/suppression", data=removal)
    assert stale.status_code == 409 and STALE_FORM in html.unescape(stale.text)
    assert "8 000,00" in stale.text.replace("\u202f", " "), "the line as it now is"
    assert len((await desk.declaration(did))["lines"]["B"]) == 1, "not removed"
    again = {name: _hidden(stale.text, name, f"ligne-{line_id}") for name in ("csrf", "annex", "key", "version")}
    done = await desk.portal.post(f"/domino/declarations/{did}/lignes/{line_id}/suppression", data=again)
    assert done.status_code == 303 and (await desk.declaration(did))["lines"]["B"] == []


async def test_choosing_a_cana_on_a_line_of_annex_a_refreshes_its_criteria_alone(desk: Desk) -> None:
    did = await desk.draft(1)
    body = {"annex": "A", "nomenclature": "22084011", "price_excl_tax": "100.00"}
    r = await desk.service.post(f"/api/v1/declarations/{did}/lines", json=body, headers=desk.headers)
    line_id = r.json()["line_id"]
    url = f"/domino/declarations/{did}/annexe-a/lignes/{line_id}"
    page = await desk.portal.get(url)
    assert page.status_code == 200 and "Modifier une vente interne" in page.text
    assert f'hx-get="{url}"' in page.text, "the CANA list asks this line's page, not the new sale's"
    piece = await desk.portal.get(
        url, params={"cana": "Z001", "nomenclature": "22084011"}, headers={"HX-Request": "true"}
    )
    assert piece.status_code == 200 and piece.text.lstrip().startswith('<div id="criteres">')
    assert "<form" not in piece.text and 'id="cana-message"' in piece.text  # no tariff here: why no rate applies

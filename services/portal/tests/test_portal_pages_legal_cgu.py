"""The CGU, accepted once per version after signing in (issue 23, item 14; the DOMINO-NG manual has the user accept
them): every other page waits for it, the acceptance is kept with its version, the person and the instant (UTC),
a new version is asked again, and refusing signs the person out."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from devstack.ports import free_port
from devstack.pytest_plugin import fresh_db_name
from portal.app import create_app
from portal.routes import cgu
from portal.settings import PortalSettings
from portal.terms import COLLECTION, CURRENT, required

from portal_sign_in import dev_sign_in

SECRET = "a-strong-session-secret-for-the-tests-0123456789"


@pytest.fixture
async def portal(mongo_uri: str) -> AsyncIterator[httpx.AsyncClient]:
    """The portal as deployed (the CGU asked), its services unreachable."""
    nowhere = f"http://127.0.0.1:{free_port()}"
    settings = PortalSettings(
        mongo_uri=mongo_uri,
        mongo_db=fresh_db_name("portal_cgu"),
        session_secret=SECRET,
        dev_login=True,
        dev_jwt_secret="services-secret-for-the-tests-0123456789",
        declarations_url=nowhere,
        taxcalc_url=nowhere,
        essoc_url=nowhere,
        service_timeout_seconds=2,
        cgu_acceptance=True,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portail.test") as client:
            client.app = app  # type: ignore[attr-defined]
            yield client


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text[:300]
    return found.group(1)


async def _accept_page(portal: httpx.AsyncClient, location: str) -> httpx.Response:
    page = await portal.get(location)
    assert page.status_code == 200 and "Accepter les conditions générales d'utilisation" in page.text
    return page


def test_the_terms_are_asked_on_every_real_deployment_and_not_on_a_developers_http() -> None:
    assert required(PortalSettings(public_url="https://portail.douane.example"))
    assert not required(PortalSettings(public_url="http://127.0.0.1:8000"))
    assert required(PortalSettings(public_url="http://127.0.0.1:8000", cgu_acceptance=True))
    assert not required(PortalSettings(public_url="https://portail.douane.example", cgu_acceptance=False))


async def test_a_person_accepts_once_after_signing_in_and_comes_back_where_they_were_going(
    portal: httpx.AsyncClient,
) -> None:
    await dev_sign_in(portal, "requester")
    r = await portal.get("/ogde/demandes?page=2")
    assert r.status_code == 303 and r.headers["location"] == "/cgu/accepter?suite=%2Fogde%2Fdemandes%3Fpage%3D2"
    assert (await portal.get("/aide")).status_code == 200, "the pages for everyone stay open meanwhile"
    hx = await portal.post(
        "/ogde/nouvelle-demande", headers={"HX-Request": "true", "HX-Current-URL": "http://portail.test/ogde"}
    )
    assert hx.status_code == 204 and hx.headers["HX-Redirect"] == "/cgu/accepter?suite=%2Fogde"

    page = await _accept_page(portal, r.headers["location"])
    assert (
        f"Version {CURRENT.version} du 7 décembre 2026" in page.text
        and 'name="suite" value="/ogde/demandes?page=2"' in page.text
    )
    data = {"csrf": _csrf(page), "choix": "accepter", "suite": "/ogde/demandes?page=2"}
    unticked = await portal.post("/cgu/accepter", data=data)
    assert unticked.status_code == 422 and 'href="#accepte"' in unticked.text and "Cochez la case" in unticked.text
    before = datetime.now(UTC)
    accepted = await portal.post("/cgu/accepter", data={**data, "accepte": "on"})
    assert accepted.status_code == 303 and accepted.headers["location"] == "/ogde/demandes?page=2"

    app = portal.app  # type: ignore[attr-defined]
    kept = [d async for d in app.state.sessions.collection.database[COLLECTION].find({}, {"_id": 0})]
    assert [(d["sub"], d["version"]) for d in kept] == [("requester-demo", CURRENT.version)]
    assert before - timedelta(seconds=1) <= kept[0]["accepted_at"] <= datetime.now(UTC)
    assert kept[0]["accepted_at"].utcoffset() == timedelta(0)
    assert (await portal.get("/ogde/demandes")).headers.get("location", "").startswith("/cgu") is False

    await portal.post("/deconnexion", data={"csrf": _csrf(await portal.get("/aide"))})
    app.state.cgu = None  # another replica, which has not seen it: the database answers
    await dev_sign_in(portal, "requester")
    assert not (await portal.get("/ogde")).headers.get("location", "").startswith("/cgu"), "not asked again"
    back = await portal.get("/cgu/accepter?suite=/ogde")
    assert back.status_code == 303 and back.headers["location"] == "/ogde"


async def test_a_new_version_is_asked_again(portal: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    await dev_sign_in(portal, "requester")
    page = await _accept_page(portal, "/cgu/accepter")
    await portal.post("/cgu/accepter", data={"csrf": _csrf(page), "choix": "accepter", "accepte": "on"})
    assert not (await portal.get("/ogde")).headers.get("location", "").startswith("/cgu")
    monkeypatch.setattr(cgu, "CURRENT", replace(CURRENT, version="2.0"))
    r = await portal.get("/ogde")
    assert r.status_code == 303 and r.headers["location"].startswith("/cgu/accepter")
    assert "Version 2.0" in (await _accept_page(portal, r.headers["location"])).text


async def test_refusing_signs_the_person_out_and_says_why(portal: httpx.AsyncClient) -> None:
    await dev_sign_in(portal, "declarant")
    page = await _accept_page(portal, "/cgu/accepter?suite=/domino")
    r = await portal.post("/cgu/accepter", data={"csrf": _csrf(page), "choix": "refuser", "suite": "/domino"})
    assert r.status_code == 200 and "vous êtes déconnecté du portail" in r.text and "bureau de douane" in r.text
    assert "Se connecter" in r.text and 'action="/deconnexion"' not in r.text
    again = await portal.get("/domino")
    assert again.status_code == 303 and again.headers["location"].startswith("/connexion")
    app = portal.app  # type: ignore[attr-defined]
    assert await app.state.sessions.collection.database[COLLECTION].count_documents({}) == 0


async def test_the_acceptance_page_is_for_a_signed_in_person_and_goes_back_only_to_this_site(
    portal: httpx.AsyncClient,
) -> None:
    r = await portal.get("/cgu/accepter")
    assert r.status_code == 303 and r.headers["location"].startswith("/connexion?suite=%2Fcgu%2Faccepter")
    await dev_sign_in(portal, "requester")
    page = await _accept_page(portal, "/cgu/accepter")
    data = {"csrf": _csrf(page), "choix": "accepter", "accepte": "on", "suite": "//pirate.example/"}
    r = await portal.post("/cgu/accepter", data=data)
    assert r.status_code == 303 and r.headers["location"] == "/ogde"

"""The portal in process, with its services unreachable (a real refused connection, nothing faked): the
pages that need no service, the French error page with its reference when a service is down, the security
headers, the CSRF check, no open redirection."""

from __future__ import annotations

import re

import httpx
import pytest

from portal.settings import PortalSettings

from portal_sign_in import dev_sign_in

SECRET = "a-strong-session-secret-for-the-tests-0123456789"


async def test_pages_carry_a_strict_content_security_policy_and_no_cache(portal: httpx.AsyncClient) -> None:
    r = await portal.get("/aide")
    assert r.status_code == 200 and "<h1>Aide</h1>" in r.text
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["cache-control"] == "no-store" and r.headers["x-frame-options"] == "DENY"
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", r.text), "no inline script"
    assert not re.search(r"(src|href)=\"https?://", r.text), "nothing loaded from another site"


async def test_a_service_down_gives_the_french_error_page_with_a_reference(portal: httpx.AsyncClient) -> None:
    await dev_sign_in(portal, "declarant")
    r = await portal.get("/domino")
    assert r.status_code == 503
    assert "Service momentanément indisponible" in r.text and "Traceback" not in r.text
    reference = r.headers["x-correlation-id"]
    assert reference in r.text


async def test_the_session_cookie_is_httponly_and_samesite_lax(portal: httpx.AsyncClient) -> None:
    r = await dev_sign_in(portal, "requester")
    assert r.status_code == 303 and r.headers["location"] == "/ogde"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie


async def test_a_form_without_the_sessions_csrf_token_is_refused(portal: httpx.AsyncClient) -> None:
    await dev_sign_in(portal, "declarant")
    r = await portal.post("/deconnexion", data={"csrf": "forged"})
    assert r.status_code == 403 and "Formulaire expiré" in r.text
    page = await portal.get("/aide")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None
    r = await portal.post("/deconnexion", data={"csrf": token.group(1)})
    assert r.status_code == 303


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://pirate.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "https://autre.portail.test"},
    ],
)
async def test_a_state_changing_request_from_another_site_is_refused_even_with_the_token(
    portal: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    """In addition to the CSRF token: a request whose browser says it came from another site is refused before
    the route runs (the person stays signed in)."""
    await dev_sign_in(portal, "declarant")
    page = await portal.get("/aide")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token
    r = await portal.post("/deconnexion", data={"csrf": token.group(1)}, headers=headers)
    assert r.status_code == 403 and "autre site" in r.text
    assert (await portal.get("/domino")).status_code != 303, "still signed in: the sign-out did not run"
    same = {"Origin": "http://portail.test", "Sec-Fetch-Site": "same-origin"}
    assert (await portal.post("/deconnexion", data={"csrf": token.group(1)}, headers=same)).status_code == 303


async def test_the_development_sign_in_is_a_post_with_the_pages_token(portal: httpx.AsyncClient) -> None:
    """A link or an image on another site could sign a person in as a demo user with a GET."""
    assert (await portal.get("/dev/connexion/declarant")).status_code == 405
    assert (await portal.post("/dev/connexion/declarant", data={"csrf": "forged"})).status_code == 403
    assert (await dev_sign_in(portal, "declarant")).status_code == 303


async def test_each_demo_sign_in_button_has_its_own_name_saying_the_roles_held(portal: httpx.AsyncClient) -> None:
    """RGAA 6.1 / 11.9: two « Marie Payet » accounts (producer; producer and requester) told apart by name."""
    page = (await portal.get("/dev/connexion")).text
    names = [
        "Se connecter" + re.sub(r"<[^>]+>", "", sr)
        for sr in re.findall(r'id="connexion-[^"]+">Se connecter(<span class="fr-sr-only">[^<]*</span>)', page)
    ]
    assert len(names) == page.count('id="connexion-') > 2 and len(set(names)) == len(names), names
    assert "Se connecter en tant que Marie Payet, producteur (déclarant)" in names
    assert "Se connecter en tant que Marie Payet, producteur (déclarant) et demandeur" in names


async def test_sign_in_never_sends_the_person_to_another_site(portal: httpx.AsyncClient) -> None:
    await dev_sign_in(portal, "requester")
    for elsewhere in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        r = await portal.get("/connexion", params={"suite": elsewhere})
        assert r.status_code == 303 and r.headers["location"] == "/", elsewhere
    r = await portal.get("/connexion", params={"suite": "/ogde/demandes?onglet=cloturees"})
    assert r.headers["location"] == "/ogde/demandes?onglet=cloturees"


async def test_pages_of_a_profile_refuse_another_profile(portal: httpx.AsyncClient) -> None:
    await dev_sign_in(portal, "requester")
    r = await portal.get("/domino/accueil")
    assert r.status_code == 403 and "Votre profil ne donne pas accès" in r.text


async def test_a_page_that_needs_a_person_asks_to_sign_in_first(portal: httpx.AsyncClient) -> None:
    r = await portal.get("/ogde/demandes")
    assert r.status_code == 303 and r.headers["location"] == "/connexion?suite=%2Fogde%2Fdemandes"


async def test_a_body_too_large_is_refused_before_it_is_read(portal: httpx.AsyncClient) -> None:
    await dev_sign_in(portal, "requester")
    r = await portal.post("/ogde/nouvelle-demande", content=b"x" * (2 * 1024 * 1024),
                          headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert r.status_code == 413 and "Envoi trop volumineux" in r.text


async def test_signing_out_leaves_nothing_of_the_person(portal: httpx.AsyncClient) -> None:
    await dev_sign_in(portal, "declarant")
    page = await portal.get("/aide")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None and 'action="/deconnexion"' in page.text
    r = await portal.post("/deconnexion", data={"csrf": token.group(1)})
    assert r.status_code == 303
    after = await portal.get("/aide")
    assert 'href="/connexion"' in after.text and 'action="/deconnexion"' not in after.text
    # An old page's sign-out button, once signed out: no « formulaire expiré », just the home.
    assert (await portal.post("/deconnexion", data={"csrf": "old"})).status_code == 303


def test_the_development_sign_in_never_starts_beside_a_real_one() -> None:
    base = {"session_secret": SECRET, "dev_login": True, "dev_jwt_secret": "x" * 40}
    assert PortalSettings(**base).startup_problem() is None
    assert "make run" in (PortalSettings(**base, oidc_issuer="https://idp.example").startup_problem() or "")
    assert "make run" in (PortalSettings(**base, public_url="https://portail.example").startup_problem() or "")


def test_what_a_person_typed_never_leaves_its_path_segment() -> None:
    from portal.backends import seg

    assert seg("1/../../requests/X?tab=1") == "1%2F..%2F..%2Frequests%2FX%3Ftab%3D1"


async def test_a_person_of_two_roles_chooses_a_space_and_the_header_names_theirs_only(
    portal: httpx.AsyncClient,
) -> None:
    """Decision record 0027: Marie Payet, producer and requester, signs in once and lands on « Mes espaces »; the
    header's menu names DOMINO-NG and OGDE, no other space, and « Codes NAF » is DOMINO-NG's own tool."""
    r = await dev_sign_in(portal, "productrice_demandeuse")
    assert r.status_code == 303 and r.headers["location"] == "/espaces"
    assert (await portal.get("/")).headers["location"] == "/espaces"
    page = await portal.get("/espaces")
    assert page.status_code == 200 and "<h1>Mes espaces</h1>" in page.text
    assert re.findall(r'id="espace-([a-z]+)"', page.text) == ["domino", "ogde"]
    assert re.findall(r'id="carte-([a-z]+)"', page.text) == ["domino", "ogde"]
    assert 'href="/codes-naf">Codes NAF' not in page.text


async def test_a_person_of_one_space_gets_no_menu_and_lands_in_it(portal: httpx.AsyncClient) -> None:
    r = await dev_sign_in(portal, "comptable")
    assert r.status_code == 303 and r.headers["location"] == "/recouvrement"
    assert (await portal.get("/")).headers["location"] == "/recouvrement"
    page = await portal.get("/aide")
    assert 'id="mes-espaces"' not in page.text and 'href="/codes-naf">Codes NAF' not in page.text

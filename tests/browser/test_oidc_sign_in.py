"""Production's sign-in: OpenID Connect, authorisation code with PKCE, against a real OpenID Provider (npm
oidc-provider, started here on the machine's node), not a mock. The access token it issues is an RS256 JWT
that a declarations API process verifies through the provider's JWKS, as in production; sign-out ends the
session at the provider too. The portal runs as `portal serve` would in production: no development sign-in. The
person holds two roles in the provider's `roles` claim (decision record 0027): both spaces open with one sign-in."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import yaml

from devstack.ports import free_port, wait_for_port
from devstack.stack import ROOT, ServiceProcess, Stack

from browser_support import Opener, Visit

pytestmark = pytest.mark.e2e

OIDC_DIR = ROOT / "tests" / "oidc"
AUDIENCE = "urn:douane:services"
CLIENT_ID, CLIENT_SECRET = "portail", "secret-du-client-portail-pour-le-test"


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """oidc-provider on a free port, installed from its lock file on first use."""
    npm = shutil.which("npm")
    node = shutil.which("node")
    if npm is None or node is None:
        pytest.fail("Node.js and npm are needed by the OpenID Connect test (apt-get install nodejs npm)")
    if not (OIDC_DIR / "node_modules" / "oidc-provider").exists():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=OIDC_DIR, check=True, timeout=300)
    port, portal_port = free_port(), free_port()
    users = yaml.safe_load((ROOT / "deploy/reference/demo-users.yaml").read_text(encoding="utf-8"))
    env = {
        **os.environ,
        "PORT": str(port),
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "REDIRECT_URI": f"http://127.0.0.1:{portal_port}/connexion/retour",
        "POST_LOGOUT_URI": f"http://127.0.0.1:{portal_port}/",
        "AUDIENCE": AUDIENCE,
        "USERS": json.dumps({key: {k: v for k, v in claims.items() if k != "sub"} for key, claims in users.items()}),
    }
    log = (tmp_path_factory.mktemp("oidc") / "provider.log").open("wb")
    process = subprocess.Popen([node, "provider.mjs"], cwd=OIDC_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port("127.0.0.1", port, timeout=30)
        yield f"http://127.0.0.1:{port}|{portal_port}"
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
async def production_portal(
    stack: Stack, provider: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A declarations API process verifying RS256 tokens through the provider's JWKS (same database as the
    stack's), and a portal signing people in through the provider."""
    issuer, portal_port = provider.split("|")
    logs = tmp_path_factory.mktemp("oidc-logs")
    api_port = free_port()
    api_env = {
        **stack.service("declarations").env,
        "DECLARATIONS_HTTP_PORT": str(api_port),
        "DECLARATIONS_JWKS_URL": f"{issuer}/jwks",
        "DECLARATIONS_JWT_AUDIENCE": AUDIENCE,
        "DECLARATIONS_CONSUME": "false",
        "DECLARATIONS_RELAY_ENABLED": "false",
        "DECLARATIONS_BACKGROUND_ENABLED": "false",
    }
    api = ServiceProcess("declarations", api_port, api_env, logs / "declarations-jwks.log")
    portal_env = {k: v for k, v in stack.portal.env.items() if not k.startswith("PORTAL_DEV_")}
    portal_env |= {
        "PORTAL_PORT": portal_port,
        "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{portal_port}",
        "PORTAL_DECLARATIONS_URL": f"http://127.0.0.1:{api_port}",
        "PORTAL_OIDC_ISSUER": issuer,
        "PORTAL_OIDC_CLIENT_ID": CLIENT_ID,
        "PORTAL_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "PORTAL_OIDC_SCOPES": "openid profile email api",
    }
    portal = ServiceProcess("portal", int(portal_port), portal_env, logs / "portal-oidc.log")
    api.start()
    portal.start()
    try:
        async with httpx.AsyncClient(timeout=3) as client:
            for url in (f"http://127.0.0.1:{api_port}/health/live", f"http://127.0.0.1:{portal_port}/health/live"):
                for _ in range(120):
                    try:
                        if (await client.get(url)).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    await asyncio.sleep(0.5)
                else:
                    raise AssertionError(f"{url} never answered: {(logs).as_posix()}")
        yield f"http://127.0.0.1:{portal_port}"
    finally:
        portal.stop()
        api.stop()


async def test_a_producer_signs_in_through_openid_connect_and_out_again(person: Opener, production_portal: str) -> None:
    visit: Visit = await person()
    visit.base = production_portal
    page = visit.page
    await visit.goto("/connexion")
    assert await page.locator("text=Choisir un compte de démonstration").count() == 0, "no development sign-in"
    async with page.expect_request(lambda r: "/auth?" in r.url) as sent:
        await page.click("text=Se connecter avec mon compte")
    authorize = (await sent.value).url
    # The provider's login page (another origin: not ours to check for accessibility).
    await page.wait_for_selector("input[name=login]")
    await page.fill("input[name=login]", "productrice_demandeuse")  # roles: [declarant, requester]
    await page.fill("input[name=password]", "n'importe lequel")
    await page.click("button[type=submit]")
    await page.wait_for_load_state("load")
    if await page.locator("button[type=submit]").count() and "/interaction/" in page.url:
        await page.click("button[type=submit]")  # the provider's consent
    # Back on the portal, signed in with both roles: « Mes espaces » names DOMINO-NG and OGDE, and no other.
    await page.wait_for_selector("#espaces")
    visit.errors.clear()  # the provider's development pages ask for fonts on the Internet: theirs, not ours
    await visit.check()
    spaces = await page.locator("#menu-espaces a").evaluate_all("links => links.map(a => a.id)")
    assert spaces == ["espace-domino", "espace-ogde"]
    # The relations come from an API that verified the RS256 token, its `roles` claim included.
    await page.click("#carte-domino a")
    await page.wait_for_selector("#relations")
    await visit.check()
    assert await page.locator("#relations tbody tr").count() == 3
    assert "code_challenge=" in authorize and "code_challenge_method=S256" in authorize and "nonce=" in authorize
    cookies = await visit.context.cookies(production_portal)
    assert [c for c in cookies if c["name"] == "portail" and c["httpOnly"] and c["sameSite"] == "Lax"]

    # Sign-out: the portal's session ends, then the provider's.
    await page.click("button[title^='Se déconnecter']")
    await page.wait_for_load_state("load")
    if "/session/end" in page.url:
        await page.click("button[type=submit], input[type=submit]")  # the provider asks to confirm
        await page.wait_for_url(production_portal + "/")
    visit.errors.clear()  # again the provider's page and its fonts
    await visit.goto("/domino")
    assert "/connexion" in page.url

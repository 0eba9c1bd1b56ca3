"""The portal's authorization matrix: every route of the portal, as every kind of caller, against the real
services in process (the portal's HTTP calls reach their ASGI apps). A route without a rule fails the test.

Anonymous → the sign-in page; another profile → 403; the right profile on someone else's declaration or
request → 404 (the service's 403 shown as « page non trouvée », never the resource); no 5xx; no refusal
tells anything of the victim's resources.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from chassis.http.auth import mint
from chassis.settings import ServiceSettings
from devstack.pytest_plugin import fresh_db_name
from portal.app import create_app
from portal.session import Session, SessionCodec
from portal.settings import PortalSettings

from security_support import SECRET, InProcess

pytestmark = pytest.mark.integration

SESSION_SECRET = "portal-matrix-session-secret-0123456789-abcdef"
SECRET_SUBJECT = "Recette secrète du rhum vieux"
CALLERS: dict[str, dict[str, Any] | None] = {
    "anonymous": None,
    "declarant_other": {"sub": "d-other", "role": "declarant", "relations": ["rel-971-0002"]},
    "requester_other": {"sub": "r-other", "role": "requester", "name": "Autre", "email": "autre@example.org"},
    "agent": {"sub": "a-971", "role": "agent", "territories": ["971"], "directorates": ["dr-guadeloupe"]},
    "agent_other": {"sub": "a-974", "role": "agent", "territories": ["974"], "directorates": ["dr-la-reunion"]},
    "auditor": {"sub": "auditeur", "role": "auditor", "territories": ["971", "974"]},
    "admin": {"sub": "admin", "role": "admin", "territories": ["971", "972", "973", "974", "976"]},
    "comptable": {"sub": "c-974", "role": "comptable", "territories": ["974"]},
    # one person, several roles (decision record 0027): the spaces of each, none of the others'
    "declarant_requester": {
        "sub": "marie",
        "roles": ["declarant", "requester"],
        "name": "Payet",
        "email": "marie@example.org",
        "relations": ["rel-971-0002"],
    },
    "agent_auditor": {
        "sub": "aa-974",
        "roles": ["agent", "auditor"],
        "territories": ["974"],
        "directorates": ["dr-la-reunion"],
    },
}
SIGNED_IN = {caller for caller in CALLERS if caller != "anonymous"}
VICTIM_DECLARANT = {"sub": "victim-d", "role": "declarant", "relations": ["rel-974-0001"]}
VICTIM_REQUESTER = {"sub": "victim-r", "role": "requester", "name": "V", "given_name": "V", "email": "v@secret.example"}

PUBLIC = "public"
HIDDEN = "hidden"
"""Answers 404 to every caller without the operators' token (the portal's metrics)."""
RULES: list[tuple[str, str, set[str] | str]] = [
    # (method, path pattern, who may: a set of callers, or PUBLIC)
    ("GET", r"/health/(live|ready)", PUBLIC),
    ("GET", r"/metrics", HIDDEN),
    ("GET", r"/(aide|accessibilite|codes-naf|notes-de-version|mentions-legales|donnees-personnelles|cgu)?", PUBLIC),
    ("GET", r"/donnees-personnelles/registre", PUBLIC),  # the register of processing (RGPD art. 30)
    ("*", r"/cgu/accepter", PUBLIC),  # signed-in only, tested in test_portal_pages_legal_cgu.py
    ("GET", r"/connexion(/oidc|/retour)?", PUBLIC),
    ("POST", r"/deconnexion(/partout)?", PUBLIC),
    ("POST", r"/connexion/prolonger", PUBLIC),  # « Rester connecté »: 401 unless signed in, test_portal_session_end.py
    ("GET", r"/dev/connexion", PUBLIC),
    ("POST", r"/dev/connexion/\{key\}", PUBLIC),
    ("GET", r"/espaces", SIGNED_IN),
    ("GET", r"/notifications", SIGNED_IN),  # « Mes notifications »: each person's own mails, whatever their roles
    # « Demande d'assistance » (decision record 0028): any signed-in person files one and follows their own; the agents
    # (all of them, tickets are not per directorate) hold the queue and answer
    ("GET", r"/instruction/assistance", {"agent", "agent_other", "agent_auditor"}),
    ("POST", r"/assistance/\{number\}/reponse", {"agent", "agent_other", "agent_auditor"}),
    ("*", r"/assistance(/.*)?", SIGNED_IN),
    ("*", r"/domino.*", {"declarant_other", "declarant_requester", "admin"}),
    ("*", r"/ogde.*", {"requester_other", "declarant_requester"}),
    ("*", r"/instruction.*", {"agent", "agent_other", "agent_auditor", "admin"}),
    ("*", r"/suivi.*", {"agent", "agent_other", "agent_auditor", "admin"}),
    ("*", r"/audit.*", {"auditor", "agent_auditor", "admin"}),
    ("*", r"/recouvrement.*", {"comptable", "auditor", "agent_auditor", "admin"}),
    # « Mes données » (decision record 0030): every signed-in person's own; the DPO's space: the `dpo` role only,
    # which none of these callers holds (not an admin, not an auditor)
    ("*", r"/mes-donnees(/.*)?", SIGNED_IN),
    ("*", r"/dpo(/.*)?", set()),
]
SPACES = ("domino", "ogde", "instruction", "suivi", "recouvrement", "audit")


class Services(httpx.AsyncBaseTransport):
    """The portal's calls, each to the service its address names, through the service's ASGI app."""

    def __init__(self, services: dict[str, InProcess]) -> None:
        self.transports = {name: httpx.ASGITransport(app=s.app) for name, s in services.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.transports[request.url.host].handle_async_request(request)


@pytest.fixture(scope="module")
async def victims(services: dict[str, InProcess]) -> dict[str, str]:
    async with services["declarations"].client(**VICTIM_DECLARANT) as http:
        r = await http.post("/api/v1/declarations", json={"relation_id": "rel-974-0001", "year": 2025, "quarter": 1})
        assert r.status_code == 201, r.text
        declaration = r.json()["id"]
    filing = {
        "requester_type": "particulier",
        "nature": "rescrit",
        "category": "octroi-de-mer",
        "sub_category": "dr-guadeloupe",
        "fields": [{"domain": "octroi-de-mer", "sub_domain": "octroi de mer interne"}],
        "subject": SECRET_SUBJECT,
        "description": "Personne d'autre ne doit lire ceci.",
    }
    async with services["essoc"].client(**VICTIM_REQUESTER) as http:
        r = await http.post("/api/v1/requests", json=filing)
        assert r.status_code == 201, r.text
        number = str(r.json()["number"])
        r = await http.post("/api/v1/drafts", json={"requester_type": "particulier"})  # a draft of « Nouvelle demande »
        assert r.status_code == 201, r.text
        draft = r.json()["id"]
        r = await http.put(f"/api/v1/drafts/{draft}/description", json={"subject": SECRET_SUBJECT, "description": ""})
        assert r.status_code == 200, r.text
    return {"declaration_id": declaration, "number": number, "draft_id": draft}


@pytest.fixture(scope="module")
async def portal(services: dict[str, InProcess], mongo_uri: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = PortalSettings(
        mongo_uri=mongo_uri,
        mongo_db=fresh_db_name("portal_matrix"),
        session_secret=SESSION_SECRET,
        dev_login=True,
        dev_jwt_secret=SECRET,
        declarations_url="http://declarations",
        taxcalc_url="http://taxcalc",
        essoc_url="http://essoc",
        notifier_url="http://notifier",
    )
    app = create_app(settings, transport=Services(services))
    app.state.routes_for_matrix = pages_of(app)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://portail.test") as client:
            client.app = app  # type: ignore[attr-defined]
            yield client


def pages_of(app: Any) -> list[Any]:
    """Every route of the portal with its whole path, methods and parameters. FastAPI keeps an included router
    as a branch of the app's routes (0.16x): reading only `app.routes` found no page at all, and the matrix
    passed without checking one."""
    found: list[Any] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if hasattr(route, "effective_candidates"):
                walk(route.effective_candidates())
            elif isinstance(route, APIRoute) or (hasattr(route, "dependant") and hasattr(route, "methods")):
                found.append(route)

    walk(list(app.routes))
    return found


async def _cookie(portal: httpx.AsyncClient, claims: dict[str, Any] | None) -> tuple[dict[str, str], str]:
    """The cookie of a person signed in with these claims, their session open in the portal's database."""
    session = Session()
    if claims is not None:
        session.sign_in(mint(ServiceSettings(jwt_secret=SECRET), **claims), claims)
        session.sid = await portal.app.state.sessions.open(session.sub)  # type: ignore[attr-defined]
    return {"portail": SessionCodec(SESSION_SECRET, 3600).encode(session)}, session.csrf


def _rule(method: str, path: str) -> set[str] | str | None:
    for rule_method, pattern, who in RULES:
        if rule_method in ("*", method) and re.fullmatch(pattern, path):
            return who
    return None


def _url(path: str, victims: dict[str, str]) -> str:
    return path.format(
        declaration_id=victims["declaration_id"],
        number=victims["number"],
        annex="a",
        line_id="L000000000000",
        page="octroi-de-mer",
        question_id="q-1",
        attachment_id="a-1",
        key="declarant",
        document_id="formulaire-rescrit",
        service="declarations",
        stream_id=victims["declaration_id"],
        correlation_id="matrix-correlation",
        file_id="DOMINO-974-20250825-001",
        statement="statement-974-000000000000000000000000",
        entry_id="E1",
        relation_id="rel-974-0001",
        draft_id=victims["draft_id"],
        step="demandeur",
    )


def _routes(portal: httpx.AsyncClient) -> list[tuple[str, str]]:
    routes: list[Any] = portal.app.state.routes_for_matrix  # type: ignore[attr-defined]
    return [(method, r.path) for r in routes for method in sorted(set(r.methods) - {"HEAD"})]


async def test_every_portal_route_has_a_rule(portal: httpx.AsyncClient) -> None:
    spaces = {path.split("/")[1] for _, path in _routes(portal)}
    assert {"domino", "ogde", "instruction", "suivi", "audit", "connexion"} <= spaces, "the matrix sees every space"
    assert len(_routes(portal)) >= 60, len(_routes(portal))
    missing = [(m, p) for m, p in _routes(portal) if _rule(m, p) is None]
    assert not missing, f"portal routes without a rule in the matrix: {missing}"


@pytest.mark.parametrize("caller", list(CALLERS))
async def test_no_caller_reaches_a_portal_page_it_may_not_see(
    portal: httpx.AsyncClient, victims: dict[str, str], caller: str
) -> None:
    cookies, csrf = await _cookie(portal, CALLERS[caller])
    wrong: list[str] = []
    for method, path in _routes(portal):
        who = _rule(method, path)
        if path.startswith(("/dev/connexion/", "/deconnexion")):
            continue  # signs the caller in as someone else, or out: covered by the sign-in and session tests
        url = _url(path, victims)
        portal.cookies.clear()
        for name, value in cookies.items():
            portal.cookies.set(name, value)
        body = {"data": {"csrf": csrf, "key": f"matrix-{caller}-{method}-{path}"}} if method != "GET" else {}
        r = await portal.request(method, url, **body)
        where = f"{caller} {method} {path}: {r.status_code}"
        if r.status_code >= 500:
            wrong.append(where + " (server error)")
        elif who == PUBLIC:
            pass
        elif who == HIDDEN:
            if r.status_code != 404:
                wrong.append(where + " (expected 404: the operators' token only)")
        elif caller == "anonymous":
            if not (r.status_code == 303 and r.headers["location"].startswith("/connexion")):
                wrong.append(where + " (expected the sign-in page)")
        elif caller not in who:  # type: ignore[operator]
            if r.status_code != 403:
                wrong.append(where + " (expected 403)")
        elif r.status_code in (401, 403) or r.headers.get("location", "").startswith("/connexion"):
            wrong.append(where + " (refused to its own profile)")
        victim = (
            victims["declaration_id"] in url or f"/demandes/{victims['number']}" in url or victims["draft_id"] in url
        )
        allowed = isinstance(who, set) and caller in who
        instructs = caller == "agent" and path.startswith("/instruction")  # the victim's request is its to instruct
        audits = caller in ("auditor", "agent_auditor") and path.startswith("/audit")  # 974's auditors read its stream
        follows = caller in ("agent_other", "agent_auditor") and path.startswith("/suivi")  # 974's agents follow it
        # someone else's declaration or request
        if victim and allowed and caller != "admin" and not instructs and not audits and not follows:
            expected = {404} if method == "GET" else {303, 404, 422}
            if r.status_code not in expected:
                wrong.append(where + f" (someone else's resource: expected {sorted(expected)})")
        if SECRET_SUBJECT in r.text and caller != "admin" and not instructs:
            wrong.append(where + " (tells of the victim's request)")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("caller", sorted(SIGNED_IN))
async def test_a_person_is_linked_only_the_spaces_they_hold_and_lands_in_one(
    portal: httpx.AsyncClient, caller: str
) -> None:
    """Issue 23, item 3: the comptable's home linked two spaces answering 403, the agents' « Documents » a requester's
    page. The header's « Mes espaces » names exactly the spaces the matrix opens to the person (when they hold two or
    more); `/` lands on a page of theirs; and every link to a space on that page and on « Mes espaces » opens."""
    cookies, _ = await _cookie(portal, CALLERS[caller])
    portal.cookies.clear()
    for name, value in cookies.items():
        portal.cookies.set(name, value)
    held = {space for space in SPACES if caller in (_rule("GET", f"/{space}") or set())}
    page = await portal.get("/aide")
    linked = set(re.findall(r'<a class="fr-nav__link" href="/([a-z]+)" id="espace-', page.text))
    assert linked == (held if len(held) > 1 else set()), (caller, linked, held)
    home = await portal.get("/")
    assert home.status_code == 303, home.status_code
    landing = await portal.get(home.headers["location"], follow_redirects=True)
    assert landing.status_code == 200 and not landing.url.path.startswith("/connexion"), (caller, landing.url)
    chooser = await portal.get("/espaces")
    assert set(re.findall(r'<h2 class="fr-card__title"><a href="/([a-z]+)">', chooser.text)) == held
    spaces = "|".join(SPACES)
    links = set(re.findall(rf'href="(/(?:{spaces})(?:/[^"?#]*)?)"', landing.text + chooser.text))
    wrong = []
    for link in sorted(links):
        r = await portal.get(link, follow_redirects=True)
        if r.status_code in (401, 403) or r.status_code >= 500:
            wrong.append(f"{link}: {r.status_code}")
    assert not wrong, f"{caller} is linked what it may not open: {wrong}"


HOSTILE = [
    "31/02/2026",
    "2026-13-01",
    "29/02/2027",
    "-1",
    "99999999999999999999999",
    "NaN",
    " ",
    "x" * 3000,
    "<script>alert(1)</script>",
    "TP-1\u200b",
    "%ED%A0%80",
    "\U0001f600",
]
PLAUSIBLE = {"nomenclature": "22084011", "rates_date": "2025-01-15", "page": "1", "annee": "2025", "trimestre": "1"}
"""The other parameters' values while one is hostile: deep enough into the page to reach what reads it."""
BOARD_FILTERS = ("onglet", "tri", "ordre", "q", "nature", "etat", "recevabilite")


def _read_from_the_url(path: str) -> tuple[str, ...]:
    """What a page reads from the URL as it is, beside what its route declares: the DOMINO screens' templates read
    `essai` (the totals' polling), the agents' board and its export read the board's filters."""
    if path.startswith("/domino"):
        return ("essai",)
    if path in ("/instruction", "/instruction/export.csv"):
        return BOARD_FILTERS
    return ()


OWNERS: dict[str, dict[str, Any] | None] = {
    "/domino": VICTIM_DECLARANT,
    "/ogde": VICTIM_REQUESTER,
    "/instruction": CALLERS["agent"],
    "/suivi": CALLERS["agent"],
    "/audit": CALLERS["auditor"],
    "/recouvrement": CALLERS["comptable"],
}


@pytest.mark.parametrize("space", [*OWNERS, "/"])
async def test_no_query_parameter_of_any_portal_page_makes_a_server_error(
    portal: httpx.AsyncClient, victims: dict[str, str], space: str
) -> None:
    """The probe's `?rates_date=31/02/2026` gave « Erreur inattendue » (500). Every GET page of the portal, as the
    person who owns what it shows, with each of its query parameters (declared, or read from the URL) set to
    each hostile value: a page or a French refusal, never a 5xx."""
    owner = OWNERS.get(space)
    cookies, _ = await _cookie(portal, owner)
    routes: list[Any] = portal.app.state.routes_for_matrix  # type: ignore[attr-defined]
    pages = [
        r
        for r in routes
        if "GET" in (r.methods or ())
        and (r.path.startswith(space) if space != "/" else not any(r.path.startswith(s) for s in OWNERS))
        and not r.path.startswith(("/dev/connexion/", "/connexion/retour"))
    ]
    assert pages, space
    wrong: list[str] = []
    for route in pages:
        url = _url(route.path, victims)
        declared = {p.alias or p.name for p in route.dependant.query_params}
        baseline = {name: PLAUSIBLE[name] for name in declared if name in PLAUSIBLE}
        for name in sorted(declared | set(_read_from_the_url(route.path))):
            for value in HOSTILE:
                portal.cookies.clear()
                for cookie, content in cookies.items():
                    portal.cookies.set(cookie, content)
                r = await portal.get(url, params={**baseline, name: value})
                if r.status_code >= 500:
                    wrong.append(f"GET {route.path}?{name}={value[:40]!r}: {r.status_code}")
    assert not wrong, "\n".join(wrong[:40]) + f"\n({len(wrong)} in all)"


async def test_the_portals_metrics_answer_only_the_scraper_that_sends_the_operators_token(
    services: dict[str, InProcess], mongo_uri: str
) -> None:
    """The probe read `/metrics` (route templates, counts) on the public portal. Without the token: 404, as an
    address that does not exist; with it: the metrics."""
    token = "m" * 40
    settings = PortalSettings(
        mongo_uri=mongo_uri,
        mongo_db=fresh_db_name("portal_metrics"),
        session_secret=SESSION_SECRET,
        dev_login=True,
        dev_jwt_secret=SECRET,
        metrics_token=token,
    )
    app = create_app(settings, transport=Services(services))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portail.test") as client:
        assert (await client.get("/metrics")).status_code == 404
        assert (await client.get("/metrics", headers={"Authorization": "Bearer " + "n" * 40})).status_code == 404
        scraped = await client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert scraped.status_code == 200 and "python_info" in scraped.text

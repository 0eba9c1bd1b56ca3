"""The RGAA 4.1 findings of issue 23, fixed: one persistent live region whose text alone changes (7.5), a title of
its own for each page — « Erreur — » first after a refusal, the confirmation titled as its heading (8.6) —, the
error summary's links to a radio group's first button, the agents' confirmations marked « (obligatoire) » and the
article 19-1 box saying what ticking it means (11.10). In process: the portal on the declarations and essoc
services (their apps on the embedded MongoDB), signed in through the development sign-in. The focus after a
refusal (7.4) is a browser's: tests/browser/test_ogde_journey.py."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from starlette.types import ASGIApp, Receive, Scope, Send

from chassis.http.auth import mint
from chassis.service import Runtime, attach, create_app
from declarations.bootstrap import build as build_declarations
from declarations.settings import DeclarationsSettings
from devstack.pytest_plugin import fresh_db_name
from essoc.bootstrap import build as build_essoc
from essoc.settings import EssocSettings
from portal import rgaa
from portal.app import create_app as create_portal
from portal.forms import Form
from portal.rendering import templates
from portal.settings import PortalSettings

from portal_sign_in import dev_sign_in

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]
SECRET = "rgaa-fixes-tests-secret-0123456789-abcdefghij"
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
DECLARANT = {"sub": "declarant-demo", "role": "declarant", "email": "marie.payet@producteur.example",
             "relations": ["rel-971-0001", "rel-971-0002", "rel-974-0001"]}  # fmt: skip
REQUESTER = {"sub": "requester-demo", "role": "requester", "name": "Bricot", "given_name": "Juda",
             "email": "juda.bricot@entreprise.example"}  # fmt: skip
AGENT = {"sub": "agent-971", "role": "agent", "name": "Lubin", "given_name": "Joseph",
         "email": "joseph.lubin@douane.example", "territories": ["971"], "directorates": ["dr-guadeloupe"]}  # fmt: skip
RESCRIT = {
    "requester_type": "particulier",
    "nature": "rescrit",
    "category": "octroi-de-mer",
    "sub_category": "dr-guadeloupe",
    "fields": [{"domain": "octroi-de-mer", "sub_domain": "octroi de mer interne"}],
    "subject": "Taux d'octroi de mer applicable au rhum vieux",
    "description": "Quel taux s'applique à nos ventes de rhum vieux en Guadeloupe ?",
}
FIXED = ("7.4", "7.5", "8.6", "11.10")
HTMX = {"HX-Request": "true"}


def _by_host(apps: dict[str, ASGIApp]) -> ASGIApp:
    """The services behind one transport, each at its host (`http://declarations`, `http://essoc`)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        host = dict(scope.get("headers") or []).get(b"host", b"").decode().split(":")[0]
        await apps.get(host, apps["declarations"])(scope, receive, send)

    return app


class Desk:
    """The declarations and essoc services (as their APIs' clients) and a portal in front of them."""

    def __init__(self, service: httpx.AsyncClient, portal: httpx.AsyncClient, db: AsyncDatabase[dict[str, Any]]):
        self.service = service
        self.portal = portal
        self.db = db

    async def call(self, who: dict[str, Any], method: str, url: str, body: object = None) -> dict[str, Any]:
        token = mint(DeclarationsSettings(jwt_secret=SECRET), **who)  # type: ignore[arg-type]
        r = await self.service.request(method, url, json=body, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code in (200, 201), r.text
        answer: dict[str, Any] = r.json()
        return answer

    async def declaration(self) -> str:
        """The 3rd quarter of 2026 of rel-974-0001, its details given, one sale, its totals computed."""
        found = await self.call(
            DECLARANT, "POST", "http://declarations/api/v1/declarations",
            {"relation_id": "rel-974-0001", "year": 2026, "quarter": 3},
        )  # fmt: skip
        did = str(found["id"])
        details = {"name": "Marie Payet", "quality": "representant", "place": "Le Port", "payment_method": "virement"}
        await self.call(DECLARANT, "PUT", f"http://declarations/api/v1/declarations/{did}/declarant", details)
        sale = {"annex": "A", "nomenclature": "19059080", "price_excl_tax": "12500.00"}
        await self.call(DECLARANT, "POST", f"http://declarations/api/v1/declarations/{did}/lines", sale)
        doc = await self.db["declarations"].find_one({"_id": did})
        assert doc is not None
        totals = {"version": doc["version"], "complete": True, "boxes": {"1": "12500.00"}, "total_due": "0.00",
                  "warnings": [], "errors": []}  # fmt: skip
        await self.db["declarations"].update_one({"_id": did}, {"$set": {"totals": totals}})
        return did

    async def page(self, path: str, **headers: str) -> httpx.Response:
        r = await self.portal.get(path, headers=headers)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
        return r

    async def post(self, path: str, data: dict[str, str], *, page: str) -> httpx.Response:
        token = re.search(r'name="csrf" value="([^"]+)"', (await self.page(page)).text)
        assert token
        return await self.portal.post(path, data={"csrf": token.group(1), **data})


@pytest.fixture
async def desk(
    mongo_db: AsyncDatabase[dict[str, Any]], mongo_client: AsyncMongoClient[dict[str, Any]], mongo_uri: str
) -> AsyncIterator[Desk]:
    declarations = build_declarations(
        DeclarationsSettings(
            mongo_db=mongo_db.name,
            relay_enabled=False,
            consume=False,
            jwt_secret=SECRET,
            territories=["971", "974"],
            reference_dir=str(ROOT / "deploy/territories"),
            topics_file=str(ROOT / "deploy/kafka/topics.yaml"),
            reminders_enabled=False,
        ),
        clock=lambda: NOW,
    )
    essoc_db = fresh_db_name("rgaa_fixes_essoc")
    essoc = build_essoc(
        EssocSettings(
            mongo_db=essoc_db,
            relay_enabled=False,
            consume=False,
            jwt_secret=SECRET,
            company_directory=str(ROOT / "deploy/reference/companies.csv"),
            agent_directory=str(ROOT / "deploy/reference/agents.yaml"),
            topics_file=str(ROOT / "deploy/kafka/topics.yaml"),
        )
    )
    apps: dict[str, ASGIApp] = {}
    for host, definition in (("declarations", declarations), ("essoc", essoc)):
        app = create_app(definition)
        runtime = Runtime(definition, client=mongo_db.client)
        await runtime.wire()
        attach(app, runtime)
        apps[host] = app
    transport = httpx.ASGITransport(app=_by_host(apps))
    portal = create_portal(
        PortalSettings(
            mongo_uri=mongo_uri,
            mongo_db=mongo_db.name,
            session_secret="a-strong-session-secret-for-the-tests-0123456789",
            dev_login=True,
            dev_jwt_secret=SECRET,
            declarations_url="http://declarations",
            taxcalc_url="http://taxcalc",  # none here: the sale's rates read « no rate »
            essoc_url="http://essoc",
            demo_users_file=str(ROOT / "deploy/reference/demo-users.yaml"),
            changelog_file=str(ROOT / "CHANGELOG.md"),
        ),
        transport=transport,
    )
    try:
        async with (
            portal.router.lifespan_context(portal),
            httpx.AsyncClient(transport=transport) as service,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=portal), base_url="http://portail.test") as browser,
        ):
            yield Desk(service, browser, mongo_db)
    finally:
        await mongo_client.drop_database(essoc_db)


class _Nesting(HTMLParser):
    """The ids of the elements around the one of id `wanted` (itself included)."""

    VOID = frozenset(("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"))

    def __init__(self, wanted: str) -> None:
        super().__init__()
        self.wanted = wanted
        self.open: list[tuple[str, str]] = []
        self.found: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs).get("id") or ""
        if tag not in self.VOID:
            self.open.append((tag, named))
        if named == self.wanted and self.found is None:
            self.found = [i for _, i in self.open if i] + ([named] if tag in self.VOID else [])

    def handle_endtag(self, tag: str) -> None:
        for at in range(len(self.open) - 1, -1, -1):
            if self.open[at][0] == tag:
                del self.open[at:]
                break


def _around(page: str, element_id: str) -> list[str]:
    nesting = _Nesting(element_id)
    nesting.feed(page)
    assert nesting.found is not None, f"no #{element_id}"
    return nesting.found


def _title(page: str) -> str:
    found = re.search(r"<title>(.*?)</title>", page, re.S)
    assert found, page[:300]
    return " ".join(html.unescape(found.group(1)).split())


def _h1(page: str) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    assert found
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


# RGAA 8.6


async def test_each_domino_screen_has_a_title_of_its_own_and_a_refusal_is_titled_erreur(desk: Desk) -> None:
    did = await desk.declaration()
    assert (await dev_sign_in(desk.portal, "declarant")).status_code == 303
    base = f"/domino/declarations/{did}"
    screens = [
        "/donnees", "/annexe-a", "/annexe-a/produit", "/annexe-a/vente?nomenclature=19059080", "/import",
        "/annexe-b", "/annexe-b/produit", "/annexe-b/vente?nomenclature=33051000", "/champs-calcules",
        "/octroi-de-mer", "/octroi-de-mer-regional", "/recapitulatif", "/depot/confirmation",
    ]  # fmt: skip
    titles = {path: _title((await desk.page(base + path)).text) for path in screens}
    assert len(set(titles.values())) == len(screens), titles
    for title in titles.values():
        assert title.endswith("— DOMINO-NG — " + title.rsplit("— ", 1)[1]) and "3e trimestre 2026" in title, title
        assert not title.startswith("Erreur")
    assert titles["/annexe-a/produit"].startswith("Ajouter un produit — Annexe A — Ventes internes — ")
    assert titles["/annexe-a/vente?nomenclature=19059080"].startswith("Ajouter une vente interne — Annexe A")
    assert titles["/annexe-b/vente?nomenclature=33051000"].startswith("Ajouter une exportation — Annexe B")

    refused = await desk.post(f"{base}/annexe-a/produit", {"nomenclature": ""}, page=f"{base}/annexe-a/produit")
    assert refused.status_code == 422
    assert _title(refused.text) == "Erreur — " + titles["/annexe-a/produit"]

    # the confirmation of filing is titled as its heading
    await desk.call(DECLARANT, "POST", f"http://declarations/api/v1/declarations/{did}/filing")
    receipt = (await desk.page(f"{base}/accuse")).text
    assert _h1(receipt) == "Votre déclaration du 3e trimestre 2026 est déposée"
    assert _title(receipt).startswith(_h1(receipt) + " — DOMINO-NG — ")


async def test_each_step_of_nouvelle_demande_has_a_title_of_its_own_and_a_refusal_is_titled_erreur(
    desk: Desk,
) -> None:
    assert (await dev_sign_in(desk.portal, "requester")).status_code == 303
    first = await desk.page("/ogde/nouvelle-demande")
    refused = await desk.post("/ogde/nouvelle-demande", {"action": "suivant"}, page="/ogde/nouvelle-demande")
    assert refused.status_code == 422
    assert _title(refused.text) == "Erreur — " + _title(first.text)
    started = await desk.post(
        "/ogde/nouvelle-demande", {"requester_type": "particulier", "action": "suivant"}, page="/ogde/nouvelle-demande"
    )
    draft = started.headers["location"].removesuffix("/caracteristiques")
    steps = ("caracteristiques", "champs", "demande", "pieces", "recapitulatif")
    titles = [_title(first.text)] + [_title((await desk.page(f"{draft}/{step}")).text) for step in steps]
    assert len(set(titles)) == len(titles), titles
    assert titles[0].startswith("Nouvelle demande — Demandeur — OGDE — ")
    assert titles[-1].startswith("Nouvelle demande — Récapitulatif — OGDE — ")

    # RGAA 11.10: no field of application chosen, the error leads to the first box, not to the fieldset
    none_chosen = await desk.post(f"{draft}/champs", {"action": "suivant"}, page=f"{draft}/champs")
    assert none_chosen.status_code == 422
    first_box = re.search(r'<li><a href="#(champ-1-[^"]+)">', none_chosen.text)
    assert first_box and f'<input type="checkbox" id="{first_box.group(1)}"' in none_chosen.text


# RGAA 7.5


async def test_the_rates_and_the_amounts_are_said_by_the_one_live_region_outside_the_swapped_blocks(
    desk: Desk,
) -> None:
    did = await desk.declaration()
    assert (await dev_sign_in(desk.portal, "declarant")).status_code == 303
    sale = f"/domino/declarations/{did}/annexe-a/vente?nomenclature=19059080"
    for path, target in ((sale, "criteres"), (f"/domino/declarations/{did}/champs-calcules", "totaux")):
        page = (await desk.page(path)).text
        outside_the_dialog = re.sub(r'<dialog id="fin-de-session".*?</dialog>', "", page, flags=re.S)
        regions = re.findall(r"<[^>]+aria-live=\"polite\"[^>]*>", outside_the_dialog)
        assert regions == ['<p id="annonce" class="fr-sr-only" aria-live="polite">'], regions
        assert page.count('id="annonce"') == 1 and target in _around(page, target)
        assert {"contenu", target}.isdisjoint(_around(page, "annonce")), _around(page, "annonce")

    fragment = (await desk.page(sale + "&cana=Z001", **HTMX)).text  # « CANA » changed: the rates' block alone
    assert "aria-live" not in fragment
    said = re.search(r'<p id="annonce" hx-swap-oob="innerHTML">([^<]+)</p>', fragment)
    assert said, fragment
    callout = re.search(r'<div id="taux".*?<p class="fr-callout__text">([^<]+)</p>', fragment, re.S)
    assert callout and html.unescape(said.group(1)) == html.unescape(callout.group(1)).strip()
    assert "criteres" not in _around(fragment, "annonce")  # outside what is swapped

    computed = (await desk.page(f"/domino/declarations/{did}/champs-calcules", **HTMX)).text
    assert '<p id="annonce" hx-swap-oob="innerHTML">Montants calculés.</p>' in computed
    assert "aria-live" not in computed


async def test_the_rates_are_said_in_words_when_known() -> None:
    sale = templates().env.get_template("domino/sale.html")  # its rates' block as htmx asks for it, rates known
    request = type("Request", (), {"headers": HTMX})()
    context = sale.new_context(
        {
            "request": request, "form": Form(), "declaration": {"id": "d", "first_day": "2026-07-01"}, "line": None,
            "rates": {"om_rate": "2.5", "omr_rate": "1.5", "kind": "OMI", "matched_code": "19059080", "cana": None,
                      "deliberation": "CR/26-0112", "canas": []},
        }
    )  # fmt: skip
    fragment = "".join(sale.blocks["rates"](context))
    assert re.search(
        r'<p id="annonce" hx-swap-oob="innerHTML">Taux appliqués avec ces critères : octroi de mer 2,5\s%, '
        r"octroi de mer régional 1,5\s%\.</p>",
        fragment,
    ), fragment


# RGAA 11.10


def _fields(source: str, **values: Any) -> str:
    env = templates().env
    return env.from_string('{% import "fields.html" as f %}' + source).render(**values)


def test_an_error_on_a_radio_group_links_to_its_first_button() -> None:
    form = Form(errors={"decision": "Choisissez « Oui » ou « Non ».", "grounds": "Motivez."})
    shown = _fields(
        '{{ f.summary(form, radios=["decision"]) }}{{ f.radios(form, "decision", "Recevable ?", options) }}',
        form=form,
        options=[("oui", "Oui"), ("non", "Non")],
    )
    assert '<a href="#decision-1">' in shown and '<a href="#grounds">' in shown
    assert '<input type="radio" id="decision-1" name="decision" value="oui"' in shown


@pytest.mark.parametrize(
    ("template", "radio"),
    [("agent/request.html", "decision"), ("ogde/new.html", "requester_type"), ("domino/declarant.html", "quality")],
)
def test_every_summary_above_a_radio_group_names_it(template: str, radio: str) -> None:
    source = (ROOT / "services/portal/src/portal/templates" / template).read_text(encoding="utf-8")
    assert f'f.radios(form, "{radio}"' in source
    assert re.search(rf"f\.summary\(form, radios=\[\"{radio}\"\]", source), template


async def test_the_agents_confirmation_is_marked_obligatoire_and_its_error_links_to_it(desk: Desk) -> None:
    filed = await desk.call(REQUESTER, "POST", "http://essoc/api/v1/requests", RESCRIT)
    await desk.call(AGENT, "POST", f"http://essoc/api/v1/requests/{filed['id']}/take-charge")
    assert (await dev_sign_in(desk.portal, "agent_971")).status_code == 303
    page = f"/instruction/demandes/{filed['number']}"
    refused = await desk.post(f"{page}/recevabilite", {}, page=page)
    assert refused.status_code == 422
    summary = re.search(r'<div[^>]*id="erreur-formulaire".*?</div>', refused.text, re.S)
    assert summary, refused.text[:500]
    assert re.findall(r'href="#([^"]+)"', summary.group(0)) == ["decision-1", "confirmation"]
    label = re.search(r'<label class="fr-label" for="confirmation">(.*?)</label>', refused.text, re.S)
    assert label and "(obligatoire)" in label.group(1)
    assert 'value="on" required aria-describedby="confirmation-message">' in refused.text  # two attributes, not one
    assert _title(refused.text).startswith(f"Erreur — Demande n° {filed['number']} — Espace agents — ")


async def test_the_article_19_1_box_says_what_ticking_it_means(desk: Desk) -> None:
    did = await desk.declaration()
    assert (await dev_sign_in(desk.portal, "declarant")).status_code == 303
    page = (await desk.page(f"/domino/declarations/{did}/octroi-de-mer")).text
    for box in ("7", "9"):
        label = re.search(rf'<label class="fr-label" for="om-{box}_art19_1">(.*?)</label>', page, re.S)
        assert label, box
        said = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", label.group(1))).split())
        assert said == (
            f"Immobilisations au sens de l'article 19-1 (case {box}) Cochez si ces biens sont des immobilisations "
            "au sens de l'article 19-1 de la loi n° 2004-639"
        ), said


def test_the_statement_declares_the_four_findings_fixed() -> None:
    assessment = rgaa.read()
    fixed = {c.number: c for c in assessment.criteria if c.number in FIXED}
    assert {n: c.status for n, c in fixed.items()} == dict.fromkeys(FIXED, "conforme")
    assert all(c.note for c in fixed.values())

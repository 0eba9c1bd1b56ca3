"""The recap and the filed declaration show every field the declarant entered — per line the NAF code, the
avitaillement, the RFS, the CANA; the article 19-1 ticks; the years of the late deductions — and name the
declaration by its reference (« OM-974-2026-T3-0974000789 »), the internal id kept to the addresses. In process:
the portal on the declarations service (its app on the embedded MongoDB, its clock the test's)."""

from __future__ import annotations

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
from pypdf import PdfReader

from chassis.http.auth import mint
from chassis.service import Runtime, attach, create_app
from declarations.bootstrap import build
from declarations.settings import DeclarationsSettings
from portal.app import create_app as create_portal
from portal.settings import PortalSettings

from portal_sign_in import dev_sign_in

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]
SECRET = "recap-tests-secret-0123456789-abcdefghijklmnop"
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
REFERENCE = "OM-974-2026-T3-0974000789"
DECLARANT = {"sub": "declarant-demo", "role": "declarant", "email": "marie.payet@producteur.example",
             "relations": ["rel-971-0001", "rel-971-0002", "rel-974-0001"]}  # fmt: skip


class Desk:
    """The declarations service (as the declarant's API client) and a portal in front of it."""

    def __init__(self, service: httpx.AsyncClient, portal: httpx.AsyncClient, db: AsyncDatabase[dict[str, Any]]):
        self.service = service
        self.portal = portal
        self.db = db

    async def call(self, method: str, path: str, body: object = None) -> dict[str, Any]:
        r = await self.service.request(method, f"/api/v1{path}", json=body)
        assert r.status_code in (200, 201), r.text
        answer: dict[str, Any] = r.json()
        return answer

    async def computed(self, did: str) -> None:
        """taxcalc's totals for the current version, as its TotalsProjected leaves them in the read model."""
        doc = await self.db["declarations"].find_one({"_id": did})
        assert doc is not None
        boxes = {"1": "12500.00", "2": "3000.00", "7": "1000.00", "9": "50.00", "15": "0.00", "21bis": "20.00",
                 "27": "0.00"}  # fmt: skip
        totals = {"version": doc["version"], "complete": True, "boxes": boxes, "total_due": "0.00", "warnings": [],
                  "errors": []}  # fmt: skip
        await self.db["declarations"].update_one({"_id": did}, {"$set": {"totals": totals}})


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


@pytest.fixture
async def entered(desk: Desk) -> str:
    """The 3rd quarter of 2026 of rel-974-0001: a sale for ship supplies by another activity than the APE, an
    export placed under RFS, fixed assets of article 19-1, deductions omitted in 2025."""
    did = str(
        (await desk.call("POST", "/declarations", {"relation_id": "rel-974-0001", "year": 2026, "quarter": 3}))["id"]
    )
    details = {"name": "Marie Payet", "quality": "representant", "place": "Le Port", "payment_method": "virement"}
    await desk.call("PUT", f"/declarations/{did}/declarant", details)
    sale = {"annex": "A", "nomenclature": "19059080", "price_excl_tax": "12500.00", "naf": "10.71C",
            "avitaillement": True}  # fmt: skip
    await desk.call("POST", f"/declarations/{did}/lines", sale)
    export = {"annex": "B", "nomenclature": "33051000", "price_excl_tax": "3000.00", "naf": "20.42Z", "rfs": True}
    await desk.call("POST", f"/declarations/{did}/lines", export)
    deductions = {
        "om": {"7": "1000.00", "7_art19_1": True, "9": "50.00", "9_year": 2025},
        "omr": {"21bis": "20.00", "21bis_year": 2025},
    }
    await desk.call("PUT", f"/declarations/{did}/deductions", deductions)
    await desk.computed(did)
    return did


def _text(page: str) -> str:
    shown = html.unescape(re.sub(r"<[^>]+>", " ", page))
    return re.sub(r"\s+", " ", shown).replace("\u202f", " ").replace("\u00a0", " ")


def _table(page: str, table_id: str) -> str:
    found = re.search(rf'<table id="{table_id}">.*?</table>', page, re.S)
    assert found, f"no table #{table_id}"
    return _text(found.group(0))


async def test_the_recap_shows_naf_avitaillement_rfs_article_19_1_and_the_omission_years(
    desk: Desk, entered: str
) -> None:
    assert (await dev_sign_in(desk.portal, "declarant")).status_code == 303
    r = await desk.portal.get(f"/domino/declarations/{entered}/recapitulatif")
    assert r.status_code == 200, r.text
    sales = _table(r.text, "recap-annexe-a")
    assert "Code NAF" in sales and "Avitaillement" in sales
    assert "1905 90 80" in sales or "19059080" in sales
    assert "10.71C" in sales and re.search(r"10\.71C oui", sales), sales
    exports = _table(r.text, "recap-annexe-b")
    assert "20.42Z oui" in exports, exports  # placed under RFS
    om = _table(r.text, "recap-precisions-om")
    assert "7 Immobilisations au sens de l'article 19-1 de la loi n°2004-639 oui" in om, om
    assert "9 Immobilisations au sens de l'article 19-1 de la loi n°2004-639 non" in om, om
    assert "9 Année de l'omission 2025" in om, om
    omr = _table(r.text, "recap-precisions-omr")
    assert "21 Immobilisations au sens de l'article 19-1 de la loi n°2004-639 non" in omr, omr
    assert "21 bis Année de l'omission 2025" in omr, omr
    assert "Sans année de l'omission saisie, l'omission est de l'année de la déclaration (2026)." in _text(r.text)


async def test_the_filed_declaration_is_named_by_its_reference_and_shows_what_was_entered(
    desk: Desk, entered: str
) -> None:
    await desk.call("POST", f"/declarations/{entered}/filing")
    assert (await dev_sign_in(desk.portal, "declarant")).status_code == 303
    for page in (f"/domino/declarations/{entered}", f"/domino/declarations/{entered}/accuse"):
        r = await desk.portal.get(page)
        assert r.status_code == 200, r.text
        assert f'id="reference">{REFERENCE}<' in r.text
        shown = _text(re.sub(r'(href|action|hx-get)="[^"]*"', "", r.text))
        assert entered not in shown, f"{page} shows the internal id to people"
    consult = await desk.portal.get(f"/domino/declarations/{entered}")
    assert "10.71C oui" in _table(consult.text, "recap-annexe-a")
    assert "9 Année de l'omission 2025" in _table(consult.text, "recap-precisions-om")


async def test_the_receipt_pdf_holds_the_reference_and_every_field_never_the_internal_id(
    desk: Desk, entered: str
) -> None:
    await desk.call("POST", f"/declarations/{entered}/filing")
    assert (await dev_sign_in(desk.portal, "declarant")).status_code == 303
    r = await desk.portal.get(f"/domino/declarations/{entered}/declaration.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert r.headers["content-disposition"] == f'attachment; filename="declaration-{REFERENCE}.pdf"'
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)
    flat = re.sub(r"\s+", " ", text)
    assert REFERENCE in flat and "3e trimestre 2026" in flat
    assert entered not in flat and "decl-" not in flat
    assert "10.71C" in flat and "20.42Z" in flat
    assert "Immobilisations au sens de l'article 19-1 de la loi n°2004-639 oui" in flat
    assert "Année de l'omission 2025" in flat

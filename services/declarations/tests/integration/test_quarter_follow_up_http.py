"""The offices' follow-up through the HTTP API (in process, on the embedded MongoDB, no broker): a quarter's
relations one row each, filed, filed late, not filed past the 24th, the tabs' counts, the office filter, pages,
who may follow which territory, and the refusals in French."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from pymongo.asynchronous.database import AsyncDatabase

from chassis.http.auth import mint
from chassis.service import Runtime, attach, create_app
from declarations.bootstrap import build
from declarations.settings import DeclarationsSettings

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[4]
SECRET = "follow-up-test-secret-0123456789-abcdefghij"
BAKERIES = 21
"""Relations of a third office of Guadeloupe, written for these tests: more than a page of 20."""

USERS: dict[str, dict[str, Any]] = {
    "agent_971": {"sub": "agent-971", "role": "agent", "territories": ["971"]},
    "agent_974": {"sub": "agent-974", "role": "agent", "territories": ["974"]},
    "auditor": {"sub": "auditor", "role": "auditor", "territories": ["971", "974"]},
    "comptable": {"sub": "comptable", "role": "comptable", "territories": ["971", "974"]},
    "admin": {"sub": "admin", "role": "admin"},
    "declarant": {
        "sub": "declarant",
        "role": "declarant",
        "email": "marie.payet@producteur.example",
        "relations": ["rel-971-0001", "rel-971-0002", "rel-974-0001"],
    },
}


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 30, 12, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class FollowUp:
    runtime: Runtime
    clock: Clock
    clients: dict[str, httpx.AsyncClient]

    @property
    def db(self) -> AsyncDatabase[dict[str, Any]]:
        return self.runtime.db

    def __getattr__(self, user: str) -> httpx.AsyncClient:
        try:
            return self.clients[user]
        except KeyError:
            raise AttributeError(user) from None

    async def draft(self, relation_id: str, year: int, quarter: int, *, at: datetime) -> str:
        self.clock.now = at
        r = await self.declarant.post(
            "/api/v1/declarations", json={"relation_id": relation_id, "year": year, "quarter": quarter}
        )
        assert r.status_code == 201, r.text
        did: str = r.json()["id"]
        body = {"name": "Marie Payet", "quality": "representant", "place": "Baie-Mahault", "payment_method": "virement"}
        r = await self.declarant.put(f"/api/v1/declarations/{did}/declarant", json=body)
        assert r.status_code == 200, r.text
        return did

    async def filed(self, relation_id: str, year: int, quarter: int, *, at: datetime, total_due: str) -> str:
        did = await self.draft(relation_id, year, quarter, at=at)
        # taxcalc's totals for the current version, as its TotalsProjected leaves them in the read model
        doc = await self.db["declarations"].find_one({"_id": did})
        assert doc is not None
        totals = {"version": doc["version"], "complete": True, "boxes": {"15": total_due}, "total_due": total_due,
                  "warnings": [], "errors": []}  # fmt: skip
        await self.db["declarations"].update_one({"_id": did}, {"$set": {"totals": totals}})
        r = await self.declarant.post(f"/api/v1/declarations/{did}/filing")
        assert r.status_code == 200, r.text
        return did


def _reference(folder: Path) -> Path:
    """The demo territories, and a third office of Guadeloupe with its bakeries."""
    for territory in ("971", "974"):
        (folder / territory).mkdir(parents=True)
        for name in ("offices.yaml", "relations.yaml"):
            (folder / territory / name).write_text((ROOT / "deploy/territories" / territory / name).read_text())
    relations = yaml.safe_load((folder / "971/relations.yaml").read_text())
    relations["relations"] += [
        {
            "id": f"rel-971-1{n:03}",
            "number": f"09710010{n:02}",
            "siret": "41234567000019",
            "establishment": f"Boulangerie Créole n° {n}",
            "office": "971003",
            "production_activity_id": f"PA-971-1{n:03}",
            "trade_name": "Pains de Basse-Terre",
        }
        for n in range(1, BAKERIES + 1)
    ]
    (folder / "971/relations.yaml").write_text(yaml.safe_dump(relations, allow_unicode=True))
    return folder


@pytest.fixture
async def follow_up(mongo_db: AsyncDatabase[dict[str, Any]], tmp_path: Path) -> AsyncIterator[FollowUp]:
    settings = DeclarationsSettings(
        mongo_db=mongo_db.name,
        relay_enabled=False,
        consume=False,
        jwt_secret=SECRET,
        territories=["971", "974"],
        reference_dir=str(_reference(tmp_path / "territories")),
        topics_file=str(ROOT / "deploy/kafka/topics.yaml"),
        reminders_enabled=False,
    )
    clock = Clock()
    definition = build(settings, clock=clock)
    app = create_app(definition)
    runtime = Runtime(definition, client=mongo_db.client)
    await runtime.wire()
    attach(app, runtime)
    clients = {
        name: httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://declarations",
            headers={"Authorization": f"Bearer {mint(settings, **claims)}"},
        )
        for name, claims in USERS.items()
    }
    clients["anonymous"] = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://declarations")
    try:
        yield FollowUp(runtime, clock, clients)
    finally:
        for client in clients.values():
            await client.aclose()


def _problem(response: httpx.Response, status: int, field: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["detail"] and body["field"] == field, body
    return body


def _by_relation(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["relation_id"]: row for row in body["items"]}


async def _quarter(follow_up: FollowUp) -> dict[str, str]:
    """The 3rd quarter of 2025 (due 24 October 2025): one filed on time and partly paid, one filed late, one
    drafted and never filed; the bakeries opened nothing."""
    on_time = await follow_up.filed(
        "rel-971-0001", 2025, 3, at=datetime(2025, 10, 20, 14, tzinfo=UTC), total_due="1250.40"
    )
    late = await follow_up.filed("rel-971-0002", 2025, 3, at=datetime(2025, 11, 3, 14, tzinfo=UTC), total_due="80.00")
    draft = await follow_up.draft("rel-974-0001", 2025, 3, at=datetime(2025, 10, 2, 8, tzinfo=UTC))
    follow_up.clock.now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    payment = {"reference": "TP-2025-0042", "amount": "1000.00", "paid_on": "2025-10-22", "method": "telepaiement"}
    r = await follow_up.comptable.post(f"/api/v1/declarations/{on_time}/payments", json=payment)
    assert r.status_code == 201, r.text
    return {"on_time": on_time, "late": late, "draft": draft}


async def test_every_relation_of_the_quarter_has_one_row_with_its_standing(follow_up: FollowUp) -> None:
    ids = await _quarter(follow_up)
    r = await follow_up.admin.get("/api/v1/quarters/2025/3/declarations", params={"per_page": 200})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["year"], body["quarter"], body["period"], body["due_date"]) == (2025, 3, "3e trimestre 2025",
                                                                                "2025-10-24")  # fmt: skip
    assert body["total"] == BAKERIES + 3 == len(body["items"])
    assert body["counts"] == {"filed": 2, "not_filed": BAKERIES + 1, "late": BAKERIES + 2, "all": BAKERIES + 3}
    rows = _by_relation(body)

    on_time = rows["rel-971-0001"]
    assert on_time["relation_number"] == "0971000123" and on_time["siret"] == "41234567000019"
    assert on_time["name"] == "Distillerie Bellevue — site de Capesterre" and on_time["territory"] == "971"
    assert (on_time["office"], on_time["office_name"]) == ("971001", "Bureau de Pointe-à-Pitre port")
    assert (on_time["filed"], on_time["filed_late"], on_time["not_filed_past_due"], on_time["late"]) == (
        True, False, False, False)  # fmt: skip
    declaration = on_time["declaration"]
    assert declaration["id"] == ids["on_time"] and declaration["status"] == "filed"
    assert declaration["filed_at"].startswith("2025-10-20T14:00") and declaration["total_due"] == "1250.40"
    payment = declaration["payment"]
    assert (payment["status"], payment["status_label"], payment["paid"], payment["balance"]) == (
        "partly_paid", "partiellement payée", "1000.00", "250.40")  # fmt: skip

    late = rows["rel-971-0002"]
    assert late["filed"] and late["filed_late"] and late["late"] and not late["not_filed_past_due"]
    assert late["declaration"]["days_late"] == 10 and late["declaration"]["payment"]["status"] == "unpaid"

    drafted = rows["rel-974-0001"]
    assert not drafted["filed"] and drafted["not_filed_past_due"] and drafted["late"]
    assert drafted["declaration"]["id"] == ids["draft"] and drafted["declaration"]["status"] == "draft"
    assert drafted["declaration"]["payment"] is None and drafted["declaration"]["filed_at"] is None

    bakery = rows["rel-971-1001"]
    assert bakery["declaration"] is None and bakery["not_filed_past_due"] and bakery["late"]
    assert bakery["name"] == "Boulangerie Créole n° 1" and bakery["office_name"] == "Bureau de Basse-Terre"
    assert [o["code"] for o in body["offices"]] == ["971001", "971002", "971003", "974001"]
    assert body["territories"] == ["971", "974"]


async def test_each_tab_lists_what_its_count_says(follow_up: FollowUp) -> None:
    await _quarter(follow_up)
    url = "/api/v1/quarters/2025/3/declarations"
    filed = (await follow_up.agent_971.get(url, params={"status": "filed"})).json()
    assert [row["relation_id"] for row in filed["items"]] == ["rel-971-0001", "rel-971-0002"]
    assert filed["counts"] == {"filed": 2, "not_filed": BAKERIES, "late": BAKERIES + 1, "all": BAKERIES + 2}
    not_filed = (await follow_up.agent_971.get(url, params={"status": "not_filed", "per_page": 200})).json()
    assert not_filed["total"] == BAKERIES and all(row["declaration"] is None for row in not_filed["items"])
    late = (await follow_up.agent_971.get(url, params={"status": "late", "per_page": 200})).json()
    assert late["total"] == BAKERIES + 1 and "rel-971-0001" not in _by_relation(late)


async def test_before_the_24th_nothing_filed_is_not_late_yet(follow_up: FollowUp) -> None:
    await follow_up.filed("rel-971-0001", 2025, 3, at=datetime(2025, 10, 20, 14, tzinfo=UTC), total_due="10.00")
    follow_up.clock.now = datetime(2025, 10, 24, 23, tzinfo=UTC)  # still the 24th in Guadeloupe (UTC−4)
    body = (await follow_up.agent_971.get("/api/v1/quarters/2025/3/declarations", params={"per_page": 200})).json()
    assert body["counts"] == {"filed": 1, "not_filed": BAKERIES + 1, "late": 0, "all": BAKERIES + 2}
    assert not any(row["not_filed_past_due"] for row in body["items"])
    follow_up.clock.now = datetime(2025, 10, 25, 4, 30, tzinfo=UTC)  # the 25th in Guadeloupe
    body = (await follow_up.agent_971.get("/api/v1/quarters/2025/3/declarations", params={"per_page": 200})).json()
    assert body["counts"]["late"] == BAKERIES + 1


async def test_the_office_filter_and_the_pages(follow_up: FollowUp) -> None:
    await _quarter(follow_up)
    url = "/api/v1/quarters/2025/3/declarations"
    first = (await follow_up.agent_971.get(url, params={"office": "971003", "per_page": 20})).json()
    assert first["total"] == BAKERIES and len(first["items"]) == 20 and first["office"] == "971003"
    assert first["counts"] == {"filed": 0, "not_filed": BAKERIES, "late": BAKERIES, "all": BAKERIES}
    assert len(first["offices"]) == 3, "the filter still offers every office of the relations seen"
    second = (await follow_up.agent_971.get(url, params={"office": "971003", "per_page": 20, "page": 2})).json()
    assert [row["relation_id"] for row in second["items"]] == [f"rel-971-1{BAKERIES:03}"]
    seen = {row["relation_id"] for row in first["items"]} | {row["relation_id"] for row in second["items"]}
    assert len(seen) == BAKERIES
    beyond = (await follow_up.agent_971.get(url, params={"office": "971003", "per_page": 20, "page": 3})).json()
    assert beyond["items"] == [] and beyond["total"] == BAKERIES
    other = (await follow_up.agent_971.get(url, params={"office": "974001"})).json()
    assert other["items"] == [] and other["counts"]["all"] == 0


async def test_an_agent_follows_the_relations_of_its_territories_only(follow_up: FollowUp) -> None:
    await _quarter(follow_up)
    url = "/api/v1/quarters/2025/3/declarations"
    reunion = (await follow_up.agent_974.get(url)).json()
    assert [row["relation_id"] for row in reunion["items"]] == ["rel-974-0001"]
    assert [o["code"] for o in reunion["offices"]] == ["974001"] and reunion["territories"] == ["974"]
    guadeloupe = (await follow_up.agent_971.get(url, params={"per_page": 200})).json()
    assert "rel-974-0001" not in _by_relation(guadeloupe) and guadeloupe["total"] == BAKERIES + 2
    for reader in ("auditor", "comptable"):
        assert (await follow_up.clients[reader].get(url)).json()["counts"]["all"] == BAKERIES + 3


async def test_a_declarant_is_refused_the_follow_up_in_french(follow_up: FollowUp) -> None:
    refusal = _problem(await follow_up.declarant.get("/api/v1/quarters/2025/3/declarations"), 403, "role")
    assert refusal["detail"] == "Le suivi des déclarations d'un trimestre est réservé aux agents des douanes."
    _problem(await follow_up.declarant.get("/api/v1/quarters"), 403, "role")
    assert (await follow_up.anonymous.get("/api/v1/quarters/2025/3/declarations")).status_code == 401


async def test_wrong_queries_are_refused_on_their_field_in_french(follow_up: FollowUp) -> None:
    url = "/api/v1/quarters/2025/3/declarations"
    body = _problem(await follow_up.agent_971.get(url, params={"status": "archived"}), 422, "status")
    assert body["detail"].startswith("Statut : ")
    _problem(await follow_up.agent_971.get(url, params={"per_page": 500}), 422, "per_page")
    _problem(await follow_up.agent_971.get(url, params={"page": 0}), 422, "page")
    _problem(await follow_up.agent_971.get("/api/v1/quarters/2025/5/declarations"), 422, "quarter")
    body = _problem(await follow_up.agent_971.get("/api/v1/quarters/2004/2/declarations"), 422, "year")
    assert "1er août 2004" in body["detail"]
    body = _problem(await follow_up.agent_971.get(url, params={"office": "999999"}), 422, "office")
    assert body["detail"] == "Aucun bureau de douane n'a le code 999999."


async def test_the_quarter_followed_by_default_is_the_latest_ended(follow_up: FollowUp) -> None:
    follow_up.clock.now = datetime(2026, 10, 10, 12, tzinfo=UTC)
    body = (await follow_up.agent_971.get("/api/v1/quarters")).json()
    assert body["followed"] == {"year": 2026, "quarter": 3, "period": "3e trimestre 2026", "due_date": "2026-10-24",
                                "filing_opens_on": "2026-10-01"}  # fmt: skip
    assert (body["current"]["year"], body["current"]["quarter"]) == (2026, 4)
    assert body["years"][0] == 2026 and body["years"][-1] == 2004
    follow_up.clock.now = datetime(2026, 12, 31, 22, tzinfo=UTC)  # 1 January in La Réunion, not in Guadeloupe
    assert (await follow_up.agent_974.get("/api/v1/quarters")).json()["followed"]["quarter"] == 4
    assert (await follow_up.agent_971.get("/api/v1/quarters")).json()["followed"]["quarter"] == 3
    assert (await follow_up.auditor.get("/api/v1/quarters")).json()["followed"]["quarter"] == 3

"""The people's rights through essoc's HTTP API on the embedded MongoDB (decision record 0030): « Mes données » of
one person holds all of theirs and nothing of anyone else's (two requesters of one directorate, the agent who
handles both); an erasure is granted for a draft (closed, recorded due for erasure) and refused for a declaration
with its date and its text; a rectification is tracked, late ones flagged, answered by the DPO only; the agents'
reads are logged for the DPO and nobody else."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from chassis.http.auth import mint

from essoc_http_support import SIRET, essoc_app, problem

pytestmark = pytest.mark.integration

NOW = datetime(2027, 1, 31, 9, 0, tzinfo=UTC)
CHARACTERISTICS = {"nature": "rescrit", "category": "octroi-de-mer", "sub_category": "dr-guadeloupe"}
DPO = {"sub": "dpo-1", "role": "dpo", "name": "Dorval", "given_name": "Hélène", "email": "helene.dorval@douane.example"}


@pytest.fixture
async def essoc(mongo_db):  # type: ignore[no-untyped-def]
    async with essoc_app(mongo_db) as app:
        app.clock.now = lambda: NOW
        app.clients["dpo"] = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app.app),
            base_url="http://essoc",
            headers={"Authorization": f"Bearer {mint(app.settings, **DPO)}"},
        )
        yield app


async def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


async def _mine(client: httpx.AsyncClient) -> dict[str, Any]:
    return await _ok(await client.get("/api/v1/personal-data/mine"))


async def _draft(essoc: Any) -> str:
    started = await essoc.juda.post("/api/v1/drafts", json={"requester_type": "entreprise", "siret": SIRET})
    draft = await _ok(started, 201)
    await _ok(await essoc.juda.put(f"/api/v1/drafts/{draft['id']}/characteristics", json=CHARACTERISTICS))
    return str(draft["id"])


async def test_each_persons_data_holds_all_of_theirs_and_nothing_of_anyone_elses(essoc: Any) -> None:
    # given two requesters of one directorate, both handled by the same agent, and a draft of Juda's
    juda = await essoc.file(user="juda")
    marie = await essoc.file(user="other")
    for request in (juda, marie):
        await _ok(await essoc.agent_971.post(f"/api/v1/requests/{request['id']}/take-charge"))
    draft_id = await _draft(essoc)

    # when each asks for their data
    of_juda, of_marie, of_agent = await _mine(essoc.juda), await _mine(essoc.other), await _mine(essoc.agent_971)

    # then each export has theirs: records, values, events and retention
    assert {r["record_id"] for r in of_juda["records"]} == {juda["id"], draft_id}
    names = {(v["field"], v["value"]) for r in of_juda["records"] for v in r["values"]}
    assert ("requester.email", "juda.bricot@entreprise.example") in names
    assert ("subject", juda["subject"]) in names
    request = next(r for r in of_juda["records"] if r["record_id"] == juda["id"])
    assert request["retention"]["record_type"] == "essoc_request_closed"
    assert request["retention"]["ends_at"] is None  # runs from the closure, not yet
    draft = next(r for r in of_juda["records"] if r["record_id"] == draft_id)
    assert draft["retention"]["ends_at"].startswith("2027-05-01")  # 90 days after its last change
    assert {r["record_id"] for r in of_marie["records"]} == {marie["id"]}
    assert {r["record_id"] for r in of_agent["records"]} == {juda["id"], marie["id"]}
    # and nothing of anyone else's
    text = {who: json.dumps(data, ensure_ascii=False) for who, data in (("juda", of_juda), ("marie", of_marie))}
    assert "Payet" not in text["juda"] and "marie.payet" not in text["juda"] and "Lubin" not in text["juda"]
    assert "Bricot" not in text["marie"] and "u-juda" not in text["marie"]
    agents = json.dumps(of_agent, ensure_ascii=False)
    assert "Bricot" not in agents and "Payet" not in agents and juda["subject"] not in agents
    assert {v["field"] for r in of_agent["records"] for v in r["values"]} >= {"agent_id", "actor.id"}


async def test_an_erasure_is_granted_for_a_draft_and_refused_for_a_declaration_with_its_date(essoc: Any) -> None:
    draft_id = await _draft(essoc)
    records = [
        {"service": "essoc", "record_type": "essoc_draft", "record_id": draft_id, "label": "Brouillon de demande"},
        {
            "service": "declarations",
            "record_type": "declaration",
            "record_id": "decl-971-2026-Q4",
            "label": "Déclaration 2026 T4",
            "retention_ends_at": "2029-12-31T23:59:59Z",
        },
    ]

    # a request with no record is refused on its field and changes nothing
    problem(await essoc.juda.post("/api/v1/rights-requests/erasure", json={"records": []}), 422, "records")
    assert await essoc.count("events", {"stream_type": "droits"}) == 0

    decided = await _ok(await essoc.juda.post("/api/v1/rights-requests/erasure", json={"records": records}), 201)

    assert decided["number"] == "DR-2027-000001" and decided["state"] == "decidee"
    draft, declaration = decided["outcomes"]
    assert draft["outcome"] == "accordee" and "supprimé" in draft["reason"]
    assert declaration["outcome"] == "refusee" and declaration["kept_until"].startswith("2029-12-31")
    assert "Code des douanes, art. 354" in declaration["source"]
    # the draft is closed and recorded due for erasure (the key's destruction reads it)
    due = await essoc.db["erasure_due"].find_one({"stream_id": draft_id})
    assert due is not None and due["subject_id"] == "u-juda" and due["record_type"] == "essoc_draft"
    assert await essoc.count("events", {"stream_id": draft_id, "type": "DraftDiscarded"}) == 1
    assert await essoc.count("erasure_due", {"stream_id": "decl-971-2026-Q4"}) == 0
    # Marie cannot name Juda's draft to have it erased
    await _ok(await essoc.other.post("/api/v1/rights-requests/erasure", json={"records": records[:1]}), 201)
    assert await essoc.count("erasure_due", {"subject_id": "u-marie"}) == 0


async def test_a_rectification_is_tracked_flagged_when_late_and_answered_by_the_dpo(essoc: Any) -> None:
    asked = {"data_concerned": "Mon prénom", "what_is_wrong": "Il est écrit Judas", "right_value": ""}
    refused = problem(await essoc.juda.post("/api/v1/rights-requests/rectification", json=asked), 422, "right_value")
    assert "valeur exacte" in refused["detail"]
    assert await essoc.count("events", {"stream_type": "droits"}) == 0

    asked["right_value"] = "Juda"
    request = await _ok(await essoc.juda.post("/api/v1/rights-requests/rectification", json=asked), 201)
    number = request["number"]
    assert request["due_at"].startswith("2027-02-28")  # one month from 31 January (RGPD art. 12.3)
    assert (await essoc.other.get(f"/api/v1/rights-requests/{number}")).status_code == 404
    problem(await essoc.agent_971.get("/api/v1/rights-requests"), 403)
    listed = await _ok(await essoc.dpo.get("/api/v1/rights-requests"))
    assert [i["number"] for i in listed["items"]] == [number] and listed["overdue"] == 0

    essoc.clock.now = lambda: NOW + timedelta(days=29)
    assert (await _ok(await essoc.dpo.get("/api/v1/rights-requests")))["items"][0]["overdue"] is True
    url = f"/api/v1/rights-requests/{number}/decision"
    problem(await essoc.juda.post(url, json={"outcome": "accordee", "reason": "oui"}), 403)
    problem(await essoc.dpo.post(url, json={"outcome": "accordee", "reason": " "}), 422, "reason")
    await _ok(await essoc.dpo.post(url, json={"outcome": "accordee", "reason": "Le prénom est corrigé."}))

    # a stream like any other: the auditors' read folds it (an admin here)
    audited = await _ok(await essoc.admin.get(f"/api/v1/audit/streams/droits-{number}"))
    assert audited["chain"]["intact"] and audited["state"]["state"] == "accordee"
    assert [e["type"] for e in audited["events"]] == ["RightsRequested", "RectificationDecided"]

    mine = await _ok(await essoc.juda.get("/api/v1/rights-requests/mine"))
    assert [(i["number"], i["state"], i["reason"]) for i in mine["items"]] == [
        (number, "accordee", "Le prénom est corrigé.")
    ]
    assert (await _ok(await essoc.other.get("/api/v1/rights-requests/mine")))["items"] == []


async def test_an_agents_reads_are_logged_for_the_dpo_alone(essoc: Any) -> None:
    request = await essoc.file(user="juda")
    await _ok(await essoc.agent_971.get(f"/api/v1/requests/{request['id']}"))
    await _ok(await essoc.juda.get(f"/api/v1/requests/{request['id']}"))

    reads = await _ok(await essoc.dpo.get("/api/v1/admin/reads", params={"record": request["id"]}))

    assert [(r["who"], r["role"], r["record"]) for r in reads["items"]] == [
        ("agent-971", "agent", f"requests/{request['id']}")
    ]
    for who in ("agent_971", "juda", "auditor"):
        problem(await essoc.clients[who].get("/api/v1/admin/reads"), 403)

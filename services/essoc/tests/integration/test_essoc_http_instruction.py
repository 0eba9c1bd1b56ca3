"""The agents' instruction through the HTTP API: the board's tabs, filters, search and sort, who follows a
request, reassignment, private notes (never the requester's), and the badge of what the requester wrote."""

from __future__ import annotations

from typing import Any

import pytest

from essoc_http_support import control, essoc_app, problem, rescrit

pytestmark = pytest.mark.integration


@pytest.fixture
async def essoc(mongo_db):  # type: ignore[no-untyped-def]
    async with essoc_app(mongo_db) as app:
        yield app


async def _board(essoc: Any, user: str = "agent_971", **params: Any) -> dict[str, Any]:
    r = await essoc.clients[user].get("/api/v1/instruction/requests", params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _numbers(board: dict[str, Any]) -> list[int]:
    return [row["number"] for row in board["items"]]


async def test_the_board_queues_requests_by_stage_and_follows_the_agent_who_takes_them(essoc) -> None:  # type: ignore[no-untyped-def]
    new = await essoc.file()
    taken = await essoc.file()
    await essoc.agent_971.post(f"/api/v1/requests/{taken['id']}/take-charge")
    board = await _board(essoc)
    assert _numbers(board) == [new["number"]]
    assert board["counts"] == {"a-traiter": 1, "suivies": 1, "prises-en-charge": 1, "refusees": 0, "cloturees": 0}
    assert [t["label"] for t in board["tabs"]][:2] == ["À traiter", "Suivies par moi"]
    row = board["items"][0]
    assert row["requester_name"] == "Juda Bricot" and row["nature_label"] and row["subject"].startswith("Taux")
    # not yet judged admissible: no date, « 3 mois à compter de la recevabilité »
    assert row["clock"] == {
        "period_months": 3,
        "awaiting_admissibility": True,
        "deadline_at": None,
        "days_left": None,
        "near": False,
    }
    mine = await _board(essoc, tab="suivies")
    assert _numbers(mine) == [taken["number"]] and mine["items"][0]["followed_by"]["name"] == "Joseph Lubin"
    assert (await _board(essoc, "agent_971_b", tab="suivies"))["items"] == []
    assert _numbers(await _board(essoc, "agent_971_b", tab="prises-en-charge")) == [taken["number"]]


async def test_an_agent_of_another_territory_sees_none_of_the_board_and_a_requester_has_none(essoc) -> None:  # type: ignore[no-untyped-def]
    await essoc.file()
    board = await _board(essoc, "agent_974")
    assert board["items"] == [] and set(board["counts"].values()) == {0}
    problem(await essoc.juda.get("/api/v1/instruction/requests"), 403)


async def test_the_board_filters_searches_and_sorts(essoc) -> None:  # type: ignore[no-untyped-def]
    rhum = await essoc.file()
    banane = await essoc.file(rescrit(subject="Origine des bananes séchées", description="Règles d'origine."))
    ctrl = await essoc.file(control(description="Vérifier nos procédures d'entrepôt."))
    assert _numbers(await _board(essoc, nature="droit_au_controle")) == [ctrl["number"]]
    assert _numbers(await _board(essoc, q="SECHEES")) == [banane["number"]]  # case and accents aside
    assert _numbers(await _board(essoc, q="regles origine")) == [banane["number"]]
    for typed in (str(rhum["number"]), f"n° {rhum['number']}", f"#{rhum['number']}", f"000{rhum['number']}"):
        assert _numbers(await _board(essoc, q=typed)) == [rhum["number"]], typed
    assert (await _board(essoc, q="rhum"))["counts"]["a-traiter"] == 1
    by_subject = _numbers(await _board(essoc, sort="objet"))
    assert by_subject.index(banane["number"]) < by_subject.index(rhum["number"])
    assert _numbers(await _board(essoc, sort="numero", order="desc"))[0] == ctrl["number"]
    # without a date (not yet admissible, or a droit au contrôle, which has no clock) a request sorts after every
    # dated deadline, by number
    assert _numbers(await _board(essoc, sort="echeance"))[-1] == ctrl["number"]
    assert (await _board(essoc, admissibility="oui"))["items"] == []
    assert (await _board(essoc, state="cloturee"))["items"] == []
    problem(await essoc.agent_971.get("/api/v1/instruction/requests", params={"sort": "x"}), 422)


async def test_reassignment_moves_the_request_to_the_other_agents_queue(essoc) -> None:  # type: ignore[no-untyped-def]
    request = await essoc.file()
    rid = request["id"]
    await essoc.agent_971.post(f"/api/v1/requests/{rid}/take-charge")
    info = (await essoc.agent_971.get(f"/api/v1/requests/{rid}/instruction")).json()
    assert [a["id"] for a in info["agents"]] == ["agent-971-b", "agent-971"]  # by name: Bélénus, Lubin
    r = await essoc.agent_971.post(f"/api/v1/requests/{rid}/assignment", json={"agent_id": "agent-971-b"})
    assert r.status_code == 200, r.text
    assert r.json()["followed_by"] == {"id": "agent-971-b", "name": "Lucie Bélénus"}
    assert _numbers(await _board(essoc, "agent_971_b", tab="suivies")) == [request["number"]]
    assert (await _board(essoc, tab="suivies"))["items"] == []
    refused = await essoc.agent_971.post(f"/api/v1/requests/{rid}/assignment", json={"agent_id": "agent-974"})
    assert "même direction" in problem(refused, 422, "agent_id")["detail"]
    # the requester's view is untouched: no history row, no change of « MAJ »
    detail = (await essoc.juda.get(f"/api/v1/requests/{rid}")).json()
    assert [h["event"] for h in detail["history"]] == ["Dépôt de la demande", "Prise en charge"]


async def test_private_notes_are_read_by_agents_only_never_in_the_requesters_view_or_pdf(essoc) -> None:  # type: ignore[no-untyped-def]
    request = await essoc.file()
    rid = request["id"]
    r = await essoc.agent_971.post(f"/api/v1/requests/{rid}/notes", json={"text": "Voir la note NOTE-SECRETE-42."})
    assert r.status_code == 201, r.text
    assert [(n["text"], n["author"]) for n in r.json()["notes"]] == [("Voir la note NOTE-SECRETE-42.", "Joseph Lubin")]
    assert (await essoc.auditor.get(f"/api/v1/requests/{rid}/instruction")).json()["notes"]
    problem(await essoc.juda.get(f"/api/v1/requests/{rid}/instruction"), 403)
    problem(await essoc.juda.post(f"/api/v1/requests/{rid}/notes", json={"text": "x"}), 403)
    problem(await essoc.agent_974.get(f"/api/v1/requests/{rid}/instruction"), 404)
    for user in ("juda", "agent_971"):
        assert "NOTE-SECRETE" not in (await essoc.clients[user].get(f"/api/v1/requests/{rid}")).text
    pdf = await essoc.juda.get(f"/api/v1/requests/{rid}/pdf")
    assert pdf.status_code == 200 and b"NOTE-SECRETE" not in pdf.content
    problem(await essoc.agent_971.post(f"/api/v1/requests/{rid}/notes", json={"text": "  "}), 422, "text")


async def test_the_badge_shows_what_the_requester_wrote_since_the_agent_last_opened_it(essoc) -> None:  # type: ignore[no-untyped-def]
    rid = (await essoc.file())["id"]
    await essoc.agent_971.post(f"/api/v1/requests/{rid}/take-charge")
    assert (await essoc.agent_971.put(f"/api/v1/requests/{rid}/seen")).status_code == 204
    question = (await essoc.agent_971.post(f"/api/v1/requests/{rid}/questions", json={"text": "Quel degré ?"})).json()
    assert (await _board(essoc, tab="suivies"))["items"][0]["unread"] is None
    answer = f"/api/v1/requests/{rid}/questions/{question['question_id']}/answer"
    r = await essoc.juda.post(answer, json={"text": "40°"})
    assert r.status_code == 200, r.text
    row = (await _board(essoc, tab="suivies"))["items"][0]
    assert row["unread"]["kind"] == "reponse"
    assert (await _board(essoc, "agent_971_b", tab="prises-en-charge"))["items"][0]["unread"]["kind"] == "reponse"
    assert (await essoc.agent_971.get(f"/api/v1/requests/{rid}/instruction")).json()["unread"]["kind"] == "reponse"
    await essoc.agent_971.put(f"/api/v1/requests/{rid}/seen")
    assert (await _board(essoc, tab="suivies"))["items"][0]["unread"] is None
    # per agent: the other agent has not opened it
    assert (await _board(essoc, "agent_971_b", tab="prises-en-charge"))["items"][0]["unread"] is not None
    problem(await essoc.juda.put(f"/api/v1/requests/{rid}/seen"), 403)

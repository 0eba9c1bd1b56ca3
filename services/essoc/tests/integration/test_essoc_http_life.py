"""The life of a request through the HTTP API: tabs, who sees what, the agent's and requester's commands."""

from __future__ import annotations

import pytest

from essoc_http_support import control, essoc_app, problem, rescrit

pytestmark = pytest.mark.integration


@pytest.fixture
async def essoc(mongo_db):  # type: ignore[no-untyped-def]
    async with essoc_app(mongo_db) as app:
        yield app


async def _events(essoc, request_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [e["type"] async for e in essoc.db["events"].find({"stream_id": request_id}, sort=[("version", 1)])]


# ---- tabs and visibility ----------------------------------------------------------------------------


async def test_tabs_list_the_manuals_columns_and_count_every_tab(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    taken = await essoc.file()
    await essoc.agent_971.post(f"/api/v1/requests/{taken['id']}/take-charge")
    refused = await essoc.admitted()
    await essoc.closed()
    r = await essoc.agent_971.post(f"/api/v1/requests/{refused['id']}/closure", json={"response": "x"})
    assert r.status_code == 200
    refusal = await essoc.file(control())
    await essoc.agent_971.post(f"/api/v1/requests/{refusal['id']}/take-charge")
    await essoc.agent_971.post(
        f"/api/v1/requests/{refusal['id']}/admissibility", json={"decision": "non", "grounds": "demande-abusive"}
    )

    r = await essoc.juda.get("/api/v1/requests", params={"tab": "deposees"})
    assert r.status_code == 200
    body = r.json()
    assert body["counts"] == {"deposees": 1, "prises-en-charge": 1, "refusees": 1, "cloturees": 2}
    [row] = body["items"]
    assert row["number"] == filed["number"] and row["id"] == filed["id"]
    assert row["type"] == "rescrit sur une situation de fait / octroi de mer / DR Guadeloupe"
    assert {"filed_at", "description", "updated_at", "unit"} <= set(row)
    assert row["unit"] == "DR Guadeloupe - PAE"
    for tab, count in body["counts"].items():
        listed = (await essoc.juda.get("/api/v1/requests", params={"tab": tab})).json()
        assert listed["total"] == len(listed["items"]) == count
    assert (await essoc.juda.get("/api/v1/requests")).json()["total"] == 5
    problem(await essoc.juda.get("/api/v1/requests", params={"tab": "archives"}), 422, "tab")


async def test_a_requester_sees_only_their_own_requests(essoc) -> None:  # type: ignore[no-untyped-def]
    mine = await essoc.file()
    theirs = await essoc.file(user="other")
    listed = (await essoc.juda.get("/api/v1/requests")).json()
    assert [i["id"] for i in listed["items"]] == [mine["id"]]
    assert sum(listed["counts"].values()) == 1
    problem(await essoc.juda.get(f"/api/v1/requests/{theirs['id']}"), 404)
    problem(await essoc.juda.get(f"/api/v1/requests/{theirs['id']}/pdf"), 404)
    problem(await essoc.juda.get(f"/api/v1/requests/{theirs['id']}/history"), 404)


async def test_another_persons_request_answers_exactly_as_a_request_that_does_not_exist(essoc) -> None:  # type: ignore[no-untyped-def]
    """The probe's finding: 403 « Vous n'avez pas accès à la demande n° 1 » against 404 for n° 9999 told a
    requester which numbers exist. Now the same answer, by number and by id, for reads and commands."""
    theirs = await essoc.file(user="other")
    for suffix, method in (("", "get"), ("/pdf", "get"), ("/history", "get"), ("/complements", "post")):
        answers = []
        for named in (str(theirs["number"]), "999999", theirs["id"], "req-does-not-exist"):
            call = getattr(essoc.juda, method)
            r = await (
                call(f"/api/v1/requests/{named}{suffix}", json={"text": "x"})
                if method == "post"
                else call(f"/api/v1/requests/{named}{suffix}")
            )
            body = problem(r, 404, "id")
            answers.append((body["type"], body["detail"], body["title"]))
        assert len(set(answers)) == 1, (suffix, answers)


async def test_an_agent_sees_only_the_requests_of_its_territory_and_directorate(essoc) -> None:  # type: ignore[no-untyped-def]
    guadeloupe = await essoc.file()
    reunion = await essoc.file(rescrit(sub_category="dr-la-reunion"))
    assert [i["id"] for i in (await essoc.agent_971.get("/api/v1/requests")).json()["items"]] == [guadeloupe["id"]]
    assert [i["id"] for i in (await essoc.agent_974.get("/api/v1/requests")).json()["items"]] == [reunion["id"]]
    assert (await essoc.agent_971_other_dr.get("/api/v1/requests")).json()["items"] == []
    problem(await essoc.agent_974.get(f"/api/v1/requests/{guadeloupe['id']}"), 404)
    problem(await essoc.agent_971_other_dr.get(f"/api/v1/requests/{guadeloupe['id']}"), 404)
    assert (await essoc.agent_971.get(f"/api/v1/requests/{guadeloupe['id']}")).status_code == 200


async def test_an_admin_sees_every_request(essoc) -> None:  # type: ignore[no-untyped-def]
    await essoc.file()
    await essoc.file(rescrit(sub_category="dr-la-reunion"), user="other")
    assert (await essoc.admin.get("/api/v1/requests")).json()["total"] == 2


async def test_a_request_is_found_by_its_number_too(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    r = await essoc.juda.get(f"/api/v1/requests/{filed['number']}")
    assert r.status_code == 200 and r.json()["id"] == filed["id"]
    problem(await essoc.juda.get("/api/v1/requests/req-inconnue"), 404)


# ---- agent commands ---------------------------------------------------------------------------------


async def test_taking_charge_assigns_the_unit_and_puts_admissibility_under_study(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    r = await essoc.agent_971.post(
        f"/api/v1/requests/{filed['id']}/take-charge", json={"unit": "DR Guadeloupe - PAE Jarry"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["state"], body["tab"], body["admissibility"]) == ("prise_en_charge", "prises-en-charge", "a_l_etude")
    assert body["unit"] == "DR Guadeloupe - PAE Jarry" and body["request"]["admissibility_label"] == "À l'étude"
    problem(await essoc.agent_971.post(f"/api/v1/requests/{filed['id']}/take-charge"), 409)


async def test_an_agent_acts_only_on_requests_of_its_territory_and_directorate(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    for agent in ("agent_974", "agent_971_other_dr"):
        problem(await essoc.clients[agent].post(f"/api/v1/requests/{filed['id']}/take-charge"), 403)
    await essoc.agent_971.post(f"/api/v1/requests/{filed['id']}/take-charge")
    problem(await essoc.agent_974.post(f"/api/v1/requests/{filed['id']}/admissibility", json={"decision": "oui"}), 403)
    problem(await essoc.agent_974.post(f"/api/v1/requests/{filed['id']}/questions", json={"text": "?"}), 403)
    problem(await essoc.agent_974.post(f"/api/v1/requests/{filed['id']}/closure", json={"response": "r"}), 403)
    assert await _events(essoc, filed["id"]) == ["RequestSubmitted", "RequestTakenInCharge"]


async def test_a_requester_cannot_examine_a_request(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    problem(await essoc.juda.post(f"/api/v1/requests/{filed['id']}/take-charge"), 403)
    problem(await essoc.juda.post(f"/api/v1/requests/{filed['id']}/questions", json={"text": "?"}), 403)


async def test_admissibility_is_decided_after_taking_charge(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    problem(await essoc.agent_971.post(f"/api/v1/requests/{filed['id']}/admissibility", json={"decision": "oui"}), 409)
    problem(
        await essoc.agent_971.post(f"/api/v1/requests/{filed['id']}/admissibility", json={"decision": "peut-être"}),
        422,
        "decision",
    )


async def test_a_refusal_needs_its_grounds(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    await essoc.agent_971.post(f"/api/v1/requests/{filed['id']}/take-charge")
    problem(
        await essoc.agent_971.post(f"/api/v1/requests/{filed['id']}/admissibility", json={"decision": "non"}),
        422,
        "grounds",
    )
    r = await essoc.agent_971.post(
        f"/api/v1/requests/{filed['id']}/admissibility",
        json={"decision": "non", "grounds": "La demande porte sur une situation future."},
    )
    assert r.status_code == 200
    body = r.json()
    assert (body["state"], body["tab"], body["admissibility"]) == ("refusee", "refusees", "non")
    assert body["request"]["refusal_grounds"] == "La demande porte sur une situation future."


async def test_a_droit_au_controle_is_refused_only_on_a_ground_of_crpa_l124_1(essoc) -> None:  # type: ignore[no-untyped-def]
    # CRPA L.124-1: bad faith, abusive request, harm to the control programme.
    filed = await essoc.file(control())
    await essoc.agent_971.post(f"/api/v1/requests/{filed['id']}/take-charge")
    problem(
        await essoc.agent_971.post(
            f"/api/v1/requests/{filed['id']}/admissibility",
            json={"decision": "non", "grounds": "Nous sommes débordés."},
        ),
        422,
        "ground_code",
    )
    r = await essoc.agent_971.post(
        f"/api/v1/requests/{filed['id']}/admissibility", json={"decision": "non", "grounds": "programme-de-controle"}
    )
    assert r.status_code == 200, r.text
    refusal = r.json()["request"]
    assert refusal["refusal_ground_code"] == "programme-de-controle"
    assert "programme de contrôle" in refusal["refusal_grounds"]


async def test_questions_need_a_request_in_charge_and_a_text(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    problem(await essoc.agent_971.post(f"/api/v1/requests/{filed['id']}/questions", json={"text": "?"}), 409)
    await essoc.agent_971.post(f"/api/v1/requests/{filed['id']}/take-charge")
    problem(await essoc.agent_971.post(f"/api/v1/requests/{filed['id']}/questions", json={"text": " "}), 422, "text")
    problem(await essoc.agent_971.post(f"/api/v1/requests/{filed['id']}/questions", json={}), 422, "text")


async def test_closure_comes_after_the_request_is_found_admissible(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    await essoc.agent_971.post(f"/api/v1/requests/{filed['id']}/take-charge")
    problem(await essoc.agent_971.post(f"/api/v1/requests/{filed['id']}/closure", json={"response": "R."}), 409)
    await essoc.agent_971.post(f"/api/v1/requests/{filed['id']}/admissibility", json={"decision": "oui"})
    problem(
        await essoc.agent_971.post(f"/api/v1/requests/{filed['id']}/closure", json={"response": ""}), 422, "response"
    )
    problem(
        await essoc.agent_971.post(
            f"/api/v1/requests/{filed['id']}/closure", json={"response": "R.", "attachment_ids": ["pj-inconnue"]}
        ),
        404,
        "attachment_ids",
    )
    r = await essoc.agent_971.post(
        f"/api/v1/requests/{filed['id']}/closure", json={"response": "Vous trouverez le rescrit en pièce jointe."}
    )
    assert r.status_code == 200
    body = r.json()
    assert (body["state"], body["tab"]) == ("cloturee", "cloturees")
    assert body["request"]["response"] == "Vous trouverez le rescrit en pièce jointe." and body["closed_at"]
    problem(await essoc.agent_971.post(f"/api/v1/requests/{filed['id']}/closure", json={"response": "Encore."}), 409)


# ---- requester commands -----------------------------------------------------------------------------


async def test_each_question_is_answered_once_by_the_requester_and_kept_with_its_dates(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    await essoc.agent_971.post(f"/api/v1/requests/{filed['id']}/take-charge")
    r = await essoc.agent_971.post(
        f"/api/v1/requests/{filed['id']}/questions", json={"text": "Pouvez-vous préciser votre demande ?"}
    )
    assert r.status_code == 201
    question_id = r.json()["question_id"]
    url = f"/api/v1/requests/{filed['id']}/questions/{question_id}/answer"
    problem(await essoc.agent_971.post(url, json={"text": "Moi ?"}), 403)
    problem(await essoc.other.post(url, json={"text": "Moi ?"}), 404)
    r = await essoc.juda.post(url, json={"text": "Il s'agit de rhum agricole."})
    assert r.status_code == 200, r.text
    problem(await essoc.juda.post(url, json={"text": "Encore."}), 409, "question_id")
    problem(
        await essoc.juda.post(f"/api/v1/requests/{filed['id']}/questions/q-inconnue/answer", json={"text": "?"}),
        404,
        "question_id",
    )
    body = (await essoc.juda.get(f"/api/v1/requests/{filed['id']}")).json()
    question, answer = body["exchanges"]
    assert (question["kind"], question["text"]) == ("question", "Pouvez-vous préciser votre demande ?")
    assert (answer["kind"], answer["text"]) == ("answer", "Il s'agit de rhum agricole.")
    assert question["at"] <= answer["at"]
    assert body["questions"][0]["answer"] == "Il s'agit de rhum agricole."


async def test_complements_are_added_while_the_request_is_filed_or_in_charge(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    r = await essoc.juda.post(f"/api/v1/requests/{filed['id']}/complements", json={"text": "Précision."})
    assert r.status_code == 201 and r.json()["complement_id"]
    await essoc.agent_971.post(f"/api/v1/requests/{filed['id']}/take-charge")
    assert (
        await essoc.juda.post(f"/api/v1/requests/{filed['id']}/complements", json={"text": "Autre précision."})
    ).status_code == 201
    problem(await essoc.other.post(f"/api/v1/requests/{filed['id']}/complements", json={"text": "x"}), 404)
    problem(await essoc.agent_971.post(f"/api/v1/requests/{filed['id']}/complements", json={"text": "x"}), 403)
    closed = await essoc.closed()
    problem(await essoc.juda.post(f"/api/v1/requests/{closed['id']}/complements", json={"text": "x"}), 409)


async def test_a_refused_request_takes_no_more_complements_or_answers(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    await essoc.agent_971.post(f"/api/v1/requests/{filed['id']}/take-charge")
    question = (await essoc.agent_971.post(f"/api/v1/requests/{filed['id']}/questions", json={"text": "?"})).json()
    await essoc.agent_971.post(
        f"/api/v1/requests/{filed['id']}/admissibility", json={"decision": "non", "grounds": "Hors champ."}
    )
    problem(await essoc.juda.post(f"/api/v1/requests/{filed['id']}/complements", json={"text": "x"}), 409)
    problem(
        await essoc.juda.post(
            f"/api/v1/requests/{filed['id']}/questions/{question['question_id']}/answer", json={"text": "x"}
        ),
        409,
    )


# ---- the detail, its history, and the log -----------------------------------------------------------


async def test_the_detail_shows_characteristics_fields_request_history_exchanges_and_attachments(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    rid = filed["id"]
    await essoc.agent_971.post(f"/api/v1/requests/{rid}/take-charge")
    q = (await essoc.agent_971.post(f"/api/v1/requests/{rid}/questions", json={"text": "Quel âge ?"})).json()
    await essoc.juda.post(f"/api/v1/requests/{rid}/questions/{q['question_id']}/answer", json={"text": "Six ans."})
    await essoc.agent_971.post(f"/api/v1/requests/{rid}/admissibility", json={"decision": "oui"})
    await essoc.agent_971.post(f"/api/v1/requests/{rid}/closure", json={"response": "Taux de 2,5 %."})
    body = (await essoc.juda.get(f"/api/v1/requests/{rid}")).json()
    assert body["characteristics"]["created_at"] == filed["filed_at"]
    assert body["characteristics"]["nature_label"] == "rescrit sur une situation de fait"
    assert body["characteristics"]["category_label"] == "octroi de mer"
    assert body["characteristics"]["sub_category_label"] == "DR Guadeloupe"
    assert body["fields"] == [
        {"domain": "octroi-de-mer", "domain_label": "Octroi de mer", "sub_domain": "octroi de mer interne"}
    ]
    assert body["request"]["subject"] == filed["subject"] and body["request"]["response"] == "Taux de 2,5 %."
    assert body["request"]["admissibility_label"] == "Oui" and body["request"]["unit"] == "DR Guadeloupe - PAE"
    states = [h["state_label"] for h in body["history"]]
    assert states == ["Déposée", "Prise en charge", "Prise en charge", "Prise en charge", "Prise en charge", "Clôturée"]
    assert all({"at", "type", "unit", "state"} <= set(h) for h in body["history"])
    assert [e["kind"] for e in body["exchanges"]] == ["question", "answer"]
    assert body["attachments"] == []
    history = (await essoc.juda.get(f"/api/v1/requests/{rid}/history")).json()
    assert [e["type"] for e in history["events"]] == await _events(essoc, rid)
    assert history["history"] == body["history"]


async def test_replay_rebuilds_the_same_read_model(essoc) -> None:  # type: ignore[no-untyped-def]
    await essoc.closed()
    refused = await essoc.file(control())
    await essoc.agent_971.post(f"/api/v1/requests/{refused['id']}/take-charge")
    await essoc.agent_971.post(
        f"/api/v1/requests/{refused['id']}/admissibility", json={"decision": "non", "grounds": "mauvaise-foi"}
    )
    projector = essoc.runtime.projector
    live = await projector.snapshot()
    await projector.replay(essoc.runtime.store)
    assert await projector.snapshot() == live


async def test_every_request_stream_is_an_intact_hash_chain(essoc) -> None:  # type: ignore[no-untyped-def]
    closed = await essoc.closed()
    assert await essoc.runtime.store.verify_stream(closed["id"]) == []

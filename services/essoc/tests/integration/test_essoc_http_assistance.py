"""« Demande d'assistance » through essoc's HTTP API with GridFS (decision record 0028): any signed-in person files a
ticket numbered from the service's clock's year, with its files; refusals in French on their field change nothing;
a person sees only their own; the agents' queue lists every ticket, open and blocking first; an agent answers, the
person writes again and closes it; the stream replays into the same ticket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from essoc_http_support import essoc_app, problem

pytestmark = pytest.mark.integration

NOW = datetime(2027, 3, 1, 14, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\ncapture de l'erreur\n"
FORM = {
    "subject": "Erreur à l'envoi de ma déclaration",
    "category": "domino",
    "gravity": "bloquant",
    "description": "La page affiche « Service momentanément indisponible » quand j'envoie ma déclaration.",
    "incident_reference": "c0ffee-1234",
}


@pytest.fixture
async def essoc(mongo_db):  # type: ignore[no-untyped-def]
    async with essoc_app(mongo_db, attachment_max_bytes=64 * 1024) as app:
        app.clock.now = lambda: NOW
        yield app


def _multipart(form: dict[str, str], files: int = 0) -> list[tuple[str, Any]]:
    parts: list[tuple[str, Any]] = [(k, (None, v)) for k, v in form.items()]
    parts += [("file", (f"capture-{i}.pdf", PDF, "application/pdf")) for i in range(files)]
    return parts


async def _filed(essoc: Any, user: str = "declarant", files: int = 0, **changes: str) -> dict[str, Any]:
    r = await essoc.clients[user].post("/api/v1/assistance", files=_multipart({**FORM, **changes}, files))
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_a_producer_files_a_ticket_with_its_files_and_its_incident_reference(essoc: Any) -> None:
    ticket = await _filed(essoc, files=2)

    assert ticket["number"] == "AS-2027-000001"
    assert ticket["incident_reference"] == "c0ffee-1234"
    assert ticket["status"] == "en-attente" and ticket["open"]
    assert ticket["requester"]["email"] == "marie@producteur.example"
    assert ticket["requester"]["roles"] == ["declarant"]
    assert [f["filename"] for f in ticket["files"]] == ["capture-0.pdf", "capture-1.pdf"]
    download = await essoc.declarant.get(
        f"/api/v1/assistance/AS-2027-000001/files/{ticket['files'][0]['attachment_id']}"
    )
    assert download.status_code == 200 and download.content == PDF
    assert (await _filed(essoc, user="juda"))["number"] == "AS-2027-000002"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subject": "  "}, "subject"),
        ({"category": "impots"}, "category"),
        ({"gravity": ""}, "gravity"),
        ({"description": ""}, "description"),
        ({"incident_reference": "<script>"}, "incident_reference"),
    ],
)
async def test_a_refused_field_is_named_in_french_and_nothing_is_kept(
    essoc: Any, changes: dict[str, str], field: str
) -> None:
    r = await essoc.declarant.post("/api/v1/assistance", files=_multipart({**FORM, **changes}, files=1))

    body = problem(r, 422, field)
    assert body["detail"].endswith(".") and f"{field} :" not in body["detail"]
    assert await essoc.count("events", {"stream_type": "assistance"}) == 0
    assert await essoc.count("attachments.files") == 0


async def test_a_sixth_file_or_a_forbidden_type_is_refused_before_anything_is_stored(essoc: Any) -> None:
    problem(await essoc.declarant.post("/api/v1/assistance", files=_multipart(FORM, files=6)), 422, "file")
    parts = [*_multipart(FORM), ("file", ("outil.exe", b"MZ\x90\x00", "application/octet-stream"))]
    problem(await essoc.declarant.post("/api/v1/assistance", files=parts), 422, "file")

    assert await essoc.count("attachments.files") == 0
    assert await essoc.count("events", {"stream_type": "assistance"}) == 0


async def test_a_person_sees_only_their_own_tickets_and_the_agents_see_them_all(essoc: Any) -> None:
    await _filed(essoc, user="declarant", gravity="question")
    await _filed(essoc, user="juda", gravity="bloquant")

    mine = (await essoc.declarant.get("/api/v1/assistance")).json()
    assert [t["number"] for t in mine["items"]] == ["AS-2027-000001"]
    problem(await essoc.juda.get("/api/v1/assistance/AS-2027-000001"), 404, "number")
    problem(await essoc.juda.get("/api/v1/assistance/queue"), 403)
    queue = (await essoc.agent_974.get("/api/v1/assistance/queue")).json()
    assert [t["number"] for t in queue["items"]] == ["AS-2027-000002", "AS-2027-000001"]  # blocking first
    assert (await essoc.agent_971.get("/api/v1/assistance/AS-2027-000001")).status_code == 200


async def test_an_agent_answers_the_person_writes_again_then_closes_it(essoc: Any) -> None:
    await _filed(essoc)
    url = "/api/v1/assistance/AS-2027-000001"

    problem(await essoc.declarant.post(f"{url}/answers", json={"text": "Moi-même"}), 403)
    problem(await essoc.agent_971.post(f"{url}/answers", json={"text": "  "}), 422, "text")
    answered = (await essoc.agent_971.post(f"{url}/answers", json={"text": "Videz le cache et réessayez."})).json()
    assert answered["status"] == "repondue"
    assert answered["messages"][0]["author_name"] == "Joseph Lubin"
    followed = (await essoc.declarant.post(f"{url}/messages", json={"text": "C'est réglé, merci."})).json()
    assert followed["status"] == "en-attente"
    closed = (await essoc.declarant.post(f"{url}/closure")).json()
    assert closed["status"] == "close" and closed["closed_by"] == "requester"
    problem(await essoc.declarant.post(f"{url}/messages", json={"text": "Encore"}), 409, "number")
    queue = (await essoc.agent_971.get("/api/v1/assistance/queue")).json()
    assert queue["open"] == 0 and queue["items"][0]["status"] == "close"


async def test_the_ticket_replays_from_its_stream(essoc: Any) -> None:
    await _filed(essoc)
    await essoc.agent_971.post("/api/v1/assistance/AS-2027-000001/answers", json={"text": "Réessayez."})
    projector = essoc.runtime.projector
    live = await projector.snapshot("assistance_tickets")

    await projector.replay(essoc.runtime.store, projection="assistance_tickets")

    assert await projector.snapshot("assistance_tickets") == live
    assert live["assistance_tickets"][0]["status"] == "repondue"


async def test_the_orphan_sweep_keeps_a_tickets_files(essoc: Any) -> None:
    ticket = await _filed(essoc, files=1)
    services = essoc.services
    later = datetime(2030, 1, 1, tzinfo=UTC)

    removed = await services.blobs.sweep_orphans(services.read_model.refers_to_blob, timedelta(0), now=later)

    assert removed == 0
    url = f"/api/v1/assistance/{ticket['number']}/files/{ticket['files'][0]['attachment_id']}"
    assert (await essoc.declarant.get(url)).content == PDF

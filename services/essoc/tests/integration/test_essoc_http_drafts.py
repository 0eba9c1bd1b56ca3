"""A request's draft through the HTTP API, with GridFS (decision record 0026): saved step by step, a metropolitan
directorate refused at step 2, files kept with it (5 at most), never shown to an agent, submitted as the request
with its files; discarded with its files; deleted by the answer clock's pass 90 days after its last change. The
service's clock is the test's: every instant is frozen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from essoc_http_support import OCTROI, SIRET, essoc_app, problem

pytestmark = pytest.mark.integration

STARTED = datetime(2027, 12, 1, 14, 0, tzinfo=UTC)  # 10:00 in Guadeloupe
PDF = b"%PDF-1.4\nfiche produit\n"
CHARACTERISTICS = {"nature": "rescrit", "category": "octroi-de-mer", "sub_category": "dr-guadeloupe"}
TEXT = {"subject": "Taux du rhum vieux", "description": "Quel taux s'applique à nos ventes de rhum vieux ?"}


@pytest.fixture
async def essoc(mongo_db):  # type: ignore[no-untyped-def]
    async with essoc_app(mongo_db, attachment_max_bytes=64 * 1024) as app:
        app.clock.now = lambda: STARTED
        yield app


async def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


async def _draft(essoc: Any, *, files: int = 0) -> dict[str, Any]:
    """A company's rescrit to DR Guadeloupe, every step saved, with `files` files."""
    juda = essoc.juda
    draft = await _ok(await juda.post("/api/v1/drafts", json={"requester_type": "entreprise", "siret": SIRET}), 201)
    url = f"/api/v1/drafts/{draft['id']}"
    await _ok(await juda.put(f"{url}/characteristics", json=CHARACTERISTICS))
    await _ok(await juda.put(f"{url}/fields", json={"fields": [OCTROI]}))
    draft = await _ok(await juda.put(f"{url}/description", json=TEXT))
    for n in range(files):
        draft = await _ok(await juda.post(f"{url}/files", files={"file": (f"fiche-{n}.pdf", PDF)}), 201)
    return draft


async def test_a_draft_is_saved_step_by_step_and_becomes_the_request_with_its_files(essoc) -> None:  # type: ignore[no-untyped-def]
    juda = essoc.juda
    started = await _ok(await juda.post("/api/v1/drafts", json={"requester_type": "entreprise", "siret": SIRET}), 201)
    url = f"/api/v1/drafts/{started['id']}"
    assert started["requester"]["company_name"] == "Distillerie Bellevue SAS"
    assert started["missing"] == ["nature", "category", "fields", "subject", "description"]
    # step 2: DR Lyon is refused at once, on its field, in French; what was saved stays
    lyon = problem(await juda.put(f"{url}/characteristics", json={**CHARACTERISTICS, "sub_category": "dr-lyon"}), 403,
                   "sub_category")  # fmt: skip
    assert "DR Lyon n'est pas servie par ce déploiement d'OGDE" in lyon["detail"]
    await _ok(await juda.put(f"{url}/characteristics", json=CHARACTERISTICS))
    await _ok(await juda.put(f"{url}/fields", json={"fields": [OCTROI]}))
    draft = await _ok(await juda.put(f"{url}/description", json=TEXT))
    assert draft["missing"] == [] and draft["characteristics"]["directorate_label"] == "DR Guadeloupe"
    # step 5: five files at most; the sixth is refused and the five stay
    for n in range(5):
        draft = await _ok(await juda.post(f"{url}/files", files={"file": (f"fiche-{n}.pdf", PDF)}), 201)
    sixth = problem(await juda.post(f"{url}/files", files={"file": ("six.pdf", PDF)}), 422, "file")
    assert "5 pièces jointes au plus" in sixth["detail"]
    draft = await _ok(await juda.delete(f"{url}/files/{draft['files'][4]['attachment_id']}"))
    assert len(draft["files"]) == 4 and await essoc.count("attachments.files") == 4
    # « Brouillons »: the requester's own, with its last change and the day it would be deleted
    listed = await _ok(await juda.get("/api/v1/drafts"))
    [row] = listed["items"]
    assert (row["id"], row["files"], row["changed_at"]) == (started["id"], 4, STARTED.isoformat())
    assert row["expires_at"] == datetime(2028, 2, 29, 14, 0, tzinfo=UTC).isoformat()  # 90 days, 29 February included
    # no agent reads it: refused by the API, absent from the board and from « Mes demandes »
    problem(await essoc.agent_971.get(url), 403)
    problem(await essoc.admin.get(url), 403)
    problem(await essoc.other.get(url), 404)
    assert (await _ok(await essoc.agent_971.get("/api/v1/instruction/requests")))["total"] == 0
    assert (await _ok(await juda.get("/api/v1/requests")))["total"] == 0
    # « Créer la demande »: RequestSubmitted in the request's own stream, the files its attachments
    request = await _ok(await juda.post(f"{url}/submission"), 201)
    assert request["subject"] == TEXT["subject"] and len(request["attachments"]) == 4
    download = await essoc.agent_971.get(request["attachments"][0]["url"])
    assert download.status_code == 200 and download.content == PDF
    history = await _ok(await essoc.agent_971.get(f"/api/v1/requests/{request['id']}/history"))
    assert [e["type"] for e in history["events"]] == ["RequestSubmitted", *["AttachmentAdded"] * 4]
    assert (await _ok(await juda.get("/api/v1/drafts")))["total"] == 0
    again = problem(await juda.post(f"{url}/submission"), 409)
    assert f"demande n° {request['number']}" in again["detail"]
    assert await essoc.answer_clock.sweep_orphans() == 0


async def test_a_draft_still_missing_an_answer_is_refused_on_its_field(essoc) -> None:  # type: ignore[no-untyped-def]
    draft = await _draft(essoc)
    url = f"/api/v1/drafts/{draft['id']}"
    await _ok(await essoc.juda.put(f"{url}/description", json={**TEXT, "description": ""}))
    problem(await essoc.juda.post(f"{url}/submission"), 422, "description")
    assert await essoc.count("events", {"type": "RequestSubmitted"}) == 0


async def test_a_discarded_draft_is_closed_and_its_files_deleted(essoc) -> None:  # type: ignore[no-untyped-def]
    draft = await _draft(essoc, files=2)
    assert await essoc.count("attachments.files") == 2
    response = await essoc.juda.delete(f"/api/v1/drafts/{draft['id']}")
    assert response.status_code == 204, response.text
    assert await essoc.count("attachments.files") == 0
    assert await essoc.count("events", {"stream_id": draft["id"], "type": "DraftDiscarded"}) == 1
    gone = problem(await essoc.juda.get(f"/api/v1/drafts/{draft['id']}"), 410)
    assert "abandonné" in gone["detail"]


async def test_the_answer_clock_deletes_the_drafts_untouched_for_90_days(essoc) -> None:  # type: ignore[no-untyped-def]
    kept, left = await _draft(essoc, files=1), await _draft(essoc, files=1)
    essoc.clock.now = lambda: STARTED + timedelta(days=30)
    await _ok(await essoc.juda.put(f"/api/v1/drafts/{kept['id']}/description", json=TEXT))
    essoc.clock.now = lambda: STARTED + timedelta(days=90) - timedelta(milliseconds=1)
    await essoc.answer_clock.tick()
    assert await essoc.count("events", {"type": "DraftExpired"}) == 0
    essoc.clock.now = lambda: STARTED + timedelta(days=90)  # 29 February 2028, 10:00 in Guadeloupe
    await essoc.answer_clock.tick()
    await essoc.answer_clock.tick()  # a second pass deletes nothing more
    expired = await essoc.db["events"].find_one({"type": "DraftExpired"})
    assert expired["stream_id"] == left["id"] and await essoc.count("events", {"type": "DraftExpired"}) == 1
    assert expired["data"]["untouched_since"] == STARTED.isoformat().replace("+00:00", "Z")
    assert await essoc.count("attachments.files") == 1
    [row] = (await _ok(await essoc.juda.get("/api/v1/drafts")))["items"]
    assert row["id"] == kept["id"]
    assert "90 jours" in problem(await essoc.juda.get(f"/api/v1/drafts/{left['id']}"), 410)["detail"]
    projector = essoc.runtime.projector  # the drafts read model is rebuilt the same by replay
    live = await projector.snapshot()
    await projector.replay(essoc.runtime.store, projection="drafts")
    assert await projector.snapshot() == live

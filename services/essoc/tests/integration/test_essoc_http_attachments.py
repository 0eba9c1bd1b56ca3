"""Attachments (manual §3.2.5, §5.1) and the PDF of a request, through the HTTP API, with GridFS."""

from __future__ import annotations

import hashlib
import io

import pytest
from pypdf import PdfReader

from essoc_http_support import essoc_app, problem

pytestmark = pytest.mark.integration

PDF_BYTES = b"%PDF-1.4\n" + "Réponse du service : rescrit délivré.\n".encode() * 50


@pytest.fixture
async def essoc(mongo_db):  # type: ignore[no-untyped-def]
    async with essoc_app(mongo_db, attachment_max_bytes=64 * 1024) as app:
        yield app


async def _upload(client, request_id: str, name: str, content: bytes):  # type: ignore[no-untyped-def]
    return await client.post(f"/api/v1/requests/{request_id}/attachments", files={"file": (name, content)})


async def _traces(essoc) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    return (
        await essoc.count("attachments.files"),
        await essoc.count("attachments.chunks"),
        await essoc.count("events", {"type": "AttachmentAdded"}),
    )


async def test_an_attachment_is_stored_with_its_sha256_and_read_back_as_sent(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    r = await _upload(essoc.juda, filed["id"], "Modèle de demande.pdf", PDF_BYTES)
    assert r.status_code == 201, r.text
    added = r.json()
    assert added["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest() and added["size"] == len(PDF_BYTES)
    assert added["content_type"] == "application/pdf" and added["filename"] == "Modèle de demande.pdf"
    event = await essoc.db["events"].find_one({"type": "AttachmentAdded"})
    assert event["data"]["sha256"] == added["sha256"]
    download = await essoc.agent_971.get(added["url"])
    assert download.status_code == 200 and download.content == PDF_BYTES
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["etag"] == f'"{added["sha256"]}"'
    assert "Mod%C3%A8le%20de%20demande.pdf" in download.headers["content-disposition"]
    problem(await essoc.other.get(added["url"]), 404)
    detail = (await essoc.juda.get(f"/api/v1/requests/{filed['id']}")).json()
    assert [(a["filename"], a["deleted_at"]) for a in detail["attachments"]] == [("Modèle de demande.pdf", None)]


async def test_the_stored_name_is_sanitised(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    r = await _upload(essoc.juda, filed["id"], "../../etc/<factures> 2026;rm -rf.PDF", b"%PDF-1.4 x")
    assert r.status_code == 201, r.text
    assert r.json()["filename"] == "factures_ 2026_rm -rf.pdf"


async def test_a_file_with_an_extension_outside_the_manuals_list_is_refused_and_leaves_no_trace(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    body = problem(await _upload(essoc.juda, filed["id"], "virus.exe", b"MZ..."), 422, "file")
    assert "doc, docx, eml" in body["detail"]
    assert await _traces(essoc) == (0, 0, 0)


async def test_an_upload_names_its_file(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    problem(await essoc.juda.post(f"/api/v1/requests/{filed['id']}/attachments", data={"autre": "x"}), 422, "file")


async def test_an_empty_file_is_refused(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    problem(await _upload(essoc.juda, filed["id"], "vide.txt", b""), 422, "file")
    assert await _traces(essoc) == (0, 0, 0)


ZIP = b"PK\x03\x04"  # what a zip file starts with (its content is checked against its extension)


async def test_a_file_over_the_size_cap_is_refused_with_413_and_leaves_no_trace(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    problem(await _upload(essoc.juda, filed["id"], "gros.zip", ZIP + b"x" * (64 * 1024 - 3)), 413, "file")
    problem(await _upload(essoc.juda, filed["id"], "enorme.zip", ZIP + b"x" * (200 * 1024 - 4)), 413, "file")
    assert await _traces(essoc) == (0, 0, 0)
    assert (await _upload(essoc.juda, filed["id"], "juste.zip", ZIP + b"x" * (64 * 1024 - 4))).status_code == 201


async def test_a_refused_upload_on_someone_elses_request_leaves_no_trace(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    problem(await _upload(essoc.other, filed["id"], "note.txt", b"intrus"), 404)
    problem(await _upload(essoc.agent_974, filed["id"], "note.txt", b"intrus"), 403)
    assert await _traces(essoc) == (0, 0, 0)


async def test_attachments_are_added_only_while_the_request_is_filed_or_in_charge(essoc) -> None:  # type: ignore[no-untyped-def]
    closed = await essoc.closed()
    problem(await _upload(essoc.juda, closed["id"], "tard.txt", b"trop tard"), 409)
    assert await _traces(essoc) == (0, 0, 0)


async def test_one_deletes_only_ones_own_attachments_while_filed_or_in_charge(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.admitted()
    rid = filed["id"]
    mine = (await _upload(essoc.juda, rid, "mienne.txt", b"a")).json()
    agents = (await _upload(essoc.agent_971, rid, "rescrit.pdf", b"%PDF-1.4 b")).json()
    problem(await essoc.juda.delete(agents["url"]), 403, "attachment_id")
    problem(await essoc.agent_971.delete(mine["url"]), 403, "attachment_id")
    r = await essoc.juda.delete(mine["url"])
    assert r.status_code == 200
    listed = {a["filename"]: a for a in r.json()["attachments"]}
    assert listed["mienne.txt"]["deleted_at"] and listed["mienne.txt"]["url"] is None
    assert listed["rescrit.pdf"]["deleted_at"] is None
    problem(await essoc.juda.get(mine["url"]), 410, "attachment_id")
    problem(await essoc.juda.delete(mine["url"]), 404, "attachment_id")
    kept = (await _upload(essoc.juda, rid, "gardee.txt", b"c")).json()
    await essoc.agent_971.post(f"/api/v1/requests/{rid}/closure", json={"response": "R."})
    problem(await essoc.juda.delete(kept["url"]), 409)


async def test_closure_carries_the_answers_attachments_sent_with_it(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.admitted()
    rid = filed["id"]
    earlier = (await _upload(essoc.agent_971, rid, "annexe.txt", b"annexe")).json()
    r = await essoc.agent_971.post(
        f"/api/v1/requests/{rid}/closure",
        data={"response": "Vous trouverez le rescrit en pièce jointe.", "attachment_ids": [earlier["attachment_id"]]},
        files=[("files", ("Rescrit n°150 (définitif).pdf", PDF_BYTES, "application/pdf"))],
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["state"] == "cloturee" and len(body["request"]["response_attachment_ids"]) == 2
    stored = await essoc.db["events"].find_one({"type": "RequestClosed"})
    # the file names are stored encrypted (decision 0031): read as the service reads its log
    [closed] = [e for e in await essoc.runtime.store.read_stream(stored["stream_id"]) if e.type == "RequestClosed"]
    refs = {a["filename"]: a for a in closed.data["attachments"]}
    assert refs["Rescrit n_150 (définitif).pdf"]["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    assert refs["annexe.txt"]["size"] == len(b"annexe")
    by_name = {a["filename"]: a for a in body["attachments"]}
    assert (await essoc.juda.get(by_name["Rescrit n_150 (définitif).pdf"]["url"])).content == PDF_BYTES


async def test_a_refused_closure_leaves_none_of_its_files(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    await essoc.agent_971.post(f"/api/v1/requests/{filed['id']}/take-charge")
    r = await essoc.agent_971.post(
        f"/api/v1/requests/{filed['id']}/closure",
        data={"response": "R."},
        files=[("files", ("rescrit.pdf", PDF_BYTES, "application/pdf"))],
    )
    problem(r, 409)  # not yet found admissible
    assert await _traces(essoc) == (0, 0, 0)


async def test_the_pdf_holds_the_whole_request_with_its_french_accents(essoc) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.admitted()
    rid = filed["id"]
    q = (await essoc.agent_971.post(f"/api/v1/requests/{rid}/questions", json={"text": "Quel âge a le rhum ?"})).json()
    await essoc.juda.post(
        f"/api/v1/requests/{rid}/questions/{q['question_id']}/answer",
        json={"text": "Six ans, vieilli en fût de chêne."},
    )
    await _upload(essoc.juda, rid, "Factures été 2026.pdf", PDF_BYTES)
    await essoc.agent_971.post(f"/api/v1/requests/{rid}/closure", json={"response": "Le taux est de 2,5 %."})
    r = await essoc.juda.get(f"/api/v1/requests/{rid}/pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert f'filename="demande-{filed["number"]}.pdf"' in r.headers["content-disposition"]
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(r.content)).pages)
    for expected in (
        f"Détail de la demande n° {filed['number']}",
        "Distillerie Bellevue SAS",
        "Caractéristiques",
        "rescrit sur une situation de fait",
        "Octroi de mer",
        "Taux d'octroi de mer applicable",
        "Clôturée",
        "Le taux est de 2,5 %.",
        "Historique",
        "Déposée",
        "Prise en charge",
        "Quel âge a le rhum ?",
        "vieilli en fût de chêne",
        "Factures été 2026.pdf",
    ):
        assert expected in text, expected


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("facture.pdf", b"MZ\x90\x00\x03\x00\x00\x00"),
        ("photo.png", b"GIF89a....."),
        ("tableau.xlsx", b"%PDF-1.4 not a spreadsheet"),
        ("note.txt", b"\x7fELF\x02\x01\x01\x00\x00"),
        ("schema.xml", b"just words, no tag"),
    ],
)
async def test_a_file_whose_content_is_not_its_extension_is_refused(essoc, name: str, content: bytes) -> None:  # type: ignore[no-untyped-def]
    filed = await essoc.file()
    body = problem(await _upload(essoc.juda, filed["id"], name, content), 422, "file")
    assert body["type"].endswith("contenu-non-conforme") and "extension" in body["detail"]
    assert await _traces(essoc) == (0, 0, 0)

"""« Documents » (OGDE manual §6) through the HTTP API: the list, each PDF, its ETag."""

from __future__ import annotations

import pytest

from essoc_http_support import essoc_app, problem

pytestmark = pytest.mark.integration


@pytest.fixture
async def essoc(mongo_db):  # type: ignore[no-untyped-def]
    async with essoc_app(mongo_db) as app:
        yield app


async def test_documents_list_the_guide_and_the_blank_forms(essoc) -> None:  # type: ignore[no-untyped-def]
    r = await essoc.juda.get("/api/v1/documents")
    assert r.status_code == 200
    items = r.json()["items"]
    assert [d["id"] for d in items] == ["guide-utilisateur", "formulaire-rescrit", "formulaire-droit-au-controle"]
    for item in items:
        assert item["url"] == f"/api/v1/documents/{item['id']}" and item["content_type"] == "application/pdf"
        assert item["size"] > 1000 and item["title"]


async def test_a_document_is_a_pdf_cacheable_by_its_etag(essoc) -> None:  # type: ignore[no-untyped-def]
    r = await essoc.juda.get("/api/v1/documents/formulaire-rescrit")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == 'attachment; filename="formulaire-rescrit.pdf"'
    etag = r.headers["etag"]
    assert "max-age" in r.headers["cache-control"]
    listed = {d["id"]: d for d in (await essoc.juda.get("/api/v1/documents")).json()["items"]}
    assert listed["formulaire-rescrit"]["etag"] == etag and listed["formulaire-rescrit"]["size"] == len(r.content)
    again = await essoc.juda.get("/api/v1/documents/formulaire-rescrit", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    other = await essoc.juda.get("/api/v1/documents/formulaire-rescrit", headers={"If-None-Match": '"autre"'})
    assert other.status_code == 200 and other.content == r.content


async def test_an_unknown_document_is_a_404_problem(essoc) -> None:  # type: ignore[no-untyped-def]
    problem(await essoc.juda.get("/api/v1/documents/formulaire-inconnu"), 404, "document_id")

"""Every hostile input found by probing `make run` (issue 12), as a regression test: each is refused with a
French problem+json naming the field, appends nothing, and never answers 5xx."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from security_support import InProcess

pytestmark = pytest.mark.integration

DECLARANT = {"sub": "d-1", "role": "declarant", "email": "d@example.org", "relations": ["rel-974-0001"]}
REQUESTER = {"sub": "r-1", "role": "requester", "name": "Bricot", "given_name": "Juda", "email": "j@example.org"}
ADMIN = {"sub": "admin", "role": "admin", "territories": ["971", "974"]}
MEGA = "x" * (1024 * 1024)
RESCRIT = {
    "requester_type": "entreprise",
    "siret": "41234567000019",
    "nature": "rescrit",
    "category": "octroi-de-mer",
    "sub_category": "dr-guadeloupe",
    "fields": [{"domain": "octroi-de-mer", "sub_domain": "octroi de mer interne"}],
    "subject": "Taux du rhum vieux",
    "description": "Quel taux s'applique ?",
}


def refused(r: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text[:500]
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert len(body["detail"]) < 700 and not any(c in body["detail"] for c in "\x00\x07\u202e")
    if field is not None:
        assert body.get("field") == field, body
    return body


async def _draft(services: dict[str, InProcess]) -> str:
    async with services["declarations"].client(**DECLARANT) as http:
        r = await http.post("/api/v1/declarations", json={"relation_id": "rel-974-0001", "year": 2025, "quarter": 1})
        if r.status_code == 409:
            return str(r.json()["existing_id"])
        assert r.status_code == 201, r.text
        return str(r.json()["id"])


DECLARANT_BODY = {"name": "Marie", "quality": "representant", "place": "Le Port", "payment_method": "telepaiement"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", MEGA),
        ("name", "\ud800"),
        ("name", "Marie\x00Payet"),
        ("name", "Marie\x07"),
        ("place", "Le Port\u202eexe.pdf"),
        ("name", "Marie\nPayet"),
    ],
    ids=["1MB", "lone-surrogate", "NUL", "BEL", "RLO", "newline"],
)
async def test_a_declarant_name_is_one_visible_line_of_bounded_length(
    services: dict[str, InProcess], field: str, value: str
) -> None:
    did = await _draft(services)
    before = await services["declarations"].events()
    body = json.dumps({**DECLARANT_BODY, field: value}).encode()
    async with services["declarations"].client(**DECLARANT) as http:
        r = await http.put(
            f"/api/v1/declarations/{did}/declarant", content=body, headers={"Content-Type": "application/json"}
        )
    if len(body) > 256 * 1024:
        refused(r, 413, "corps")
    else:
        refused(r, 422, field)
    assert await services["declarations"].events() == before


@pytest.mark.parametrize(
    ("field", "value", "status"),
    [("subject", "x" * 5000, 422), ("subject", "\ud800", 422), ("description", MEGA, 413), ("subject", "a\x1bb", 422)],
)
async def test_an_essoc_request_is_refused_with_an_oversized_or_hidden_text(
    services: dict[str, InProcess], field: str, value: str, status: int
) -> None:
    before = await services["essoc"].events()
    async with services["essoc"].client(**REQUESTER) as http:
        r = await http.post(
            "/api/v1/requests",
            content=json.dumps({**RESCRIT, field: value}).encode(),
            headers={"Content-Type": "application/json"},
        )
    refused(r, status, field if status == 422 else "corps")
    assert await services["essoc"].events() == before


@pytest.mark.parametrize("price", ["1e3", "1_000.00", "+5.00", " 12.00 ", 7, "１２.００", "١٢"])
async def test_money_is_a_decimal_string_of_ascii_digits(services: dict[str, InProcess], price: object) -> None:
    did = await _draft(services)
    async with services["declarations"].client(**DECLARANT) as http:
        r = await http.post(
            f"/api/v1/declarations/{did}/lines",
            json={"annex": "A", "nomenclature": "33051000", "price_excl_tax": price},
        )
    refused(r, 422, "price_excl_tax")


@pytest.mark.parametrize("nomenclature", ["３３０５１０００", "٣٣٠٥١٠٠٠", "3305\u00b3000"])
async def test_codes_are_ascii_digits(services: dict[str, InProcess], nomenclature: str) -> None:
    did = await _draft(services)
    async with services["declarations"].client(**DECLARANT) as http:
        r = await http.post(
            f"/api/v1/declarations/{did}/lines",
            json={"annex": "A", "nomenclature": nomenclature, "price_excl_tax": "10.00"},
        )
    refused(r, 422, "nomenclature")


@pytest.mark.parametrize("siret", ["４１２３４５６７０００００１９", "٤١٢٣٤٥٦٧٠٠٠٠١٩"])
async def test_a_siret_is_ascii_digits(services: dict[str, InProcess], siret: str) -> None:
    async with services["essoc"].client(**REQUESTER) as http:
        r = await http.post("/api/v1/requests", json={**RESCRIT, "siret": siret})
    refused(r, 422, "siret")


@pytest.mark.parametrize(
    "body",
    [
        {"relation_id": "rel-974-0001", "year": 2025, "quarter": True},
        {"relation_id": "rel-974-0001", "year": "2025", "quarter": 1},
        {"relation_id": "rel-974-0001", "year": 2**70, "quarter": 1},
        {"relation_id": "rel-974-0001", "year": 2000, "quarter": 1},
    ],
    ids=["quarter-true", "year-string", "year-huge", "year-2000"],
)
async def test_a_period_is_two_integers_in_range(services: dict[str, InProcess], body: dict[str, Any]) -> None:
    async with services["declarations"].client(**DECLARANT) as http:
        r = await http.post("/api/v1/declarations", json=body)
    refused(r, 422)


@pytest.mark.parametrize(
    ("service", "url", "status"),
    [
        ("declarations", "/api/v1/declarations?page=1180591620717411303424", 422),
        ("declarations", "/api/v1/declarations?year=1180591620717411303424", 422),
        ("notifier", "/api/v1/notifications?offset=1180591620717411303424", 422),
        ("essoc", "/api/v1/requests?page=1180591620717411303424", 422),
        ("essoc", "/api/v1/requests/%C2%B3", 422),
        ("essoc", "/api/v1/requests/..%2F..%2Fetc", 404),
        ("taxcalc", "/api/v1/declarations/%00/totals", 422),
    ],
)
async def test_numbers_and_ids_in_urls_are_bounded(
    services: dict[str, InProcess], service: str, url: str, status: int
) -> None:
    async with services[service].client(**ADMIN) as http:
        r = await http.get(url)
    refused(r, status)


async def test_a_token_whose_relations_is_a_number_is_refused(services: dict[str, InProcess]) -> None:
    async with services["declarations"].client(sub="d-1", role="declarant", relations=12) as http:
        r = await http.get("/api/v1/relations")
    refused(r, 401)


async def test_deep_json_is_refused_in_french(services: dict[str, InProcess]) -> None:
    deep = b'{"om": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    did = await _draft(services)
    async with services["declarations"].client(**DECLARANT) as http:
        r = await http.put(
            f"/api/v1/declarations/{did}/deductions", content=deep, headers={"Content-Type": "application/json"}
        )
    assert "imbriqué" in refused(r, 422, "corps")["detail"]


async def test_two_files_in_one_upload_is_refused_in_french(services: dict[str, InProcess]) -> None:
    async with services["essoc"].client(**REQUESTER) as http:
        filed = (await http.post("/api/v1/requests", json=RESCRIT)).json()
        files = [("file", ("a.txt", b"a")), ("file", ("b.txt", b"b"))]
        r = await http.post(f"/api/v1/requests/{filed['id']}/attachments", files=files)
    assert "Un seul fichier" in refused(r, 400)["detail"]


async def test_a_chunked_upload_over_the_cap_is_refused_while_it_streams(services: dict[str, InProcess]) -> None:
    cap = 20 * 1024 * 1024

    async def chunks() -> Any:
        yield b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="gros.zip"\r\n\r\nPK\x03\x04'
        for _ in range(cap // (1024 * 1024) + 2):
            yield b"x" * (1024 * 1024)
        yield b"\r\n--xyz--\r\n"

    async with services["essoc"].client(**REQUESTER) as http:
        filed = (await http.post("/api/v1/requests", json=RESCRIT)).json()
        r = await http.post(
            f"/api/v1/requests/{filed['id']}/attachments",
            content=chunks(),
            headers={"Content-Type": "multipart/form-data; boundary=xyz"},
        )
    refused(r, 413, "file")


async def test_a_json_body_over_its_cap_is_refused_before_parsing(services: dict[str, InProcess]) -> None:
    async with services["essoc"].client(**REQUESTER) as http:
        r = await http.post(
            "/api/v1/requests",
            content=b'{"subject": "' + b"x" * (300 * 1024) + b'"}',
            headers={"Content-Type": "application/json"},
        )
    refused(r, 413, "corps")


@pytest.mark.parametrize("operator", [{"$gt": ""}, {"$where": "1"}, ["$ne"]])
async def test_mongo_operators_in_json_values_are_plain_refused_values(
    services: dict[str, InProcess], operator: object
) -> None:
    async with services["essoc"].client(**REQUESTER) as http:
        r = await http.post("/api/v1/requests", json={**RESCRIT, "subject": operator})
    refused(r, 422, "subject")


async def test_every_answer_carries_the_security_headers(services: dict[str, InProcess]) -> None:
    for service in services.values():
        async with service.client(**ADMIN) as http:
            for url in ("/health/live", "/api/v1/nowhere", "/openapi.json"):
                r = await http.get(url)
                assert r.headers["x-content-type-options"] == "nosniff", url
                assert r.headers["x-frame-options"] == "DENY" and r.headers["referrer-policy"] == "no-referrer"
            assert "default-src 'none'" in (await http.get("/health/live")).headers["content-security-policy"]


@pytest.mark.parametrize(
    ("sent", "kept"),
    # httpx sends a NUL in a file name percent-encoded; whichever way it arrives, no NUL is kept.
    [("fac\x00ture.pdf", "fac_00ture.pdf"), ("../../../etc/passwd.pdf", "passwd.pdf"), ("a\u202egpj.pdf", "agpj.pdf")],
)
async def test_a_file_name_keeps_no_path_nor_hidden_character(
    services: dict[str, InProcess], sent: str, kept: str
) -> None:
    async with services["essoc"].client(**REQUESTER) as http:
        filed = (await http.post("/api/v1/requests", json=RESCRIT)).json()
        r = await http.post(f"/api/v1/requests/{filed['id']}/attachments", files={"file": (sent, b"%PDF-1.4 x")})
    assert r.status_code == 201, r.text
    assert r.json()["filename"] == kept

"""DOMINO-NG through declarations and taxcalc: a line assessed over Kafka, then filed."""

from __future__ import annotations

import asyncio
import io
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader

from flow_helpers import auth, filed_declaration, wait_totals

pytestmark = pytest.mark.integration


async def test_a_line_is_assessed_and_the_declaration_filed(stack: dict[str, Any]) -> None:
    http, token = stack["declarations"].http, stack["declarant"]
    r = await http.post(
        "/api/v1/declarations", json={"relation_id": "rel-974-0001", "year": 2026, "quarter": 1}, headers=auth(token)
    )
    assert r.status_code == 201, r.text
    declaration = r.json()
    assert declaration["due_date"] == "2026-04-24" and declaration["status"] == "draft"
    again = await http.post(
        "/api/v1/declarations", json={"relation_id": "rel-974-0001", "year": 2026, "quarter": 1}, headers=auth(token)
    )
    assert again.status_code == 409 and again.json()["existing_id"] == declaration["id"]
    did = declaration["id"]
    r = await http.put(
        f"/api/v1/declarations/{did}/declarant",
        headers=auth(token),
        json={"name": "Marie Payet", "quality": "representant", "place": "Le Port", "payment_method": "telepaiement"},
    )
    assert r.status_code == 200, r.text
    r = await http.post(
        f"/api/v1/declarations/{did}/lines",
        headers=auth(token),
        json={"annex": "A", "nomenclature": "33051000", "price_excl_tax": "10000.00"},
    )
    assert r.status_code == 201, r.text
    body = await wait_totals(stack, did)
    line = body["lines"]["A"][0]
    assert line["om_rate"] is not None and line["assessment_status"] == "assessed"
    boxes = body["totals"]["boxes"]
    assert boxes["1"] == "10000.00"
    assert boxes["4"] == line["om_amount"] and boxes["16"] == line["omr_amount"]
    assert Decimal(body["totals"]["total_due"]) == Decimal(boxes["15"]) + Decimal(boxes["27"])
    assert Decimal(boxes["15"]) == Decimal(boxes["4"]) and Decimal(boxes["27"]) == Decimal(boxes["16"])
    r = await http.post(f"/api/v1/declarations/{did}/filing", headers=auth(token))
    assert r.status_code == 200, r.text
    filed = r.json()
    assert filed["status"] == "filed" and filed["late"] is True and filed["days_late"] > 0
    r = await http.delete(f"/api/v1/declarations/{did}/lines/{line['line_id']}", headers=auth(token))
    assert r.status_code == 409
    tc = stack["taxcalc"].http
    async with asyncio.timeout(30):
        while True:
            ledger = (await tc.get("/api/v1/ledger/rel-974-0001", headers=auth(stack["admin"]))).json()
            if any(e["declaration_id"] == did for e in ledger["entries"]):
                break
            await asyncio.sleep(0.1)
    [entry] = [e for e in ledger["entries"] if (e["year"], e["quarter"]) == (2026, 1)]
    assert entry["declaration_id"] == did
    history = (await http.get(f"/api/v1/declarations/{did}/history", headers=auth(token))).json()
    assert [h["type"] for h in history] == [
        "DeclarationDrafted",
        "DeclarantDetailsSet",
        "LineAdded",
        "DeclarationFiled",
    ]


async def test_the_filed_declaration_downloads_as_a_pdf(stack: dict[str, Any]) -> None:
    http, token = stack["declarations"].http, stack["declarant"]
    did = await filed_declaration(stack, "rel-974-0001", 2025, 3)
    r = await http.get(f"/api/v1/declarations/{did}/receipt.pdf", headers=auth(token))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF") and len(r.content) > 2000
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)
    assert "0974000789" in text and "Taxe nette due" in text and "Savonnerie Bourbon" in text
    # French formats: the due date, the rates, the amounts and the payment method as a reader expects them.
    assert "24/10/2025" in text and "2025-10-24" not in text
    spaced = text.replace("\u202f", " ").replace("\u00a0", " ")
    assert "10 000,00 €" in spaced and "2,5 %" in spaced
    assert "Télépaiement" in text and "telepaiement" not in text

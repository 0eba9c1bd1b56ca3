"""Helpers of the DOMINO-NG flow tests."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def wait_totals(stack: dict[str, Any], declaration_id: str, timeout: float = 30) -> dict[str, Any]:
    """Polls the declaration until taxcalc's totals are current for its version."""
    http = stack["declarations"].http
    async with asyncio.timeout(timeout):
        while True:
            r = await http.get(f"/api/v1/declarations/{declaration_id}", headers=auth(stack["declarant"]))
            body = r.json()
            if body["totals"]["status"] == "current":
                return body
            await asyncio.sleep(0.1)


DECLARANT = {"name": "Marie Payet", "quality": "representant", "place": "Le Port", "payment_method": "telepaiement"}


async def filed_declaration(
    stack: dict[str, Any], relation_id: str, year: int, quarter: int, nomenclature: str = "33051000"
) -> str:
    """A declaration of its own for a test: drafted, one Annexe A line of 10 000,00 €, assessed, filed."""
    http, headers = stack["declarations"].http, auth(stack["declarant"])
    r = await http.post(
        "/api/v1/declarations", json={"relation_id": relation_id, "year": year, "quarter": quarter}, headers=headers
    )
    assert r.status_code == 201, r.text
    did: str = r.json()["id"]
    r = await http.put(f"/api/v1/declarations/{did}/declarant", json=DECLARANT, headers=headers)
    assert r.status_code == 200, r.text
    line = {"annex": "A", "nomenclature": nomenclature, "price_excl_tax": "10000.00"}
    r = await http.post(f"/api/v1/declarations/{did}/lines", json=line, headers=headers)
    assert r.status_code == 201, r.text
    await wait_totals(stack, did)
    r = await http.post(f"/api/v1/declarations/{did}/filing", headers=headers)
    assert r.status_code == 200, r.text
    return did

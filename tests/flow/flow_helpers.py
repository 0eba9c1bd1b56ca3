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

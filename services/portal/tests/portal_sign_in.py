"""The development sign-in as a browser does it: the page, then a POST of its CSRF token for one demo user."""

from __future__ import annotations

import re

import httpx


async def dev_sign_in(portal: httpx.AsyncClient, user: str) -> httpx.Response:
    page = await portal.get("/dev/connexion")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return await portal.post(f"/dev/connexion/{user}", data={"csrf": found.group(1)})

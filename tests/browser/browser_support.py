"""What the browser journeys share: a person's browser whose pages are checked as they open."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import BrowserContext, ConsoleMessage, Page

from devstack.stack import Stack

SERIOUS = ("serious", "critical")
SCREENS = os.environ.get("PORTAL_SCREENS")
AXE_RULES = {"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}


def api(stack: Stack, service: str, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=stack.service(service).url, timeout=30, headers={"Authorization": f"Bearer {token}"}
    )


class Visit:
    """One person's browser: pages checked for accessibility and console errors as they open."""

    def __init__(self, context: BrowserContext, page: Page, base: str, *, scripts: bool = True) -> None:
        self.scripts = scripts
        self.context = context
        self.page = page
        self.base = base
        self.errors: list[str] = []
        self.checked: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        # A form refused comes back as 422 (without JavaScript, the page itself): the browser logs the
        # status as a failed load; that is the portal's designed answer, not an error of the page.
        blocked = not self.scripts and "net::ERR_FAILED" in message.text  # the scripts withheld on purpose
        if message.type == "error" and "status of 422" not in message.text and not blocked:
            self.errors.append(f"console: {message.text} ({self.page.url})")

    async def goto(self, path: str, *, status: int = 200) -> None:
        """Opens a page and checks it; an error page expected (`status`) is no console error of ours."""
        response = await self.page.goto(self.base + path)
        assert response is not None and response.status == status, (path, response and response.status)
        if status >= 400:
            url = self.base + path
            self.errors = [
                e for e in self.errors if not (e.startswith("console: Failed to load resource") and url in e)
            ]
        await self.check()

    async def check(self, screen: str | None = None) -> None:
        """axe-core on the page as it stands: no serious or critical violation; no console error so far."""
        await self.page.wait_for_load_state("load")
        results = await Axe().run(self.page, options=AXE_RULES)
        serious = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
        assert not serious, f"{self.page.url}: " + "; ".join(
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}" for v in serious
        )
        assert not self.errors, self.errors
        width, seen = await self.page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= seen, f"{self.page.url} scrolls sideways ({width} px in a {seen} px window)"
        self.checked.append(self.page.url)
        if SCREENS and screen and self.scripts:  # the screens as most people see them
            Path(SCREENS).mkdir(parents=True, exist_ok=True)
            # caret="initial": hiding the caret would inject a <style>, which our CSP refuses (rightly).
            await self.page.screenshot(path=str(Path(SCREENS) / f"{screen}.png"), full_page=True, caret="initial")

    async def sign_in(self, user: str) -> None:
        """The development sign-in page, one button per demo user; back on the person's home."""
        await self.goto("/dev/connexion")
        await self.page.click(f"#connexion-{user}")
        await self.page.wait_for_function("() => !location.pathname.startsWith('/dev/connexion')")
        await self.page.wait_for_load_state("load")
        await self.page.wait_for_selector("#contenu h1")


Opener = Callable[..., Awaitable[Visit]]


def json_of(response: httpx.Response) -> Any:
    assert response.status_code < 300, response.text
    return response.json()

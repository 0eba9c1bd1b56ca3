"""The portal in Debian's Chromium (Playwright, async API in the suite's session loop), against the whole
stack as processes. A missing browser fails the run: it never skips.

Every page a journey opens goes through `Visit.check`: axe-core finds no serious or critical violation
(WCAG 2.1 AA), and the page logged no console error. With `PORTAL_SCREENS=<dir>` (make screens) the
journeys also save a screenshot of each main screen there.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, async_playwright

from devstack.stack import Stack

from browser_support import Opener, Visit

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--lang=fr-FR",  # the browser's own words (the file input) in French, as our users see them
]


@pytest.fixture(scope="session")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    stack = Stack.on_free_ports(Path(tmp_path_factory.mktemp("portal-stack")))
    try:
        await stack.start(within=120)
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def tokens(stack: Stack) -> dict[str, str]:
    minted: dict[str, str] = json.loads((stack.var_dir / "tokens.json").read_text())
    return minted


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: apt-get install chromium (the browser tests never skip)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    report = yield
    if call.when == "call":
        item.stash[FAILED] = report.failed  # type: ignore[attr-defined]
    return report


FAILED = pytest.StashKey[bool]()
FAILURES = Path(__file__).resolve().parents[2] / "var" / "browser-failures"


@pytest.fixture
async def person(browser: Browser, stack: Stack, request: pytest.FixtureRequest) -> AsyncIterator[Opener]:
    """Opens a person's browser; on failure, each page's screenshot and HTML go to var/browser-failures/."""
    contexts: list[BrowserContext] = []

    async def open_as(*, javascript: bool = True, width: int = 1280) -> Visit:
        """`javascript=False`: the portal's scripts are never delivered (the browser keeps its own engine, so
        the test can still run axe-core in the page): what a person with JavaScript off gets."""
        context = await browser.new_context(
            locale="fr-FR",
            timezone_id="Indian/Reunion",
            viewport={"width": width, "height": 900},
            reduced_motion="reduce",
            accept_downloads=True,
        )
        context.set_default_timeout(20_000)
        if not javascript:
            await context.route("**/*.js", lambda route: route.abort())
        contexts.append(context)
        return Visit(context, await context.new_page(), stack.portal.url, scripts=javascript)

    yield open_as
    if request.node.stash.get(FAILED, False):
        FAILURES.mkdir(parents=True, exist_ok=True)
        for n, context in enumerate(contexts):
            for m, page in enumerate(context.pages):
                name = f"{request.node.name}-{n}-{m}"
                await page.screenshot(path=str(FAILURES / f"{name}.png"), full_page=True)
                (FAILURES / f"{name}.html").write_text(await page.content())
    for context in contexts:
        await context.close()

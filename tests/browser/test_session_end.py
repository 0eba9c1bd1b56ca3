"""The session ends with a warning, and nothing typed is lost (issue 23 item 11, RGAA 13.1, WCAG 2.2.1; decision
record 0029). The browser's clock is Playwright's (`page.clock`): minutes pass in an instant. The server's session is
the portal's own, in its database; the test shortens it there (as idle time would) rather than waiting.

A requester types the first step of « Nouvelle demande »; two minutes before the end, a dialog (focus in it, axe
clean) says when the session ends in La Réunion's time; « Rester connecté » and Escape extend it (the server's
session moves); once it has ended, they sign in again and find the page as they left it. A form sent after the end
is kept the same way, near the absolute end the dialog says it cannot be extended; what one person typed is never
given to another; and a file chosen is named and asked for again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from devstack.stack import Stack

from browser_support import Opener, Visit, api, json_of

pytestmark = pytest.mark.e2e

REQUESTER = "requester-demo"
PAGE = "/ogde/nouvelle-demande"
REUNION = ZoneInfo("Indian/Reunion")
DIALOG_OPEN = "() => document.getElementById('fin-de-session')?.classList.contains('fr-modal--opened')"
DIALOG_CLOSED = "() => !document.getElementById('fin-de-session')?.classList.contains('fr-modal--opened')"


@asynccontextmanager
async def _sessions(stack: Stack) -> AsyncIterator[AsyncCollection[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.mongo.uri, tz_aware=True)
    try:
        yield client["portal"]["sessions"]
    finally:
        await client.close()


async def _session_ends_in(stack: Stack, sub: str, left: timedelta) -> None:
    """The person's sessions end `left` from the stack's now (negative: they have ended), as idle time would do."""
    now = Stack.now()
    async with _sessions(stack) as sessions:
        await sessions.update_many({"sub": sub}, {"$set": {"expires_at": now + left, "seen_at": now}})


async def _session_of(stack: Stack, sub: str) -> dict[str, Any]:
    async with _sessions(stack) as sessions:
        found = await sessions.find_one({"sub": sub}, sort=[("signed_in_at", -1)])
    assert found is not None
    return found


async def _type_the_first_step(visit: Visit) -> None:
    page = visit.page
    await page.wait_for_selector("#nouvelle-demande")
    await page.check("#requester_type-1", force=True)  # « Entreprise »
    await page.fill("#siret", "412 345 670 00019")
    await page.check("#represents", force=True)
    await page.fill("#represented_siren", "412 345 670")
    await page.focus("#represented_siren")


async def _typed_again(visit: Visit) -> None:
    """Back on the page after signing in again: what was typed is there, and the page says so."""
    page = visit.page
    await page.wait_for_selector("#saisie-retablie")
    assert "Nous avons rétabli ce que vous aviez saisi" in await page.inner_text("#saisie-retablie")
    assert await page.is_checked("#requester_type-1")
    assert await page.input_value("#siret") == "412 345 670 00019"
    assert await page.is_checked("#represents")
    assert await page.input_value("#represented_siren") == "412 345 670"
    await page.wait_for_function("() => document.getElementById('annonce').textContent.includes('Nous avons rétabli')")
    await visit.check()


async def _sign_in_again_from_the_sign_in_page(visit: Visit, user: str) -> None:
    page = visit.page
    await page.wait_for_url("**/connexion?suite=%2Fogde%2Fnouvelle-demande")
    assert "Votre session a pris fin" in await page.inner_text("#contenu")
    await page.click("text=Choisir un compte de démonstration")
    await page.click(f"#connexion-{user}")
    await page.wait_for_url(f"**{PAGE}")


async def test_the_session_warns_before_its_end_extends_and_gives_back_what_was_typed(
    person: Opener, stack: Stack
) -> None:
    visit = await person()
    page = visit.page
    await page.clock.install()  # the browser's clock from now on: minutes pass when the test says so
    await visit.sign_in("requester")
    await _session_ends_in(stack, REQUESTER, timedelta(minutes=5))
    await visit.goto(PAGE)
    await _type_the_first_step(visit)

    # Two minutes before the end: the dialog, the focus in it, the hour in La Réunion's time, said once politely.
    assert await page.evaluate(DIALOG_CLOSED)
    await page.clock.fast_forward("02:50")
    assert await page.evaluate(DIALOG_CLOSED), "the warning came too early"
    await page.clock.fast_forward("00:15")
    await page.wait_for_function(DIALOG_OPEN)
    await page.wait_for_function("() => document.activeElement?.id === 'rester-connecte'")
    ends = (await _session_of(stack, REQUESTER))["expires_at"].astimezone(REUNION)
    text = await page.inner_text("#fin-de-session")
    assert "Votre session va se terminer" in text
    assert f"Votre session se termine à {ends.hour} h {ends.minute:02d} (heure de La Réunion)" in text, text
    assert await page.get_attribute("#fin-de-session", "role") == "alertdialog"
    assert await page.get_attribute("#fin-de-session", "aria-modal") == "true"
    await page.wait_for_function(
        "() => document.getElementById('fin-de-session-annonce').textContent.includes('Il vous reste')"
    )
    await visit.check("fin-de-session")  # axe-core clean with the dialog open

    # « Rester connecté »: the server's session lives 30 minutes more; the focus is back in the field.
    before = await _session_of(stack, REQUESTER)
    await page.click("#rester-connecte")
    await page.wait_for_function(DIALOG_CLOSED)
    await page.wait_for_function("() => document.activeElement?.id === 'represented_siren'")
    extended = await _session_of(stack, REQUESTER)
    assert extended["expires_at"] >= Stack.now() + timedelta(minutes=29), extended
    assert extended["expires_at"] > before["expires_at"] + timedelta(minutes=20)
    await page.wait_for_function("() => document.getElementById('annonce').textContent.includes('prolongée jusqu')")

    # 28 minutes on, the dialog again; Escape keeps the session too (the server writes the activity again).
    await page.clock.fast_forward("27:50")
    assert await page.evaluate(DIALOG_CLOSED), "the extension was not counted"
    await page.clock.fast_forward("00:20")
    await page.wait_for_function(DIALOG_OPEN)
    await page.wait_for_function("() => document.activeElement?.id === 'rester-connecte'")
    await page.keyboard.press("Escape")
    await page.wait_for_function(DIALOG_CLOSED)
    await page.wait_for_function(
        "() => document.getElementById('annonce').textContent.includes('prolongée') && "
        "document.activeElement?.id === 'represented_siren'"
    )
    assert (await _session_of(stack, REQUESTER))["seen_at"] > extended["seen_at"]

    # The session ends (on the server as in the browser): the person signs in again and finds what they typed.
    await _session_ends_in(stack, REQUESTER, timedelta(seconds=-1))
    await page.clock.fast_forward("30:05")
    await _sign_in_again_from_the_sign_in_page(visit, "requester")
    await _typed_again(visit)
    await page.reload()  # once: the page opened again is as the server draws it
    await page.wait_for_selector("#nouvelle-demande")
    assert await page.query_selector("#saisie-retablie") is None
    assert await page.input_value("#represented_siren") == ""


async def _session_lasts(stack: Stack, sub: str, left: timedelta, *, at_most: timedelta) -> None:
    """The person's sessions end `left` from now, and in any case `at_most` from now (their absolute end)."""
    now = Stack.now()
    async with _sessions(stack) as sessions:
        await sessions.update_many(
            {"sub": sub}, {"$set": {"expires_at": now + min(left, at_most), "ends_at": now + at_most, "seen_at": now}}
        )


async def test_a_form_sent_after_the_end_is_kept_for_the_same_person_only(person: Opener, stack: Stack) -> None:
    visit = await person()
    page = visit.page
    await page.clock.install()
    await visit.sign_in("requester")

    # Near the absolute end (8 hours after sign-in), the dialog says it cannot be extended.
    await _session_lasts(stack, REQUESTER, timedelta(minutes=30), at_most=timedelta(minutes=3))
    await visit.goto(PAGE)
    await page.clock.fast_forward("01:05")
    await page.wait_for_function(DIALOG_OPEN)
    await page.wait_for_function("() => document.activeElement?.id === 'fin-de-session-compris'")
    assert "elle ne peut pas être prolongée" in await page.inner_text("#fin-de-session")
    assert not await page.is_visible("#rester-connecte")
    await visit.check()
    await page.click("#fin-de-session-compris")
    await page.wait_for_function(DIALOG_CLOSED)
    await _session_lasts(stack, REQUESTER, timedelta(minutes=30), at_most=timedelta(hours=8))

    await visit.goto(PAGE)
    await _type_the_first_step(visit)
    await page.click("#suivant")  # refused (the company is not confirmed): the page comes back with what was typed
    await page.wait_for_selector("#erreur-formulaire")
    assert await page.input_value("#represented_siren") == "412 345 670"
    await _session_ends_in(stack, REQUESTER, timedelta(seconds=-1))  # ended while the person was reading it
    await page.click("#suivant")  # refused by the server: the page asks to sign in again, after keeping the form
    await _sign_in_again_from_the_sign_in_page(visit, "requester")
    await _typed_again(visit)

    # The same tab, and another person signs in after an end: nothing of the first is shown to them.
    await page.fill("#represented_siren", "999 999 999")
    await _session_ends_in(stack, REQUESTER, timedelta(seconds=-1))
    await page.click("#suivant")
    await _sign_in_again_from_the_sign_in_page(visit, "productrice_demandeuse")
    await page.wait_for_selector("#nouvelle-demande")
    assert await page.query_selector("#saisie-retablie") is None
    assert await page.input_value("#represented_siren") == ""
    kept = await page.evaluate("() => Object.keys(sessionStorage).filter(k => k.startsWith('portail-saisie:'))")
    assert kept == [], "what the first person typed is dropped, not kept for later"


async def test_files_chosen_before_the_end_are_asked_for_again(
    person: Opener, stack: Stack, tokens: dict[str, str]
) -> None:
    """A file chosen cannot be put back in its field by a page: the page names it and asks for it again."""
    async with api(stack, "essoc", tokens["requester"]) as essoc:
        draft = json_of(
            await essoc.post(
                "/api/v1/drafts", json={"requester_type": "particulier"}, headers={"Idempotency-Key": str(uuid4())}
            )
        )
    pieces = f"/ogde/brouillons/{draft['id']}/pieces"
    visit = await person()
    page = visit.page
    await visit.sign_in("requester")
    await visit.goto(pieces)
    await page.set_input_files(
        "#files", files=[{"name": "devis-fournisseur.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF"}]
    )
    await _session_ends_in(stack, REQUESTER, timedelta(seconds=-1))
    await page.click("#suivant")
    await page.wait_for_url("**/connexion?suite=*")
    await page.click("text=Choisir un compte de démonstration")
    await page.click("#connexion-requester")
    await page.wait_for_url(f"**{pieces}")
    await page.wait_for_selector("#saisie-retablie")
    notice = await page.inner_text("#saisie-retablie")
    assert "devis-fournisseur.pdf" in notice and "choisissez-les à nouveau" in notice, notice
    await visit.check()

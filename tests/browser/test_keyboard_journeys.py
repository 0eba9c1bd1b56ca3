"""Each space with the keyboard alone (issue 23, « Tests »; RGAA 7.1, 7.3, 10.7, 12.8, 12.9): Tab and Shift+Tab, the
arrows in a radio group or a list, Enter, Space and Escape, through its main screen and one partial update (htmx),
with where the focus lands checked after each update:

- on the error summary after a refused submit, then on the field its link names (on the field at once when the
  browser itself refuses: a required confirmation box);
- on the page's content after a navigation (a boosted link or form);
- on the very control that triggered a refresh of the block it sits in (« Nature de la demande »);
- back on the button that opened a menu or a dialog after Escape;

and, each time, that the focus is on something (never lost to <body>) and drawn (an outline). The test puts the
focus where a person would have tabbed to (`focus()`), then uses keys only. The data comes from the services' APIs:
a producer's 2023 Q3 (rel-971-0001, which no other journey touches), a rescrit the agent took in charge."""

from __future__ import annotations

import json
import re

import pytest
from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from devstack.stack import Stack

from browser_support import Opener, api, json_of

pytestmark = pytest.mark.e2e

RELATION, RELATION_NUMBER = "rel-971-0001", "0971000123"  # Distillerie Bellevue, Guadeloupe
YEAR, QUARTER = 2023, 3

FOCUS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return { tag: 'body', id: '', text: '', outline: false };
  const style = getComputedStyle(e);
  const drawn = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
    || style.boxShadow !== 'none';
  return { tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name') || '',
           text: (e.innerText || e.value || '').replace(/\\s+/g, ' ').trim().slice(0, 60),
           checked: !!e.checked, value: e.value || '', outline: drawn };
}"""


async def focus_of(page: Page) -> dict[str, object]:
    state: dict[str, object] = await page.evaluate(FOCUS)
    return state


async def focus_lands(page: Page, condition: str, what: str) -> dict[str, object]:
    """Waits (5 s at most) until the focused element meets `condition` (a JS expression of `e`, the focused
    element); then checks it is drawn. Fails with where the focus is instead."""
    try:
        await page.wait_for_function(
            f"() => {{ const e = document.activeElement; return !!e && ({condition}); }}", timeout=5_000
        )
    except PlaywrightTimeout:
        pytest.fail(f"{what} : le focus est sur {json.dumps(await focus_of(page), ensure_ascii=False)}")
    state = await focus_of(page)
    assert state["tag"] != "body", what
    return state


async def visible_focus(page: Page, condition: str, what: str) -> dict[str, object]:
    """As `focus_lands`, and the focus is drawn (a keyboard user sees where they are)."""
    state = await focus_lands(page, condition, what)
    assert state["outline"], f"{what} : focus sans contour ({state})"
    return state


async def refused_then_field(page: Page, field: str, what: str) -> None:
    """After a refused submit: the focus on the error summary; Tab then Enter on its first link: on the field."""
    await visible_focus(page, "e.id === 'erreur-formulaire'", f"{what} : refusé")
    await page.keyboard.press("Tab")
    await visible_focus(page, "e.closest('#erreur-formulaire') && e.tagName === 'A'", f"{what} : lien de l'erreur")
    await page.keyboard.press("Enter")
    await visible_focus(page, f"e.id === '{field}'", f"{what} : champ en erreur")


async def _drafted(stack: Stack, token: str) -> str:
    details = {"name": "Marie Payet", "quality": "representant", "place": "Le Moule", "payment_method": "virement"}
    async with api(stack, "declarations", token) as http:
        r = await http.post("/api/v1/declarations", json={"relation_id": RELATION, "year": YEAR, "quarter": QUARTER})
        assert r.status_code == 201, r.text
        did: str = r.json()["id"]
        json_of(await http.put(f"/api/v1/declarations/{did}/declarant", json=details))
    return did


async def test_a_producer_fills_the_declarant_with_the_keyboard_alone(
    person: Opener, stack: Stack, tokens: dict[str, str]
) -> None:
    declaration = await _drafted(stack, tokens["productrice_demandeuse"])
    visit = await person(width=320)
    page = visit.page
    await visit.sign_in("productrice_demandeuse")

    # At 320 px, the header's menu is a dialog: Enter opens it (the focus inside), Escape closes it (the focus back).
    await page.focus("#bouton-menu")
    await page.keyboard.press("Enter")
    await visible_focus(page, "!!e.closest('#menu-modal')", "menu ouvert")
    await page.keyboard.press("Escape")
    await visible_focus(page, "e.id === 'bouton-menu'", "menu fermé par Échap")
    await page.wait_for_selector("#menu-modal.fr-modal--opened", state="detached", timeout=5_000)

    # At 1280 px, « Mes espaces »: Enter opens the list, Tab reaches a space, Escape closes it, the focus back.
    # (the page opened again at that width: DSFR sets its header up for the width it loads at, and a resize on a
    # loaded machine can leave the menu's collapse half set up for the small screen when the keys come)
    await page.set_viewport_size({"width": 1280, "height": 900})
    await page.reload()
    await page.focus("#mes-espaces button")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("#menu-espaces.fr-collapse--expanded")
    await page.keyboard.press("Tab")
    await visible_focus(page, "e.id === 'espace-domino'", "premier espace")
    await page.keyboard.press("Escape")
    await visible_focus(page, "e.matches('#mes-espaces button')", "« Mes espaces » fermé par Échap")
    await page.wait_for_selector("#espace-domino", state="hidden", timeout=15_000)  # the list closed, as one sees it

    # The declarant's data: the name emptied, the quality changed with the arrows, Enter: refused.
    await visit.goto(f"/domino/declarations/{declaration}/donnees")
    await page.focus("#name")
    await page.keyboard.press("Control+A")
    await page.keyboard.press("Backspace")
    await page.keyboard.press("Tab")
    first = await visible_focus(page, "e.name === 'quality'", "qualité")
    await page.keyboard.press("ArrowDown")
    second = await visible_focus(page, "e.name === 'quality' && e.checked", "qualité changée aux flèches")
    assert second["value"] != first["value"]
    await page.keyboard.press("Shift+Tab")
    await visible_focus(page, "e.id === 'name'", "retour au nom")
    await page.keyboard.press("Enter")
    await refused_then_field(page, "name", "données du déclarant")
    assert await page.input_value("#name") == ""
    assert await page.locator(f"input[name=quality][value='{second['value']}']").is_checked()  # what was typed kept

    # Corrected, Enter: the next step, the focus on its content.
    await page.keyboard.type("Marie Payet")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/annexe-a")
    await focus_lands(page, "e.id === 'contenu'", "annexe A après Suivant")
    await page.keyboard.press("Tab")
    await visible_focus(page, "e.tagName === 'A' || e.tagName === 'BUTTON'", "premier contrôle de l'annexe A")
    await visit.check()
    assert not visit.errors, visit.errors


async def test_a_requester_chooses_the_nature_with_the_arrows_without_losing_the_focus(person: Opener) -> None:
    visit = await person()
    page = visit.page
    await visit.sign_in("requester")
    await visit.goto("/ogde/nouvelle-demande")

    # Step 1: the requester's type with the arrows, Space, then Enter on « Suivant ».
    await page.focus("input[name=requester_type]")
    await page.keyboard.press("ArrowRight")
    await page.keyboard.press("ArrowLeft")
    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("Space")
    chosen = await visible_focus(page, "e.name === 'requester_type' && e.checked", "type de demandeur")
    assert chosen["value"] == "particulier"
    await page.focus("#suivant")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("#nature")
    await focus_lands(page, "e.id === 'contenu'", "étape suivante")

    # Step 2: « Nature de la demande » with the arrows: the block is refreshed, the focus stays on the list.
    await page.focus("#nature")
    async with page.expect_response(lambda r: r.request.method == "POST"):
        await page.keyboard.press("ArrowDown")
    await page.wait_for_selector("#category")
    state = await visible_focus(page, "e.id === 'nature'", "nature choisie : le focus reste sur la liste")
    assert state["value"]

    # « Suivant » without a category: refused, the error summary, then the field.
    await page.focus("#suivant")
    await page.keyboard.press("Space")
    await refused_then_field(page, "category", "champs d'application")
    await visit.check()
    assert not visit.errors, visit.errors


async def test_an_agent_records_admissibility_with_the_keyboard_alone(
    person: Opener, stack: Stack, tokens: dict[str, str]
) -> None:
    rescrit = {
        "requester_type": "particulier",
        "nature": "rescrit",
        "category": "octroi-de-mer",
        "sub_category": "dr-guadeloupe",
        "fields": [{"domain": "octroi-de-mer", "sub_domain": "octroi de mer interne"}],
        "subject": "Taux d'octroi de mer des cassaves de manioc",
        "description": "Nous fabriquons des cassaves à Capesterre-Belle-Eau : quel taux s'applique ?",
    }
    async with api(stack, "essoc", tokens["requester"]) as requester:
        number = int(json_of(await requester.post("/api/v1/requests", json=rescrit))["number"])
    async with api(stack, "essoc", tokens["agent_971"]) as agent:
        json_of(await agent.post(f"/api/v1/requests/{number}/take-charge"))
    visit = await person()
    page = visit.page
    await visit.sign_in("agent_971")

    # The board's filters: a state chosen with the arrows, Enter: the list again, the focus on the content.
    await page.focus("#q")
    await page.keyboard.type(str(number))
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(rf"q={number}"))
    await focus_lands(page, "e.id === 'contenu'", "tableau filtré")

    await visit.goto(f"/instruction/demandes/{number}")
    await page.focus("#decision-1")
    await page.keyboard.press("ArrowRight")
    await visible_focus(page, "e.name === 'decision' && e.value === 'non' && e.checked", "« Non » aux flèches")
    await page.keyboard.press("ArrowLeft")
    await visible_focus(page, "e.name === 'decision' && e.value === 'oui' && e.checked", "« Oui » aux flèches")
    await page.focus("#decider")
    # The confirmation not ticked: the browser itself refuses (it is `required`), the focus on the box, nothing sent
    # (a browser that does not check gets the portal's error summary: test_agent_ogde_journey.py).
    await page.keyboard.press("Enter")
    await visible_focus(page, "e.id === 'confirmation' && !e.checked", "recevabilité sans confirmation")
    assert not await page.locator("#erreur-formulaire").count()
    await page.keyboard.press("Space")
    await visible_focus(page, "e.id === 'confirmation' && e.checked", "confirmation cochée à la barre d'espace")
    assert await page.locator("input[name=decision][value=oui]").is_checked()  # kept through the refusal
    await visit.check()
    assert not visit.errors, visit.errors


async def test_an_auditor_searches_the_streams_with_the_keyboard_alone(person: Opener) -> None:
    visit = await person()
    page = visit.page
    await visit.sign_in("auditor")
    await visit.goto("/audit")
    await page.focus("#du")
    await page.keyboard.type("31/02/2025")
    await page.keyboard.press("Enter")
    await refused_then_field(page, "du", "période impossible")
    await page.keyboard.press("Control+A")
    await page.keyboard.type("01/01/2025")
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"du=01%2F01%2F2025"))
    await focus_lands(page, "e.id === 'contenu'", "flux de la période")
    assert not await page.locator("#erreur-formulaire").count()
    await page.keyboard.press("Tab")
    await visible_focus(page, "e.tagName !== 'MAIN'", "premier contrôle après les flux")
    await visit.check()
    assert not visit.errors, visit.errors


async def test_a_comptable_changes_territory_with_the_keyboard_alone(person: Opener) -> None:
    visit = await person()
    page = visit.page
    await visit.sign_in("comptable")
    await visit.goto("/recouvrement/releves")
    await page.focus("#territoire")
    before = await page.input_value("#territoire")
    await page.keyboard.press("ArrowDown")
    after = await visible_focus(page, "e.id === 'territoire'", "territoire aux flèches")
    await page.keyboard.press("Tab")
    await visible_focus(page, "e.tagName === 'BUTTON' && e.type === 'submit'", "« Afficher »")
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(rf"territoire={after['value']}"))
    assert after["value"] != before
    await focus_lands(page, "e.id === 'contenu'", "relevés du territoire")
    await page.keyboard.press("Shift+Tab")
    await visible_focus(page, "e.tagName !== 'MAIN'", "retour dans l'en-tête")
    await visit.check()
    assert not visit.errors, visit.errors

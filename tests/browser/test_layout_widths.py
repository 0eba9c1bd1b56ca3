"""Every space's pages at a phone's 360 px, a tablet's 768 px and a desktop's 1280 px (issue 22, item 10), and at
RGAA's 320 px with and without the WCAG text-spacing override (RGAA 10.11 and 10.12, issue 23 item 10), measured in
the page, not eyeballed:

(a) the page never scrolls sideways (`scrollWidth <= clientWidth` of the document; a table may scroll inside its
    own DSFR box, the page may not);
(b) every visible button and button-like link shows its whole text (`scrollWidth <= clientWidth + 1`) and lies
    inside the window's width; a DSFR icon-only button, whose `title` is its very text (« Menu »), is meant to
    show its icon alone;
(b') every visible label and table cell shows its whole text, and no button, link or label lies past the window's
    edge, unless it sits in a table's scrolling box (DSFR's `.fr-table__container`, focusable and named by its
    caption), where the keyboard and a finger reach it by scrolling that box;
(c) no word is broken inside in the texts people read as a whole: the headings, the buttons, the facts of
    « Rappel des informations de connexion » (the e-mail above all): a Range per word, which covers two lines
    when the word is split (a hyphen or a slash may end a line: « Pointe-à-Pitre »).

The data is made through the services' APIs: a producer's 2023 quarters (a draft with lines in both annexes, and one
filed), which no other journey touches; a rescrit the agent took in charge with a question. One browser context per
role, its window set to each width in turn, each page loaded afresh; every failure is listed at the end."""

from __future__ import annotations

import asyncio
import os
import re

import pytest
from playwright.async_api import Page

from devstack.stack import Stack

from browser_support import Opener, Visit, api, json_of

pytestmark = pytest.mark.e2e

WIDTHS = (320, 360, 768, 1280)
SPACED = 320
"""The width also measured with the WCAG 2.1 text spacing (success criterion 1.4.12) imposed on every element."""
TEXT_SPACING = """(on) => {
  // A constructed style sheet: what a reader's bookmarklet does, without a <style> our CSP would refuse.
  if (!on) { document.adoptedStyleSheets = []; return; }
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(`* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
                         word-spacing: 0.16em !important; }
                     p { margin-bottom: 2em !important; }`);
  document.adoptedStyleSheets = [sheet];
}"""
YEAR = 2023
"""Quarters no other journey files (they take the latest ended, the late ones of the last year, 2024 and 2025)."""
RELATION, RELATION_NUMBER = "rel-971-0001", "0971000123"  # Distillerie Bellevue, Guadeloupe
SCREENS = os.environ.get("LAYOUT_SCREENS")
"""A folder: each page's screenshot goes there too (layout-<page>-<width>.png), to look at; at 360 px unless
LAYOUT_SCREEN_WIDTHS says which (« 360,1280 »)."""
SCREEN_WIDTHS = {int(w) for w in os.environ.get("LAYOUT_SCREEN_WIDTHS", "360").split(",")}
WORDS = "h1, h2, h3, h4, legend, .fr-btn, button, .fr-tabs__tab, #rappel-connexion dd, #rappel-connexion dt"
"""The texts whose words must never be split over two lines."""

MEASURE = r"""(wordsSelector) => {
  const failures = [];
  const root = document.documentElement;
  const width = root.clientWidth;
  const describe = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
      if (e.id) { parts.unshift('#' + e.id); break; }
      const classes = [...e.classList].filter((c) => !c.startsWith('fr-icon-')).slice(0, 2);
      parts.unshift(e.tagName.toLowerCase() + classes.map((c) => '.' + c).join(''));
    }
    return parts.join(' > ');
  };
  const textOf = (el) => (el.innerText || el.value || '').replace(/\s+/g, ' ').trim().slice(0, 80);
  const shown = (el) => el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })
    && !el.closest('.fr-sr-only') && el.getBoundingClientRect().width > 1;
  const fail = (kind, el, detail) => failures.push({ kind, selector: describe(el), text: textOf(el), detail });

  if (root.scrollWidth > width) {
    failures.push({ kind: 'la page défile de côté', selector: 'html', text: '',
                    detail: `${root.scrollWidth} px pour ${width} px` });
    // What sticks out of the page (not out of a box that scrolls or clips it), the deepest: where to look.
    const past = (e) => e.getBoundingClientRect().right > width + 1;
    const inBox = (e) => {
      for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
        if (getComputedStyle(p).overflowX !== 'visible') return true;
      }
      return false;
    };
    const out = [...document.body.querySelectorAll('*')]
      .filter((e) => past(e) && shown(e) && !inBox(e) && ![...e.children].some(past));
    for (const e of out.slice(0, 5)) {
      fail('dépasse de la page', e, `bord droit à ${Math.round(e.getBoundingClientRect().right)} px`);
    }
  }

  for (const el of document.querySelectorAll('button, .fr-btn, a.fr-link, input[type=submit]')) {
    if (!shown(el)) continue;
    const style = getComputedStyle(el);
    const iconOnly = el.title && el.title.trim() === textOf(el);  // DSFR: the icon alone, its name in the title
    if (!iconOnly && style.display !== 'inline' && el.scrollWidth > el.clientWidth + 1) {
      fail('bouton au texte coupé', el, `${el.scrollWidth} px de texte dans ${el.clientWidth} px`);
    }
    const r = el.getBoundingClientRect();
    // a link in a table (a column's sort link, a row's « Reprendre ») scrolls with its column inside the table's
    // own box: reachable there (a data table is the exception WCAG 1.4.10 makes)
    const inScrollingTable =
      el.closest('.fr-table__container') || (el.closest('thead') && el.closest('.fr-table__content'));
    if (!inScrollingTable && (r.left < -1 || r.right > width + 1)) {
      fail('bouton hors de l\'écran', el, `de ${Math.round(r.left)} à ${Math.round(r.right)} px pour ${width} px`);
    }
  }

  // Labels and cells: the whole text inside the box, the box inside the window (a table's scrolling box excepted).
  for (const el of document.querySelectorAll('label, legend, th, td, .fr-tag, .fr-badge, .fr-link, .fr-tabs__tab')) {
    if (!shown(el)) continue;
    const scrolling = el.closest('.fr-table__container');
    const style = getComputedStyle(el);
    if (!scrolling && style.display !== 'inline' && el.scrollWidth > el.clientWidth + 1) {
      fail('texte coupé', el, `${el.scrollWidth} px de texte dans ${el.clientWidth} px`);
    }
    const r = el.getBoundingClientRect();
    if (!scrolling && !el.closest('.fr-tabs__list') && (r.left < -1 || r.right > width + 1)) {
      fail('hors de l\'écran', el, `de ${Math.round(r.left)} à ${Math.round(r.right)} px pour ${width} px`);
    }
  }
  // A table's scrolling box is a region reached by the keyboard and named (by its table's caption).
  for (const box of document.querySelectorAll('.fr-table__container')) {
    if (!shown(box) || box.scrollWidth <= box.clientWidth + 1) continue;
    const caption = box.querySelector('caption');
    const name = box.getAttribute('aria-label') || (box.getAttribute('aria-labelledby') && caption
      && caption.id === box.getAttribute('aria-labelledby'));
    if (box.tabIndex < 0 || box.getAttribute('role') !== 'region' || !name) {
      fail('cadre défilant sans nom ni focus', box, 'tabindex="0", role="region" et aria-labelledby vers la légende');
    }
  }

  const seen = new Set();
  for (const el of document.querySelectorAll(wordsSelector)) {
    if (!shown(el)) continue;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (seen.has(node) || !node.parentElement || node.parentElement.closest('.fr-sr-only')) continue;
      seen.add(node);
      for (const match of node.data.matchAll(/[^\s\-\u2010-\u2014\/]{2,}/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.bottom)));
        if (lines.size > 1) fail('mot coupé', node.parentElement, `« ${match[0]} » sur ${lines.size} lignes`);
      }
    }
  }
  return failures;
}"""

FILL_AND_GO_ON = """(values) => {
  // The wizard's form posted with what a person would have chosen on the step (« Suivant »).
  const source = document.querySelector('#nouvelle-demande');
  const data = new FormData(source);
  for (const [name, value] of Object.entries(values)) data.set(name, value);
  data.set('action', 'suivant');
  const form = document.createElement('form');
  form.method = 'post';
  form.action = source.getAttribute('action');  // not source.action: its buttons are named « action »
  for (const [name, value] of data.entries()) {
    const input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    form.append(input);
  }
  document.body.append(form);
  form.submit();
}"""


NEXT_FRAME = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
CLIPPED_BUTTON = """(on) => {
  // A button as DSFR draws it, kept on one line (what portal.css undoes): the measure must see it run out.
  if (!on) { document.getElementById('bouton-etalon').remove(); return; }
  const button = document.createElement('a');
  button.id = 'bouton-etalon';
  button.className = 'fr-btn fr-btn--secondary fr-icon-refresh-line fr-btn--icon-left';
  button.href = '#';
  button.textContent = 'Reprendre les produits du trimestre précédent';
  button.style.whiteSpace = 'nowrap';  // CSSOM, which the CSP allows (a style attribute it would refuse)
  document.getElementById('contenu').prepend(button);
}"""
SPACING_APPLIED = "() => getComputedStyle(document.getElementById('contenu')).wordSpacing"


class Layout:
    """Measures pages and keeps every failure."""

    def __init__(self) -> None:
        self.failures: list[str] = []
        self.measured = 0

    async def open(self, visit: Visit, path: str, width: int) -> None:
        response = await visit.page.goto(visit.base + path)
        assert response is not None and response.status == 200, (path, response and response.status)
        await self.measure(visit.page, path, width)

    async def measure(self, page: Page, what: str, width: int) -> None:
        await page.wait_for_load_state("load")
        await page.evaluate("() => document.fonts.ready.then(() => true)")  # Marianne's widths, not the fallback's
        await self._measure(page, what, width, "")
        if width == SPACED:
            await page.evaluate(TEXT_SPACING, True)
            await page.evaluate(NEXT_FRAME)
            await self._measure(page, what, width, " espacé")
            await page.evaluate(TEXT_SPACING, False)

    async def calibrate(self, page: Page) -> None:
        """The measure sees what it looks for: a button kept on one line at 320 px, and the spacing applied."""
        await page.evaluate(CLIPPED_BUTTON, True)
        await page.evaluate(TEXT_SPACING, True)
        assert await page.evaluate(SPACING_APPLIED) not in ("0px", "normal")
        found = [f["kind"] for f in await page.evaluate(MEASURE, WORDS) if "trimestre" in f["text"]]
        await page.evaluate(TEXT_SPACING, False)
        await page.evaluate(CLIPPED_BUTTON, False)
        assert {"bouton au texte coupé", "bouton hors de l'écran"} & set(found), found

    async def _measure(self, page: Page, what: str, width: int, spacing: str) -> None:
        self.measured += 1
        if SCREENS and width in SCREEN_WIDTHS:
            name = re.sub(r"[^a-z0-9]+", "-", what.lower().replace(" ", "-")).strip("-") or "accueil"
            name = re.sub(r"decl-rel-\d+-\d+-\d+-q(\d)", r"q\1", name)
            name = re.sub(r"lignes-l[0-9a-f]+", "ligne", name)
            shot = f"{SCREENS}/layout-{name}-{width}{spacing.replace(' ', '-')}.png"
            await page.screenshot(path=shot, full_page=True, caret="initial")
        for f in await page.evaluate(MEASURE, WORDS):
            text = f" « {f['text']} »" if f["text"] else ""
            self.failures.append(f"{what} à {width} px{spacing} — {f['kind']} : {f['selector']}{text} ({f['detail']})")


async def _declarations(stack: Stack, tokens: dict[str, str]) -> tuple[str, str, str]:
    """The producer's 2023 Q1 drafted (its data, three lines in annex A, one in annex B) and Q2 filed (by transfer).
    Returns the draft, a line of its annex A, the filed one."""
    details = {"name": "Marie Payet", "quality": "representant", "place": "Le Moule", "payment_method": "virement"}
    lines = [
        {"annex": "A", "nomenclature": "22084011", "price_excl_tax": "12500.00", "cana": "Z001"},
        {"annex": "A", "nomenclature": "20079910", "price_excl_tax": "1234567.89"},
        {"annex": "A", "nomenclature": "19059080", "price_excl_tax": "800.00"},
        {"annex": "B", "nomenclature": "20079910", "price_excl_tax": "3000.00", "rfs": True},
    ]
    ids: list[str] = []
    line_id = ""
    async with api(stack, "declarations", tokens["declarant"]) as http:
        for quarter in (1, 2):
            period = {"relation_id": RELATION, "year": YEAR, "quarter": quarter}
            r = await http.post("/api/v1/declarations", json=period)
            assert r.status_code == 201, r.text
            did: str = r.json()["id"]
            ids.append(did)
            json_of(await http.put(f"/api/v1/declarations/{did}/declarant", json=details))
            for line in lines if quarter == 1 else lines[:1]:
                added = json_of(await http.post(f"/api/v1/declarations/{did}/lines", json=line))
                line_id = line_id or str(added["line_id"])
        async with asyncio.timeout(60):
            for did in ids:
                while json_of(await http.get(f"/api/v1/declarations/{did}"))["totals"]["status"] != "current":
                    await asyncio.sleep(0.2)
        json_of(await http.post(f"/api/v1/declarations/{ids[1]}/filing"))
    return ids[0], line_id, ids[1]


async def _request(stack: Stack, tokens: dict[str, str]) -> int:
    """A rescrit of Guadeloupe, taken in charge by the agent who asked a question."""
    rescrit = {
        "requester_type": "particulier",
        "nature": "rescrit",
        "category": "octroi-de-mer",
        "sub_category": "dr-guadeloupe",
        "fields": [{"domain": "octroi-de-mer", "sub_domain": "octroi de mer interne"}],
        "subject": "Taux d'octroi de mer applicable aux confitures de goyave conditionnées en bocaux",
        "description": "Nous produisons des confitures de goyave à Capesterre-Belle-Eau : quel taux s'applique ?",
    }
    async with api(stack, "essoc", tokens["requester"]) as requester:
        number = int(json_of(await requester.post("/api/v1/requests", json=rescrit))["number"])
    async with api(stack, "essoc", tokens["agent_971"]) as agent:
        json_of(await agent.post(f"/api/v1/requests/{number}/take-charge"))
        question = {"text": "Quelle est la teneur en sucre des confitures (en grammes pour 100 grammes) ?"}
        json_of(await agent.post(f"/api/v1/requests/{number}/questions", json=question))
    return number


async def _new_request_steps(visit: Visit, layout: Layout, width: int) -> None:
    """« Nouvelle demande », each of its five steps."""
    page = visit.page
    await layout.open(visit, "/ogde/nouvelle-demande", width)
    steps: list[tuple[str, dict[str, str]]] = [
        ("caractéristiques", {"requester_type": "particulier"}),
        ("champs d'application", {"nature": "rescrit", "category": "octroi-de-mer", "sub_category": "dr-guadeloupe"}),
        ("demande", {}),
        ("pièces jointes", {"subject": "Taux des confitures", "description": "Quel taux pour nos confitures ?"}),
    ]
    for name, values in steps:
        if name == "demande":  # the fields of application: the first one offered
            values = {"fields": await page.locator("#fields input[type=checkbox]").first.get_attribute("value") or ""}
        async with page.expect_navigation():
            await page.evaluate(FILL_AND_GO_ON, values)
        step = f"/ogde/nouvelle-demande ({name})"
        assert "Nouvelle demande" in await page.inner_text("h1"), step
        assert await page.locator("#erreur-formulaire").count() == 0, step
        await layout.measure(page, step, width)


async def test_every_page_fits_at_320_360_768_and_1280_px_and_with_text_spacing(
    person: Opener, stack: Stack, tokens: dict[str, str]
) -> None:
    draft, line, filed = await _declarations(stack, tokens)
    number = await _request(stack, tokens)
    declaration = f"/domino/declarations/{draft}"
    pages: dict[str, list[str]] = {
        "": [
            "/",
            "/connexion",
            "/aide",
            "/codes-naf?q=boulangerie",
            "/notes-de-version",
            "/accessibilite",
            "/mentions-legales",
            "/donnees-personnelles",
            "/cgu",
        ],
        "declarant": [
            "/domino?changer=1",
            "/domino/accueil",
            f"{declaration}/donnees",
            f"{declaration}/annexe-a",
            f"{declaration}/annexe-a/produit",
            f"{declaration}/annexe-a/lignes/{line}",
            f"{declaration}/annexe-b",
            f"{declaration}/import",
            f"{declaration}/champs-calcules",
            f"{declaration}/octroi-de-mer",
            f"{declaration}/octroi-de-mer-regional",
            f"{declaration}/recapitulatif",
            f"{declaration}/depot/confirmation",
            f"/domino/declarations/{filed}",
            "/domino/recherche",
            "/domino/bureau",
            "/domino/telepaiement",
        ],
        "requester": [
            "/ogde",
            "/ogde/demandes",
            "/ogde/demandes?onglet=brouillons",
            f"/ogde/demandes/{number}",
            "/ogde/documents",
            "/notifications",
            "/assistance/nouvelle",
            "/assistance",
        ],
        "agent_971": [
            "/instruction",
            f"/instruction/demandes/{number}",
            f"/suivi?annee={YEAR}&trimestre=2&onglet=toutes",
            f"/suivi/declarations/{filed}",
            "/suivi/mandats",
            "/instruction/assistance",
        ],
        "auditor": ["/audit", f"/audit/declarations/flux/{draft}", "/audit/trace", "/audit/sceaux"],
        "comptable": [
            "/recouvrement?territoire=974",
            "/recouvrement/releves?territoire=974",
            "/recouvrement/fichiers?territoire=974",
            "/recouvrement/en-attente?territoire=974",
        ],
    }
    layout = Layout()
    errors: list[str] = []  # the pages' console errors, said after the measures
    for role, paths in pages.items():
        visit = await person(width=WIDTHS[0])
        if role:
            await visit.sign_in(role)
        else:
            await visit.page.goto(visit.base + "/")
            await layout.calibrate(visit.page)
        if role == "declarant":  # the relation is chosen by a click
            await visit.page.get_by_role("button", name=re.compile(RELATION_NUMBER)).click()
            await visit.page.wait_for_url("**/domino/accueil")
        for path in paths:
            # loaded once, then measured at each width: the layout follows the window as it would on a reload
            # (media queries, DSFR's own scripts listen to the resize), at a third of the page loads
            for n, width in enumerate(WIDTHS):
                await visit.page.set_viewport_size({"width": width, "height": 900})
                if n == 0:
                    await layout.open(visit, path, width)
                else:
                    await visit.page.evaluate(NEXT_FRAME)
                    await layout.measure(visit.page, path, width)
        if role == "requester":
            for width in WIDTHS:
                await visit.page.set_viewport_size({"width": width, "height": 900})
                await _new_request_steps(visit, layout, width)
        errors += visit.errors
    assert layout.measured >= 5 * 50
    assert not layout.failures, f"{len(layout.failures)} défaut(s) de mise en page :\n" + "\n".join(layout.failures)
    assert not errors, "\n".join(errors)

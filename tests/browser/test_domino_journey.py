"""DOMINO-NG in the browser, as a producer with three relations files a quarter: the manual's screens, the
manual's message by an empty field, lines split over a rate change and under a CANA, a line changed (and its form
refused once another tab changed the line, what was typed kept), an export under RFS, deductions, a recap equal
to taxcalc's totals, filing, the receipt PDF, the receipt mail. Once with JavaScript, once without (progressive
enhancement), every page checked by axe-core."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from contracts.references import declaration_reference
from declarations.domain.calendar import previous_quarter, quarter_bounds, quarter_due, quarter_last_day, quarter_name
from devstack.stack import ROOT, Stack

from browser_support import Opener, Visit, api, json_of

pytestmark = pytest.mark.e2e


def _change_day(year: int, quarter: int) -> date:
    """A rate change in the middle of the quarter."""
    return quarter_bounds(year, quarter)[0] + timedelta(days=45)


async def _publish_tariff_with_a_change(stack: Stack, admin: str, change: date) -> None:
    """The 974 demo tariff, where bread's OMI rate goes from 2.5 % to 5 % in the middle of the quarter due."""
    rows = list(csv.DictReader(io.StringIO((ROOT / "deploy/territories/974/tariff.csv").read_text())))
    kept = [r for r in rows if r["code"] != "19059080"]
    base = {
        "territory": "974",
        "code": "19059080",
        "cana": "",
        "kind": "OMI",
        "omr_rate": "2.5",
        "deliberation": "Délibération de test",
        "label": "Pain et pâtisseries (production locale)",
    }
    kept.append({**base, "om_rate": "2.5", "valid_from": "2015-01-01", "valid_to": str(change - timedelta(days=1))})
    kept.append({**base, "om_rate": "5", "valid_from": str(change), "valid_to": ""})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(kept)
    async with api(stack, "taxcalc", admin) as http:
        r = await http.post(
            "/api/v1/tariffs",
            params={"territory": "974"},
            content=out.getvalue().encode(),
            headers={"Content-Type": "text/csv"},
        )
        assert r.status_code in (200, 201), r.text


async def _add_product(
    visit: Visit,
    annex: str,
    nomenclature: str,
    price: str,
    *,
    day: str = "",
    cana: str = "",
    rfs: bool = False,
    expect_om: str | None = None,
) -> None:
    page = visit.page
    await page.click("#ajouter-produit")
    await visit.check()
    await page.fill("#nomenclature", nomenclature)
    if day:
        await page.fill("#rates_date", day)
    await page.click("#produit button[type=submit]")
    await page.wait_for_selector("#vente")
    await visit.check("domino-vente" if annex == "A" and cana else None)
    if cana:
        await page.select_option("#cana", cana)
        if await page.locator("button[value=taux]").is_visible():  # without JavaScript: « Actualiser les taux »
            await page.click("button[value=taux]")
        await page.wait_for_selector(f"#taux:has-text('CANA {cana}')")
        if visit.scripts:  # RGAA 7.5: said by the page's one live region, only its text replaced
            await page.wait_for_selector("#annonce:has-text('Taux appliqués avec ces critères')", state="attached")
            outside_the_session_dialog = "[aria-live=polite]:not(#fin-de-session *)"
            assert await page.locator(outside_the_session_dialog).count() == 1
    if expect_om is not None:
        assert expect_om in (await page.inner_text("#taux-om")).replace("\u00a0", " ")
    await page.fill("#price_excl_tax", price)
    if rfs:
        await page.check("#rfs", force=True)
    await page.click("button[value=ajouter]:visible")
    await page.wait_for_selector(f"#lignes-annexe-{annex.lower()}")
    await visit.check()


async def _change_a_line_then_meet_a_stale_form(visit: Visit, stack: Stack, tokens: dict[str, str]) -> None:
    """« Modifier » the rum's line: its amounts assessed again. Then its form again while another tab changes the
    line: refused with why at the top, what was typed kept; sent again, applied."""
    page = visit.page
    rum = page.locator("#lignes-annexe-a tbody tr", has_text="22084011")
    await rum.get_by_role("link", name=re.compile("Modifier")).click()
    await page.wait_for_selector("#enregistrer-ligne")
    await visit.check("domino-modifier-ligne")
    assert (await page.input_value("#price_excl_tax")).replace("\u202f", " ") == "5 000,00"
    await page.fill("#price_excl_tax", "6 000,00")
    await page.click("#enregistrer-ligne")
    await page.wait_for_selector("text=Ligne 22084011 modifiée en annexe A.")
    await _wait_computed(visit, javascript=True)
    assert "600,00" in await rum.inner_text()  # 6 000,00 × 10 % (CANA Z001)
    await rum.get_by_role("link", name=re.compile("Modifier")).click()
    await page.wait_for_selector("#enregistrer-ligne")
    declaration_id, line_id = page.url.split("/declarations/")[1].split("/")[0], page.url.rsplit("/", 1)[1]
    async with api(stack, "declarations", tokens["declarant"]) as http:  # another tab, meanwhile
        changed = {"price_excl_tax": "7000.00", "cana": "Z001"}
        json_of(await http.put(f"/api/v1/declarations/{declaration_id}/lines/{line_id}", json=changed))
    await page.fill("#price_excl_tax", "6 500,00")
    await page.click("#enregistrer-ligne")
    await page.wait_for_selector("#erreur-formulaire")
    assert "modifiée depuis que vous avez ouvert cette page" in await page.inner_text("#erreur-formulaire")
    assert await page.input_value("#price_excl_tax") == "6 500,00"
    visit.errors = [e for e in visit.errors if "status of 409" not in e]  # the refusal is the page's answer
    await visit.check("domino-formulaire-perime")
    await page.click("#enregistrer-ligne")
    await page.wait_for_selector("text=Ligne 22084011 modifiée en annexe A.")
    await _wait_computed(visit, javascript=True)
    assert "650,00" in await rum.inner_text()


async def _wait_computed(visit: Visit, javascript: bool) -> None:
    """The amounts appear by themselves with JavaScript (the page polls); without it, the person reloads."""
    page = visit.page
    for _ in range(60):
        if await page.locator("#montants-calcules").count():
            return
        if javascript:
            await page.wait_for_timeout(1000)
        else:
            await page.wait_for_timeout(500)
            await page.reload()
    raise AssertionError(f"the amounts never appeared on {page.url}")


def _today(zone: str) -> date:
    """Today in the territory's zone, by the stack's clock."""
    return Stack.now().astimezone(ZoneInfo(zone)).date()


def _quarter_to_file(zone: str) -> tuple[int, int]:
    """The latest quarter that has ended (one may not file a quarter still running): the quarter due between
    the 1st and the 24th of the month after it, else the one before the quarter due, then late."""
    today = _today(zone)
    due = quarter_due(today)
    return due if today > quarter_last_day(*due) else previous_quarter(*due)


async def _start_a_quarter(visit: Visit, relation_number: str, zone: str) -> tuple[str, int, int]:
    """Signs in, chooses the relation, opens the latest quarter ended (from the quarter due or the late
    ones), fills « Données de la déclaration »."""
    page = visit.page
    await visit.sign_in("declarant")
    # « Bienvenue dans l'application Domino »: three relations, one chosen.
    assert await page.locator("#relations tbody tr").count() == 3
    await visit.check("domino-relations")
    await page.get_by_role("button", name=re.compile(relation_number)).click()
    await page.wait_for_selector("#rappel-connexion")
    await visit.check("domino-accueil")
    assert "Que souhaitez-vous faire" in await page.inner_text("h1")
    facts = await page.inner_text("#rappel-connexion")
    assert relation_number in facts and "Identifiant activité de production" in facts
    period = _quarter_to_file(zone)
    today = _today(zone)
    if period == quarter_due(today):
        await page.locator("#trimestre-du button, #trimestre-du a.fr-btn").first.click()
    else:  # the quarter due is still running: it says when it can be filed; the one before is late
        assert "pourra être déposée à partir du" in await page.inner_text("#trimestre-du")
        await (
            page.locator("#trimestres-en-retard")
            .get_by_role("button", name=f"Déclarer le {quarter_name(*period)}")
            .click()
        )
    await page.wait_for_selector("#donnees")
    await visit.check("domino-donnees")
    # First without the name: the manual's message by the field, the rest kept as typed.
    await page.fill("#name", "")
    await page.check("#quality-1", force=True)
    await page.fill("#place", "Le Port")
    await page.select_option("#payment_method", "telepaiement")
    await page.click("#donnees button[type=submit]")
    await page.wait_for_selector("#name-message")
    assert await page.inner_text("#name-message") == "Le nom du déclarant est obligatoire."
    assert await page.input_value("#place") == "Le Port"
    assert await page.input_value("#payment_method") == "telepaiement"
    await visit.check("domino-donnees-erreur")
    await page.fill("#name", "Marie Payet")
    await page.click("#donnees button[type=submit]")
    await page.wait_for_selector("#ajouter-produit")
    declaration_id = page.url.split("/declarations/")[1].split("/")[0]
    year, quarter = declaration_id.rsplit("-", 2)[-2:]
    return declaration_id, int(year), int(quarter.removeprefix("Q"))


async def _deductions_recap_and_filing(
    visit: Visit,
    stack: Stack,
    tokens: dict[str, str],
    declaration_id: str,
    quarter: int,
    reference: str,
    *,
    javascript: bool,
) -> None:
    """`reference`: the declaration's, as people read it (« OM-974-2026-T3-0974000789 »)."""
    page = visit.page
    await page.click("text=Suivant : Champs calculés")
    await page.wait_for_selector("#champs-calcules")
    await _wait_computed(visit, javascript)
    await visit.check("domino-champs-calcules")
    if quarter == 4:
        await page.fill("#amount", "1 250 000,00")
    await page.click("#champs-calcules button[type=submit]")
    await page.wait_for_selector("#tableau-om")
    await visit.check("domino-octroi-de-mer")
    await page.fill("#om-7", "1 000,00")
    await page.check("#om-7_art19_1", force=True)
    await page.click("text=Suivant : octroi de mer régional")
    await page.wait_for_selector("#tableau-omr")
    await visit.check()
    await page.fill("#omr-19", "200")
    await page.click("text=Aller à l'écran récapitulatif")
    await page.wait_for_selector("#recapitulatif")
    await _wait_computed(visit, javascript)
    await visit.check("domino-recapitulatif")

    # The recap's boxes are taxcalc's totals for this version, box by box.
    async with api(stack, "taxcalc", tokens["admin"]) as http:
        totals = json_of(await http.get(f"/api/v1/declarations/{declaration_id}/totals"))
    assert totals["status"] == "current"
    shown = {}
    for cell in await page.locator("#recapitulatif [data-case]").all():
        shown[await cell.get_attribute("data-case")] = await cell.inner_text()
    assert len(shown) == 31  # 1–27 with 9 bis, 13 bis, 21 bis, 25 bis
    for box, value in totals["boxes"].items():
        assert _amount(shown[box]) == Decimal(value), (box, shown[box], value)
    assert _amount(await page.inner_text("#total-a-payer .portal-total")) == Decimal(totals["total_due"])
    assert Decimal(totals["boxes"]["7"]) == Decimal("1000.00") and Decimal(totals["boxes"]["19"]) == Decimal("200.00")
    # The tick of box 7 is shown back too: the recap shows every field entered.
    ticks = await page.inner_text("#recap-precisions-om")
    assert "article 19-1" in ticks and "oui" in ticks

    await page.click("#deposer")
    await page.wait_for_selector("#confirmation")
    await visit.check("domino-confirmation")
    await page.click("#confirmer-depot")
    await page.wait_for_selector("#depot-enregistre")
    await visit.check("domino-accuse")
    assert _amount(await page.inner_text("#total-depose")) == Decimal(totals["total_due"])
    assert await page.inner_text("#reference") == reference
    async with page.expect_download() as waiting:
        await page.click("#telecharger-accuse")
    download = await waiting.value
    content = Path(str(await download.path())).read_bytes()
    assert content.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert "Déposée" in text and "Télépaiement" in text
    assert reference in text and declaration_id not in text
    mail = await stack.smtp.maildir.wait_for_async(
        lambda m: "marie.payet@producteur.example" in m["To"] and reference in m["Subject"], 60
    )
    year = int(declaration_id.rsplit("-", 2)[-2])
    assert f"déclaration d'octroi de mer du {quarter_name(year, quarter)}" in mail["Subject"]
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    # The mail opens the filed declaration's page on the portal it was filed on.
    assert f"{stack.portal_public_url()}/domino/declarations/{declaration_id}" in str(body.get_content()).split()
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"declaration-{reference}.pdf"


def _amount(text: str) -> Decimal:
    cleaned = text.replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace("€", "").replace(",", ".")
    return Decimal(cleaned)


async def test_a_producer_files_a_quarter_in_974_screen_by_screen(
    person: Opener, stack: Stack, tokens: dict[str, str]
) -> None:
    year, quarter = _quarter_to_file("Indian/Reunion")
    change = _change_day(year, quarter)
    await _publish_tariff_with_a_change(stack, tokens["admin"], change)
    visit = await person()
    declaration_id, year, quarter = await _start_a_quarter(visit, "0974000789", "Indian/Reunion")
    page = visit.page
    await visit.check("domino-annexe-a-vide")
    # Bread before and after the rate change: two lines, each at its rates.
    await _add_product(visit, "A", "1905 90 80", "12 500,00", expect_om="2,5 %")
    await _add_product(visit, "A", "19059080", "8 000,00", day=change.strftime("%d/%m/%Y"), expect_om="5 %")
    await _add_product(visit, "A", "22084011", "5 000", cana="Z001", expect_om="10 %")
    # The amounts appear without a reload once taxcalc has assessed the lines.
    await _wait_computed(visit, javascript=True)
    await visit.check("domino-annexe-a")
    await page.wait_for_function("() => document.querySelectorAll('#lignes-annexe-a tbody tr').length === 3")
    rows = await page.locator("#lignes-annexe-a tbody tr").all_inner_texts()
    assert any("312,50" in r.replace("\u202f", " ") for r in rows)  # 12 500,00 × 2,5 %
    assert any("400,00" in r for r in rows)  # 8 000,00 × 5 %
    await _change_a_line_then_meet_a_stale_form(visit, stack, tokens)
    await page.click("text=Suivant : Annexe B")
    await page.wait_for_selector("#ajouter-produit")
    await _add_product(visit, "B", "33051000", "3 000,00", rfs=True)
    assert "oui" in (await page.locator("#lignes-annexe-b tbody tr").first.inner_text())
    await visit.check("domino-annexe-b")
    reference = declaration_reference("974", year, quarter, "0974000789")
    await _deductions_recap_and_filing(visit, stack, tokens, declaration_id, quarter, reference, javascript=True)


async def test_the_same_journey_works_without_javascript(person: Opener, stack: Stack, tokens: dict[str, str]) -> None:
    visit = await person(javascript=False)
    declaration_id, year, quarter = await _start_a_quarter(visit, "0971000123", "America/Guadeloupe")
    page = visit.page
    await _add_product(visit, "A", "22084011", "2 000,00", cana="Z001", expect_om="5 %")
    await _add_product(visit, "A", "20079910", "1 500,00")
    await _wait_computed(visit, javascript=False)
    await page.click("text=Suivant : Annexe B")
    await page.wait_for_selector("#ajouter-produit")
    reference = declaration_reference("971", year, quarter, "0971000123")
    await _deductions_recap_and_filing(visit, stack, tokens, declaration_id, quarter, reference, javascript=False)


async def test_a_producer_imports_lines_from_a_spreadsheet_then_carries_products_over(
    person: Opener, stack: Stack, tokens: dict[str, str], tmp_path: Path
) -> None:
    """« Importer des lignes » (a wrong row reported, nothing added; then the corrected file) and « Reprendre
    les produits du trimestre précédent » on the next quarter."""
    visit = await person()
    page = visit.page
    await visit.sign_in("declarant")
    await page.get_by_role("button", name=re.compile("0971000456")).click()
    await page.wait_for_selector("#trimestres-en-retard")
    await page.locator("#trimestres-en-retard li").last.locator("button, a.fr-btn").first.click()
    await page.wait_for_selector("#donnees")
    await page.fill("#name", "Marie Payet")
    await page.check("#quality-2", force=True)
    await page.fill("#place", "Baie-Mahault")
    await page.select_option("#payment_method", "virement")
    await page.click("#donnees button[type=submit]")
    await page.wait_for_selector("#ajouter-produit")
    first_url = page.url
    await page.click("text=Importer des lignes")
    await page.wait_for_selector("#import")
    await visit.check("domino-import")
    wrong = tmp_path / "lignes.csv"
    wrong.write_bytes(
        "Annexe;Nomenclature;Prix hors TVA et hors accises;Placement sous RFS\r\n"
        "A;20079910;1 200,00;\r\nA;2007;300,00;\r\nB;20079910;1,234;oui\r\n".encode("cp1252")
    )
    await page.set_input_files("#fichier", str(wrong))
    await page.click("#import button[type=submit]")
    await page.wait_for_selector("#rapport-import")
    report = await page.inner_text("#rapport-import")
    assert "Nomenclature" in report and "ambigu" in report
    assert [r.split("\t")[0] for r in (await page.locator("#rapport-import tbody tr").all_inner_texts())] == ["3", "4"]
    await visit.check("domino-import-rapport")
    right = tmp_path / "lignes-corrigees.csv"
    right.write_text("annexe,nomenclature,prix_ht,rfs\nA,20079910,1200.00,\nB,20079910,1234.00,oui\n")
    await page.set_input_files("#fichier", str(right))
    await page.click("#import button[type=submit]")
    await page.wait_for_selector("text=2 lignes importées.")
    assert await page.locator("#lignes-annexe-a tbody tr").count() == 1

    # The next quarter starts from these products, prices to fill.
    declaration_id = first_url.split("/declarations/")[1].split("/")[0]
    year, quarter = (int(x) for x in declaration_id.removeprefix("decl-rel-971-0002-").split("-Q"))
    year, quarter = (year, quarter + 1) if quarter < 4 else (year + 1, 1)
    async with api(stack, "declarations", tokens["declarant"]) as http:
        r = await http.post(
            "/api/v1/declarations", json={"relation_id": "rel-971-0002", "year": year, "quarter": quarter}
        )
        assert r.status_code in (201, 409), r.text
        following = f"decl-rel-971-0002-{year}-Q{quarter}"
    await visit.goto(f"/domino/declarations/{following}/reprise")
    rows = await page.locator("#reprise tbody tr").count()
    assert rows == 2
    await visit.check("domino-reprise")
    await page.fill("#price_0", "1 500,00")
    await page.click("#reprise button[type=submit]")
    await page.wait_for_selector("text=1 produit repris du trimestre précédent.")
    assert "1 500,00" in (await page.inner_text("#lignes-annexe-a")).replace("\u202f", " ")

"""The legal pages (issue 23, items 6 and 14): linked from every page's footer; « Données personnelles » built from
an inventory that covers every event field naming a person; « Accessibilité » a RGAA statement computed from the
106 criteria of the self-assessment, with a contact that works for everyone."""

from __future__ import annotations

import html
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from portal import privacy, rgaa

LEGAL_PAGES = ("/mentions-legales", "/donnees-personnelles", "/cgu", "/accessibilite")
AUDIT_FINDINGS = {"10.11", "10.12", "13.1", "13.3"}
"""The audit's findings (issue 23): each still failing, or conforming with what shows it (a test, a file)."""
FIXED_WITH_EVIDENCE = {
    "10.11": "tests/browser/test_layout_widths.py",
    "10.12": "tests/browser/test_layout_widths.py",
    "7.3": "tests/browser/test_keyboard_journeys.py",
    "12.9": "tests/browser/test_keyboard_journeys.py",
    "13.1": "tests/browser/test_session_end.py",
    "13.3": "tests/accessibility/test_pdf_ua.py",
}
"""Criteria the audit's findings (issue 23) made conforming, and the test file that checks them on every change."""
ROOT = Path(__file__).resolve().parents[3]

# Which event fields the inventory names, and that they are exactly those `contracts` marks personal, is tested
# in test_privacy_inventory.py (issue 25: the marks replace the field names this file used to guess from).


def test_the_inventory_says_purpose_basis_retention_and_recipients_of_each_item() -> None:
    assert {kept.service for kept in privacy.INVENTORY} == set(privacy.SERVICES)
    for kept in privacy.INVENTORY:
        assert kept.data and kept.purpose and kept.basis and kept.retention and kept.recipients, kept
    bases = " ".join(kept.basis for kept in privacy.INVENTORY)
    assert "loi n° 2004-639" in bases and "loi n° 2018-727" in bases and "art. 345 bis" in bases


def test_the_self_assessment_lists_the_106_criteria_and_gives_the_rate() -> None:
    """Décret 2019-768 art. 3 and RGAA 4.1: the rate is the conforming criteria over the applicable ones."""
    assessment = rgaa.read()
    assert len(assessment.criteria) == 106
    for c in assessment.criteria:
        if c.number in AUDIT_FINDINGS:
            assert c.status == "non conforme" or "test" in c.note, c
    conforming, failing = assessment.count("conforme"), assessment.count("non conforme")
    assert assessment.rate == Decimal(int(1000 * conforming / (conforming + failing))) / 10
    assert assessment.state == "partiellement conforme"


def test_a_criterion_fixed_after_the_audit_names_the_test_that_checks_it() -> None:
    criteria = {c.number: c for c in rgaa.read().criteria}
    for number, evidence in FIXED_WITH_EVIDENCE.items():
        assert criteria[number].status == "conforme", number
        tests = (ROOT / evidence).read_text(encoding="utf-8")
        named = [w.strip(" ().,") for w in criteria[number].note.split() if "test_" in w]
        assert named, f"{number}: la remarque doit nommer son test"
        for name in named:
            assert (ROOT / name).exists() if name.startswith("tests/") else f"def {name}(" in tests, (number, name)


def test_a_self_assessment_missing_a_criterion_or_a_plan_is_refused(tmp_path: Path) -> None:
    text = rgaa.SOURCE.read_text(encoding="utf-8")
    missing = tmp_path / "missing.yaml"
    missing.write_text("\n".join(line for line in text.splitlines() if '"13.12"' not in line), encoding="utf-8")
    with pytest.raises(ValueError, match="106"):
        rgaa.read(missing)
    unplanned = tmp_path / "unplanned.yaml"
    unplanned.write_text(text.replace('status: non applicable, note: "Aucun CAPTCHA."', "status: non conforme"))
    with pytest.raises(ValueError, match=r"1\.4"):
        rgaa.read(unplanned)
    no_plan_this_year = tmp_path / "no-plan-this-year.yaml"
    no_plan_this_year.write_text(text.replace("    - year: 2026\n", "    - year: 2025\n"), encoding="utf-8")
    with pytest.raises(ValueError, match="2026"):
        rgaa.read(no_plan_this_year)


async def test_every_page_links_the_legal_pages_in_its_footer(portal: httpx.AsyncClient) -> None:
    for path in ("/", "/aide", *LEGAL_PAGES):
        r = await portal.get(path)
        assert r.status_code == 200, path
        footer = r.text[r.text.index('<footer class="fr-footer"') :]
        for page in LEGAL_PAGES:
            assert f'href="{page}"' in footer, (path, page)
        state = rgaa.assessment().state
        assert f"Accessibilité : {state}</a>" in footer, "the footer declares the state the assessment computes"


async def test_the_legal_notice_names_publisher_director_and_the_deployments_host(portal: httpx.AsyncClient) -> None:
    r = await portal.get("/mentions-legales")
    text = html.unescape(r.text)
    assert "Direction générale des douanes et droits indirects" in text and "93558 Montreuil Cedex" in text
    assert "11 rue des Deux Communes" in text and "Le directeur général des douanes et droits indirects" in text
    assert "ne l'a pas encore indiqué" in text, "without a setting, the host is said to be the deployment's to name"
    assert "licence Etalab 2.0" in text and "DSFR, version 1." in text and "Liens vers le portail" in text
    app = portal.app  # type: ignore[attr-defined]
    app.state.settings = app.state.settings.model_copy(update={"hosting_provider": "Hébergeur Exemple, 1 rue A"})
    assert "Hébergeur Exemple, 1 rue A" in (await portal.get("/mentions-legales")).text


async def test_the_personal_data_page_shows_the_inventory_and_how_to_use_ones_rights(
    portal: httpx.AsyncClient,
) -> None:
    text = html.unescape((await portal.get("/donnees-personnelles")).text)
    for kept in privacy.INVENTORY:
        assert kept.data in text and kept.purpose in text
    assert "sans limite de durée" in text and "politique de conservation est en cours de définition" in text
    assert "après 30 minutes sans activité" in text and "8 heures après la connexion" in text
    assert "mailto:" not in text and "Délégué à la protection des données, direction générale" in text
    assert "www.cnil.fr" in text
    app = portal.app  # type: ignore[attr-defined]
    app.state.settings = app.state.settings.model_copy(update={"dpo_email": "dpd@douane.example"})
    assert 'href="mailto:dpd@douane.example"' in (await portal.get("/donnees-personnelles")).text


async def test_the_accessibility_statement_gives_the_rate_the_plan_and_a_contact_for_everyone(
    portal: httpx.AsyncClient,
) -> None:
    assessment = rgaa.assessment()
    text = html.unescape((await portal.get("/accessibilite")).text)
    assert "est partiellement conforme avec le référentiel" in text.replace("<strong>", "").replace("</strong>", "")
    assert f"{assessment.rate}".replace(".", ",") + " %" in text and "7 décembre 2026" in text
    for criterion in assessment.failing:
        assert f"Critère {criterion.number} ({criterion.theme})" in text and criterion.planned in text
    assert text.count('<th scope="row">') == 106
    assert "Défenseur des droits" in text and "Libre réponse 71120" in text
    # the multi-year plan, its year in force (the evaluation's) with what still fails, each linked to its criterion
    assert "Schéma pluriannuel 2026-2028" in text and "Plan d'actions 2026 (année en cours)" in text
    remaining = ", ".join(
        f'<a href="#critere-{c.number.replace(".", "-")}">critère {c.number}</a>' for c in assessment.failing
    )
    assert f"Restent à corriger : {remaining}" in text
    # a contact for everyone: the assistance form for account holders, the post for anyone
    assert 'href="/assistance/nouvelle" id="contact-assistance"' in text and "93558 Montreuil Cedex" in text
    assert "Mon bureau de douane" not in text, "a contact only producers could use is no contact for everyone"
    app = portal.app  # type: ignore[attr-defined]
    app.state.settings = app.state.settings.model_copy(update={"accessibility_email": "accessibilite@douane.example"})
    assert 'href="mailto:accessibilite@douane.example?subject=' in (await portal.get("/accessibilite")).text

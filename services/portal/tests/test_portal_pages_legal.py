"""The legal pages (issue 23, items 6 and 14): linked from every page's footer; « Données personnelles » built from
an inventory that covers every event field naming a person; « Accessibilité » a RGAA statement computed from the
106 criteria of the self-assessment, with a contact that works for everyone."""

from __future__ import annotations

import html
import typing
from collections.abc import Iterator
from decimal import Decimal
from fnmatch import fnmatchcase
from pathlib import Path

import httpx
import pytest
from pydantic import BaseModel

import contracts.events  # noqa: F401  (registers every event)
from contracts.envelope import EventEnvelope
from contracts.registry import EVENT_TYPES
from portal import privacy, rgaa

LEGAL_PAGES = ("/mentions-legales", "/donnees-personnelles", "/cgu", "/accessibilite")
AUDIT_FINDINGS = {"10.11", "10.12", "13.1", "13.3"}

# A field names or reaches a person (RGPD art. 4.1) when its name is one of these, or ends with one of the
# suffixes: who they are, how to write to them, their bank account, their sign-in identifier (`*_by`: the `sub` of
# whoever acted), and the free texts a person types, which may name people whatever the form asks.
PERSON_FIELDS = {
    "name", "first_name", "email", "recipient", "requester", "author", "actor", "to_agent", "agent_id",
    "from_agent_id", "by", "iban", "bic", "holder", "debtor", "remittance",
    "subject", "description", "text", "question_text", "grounds", "response", "filename",
}  # fmt: skip
PERSON_SUFFIXES = ("_email", "_name", "_by")
NOT_A_PERSON = {"DeclarationSuperseded.by": "the id of the déclaration rectificative that supersedes it"}


def _models(annotation: object) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in typing.get_args(annotation):
        yield from _models(argument)


def _paths(model: type[BaseModel], prefix: str) -> Iterator[str]:
    for name, info in model.model_fields.items():
        yield f"{prefix}.{name}"
        for nested in _models(info.annotation):
            yield from _paths(nested, f"{prefix}.{name}")


def every_field() -> list[str]:
    """`Event.field.sub_field` of every field of every event, and of the envelope each travels in."""
    found = [path for spec in EVENT_TYPES.values() for path in _paths(spec.model, spec.name)]
    return found + list(_paths(EventEnvelope, "EventEnvelope"))


def names_a_person(path: str) -> bool:
    last = path.rsplit(".", 1)[-1]
    return (last in PERSON_FIELDS or last.endswith(PERSON_SUFFIXES)) and path not in NOT_A_PERSON


def _covered(path: str) -> bool:
    return any(fnmatchcase(path, pattern) for kept in privacy.INVENTORY for pattern in kept.fields)


def test_every_event_field_that_names_a_person_is_in_the_inventory() -> None:
    """RGPD art. 13 and 30: « Données personnelles » says what is kept. A new event field holding a person's name,
    address, bank account, identifier or free text fails here until the inventory says why and for how long."""
    personal = [path for path in every_field() if names_a_person(path)]
    assert len(personal) > 40, "the walk found the events' fields"
    assert {"MandateRegistered.iban", "RequestSubmitted.requester.email", "EventEnvelope.actor"} <= set(personal)
    assert [path for path in personal if not _covered(path)] == []


def test_every_field_the_inventory_names_exists() -> None:
    fields = every_field()
    stale = [p for kept in privacy.INVENTORY for p in kept.fields if not any(fnmatchcase(f, p) for f in fields)]
    assert stale == []


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
    assert AUDIT_FINDINGS <= {c.number for c in assessment.failing}
    conforming, failing = assessment.count("conforme"), assessment.count("non conforme")
    assert assessment.rate == Decimal(int(1000 * conforming / (conforming + failing))) / 10
    assert assessment.state == "partiellement conforme"


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
    assert "Plan d'actions 2027" in text and "Défenseur des droits" in text and "Libre réponse 71120" in text
    assert "Mon bureau de douane" not in text, "a contact only producers could use is no contact for everyone"
    app = portal.app  # type: ignore[attr-defined]
    app.state.settings = app.state.settings.model_copy(update={"accessibility_email": "accessibilite@douane.example"})
    assert 'href="mailto:accessibilite@douane.example?subject=' in (await portal.get("/accessibilite")).text

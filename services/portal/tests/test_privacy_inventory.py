"""« Données personnelles » says what the code keeps: the fields each item of `portal.privacy.INVENTORY` names are
exactly the fields `contracts` marks personal (issue 25, item 1). The page keeps its own words (purposes, bases,
recipients); which fields are personal, and of whom, comes from the marks."""

from __future__ import annotations

import html
from fnmatch import fnmatchcase

import httpx

import contracts.events  # noqa: F401  (registers every event)
from contracts.personal_inventory import all_leaf_paths, personal_fields
from contracts.retention import record_types
from portal import privacy


def _covers(pattern: str, path: str) -> bool:
    # A pattern naming a nested model (`*.requester`) covers its fields.
    return fnmatchcase(path, pattern) or fnmatchcase(path, pattern + ".*")


def _patterns() -> list[str]:
    return [pattern for kept in privacy.INVENTORY for pattern in kept.fields]


def test_every_personal_field_is_in_the_inventory() -> None:
    personal = {f.path for f in personal_fields()}
    assert len(personal) > 50, "the marks were read"
    assert sorted(p for p in personal if not any(_covers(pattern, p) for pattern in _patterns())) == []


def test_the_inventory_names_no_field_that_is_not_marked_personal() -> None:
    personal = {f.path for f in personal_fields()}
    named = {path for path in all_leaf_paths() for pattern in _patterns() if _covers(pattern, path)}
    assert sorted(named - personal) == []


def test_each_pattern_of_the_inventory_names_a_personal_field() -> None:
    personal = {f.path for f in personal_fields()}
    assert [p for p in _patterns() if not any(_covers(p, path) for path in personal)] == []


def test_the_fields_of_an_item_are_read_from_the_marks() -> None:
    kept = next(k for k in privacy.INVENTORY if k.data.startswith("Mandat de prélèvement SEPA"))
    assert privacy.fields_of(kept) == sorted(
        f.path for f in personal_fields() if any(_covers(p, f.path) for p in kept.fields)
    )
    assert "MandateRegistered.iban" in privacy.fields_of(kept)


async def test_the_register_of_processing_is_linked_and_shows_fields_retention_and_security(
    portal: httpx.AsyncClient,
) -> None:
    """RGPD art. 30.1: purposes, categories of data and of people, recipients, retention, security, transfers."""
    privacy_page = (await portal.get("/donnees-personnelles")).text
    assert 'href="/donnees-personnelles/registre"' in privacy_page
    r = await portal.get("/donnees-personnelles/registre")
    assert r.status_code == 200
    text = html.unescape(r.text)
    assert "Registre des traitements" in text and "Délégué à la protection des données" in text
    assert "<code>MandateRegistered.iban</code>" in text and "Coordonnées bancaires (IBAN, BIC)" in text
    assert "Aucun transfert hors de l'Union européenne" in text and "Mesures de sécurité" in text
    for record in record_types().values():
        assert record.label in text and record.rules[-1].source in text
    assert "délibération n° 2021-122" in text and "à confirmer par le DPO" in text
    assert "erasure_due" in text, "the page says personal data of the logs are only recorded due for erasure"

"""The OGDE reference data: natures, categories, directorates, fields, refusal grounds."""

from __future__ import annotations

from typing import Any

import pytest

from essoc.domain.referentials import Referentials, default_referentials

REFS = default_referentials()


def test_the_document_has_the_shape_the_api_serves() -> None:
    document = REFS.as_dict()
    assert set(document) == {"natures", "categories", "directorates", "fields", "refusal_grounds"}
    assert set(document["categories"]) == {"rescrit", "second_examen", "droit_au_controle"}
    assert set(document["directorates"][0]) == {"code", "label", "territory", "mailbox", "central"}
    assert set(document["fields"][0]) == {"domain", "label", "sub_domains"}


def test_three_natures() -> None:
    assert [(n.code, n.label) for n in REFS.natures] == [
        ("rescrit", "rescrit sur une situation de fait"),
        ("second_examen", "second examen"),
        ("droit_au_controle", "droit au contrôle"),
    ]


def test_rescrit_categories_are_taxes_named_in_the_manual() -> None:
    labels = {c.label for c in REFS.categories["rescrit"]}
    assert {
        "toutes autres taxes",
        "taxe générale sur les activités polluantes (tgap)",
        "octroi de mer",
    } <= labels
    assert REFS.categories["second_examen"] == REFS.categories["rescrit"]


@pytest.mark.parametrize(
    ("code", "territory"),
    [
        ("dr-guadeloupe", "971"),
        ("dr-martinique", "972"),
        ("dr-guyane", "973"),
        ("dr-la-reunion", "974"),
        ("dr-mayotte", "976"),
    ],
)
def test_each_overseas_territory_has_its_directorate_and_mailbox(code: str, territory: str) -> None:
    directorate = REFS.directorate(code)
    assert directorate is not None
    assert directorate.territory == territory
    assert directorate.mailbox == f"{code}@douane.example"
    assert not directorate.central


def test_metropolitan_directorates_of_the_manual_are_listed() -> None:
    codes = {d.code for d in REFS.directorates}
    assert {"dr-lyon", "dr-aix-en-provence", "dr-amiens", "dr-roissy", "bureau-nice-port"} <= codes


def test_the_central_directorate_is_listed_and_flagged_central() -> None:
    dgddi = REFS.directorate("dgddi")
    assert dgddi is not None and dgddi.central and dgddi.territory is None


def test_droit_au_controle_categories_are_regional_directorates() -> None:
    for category in REFS.categories["droit_au_controle"]:
        directorate = REFS.directorate(category.code)
        assert directorate is not None and not directorate.central
        assert category.label == directorate.label


def test_a_droit_au_controle_category_must_name_a_regional_directorate() -> None:
    raw: dict[str, Any] = {
        "natures": [],
        "categories": {"rescrit": [], "second_examen": [], "droit_au_controle": ["dgddi"]},
        "directorates": [{"code": "dgddi", "label": "DGDDI", "mailbox": "d@x", "central": True}],
        "fields": [],
        "refusal_grounds": [],
        "poles": {},
    }
    with pytest.raises(ValueError, match="droit au contrôle"):
        Referentials.from_mapping(raw)


def test_refusal_grounds_are_those_of_crpa_l124_1() -> None:
    assert [g.code for g in REFS.refusal_grounds] == [
        "mauvaise-foi",
        "demande-abusive",
        "programme-de-controle",
    ]


def test_fields_of_application_have_domains_and_sub_domains() -> None:
    alcohol = REFS.field_domain("alcools-et-boissons")
    assert alcohol is not None and alcohol.label == "Alcools et boissons"
    assert "cotisation sur les boissons alcooliques" in alcohol.sub_domains
    assert {f.label for f in REFS.fields} >= {"Octroi de mer", "Énergie", "Environnement (TGAP)", "Tabacs"}


def test_request_type_reads_as_in_the_manual() -> None:
    assert REFS.describe("rescrit", "toutes-autres-taxes", "dr-aix-en-provence") == (
        "rescrit sur une situation de fait / toutes autres taxes / DR Aix-en-Provence"
    )
    assert REFS.describe("droit_au_controle", "dr-roissy", None) == "droit au contrôle / DR Roissy"

"""The « Documents » menu (OGDE manual §6): a user guide and blank forms, drawn by the service as PDF."""

from __future__ import annotations

import io

from pypdf import PdfReader

from chassis.pdf import find_font
from essoc.documents.catalogue import DOCUMENTS
from essoc.documents.library import DocumentLibrary
from essoc.documents.render import render_document
from essoc.domain.referentials import default_referentials

DOMAINS = [f.label for f in default_referentials().fields]


def text_of(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_documents_are_a_guide_and_the_two_request_forms() -> None:
    # the manual §6: « ce manuel opérateur/particulier ; des formulaires de demande de rescrit et de droit au
    # contrôle »
    assert [(d.id, d.kind) for d in DOCUMENTS] == [
        ("guide-utilisateur", "guide"),
        ("formulaire-rescrit", "form"),
        ("formulaire-droit-au-controle", "form"),
    ]


def test_the_same_document_is_the_same_bytes_and_etag() -> None:
    font = find_font()
    first = render_document(DOCUMENTS[1], font=font, field_domains=DOMAINS)
    second = render_document(DOCUMENTS[1], font=font, field_domains=DOMAINS)
    assert first.content == second.content and first.etag == second.etag
    assert first.etag.startswith('"') and len(first.etag) == 34


def test_the_rescrit_form_asks_the_fields_of_the_manual() -> None:
    text = text_of(render_document(DOCUMENTS[1], font=find_font(), field_domains=DOMAINS).content)
    for label in (
        "Demandeur",
        "SIRET de l'entreprise",
        "SIREN de l'entreprise représentée",
        "Second examen d'un rescrit",
        "Direction régionale territorialement compétente",
        "Champs d'application",
        "Octroi de mer",  # a field of application of the referentials
        "Objet",
        "Description de votre situation de fait et de votre question",
        "Signature",
    ):
        assert label in text, label


def test_the_droit_au_controle_form_has_one_field_and_no_deadline() -> None:
    text = text_of(render_document(DOCUMENTS[2], font=find_font(), field_domains=DOMAINS).content)
    assert "un seul champ d'application" in text and "délai raisonnable" in text
    assert "trois mois" not in text


def test_the_guide_explains_the_four_tabs_and_the_deadlines() -> None:
    text = text_of(render_document(DOCUMENTS[0], font=find_font(), field_domains=DOMAINS).content)
    for words in ("Déposées", "Prises en charge", "Refusées", "Clôturées", "trois mois", "deux mois"):
        assert words in text, words


async def test_the_library_draws_each_document_once() -> None:
    library = DocumentLibrary(find_font(), DOMAINS)
    first = await library.rendered("guide-utilisateur")
    assert first is not None and await library.rendered("guide-utilisateur") is first
    assert await library.rendered("inconnu") is None
    assert [r.document.id for r in await library.listing()] == [d.id for d in DOCUMENTS]

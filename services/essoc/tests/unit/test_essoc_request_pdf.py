"""The request PDF draws French text with a Unicode font, and with the core fonts when none is found."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from chassis.pdf import Font, find_font
from essoc.adapters.pdf import render_request

DETAIL = {
    "number": 150,
    "territory": "971",
    "state": "prise_en_charge",
    "state_label": "Prise en charge",
    "directorate_label": "DR Guadeloupe",
    "requester": {
        "name": "Bricot",
        "first_name": "Juda",
        "email": "juda@entreprise.example",
        "requester_type": "entreprise",
        "siret": "41234567000019",
        "company_name": "Distillerie Bellevue SAS",
        "represented_siren": "523456788",
    },
    "characteristics": {
        "created_at": "2026-03-10T09:00:00+00:00",
        "origin": "ProDouane",
        "nature": "second_examen",
        "nature_label": "second examen",
        "category_label": "octroi de mer",
        "sub_category": "dr-guadeloupe",
        "sub_category_label": "DR Guadeloupe",
        "collegial": True,
        "previous_request": "req-1",
    },
    "fields": [{"domain_label": "Octroi de mer", "sub_domain": "octroi de mer interne"}],
    "request": {
        "subject": "Œuvre d'art — taux « réduit »",
        "admissibility_label": "À l'étude",
        "unit": "DR Guadeloupe - PAE",
        "description": "Précisions…",
        "response": None,
        "refusal_grounds": None,
    },
    "deadline": {"period_months": 3, "awaiting_admissibility": True, "deadline_at": None},
    "history": [
        {
            "at": "2026-03-10T09:00:00+00:00",
            "event": "Dépôt de la demande",
            "type": "second examen",
            "unit": "DR Guadeloupe - PAE",
            "state_label": "Déposée",
        }
    ],
    "exchanges": [{"at": "2026-03-11T09:00:00+00:00", "kind": "question", "text": "Quel âge ?"}],
    "attachments": [{"filename": "été.pdf", "added_at": "2026-03-10T09:00:00+00:00", "deleted_at": None, "size": 2048}],
}


def _text(pdf: bytes) -> str:
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.skipif(not find_font().unicode, reason="no Unicode TTF on this machine")
def test_with_a_unicode_font_every_character_is_drawn() -> None:
    text = _text(render_request(DETAIL, font=find_font()))
    assert "Œuvre d'art — taux « réduit »" in text and "second examen" in text and "collégial" in text
    assert "Déposée" in text and "été.pdf" in text and "2 Ko" in text


def test_without_one_the_core_fonts_keep_the_accents_and_transliterate_the_rest() -> None:
    text = _text(render_request(DETAIL, font=Font(None, None)))
    assert "OEuvre d'art - taux « réduit »" in text
    assert "Précisions..." in text and "À l'étude" in text and "été.pdf" in text


def test_dates_are_shown_in_the_directorates_zone() -> None:
    # 09:00 UTC is 05:00 in Guadeloupe (UTC-4).
    assert "10/03/2026 05:00" in _text(render_request(DETAIL, font=Font(None, None)))


def test_the_edition_names_the_zone_as_people_do() -> None:
    assert "(heure de la Guadeloupe)" in _text(render_request(DETAIL, font=Font(None, None)))
    reunion = _text(render_request({**DETAIL, "territory": "974"}, font=Font(None, None)))
    assert "(heure de La Réunion)" in reunion and "DR Guadeloupe)" not in reunion


def test_the_answer_deadline_reads_from_admissibility() -> None:
    # OGDE manual § 1.3: 3 months « à compter de la date à laquelle votre demande a été jugée recevable »
    awaiting = _text(render_request(DETAIL, font=Font(None, None)))
    assert "Délai de réponse 3 mois à compter de la recevabilité" in awaiting
    assert "Réponse attendue avant le" not in awaiting
    admitted = DETAIL | {
        "request": DETAIL["request"] | {"admissibility_label": "Oui"},
        "deadline": {"period_months": 3, "awaiting_admissibility": False, "deadline_at": "2026-07-15T14:00:00+00:00"},
    }
    assert "Réponse attendue avant le 15/07/2026 10:00" in _text(render_request(admitted, font=Font(None, None)))
    control = DETAIL | {"deadline": {"period_months": None, "awaiting_admissibility": False, "deadline_at": None}}
    assert "Délai de réponse" not in _text(render_request(control, font=Font(None, None)))

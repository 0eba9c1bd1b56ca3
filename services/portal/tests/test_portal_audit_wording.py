"""The auditors' pages name every event and every stream type in French: a new event without its French name fails
here, before an auditor meets « DraftStarted » on a page."""

from __future__ import annotations

import contracts.events.collection
import contracts.events.declarations
import contracts.events.essoc
import contracts.events.notifier
import contracts.events.taxcalc  # noqa: F401  (registers the events)
from contracts.registry import EVENT_TYPES
from portal.routes.audit.wording import AUDIT_EVENT_LABELS, STREAM_TYPES, readable_state


def test_every_event_has_a_french_name_on_the_auditors_pages() -> None:
    assert len(EVENT_TYPES) > 50
    assert sorted(set(EVENT_TYPES) - set(AUDIT_EVENT_LABELS)) == []


def test_every_stream_type_has_a_french_name_on_the_auditors_pages() -> None:
    named = {stream for types in STREAM_TYPES.values() for stream in types}
    assert sorted({e.stream_type for e in EVENT_TYPES.values()} - named) == []


def test_the_state_at_a_moment_reads_in_french() -> None:
    state = {
        "status": "filed",
        "due_date": "2026-10-31",
        "annual_turnover": "1250.00",
        "year": 2026,
        "payments": [{"amount": "10000.5", "paid_on": "2026-11-02", "at": "2026-11-02T14:05:07+00:00"}],
        "filing": None,
        "brand_new_key": "as is",
    }
    shown = readable_state(state, "971")
    assert shown == {
        "Statut": "déposée",
        "Date limite de dépôt": "31/10/2026",
        "Chiffre d'affaires annuel": "1\u202f250,00\u00a0€",
        "Année": 2026,
        "Paiements": [
            {"Montant": "10\u202f000,50\u00a0€", "Date du paiement": "02/11/2026", "Le": "02/11/2026 à 10:05:07"}
        ],
        "Dépôt": None,
        "brand_new_key": "as is",
    }
    assert readable_state(None, "974") is None

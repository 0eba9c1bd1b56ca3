"""The auditors' pages name every event and every stream type in French: a new event without its French name fails
here, before an auditor meets « DraftStarted » on a page."""

from __future__ import annotations

import contracts.events.collection
import contracts.events.declarations
import contracts.events.essoc
import contracts.events.notifier
import contracts.events.taxcalc  # noqa: F401  (registers the events)
from contracts.registry import EVENT_TYPES
from portal.routes.audit.wording import AUDIT_EVENT_LABELS, STREAM_TYPES


def test_every_event_has_a_french_name_on_the_auditors_pages() -> None:
    assert len(EVENT_TYPES) > 50
    assert sorted(set(EVENT_TYPES) - set(AUDIT_EVENT_LABELS)) == []


def test_every_stream_type_has_a_french_name_on_the_auditors_pages() -> None:
    named = {stream for types in STREAM_TYPES.values() for stream in types}
    assert sorted({e.stream_type for e in EVENT_TYPES.values()} - named) == []

"""The inventory of personal data in the code (issue 25, item 1): every text field of every event says whether it
is personal, and a personal one says its category, its data subject and where that subject's id is."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel

import contracts.events  # noqa: F401  (registers every event)
from contracts.envelope import EventEnvelope
from contracts.personal import STREAM_OWNERS, Code, NotPersonal, Personal, contact, identity
from contracts.personal_inventory import ENVELOPE, all_leaf_paths, leaves, personal_fields, unmarked
from contracts.registry import EVENT_TYPES


def test_every_text_field_of_every_event_is_marked_personal_or_not() -> None:
    """RGPD art. 30: the register lists what is kept. A new event field that can hold text fails here until it
    says whether it holds personal data (`contracts.personal`)."""
    assert unmarked() == []


def test_an_unmarked_text_field_is_found_even_nested_in_a_list_or_a_dict() -> None:
    # given a throw-away event with unmarked text fields at the top, in a nested model, in a list and as dict keys
    class Inner(BaseModel):
        code: Code
        comment: str | None = None

    class ThrowAway(BaseModel):
        number: int
        reference: Code
        name: str
        tags: list[str]
        amounts: dict[str, int]
        lines: list[Inner]

    # when the inventory walks it, then every unmarked one is named, and only those
    assert unmarked([("ThrowAway", ThrowAway)]) == [
        "ThrowAway.name",
        "ThrowAway.tags",
        "ThrowAway.amounts",
        "ThrowAway.lines.comment",
    ]


def test_a_marked_field_is_found_personal_with_its_category_subject_and_key() -> None:
    from contracts.personal import BY_VALUE, by_field

    class Person(BaseModel):
        id: Annotated[str, identity("requester", BY_VALUE)]
        email: Annotated[str, contact("requester", by_field("id"))] | None = None
        note: Annotated[str, NotPersonal("texte écrit par le code")]

    marks = {leaf.path: leaf.marks for leaf in leaves(Person, "Person")}
    assert marks["Person.email"] == (Personal("contact", "requester", by_field("id")),)
    assert marks["Person.note"] == (NotPersonal("texte écrit par le code"),)


def test_the_personal_fields_of_the_services_events_are_found() -> None:
    found = {f.path: f for f in personal_fields()}
    assert found["MandateRegistered.iban"].category == "bank"
    assert found["MandateRegistered.iban"].key.path == "rum"
    assert found["RequestSubmitted.requester.email"].subject == "requester"
    assert found["RequestSubmitted.notice.requester_email"].key.source == "stream"
    assert found["DeclarantDetailsSet.name"].key.source == "actor"
    assert found["AttachmentAdded.filename"].category == "file"
    assert found["NoteAdded.author.name"].subject == "agent"
    assert found[f"{ENVELOPE}.actor.id"].subject == "actor"
    assert "DeclarationSuperseded.by" not in found and "DeclarationFiled.boxes" not in found


def test_each_subjects_id_can_be_found_from_the_event() -> None:
    """What crypto-shredding needs: for each personal field, the id of the person whose key encrypts it."""
    paths = set(all_leaf_paths())
    for field in personal_fields():
        match field.key.source:
            case "field":
                model_path = field.path.rsplit(".", 1)[0]
                assert f"{model_path}.{field.key.path}" in paths, field
            case "stream":
                assert field.stream_type in STREAM_OWNERS, field
                opener, path = STREAM_OWNERS[field.stream_type]
                assert f"{opener}.{path}" in paths, field
            case "value" | "actor":
                pass


def test_the_envelopes_personal_fields_exist() -> None:
    envelope = {leaf.path for leaf in leaves(EventEnvelope, ENVELOPE)}
    assert {f.path for f in personal_fields() if f.event == ENVELOPE} <= envelope


def test_the_stream_owners_open_their_streams() -> None:
    for stream_type, (opener, _) in STREAM_OWNERS.items():
        assert EVENT_TYPES[opener].stream_type == stream_type

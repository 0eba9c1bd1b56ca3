"""The inventory of personal data, read from the marks of `contracts.personal` on every registered event (nested
models walked): which fields are personal, of whom, and which text fields carry no mark at all."""

from __future__ import annotations

import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel

from contracts.personal import BY_VALUE, Category, Mark, NotPersonal, Personal, Subject, SubjectKey, identity
from contracts.registry import EVENT_TYPES

ENVELOPE = "EventEnvelope"
ENVELOPE_PERSONAL: dict[str, Personal] = {
    "actor.id": identity("actor", BY_VALUE),
    "actor.role": identity("actor", SubjectKey("field", "id")),
}
"""The envelope every event travels in (`contracts.envelope`): its author's sign-in id and role."""


@dataclass(frozen=True)
class PersonalField:
    """One personal field: `path` is `Event.field.sub_field` (`EventEnvelope.actor.id` for the envelope)."""

    path: str
    event: str
    stream_type: str | None
    category: Category
    subject: Subject
    key: SubjectKey


@dataclass(frozen=True)
class Leaf:
    """A field that is not a nested model, with the marks found on it."""

    path: str
    marks: tuple[Mark, ...]
    carries_text: bool


def _marks_in(annotation: object) -> Iterator[Mark]:
    if typing.get_origin(annotation) is Annotated:
        yield from (m for m in annotation.__metadata__ if isinstance(m, Personal | NotPersonal))  # type: ignore[attr-defined]
        yield from _marks_in(typing.get_args(annotation)[0])
        return
    if typing.get_origin(annotation) is Literal:
        return
    for argument in typing.get_args(annotation):
        yield from _marks_in(argument)


def _carries_text(annotation: object) -> bool:
    if annotation is str or annotation is typing.Any or annotation is object:
        return True
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return False
    if origin is Annotated:
        return _carries_text(typing.get_args(annotation)[0])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return False
    return any(_carries_text(a) for a in typing.get_args(annotation))


def _models(annotation: object) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    if typing.get_origin(annotation) is Literal:
        return
    for argument in typing.get_args(annotation):
        yield from _models(argument)


def leaves(model: type[BaseModel], prefix: str) -> Iterator[Leaf]:
    """Every field of `model` that is not a nested model, nested models walked (`prefix.field.sub_field`)."""
    for name, info in model.model_fields.items():
        path = f"{prefix}.{name}"
        annotation = info.annotation
        marks = tuple(m for m in info.metadata if isinstance(m, Personal | NotPersonal)) + tuple(_marks_in(annotation))
        nested = list(_models(annotation))
        if marks or _carries_text(annotation) or not nested:
            yield Leaf(path, marks, _carries_text(annotation))
        for inner in nested:
            yield from leaves(inner, path)


def event_leaves(names: Iterable[str] | None = None) -> Iterator[tuple[str, Leaf]]:
    """(event name, leaf) for every registered event, or those of `names`."""
    for name in names if names is not None else sorted(EVENT_TYPES):
        yield from ((name, leaf) for leaf in leaves(EVENT_TYPES[name].model, name))


def unmarked(models: Iterable[tuple[str, type[BaseModel]]] | None = None) -> list[str]:
    """The text fields with no mark, personal or not: each one must say what it holds before it is recorded."""
    pairs = models if models is not None else ((n, spec.model) for n, spec in sorted(EVENT_TYPES.items()))
    return [leaf.path for name, model in pairs for leaf in leaves(model, name) if leaf.carries_text and not leaf.marks]


def personal_fields() -> list[PersonalField]:
    """Every personal field of every registered event, then of the envelope."""
    found: list[PersonalField] = []
    for name, leaf in event_leaves():
        for mark in leaf.marks:
            if isinstance(mark, Personal):
                stream = EVENT_TYPES[name].stream_type
                found.append(PersonalField(leaf.path, name, stream, mark.category, mark.subject, mark.key))
    for path, mark in ENVELOPE_PERSONAL.items():
        found.append(PersonalField(f"{ENVELOPE}.{path}", ENVELOPE, None, mark.category, mark.subject, mark.key))
    return found


def all_leaf_paths() -> list[str]:
    """Every leaf of every event and of the envelope (the personal ones and the others)."""
    paths = [leaf.path for _, leaf in event_leaves()]
    from contracts.envelope import EventEnvelope

    return paths + [leaf.path for leaf in leaves(EventEnvelope, ENVELOPE)]

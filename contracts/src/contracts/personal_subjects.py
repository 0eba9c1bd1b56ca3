"""Whose personal data one recorded event holds: its payload walked along the marks of `contracts.personal`, each
personal value given to the id of its data subject (a sibling field, the value itself, the envelope's actor, the
stream's owner). « Mes données » keeps the values of the caller; crypto-shredding encrypts each with its subject's key.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from contracts.personal import STREAM_OWNERS, Category, Personal, Subject, SubjectKey
from contracts.personal_inventory import ENVELOPE_PERSONAL, _marks_in, _models
from contracts.registry import EVENT_TYPES, event_type


@dataclass(frozen=True)
class PersonalValue:
    """One personal value of an event: where it is (`requester.name`, `debits[1].iban`, `actor.id` for the
    envelope), what it is, of what kind of person, and the value as recorded."""

    path: str
    category: Category
    subject: Subject
    value: object
    withheld: str = ""
    """Why the person's own access does not show it (`Personal.withheld`)."""


def _lookup(data: Mapping[str, Any], dotted: str) -> object:
    here: object = data
    for part in dotted.split("."):
        if not isinstance(here, Mapping):
            return None
        here = here.get(part)
    return here


def _ids(found: object) -> list[str]:
    """The subject ids a key field holds: one string, or each string of a list; nothing for an empty value."""
    if isinstance(found, str):
        return [found] if found else []
    if isinstance(found, list):
        return [v for v in found if isinstance(v, str) and v]
    return []


def _subject_ids(
    key: SubjectKey, value: object, siblings: Mapping[str, Any], actor: str, owner: str | None
) -> list[str]:
    match key.source:
        case "value":
            return _ids(value)
        case "field":
            return _ids(_lookup(siblings, key.path))
        case "actor":
            return _ids(actor)
        case "stream":
            return _ids(owner)


def _walk(
    model: type[BaseModel], data: Mapping[str, Any], prefix: str, actor: str, owner: str | None
) -> Iterator[tuple[str, PersonalValue]]:
    for name, info in model.model_fields.items():
        value = data.get(name)
        if value is None:
            continue
        path = f"{prefix}{name}"
        marks = [*info.metadata, *_marks_in(info.annotation)]
        for mark in marks:
            if not isinstance(mark, Personal):
                continue
            if mark.key.source == "value" and isinstance(value, list):
                for index, item in enumerate(value):  # a list of addresses: each is its own subject
                    for who in _ids(item):
                        yield who, PersonalValue(f"{path}[{index}]", mark.category, mark.subject, item, mark.withheld)
                continue
            for who in _subject_ids(mark.key, value, data, actor, owner):
                yield who, PersonalValue(path, mark.category, mark.subject, value, mark.withheld)
            break  # one mark says it all; `Annotated` nesting may repeat it
        for inner in _models(info.annotation):
            if isinstance(value, Mapping):
                yield from _walk(inner, value, f"{path}.", actor, owner)
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    if isinstance(item, Mapping):
                        yield from _walk(inner, item, f"{path}[{index}].", actor, owner)
            break


def stream_owner(type_name: str, data: Mapping[str, Any]) -> str | None:
    """The owner a stream's opening event names (`STREAM_OWNERS`), or None for any other event."""
    spec = EVENT_TYPES.get(type_name)
    if spec is None or spec.stream_type not in STREAM_OWNERS:
        return None
    opening, path = STREAM_OWNERS[spec.stream_type]
    if opening != type_name:
        return None
    found = _lookup(data, path)
    return found if isinstance(found, str) and found else None


def subjects_of(
    type_name: str, data: Mapping[str, Any], *, actor_id: str, actor_role: str, owner: str | None = None
) -> dict[str, list[PersonalValue]]:
    """{subject id: its personal values} of one event: `data` is its current-version payload in JSON form,
    `actor_*` its envelope's author, `owner` its stream's owner (None where the stream type has none; the
    opening event names it itself)."""
    owner = owner or stream_owner(type_name, data)
    found: dict[str, list[PersonalValue]] = {}
    for who, personal in _walk(event_type(type_name).model, data, "", actor_id, owner):
        found.setdefault(who, []).append(personal)
    envelope = {"actor": {"id": actor_id, "role": actor_role}}
    for path, mark in ENVELOPE_PERSONAL.items():
        value = _lookup(envelope, path)
        for who in _subject_ids(mark.key, value, envelope["actor"], actor_id, owner):
            found.setdefault(who, []).append(PersonalValue(path, mark.category, mark.subject, value))
    return found


def subject_id_paths(type_names: typing.Iterable[str], *, sealed: bool = False) -> list[str]:
    """The payload paths (dotted, lists flattened as Mongo reads them) that hold a subject's id in events of
    `type_names`: what an index must cover to find a person's events without reading the whole log. `sealed`: only
    those whose value is itself a subject that is no sign-in id (an e-mail address), which crypto-shredding
    encrypts (under the address's own key)."""
    found: set[str] = set()

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, info in model.model_fields.items():
            for mark in [*info.metadata, *_marks_in(info.annotation)]:
                if not isinstance(mark, Personal):
                    continue
                if mark.key.source == "value" and not (sealed and mark.category == "identity"):
                    found.add(f"{prefix}{name}")
                elif mark.key.source == "field" and not sealed:
                    found.add(f"{prefix}{mark.key.path}")
            for inner in _models(info.annotation):
                walk(inner, f"{prefix}{name}.")

    for name in type_names:
        walk(event_type(name).model, "")
    return sorted(found)

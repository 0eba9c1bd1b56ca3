"""Event types, their schema versions and the upcasters that bring an old payload to the current one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
M = TypeVar("M", bound=type[BaseModel])


@dataclass
class EventType:
    name: str
    model: type[BaseModel]
    version: int
    stream_type: str
    topic: str
    upcasters: dict[int, Upcaster] = field(default_factory=dict)
    """upcasters[n] turns a version-n payload into a version-(n+1) payload."""


EVENT_TYPES: dict[str, EventType] = {}


class UnknownEventType(KeyError):
    pass


def event(name: str, *, version: int = 1, stream_type: str, topic: str) -> Callable[[M], M]:
    """Class decorator registering a pydantic model as the current schema of event `name`."""

    def register(model: M) -> M:
        if name in EVENT_TYPES:
            raise ValueError(f"event type {name} registered twice")
        EVENT_TYPES[name] = EventType(name, model, version, stream_type, topic)
        return model

    return register


def upcaster(name: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Registers the function that turns a `from_version` payload of `name` into the next version."""

    def register(fn: Upcaster) -> Upcaster:
        EVENT_TYPES[name].upcasters[from_version] = fn
        return fn

    return register


def event_type(name: str) -> EventType:
    try:
        return EVENT_TYPES[name]
    except KeyError:
        raise UnknownEventType(name) from None


def name_of(model: type[BaseModel]) -> str:
    """The registered name of an event class (the envelope's `type`)."""
    for spec in EVENT_TYPES.values():
        if spec.model is model:
            return spec.name
    raise UnknownEventType(model.__name__)


def upcast(name: str, version: int, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The payload brought up to the current schema version; an old stored event is never rewritten."""
    spec = event_type(name)
    if version > spec.version:
        raise ValueError(f"{name} v{version} is newer than this code (v{spec.version})")
    while version < spec.version:
        data = spec.upcasters[version](dict(data))
        version += 1
    return version, data


def parse(name: str, version: int, data: dict[str, Any]) -> BaseModel:
    """The typed, current-version payload of a stored or received event."""
    _, current = upcast(name, version, data)
    return event_type(name).model.model_validate(current)

"""Typed dispatch of events: a method marked `@on(LineAdded)` handles the `LineAdded` events.

Projections and policies subclass `Dispatch`; the chassis parses each event once (`Recorded`) and
calls the method registered for its class. No handler compares type names.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel

from contracts.recorded import Recorded
from contracts.registry import name_of

F = TypeVar("F", bound=Callable[..., Awaitable[None]])
HANDLES = "__handles_events__"


def on(*events: type[BaseModel]) -> Callable[[F], F]:
    """Marks a method as the handler of these event classes."""

    def mark(method: F) -> F:
        setattr(method, HANDLES, events)
        return method

    return mark


class Dispatch:
    """Finds, per event class, the method its subclass marked with `@on`."""

    routes: ClassVar[dict[type[BaseModel], str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        routes: dict[type[BaseModel], str] = {}
        for klass in reversed(cls.__mro__):
            for attribute, value in vars(klass).items():
                for event in getattr(value, HANDLES, ()):
                    routes[event] = attribute
        cls.routes = routes

    @property
    def handles(self) -> frozenset[str]:
        """The envelope types this object handles."""
        return frozenset(name_of(event) for event in self.routes)

    def handler_for(self, event: Recorded[BaseModel]) -> Callable[..., Awaitable[None]] | None:
        attribute = self.routes.get(type(event.event))
        if attribute is None:
            return None
        handler: Callable[..., Awaitable[None]] = getattr(self, attribute)
        return handler

"""What an essoc handler works with, bound to one transaction: the requests and their drafts (event-sourced), the
queries and counters of its read models, the referentials and company directory, this deployment's settings.

Adapters implement the queries on MongoDB; unit tests use dictionaries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chassis.repository import Repository
from chassis.unit_of_work import EventStreams
from essoc.domain.agents import AgentDirectory
from essoc.domain.draft import RequestDraft
from essoc.domain.referentials import Referentials
from essoc.domain.request import EssocRequest


class Company(Protocol):
    @property
    def name(self) -> str: ...


class CompanyDirectory(Protocol):
    def lookup(self, siret: str) -> Company | None:
        """The company registered under this (already validated, 14-digit) SIRET, if any."""
        ...


class RequestNumbers(Protocol):
    """The manual's "numéro de dossier": sequential, per deployment."""

    async def next(self) -> int:
        """The next number, taken inside the filing's transaction (a refused filing gives it back)."""
        ...

    async def request_id(self, number: int) -> str | None:
        """The id of the request filed under `number`, if any."""
        ...


class TicketNumbers(Protocol):
    """The sequence of assistance tickets (decision record 0028), per year."""

    async def next_ticket(self, year: int) -> int:
        """The next ticket of `year`, taken inside the filing's transaction."""
        ...


class Clock:
    """Now, as the service sees it: a holder, so tests and the scheduler can move time."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now()


@dataclass
class EssocUnitOfWork:
    requests: Repository[EssocRequest]
    numbers: RequestNumbers
    referentials: Referentials
    companies: CompanyDirectory
    served: Sequence[str]
    max_attachment_bytes: int
    clock: Clock
    agents: AgentDirectory
    ticket_numbers: TicketNumbers | None = None
    """Numbers of the assistance tickets (decision record 0028)."""

    @property
    def drafts(self) -> Repository[RequestDraft]:
        """The requesters' drafts (decision record 0026), in the same transaction as the requests."""
        return Repository(self.requests.streams, RequestDraft.from_recorded)


def requests(streams: EventStreams) -> Repository[EssocRequest]:
    return Repository(streams, EssocRequest.from_recorded)

"""The agents who instruct requests: who may be entrusted with one (the directorates' staff, as the identity
provider's directory exports it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from contracts.events.essoc import AgentRef


@dataclass(frozen=True)
class Agent:
    id: str
    name: str
    given_name: str
    email: str
    territories: tuple[str, ...]
    directorates: tuple[str, ...]

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.given_name, self.name) if part) or self.id

    def serves(self, *, territory: str, directorate: str) -> bool:
        """An agent instructs the requests of a territory *and* a directorate it belongs to."""
        return territory in self.territories and directorate in self.directorates

    def reference(self) -> AgentRef:
        return AgentRef(id=self.id, name=self.display_name, email=self.email or None)


class AgentDirectory(Protocol):
    def agent(self, agent_id: str) -> Agent | None: ...

    def serving(self, *, territory: str, directorate: str) -> Sequence[Agent]:
        """The agents who may instruct a request of this territory and directorate, by name."""
        ...


class StaticAgentDirectory:
    """A directory held in memory (loaded from a file by the adapter, or given by a test)."""

    def __init__(self, agents: Sequence[Agent]) -> None:
        self._agents = {a.id: a for a in agents}

    def agent(self, agent_id: str) -> Agent | None:
        return self._agents.get(agent_id)

    def serving(self, *, territory: str, directorate: str) -> list[Agent]:
        found = [a for a in self._agents.values() if a.serves(territory=territory, directorate=directorate)]
        return sorted(found, key=lambda a: (a.name.casefold(), a.given_name.casefold()))

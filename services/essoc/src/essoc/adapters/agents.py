"""The agents' directory, read from a YAML file (`deploy/reference/agents.yaml`): in production, the export
of the identity provider's groups of each directorate; here, the demo agents and a few more."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from essoc.domain.agents import Agent, StaticAgentDirectory


def load_agents(path: str | Path) -> StaticAgentDirectory:
    """`agents:` a list of `{id, name, given_name, email, territories, directorates}`."""
    data: dict[str, Any] = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return StaticAgentDirectory(
        [
            Agent(
                id=str(row["id"]),
                name=str(row.get("name", "")),
                given_name=str(row.get("given_name", "")),
                email=str(row.get("email", "")),
                territories=tuple(str(t) for t in row.get("territories", ())),
                directorates=tuple(str(d) for d in row.get("directorates", ())),
            )
            for row in data.get("agents", [])
        ]
    )

"""The agents' directory OGDE entrusts requests to agrees with the demo accounts: every demo agent is in it,
with the same territories and directorates (or reassigning to them would be refused)."""

from __future__ import annotations

from pathlib import Path

import yaml

from essoc.adapters.agents import load_agents

ROOT = Path(__file__).resolve().parents[2]


def test_every_demo_agent_is_in_the_agents_directory_with_the_same_claims() -> None:
    directory = load_agents(ROOT / "deploy/reference/agents.yaml")
    users = yaml.safe_load((ROOT / "deploy/reference/demo-users.yaml").read_text(encoding="utf-8"))
    demo_agents = [claims for claims in users.values() if "agent" in claims.get("roles", [claims.get("role")])]
    assert len(demo_agents) >= 3
    for claims in demo_agents:
        agent = directory.agent(claims["sub"])
        assert agent is not None, claims["sub"]
        assert (agent.name, agent.given_name, agent.email) == (claims["name"], claims["given_name"], claims["email"])
        assert set(agent.territories) == set(claims["territories"])
        assert set(agent.directorates) == set(claims["directorates"])

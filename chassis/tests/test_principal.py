"""One person, several roles (decision record 0027): the `roles` claim, the single `role` of earlier tokens, checks
that pass when any role held allows, and the events of a command naming the role it needed."""

from __future__ import annotations

import jwt
import pytest

from chassis.commands import Commands
from chassis.http.auth import Principal, TokenVerifier, Unauthenticated, mint, roles_in
from chassis.memory import MemoryEventStore, MemoryTransaction
from chassis.repository import Repository
from chassis.settings import ServiceSettings
from contracts.errors import Forbidden
from contracts.events.declarations import LineRemoved

SETTINGS = ServiceSettings(jwt_secret="principal-tests-secret-0123456789-abcdefghij")


def verified(**claims: object) -> Principal:
    return TokenVerifier(SETTINGS).verify(mint(SETTINGS, sub="marie", **claims))


def test_a_token_carries_several_roles_in_the_roles_claim() -> None:
    marie = verified(roles=["declarant", "requester"], relations=["rel-971-0001"])
    assert marie.roles == ("declarant", "requester") and marie.relations == ("rel-971-0001",)
    assert jwt.decode(mint(SETTINGS, sub="m", roles=["agent"]), options={"verify_signature": False})["roles"] == [
        "agent"
    ]


def test_a_token_with_only_the_old_role_claim_is_a_one_role_person() -> None:
    assert verified(role="agent", territories=["971"]).roles == ("agent",)
    assert roles_in({"role": "comptable"}) == ("comptable",)


def test_entries_that_are_no_role_of_ours_give_nothing_and_a_token_with_none_is_refused() -> None:
    assert roles_in({"roles": ["offline_access", "requester", "requester", "uma_authorization"]}) == ("requester",)
    assert roles_in({"roles": ["agent"], "role": "admin"}) == ("agent",)  # `roles` when present, never both
    for claims in ({"roles": ["root"]}, {"roles": []}, {"role": "system"}, {}):
        with pytest.raises(Unauthenticated):
            roles_in(claims)


@pytest.mark.parametrize("roles", ["agent", [["agent"]], [1], ["agent"] * 21, {"agent": True}])
def test_a_malformed_roles_claim_refuses_the_token(roles: object) -> None:
    token = jwt.encode({"sub": "x", "roles": roles, "iat": 1, "exp": 4_000_000_000}, SETTINGS.jwt_secret)
    with pytest.raises(Unauthenticated) as refused:
        TokenVerifier(SETTINGS).verify(token)
    assert "profil" in refused.value.detail


def test_a_check_passes_when_any_role_held_allows_and_names_the_role_it_acts_as() -> None:
    marie = Principal(id="marie", roles=("declarant", "requester"))
    assert marie.has("requester") and marie.has("agent", "declarant") and not marie.has("agent", "comptable")
    assert marie.require("requester") == "requester" and marie.actor.role == "requester"
    assert marie.require("declarant", "admin") == "declarant" and marie.actor.role == "declarant"
    with pytest.raises(Forbidden) as refused:
        marie.require("agent", "admin")
    assert "declarant et requester" in refused.value.detail
    assert marie.actor.role == "declarant"  # a refusal grants nothing
    assert Principal(id="a", roles=("agent", "admin")).require("admin", "agent") == "admin"  # the order asked


def test_an_admin_reads_every_territory_and_an_auditor_its_own_whatever_else_they_hold() -> None:
    agent_and_auditor = Principal(id="c", roles=("agent", "auditor"), territories=("974",))
    assert agent_and_auditor.reads_territory("974") and not agent_and_auditor.reads_territory("971")
    assert not Principal(id="a", roles=("agent",), territories=("974",)).reads_territory("974")
    assert Principal(id="d", roles=("declarant", "admin")).reads_territory("971")


async def test_the_events_of_a_command_name_the_role_its_checks_granted() -> None:
    """The transaction's actor is read when the events are appended, after the handler's checks: the caller in the
    role the command needed, not the first role its token lists."""
    store = MemoryEventStore()

    async def remove(line_id: str, who: Principal, tx: MemoryTransaction) -> None:
        who.require("requester", "admin")
        repository: Repository[None] = Repository(tx, lambda events: None)
        await repository.save("stream-1", [LineRemoved(line_id=line_id)], expected_version=0, territory="971")

    commands: Commands[MemoryTransaction] = Commands(store, lambda tx: tx)  # type: ignore[arg-type]
    await commands.run(remove, "L1", Principal(id="marie", roles=("declarant", "requester")))
    [stored] = store.streams["stream-1"]
    assert (stored.actor.id, stored.actor.role) == ("marie", "requester")

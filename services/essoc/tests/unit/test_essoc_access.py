"""Who sees and examines a request, and which directorates this deployment serves."""

from __future__ import annotations

import pytest

from chassis.http.auth import Principal
from contracts.errors import Forbidden
from essoc.application import access
from essoc.domain.referentials import default_referentials

REFS = default_referentials()
AGENT = Principal(id="a", roles=("agent",), territories=("971",), directorates=("dr-guadeloupe",))


def _directorate(code: str):  # type: ignore[no-untyped-def]
    directorate = REFS.directorate(code)
    assert directorate is not None
    return directorate


def test_a_requester_lists_only_their_requests_an_agent_its_territory_and_directorate_an_admin_all() -> None:
    assert access.visible_requests(Principal(id="u", roles=("requester",))) == {"requester.id": "u"}
    assert access.visible_requests(AGENT) == {"territory": {"$in": ["971"]}, "directorate": {"$in": ["dr-guadeloupe"]}}
    assert access.visible_requests(Principal(id="x", roles=("admin",))) == {}
    assert access.visible_requests(Principal(id="d", roles=("declarant",))) == {"_id": {"$in": []}}


def test_an_agent_needs_both_the_territory_and_the_directorate() -> None:
    assert access.is_agent_of(AGENT, territory="971", directorate="dr-guadeloupe")
    assert not access.is_agent_of(AGENT, territory="971", directorate="dr-martinique")
    assert not access.is_agent_of(AGENT, territory="972", directorate="dr-guadeloupe")
    no_directorate = Principal(id="b", roles=("agent",), territories=("971",))
    assert not access.is_agent_of(no_directorate, territory="971", directorate="dr-guadeloupe")


def test_the_territory_of_a_request_is_its_directorates() -> None:
    assert access.served_territory(_directorate("dr-la-reunion"), "rescrit", ["971", "974"]) == "974"


@pytest.mark.parametrize(
    ("nature", "field"),
    [("rescrit", "sub_category"), ("second_examen", "sub_category"), ("droit_au_controle", "category")],
)
def test_a_metropolitan_directorate_is_served_by_another_deployment(nature: str, field: str) -> None:
    with pytest.raises(Forbidden) as refused:
        access.served_territory(_directorate("dr-lyon"), nature, ["971", "972", "973", "974", "976"])
    assert refused.value.field == field and "métropole" in refused.value.detail


def test_an_overseas_directorate_this_deployment_does_not_serve_is_refused() -> None:
    with pytest.raises(Forbidden) as refused:
        access.served_territory(_directorate("dr-guadeloupe"), "rescrit", ["974"])
    assert "971 (Guadeloupe)" in refused.value.detail and "974 (La Réunion)" in refused.value.detail


def test_a_person_of_several_roles_lists_their_own_requests_and_instructs_on_the_board() -> None:
    """Decision record 0027: « Mes demandes » stays a requester's own; the board is what the other roles read."""
    both = Principal(id="u", roles=("requester", "agent"), territories=("971",), directorates=("dr-guadeloupe",))
    assert access.visible_requests(both) == {"requester.id": "u"}
    assert access.instructed_requests(both) == access.visible_requests(AGENT)
    agent_and_auditor = Principal(
        id="x", roles=("agent", "auditor"), territories=("971", "974"), directorates=("dr-guadeloupe",)
    )
    assert access.instructed_requests(agent_and_auditor) == {
        "$or": [
            {"territory": {"$in": ["971", "974"]}, "directorate": {"$in": ["dr-guadeloupe"]}},
            {"territory": {"$in": ["971", "974"]}},
        ]
    }
    assert access.instructed_requests(Principal(id="r", roles=("requester",))) == {"_id": {"$in": []}}


def test_a_person_of_several_roles_sees_a_request_when_any_of_them_does() -> None:
    both = Principal(id="u", roles=("requester", "agent"), territories=("971",), directorates=("dr-guadeloupe",))
    assert access.may_see(both, requester_id="u", territory="974", directorate="dr-la-reunion")  # their own
    assert access.may_see(both, requester_id="v", territory="971", directorate="dr-guadeloupe")  # instructed
    assert not access.may_see(both, requester_id="v", territory="974", directorate="dr-la-reunion")
    requester_and_auditor = Principal(id="u", roles=("requester", "auditor"), territories=("974",))
    assert access.may_see(requester_and_auditor, requester_id="v", territory="974", directorate="dr-la-reunion")
    with pytest.raises(Forbidden):  # reading is not examining
        access.require_examiner(
            requester_and_auditor, territory="974", directorate="dr-la-reunion", number=150, label="DR La Réunion"
        )

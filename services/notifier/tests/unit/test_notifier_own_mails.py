"""« Mes notifications »: whose mails a caller reads (`application.access.own_notifications`)."""

from __future__ import annotations

import re

from chassis.http.auth import Principal
from notifier.application.access import NOTHING, own_notifications


def _matches(who: Principal, recipient: str) -> bool:
    query = own_notifications(who)
    if query == NOTHING:
        return False
    condition = query["recipient"]
    flags = re.IGNORECASE if condition["$options"] == "i" else 0
    return re.search(condition["$regex"], recipient, flags) is not None  # Python reads it as MongoDB's PCRE does


def test_a_person_reads_the_mails_sent_to_their_address_whatever_its_case() -> None:
    marie = Principal(id="marie", roles=("declarant",), email="marie.payet@producteur.example")
    assert _matches(marie, "Marie.Payet@Producteur.example")
    assert _matches(marie, "marie.payet@producteur.example")


def test_a_person_never_reads_another_address_even_one_that_looks_like_a_pattern() -> None:
    marie = Principal(id="marie", roles=("declarant", "admin"), email="marie.payet@producteur.example")
    assert not _matches(marie, "marie.payet@producteur.example.evil")
    assert not _matches(marie, "xmarie.payet@producteur.example")
    assert not _matches(marie, "marie-payet@producteur-example")  # the dots are dots, not « any character »
    wildcard = Principal(id="w", roles=("requester",), email=".*")
    assert not _matches(wildcard, "marie.payet@producteur.example")


def test_a_person_whose_token_names_no_address_reads_no_mail() -> None:
    agent = Principal(id="agent-974", roles=("agent",), territories=("974",))
    assert own_notifications(agent) == NOTHING

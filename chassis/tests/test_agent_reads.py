"""Which reads of an agent are logged for the DPO (issue 25 item 5, decision record 0030): a GET of the API that may
return someone's personal data, named by its resource and id; reference data and the caller's own data are not."""

from __future__ import annotations

import pytest

from chassis.audit_log import logs_agent_read, read_entry, record_of


@pytest.mark.parametrize(
    ("method", "path", "logged"),
    [
        ("GET", "/api/v1/requests/req-123", True),
        ("GET", "/api/v1/board", True),
        ("GET", "/api/v1/declarations/decl-1/history", True),
        ("POST", "/api/v1/requests/req-123/take-charge", False),  # a command: its event names who did it
        ("GET", "/api/v1/referentials", False),
        ("GET", "/api/v1/rates", False),
        ("GET", "/api/v1/personal-data/mine", False),
        ("GET", "/health/live", False),
    ],
)
def test_an_agents_get_of_personal_data_is_logged_reference_data_is_not(method: str, path: str, logged: bool) -> None:
    assert logs_agent_read(method, path) is logged


def test_a_read_names_its_record_by_resource_and_id_and_the_role_it_was_read_as() -> None:
    assert record_of("/api/v1/requests/req-123/history") == "requests/req-123"
    entry = read_entry(who="agent-971", method="GET", path="/api/v1/requests/req-123", query="", territories=("971",),
                       role="agent")  # fmt: skip
    assert (entry["who"], entry["role"], entry["record"]) == ("agent-971", "agent", "requests/req-123")

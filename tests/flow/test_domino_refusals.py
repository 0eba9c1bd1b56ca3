"""DOMINO-NG refusals through HTTP: problem+json in French, the field named, nothing appended."""

from __future__ import annotations

from typing import Any

import pytest

from flow_helpers import auth

pytestmark = pytest.mark.integration


async def _draft(stack: dict[str, Any], quarter: int) -> str:
    r = await stack["declarations"].http.post(
        "/api/v1/declarations",
        headers=auth(stack["declarant"]),
        json={"relation_id": "rel-971-0001", "year": 2024, "quarter": quarter},
    )
    assert r.status_code == 201, r.text
    did: str = r.json()["id"]
    return did


async def _refused(stack: dict[str, Any], did: str, response: Any, status: int, field: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["field"] == field, problem
    events = await stack["declarations"].runtime.store.read_stream(did)
    assert len(events) == 1, "a refused command appends nothing"
    return problem


async def test_a_missing_declarant_name_gets_the_manuals_message(stack: dict[str, Any]) -> None:
    did = await _draft(stack, 1)
    r = await stack["declarations"].http.put(
        f"/api/v1/declarations/{did}/declarant",
        headers=auth(stack["declarant"]),
        json={"quality": "representant", "place": "Capesterre", "payment_method": "telepaiement"},
    )
    problem = await _refused(stack, did, r, 422, "name")
    assert problem["detail"] == "Le nom du déclarant est obligatoire."


async def test_line_fields_are_checked_when_the_command_arrives(stack: dict[str, Any]) -> None:
    did = await _draft(stack, 2)
    http, who = stack["declarations"].http, auth(stack["declarant"])
    url = f"/api/v1/declarations/{did}/lines"
    base = {"annex": "A", "nomenclature": "22084011", "price_excl_tax": "100.00"}
    await _refused(
        stack, did, await http.post(url, headers=who, json={**base, "nomenclature": "2208"}), 422, "nomenclature"
    )
    await _refused(stack, did, await http.post(url, headers=who, json={**base, "naf": "10.71X"}), 422, "naf")
    await _refused(stack, did, await http.post(url, headers=who, json={**base, "cana": "A123"}), 422, "cana")
    await _refused(
        stack, did, await http.post(url, headers=who, json={**base, "price_excl_tax": "10.001"}), 422, "price_excl_tax"
    )
    await _refused(
        stack, did, await http.post(url, headers=who, json={**base, "price_excl_tax": 10.5}), 422, "price_excl_tax"
    )
    await _refused(
        stack, did, await http.post(url, headers=who, json={**base, "rates_date": "2024-07-01"}), 422, "rates_date"
    )
    await _refused(
        stack, did, await http.post(url, headers=who, json={**base, "annex": "B", "cana": "Z001"}), 422, "cana"
    )
    ok = await http.post(url, headers=who, json={**base, "naf": "10.71C"})
    assert ok.status_code == 201 and ok.json()["naf"] == "10.71C"


async def test_the_annual_turnover_is_for_a_q4_only(stack: dict[str, Any]) -> None:
    did = await _draft(stack, 3)
    r = await stack["declarations"].http.put(
        f"/api/v1/declarations/{did}/annual-turnover", headers=auth(stack["declarant"]), json={"amount": "600000.00"}
    )
    await _refused(stack, did, r, 422, "amount")


async def test_an_unknown_deduction_box_is_refused_by_name(stack: dict[str, Any]) -> None:
    did = await _draft(stack, 4)
    r = await stack["declarations"].http.put(
        f"/api/v1/declarations/{did}/deductions",
        headers=auth(stack["declarant"]),
        json={"om": {"12": "5.00"}, "omr": {}},
    )
    await _refused(stack, did, r, 422, "om.12")
    r = await stack["declarations"].http.put(
        f"/api/v1/declarations/{did}/deductions",
        headers=auth(stack["declarant"]),
        json={"om": {"8": "-5.00"}, "omr": {}},
    )
    await _refused(stack, did, r, 422, "om.8")


async def test_a_stale_if_match_is_a_conflict(stack: dict[str, Any]) -> None:
    did = "decl-rel-971-0001-2024-Q1"  # drafted by the first test of this module
    r = await stack["declarations"].http.put(
        f"/api/v1/declarations/{did}/deductions",
        headers={**auth(stack["declarant"]), "If-Match": '"7"'},
        json={"om": {}, "omr": {}},
    )
    assert r.status_code == 409 and r.json()["actual_version"] == 1


async def test_a_quarter_that_has_not_started_cannot_be_opened(stack: dict[str, Any]) -> None:
    r = await stack["declarations"].http.post(
        "/api/v1/declarations",
        headers=auth(stack["declarant"]),
        json={"relation_id": "rel-971-0001", "year": 2099, "quarter": 1},
    )
    assert r.status_code == 422 and r.json()["field"] == "quarter"

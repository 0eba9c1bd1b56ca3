"""Correcting what was declared, through HTTP, declarations and taxcalc running.

« Modifier » a line: `PUT /lines/{line_id}` at the version read (If-Match), the line assessed again and the totals of
the new version projected, the refusals in French with their field and nothing appended. The read models rebuilt
from a log holding a change: `test_domino_rules`'s replay test.

A déclaration rectificative: `POST /corrections` on a filed declaration opens a copy; changed and filed, it supersedes
the original, and taxcalc's difference makes a supplement to pay or a credit in box 10/22 of the next quarter."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from declarations.domain.calendar import current_quarter

from flow_helpers import DECLARANT, auth, filed_declaration, wait_totals

pytestmark = pytest.mark.integration


async def _draft_with_a_line(stack: dict[str, Any], year: int, quarter: int, **line: Any) -> tuple[str, str]:
    http, who = stack["declarations"].http, auth(stack["declarant"])
    r = await http.post("/api/v1/declarations", json={"relation_id": "rel-974-0001", "year": year, "quarter": quarter},
                        headers=who)  # fmt: skip
    assert r.status_code == 201, r.text
    did: str = r.json()["id"]
    assert (await http.put(f"/api/v1/declarations/{did}/declarant", json=DECLARANT, headers=who)).status_code == 200
    body = {"annex": "A", "nomenclature": "33051000", "price_excl_tax": "10000.00", **line}
    r = await http.post(f"/api/v1/declarations/{did}/lines", json=body, headers=who)
    assert r.status_code == 201, r.text
    return did, str(r.json()["line_id"])


async def _change(stack: dict[str, Any], did: str, line_id: str, body: dict[str, Any], version: int | None) -> Any:
    headers = auth(stack["declarant"]) | ({"If-Match": f'"{version}"'} if version is not None else {})
    return await stack["declarations"].http.put(f"/api/v1/declarations/{did}/lines/{line_id}", json=body,
                                                headers=headers)  # fmt: skip


async def _refused(stack: dict[str, Any], did: str, response: Any, status: int, field: str | None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem.get("field") == field, problem
    assert len(await stack["declarations"].runtime.store.read_stream(did)) == 3, "a refused change appends nothing"
    return problem


async def test_a_changed_price_reassesses_the_line_and_the_totals(stack: dict[str, Any]) -> None:
    did, line_id = await _draft_with_a_line(stack, 2024, 1)
    before = await wait_totals(stack, did)
    assert Decimal(before["totals"]["boxes"]["4"]) == Decimal("400.00")  # 10 000,00 × 4 % (974 OME 3305 10 00)
    r = await _change(stack, did, line_id, {"price_excl_tax": "5000.00", "naf": "2042Z"}, before["version"])
    assert r.status_code == 200, r.text
    assert r.json()["price_excl_tax"] == "5000.00" and r.json()["declaration_version"] == before["version"] + 1
    assert r.headers["ETag"] == f'"{before["version"] + 1}"'
    after = await wait_totals(stack, did)
    [line] = after["lines"]["A"]
    assert (line["nomenclature"], line["naf"], line["om_amount"], line["omr_amount"]) == (
        "33051000",
        "20.42Z",
        "200.00",
        "125.00",
    )
    assert Decimal(after["totals"]["boxes"]["1"]) == Decimal("5000.00")
    assert Decimal(after["totals"]["boxes"]["4"]) == Decimal("200.00")
    history = (await stack["declarations"].http.get(f"/api/v1/declarations/{did}/history",
                                                    headers=auth(stack["declarant"]))).json()  # fmt: skip
    assert "LineChanged" in str(history)
    # the same values again: nothing recorded, the version stays
    again = await _change(stack, did, line_id, {"price_excl_tax": "5000", "naf": "20.42Z"}, after["version"])
    assert again.status_code == 200 and again.json()["declaration_version"] == after["version"]
    # and the filing's totals are those of the current version
    r = await stack["declarations"].http.post(f"/api/v1/declarations/{did}/filing", headers=auth(stack["declarant"]))
    assert r.status_code == 200, r.text
    assert Decimal(r.json()["filing"]["boxes"]["4"]) == Decimal("200.00")


async def test_a_change_is_refused_in_french_with_its_field(stack: dict[str, Any]) -> None:
    db = stack["declarations"].runtime.db
    async with asyncio.timeout(30):  # declarations learns the CANAs from taxcalc's TariffPublished
        while await db["tariff_canas"].find_one({"_id": "974"}) is None:
            await asyncio.sleep(0.1)
    did, line_id = await _draft_with_a_line(stack, 2024, 2, nomenclature="22084011")
    stale = await _change(stack, did, line_id, {"price_excl_tax": "1.00"}, 2)
    problem = await _refused(stack, did, stale, 409, None)
    assert (
        problem["type"].endswith("/conflit-de-version")
        and "version attendue 2, version actuelle 3" in problem["detail"]
    )
    unknown_cana = await _change(stack, did, line_id, {"price_excl_tax": "1.00", "cana": "Z999"}, 3)
    problem = await _refused(stack, did, unknown_cana, 422, "cana")
    assert problem["type"].endswith("/cana-inconnu") and problem["canas"] == ["Z001"]
    await _refused(stack, did, await _change(stack, did, line_id, {"price_excl_tax": "0"}, 3), 422, "price_excl_tax")
    await _refused(stack, did, await _change(stack, did, line_id, {"price_excl_tax": "1", "rfs": True}, 3), 422, "rfs")
    moved = await _change(stack, did, line_id, {"price_excl_tax": "1.00", "nomenclature": "22084099"}, 3)
    await _refused(stack, did, moved, 422, "nomenclature")  # changing the product is another line
    missing = await _refused(stack, did, await _change(stack, did, "Linconnue", {"price_excl_tax": "1"}, 3), 404,
                             "line_id")  # fmt: skip
    assert missing["detail"] == "La ligne Linconnue n'existe pas dans cette déclaration."


async def test_a_filed_declaration_refuses_a_change(stack: dict[str, Any]) -> None:
    did = await filed_declaration(stack, "rel-974-0001", 2023, 3)
    shown = (
        await stack["declarations"].http.get(f"/api/v1/declarations/{did}", headers=auth(stack["declarant"]))
    ).json()
    [line] = shown["lines"]["A"]
    r = await _change(stack, did, line["line_id"], {"price_excl_tax": "1.00"}, shown["version"])
    assert (
        r.status_code == 409 and r.json()["detail"] == "La déclaration est déposée : elle ne peut plus être modifiée."
    )


def _quarters_before(stack: dict[str, Any], count: int) -> list[tuple[int, int]]:
    """The `count` quarters before the running one, oldest first, by the services' clock (within the recovery
    period whatever the day the tests run)."""
    year, quarter = current_quarter(stack["clock"](), "974")
    periods = []
    for _ in range(count):
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
        periods.append((year, quarter))
    return periods[::-1]


async def _corrected(stack: dict[str, Any], did: str, price: str) -> dict[str, Any]:
    """Opens a rectificative of the filed `did`, sets its only line's price, files it: the rectificative filed."""
    http, who = stack["declarations"].http, auth(stack["declarant"])
    shown = (await http.get(f"/api/v1/declarations/{did}", headers=who)).json()
    r = await http.post(f"/api/v1/declarations/{did}/corrections", headers=who | {"If-Match": f'"{shown["version"]}"'})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    assert rid == f"{did}-R1" and r.json()["corrective"] == 1 and r.json()["corrects"] == did
    assert r.json()["reference"].endswith("-R1") and r.headers["Location"] == f"/api/v1/declarations/{rid}"
    second = await http.post(f"/api/v1/declarations/{did}/corrections", headers=who)  # a double click: one copy
    assert second.status_code == 409 and second.json()["correction_id"] == rid, second.text
    copy = await wait_totals(stack, rid)
    [line] = copy["lines"]["A"]
    assert copy["status"] == "draft" and line["price_excl_tax"] == "10000.00"
    assert copy["declarant"] == shown["declarant"]
    assert copy["totals"]["difference"]["supplement"] == "0.00"  # the copy as filed changes nothing yet
    r = await _change(stack, rid, line["line_id"], {"price_excl_tax": price}, copy["version"])
    assert r.status_code == 200, r.text
    await wait_totals(stack, rid)
    r = await http.post(f"/api/v1/declarations/{rid}/filing", headers=who)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_a_rectificative_that_raises_the_tax_makes_a_supplement_due_and_supersedes_the_original(
    stack: dict[str, Any],
) -> None:
    http, who = stack["declarations"].http, auth(stack["declarant"])
    [(year, quarter)] = _quarters_before(stack, 1)
    did = await filed_declaration(stack, "rel-974-0001", year, quarter)  # 10 000,00 at 4 % + 2,5 %: 650,00
    filed = await _corrected(stack, did, "20000.00")
    correction = filed["filing"]["correction"]
    assert correction["corrects"] == did and correction["corrective"] == 1
    difference = correction["difference"]
    assert (difference["original_total_due"], difference["corrected_total_due"]) == ("650.00", "1300.00")
    assert (difference["om"], difference["omr"], difference["supplement"]) == ("400.00", "250.00", "650.00")
    assert (difference["om_credit"], difference["omr_credit"]) == ("0.00", "0.00")
    assert filed["payment"]["due"] == "650.00" and filed["late"] is False  # the supplement, not the corrected total
    original = (await http.get(f"/api/v1/declarations/{did}", headers=who)).json()
    assert original["superseded_by"]["by"] == filed["id"] and original["correction_open"] is None
    assert original["payment"]["due"] == "650.00"  # the original's amount is still owed as filed
    again = await http.post(f"/api/v1/declarations/{did}/corrections", headers=who)
    assert again.status_code == 409 and again.json()["type"].endswith("/declaration-remplacee"), again.text
    history = (await http.get(f"/api/v1/declarations/{did}/history", headers=who)).text
    assert "CorrectionOpened" in history and "DeclarationSuperseded" in history


async def test_a_rectificative_that_lowers_the_tax_credits_box_10_of_the_next_quarter(stack: dict[str, Any]) -> None:
    http, who = stack["declarations"].http, auth(stack["declarant"])
    (year, quarter), (next_year, next_quarter) = _quarters_before(stack, 2)
    did = await filed_declaration(stack, "rel-971-0001", year, quarter, "19053100")  # 2,5 % + 2,5 % in 971
    r = await http.post("/api/v1/declarations", json={"relation_id": "rel-971-0001", "year": next_year,
                                                      "quarter": next_quarter}, headers=who)  # fmt: skip
    assert r.status_code == 201, r.text
    following = r.json()["id"]
    assert (await wait_totals(stack, following))["totals"]["boxes"]["10"] == "0.00"
    filed = await _corrected(stack, did, "4000.00")
    difference = filed["filing"]["correction"]["difference"]
    assert (difference["om"], difference["omr"], difference["supplement"]) == ("-150.00", "-150.00", "0.00")
    assert (difference["om_credit"], difference["omr_credit"]) == ("150.00", "150.00")
    assert filed["payment"]["status"] == "nothing_due"
    async with asyncio.timeout(30):  # taxcalc carries the credit into the next quarter's boxes 10 and 22
        while (await wait_totals(stack, following))["totals"]["boxes"]["10"] != difference["om_credit"]:
            await asyncio.sleep(0.1)
    assert (await wait_totals(stack, following))["totals"]["boxes"]["22"] == difference["omr_credit"]
    ledger = (await stack["taxcalc"].http.get("/api/v1/ledger/rel-971-0001", headers=auth(stack["admin"]))).json()
    assert [p["declaration_id"] for p in ledger["corrections"]] == [filed["id"]]

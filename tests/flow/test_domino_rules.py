"""DOMINO-NG rules that need both declarations and taxcalc, named after the rule, through HTTP."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from chassis.http.auth import mint
from declarations.domain.calendar import current_quarter

from flow_helpers import DECLARANT, ROOT, auth, filed_declaration, wait_totals

pytestmark = pytest.mark.integration


async def _draft(stack: dict[str, Any], relation: str, year: int, quarter: int) -> str:
    http = stack["declarations"].http
    r = await http.post(
        "/api/v1/declarations",
        json={"relation_id": relation, "year": year, "quarter": quarter},
        headers=auth(stack["declarant"]),
    )
    assert r.status_code == 201, r.text
    did: str = r.json()["id"]
    r = await http.put(f"/api/v1/declarations/{did}/declarant", json=DECLARANT, headers=auth(stack["declarant"]))
    assert r.status_code == 200, r.text
    return did


async def _line(stack: dict[str, Any], did: str, **body: Any) -> dict[str, Any]:
    r = await stack["declarations"].http.post(
        f"/api/v1/declarations/{did}/lines", json=body, headers=auth(stack["declarant"])
    )
    assert r.status_code == 201, r.text
    line: dict[str, Any] = r.json()
    return line


async def _put(stack: dict[str, Any], did: str, what: str, body: dict[str, Any]) -> Any:
    return await stack["declarations"].http.put(
        f"/api/v1/declarations/{did}/{what}", json=body, headers=auth(stack["declarant"])
    )


async def _file(stack: dict[str, Any], did: str) -> Any:
    return await stack["declarations"].http.post(f"/api/v1/declarations/{did}/filing", headers=auth(stack["declarant"]))


async def test_the_next_quarter_box_10_is_the_previous_quarter_box_14(stack: dict[str, Any]) -> None:
    # DOMAIN §1: box 10 = box 14 of the relation's previous declaration (same for 22/26).
    q1 = await _draft(stack, "rel-971-0002", 2025, 1)
    q2 = await _draft(stack, "rel-971-0002", 2025, 2)  # drafted before Q1 is filed: recomputed on filing
    await _line(stack, q1, annex="A", nomenclature="19053100", price_excl_tax="1000.00")
    r = await _put(stack, q1, "deductions", {"om": {"8": "500.00"}, "omr": {"20": "80.00"}})
    assert r.status_code == 200, r.text
    first = await wait_totals(stack, q1)
    credit_om, credit_omr = Decimal(first["totals"]["boxes"]["14"]), Decimal(first["totals"]["boxes"]["26"])
    assert credit_om > 0 and credit_omr > 0
    assert (await _file(stack, q1)).status_code == 200
    async with asyncio.timeout(30):
        while True:
            second = await wait_totals(stack, q2)
            if Decimal(second["totals"]["boxes"]["10"]) == credit_om:
                break
            await asyncio.sleep(0.1)
    assert Decimal(second["totals"]["boxes"]["22"]) == credit_omr
    ledger = (await stack["taxcalc"].http.get("/api/v1/ledger/rel-971-0002", headers=auth(stack["admin"]))).json()
    assert [(e["declaration_id"], e["om_credit"]) for e in ledger["entries"]] == [(q1, f"{credit_om:.2f}")]


async def test_a_rate_change_inside_the_quarter_splits_the_product_over_two_lines(stack: dict[str, Any]) -> None:
    # Manual, Annexe A: the same product twice, each with its date of application of the rates.
    did = await _draft(stack, "rel-974-0001", 2026, 1)
    await _line(stack, did, annex="A", nomenclature="19059080", price_excl_tax="1000.00")
    await _line(stack, did, annex="A", nomenclature="19059080", price_excl_tax="1000.00", rates_date="2026-02-15")
    body = await wait_totals(stack, did)
    rates = sorted((x["rates_date"], x["om_rate"], x["om_amount"]) for x in body["lines"]["A"])
    assert rates == [("2026-01-01", "2.5", "25.00"), ("2026-02-15", "5", "50.00")]
    assert body["totals"]["boxes"]["4"] == "75.00"
    twice = await stack["declarations"].http.post(
        f"/api/v1/declarations/{did}/lines",
        headers=auth(stack["declarant"]),
        json={"annex": "A", "nomenclature": "19059080", "price_excl_tax": "1.00", "rates_date": "2026-02-15"},
    )
    assert twice.status_code == 409


async def test_refunds_above_the_credit_are_refused_at_filing(stack: dict[str, Any]) -> None:
    # DOMAIN §1: 13 + 13bis ≤ 12.
    did = await _draft(stack, "rel-971-0001", 2025, 3)
    await _line(stack, did, annex="A", nomenclature="22084011", price_excl_tax="1000.00")
    await _put(stack, did, "deductions", {"om": {"8": "1000.00", "13": "5000.00"}, "omr": {}})
    body = await wait_totals(stack, did)
    assert body["totals"]["errors"]
    r = await _file(stack, did)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert (
        await stack["declarations"].http.get(f"/api/v1/declarations/{did}", headers=auth(stack["declarant"]))
    ).json()["status"] == "draft"


async def test_a_q4_needs_its_annual_turnover_and_warns_below_the_liability_threshold(stack: dict[str, Any]) -> None:
    # décret 2015-1077 / DOMAIN §1: the Q4 declaration states the annual turnover (box 3);
    # loi 2004-639 art. 2: under the threshold the producer may no longer be liable.
    did = await _draft(stack, "rel-971-0001", 2025, 4)
    await _line(stack, did, annex="A", nomenclature="22084011", price_excl_tax="800.00")
    await wait_totals(stack, did)
    refused = await _file(stack, did)
    assert refused.status_code == 422 and refused.json()["field"] == "annual_turnover"
    assert (await _put(stack, did, "annual-turnover", {"amount": "120000.00"})).status_code == 200
    body = await wait_totals(stack, did)
    assert body["totals"]["boxes"]["3"] == "120000.00"
    filed = await _file(stack, did)
    assert filed.status_code == 200, filed.text
    assert any("seuil" in w for w in filed.json()["warnings"])


async def test_filing_waits_for_the_totals_of_the_current_version(stack: dict[str, Any]) -> None:
    did = await _draft(stack, "rel-974-0001", 2025, 2)
    taxcalc = stack["taxcalc"].runtime
    await taxcalc.broker.stop()  # taxcalc stops listening: the totals cannot follow
    try:
        await _line(stack, did, annex="A", nomenclature="33051000", price_excl_tax="10.00")
        r = await _file(stack, did)
        assert r.status_code == 409 and "totaux" in r.json()["detail"].lower()
    finally:
        await taxcalc.broker.start()
    await wait_totals(stack, did, timeout=60)
    assert (await _file(stack, did)).status_code == 200


async def test_a_declarant_acts_only_for_its_own_relations(stack: dict[str, Any]) -> None:
    from chassis.http.auth import mint

    other = mint(stack["declarations"].definition.settings, sub="other", role="declarant", relations=["rel-971-0002"])
    r = await stack["declarations"].http.post(
        "/api/v1/declarations", headers=auth(other), json={"relation_id": "rel-974-0001", "year": 2025, "quarter": 1}
    )
    assert r.status_code == 403 and r.json()["field"] == "relation_id"
    relations = (await stack["declarations"].http.get("/api/v1/relations", headers=auth(other))).json()
    assert [x["id"] for x in relations] == ["rel-971-0002"]


async def test_an_unknown_nomenclature_has_no_rate_and_blocks_filing(stack: dict[str, Any]) -> None:
    did = await _draft(stack, "rel-971-0001", 2025, 2)
    await _line(stack, did, annex="A", nomenclature="99999999", price_excl_tax="10.00")
    body = await wait_totals(stack, did)
    assert body["lines"]["A"][0]["assessment_status"] == "no_rate" and body["totals"]["complete"] is False
    assert (await _file(stack, did)).status_code == 422


async def test_publishing_a_tariff_that_covers_a_rateless_line_assesses_it(stack: dict[str, Any]) -> None:
    did = await _draft(stack, "rel-971-0002", 2025, 3)
    await _line(stack, did, annex="A", nomenclature="96081000", price_excl_tax="200.00")
    assert (await wait_totals(stack, did))["totals"]["complete"] is False
    tariff = (ROOT / "deploy/territories/971/tariff.csv").read_text().rstrip("\n")
    extended = tariff + "\n971,9608,,OMI,5,2.5,2015-01-01,,Délibération test 971-9608,Stylos à bille\n"
    r = await stack["taxcalc"].http.post(
        "/api/v1/tariffs", content=extended, headers={**auth(stack["admin"]), "Content-Type": "text/csv"}
    )
    assert r.status_code == 201 and r.json()["published"] is True
    async with asyncio.timeout(30):
        while not (body := await wait_totals(stack, did))["totals"]["complete"]:
            await asyncio.sleep(0.1)
    [line] = body["lines"]["A"]
    assert (line["om_rate"], line["om_amount"], line["assessment_status"]) == ("5", "10.00", "assessed")
    assert body["version"] == body["totals"]["version"], "the declaration itself did not change"
    restored = await stack["taxcalc"].http.post(
        "/api/v1/tariffs", content=tariff + "\n", headers={**auth(stack["admin"]), "Content-Type": "text/csv"}
    )
    assert restored.status_code == 201


async def test_rates_lookup_prefers_the_cana_line_then_the_longest_prefix(stack: dict[str, Any]) -> None:
    tax, admin = stack["taxcalc"].http, auth(stack["admin"])
    base = {"territory": "974", "date": "2026-03-01"}
    cana = (
        await tax.get("/api/v1/rates", params={**base, "nomenclature": "22084011", "cana": "Z001"}, headers=admin)
    ).json()
    assert cana["om_rate"] == "10" and "Z001" in cana["label"]
    sparkling = (await tax.get("/api/v1/rates", params={**base, "nomenclature": "22041000"}, headers=admin)).json()
    assert sparkling["matched_code"].startswith("220410")
    unknown = await tax.get("/api/v1/rates", params={**base, "nomenclature": "99999999"}, headers=admin)
    assert unknown.status_code == 422 and unknown.json()["field"] == "nomenclature"


async def test_a_tariff_above_the_legal_cap_is_refused_with_its_row(stack: dict[str, Any]) -> None:
    # loi 2004-639: OM at most 60 % (90 % alcohol and tobacco), OMR 2.5 % (5 % in Guyane).
    csv = (
        "territory,code,cana,kind,om_rate,omr_rate,valid_from,valid_to,deliberation,label\n"
        "972,0401,,OMI,65,2.5,2026-01-01,,Délibération test,Lait\n"
    )
    r = await stack["taxcalc"].http.post(
        "/api/v1/tariffs", content=csv, headers={**auth(stack["admin"]), "Content-Type": "text/csv"}
    )
    assert r.status_code == 422
    assert r.json()["rows"][0]["row"] == 2 and "60" in r.json()["rows"][0]["message"]


async def test_search_lists_the_declarations_of_a_relation_page_by_page(stack: dict[str, Any]) -> None:
    http = stack["declarations"].http
    for quarter in (1, 2, 3):
        await _draft(stack, "rel-971-0001", 2023, quarter)
    query = {"relation_id": "rel-971-0001", "year": 2023, "per_page": 2}
    r = await http.get("/api/v1/declarations", params=query, headers=auth(stack["declarant"]))
    page = r.json()
    assert r.status_code == 200 and page["total"] >= 3 and len(page["items"]) == 2
    assert [d["quarter"] for d in page["items"]] == [3, 2]
    r = await http.get("/api/v1/declarations", params={**query, "page": 2}, headers=auth(stack["declarant"]))
    assert [d["quarter"] for d in r.json()["items"]] == [1]


async def test_replay_rebuilds_read_models_equal_to_the_live_ones(stack: dict[str, Any]) -> None:
    """Every read model of both services, dropped and rebuilt from the log (a filing of its own first, so
    there is something to compare whatever ran before, and a line changed: the replay folds `LineChanged` as the
    live models did)."""
    await filed_declaration(stack, "rel-974-0001", 2024, 3)
    did = await _draft(stack, "rel-974-0001", 2022, 2)
    line = await _line(stack, did, annex="A", nomenclature="33051000", price_excl_tax="10000.00")
    shown = await wait_totals(stack, did)
    change = {"price_excl_tax": "7500.00", "avitaillement": True}
    headers = auth(stack["declarant"]) | {"If-Match": f'"{shown["version"]}"'}
    r = await stack["declarations"].http.put(
        f"/api/v1/declarations/{did}/lines/{line['line_id']}", json=change, headers=headers
    )
    assert r.status_code == 200, r.text
    await wait_totals(stack, did)
    for name in ("declarations", "taxcalc"):
        runtime = stack[name].runtime
        await runtime.broker.stop()  # quiesce: nothing may change the live models while we compare
        try:
            live = await runtime.projector.snapshot()
            assert any(live.values()), f"{name}: nothing to compare"
            count = await runtime.projector.replay(runtime.store)
            assert count == await runtime.store.count_log()
            assert await runtime.projector.snapshot() == live, f"{name}: replay differs from live"
        finally:
            await runtime.broker.start()


# ---- rules a real filer trips on ---------------------------------------------------------------------


async def test_line_uniqueness_includes_avitaillement(stack: dict[str, Any]) -> None:
    # The same product sold normally and as ship supplies: two lines; box 1 holds both prices.
    did = await _draft(stack, "rel-974-0001", 2024, 1)
    await _line(stack, did, annex="A", nomenclature="20098999", price_excl_tax="1000.00")
    await _line(stack, did, annex="A", nomenclature="20098999", price_excl_tax="2000.00", avitaillement=True)
    body = await wait_totals(stack, did)
    assert Decimal(body["totals"]["boxes"]["1"]) == Decimal("3000.00")
    again = await stack["declarations"].http.post(
        f"/api/v1/declarations/{did}/lines",
        json={"annex": "A", "nomenclature": "20098999", "price_excl_tax": "5.00", "avitaillement": True},
        headers=auth(stack["declarant"]),
    )
    assert again.status_code == 409 and again.json()["field"] == "rates_date"


async def test_naf_absent_records_the_ape(stack: dict[str, Any]) -> None:
    did = await _draft(stack, "rel-974-0001", 2024, 2)
    await _line(stack, did, annex="A", nomenclature="33051000", price_excl_tax="10.00")
    [shown] = (await wait_totals(stack, did))["lines"]["A"]
    assert shown["naf"] == "20.42Z"  # rel-974-0001's APE


async def test_cana_unknown_for_the_code_is_refused(stack: dict[str, Any]) -> None:
    # declarations learns the CANAs from taxcalc's TariffPublished: wait until it has
    db = stack["declarations"].runtime.db
    async with asyncio.timeout(30):
        while await db["tariff_canas"].find_one({"_id": "974"}) is None:
            await asyncio.sleep(0.1)
    did = await _draft(stack, "rel-974-0001", 2023, 1)
    r = await stack["declarations"].http.post(
        f"/api/v1/declarations/{did}/lines",
        json={"annex": "A", "nomenclature": "22084011", "price_excl_tax": "10.00", "cana": "Z999"},
        headers=auth(stack["declarant"]),
    )
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["field"] == "cana" and problem["type"].endswith("/cana-inconnu") and problem["canas"] == ["Z001"]
    assert (await wait_totals(stack, did))["lines"]["A"] == [], "nothing appended"
    await _line(stack, did, annex="A", nomenclature="22084011", price_excl_tax="10.00", cana="Z001")


async def test_filing_before_the_quarter_has_ended_is_refused(stack: dict[str, Any]) -> None:
    year, quarter = current_quarter(stack["clock"](), "971")
    did = await _draft(stack, "rel-971-0002", year, quarter)
    await wait_totals(stack, did)
    r = await _file(stack, did)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "quarter" and r.json()["type"].endswith("/trimestre-en-cours")
    shown = (
        await stack["declarations"].http.get(f"/api/v1/declarations/{did}", headers=auth(stack["declarant"]))
    ).json()
    assert shown["status"] == "draft" and shown["filing_open"] is False


async def test_payment_follow_up_of_a_filed_declaration(stack: dict[str, Any]) -> None:
    http = stack["declarations"].http
    comptable = mint(stack["declarations"].runtime.settings, sub="compta-974", role="comptable", territories=["974"])
    elsewhere = mint(stack["declarations"].runtime.settings, sub="compta-972", role="comptable", territories=["972"])
    draft = await _draft(stack, "rel-974-0001", 2023, 2)
    payment = {"reference": "TP-1", "amount": "100.00", "paid_on": "2023-07-20", "method": "telepaiement"}
    refused = await http.post(f"/api/v1/declarations/{draft}/payments", json=payment, headers=auth(comptable))
    assert refused.status_code == 409 and refused.json()["type"].endswith("/declaration-non-deposee")
    did = await filed_declaration(stack, "rel-974-0001", 2023, 3)
    due = Decimal((await http.get(f"/api/v1/declarations/{did}", headers=auth(comptable))).json()["payment"]["due"])
    assert due > 0
    forbidden = await http.post(f"/api/v1/declarations/{did}/payments", json=payment, headers=auth(elsewhere))
    assert forbidden.status_code == 403
    assert (
        await http.post(f"/api/v1/declarations/{did}/payments", json=payment, headers=auth(stack["declarant"]))
    ).status_code == 403
    first = await http.post(f"/api/v1/declarations/{did}/payments", json=payment, headers=auth(comptable))
    assert first.status_code == 201, first.text
    assert first.json()["payment"]["status"] == "partly_paid"
    again = await http.post(f"/api/v1/declarations/{did}/payments", json=payment, headers=auth(comptable))
    assert again.status_code == 200 and len(again.json()["payment"]["payments"]) == 1
    other = await http.post(
        f"/api/v1/declarations/{did}/payments", json={**payment, "amount": "99.00"}, headers=auth(comptable)
    )
    assert other.status_code == 409 and other.json()["field"] == "reference"
    rest = {"reference": "TP-2", "amount": f"{due - Decimal('100.00') + Decimal('5.00'):.2f}", "paid_on": "2024-01-10",
            "method": "virement"}  # fmt: skip
    paid = (await http.post(f"/api/v1/declarations/{did}/payments", json=rest, headers=auth(comptable))).json()
    assert paid["payment"]["status"] == "paid_late" and paid["payment"]["overpaid"] == "5.00"
    balance = (await http.get("/api/v1/relations/rel-974-0001/payments", headers=auth(stack["declarant"]))).json()
    assert balance["balance"]["overpaid"] == "5.00" and any(i["id"] == did for i in balance["items"])

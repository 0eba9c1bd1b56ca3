"""« Importer des lignes » through HTTP: a spreadsheet's CSV or a JSON list, all the lines or none, every
wrong row reported (row, column, message); and the home's quarter due and late quarters; the NAF list."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest

from flow_helpers import auth, wait_totals

pytestmark = pytest.mark.integration


async def _draft(stack: dict[str, Any], quarter: int) -> str:
    r = await stack["declarations"].http.post(
        "/api/v1/declarations",
        headers=auth(stack["declarant"]),
        json={"relation_id": "rel-971-0002", "year": 2022, "quarter": quarter},
    )
    assert r.status_code == 201, r.text
    did: str = r.json()["id"]
    return did


CSV = {"Content-Type": "text/csv"}


async def test_a_french_spreadsheet_export_is_imported_whole(stack: dict[str, Any]) -> None:
    did = await _draft(stack, 1)
    http, who = stack["declarations"].http, auth(stack["declarant"])
    template = await http.get("/api/v1/line-import/template.csv", headers=who)
    assert template.status_code == 200 and template.headers["content-type"].startswith("text/csv")
    header = template.content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Annexe;Nomenclature;CANA;Code NAF;Date d'application;Prix hors TVA et hors accises")
    body = (
        header + ";Libellé maison\r\n"
        "A;2208 40 11;Z001;11.01Z;15/02/2022;12 500,00;;non;Rhum blanc\r\n"
        "A;22084011;;;;1250.50;;;Rhum vieux\r\n"
        "\r\n"
        "B;33051000;;20.42Z;;3 000;oui;;Shampooing export\r\n"
    )
    # As French Excel saves « CSV (séparateur point-virgule) »: Windows-1252.
    r = await http.post(f"/api/v1/declarations/{did}/lines/import", content=body.encode("cp1252"), headers=who | CSV)
    assert r.status_code == 201, r.text
    answer = r.json()
    assert answer["imported"] == 3 and answer["ignored_columns"] == ["Libellé maison"]
    a_lines, b_lines = answer["lines"]["A"], answer["lines"]["B"]
    assert [(x["nomenclature"], x["cana"], x["rates_date"], x["price_excl_tax"]) for x in a_lines] == [
        ("22084011", "Z001", "2022-02-15", "12500.00"),
        ("22084011", None, "2022-01-01", "1250.50"),
    ]
    assert [(x["nomenclature"], x["naf"], x["rfs"], x["price_excl_tax"]) for x in b_lines] == [
        ("33051000", "20.42Z", True, "3000.00")
    ]
    assessed = await wait_totals(stack, did)
    assert assessed["totals"]["status"] == "current"
    assert {x["assessment_status"] for x in assessed["lines"]["A"]} == {"assessed"}


async def test_one_wrong_row_refuses_the_whole_file_and_every_wrong_row_is_said(stack: dict[str, Any]) -> None:
    did = await _draft(stack, 2)
    http, who = stack["declarations"].http, auth(stack["declarant"])
    body = (
        "annexe,nomenclature,prix_ht,rfs\n"
        "A,22084011,100.00,\n"  # row 2: good
        "A,2208,100.00,\n"  # row 3: nomenclature too short
        'A,22084011,"1,234",\n'  # row 4: ambiguous amount
        "A,33051000,50.00,oui\n"  # row 5: RFS is annexe B's
        "B,33051000,10.00,peut-être\n"  # row 6: not yes/no
    )
    r = await http.post(f"/api/v1/declarations/{did}/lines/import", content=body.encode(), headers=who | CSV)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["field"] == "lines" and problem["type"].endswith("/lignes-refusees")
    assert problem["detail"] == "4 lignes sur 5 sont refusées ; aucune ligne n'a été ajoutée."
    assert [(e["row"], e["column"]) for e in problem["errors"]] == [
        (3, "Nomenclature"),
        (4, "Prix hors TVA et hors accises"),
        (5, "Placement sous RFS"),
        (6, "Placement sous RFS"),
    ]
    assert "ambigu" in problem["errors"][1]["message"]
    events = await stack["declarations"].runtime.store.read_stream(did)
    assert [e.type for e in events] == ["DeclarationDrafted"], "a refused import appends nothing"


async def test_a_file_of_two_thousand_long_wrong_cells_gets_a_short_report(stack: dict[str, Any]) -> None:
    """The probe's case: 2 000 rows whose cells are 1 000 characters long made a 2.2 MB answer (and page). The
    first 100 errors are reported, then how many others; a message never quotes more than 80 characters."""
    did = await _draft(stack, 4)
    http, who = stack["declarations"].http, auth(stack["declarant"])
    body = "annexe,nomenclature,prix_ht\n" + "".join(f"A,{'9' * 1000},{i}.00\n" for i in range(1, 2001))
    r = await http.post(f"/api/v1/declarations/{did}/lines/import", content=body.encode(), headers=who | CSV)
    assert r.status_code == 422, r.text
    assert len(r.content) < 40_000
    problem = r.json()
    assert len(problem["errors"]) == 100 and problem["other_errors"] == 1900
    assert problem["detail"].startswith("2000 lignes sur 2000 sont refusées")
    assert "et 1900 autres" in problem["detail"]
    assert all("9" * 80 not in e["message"] and "…" in e["message"] for e in problem["errors"])


async def test_a_json_list_of_lines_is_imported_atomically_and_once_per_key(stack: dict[str, Any]) -> None:
    did = await _draft(stack, 3)
    http, who = stack["declarations"].http, auth(stack["declarant"])
    lines = [
        {"annex": "A", "nomenclature": "22084011", "price_excl_tax": "10.00"},
        {"annex": "A", "nomenclature": "22084011", "price_excl_tax": "20.00"},  # same product, same date
    ]
    r = await http.post(f"/api/v1/declarations/{did}/lines/import", json={"lines": lines}, headers=who)
    assert r.status_code == 422, r.text
    assert [(e["row"], e["field"]) for e in r.json()["errors"]] == [(2, "rates_date")]
    keyed = {**who, "Idempotency-Key": "import-once-3"}
    first = await http.post(f"/api/v1/declarations/{did}/lines/import", json={"lines": lines[:1]}, headers=keyed)
    again = await http.post(f"/api/v1/declarations/{did}/lines/import", json={"lines": lines[:1]}, headers=keyed)
    assert first.status_code == again.status_code == 201
    assert first.json()["lines"] == again.json()["lines"] and len(first.json()["lines"]["A"]) == 1
    events = await stack["declarations"].runtime.store.read_stream(did)
    assert [e.type for e in events] == ["DeclarationDrafted", "LineAdded"]


async def test_the_home_names_the_quarter_due_and_the_late_quarters(stack: dict[str, Any]) -> None:
    http, who = stack["declarations"].http, auth(stack["declarant"])
    home = (await http.get("/api/v1/relations/rel-974-0001/home", headers=who)).json()
    today = stack["clock"]().astimezone(ZoneInfo("Indian/Reunion")).date().isoformat()
    due = home["quarter_due"]
    assert due["due_date"] >= today and due["period"].endswith(str(due["year"]))
    filed = {
        (d["year"], d["quarter"])
        for d in (
            await http.get("/api/v1/declarations?relation_id=rel-974-0001&status=filed&per_page=200", headers=who)
        ).json()["items"]
    }
    for late in home["late_quarters"]:
        assert late["due_date"] < today and (late["year"], late["quarter"]) not in filed
        assert (late["year"], late["quarter"]) < (due["year"], due["quarter"])


async def test_the_naf_list_is_searched_by_code_or_words_without_accents(stack: dict[str, Any]) -> None:
    http, who = stack["declarations"].http, auth(stack["declarant"])
    found = (await http.get("/api/v1/naf", params={"q": "boulangerie patisserie"}, headers=who)).json()
    assert [x["code"] for x in found["items"]] == ["10.71C"]  # every word, accents aside
    found = (await http.get("/api/v1/naf", params={"q": "pâtisserie"}, headers=who)).json()
    assert {x["code"] for x in found["items"]} >= {"10.71A", "10.71C", "10.71D"}
    assert [x["code"] for x in (await http.get("/api/v1/naf?q=1071C", headers=who)).json()["items"]] == ["10.71C"]
    assert (await http.get("/api/v1/naf", headers=who)).json()["total"] == 732

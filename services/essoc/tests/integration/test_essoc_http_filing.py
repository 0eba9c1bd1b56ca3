"""Referentials and filing a request through the HTTP API (manual §3, DOMAIN.md §2)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta

import pytest

from essoc.domain import deadlines

from essoc_http_support import ALCOHOL, COMPANY, OCTROI, SIRET, UNKNOWN_SIRET, control, essoc_app, problem, rescrit

pytestmark = pytest.mark.integration


@pytest.fixture
async def essoc(mongo_db):  # type: ignore[no-untyped-def]
    async with essoc_app(mongo_db) as app:
        yield app


# ---- referentials ---------------------------------------------------------------------------------


async def test_referentials_have_the_shape_back_office_integrations_rely_on(essoc) -> None:  # type: ignore[no-untyped-def]
    r = await essoc.juda.get("/api/v1/referentials")
    assert r.status_code == 200
    body = r.json()
    assert {n["code"] for n in body["natures"]} == {"rescrit", "second_examen", "droit_au_controle"}
    assert set(body["categories"]) == {"rescrit", "second_examen", "droit_au_controle"}
    assert all(set(c) >= {"code", "label"} for cats in body["categories"].values() for c in cats)
    assert all(set(d) >= {"code", "label", "territory", "mailbox"} for d in body["directorates"])
    assert all(set(f) == {"domain", "label", "sub_domains"} and f["sub_domains"] for f in body["fields"])
    assert {g["code"] for g in body["refusal_grounds"]} == {"mauvaise-foi", "demande-abusive", "programme-de-controle"}
    # What each nature's form asks, so a form never has to guess a rule.
    assert body["forms"]["droit_au_controle"] == {"sub_category": False, "max_fields": 1, "previous_request": False}
    assert body["forms"]["second_examen"]["previous_request"] is True
    assert "pdf" in body["attachments"]["extensions"] and body["attachments"]["max_bytes"] > 0


async def test_rescrit_categories_are_taxes_and_droit_au_controle_categories_are_directorates(essoc) -> None:  # type: ignore[no-untyped-def]
    body = (await essoc.juda.get("/api/v1/referentials")).json()
    directorates = {d["code"] for d in body["directorates"]}
    assert "octroi-de-mer" in {c["code"] for c in body["categories"]["rescrit"]}
    assert {c["code"] for c in body["categories"]["droit_au_controle"]} <= directorates


async def test_referentials_list_the_overseas_and_the_manuals_metropolitan_directorates(essoc) -> None:  # type: ignore[no-untyped-def]
    body = (await essoc.juda.get("/api/v1/referentials")).json()
    by_code = {d["code"]: d for d in body["directorates"]}
    assert {
        by_code[c]["territory"] for c in ("dr-guadeloupe", "dr-martinique", "dr-guyane", "dr-la-reunion", "dr-mayotte")
    } == {"971", "972", "973", "974", "976"}
    assert {"dr-lyon", "dr-aix-en-provence", "dr-amiens", "dr-roissy", "bureau-nice-port"} <= set(by_code)
    assert by_code["dr-guadeloupe"]["mailbox"] == "dr-guadeloupe@douane.example"


async def test_choisir_une_entreprise_shows_the_raison_sociale_of_a_siret(essoc) -> None:  # type: ignore[no-untyped-def]
    r = await essoc.juda.get(f"/api/v1/companies/{SIRET}")
    assert r.status_code == 200
    assert r.json() == {"siret": SIRET, "company_name": COMPANY}
    problem(await essoc.juda.get(f"/api/v1/companies/{UNKNOWN_SIRET}"), 404, "siret")
    problem(await essoc.juda.get("/api/v1/companies/41234567000018"), 422, "siret")


async def test_a_rescrit_can_never_be_addressed_to_the_central_directorate(essoc) -> None:  # type: ignore[no-untyped-def]
    body = (await essoc.juda.get("/api/v1/referentials")).json()
    assert "dgddi" not in {s["code"] for s in body["sub_categories"]}
    r = await essoc.juda.post("/api/v1/requests", json=rescrit(sub_category="dgddi"))
    problem(r, 422, "sub_category")
    assert await essoc.count("events") == 0


# ---- filing -----------------------------------------------------------------------------------------


async def test_filing_answers_201_with_id_number_deposee_and_en_attente(essoc) -> None:  # type: ignore[no-untyped-def]
    r = await essoc.juda.post("/api/v1/requests", json=rescrit())
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["id"] and body["number"] == 1
    assert (body["state"], body["admissibility"]) == ("deposee", "en_attente")
    assert body["tab"] == "deposees" and body["territory"] == "971"
    assert r.headers["Location"] == f"/api/v1/requests/{body['id']}"
    assert body["unit"] == "DR Guadeloupe - PAE"


async def test_name_first_name_and_email_come_from_the_token_never_from_the_body(essoc) -> None:  # type: ignore[no-untyped-def]
    r = await essoc.juda.post("/api/v1/requests", json=rescrit(email="pirate@example.com", name="Pirate"))
    problem(r, 422)
    body = await essoc.file()
    assert (body["requester"]["name"], body["requester"]["first_name"], body["requester"]["email"]) == (
        "Bricot",
        "Juda",
        "juda.bricot@entreprise.example",
    )


async def test_only_a_requester_files_a_request(essoc) -> None:  # type: ignore[no-untyped-def]
    problem(await essoc.agent_971.post("/api/v1/requests", json=rescrit()), 403)
    problem(await essoc.declarant.post("/api/v1/requests", json=rescrit()), 403)


async def test_an_entreprise_siret_is_checked_for_length_and_luhn_key(essoc) -> None:  # type: ignore[no-untyped-def]
    assert (
        "14 chiffres"
        in problem(await essoc.juda.post("/api/v1/requests", json=rescrit(siret="4123456700001")), 422, "siret")[
            "detail"
        ]
    )
    assert (
        "clé"
        in problem(await essoc.juda.post("/api/v1/requests", json=rescrit(siret="41234567000018")), 422, "siret")[
            "detail"
        ]
    )
    problem(await essoc.juda.post("/api/v1/requests", json=rescrit(siret=None)), 422, "siret")
    assert await essoc.count("events") == 0


async def test_the_company_name_is_looked_up_from_the_siret(essoc) -> None:  # type: ignore[no-untyped-def]
    body = await essoc.file(rescrit(siret="412 345 670 00019"))
    assert (body["requester"]["siret"], body["requester"]["company_name"]) == (SIRET, COMPANY)


async def test_an_unknown_siret_is_refused(essoc) -> None:  # type: ignore[no-untyped-def]
    body = problem(await essoc.juda.post("/api/v1/requests", json=rescrit(siret=UNKNOWN_SIRET)), 422, "siret")
    assert body["type"].endswith("siret-inconnu")


async def test_a_particulier_gives_no_siret(essoc) -> None:  # type: ignore[no-untyped-def]
    body = await essoc.file(rescrit(requester_type="particulier", siret=None))
    assert body["requester"]["requester_type"] == "particulier" and body["requester"]["company_name"] is None
    problem(await essoc.juda.post("/api/v1/requests", json=rescrit(requester_type="particulier")), 422, "siret")


async def test_a_lawyer_or_customs_representative_files_under_their_own_identity_naming_the_siren(essoc) -> None:  # type: ignore[no-untyped-def]
    body = await essoc.file(rescrit(represented_siren="523 456 788"))
    assert body["requester"]["represented_siren"] == "523456788"
    assert body["requester"]["email"] == "juda.bricot@entreprise.example"
    problem(
        await essoc.juda.post("/api/v1/requests", json=rescrit(represented_siren="523456789")), 422, "represented_siren"
    )


async def test_a_rescrit_needs_a_category_a_sub_category_and_one_or_more_fields(essoc) -> None:  # type: ignore[no-untyped-def]
    problem(await essoc.juda.post("/api/v1/requests", json=rescrit(category="inconnue")), 422, "category")
    problem(await essoc.juda.post("/api/v1/requests", json=rescrit(sub_category=None)), 422, "sub_category")
    problem(await essoc.juda.post("/api/v1/requests", json=rescrit(fields=[])), 422, "fields")
    problem(
        await essoc.juda.post("/api/v1/requests", json=rescrit(fields=[{"domain": "x", "sub_domain": "y"}])),
        422,
        "fields[0]",
    )
    body = await essoc.file(rescrit(fields=[OCTROI, ALCOHOL]))
    assert [f["domain"] for f in body["fields"]] == ["octroi-de-mer", "alcools-et-boissons"]


async def test_subject_and_description_are_required(essoc) -> None:  # type: ignore[no-untyped-def]
    problem(await essoc.juda.post("/api/v1/requests", json=rescrit(subject=" ")), 422, "subject")
    problem(await essoc.juda.post("/api/v1/requests", json=rescrit(description="")), 422, "description")


async def test_a_refused_field_is_named_by_its_french_label(essoc) -> None:  # type: ignore[no-untyped-def]
    number = problem(await essoc.juda.post("/api/v1/requests", json=rescrit(subject=12)), 422, "subject")
    assert number["detail"] == "Objet de la demande : Ce champ doit être une chaîne de caractères."
    kind = problem(
        await essoc.juda.post("/api/v1/requests", json=rescrit(requester_type="asso")), 422, "requester_type"
    )
    assert kind["detail"] == "Type de demandeur : Valeur non admise (attendu : « entreprise » ou « particulier »)."


async def test_a_droit_au_controle_names_a_directorate_no_sub_category_and_exactly_one_field(essoc) -> None:  # type: ignore[no-untyped-def]
    problem(await essoc.juda.post("/api/v1/requests", json=control(sub_category="dr-guadeloupe")), 422, "sub_category")
    problem(await essoc.juda.post("/api/v1/requests", json=control(fields=[OCTROI, ALCOHOL])), 422, "fields")
    problem(await essoc.juda.post("/api/v1/requests", json=control(category="octroi-de-mer")), 422, "category")
    body = await essoc.file(control())
    assert body["type"] == "droit au contrôle / DR Guadeloupe" and body["unit"] == "DR Guadeloupe - POC/CRPC"


async def test_a_request_to_a_metropolitan_directorate_is_refused_here_and_nothing_is_recorded(essoc) -> None:  # type: ignore[no-untyped-def]
    body = problem(await essoc.juda.post("/api/v1/requests", json=rescrit(sub_category="dr-lyon")), 403, "sub_category")
    assert "DR Lyon" in body["detail"] and "autre déploiement" in body["detail"]
    problem(await essoc.juda.post("/api/v1/requests", json=control(category="dr-roissy")), 403, "category")
    assert await essoc.count("events") == 0 and await essoc.count("requests") == 0


async def test_a_deployment_refuses_the_overseas_directorates_it_does_not_serve(mongo_db) -> None:  # type: ignore[no-untyped-def]
    async with essoc_app(mongo_db, territories=["974"]) as essoc:
        problem(await essoc.juda.post("/api/v1/requests", json=rescrit()), 403, "sub_category")
        body = await essoc.file(rescrit(sub_category="dr-la-reunion"))
        assert body["territory"] == "974"


async def test_numbers_are_human_sequential_and_unique_even_when_filed_at_once(essoc) -> None:  # type: ignore[no-untyped-def]
    responses = await asyncio.gather(*(essoc.juda.post("/api/v1/requests", json=rescrit()) for _ in range(6)))
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses]
    assert sorted(r.json()["number"] for r in responses) == [1, 2, 3, 4, 5, 6]


async def test_a_refused_filing_gives_its_number_back(essoc) -> None:  # type: ignore[no-untyped-def]
    assert (await essoc.file())["number"] == 1
    problem(await essoc.juda.post("/api/v1/requests", json=rescrit(subject="")), 422, "subject")
    assert (await essoc.file())["number"] == 2


async def test_numbering_starts_where_the_deployment_says(mongo_db) -> None:  # type: ignore[no-untyped-def]
    async with essoc_app(mongo_db, first_request_number=3001) as essoc:
        assert (await essoc.file())["number"] == 3001
        assert (await essoc.file())["number"] == 3002


async def test_a_retried_filing_with_the_same_idempotency_key_files_once(essoc) -> None:  # type: ignore[no-untyped-def]
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = await essoc.juda.post("/api/v1/requests", json=rescrit(), headers=key)
    again = await essoc.juda.post("/api/v1/requests", json=rescrit(), headers=key)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert await essoc.count("requests") == 1


# ---- second examen ----------------------------------------------------------------------------------


async def test_a_second_examen_of_a_closed_rescrit_is_collegial_with_its_own_three_month_clock(essoc) -> None:  # type: ignore[no-untyped-def]
    rescrit_ = await essoc.closed()
    body = await essoc.file(rescrit(nature="second_examen", previous_request=str(rescrit_["number"])))
    assert body["characteristics"]["collegial"] is True
    assert body["characteristics"]["previous_request"] == rescrit_["id"]
    assert body["deadline"]["deadline_at"] is None and body["deadline"]["awaiting_admissibility"] is True
    await essoc.agent_971.post(f"/api/v1/requests/{body['id']}/take-charge")
    admitted_at = essoc.clock.now()
    essoc.clock.now = lambda: admitted_at
    r = await essoc.agent_971.post(f"/api/v1/requests/{body['id']}/admissibility", json={"decision": "oui"})
    # its own three calendar months from its own admissibility, by the rule's own function (a count of days fails
    # from 28 February: 28 May is 89 days on)
    deadline = deadlines.answer_deadline_from_admissibility("second_examen", admitted_at)
    assert datetime.fromisoformat(r.json()["deadline"]["deadline_at"]) == deadline
    by_id = await essoc.file(rescrit(nature="second_examen", previous_request=rescrit_["id"]))
    assert by_id["characteristics"]["previous_request"] == rescrit_["id"]


async def test_second_examen_previous_rescrit_number_is_optional(essoc) -> None:  # type: ignore[no-untyped-def]
    # The manual: « vous pouvez renseigner le numéro »; without it, the rescrit's date and reference
    problem(
        await essoc.juda.post("/api/v1/requests", json=rescrit(nature="second_examen")), 422, "contested_rescrit_date"
    )
    today = essoc.clock.now().date()
    body = await essoc.file(
        rescrit(
            nature="second_examen",
            contested_rescrit_date=(today - timedelta(days=20)).isoformat(),
            contested_rescrit_reference="DR Guadeloupe 2026-117",
        )
    )
    c = body["characteristics"]
    assert (c["previous_request"], c["contested_rescrit_reference"]) == (None, "DR Guadeloupe 2026-117")
    assert c["contested_rescrit_date"] == (today - timedelta(days=20)).isoformat() and c["collegial"] is True


async def test_second_examen_unknown_number_is_a_422_on_the_field(essoc) -> None:  # type: ignore[no-untyped-def]
    body = problem(
        await essoc.juda.post("/api/v1/requests", json=rescrit(nature="second_examen", previous_request="999")),
        422,
        "previous_request",
    )
    assert body["type"].endswith("/rescrit-inconnu")


async def test_a_second_examen_needs_a_rescrit_that_was_closed(essoc) -> None:  # type: ignore[no-untyped-def]
    open_rescrit = await essoc.admitted()
    problem(
        await essoc.juda.post(
            "/api/v1/requests", json=rescrit(nature="second_examen", previous_request=open_rescrit["id"])
        ),
        422,
        "previous_request",
    )


async def test_a_second_examen_is_of_a_rescrit_not_of_a_droit_au_controle(essoc) -> None:  # type: ignore[no-untyped-def]
    closed_control = await essoc.closed(control())
    problem(
        await essoc.juda.post(
            "/api/v1/requests", json=rescrit(nature="second_examen", previous_request=closed_control["id"])
        ),
        422,
        "previous_request",
    )


async def test_a_second_examen_is_of_the_same_requesters_or_the_same_companys_rescrit(essoc) -> None:  # type: ignore[no-untyped-def]
    closed = await essoc.closed()
    # another person, for no company: the rescrit reads as unknown (nothing said about another's request)
    as_private = rescrit(
        nature="second_examen", previous_request=closed["id"], requester_type="particulier", siret=None
    )
    body = problem(await essoc.other.post("/api/v1/requests", json=as_private), 422, "previous_request")
    assert body["type"].endswith("/rescrit-inconnu")
    # another person for the same company (its lawyer, its RDE): the company's rescrit counts
    r = await essoc.other.post("/api/v1/requests", json=rescrit(nature="second_examen", previous_request=closed["id"]))
    assert r.status_code == 201, r.text
    assert r.json()["characteristics"]["previous_request_number"] == closed["number"]


async def test_a_second_examen_is_filed_less_than_two_months_after_the_rescrit(essoc) -> None:  # type: ignore[no-untyped-def]
    closed = await essoc.closed()
    closed_at = datetime.fromisoformat(closed["closed_at"])
    # « more than two months »: the rule's own last instant, then one calendar day more (never a count of days:
    # 62 days after 7 December is 7 February, exactly two months)
    last_instant = deadlines.second_examen_closes_at(closed_at)
    essoc.clock.now = lambda: last_instant + timedelta(days=1)
    body = problem(
        await essoc.juda.post("/api/v1/requests", json=rescrit(nature="second_examen", previous_request=closed["id"])),
        422,
        "previous_request",
    )
    assert "deux mois" in body["detail"]
    essoc.clock.now = lambda: last_instant - timedelta(days=1)
    assert (await essoc.file(rescrit(nature="second_examen", previous_request=closed["id"])))["state"] == "deposee"

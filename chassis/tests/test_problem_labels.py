"""A refusal names the field as a person reads it: the body model's title, a shared label, or « Ce champ »."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

import httpx
from fastapi import FastAPI, Query
from pydantic import BaseModel, ConfigDict, Field

from chassis.http import problems


class Item(BaseModel):
    price_excl_tax: int


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: str = Field(title="Objet de la demande", min_length=1)
    urgent: Literal["oui", "non"] = Field(title="Demande urgente")
    paid_on: date | None = None
    items: list[Item] = Field(default_factory=list)
    colour: str | None = None


app = FastAPI()
problems.install(app)


@app.post("/requests")
async def create(body: Request) -> dict[str, str]:
    return {"subject": body.subject}


async def _refusal(payload: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.post("/requests", json=payload)
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


async def test_the_detail_names_the_field_by_its_title_and_keeps_the_machine_name_in_field() -> None:
    body = await _refusal({"subject": "", "urgent": "oui"})
    assert body["field"] == "subject"
    assert body["detail"] == "Objet de la demande : Ce champ ne peut pas être vide."


async def test_a_literal_refusal_lists_the_choices_in_french() -> None:
    body = await _refusal({"subject": "x", "urgent": "peut-être"})
    assert body["detail"] == "Demande urgente : Valeur non admise (attendu : « oui » ou « non »)."
    assert "'oui'" not in body["detail"] and " or " not in body["detail"]


async def test_without_a_title_a_shared_label_is_used_even_nested() -> None:
    body = await _refusal({"subject": "x", "urgent": "non", "paid_on": "demain"})
    assert body["field"] == "paid_on" and body["detail"].startswith("Date du paiement : ")
    nested = await _refusal({"subject": "x", "urgent": "non", "items": [{"price_excl_tax": "dix"}]})
    assert nested["field"] == "items.0.price_excl_tax" and nested["detail"].startswith("Prix hors taxes : ")


async def test_an_unknown_field_falls_back_to_ce_champ() -> None:
    body = await _refusal({"subject": "x", "urgent": "non", "colour": 3})
    assert body["field"] == "colour" and body["detail"] == "Ce champ doit être une chaîne de caractères."
    extra = await _refusal({"subject": "x", "urgent": "non", "colour": None, "extra": 1})
    assert extra["field"] == "extra" and extra["detail"] == "Ce champ n'est pas reconnu."


@app.get("/requests")
async def search(status: str = Query("", title="État de la demande", max_length=3), page: int = 1) -> list[str]:
    return []


async def test_a_query_parameter_reads_by_its_title_or_a_shared_label() -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        titled = (await client.get("/requests", params={"status": "archived"})).json()
        shared = (await client.get("/requests", params={"page": "deux"})).json()
    assert titled["field"] == "status" and titled["detail"].startswith("État de la demande : Ce champ est trop long")
    assert shared["field"] == "page" and shared["detail"] == "Page : Ce champ doit être un nombre entier."

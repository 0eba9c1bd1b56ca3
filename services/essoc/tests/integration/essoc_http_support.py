"""The essoc app around a Runtime on the test database (no Kafka, no lifespan), demo users and forms."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from chassis.http.auth import mint
from chassis.service import Runtime, attach, create_app
from essoc.application.scheduler import AnswerClock
from essoc.application.unit_of_work import Clock
from essoc.bootstrap import build
from essoc.entrypoints.http import EssocServices
from essoc.settings import EssocSettings

ROOT = Path(__file__).resolve().parents[4]
COMPANIES = ROOT / "deploy" / "reference" / "companies.csv"
SECRET = "essoc-tests-secret-0123456789-abcdefghijklmnopqrstuvwxyz"

SIRET = "41234567000019"  # Distillerie Bellevue SAS, in deploy/reference/companies.csv
COMPANY = "Distillerie Bellevue SAS"
UNKNOWN_SIRET = "73177848600027"  # a valid Luhn key, in no directory
ALCOHOL = {"domain": "alcools-et-boissons", "sub_domain": "cotisation sur les boissons alcooliques"}
OCTROI = {"domain": "octroi-de-mer", "sub_domain": "octroi de mer interne"}

USERS: dict[str, dict[str, Any]] = {
    "juda": {
        "sub": "u-juda",
        "role": "requester",
        "name": "Bricot",
        "given_name": "Juda",
        "email": "juda.bricot@entreprise.example",
    },
    "other": {
        "sub": "u-marie",
        "role": "requester",
        "name": "Payet",
        "given_name": "Marie",
        "email": "marie.payet@entreprise.example",
    },
    "agent_971": {
        "sub": "agent-971",
        "role": "agent",
        "name": "Lubin",
        "given_name": "Joseph",
        "email": "joseph.lubin@douane.example",
        "territories": ["971"],
        "directorates": ["dr-guadeloupe"],
    },
    "agent_971_b": {
        "sub": "agent-971-b",
        "role": "agent",
        "name": "Bélénus",
        "given_name": "Lucie",
        "email": "lucie.belenus@douane.example",
        "territories": ["971"],
        "directorates": ["dr-guadeloupe"],
    },
    "auditor": {
        "sub": "auditor-1",
        "role": "auditor",
        "name": "Hoarau",
        "given_name": "Claire",
        "email": "claire.hoarau@audit.example",
        "territories": ["971"],
    },
    "agent_974": {
        "sub": "agent-974",
        "role": "agent",
        "name": "Hoarau",
        "given_name": "Line",
        "email": "line.hoarau@douane.example",
        "territories": ["974"],
        "directorates": ["dr-la-reunion"],
    },
    # Right territory, wrong directorate: serves DR Martinique but holds a 971 territory claim.
    "agent_971_other_dr": {
        "sub": "agent-x",
        "role": "agent",
        "name": "Nelson",
        "given_name": "Paul",
        "email": "paul.nelson@douane.example",
        "territories": ["971", "972"],
        "directorates": ["dr-martinique"],
    },
    "admin": {
        "sub": "admin-1",
        "role": "admin",
        "name": "Admin",
        "given_name": "Démo",
        "email": "admin@douane.example",
    },
    "declarant": {
        "sub": "decl-1",
        "role": "declarant",
        "name": "Payet",
        "given_name": "Marie",
        "email": "marie@producteur.example",
    },
}


def rescrit(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "requester_type": "entreprise",
        "siret": SIRET,
        "nature": "rescrit",
        "category": "octroi-de-mer",
        "sub_category": "dr-guadeloupe",
        "fields": [OCTROI],
        "subject": "Taux d'octroi de mer applicable au rhum vieux",
        "description": "Quel taux s'applique à nos ventes de rhum vieux en Guadeloupe ?",
    }
    return {**body, **changes}


def control(**changes: Any) -> dict[str, Any]:
    return rescrit(
        **{
            "nature": "droit_au_controle",
            "category": "dr-guadeloupe",
            "sub_category": None,
            "fields": [ALCOHOL],
            "subject": "Contrôle de nos processus d'entrepositaire",
            **changes,
        }
    )


@dataclass
class Essoc:
    app: FastAPI
    runtime: Runtime
    settings: EssocSettings
    clients: dict[str, httpx.AsyncClient]

    @property
    def services(self) -> EssocServices:
        services = self.runtime.wiring.services
        assert isinstance(services, EssocServices)
        return services

    @property
    def answer_clock(self) -> AnswerClock:
        return self.services.answer_clock

    @property
    def clock(self) -> Clock:
        return self.services.clock

    @property
    def db(self) -> AsyncDatabase[dict[str, Any]]:
        return self.runtime.db

    def __getattr__(self, user: str) -> httpx.AsyncClient:
        try:
            return self.clients[user]
        except KeyError:
            raise AttributeError(user) from None

    async def file(self, body: dict[str, Any] | None = None, user: str = "juda") -> dict[str, Any]:
        r = await self.clients[user].post("/api/v1/requests", json=body or rescrit())
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def admitted(self, body: dict[str, Any] | None = None, agent: str = "agent_971") -> dict[str, Any]:
        request = await self.file(body)
        rid = request["id"]
        assert (await self.clients[agent].post(f"/api/v1/requests/{rid}/take-charge")).status_code == 200
        r = await self.clients[agent].post(f"/api/v1/requests/{rid}/admissibility", json={"decision": "oui"})
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def closed(self, body: dict[str, Any] | None = None, user: str = "juda") -> dict[str, Any]:
        request = await self.admitted(body)
        r = await self.agent_971.post(
            f"/api/v1/requests/{request['id']}/closure", json={"response": "Le taux applicable est de 2,5 %."}
        )
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def count(self, collection: str, query: dict[str, Any] | None = None) -> int:
        return await self.db[collection].count_documents(query or {})


def essoc_settings(db_name: str, **changes: Any) -> EssocSettings:
    return EssocSettings(
        mongo_db=db_name,
        relay_enabled=False,
        consume=False,
        jwt_secret=SECRET,
        company_directory=str(COMPANIES),
        topics_file=str(ROOT / "deploy/kafka/topics.yaml"),
        **changes,
    )


@asynccontextmanager
async def essoc_app(mongo_db: AsyncDatabase[dict[str, Any]], **changes: Any) -> AsyncIterator[Essoc]:
    settings = essoc_settings(mongo_db.name, **changes)
    definition = build(settings)
    app = create_app(definition)
    runtime = Runtime(definition, client=mongo_db.client)
    await runtime.wire()
    attach(app, runtime)
    clients = {
        name: httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://essoc",
            headers={"Authorization": f"Bearer {mint(settings, **claims)}"},
        )
        for name, claims in USERS.items()
    }
    try:
        yield Essoc(app, runtime, settings, clients)
    finally:
        for client in clients.values():
            await client.aclose()


def problem(response: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    """The problem+json body, after checking its status, media type, French detail and field."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["detail"] and body["status"] == status
    if field is not None:
        assert body.get("field") == field, body
    return body

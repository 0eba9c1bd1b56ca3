"""The four services in process on the embedded MongoDB, without Kafka: enough to send them anything (what the
security tests share; the fixture is in conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from chassis.http.auth import mint
from chassis.service import Runtime, ServiceDefinition, attach, create_app
from chassis.settings import ServiceSettings
from declarations.bootstrap import build as build_declarations
from declarations.settings import DeclarationsSettings
from essoc.bootstrap import build as build_essoc
from essoc.settings import EssocSettings
from notifier.bootstrap import build as build_notifier
from notifier.settings import NotifierSettings
from taxcalc.bootstrap import build as build_taxcalc
from taxcalc.settings import TaxcalcSettings

ROOT = Path(__file__).resolve().parents[2]
SECRET = "hostile-input-tests-secret-0123456789-abcdefgh"


@dataclass
class InProcess:
    app: FastAPI
    runtime: Runtime
    settings: ServiceSettings

    def client(self, **claims: Any) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {mint(self.settings, **claims)}"} if claims else {}
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://svc", headers=headers)

    async def events(self) -> int:
        return await self.runtime.db["events"].count_documents({})


async def _started(definition: ServiceDefinition) -> InProcess:
    runtime = Runtime(definition)
    await runtime.wire()
    app = create_app(definition)
    attach(app, runtime)
    return InProcess(app, runtime, definition.settings)


def _common(mongo_uri: str, name: str) -> dict[str, Any]:
    return {
        "mongo_uri": mongo_uri,
        "mongo_db": f"hostile_{name}_{uuid.uuid4().hex[:8]}",
        "relay_enabled": False,
        "consume": False,
        "background_enabled": False,
        "jwt_secret": SECRET,
        "log_json": False,
        "log_level": "WARNING",
        "topics_file": str(ROOT / "deploy/kafka/topics.yaml"),
        "reference_dir": str(ROOT / "deploy/territories"),
    }


Builder = Callable[[str], ServiceDefinition]
BUILDERS: dict[str, Builder] = {
    "declarations": lambda uri: build_declarations(
        DeclarationsSettings(**_common(uri, "declarations"), reminders_enabled=False)
    ),
    "taxcalc": lambda uri: build_taxcalc(TaxcalcSettings(**_common(uri, "taxcalc"))),
    "essoc": lambda uri: build_essoc(
        EssocSettings(**_common(uri, "essoc"), company_directory=str(ROOT / "deploy/reference/companies.csv"))
    ),
    "notifier": lambda uri: build_notifier(NotifierSettings(**_common(uri, "notifier"), declarations_url=None)),
}

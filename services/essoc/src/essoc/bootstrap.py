"""Wires OGDE's essoc service."""

from __future__ import annotations

from chassis.service import Runtime, ServiceDefinition
from essoc.adapters.blobs import AttachmentStore
from essoc.adapters.companies import CsvCompanyDirectory
from essoc.application.commands import Handlers
from essoc.application.projections import RequestView
from essoc.application.scheduler import run_deadline_scheduler
from essoc.domain.referentials import default_referentials
from essoc.entrypoints.http import router
from essoc.settings import EssocSettings


async def wire(runtime: Runtime) -> None:
    """Puts the handlers and adapters in `runtime.extras` (tests call it without starting Kafka)."""
    settings: EssocSettings = runtime.settings  # type: ignore[assignment]
    referentials = default_referentials()
    blobs = AttachmentStore(runtime.db)
    await runtime.db["events"].create_index([("data.blob_id", 1)], sparse=True)
    runtime.extras["referentials"] = referentials
    runtime.extras["blobs"] = blobs
    companies = runtime.extras.get("companies") or CsvCompanyDirectory.load(settings.company_directory)
    runtime.extras["handlers"] = Handlers(
        runtime.uow,
        referentials,
        companies,
        blobs,
        settings.territories,
        settings.attachment_max_bytes,
        first_number=settings.first_request_number,
    )


def build(settings: EssocSettings | None = None) -> ServiceDefinition:
    settings = settings or EssocSettings()
    return ServiceDefinition(
        name="essoc",
        settings=settings,
        title="OGDE — gestion des demandes ESSOC",
        description="Rescrits, seconds examens et droits au contrôle : dépôt, instruction, échanges, "
        "pièces jointes, délai de réponse, PDF.",
        projections=[RequestView()],
        routers=[router],
        startup=[wire],
        background=[run_deadline_scheduler],
    )

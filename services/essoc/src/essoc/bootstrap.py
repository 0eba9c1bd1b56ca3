"""Wires OGDE's essoc service."""

from __future__ import annotations

from datetime import timedelta

from chassis.blob_cipher import BlobCipher
from chassis.commands import Commands
from chassis.erasure_due import ErasureDueStore
from chassis.http.guards import BodyLimits
from chassis.pdf_fonts import find_font
from chassis.read_log_retention import delete_reads_past_retention
from chassis.renderer import RendererWarmUp, shared_renderer
from chassis.service import Runtime, ServiceDefinition, Wiring
from chassis.unit_of_work import Transaction
from contracts.envelope import utc_now
from essoc.adapters.agents import load_agents
from essoc.adapters.assistance_tickets import TicketReadModel
from essoc.adapters.blobs import AttachmentStore
from essoc.adapters.closed_requests import ClosedRequestReadModel
from essoc.adapters.companies import CsvCompanyDirectory
from essoc.adapters.drafts import DraftReadModel
from essoc.adapters.read_models import READS, Board, RequestReadModel
from essoc.adapters.unfollowed import UnfollowedNearDeadline
from essoc.application.assistance_view import AssistanceView
from essoc.application.draft_view import DraftView
from essoc.application.personal_retention import PersonalDataRetention
from essoc.application.projections import RequestView
from essoc.application.retention import DraftRetention
from essoc.application.scheduler import AnswerClock
from essoc.application.unit_of_work import Clock, CompanyDirectory, EssocUnitOfWork, requests
from essoc.application.uploads import Uploads
from essoc.documents.library import DocumentLibrary
from essoc.domain.assistance import AssistanceTicket
from essoc.domain.draft import RequestDraft
from essoc.domain.referentials import default_referentials
from essoc.domain.request import EssocRequest
from essoc.domain.rights import RightsRequest
from essoc.entrypoints.documents import router as documents_router
from essoc.entrypoints.http import MULTIPART_OVERHEAD, EssocServices, router
from essoc.entrypoints.instruction import router as instruction_router
from essoc.settings import EssocSettings


def build(settings: EssocSettings | None = None, *, companies: CompanyDirectory | None = None) -> ServiceDefinition:
    config = settings or EssocSettings()
    referentials = default_referentials()
    clock = Clock(utc_now)

    async def wire(runtime: Runtime) -> Wiring:
        blobs = AttachmentStore(runtime.db, BlobCipher(runtime.keys), runtime.store.stream_owner)
        await runtime.db["events"].create_index([("data.blob_id", 1)], sparse=True)
        await runtime.db["events"].create_index([("data.files.blob_id", 1)], sparse=True)  # assistance tickets
        await runtime.db[READS].create_index([("agent_id", 1), ("request_id", 1)])
        directory = companies or CsvCompanyDirectory.load(config.company_directory)
        agents = load_agents(config.agent_directory)

        def unit_of_work(tx: Transaction) -> EssocUnitOfWork:
            return EssocUnitOfWork(
                requests=requests(tx),
                numbers=RequestReadModel(tx.db, tx.session, first_number=config.first_request_number),
                referentials=referentials,
                companies=directory,
                served=config.territories,
                max_attachment_bytes=config.attachment_max_bytes,
                clock=clock,
                agents=agents,
                ticket_numbers=TicketReadModel(tx.db, tx.session),
            )

        runner = Commands(runtime.uow, unit_of_work)
        read_model = RequestReadModel(runtime.db, first_number=config.first_request_number)
        grace = timedelta(seconds=config.orphan_blob_grace_seconds)
        drafts = DraftReadModel(runtime.db)
        retention = DraftRetention(runner, drafts, blobs, clock)
        answer_clock = AnswerClock(
            runner,
            read_model,
            clock,
            sweep_orphans=lambda: blobs.sweep_orphans(read_model.refers_to_blob, grace),
            every_seconds=config.deadline_scan_seconds,
            expire_drafts=retention.expire,
        )
        services = EssocServices(
            commands=runner,
            uploads=Uploads(runner, blobs),
            read_model=read_model,
            board=Board(runtime.db),
            blobs=blobs,
            referentials=referentials,
            settings=config,
            store=runtime.store,
            clock=clock,
            answer_clock=answer_clock,
            companies=directory,
            agents=agents,
            documents=DocumentLibrary(find_font(config.pdf_font_path), [field.label for field in referentials.fields]),
            drafts=drafts,
            tickets=TicketReadModel(runtime.db),
        )
        # The gauge of the EssocAnswerUnfollowed alert, refreshed as often as the answer clock is checked.
        unfollowed = UnfollowedNearDeadline(
            runtime.db, config.territories, clock, every_seconds=config.deadline_scan_seconds
        )
        personal_retention = PersonalDataRetention(
            ClosedRequestReadModel(runtime.db),
            ErasureDueStore(runtime.db),
            lambda now: delete_reads_past_retention(runtime.db, now),
            clock,
        )
        # The request PDFs and the documents are drawn in the renderer's process, started with the service (0035).
        warm_up = RendererWarmUp(shared_renderer(), ("essoc.adapters.pdf", "essoc.documents.render")).run
        return Wiring(services=services, background=[answer_clock.run, unfollowed.run, personal_retention.run, warm_up])

    return ServiceDefinition(
        name="essoc",
        settings=config,
        title="OGDE — gestion des demandes ESSOC",
        description="Rescrits, seconds examens et droits au contrôle : dépôt, instruction, échanges, "
        "pièces jointes, délai de réponse, PDF.",
        projections=[RequestView(referentials), DraftView(referentials), AssistanceView()],
        audit_folds={
            "request": EssocRequest.from_recorded,
            "draft": RequestDraft.from_recorded,
            "assistance": AssistanceTicket.from_recorded,
            "droits": RightsRequest.from_recorded,
        },
        routers=[router, instruction_router, documents_router],
        wire=wire,
        body_limits=BodyLimits(upload_bytes=config.attachment_max_bytes + MULTIPART_OVERHEAD),
    )

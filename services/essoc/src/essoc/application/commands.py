"""Command handlers: load the request in a transaction, check who acts, let the domain decide, append.

A refused command raises before anything is appended (and the transaction, counter included, is
rolled back). Attachment contents go to GridFS before their event (GridFS cannot join a
transaction) and are deleted again when the command is refused.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, Literal, cast

from pydantic import BaseModel
from pymongo import ReturnDocument

from chassis.eventstore import Metadata, NewEvent
from chassis.http.auth import Principal
from chassis.logging import correlation_id
from chassis.unit_of_work import Transaction, UnitOfWork
from contracts.envelope import SYSTEM, Actor, EventEnvelope, utc_now
from contracts.errors import ConcurrencyError, Forbidden, NotFound
from contracts.events.essoc import Requester
from contracts.registry import parse
from essoc.adapters.blobs import AttachmentStore, Digest, digest
from essoc.adapters.companies import CompanyDirectory
from essoc.application import access
from essoc.application.projections import OPEN_STATES, VIEW
from essoc.domain.filing import Filing, submit_request
from essoc.domain.identity import check_siret
from essoc.domain.referentials import Referentials
from essoc.domain.request import EssocEvent, EssocRequest

Clock = Callable[[], datetime]
Decide = Callable[[EssocRequest], Sequence[BaseModel]]
Acting = Literal["examiner", "viewer"]
"""How the caller acts: as the examining service (agent of the request, or admin), or as someone who
may see the request (its requester; the domain then checks what only the requester may do)."""
COUNTERS = "counters"
NUMBER_COUNTER = "request_number"


@dataclass(frozen=True)
class Upload:
    """A received file: the name the client gave and its content (a seekable file)."""

    filename: str
    stream: IO[bytes]


@dataclass
class Loaded:
    request: EssocRequest
    territory: str


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def rebuild(history: Sequence[EventEnvelope]) -> EssocRequest:
    return EssocRequest.rebuild(
        (cast(EssocEvent, parse(e.type, e.schema_version, e.data)), e.occurred_at) for e in history
    )


@dataclass
class Handlers:
    uow: UnitOfWork
    referentials: Referentials
    companies: CompanyDirectory
    blobs: AttachmentStore
    served: Sequence[str]
    max_attachment_bytes: int
    first_number: int = 1
    clock: Clock = field(default=utc_now)

    # ---- filing --------------------------------------------------------------------------------

    async def submit(self, who: Principal, filing: Filing) -> str:
        """Files a request under the caller's identity; returns its id."""
        who.require("requester")
        requester = Requester(id=who.id, name=who.name, first_name=who.first_name, email=who.email)
        company_name = None
        if filing.requester_type == "entreprise" and filing.siret:
            company = self.companies.lookup(check_siret(filing.siret))
            company_name = company.name if company else None
        request_id = new_id("req")
        now = self.clock()

        async def work(tx: Transaction) -> None:
            previous = await self._previous(tx, filing) if filing.nature == "second_examen" else None
            number = await self._next_number(tx)
            events = submit_request(
                filing,
                request_id=request_id,
                number=number,
                requester=requester,
                company_name=company_name,
                previous=previous,
                referentials=self.referentials,
                now=now,
            )
            directorate = self.referentials.directorate(events[0].directorate)
            assert directorate is not None
            territory = access.served_territory(directorate, filing.nature, self.served)
            await tx.append(request_id, 0, self._wrap(events, territory, who.actor), self._meta())

        await self.uow.run(work)
        return request_id

    async def _previous(self, tx: Transaction, filing: Filing) -> EssocRequest | None:
        """The request a second examen cites, by id or by its number (the manual's "numéro de dossier")."""
        ref = (filing.previous_request or "").strip()
        if not ref:
            return None
        stream = ref
        if ref.isdigit():
            doc = await tx.db[VIEW].find_one({"number": int(ref)}, {"_id": 1}, session=tx.session)
            if doc is None:
                return None
            stream = str(doc["_id"])
        history = await tx.read_stream(stream)
        return rebuild(history) if history else None

    async def _next_number(self, tx: Transaction) -> int:
        # Incremented inside the filing transaction: a refused filing gives its number back, and two
        # concurrent filings conflict on this document (one is retried) instead of sharing a number.
        counter = await tx.db[COUNTERS].find_one_and_update(
            {"_id": NUMBER_COUNTER},
            {"$inc": {"value": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=tx.session,
        )
        assert counter is not None
        return self.first_number - 1 + int(counter["value"])

    # ---- agent commands ------------------------------------------------------------------------

    async def take_charge(self, who: Principal, request_id: str, unit: str | None) -> None:
        await self._execute(who, request_id, "examiner", lambda r: r.take_charge(agent_id=who.id, unit=unit))

    async def decide_admissibility(
        self, who: Principal, request_id: str, decision: str, grounds: str | None, ground_code: str | None
    ) -> None:
        def decide(request: EssocRequest) -> Sequence[BaseModel]:
            code, text = ground_code, grounds
            # A droit au contrôle's ground may be given by its code in `grounds` (CRPA L.124-1 list).
            if (
                request.nature == "droit_au_controle"
                and code is None
                and text is not None
                and self.referentials.refusal_ground(text.strip()) is not None
            ):
                code, text = text.strip(), None
            return request.decide_admissibility(
                decision=decision, grounds=text, ground_code=code, referentials=self.referentials
            )

        await self._execute(who, request_id, "examiner", decide)

    async def ask_question(self, who: Principal, request_id: str, text: str) -> str:
        question_id = new_id("q")
        await self._execute(
            who, request_id, "examiner", lambda r: r.ask_question(question_id=question_id, text=text, agent_id=who.id)
        )
        return question_id

    async def close(
        self,
        who: Principal,
        request_id: str,
        response: str,
        attachment_ids: Sequence[str],
        uploads: Sequence[Upload] = (),
    ) -> list[str]:
        """Closes with the answer; files sent with it become attachments in the same transaction."""
        staged = await self._stage(who, request_id, "examiner", uploads)

        def decide(request: EssocRequest) -> Sequence[BaseModel]:
            events: list[BaseModel] = []
            for attachment_id, upload, size_and_hash in staged:
                added = self._attachment(request, who, "agent", attachment_id, upload.filename, size_and_hash)
                for event in added:
                    request.apply(event, self.clock())
                events.extend(added)
            closing = [*attachment_ids, *(a for a, _, _ in staged)]
            return [*events, *request.close(response=response, attachment_ids=closing)]

        await self._with_staged(staged, self._execute(who, request_id, "examiner", decide))
        return [a for a, _, _ in staged]

    # ---- requester commands --------------------------------------------------------------------

    async def answer_question(self, who: Principal, request_id: str, question_id: str, text: str) -> None:
        who.require("requester")
        await self._execute(
            who,
            request_id,
            "viewer",
            lambda r: r.answer_question(question_id=question_id, text=text, requester_id=who.id, now=self.clock()),
        )

    async def add_complement(self, who: Principal, request_id: str, text: str) -> str:
        who.require("requester")
        complement_id = new_id("c")
        await self._execute(
            who,
            request_id,
            "viewer",
            lambda r: r.add_complement(complement_id=complement_id, text=text, requester_id=who.id, now=self.clock()),
        )
        return complement_id

    # ---- attachments ---------------------------------------------------------------------------

    async def add_attachment(self, who: Principal, request_id: str, upload: Upload) -> str:
        role, acting = self._uploader(who)
        [(attachment_id, _, size_and_hash)] = staged = await self._stage(who, request_id, acting, [upload])
        await self._with_staged(
            staged,
            self._execute(
                who,
                request_id,
                acting,
                lambda r: self._attachment(r, who, role, attachment_id, upload.filename, size_and_hash),
            ),
        )
        return attachment_id

    async def remove_attachment(self, who: Principal, request_id: str, attachment_id: str) -> None:
        _, acting = self._uploader(who)
        await self._execute(
            who, request_id, acting, lambda r: r.remove_attachment(attachment_id=attachment_id, removed_by=who.id)
        )

    @staticmethod
    def _uploader(who: Principal) -> tuple[Literal["requester", "agent"], Acting]:
        """The requester adds to their own request; agents and admins act as the examining service."""
        who.require("requester", "agent", "admin")
        return ("requester", "viewer") if who.role == "requester" else ("agent", "examiner")

    def _attachment(
        self,
        request: EssocRequest,
        who: Principal,
        role: Literal["requester", "agent"],
        attachment_id: str,
        filename: str,
        size_and_hash: Digest,
    ) -> list[Any]:
        return request.add_attachment(
            attachment_id=attachment_id,
            filename=filename,
            size=size_and_hash.size,
            sha256=size_and_hash.sha256,
            blob_id=attachment_id,
            added_by=who.id,
            role=role,
            max_size=self.max_attachment_bytes,
        )

    async def _stage(
        self, who: Principal, request_id: str, acting: Acting, uploads: Sequence[Upload]
    ) -> list[tuple[str, Upload, Digest]]:
        """Checks each file against the request as it stands, then stores the accepted ones.

        Nothing is stored unless every file passes: a refused upload leaves no trace.
        """
        if not uploads:
            return []
        loaded = await self._load(request_id)
        self._authorize(who, loaded, acting)
        role, _ = self._uploader(who)
        staged = [(new_id("pj"), upload, digest(upload.stream)) for upload in uploads]
        for attachment_id, upload, size_and_hash in staged:
            self._attachment(loaded.request, who, role, attachment_id, upload.filename, size_and_hash)
        stored: list[str] = []
        try:
            for attachment_id, upload, size_and_hash in staged:
                await self.blobs.put(
                    attachment_id, upload.filename, upload.stream, request_id=request_id, sha256=size_and_hash.sha256
                )
                stored.append(attachment_id)
        except BaseException:
            for attachment_id in stored:
                await self.blobs.delete(attachment_id)
            raise
        return staged

    async def _with_staged(self, staged: list[tuple[str, Upload, Digest]], command: Any) -> None:
        try:
            await command
        except BaseException:
            for attachment_id, _, _ in staged:
                await self.blobs.delete(attachment_id)
            raise

    # ---- the clock -----------------------------------------------------------------------------

    async def notify_deadlines(self, now: datetime | None = None) -> int:
        """Appends the DeadlineReached due at `now`; returns how many. Safe to run again or concurrently:
        the aggregate emits each notice once per deadline, a concurrent writer gets a conflict."""
        now = now or self.clock()
        due = [
            str(d["_id"])
            async for d in self.uow.store.db[VIEW].find(
                {"state": {"$in": list(OPEN_STATES)}, "next_notice_at": {"$lte": now}}, {"_id": 1}
            )
        ]
        appended = 0

        async def work(tx: Transaction, *, request_id: str) -> int:
            history = await tx.read_stream(request_id)
            request = rebuild(history)
            events = request.deadline_notices_due(now)
            await tx.append(request_id, request.version, self._wrap(events, history[0].territory, SYSTEM), self._meta())
            return len(events)

        for request_id in due:
            try:
                appended += await self.uow.run(functools.partial(work, request_id=request_id))
            except ConcurrencyError:
                continue  # another instance (or a command) moved the request on; the next pass decides again
        return appended

    # ---- plumbing ------------------------------------------------------------------------------

    async def _load(self, request_id: str, tx: Transaction | None = None) -> Loaded:
        history = await (tx.read_stream(request_id) if tx else self.uow.store.read_stream(request_id))
        if not history:
            raise NotFound(f"La demande {request_id} est introuvable.", field="id")
        return Loaded(rebuild(history), history[0].territory)

    def _authorize(self, who: Principal, loaded: Loaded, acting: Acting) -> None:
        request = loaded.request
        directorate = self.referentials.directorate(request.directorate)
        label = directorate.label if directorate else request.directorate
        if acting == "examiner":
            access.require_examiner(
                who, territory=loaded.territory, directorate=request.directorate, number=request.number, label=label
            )
            return
        if not access.may_see(
            who, requester_id=request.requester.id, territory=loaded.territory, directorate=request.directorate
        ):
            raise Forbidden(f"Vous n'avez pas accès à la demande n° {request.number}.", field="id")

    async def _execute(self, who: Principal, request_id: str, acting: Acting, decide: Decide) -> None:
        async def work(tx: Transaction) -> None:
            loaded = await self._load(request_id, tx)
            self._authorize(who, loaded, acting)
            version = loaded.request.version
            events = decide(loaded.request)
            await tx.append(request_id, version, self._wrap(events, loaded.territory, who.actor), self._meta())

        await self.uow.run(work)

    def _wrap(self, events: Sequence[BaseModel], territory: str, actor: Actor) -> list[NewEvent]:
        return [NewEvent(e, territory=territory, actor=actor) for e in events]

    def _meta(self) -> Metadata:
        return Metadata(correlation_id=correlation_id.get() or str(uuid.uuid4()))

"""The draft of a request (« Nouvelle demande », decision record 0026): the requester's own stream, saved at each
step, each step checked for what it can be when saved, deciding by returning new events. A draft may still miss
answers (« Retour » saves what was typed): `submit_request` refuses it until none is missing, at « Créer la
demande ». Its state and fold are `record`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import cast

from contracts.errors import Conflict, DomainError, NotFound
from contracts.events.essoc import (
    DraftCharacteristicsSet,
    DraftDescriptionSet,
    DraftDiscarded,
    DraftExpired,
    DraftFieldsSet,
    DraftFileAdded,
    DraftFileRemoved,
    DraftRequesterSet,
    DraftStarted,
    DraftSubmitted,
    FieldOfApplication,
    Nature,
    Requester,
)
from essoc.domain import deadlines
from essoc.domain.attachments import DEFAULT_MAX_SIZE, check_upload
from essoc.domain.draft.record import DraftEvent, DraftFile, DraftRecord, DraftState, unknown_draft
from essoc.domain.draft_retention import drafts_untouched_for_90_days_are_deleted
from essoc.domain.filing import (
    NATURE_FORMS,
    SECOND_EXAMEN_FIELDS,
    check_addressee,
    check_company,
    check_contested_rescrit,
    check_fields,
)
from essoc.domain.identity import check_siren
from essoc.domain.referentials import Referentials
from essoc.domain.request import EssocRequest, company_siren

__all__ = ["DRAFT_MAX_FILES", "DraftEvent", "DraftFile", "DraftState", "RequestDraft", "start_draft", "unknown_draft"]

DRAFT_MAX_FILES = 5
"""Files a draft keeps, at most: the form's « jusqu'à 5 » (more are added from the request's detail once filed)."""


def start_draft(*, draft_id: str, requester: Requester, now: datetime) -> list[DraftStarted]:
    """The requester saves the first step: their draft starts (its step follows in the same append)."""
    if not requester.email.strip():
        raise DomainError("Votre compte ne comporte pas d'adresse électronique.", field="email")
    return [DraftStarted(draft_id=draft_id, requester=requester, at=now)]


class RequestDraft(DraftRecord):
    # ---- decisions of the requester, one per step -------------------------------------------------

    def set_requester(
        self,
        *,
        requester_type: str,
        siret: str | None,
        represented_siren: str | None,
        company_name: str | None,
        by: str,
        now: datetime,
    ) -> list[DraftRequesterSet]:
        """« Demandeur »: the company must be one the directory knows (the raison sociale is the directory's)."""
        self.require_open_by(by)
        step = replace(self.filing(), requester_type=requester_type, siret=siret)
        kind, siret, company_name = check_company(step, company_name)
        represented = check_siren(represented_siren) if represented_siren else None
        return [
            DraftRequesterSet(
                requester_type=kind, siret=siret, company_name=company_name, represented_siren=represented, at=now
            )
        ]

    def set_characteristics(
        self,
        *,
        nature: str,
        category: str,
        sub_category: str | None,
        previous_request: str | None,
        contested_rescrit_date: date | None,
        contested_rescrit_reference: str | None,
        previous: EssocRequest | None,
        referentials: Referentials,
        by: str,
        now: datetime,
    ) -> list[DraftCharacteristicsSet]:
        """« Caractéristiques » (nature, category, sub-category, the contested rescrit of a second examen): each
        value given is checked as the filing checks it, the directorate addressed included; a value still missing
        is kept missing. Whether this deployment serves the directorate is the handler's (`access`)."""
        self.require_open_by(by)
        filing = replace(
            self.filing(),
            nature=nature,
            category=category,
            sub_category=sub_category or None,
            previous_request=previous_request or None,
            contested_rescrit_date=contested_rescrit_date,
            contested_rescrit_reference=contested_rescrit_reference or None,
        )
        if not nature:
            given = [n for n in ("category", "sub_category", *SECOND_EXAMEN_FIELDS) if getattr(filing, n)]
            if given:
                raise DomainError(
                    "Choisissez d'abord la nature de la demande : les catégories en dépendent.", field="nature"
                )
            return [DraftCharacteristicsSet(at=now)]
        label = referentials.nature(nature)
        if label is None or nature not in NATURE_FORMS:
            raise DomainError(f"Nature de demande inconnue « {nature} ».", field="nature")
        addressee = filing.category if nature == "droit_au_controle" else filing.sub_category
        if nature != "droit_au_controle" and filing.sub_category and not filing.category:
            raise DomainError("Choisissez la catégorie de la demande.", field="category")
        directorate = None
        if addressee or (nature == "droit_au_controle" and filing.sub_category):
            directorate = check_addressee(filing, referentials)
        elif filing.category and referentials.category(nature, filing.category) is None:
            raise DomainError(f"Catégorie inconnue « {filing.category} » pour un {label.label}.", field="category")
        siren = company_siren(self.siret, self.represented_siren)
        today = deadlines.local_time(now, directorate.territory if directorate else None).date()
        contested = check_contested_rescrit(filing, self.requester, siren, previous, today, now, partial=True)
        return [
            DraftCharacteristicsSet(
                nature=cast(Nature, nature),
                category=filing.category or None,
                sub_category=filing.sub_category or None,
                directorate=directorate.code if directorate else None,
                previous_request=contested.request_id,
                previous_request_number=contested.number,
                contested_rescrit_date=contested.date,
                contested_rescrit_reference=contested.reference,
                at=now,
            )
        ]

    def set_fields(
        self, *, fields: Sequence[FieldOfApplication], referentials: Referentials, by: str, now: datetime
    ) -> list[DraftFieldsSet]:
        """« Champs d'application »: known domains and sub-domains, none twice, one only for a droit au contrôle."""
        self.require_open_by(by)
        if fields and not self.nature:
            raise DomainError(
                "Choisissez d'abord la nature de la demande (étape « Caractéristiques »).", field="nature"
            )
        chosen = check_fields(replace(self.filing(), fields=list(fields)), referentials) if fields else []
        return [DraftFieldsSet(fields=chosen, at=now)]

    def set_description(self, *, subject: str, description: str, by: str, now: datetime) -> list[DraftDescriptionSet]:
        """« Demande »: the subject and the description as typed (surrounding blanks aside); either may be empty
        until « Créer la demande »."""
        self.require_open_by(by)
        return [DraftDescriptionSet(subject=subject.strip(), description=description.strip(), at=now)]

    def add_file(
        self,
        *,
        attachment_id: str,
        filename: str,
        size: int,
        sha256: str,
        blob_id: str,
        by: str,
        now: datetime,
        max_size: int = DEFAULT_MAX_SIZE,
    ) -> list[DraftFileAdded]:
        """« Pièces jointes »: an allowed extension, under the size cap, at most `DRAFT_MAX_FILES` files."""
        self.require_open_by(by)
        if attachment_id in self.files:
            raise Conflict(f"La pièce jointe {attachment_id} existe déjà.", field="attachment_id")
        upload = check_upload(filename, size, max_size)
        if len(self.files) >= DRAFT_MAX_FILES:
            raise DomainError(
                f"Une nouvelle demande compte {DRAFT_MAX_FILES} pièces jointes au plus : retirez-en une pour en "
                "joindre une autre, ou ajoutez-la depuis le détail de la demande une fois celle-ci créée.",
                field="file",
                code="trop-de-pieces-jointes",
                extra={"max_files": DRAFT_MAX_FILES},
            )
        return [
            DraftFileAdded(
                attachment_id=attachment_id,
                filename=upload.filename,
                content_type=upload.content_type,
                size=size,
                sha256=sha256,
                blob_id=blob_id,
                at=now,
            )
        ]

    def remove_file(self, *, attachment_id: str, by: str, now: datetime) -> list[DraftFileRemoved]:
        self.require_open_by(by)
        if attachment_id not in self.files:
            raise NotFound(f"La pièce jointe {attachment_id} est introuvable.", field="attachment_id")
        return [DraftFileRemoved(attachment_id=attachment_id, at=now)]

    # ---- its end -------------------------------------------------------------------------------

    def discard(self, *, by: str, now: datetime) -> list[DraftDiscarded]:
        """« Annuler », confirmed: the draft is closed; its files are deleted by the caller once committed."""
        self.require_open_by(by)
        return [DraftDiscarded(at=now)]

    def expire(self, *, now: datetime) -> list[DraftExpired]:
        """Drafts untouched for 90 days are deleted: the event when due, nothing otherwise (or when closed)."""
        if self.state is not DraftState.OPEN or not drafts_untouched_for_90_days_are_deleted(self.changed_at, now):
            return []
        return [DraftExpired(untouched_since=self.changed_at, at=now)]

    def submitted_as(self, *, request_id: str, number: int, by: str, now: datetime) -> list[DraftSubmitted]:
        """« Créer la demande »: the draft is closed, naming the request it became."""
        self.require_open_by(by)
        return [DraftSubmitted(request_id=request_id, number=number, at=now)]

    def blob_ids(self) -> list[str]:
        return [f.blob_id for f in self.files.values()]

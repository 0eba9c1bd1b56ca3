"""The exchanges on a request: the requester's answers to the service's questions and complements (which leave
the answer deadline where admissibility set it: `deadlines.answer_deadline_from_admissibility`), and the
attachments the requester or an agent adds or deletes. Each returns the new events, never mutates."""

from __future__ import annotations

from typing import Literal

from contracts.errors import Conflict, Forbidden, NotFound
from contracts.events.essoc import AttachmentAdded, AttachmentRemoved, ComplementAdded, QuestionAnswered
from essoc.domain.attachments import DEFAULT_MAX_SIZE, check_upload
from essoc.domain.request.record import RequestRecord, required_text


class ExchangeDecisions(RequestRecord):
    # ---- requester commands --------------------------------------------------------------------

    def answer_question(self, *, question_id: str, text: str, requester_id: str) -> list[QuestionAnswered]:
        self._require_owner(requester_id, "répondre aux questions")
        question = self.questions.get(question_id)
        if question is None:
            raise NotFound(f"La question {question_id} est introuvable.", field="question_id")
        self._require_open("elle ne reçoit plus de réponse")
        if question.answer is not None:
            raise Conflict("Cette question a déjà reçu une réponse.", field="question_id")
        return [
            QuestionAnswered(
                question_id=question_id,
                question_text=question.text,
                text=required_text(text, "text", "La réponse"),
                notice=self.notice,
            )
        ]

    def add_complement(self, *, complement_id: str, text: str, requester_id: str) -> list[ComplementAdded]:
        self._require_owner(requester_id, "compléter la demande")
        self._require_open("elle ne peut plus être complétée")
        if complement_id in self.complement_ids:
            raise Conflict(f"Le complément {complement_id} existe déjà.", field="complement_id")
        return [ComplementAdded(complement_id=complement_id, text=required_text(text, "text", "Le complément"))]

    # ---- attachments (requester or agent) ------------------------------------------------------

    def add_attachment(
        self,
        *,
        attachment_id: str,
        filename: str,
        size: int,
        sha256: str,
        blob_id: str,
        added_by: str,
        role: Literal["requester", "agent"],
        max_size: int = DEFAULT_MAX_SIZE,
    ) -> list[AttachmentAdded]:
        if role == "requester":
            self._require_owner(added_by, "joindre des pièces")
        self._require_open("elle ne reçoit plus de pièce jointe")
        if attachment_id in self.attachments:
            raise Conflict(f"La pièce jointe {attachment_id} existe déjà.", field="attachment_id")
        upload = check_upload(filename, size, max_size)
        return [
            AttachmentAdded(
                attachment_id=attachment_id,
                filename=upload.filename,
                content_type=upload.content_type,
                size=size,
                sha256=sha256,
                blob_id=blob_id,
                added_by=added_by,
                added_by_role=role,
            )
        ]

    def remove_attachment(self, *, attachment_id: str, removed_by: str) -> list[AttachmentRemoved]:
        """Anyone may delete only the attachments they added themselves (manual §5.1)."""
        attachment = self.attachments.get(attachment_id)
        if attachment is None:
            raise NotFound(f"La pièce jointe {attachment_id} est introuvable.", field="attachment_id")
        if attachment.added_by != removed_by:
            raise Forbidden(
                "Vous ne pouvez supprimer que les pièces jointes que vous avez ajoutées.",
                field="attachment_id",
            )
        self._require_open("ses pièces jointes ne peuvent plus être supprimées")
        return [AttachmentRemoved(attachment_id=attachment_id)]

"""The ESSOC request aggregate: folded from its events, it decides each command by returning new events.

Commands never mutate; the caller appends the returned events, then folds them with `apply`. The state and its
fold are `record`; the agents' decisions `instruction`; the answers, complements and attachments `exchanges`.
"""

from __future__ import annotations

from essoc.domain.request.exchanges import ExchangeDecisions
from essoc.domain.request.instruction import InstructionDecisions
from essoc.domain.request.record import Attachment, Dated, EssocEvent, Question, company_siren

__all__ = ["Attachment", "Dated", "EssocEvent", "EssocRequest", "Question", "company_siren"]


class EssocRequest(InstructionDecisions, ExchangeDecisions):
    """A request for a rescrit, a second examen or a droit au contrôle: its record, and the decisions of the
    instruction and of the exchanges on it."""

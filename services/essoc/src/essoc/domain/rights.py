"""A person's request about their personal data (RGPD art. 15 to 17, decision record 0030): a rectification the
DPO grants or refuses with a reason, or an erasure decided record type by record type from the retention
parameters; answered within one month of receipt, extended by two months at most with a reason (art. 12.3).

The aggregate is folded from its events and decides by returning new ones."""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, assert_never

from pydantic import BaseModel

from contracts.errors import Conflict, DomainError, NotFound
from contracts.events.rights import (
    ErasureDecided,
    ErasureOutcome,
    HeldRecord,
    RectificationDecided,
    RightsDeadlineExtended,
    RightsNotice,
    RightsRequested,
    RightsRequester,
)
from contracts.recorded import Recorded

RIGHTS_NUMBER = re.compile(r"^DR-[0-9]{4}-[0-9]{6}$")
MAX_TEXT = 2000
MAX_RECORDS = 500


def rights_number(year: int, sequence: int) -> str:
    return f"DR-{year}-{sequence:06d}"


def unknown_rights_request() -> NotFound:
    return NotFound("Cette demande sur vos données n'existe pas.", field="number")


def _add_months(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def answer_deadline_rgpd_art_12_3(received_at: datetime) -> datetime:
    """The controller answers « dans les meilleurs délais et en tout état de cause dans un délai d'un mois à compter
    de la réception de la demande » (RGPD art. 12.3): one calendar month from receipt (31 January → end of
    February)."""
    return _add_months(received_at, 1)


def extended_deadline_rgpd_art_12_3(received_at: datetime, months: int) -> datetime:
    """« Au besoin, ce délai peut être prolongé de deux mois » (RGPD art. 12.3): one or two more months."""
    if months not in (1, 2):
        raise DomainError("La prolongation est d'un ou de deux mois (RGPD, art. 12, § 3).", field="months")
    return _add_months(received_at, 1 + months)


@dataclass(frozen=True)
class KeepingObligation:
    """A legal obligation that keeps a record type's data until its end of retention, and its text."""

    reason: str
    source: str


KEEPING_OBLIGATIONS: dict[str, KeepingObligation] = {
    "declaration": KeepingObligation(
        "Une déclaration d'octroi de mer et ses paiements sont conservés pendant le délai de reprise de "
        "l'administration.",
        "Code des douanes, art. 354 (droit de reprise : 3 ans) ; loi n° 2004-639",
    ),
    "essoc_request_closed": KeepingObligation(
        "Une demande ESSOC, ses échanges et la réponse de l'administration sont conservés pendant le délai de "
        "reprise, car la réponse engage l'administration.",
        "Code des douanes, art. 345 bis et 354 ; durée à confirmer par le DPO",
    ),
    "mandate_revoked": KeepingObligation(
        "Un mandat de prélèvement est conservé pendant le délai de contestation d'un prélèvement.",
        "Code monétaire et financier, art. L. 133-24 (13 mois)",
    ),
}
"""record type → what keeps it. A record type absent from here is kept by no legal obligation: erased on request."""

ERASED_HOW: dict[str, str] = {
    "essoc_draft": "Aucune obligation légale ne conserve un brouillon : il est supprimé.",
    "notifier_mail": "Aucune obligation légale ne conserve la copie d'un courriel envoyé : elle est supprimée.",
    "assistance_ticket": "Aucune obligation légale ne conserve une demande d'assistance : vos données sont "
    "inscrites à effacer.",
}
ERASED_OTHERWISE = "Aucune obligation légale ne conserve ces données : elles sont inscrites à effacer."


def erasure_outcome(record: HeldRecord) -> ErasureOutcome:
    """Granted where no legal obligation keeps the record; else refused until its end of retention, with the text."""
    kept = KEEPING_OBLIGATIONS.get(record.record_type)
    if kept is None:
        reason = ERASED_HOW.get(record.record_type, ERASED_OTHERWISE)
        return ErasureOutcome(record=record, outcome="accordee", reason=reason)
    return ErasureOutcome(
        record=record, outcome="refusee", reason=kept.reason, kept_until=record.retention_ends_at, source=kept.source
    )


def _text(value: str | None, field_name: str, label: str) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(f"Indiquez {label}.", field=field_name)
    if len(text) > MAX_TEXT:
        raise DomainError(f"{label[0].upper()}{label[1:]} : {MAX_TEXT} caractères au plus.", field=field_name)
    return text


def _reachable(requester: RightsRequester) -> RightsRequester:
    """The answer is mailed: a person whose account holds no address is told so (and writes to the DPO)."""
    if not requester.email.strip():
        raise DomainError(
            "Votre compte ne comporte pas d'adresse électronique : écrivez au délégué à la protection des données.",
            field="email",
        )
    return requester


def request_rectification(
    *,
    request_id: str,
    number: str,
    requester: RightsRequester,
    data_concerned: str | None,
    what_is_wrong: str | None,
    right_value: str | None,
    now: datetime,
) -> list[BaseModel]:
    """« Demander une rectification »: which data, what is wrong, the right value; all three are needed."""
    return [
        RightsRequested(
            request_id=request_id,
            number=number,
            kind="rectification",
            requester=_reachable(requester),
            data_concerned=_text(data_concerned, "data_concerned", "les données à rectifier"),
            what_is_wrong=_text(what_is_wrong, "what_is_wrong", "ce qui est inexact"),
            right_value=_text(right_value, "right_value", "la valeur exacte"),
            received_at=now,
            due_at=answer_deadline_rgpd_art_12_3(now),
        )
    ]


def request_erasure(
    *, request_id: str, number: str, requester: RightsRequester, records: Sequence[HeldRecord], now: datetime
) -> list[BaseModel]:
    """« Demander l'effacement »: received and decided at once, record by record (`erasure_outcome`)."""
    _reachable(requester)
    if not records:
        raise DomainError("Choisissez au moins une donnée à effacer.", field="records")
    if len(records) > MAX_RECORDS:
        raise DomainError(f"{MAX_RECORDS} données au plus par demande.", field="records")
    requested = RightsRequested(
        request_id=request_id,
        number=number,
        kind="effacement",
        requester=requester,
        records=list(records),
        received_at=now,
        due_at=answer_deadline_rgpd_art_12_3(now),
    )
    notice = RightsNotice(
        number=number, kind="effacement", requester_name=requester.name, requester_email=requester.email
    )
    return [requested, ErasureDecided(outcomes=[erasure_outcome(r) for r in records], notice=notice, at=now)]


State = Literal["recue", "accordee", "refusee", "decidee"]


@dataclass
class RightsRequest:
    """A rights request as its events left it."""

    request_id: str = ""
    number: str = ""
    kind: Literal["rectification", "effacement"] = "rectification"
    requester: RightsRequester | None = None
    received_at: datetime | None = None
    due_at: datetime | None = None
    extended: bool = False
    state: State = "recue"
    reason: str = ""
    outcomes: list[ErasureOutcome] = field(default_factory=list)
    requested: RightsRequested | None = None

    @classmethod
    def from_recorded(cls, events: Sequence[Recorded[BaseModel]]) -> RightsRequest:
        request = cls()
        for recorded in events:
            request.apply(recorded.event)
        return request

    def apply(self, event: BaseModel) -> None:
        match event:
            case RightsRequested():
                self.request_id, self.number, self.kind = event.request_id, event.number, event.kind
                self.requester, self.received_at, self.due_at = event.requester, event.received_at, event.due_at
                self.requested = event
            case RightsDeadlineExtended():
                self.extended, self.due_at = True, event.due_at
            case RectificationDecided():
                self.state, self.reason = event.outcome, event.reason
            case ErasureDecided():
                self.state, self.outcomes = "decidee", list(event.outcomes)
            case _:
                assert_never(event)  # type: ignore[arg-type]

    def is_owned_by(self, person: str) -> bool:
        return self.requester is not None and self.requester.id == person

    @property
    def is_open(self) -> bool:
        return self.state == "recue"

    def _notice(self) -> RightsNotice:
        assert self.requester is not None
        return RightsNotice(
            number=self.number,
            kind=self.kind,
            requester_name=self.requester.name,
            requester_email=self.requester.email,
        )

    def decide_rectification(self, *, outcome: str, reason: str | None, by: str, now: datetime) -> list[BaseModel]:
        """The DPO's answer to a rectification: granted or refused, with the reason the person reads."""
        if self.kind != "rectification":
            raise Conflict("Une demande d'effacement est décidée à sa réception.", field="outcome")
        if not self.is_open:
            raise Conflict("Cette demande a déjà reçu sa réponse.", field="outcome")
        if outcome not in ("accordee", "refusee"):
            raise DomainError("Choisissez « Accorder » ou « Refuser ».", field="outcome")
        text = _text(reason, "reason", "le motif de la décision")
        return [
            RectificationDecided(
                outcome="accordee" if outcome == "accordee" else "refusee",
                reason=text,
                by_id=by,
                notice=self._notice(),
                at=now,
            )
        ]

    def extend(self, *, months: int, reason: str | None, by: str, now: datetime) -> list[BaseModel]:
        """Extends the deadline once, by one or two months, with the reason told to the person (art. 12.3)."""
        if not self.is_open:
            raise Conflict("Cette demande a déjà reçu sa réponse.", field="months")
        if self.extended:
            raise Conflict("Le délai de cette demande a déjà été prolongé.", field="months")
        assert self.received_at is not None
        due = extended_deadline_rgpd_art_12_3(self.received_at, months)
        text = _text(reason, "reason", "le motif de la prolongation")
        return [RightsDeadlineExtended(reason=text, due_at=due, by_id=by, notice=self._notice(), at=now)]

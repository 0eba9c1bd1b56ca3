"""A relation's télépaiement convention: the SEPA B2B mandate its producer signed, registered in the portal and
validated by the office (the manual, « Objectifs et fonctionnalités »: joining DOMINO « permet d'accéder au
paiement en ligne par carte bancaire ou au télépaiement », after the « Convention d'adhésion à DOMINO et au
télépaiement » that the office validates).

One stream per relation (`mandate-<relation>`): a new mandate waits for validation while the validated one keeps
debiting; validating it ends the previous one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from pydantic import BaseModel
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from contracts import french
from contracts.errors import Conflict, DomainError, NotFound
from contracts.events.collection import MandateRefused, MandateRegistered, MandateRevoked, MandateValidated
from contracts.recorded import Recorded

MandateEvent = MandateRegistered | MandateValidated | MandateRefused | MandateRevoked

RUM_PATTERN = re.compile(r"[A-Za-z0-9+?/:().,' -]{1,35}")
"""EPC SDD rulebooks, « Unique Mandate Reference » (AT-01): at most 35 characters of the restricted Latin set."""

HOLDER_MAX = 70  # ISO 20022 pain.008, Dbtr/Nm: Max70Text


def mandate_stream(relation_id: str) -> str:
    return f"mandate-{relation_id}"


@dataclass(frozen=True)
class MandateDetails:
    """A signed mandate as registered: what a debit presents to the bank."""

    rum: str
    iban: str
    bic: str
    holder: str
    signed_on: date

    @classmethod
    def of(cls, event: MandateRegistered) -> MandateDetails:
        return cls(event.rum, event.iban, event.bic, event.holder, event.signed_on)


def check_iban(text: str) -> str:
    """The IBAN in its electronic form, or a French refusal: the checksum, the country's format, the SEPA zone."""
    try:
        iban = IBAN(text)
    except SchwiftyException:
        raise DomainError(
            f"L'IBAN « {french.echo(text)} » n'est pas valide : vérifiez-le sur votre relevé d'identité bancaire.",
            field="iban",
        ) from None
    if not iban.in_sepa_zone:
        raise DomainError("Le prélèvement SEPA exige un compte de la zone SEPA.", field="iban")
    return str(iban.compact)


def check_bic(text: str) -> str:
    try:
        return str(BIC(text).compact)
    except SchwiftyException:
        raise DomainError(
            f"Le BIC « {french.echo(text)} » n'est pas valide (8 ou 11 caractères, par exemple BNPAFRPPXXX).",
            field="bic",
        ) from None


def check_rum(text: str) -> str:
    rum = text.strip()
    if not RUM_PATTERN.fullmatch(rum):
        raise DomainError(
            "La référence unique du mandat (RUM) compte au plus 35 caractères : lettres, chiffres, espaces et "
            "+ ? / - : ( ) . , '.",
            field="rum",
        )
    return rum


@dataclass
class Mandates:
    """The mandates of one relation, as their events left them."""

    relation_id: str
    active: MandateDetails | None = None
    pending: MandateDetails | None = None
    known: set[str] = field(default_factory=set)
    """Every RUM registered for the relation: a RUM is never reused (EPC: unique per creditor)."""

    @classmethod
    def empty(cls, relation_id: str) -> Mandates:
        return cls(relation_id)

    @classmethod
    def from_recorded(cls, events: Sequence[Recorded[BaseModel]]) -> Mandates:
        first = events[0].event
        if not isinstance(first, MandateRegistered):
            raise ValueError(f"a mandate stream starts with MandateRegistered, not {type(first).__name__}")
        mandates = cls(first.relation_id)
        for recorded in events:
            mandates.apply(recorded.event)
        return mandates

    def apply(self, event: BaseModel) -> None:
        if isinstance(event, MandateRegistered):
            self.pending = MandateDetails.of(event)
            self.known.add(event.rum)
        elif isinstance(event, MandateValidated):
            self.active, self.pending = self.pending, None
        elif isinstance(event, MandateRefused):
            self.pending = None
        elif isinstance(event, MandateRevoked):
            self.active = None
        else:
            raise ValueError(f"{type(event).__name__} is not an event of a mandate")

    # ---- decisions ----------------------------------------------------------------------------------

    def register(
        self, *, rum: str, iban: str, bic: str, holder: str, signed_on: date, today: date, registered_by: str
    ) -> list[MandateEvent]:
        """A newly signed mandate, waiting for the office; it replaces a mandate still waiting."""
        rum = check_rum(rum)
        account = check_iban(iban)
        agent = check_bic(bic)
        name = " ".join(holder.split())
        if not name or len(name) > HOLDER_MAX:
            raise DomainError(
                f"Le titulaire du compte est obligatoire ({HOLDER_MAX} caractères au plus).", field="holder"
            )
        if signed_on > today:
            raise DomainError(
                f"La date de signature ({signed_on:%d/%m/%Y}) ne peut pas être postérieure à aujourd'hui.",
                field="signed_on",
            )
        if rum in self.known:
            raise Conflict(
                f"Un mandat de référence « {rum} » est déjà enregistré pour cette relation : un nouveau mandat "
                "porte une nouvelle référence.",
                field="rum",
                code="mandat-deja-enregistre",
            )
        return [
            MandateRegistered(
                relation_id=self.relation_id,
                rum=rum,
                iban=account,
                bic=agent,
                holder=name,
                signed_on=signed_on,
                registered_by=registered_by,
            )
        ]

    def validate(self, rum: str, *, validated_by: str) -> list[MandateEvent]:
        self._pending(rum)
        return [MandateValidated(rum=rum, validated_by=validated_by)]

    def refuse(self, rum: str, *, reason: str, refused_by: str) -> list[MandateEvent]:
        self._pending(rum)
        text = " ".join(reason.split())
        if not text:
            raise DomainError("Dites au producteur pourquoi le mandat est refusé.", field="reason")
        return [MandateRefused(rum=rum, reason=text, refused_by=refused_by)]

    def revoke(self, rum: str, *, reason: str, revoked_by: str) -> list[MandateEvent]:
        if self.active is None or self.active.rum != rum:
            raise NotFound(f"Aucun mandat validé de référence « {french.echo(rum)} ».", field="rum")
        return [MandateRevoked(rum=rum, reason=" ".join(reason.split()) or "révoqué", revoked_by=revoked_by)]

    def _pending(self, rum: str) -> None:
        if self.pending is None or self.pending.rum != rum:
            raise NotFound(f"Aucun mandat en attente de référence « {french.echo(rum)} ».", field="rum")

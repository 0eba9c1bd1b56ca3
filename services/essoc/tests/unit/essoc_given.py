"""Given/when/then helpers for the ESSOC domain tests: a requester, a valid filing, past events."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from contracts.events.essoc import (
    AdmissibilityDecided,
    FieldOfApplication,
    Requester,
    RequestSubmitted,
    RequestTakenInCharge,
)
from essoc.domain.deadlines import answer_deadline_from_admissibility
from essoc.domain.filing import Filing, submit_request
from essoc.domain.referentials import default_referentials
from essoc.domain.request import EssocEvent, EssocRequest

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
REFS = default_referentials()
REQUESTER = Requester(id="u-juda", name="Bricot", first_name="Juda", email="juda.bricot@example.fr")
OTHER_USER = "u-intrus"
AGENT = "agent-lyon-1"
SIRET = "73282932000074"
COMPANY = "Rhumerie du Galion SAS"
ALCOHOL = FieldOfApplication(domain="alcools-et-boissons", sub_domain="cotisation sur les boissons alcooliques")
OCTROI = FieldOfApplication(domain="octroi-de-mer", sub_domain="octroi de mer interne")


def rescrit_filing(**changes: Any) -> Filing:
    base = Filing(
        requester_type="entreprise",
        siret=SIRET,
        nature="rescrit",
        category="toutes-autres-taxes",
        sub_category="dr-lyon",
        fields=[ALCOHOL],
        subject="Assiette de la cotisation sur les boissons alcooliques",
        description="Nos rhums arrangés relèvent-ils de la cotisation ?",
    )
    return replace(base, **changes)


def control_filing(**changes: Any) -> Filing:
    return rescrit_filing(**{"nature": "droit_au_controle", "category": "dr-roissy", "sub_category": None, **changes})


def submit(
    filing: Filing | None = None,
    *,
    company_name: str | None = COMPANY,
    previous: EssocRequest | None = None,
    now: datetime = NOW,
    request_id: str = "req-1",
    number: int = 150,
    requester_id: str | None = None,
) -> list[RequestSubmitted]:
    return submit_request(
        filing or rescrit_filing(),
        request_id=request_id,
        number=number,
        requester=REQUESTER.model_copy(update={"id": requester_id}) if requester_id else REQUESTER,
        company_name=company_name,
        previous=previous,
        referentials=REFS,
        now=now,
    )


def submitted(**kwargs: Any) -> RequestSubmitted:
    return submit(**kwargs)[0]


def given(*history: EssocEvent | tuple[EssocEvent, datetime]) -> EssocRequest:
    """The request these past events leave; an event without its instant is dated NOW."""
    recorded = [item if isinstance(item, tuple) else (item, NOW) for item in history]
    return EssocRequest.rebuild(recorded)


def taken_in_charge(start: RequestSubmitted) -> list[EssocEvent]:
    return [start, RequestTakenInCharge(agent_id=AGENT, unit=start.unit, notice=start.notice)]


def admitted(start: RequestSubmitted) -> list[EssocEvent]:
    """Filed, taken in charge and judged admissible, all at NOW: its 3 months run from NOW."""
    deadline_at = answer_deadline_from_admissibility(start.nature, NOW)
    return [*taken_in_charge(start), AdmissibilityDecided(decision="oui", notice=start.notice, deadline_at=deadline_at)]

"""The draft of « Nouvelle demande » (decision record 0026): given its past events, when a step is saved, then the
events it decides or the refusal, with its field; and the rule « drafts untouched for 90 days are deleted »."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contracts.errors import Conflict, DomainError, NotFound
from contracts.events.essoc import (
    DraftCharacteristicsSet,
    DraftDescriptionSet,
    DraftExpired,
    DraftFieldsSet,
    DraftFileAdded,
    DraftRequesterSet,
    DraftStarted,
    DraftSubmitted,
)
from essoc.domain.draft import DRAFT_MAX_FILES, DraftEvent, RequestDraft, start_draft
from essoc.domain.draft_retention import draft_expires_at, drafts_untouched_for_90_days_are_deleted
from essoc.domain.filing import submit_request

from essoc_given import ALCOHOL, COMPANY, NOW, OCTROI, OTHER_USER, REFS, REQUESTER, SIRET

LATER = NOW + timedelta(hours=2)
BY = REQUESTER.id


def given(*history: DraftEvent) -> RequestDraft:
    return RequestDraft.rebuild([*start_draft(draft_id="brouillon-1", requester=REQUESTER, now=NOW), *history])


def company(at: datetime = NOW) -> DraftRequesterSet:
    return DraftRequesterSet(requester_type="entreprise", siret=SIRET, company_name=COMPANY, at=at)


def characteristics(**changes: Any) -> dict[str, Any]:
    step: dict[str, Any] = {
        "nature": "rescrit",
        "category": "octroi-de-mer",
        "sub_category": "dr-guadeloupe",
        "previous_request": None,
        "contested_rescrit_date": None,
        "contested_rescrit_reference": None,
        "previous": None,
        "referentials": REFS,
        "by": BY,
        "now": LATER,
    }
    return step | changes


def file(n: int = 1) -> DraftFileAdded:
    return DraftFileAdded(
        attachment_id=f"pj-{n}",
        filename=f"piece-{n}.pdf",
        content_type="application/pdf",
        size=100,
        sha256="0" * 64,
        blob_id=f"pj-{n}",
        at=NOW,
    )


def test_the_first_step_starts_the_draft_under_the_requesters_identity() -> None:
    [started] = start_draft(draft_id="brouillon-1", requester=REQUESTER, now=NOW)
    assert started == DraftStarted(draft_id="brouillon-1", requester=REQUESTER, at=NOW)
    step = given().set_requester(
        requester_type="entreprise", siret="732 829 320 00074", represented_siren=None, company_name=COMPANY, by=BY,
        now=NOW,
    )  # fmt: skip
    assert step == [company()]


def test_a_siret_the_directory_does_not_know_is_refused_at_the_first_step() -> None:
    with pytest.raises(DomainError) as refused:
        given().set_requester(
            requester_type="entreprise", siret=SIRET, represented_siren=None, company_name=None, by=BY, now=NOW
        )
    assert (refused.value.field, refused.value.code) == ("siret", "siret-inconnu")


def test_the_directorate_is_checked_when_step_2_is_saved() -> None:
    draft = given(company())
    assert draft.set_characteristics(**characteristics()) == [
        DraftCharacteristicsSet(
            nature="rescrit",
            category="octroi-de-mer",
            sub_category="dr-guadeloupe",
            directorate="dr-guadeloupe",
            at=LATER,
        )
    ]
    with pytest.raises(DomainError) as refused:
        draft.set_characteristics(**characteristics(sub_category="dgddi"))
    assert (refused.value.field, refused.value.code) == ("sub_category", "direction-centrale")
    with pytest.raises(DomainError) as refused:
        draft.set_characteristics(**characteristics(nature="droit_au_controle", category="bureau-nice-port",
                                                    sub_category=None))  # fmt: skip
    assert refused.value.field == "category" and "droit au contrôle" in refused.value.detail


def test_a_step_left_incomplete_is_kept_and_named_missing() -> None:
    draft = given(company())
    [saved] = draft.set_characteristics(**characteristics(sub_category=None))
    assert (saved.category, saved.sub_category, saved.directorate) == ("octroi-de-mer", None, None)
    draft.apply(saved)
    assert draft.missing() == ["sub_category", "fields", "subject", "description"]
    with pytest.raises(DomainError) as refused:
        draft.set_characteristics(**characteristics(nature="", sub_category=None))
    assert refused.value.field == "nature"


def test_a_second_examen_states_its_rescrit_step_by_step() -> None:
    draft = given(company())
    step = characteristics(nature="second_examen", contested_rescrit_date=(NOW - timedelta(days=30)).date())
    [saved] = draft.set_characteristics(**step)
    draft.apply(saved)
    assert draft.missing()[0] == "contested_rescrit_date", "the reference is still to be given"
    with pytest.raises(DomainError) as refused:
        draft.set_characteristics(**step | {"contested_rescrit_date": (NOW - timedelta(days=90)).date()})
    assert (refused.value.field, refused.value.code) == ("contested_rescrit_date", "delai-expire")


def test_a_droit_au_controle_bears_on_one_field_only() -> None:
    draft = given(company(), DraftCharacteristicsSet(nature="droit_au_controle", category="dr-guadeloupe", at=NOW))
    assert draft.set_fields(fields=[ALCOHOL], referentials=REFS, by=BY, now=LATER) == [
        DraftFieldsSet(fields=[ALCOHOL], at=LATER)
    ]
    with pytest.raises(DomainError) as refused:
        draft.set_fields(fields=[ALCOHOL, OCTROI], referentials=REFS, by=BY, now=LATER)
    assert refused.value.field == "fields"


def test_a_sixth_file_is_refused_and_the_five_kept_stay() -> None:
    draft = given(company(), *(file(n) for n in range(1, DRAFT_MAX_FILES + 1)))
    with pytest.raises(DomainError) as refused:
        draft.add_file(attachment_id="pj-6", filename="six.pdf", size=10, sha256="1" * 64, blob_id="pj-6", by=BY,
                       now=LATER)  # fmt: skip
    assert (refused.value.field, refused.value.code) == ("file", "trop-de-pieces-jointes")
    assert len(draft.files) == DRAFT_MAX_FILES


def test_a_file_of_another_extension_is_refused_with_the_allowed_ones() -> None:
    with pytest.raises(DomainError) as refused:
        given().add_file(attachment_id="pj-1", filename="setup.exe", size=10, sha256="1" * 64, blob_id="pj-1", by=BY,
                         now=LATER)  # fmt: skip
    assert refused.value.code == "extension-interdite" and "pdf" in refused.value.detail


def test_only_its_requester_knows_the_draft() -> None:
    with pytest.raises(NotFound) as refused:
        given().set_description(subject="Objet", description="", by=OTHER_USER, now=LATER)
    assert refused.value.detail == "Ce brouillon est introuvable."


def test_a_submitted_draft_takes_no_more_change_and_names_its_request() -> None:
    draft = given(company(), DraftSubmitted(request_id="req-1", number=150, at=LATER))
    assert (draft.request_id, draft.request_number) == ("req-1", 150)
    with pytest.raises(Conflict, match="demande n° 150"):
        draft.set_description(subject="Objet", description="Texte", by=BY, now=LATER)


def test_a_complete_draft_files_the_request_the_filing_would() -> None:
    draft = given(
        DraftRequesterSet(requester_type="entreprise", siret=SIRET, company_name=COMPANY, at=NOW),
        DraftCharacteristicsSet(nature="rescrit", category="octroi-de-mer", sub_category="dr-guadeloupe",
                                directorate="dr-guadeloupe", at=NOW),
        DraftFieldsSet(fields=[OCTROI], at=NOW),
        DraftDescriptionSet(subject="Taux du rhum vieux", description="Quel taux ?", at=NOW),
    )  # fmt: skip
    assert draft.missing() == []
    [submitted] = submit_request(
        draft.filing(), request_id="req-1", number=150, requester=REQUESTER, company_name=COMPANY, previous=None,
        referentials=REFS, now=LATER,
    )  # fmt: skip
    assert (submitted.directorate, submitted.fields, submitted.subject) == (
        "dr-guadeloupe",
        [OCTROI],
        "Taux du rhum vieux",
    )


# ---- drafts untouched for 90 days are deleted (RGPD art. 5 §1 e); 90 days: issue 23) ------------------------


@pytest.mark.parametrize(
    ("changed_at", "deleted_at"),
    [
        (datetime(2026, 3, 10, 9, 0, tzinfo=UTC), datetime(2026, 6, 8, 9, 0, tzinfo=UTC)),
        # across the end of a 31-day month and of February
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), datetime(2027, 3, 31, 23, 30, tzinfo=UTC)),
        (datetime(2026, 11, 30, 12, 0, tzinfo=UTC), datetime(2027, 2, 28, 12, 0, tzinfo=UTC)),
        # a leap year: 29 February is a day like the others, and may be the day
        (datetime(2027, 12, 1, 10, 0, tzinfo=UTC), datetime(2028, 2, 29, 10, 0, tzinfo=UTC)),
        (datetime(2028, 2, 29, 8, 0, tzinfo=UTC), datetime(2028, 5, 29, 8, 0, tzinfo=UTC)),
    ],
)
def test_drafts_untouched_for_90_days_are_deleted(changed_at: datetime, deleted_at: datetime) -> None:
    assert draft_expires_at(changed_at) == deleted_at
    assert not drafts_untouched_for_90_days_are_deleted(changed_at, deleted_at - timedelta(milliseconds=1))
    assert drafts_untouched_for_90_days_are_deleted(changed_at, deleted_at)
    draft = given(company(at=changed_at))
    assert draft.expire(now=deleted_at - timedelta(milliseconds=1)) == []
    assert draft.expire(now=deleted_at) == [DraftExpired(untouched_since=changed_at, at=deleted_at)]


def test_a_change_starts_the_90_days_again_and_an_expired_draft_expires_once() -> None:
    changed = NOW + timedelta(days=60)
    draft = given(company(), DraftDescriptionSet(subject="Objet", description="", at=changed))
    assert draft.expire(now=NOW + timedelta(days=90)) == []
    assert draft.expires_at == changed + timedelta(days=90)
    draft.apply(DraftExpired(untouched_since=changed, at=draft.expires_at))
    assert draft.expire(now=draft.expires_at + timedelta(days=1)) == []
    with pytest.raises(Conflict, match="supprimé"):
        draft.set_description(subject="Objet", description="", by=BY, now=LATER)

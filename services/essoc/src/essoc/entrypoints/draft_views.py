"""How a draft is shown over HTTP: a row of « Brouillons » (from the drafts read model) and the whole draft (from
its stream), with the labels of the referentials and the date it will be deleted if left untouched."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from essoc.application.projections import utc
from essoc.domain.draft import DRAFT_MAX_FILES, RequestDraft
from essoc.domain.draft_retention import DRAFT_RETENTION_DAYS
from essoc.domain.referentials import Referentials

Doc = dict[str, Any]
API = "/api/v1"


def _iso(value: datetime) -> str:
    return utc(value).isoformat()


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def row(doc: Doc) -> Doc:
    """One draft in « Brouillons »: what it is so far, its last change, when it will be deleted, what it misses."""
    return {
        "id": doc["_id"],
        "type": doc.get("type_label"),
        "subject": doc.get("subject") or "",
        "started_at": _iso(doc["started_at"]),
        "changed_at": _iso(doc["changed_at"]),
        "expires_at": _iso(doc["expires_at"]),
        "files": len(doc["files"]),
        "missing": doc["missing"],
        "territory": doc.get("directorate_territory") or doc["territory"],
        "url": f"{API}/drafts/{doc['_id']}",
    }


def detail(draft: RequestDraft, refs: Referentials, territory: str) -> Doc:
    """Everything typed so far, step by step, and every file kept; `territory`: the stream's, for the dates of a
    draft that names no directorate yet."""
    directorate = refs.directorate(draft.directorate) if draft.directorate else None
    nature = refs.nature(draft.nature) if draft.nature else None
    category = refs.category(draft.nature, draft.category) if draft.category else None
    sub_category = refs.directorate(draft.sub_category) if draft.sub_category else None
    return {
        "id": draft.id,
        "state": draft.state.value,
        "request_id": draft.request_id,
        "request_number": draft.request_number,
        "version": draft.version,
        "started_at": _iso(draft.started_at),
        "changed_at": _iso(draft.changed_at),
        "expires_at": _iso(draft.expires_at),
        "retention_days": DRAFT_RETENTION_DAYS,
        "territory": (directorate.territory if directorate else None) or territory,
        "requester": {
            "name": draft.requester.name,
            "first_name": draft.requester.first_name,
            "email": draft.requester.email,
            "requester_type": draft.requester_type or None,
            "siret": draft.siret,
            "company_name": draft.company_name,
            "represented_siren": draft.represented_siren,
        },
        "characteristics": {
            "nature": draft.nature or None,
            "nature_label": nature.label if nature else None,
            "category": draft.category or None,
            "category_label": category.label if category else None,
            "sub_category": draft.sub_category,
            "sub_category_label": sub_category.label if sub_category else None,
            "directorate": draft.directorate,
            "directorate_label": directorate.label if directorate else None,
            "previous_request": draft.previous_request,
            "previous_request_number": draft.previous_request_number,
            "contested_rescrit_date": _day(draft.contested_rescrit_date),
            "contested_rescrit_reference": draft.contested_rescrit_reference,
        },
        "fields": [
            {
                "domain": f.domain,
                "domain_label": domain.label if (domain := refs.field_domain(f.domain)) else f.domain,
                "sub_domain": f.sub_domain,
            }
            for f in draft.fields
        ],
        "subject": draft.subject,
        "description": draft.description,
        "files": [
            {
                "attachment_id": f.attachment_id,
                "filename": f.filename,
                "content_type": f.content_type,
                "size": f.size,
                "sha256": f.sha256,
            }
            for f in draft.files.values()
        ],
        "max_files": DRAFT_MAX_FILES,
        "missing": draft.missing(),
    }

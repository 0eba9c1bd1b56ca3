"""The authorization matrix: every route of every service, as every kind of caller who does not own the
resource, with the answer each must get, written once. A route without a row fails the test.

The resources belong to a victim: a declaration of relation rel-974-0001 and a request filed in
Guadeloupe (dr-guadeloupe). No caller gets a 5xx, no caller gets a 2xx where a refusal is due, and no
refusal tells anything of the victim's resources.
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from chassis.repository import Repository
from chassis.unit_of_work import Transaction
from contracts.events.notifier import NotificationSent
from notifier.application.sender import Delivery, stream_of

from security_support import ROOT, InProcess

pytestmark = pytest.mark.integration

VICTIM_RELATION = "rel-974-0001"
SECRET_SUBJECT = "Secret de fabrication du rhum"
SECRET_EMAIL = "victime@secret.example"
CALLERS: dict[str, dict[str, Any] | None] = {
    "anonymous": None,
    "declarant_other": {"sub": "d-other", "role": "declarant", "email": "o@example.org", "relations": ["rel-971-0002"]},
    "requester_other": {"sub": "r-other", "role": "requester", "name": "Autre", "email": "autre@example.org"},
    "agent_other": {"sub": "a-972", "role": "agent", "territories": ["972"], "directorates": ["dr-martinique"]},
    "auditor": {"sub": "auditeur", "role": "auditor", "territories": ["971", "974"]},
    "comptable_other": {"sub": "c-972", "role": "comptable", "territories": ["972"]},
    "admin": {"sub": "admin", "role": "admin", "territories": ["971", "972", "973", "974", "976"]},
}
ONE_ROLE_CALLERS = list(CALLERS)
SEVERAL_ROLES: dict[str, tuple[str, str]] = {
    "declarant_requester": ("declarant_other", "requester_other"),
    "requester_agent": ("requester_other", "agent_other"),
    "agent_auditor": ("agent_other", "auditor"),
}
"""One person, several roles (decision record 0027), each made of two callers above: their claims together. Each
route answers them what the role that may do the thing gets (the other role's refusal gives way), unless
`SEVERAL_ROLES_ANSWER` says otherwise."""
CALLERS |= {
    "declarant_requester": {
        "sub": "marie",
        "roles": ["declarant", "requester"],
        "name": "Payet",
        "email": "marie@example.org",
        "relations": ["rel-971-0002"],
    },
    "requester_agent": {
        "sub": "ra-972",
        "roles": ["requester", "agent"],
        "name": "Autre",
        "email": "autre@example.org",
        "territories": ["972"],
        "directorates": ["dr-martinique"],
    },
    "agent_auditor": {  # the auditor above, also an agent of DR La Réunion: its territories are both roles'
        "sub": "aa-974",
        "roles": ["agent", "auditor"],
        "territories": ["971", "974"],
        "directorates": ["dr-la-reunion"],
    },
}
VICTIM_DECLARANT = {"sub": "victim-d", "role": "declarant", "email": SECRET_EMAIL, "relations": [VICTIM_RELATION]}
VICTIM_REQUESTER = {"sub": "victim-r", "role": "requester", "name": "Victime", "given_name": "V", "email": SECRET_EMAIL}
AGENT_971 = {"sub": "a-971", "role": "agent", "territories": ["971"], "directorates": ["dr-guadeloupe"]}

TARIFF_974 = (ROOT / "deploy/territories/974/tariff.csv").read_bytes()
OK = {200, 201}
RULE = {404, 409, 410, 422}
"""Refusals by the business rules (a caller allowed to act, on a resource in a state that forbids it)."""

DENIED = {
    "anonymous": {401},
    "declarant_other": {403},
    "requester_other": {403},
    "agent_other": {403},
    "comptable_other": {403},
}
READ_VICTIM = {**DENIED, "auditor": OK, "admin": OK}
UNSEEN = {"declarant_other": {404}, "requester_other": {404}, "agent_other": {404}, "comptable_other": {404}}
"""Another person's ESSOC request answers exactly as one that does not exist (issue 24, item 5); a caller whose
profile may not do the thing at all is refused for its profile (403) whether the request exists or not."""
ACT_AS_DECLARANT = {**DENIED, "auditor": {403}, "admin": OK | RULE}
EXAMINE = {**DENIED, "auditor": {403}, "admin": OK | RULE}
REQUESTER_ONLY = {**DENIED, "auditor": {403}, "admin": {403}}
ADMIN_ONLY = {**DENIED, "auditor": {403}, "admin": OK | RULE}
ADMIN_READ = {**DENIED, "auditor": OK | {404}, "admin": OK | {404}}
ANY_SIGNED_IN = {"anonymous": {401}, **{c: OK for c in CALLERS if c != "anonymous"}}
PUBLIC = {c: OK for c in CALLERS}
AUDIT_READ = {**DENIED, "auditor": OK, "admin": OK}
"""The audit trail's reads: an auditor's and an admin's, never a command."""
FOLLOW_UP = {**DENIED, "agent_other": OK, "comptable_other": OK, "auditor": OK, "admin": OK}
"""The offices' follow-up of a quarter: each territory reader its own territories' relations."""
BOARD = {**DENIED, "agent_other": OK, "auditor": OK, "admin": OK}
"""The agents' board: each agent its own directorates' requests (none of the victim's for another's)."""

COLLECTION_READ = {**DENIED, "comptable_other": OK, "auditor": OK, "admin": OK}
"""The collection accounts a comptable keeps (each its own territories'), an auditor's and an admin's."""
NOTHING_ISSUED = {**DENIED, "comptable_other": {404}, "auditor": {404}, "admin": {404}}
"""A bank file or statement that does not exist: unknown to whoever may read files at all."""
TICKET_UNSEEN = {
    "anonymous": {401},
    **{c: {404} for c in ("declarant_other", "requester_other", "agent_other", "comptable_other", "auditor", "admin")},
}
"""Another person's assistance ticket: as one that does not exist, to anyone but an agent."""
RIGHTS_UNSEEN = {"anonymous": {401}, **{c: {403, 404, 422} for c in CALLERS if c != "anonymous"}}
"""Another person's request about their data: as one that does not exist (or refused for the profile)."""
TERRITORY_QUERY = "?territory=974"
"""The collection's lists and commands name their territory in the query."""

MATRIX: dict[tuple[str, str, str], dict[str, set[int]]] = {
    ("*", "GET", "/health/live"): PUBLIC,
    ("*", "GET", "/health/ready"): {c: {200, 503} for c in CALLERS},  # here no broker: not ready, to anyone
    ("*", "GET", "/api/v1/admin/dead-letters"): ADMIN_READ,
    ("*", "GET", "/api/v1/admin/dead-letters/{letter_id}"): ADMIN_READ,
    ("*", "POST", "/api/v1/admin/dead-letters/{letter_id}/replay"): ADMIN_ONLY,
    # the audit reads: auditors (their territories) and admins; the victim's stream is the declarations'
    ("*", "GET", "/api/v1/audit/streams/{stream_id}"): {**DENIED, "auditor": OK | {404}, "admin": OK | {404}},
    ("*", "GET", "/api/v1/audit/streams"): AUDIT_READ,
    ("*", "GET", "/api/v1/audit/trace/{correlation_id}"): AUDIT_READ,
    ("*", "GET", "/api/v1/audit/seals"): AUDIT_READ,
    ("*", "GET", "/api/v1/audit/keys"): AUDIT_READ,
    ("*", "POST", "/api/v1/audit/seals"): {**DENIED, "auditor": {403}, "admin": OK | {409}},
    # the people's rights (decision record 0030): each person's own data from every service; who read what, the
    # `dpo` role's only (none of these callers: not an auditor, not an admin)
    ("*", "GET", "/api/v1/personal-data/mine"): ANY_SIGNED_IN,
    ("*", "GET", "/api/v1/admin/reads"): {**DENIED, "auditor": {403}, "admin": {403}},
    ("declarations", "GET", "/api/v1/relations"): ANY_SIGNED_IN,
    ("declarations", "GET", "/api/v1/relations/{relation_id}/home"): READ_VICTIM,
    ("declarations", "GET", "/api/v1/offices/{code}"): ANY_SIGNED_IN,
    ("declarations", "GET", "/api/v1/naf"): PUBLIC,  # the INSEE list, public data
    ("declarations", "GET", "/api/v1/line-import/template.csv"): PUBLIC,
    ("declarations", "POST", "/api/v1/declarations/{declaration_id}/lines/import"): ACT_AS_DECLARANT,
    ("declarations", "POST", "/api/v1/declarations"): ACT_AS_DECLARANT,
    ("declarations", "GET", "/api/v1/declarations"): ANY_SIGNED_IN,  # each caller's own, filtered
    ("declarations", "GET", "/api/v1/declarations/{declaration_id}"): READ_VICTIM,
    ("declarations", "PUT", "/api/v1/declarations/{declaration_id}/declarant"): ACT_AS_DECLARANT,
    ("declarations", "POST", "/api/v1/declarations/{declaration_id}/lines"): ACT_AS_DECLARANT,
    ("declarations", "PUT", "/api/v1/declarations/{declaration_id}/lines/{line_id}"): ACT_AS_DECLARANT,
    ("declarations", "DELETE", "/api/v1/declarations/{declaration_id}/lines/{line_id}"): ACT_AS_DECLARANT,
    ("declarations", "PUT", "/api/v1/declarations/{declaration_id}/annual-turnover"): ACT_AS_DECLARANT,
    ("declarations", "PUT", "/api/v1/declarations/{declaration_id}/deductions"): ACT_AS_DECLARANT,
    ("declarations", "POST", "/api/v1/declarations/{declaration_id}/filing"): ACT_AS_DECLARANT,
    ("declarations", "POST", "/api/v1/declarations/{declaration_id}/corrections"): ACT_AS_DECLARANT,
    ("declarations", "GET", "/api/v1/declarations/{declaration_id}/history"): READ_VICTIM,
    ("declarations", "GET", "/api/v1/declarations/{declaration_id}/receipt.pdf"): READ_VICTIM,
    # the victim's declaration is a draft: a payment is refused by the rule even to those who may record one
    ("declarations", "POST", "/api/v1/declarations/{declaration_id}/payments"): {
        **DENIED,
        "auditor": {403},
        "admin": RULE,
    },
    ("declarations", "GET", "/api/v1/relations/{relation_id}/payments"): READ_VICTIM,
    # a card payment: the producer's (the victim's declaration is a draft: nothing to pay, refused by the rule);
    # PayFiP's notification has no credentials, and here no PayFiP: unknown to everyone
    ("declarations", "POST", "/api/v1/declarations/{declaration_id}/card-payments"): ACT_AS_DECLARANT,
    ("declarations", "POST", "/api/v1/payfip/notifications"): {c: {404} for c in CALLERS},
    # télépaiement: the relation's mandates (its producer registers, an agent of its territory decides)
    ("declarations", "GET", "/api/v1/relations/{relation_id}/mandates"): READ_VICTIM,
    ("declarations", "POST", "/api/v1/relations/{relation_id}/mandates"): ACT_AS_DECLARANT,
    ("declarations", "POST", "/api/v1/relations/{relation_id}/mandates/decision"): EXAMINE,
    ("declarations", "POST", "/api/v1/relations/{relation_id}/mandates/revocation"): EXAMINE,
    ("declarations", "GET", "/api/v1/mandates"): BOARD,
    # the comptable's collection: its territory's (an auditor reads; nothing exists yet: files are unknown)
    ("declarations", "GET", "/api/v1/collection/desks"): COLLECTION_READ,
    ("declarations", "GET", "/api/v1/collection/debits"): AUDIT_READ,
    ("declarations", "POST", "/api/v1/collection/files"): {**DENIED, "auditor": {403}, "admin": RULE},
    ("declarations", "GET", "/api/v1/collection/files"): AUDIT_READ,
    ("declarations", "GET", "/api/v1/collection/files/{file_id}.xml"): NOTHING_ISSUED,
    ("declarations", "GET", "/api/v1/collection/files/{file_id}"): NOTHING_ISSUED,
    ("declarations", "POST", "/api/v1/collection/statements"): {**DENIED, "auditor": {403}, "admin": RULE},
    ("declarations", "GET", "/api/v1/collection/statements"): AUDIT_READ,
    ("declarations", "GET", "/api/v1/collection/statements/{statement}"): NOTHING_ISSUED,
    ("declarations", "GET", "/api/v1/collection/waiting"): AUDIT_READ,
    ("declarations", "POST", "/api/v1/collection/statements/{statement}/match"): {
        **DENIED,
        "auditor": {403},
        "admin": RULE,
    },
    ("declarations", "GET", "/api/v1/quarters"): FOLLOW_UP,
    ("declarations", "GET", "/api/v1/quarters/{year}/{quarter}/declarations"): FOLLOW_UP,
    ("taxcalc", "GET", "/api/v1/rates"): ANY_SIGNED_IN,
    ("taxcalc", "POST", "/api/v1/tariffs"): ADMIN_ONLY,
    ("taxcalc", "GET", "/api/v1/tariffs/{territory}"): ANY_SIGNED_IN,
    # taxcalc never received the victim's declaration here (no Kafka): unknown to all, never a 2xx.
    ("taxcalc", "GET", "/api/v1/declarations/{declaration_id}/totals"): {"anonymous": {401}}
    | {c: {404} for c in CALLERS if c != "anonymous"},
    ("taxcalc", "GET", "/api/v1/ledger/{relation_id}"): {  # nothing filed yet: unknown, or not yours
        "anonymous": {401},
        "declarant_other": {403, 404},
        "requester_other": {403, 404},
        "agent_other": {403, 404},
        "comptable_other": {403, 404},
        "auditor": OK | {404},
        "admin": OK,
    },
    ("essoc", "GET", "/api/v1/referentials"): PUBLIC,
    ("essoc", "GET", "/api/v1/companies/{siret}"): ANY_SIGNED_IN,
    ("essoc", "GET", "/api/v1/documents"): ANY_SIGNED_IN,
    ("essoc", "GET", "/api/v1/documents/{document_id}"): ANY_SIGNED_IN,
    ("essoc", "POST", "/api/v1/requests"): {
        "anonymous": {401},
        "declarant_other": {403},
        "requester_other": OK,  # a requester files its own request
        "agent_other": {403},
        "comptable_other": {403},
        "auditor": {403},
        "admin": {403},
    },
    ("essoc", "GET", "/api/v1/requests"): ANY_SIGNED_IN,
    ("essoc", "GET", "/api/v1/requests/{request_id}"): {**READ_VICTIM, **UNSEEN},
    ("essoc", "GET", "/api/v1/requests/{request_id}/history"): {**READ_VICTIM, **UNSEEN},
    ("essoc", "GET", "/api/v1/requests/{request_id}/pdf"): {**READ_VICTIM, **UNSEEN},
    ("essoc", "POST", "/api/v1/requests/{request_id}/take-charge"): EXAMINE,
    ("essoc", "POST", "/api/v1/requests/{request_id}/admissibility"): EXAMINE,
    ("essoc", "POST", "/api/v1/requests/{request_id}/questions"): EXAMINE,
    ("essoc", "POST", "/api/v1/requests/{request_id}/closure"): EXAMINE,
    ("essoc", "GET", "/api/v1/instruction/requests"): BOARD,
    ("essoc", "GET", "/api/v1/requests/{request_id}/instruction"): {**READ_VICTIM, **UNSEEN},
    ("essoc", "PUT", "/api/v1/requests/{request_id}/seen"): {
        **DENIED,
        "agent_other": {404},
        "auditor": {403},
        "admin": {204},
    },
    ("essoc", "POST", "/api/v1/requests/{request_id}/assignment"): EXAMINE,
    ("essoc", "POST", "/api/v1/requests/{request_id}/notes"): EXAMINE,
    ("essoc", "POST", "/api/v1/requests/{request_id}/complements"): {**REQUESTER_ONLY, "requester_other": {404}},
    ("essoc", "POST", "/api/v1/requests/{request_id}/questions/{question_id}/answer"): {
        **REQUESTER_ONLY,
        "requester_other": {404},
    },
    ("essoc", "POST", "/api/v1/requests/{request_id}/attachments"): {**EXAMINE, "requester_other": {404}},
    ("essoc", "GET", "/api/v1/requests/{request_id}/attachments/{attachment_id}"): {
        **READ_VICTIM,
        **UNSEEN,
        "admin": OK | {410},
    },
    # Only who added an attachment deletes it (OGDE manual §4): the admin did not add the victim's.
    ("essoc", "DELETE", "/api/v1/requests/{request_id}/attachments/{attachment_id}"): {
        **EXAMINE,
        "requester_other": {404},
        "admin": {403},
    },
    # « Nouvelle demande » saved as a draft (decision record 0026): the requester's own, another's unknown to them
    ("essoc", "POST", "/api/v1/drafts"): {**REQUESTER_ONLY, "requester_other": OK},
    ("essoc", "GET", "/api/v1/drafts"): {**REQUESTER_ONLY, "requester_other": OK},
    ("essoc", "GET", "/api/v1/drafts/{draft_id}"): {**REQUESTER_ONLY, "requester_other": {404}},
    ("essoc", "DELETE", "/api/v1/drafts/{draft_id}"): {**REQUESTER_ONLY, "requester_other": {404}},
    ("essoc", "PUT", "/api/v1/drafts/{draft_id}/requester"): {**REQUESTER_ONLY, "requester_other": {404}},
    ("essoc", "PUT", "/api/v1/drafts/{draft_id}/characteristics"): {**REQUESTER_ONLY, "requester_other": {404}},
    ("essoc", "PUT", "/api/v1/drafts/{draft_id}/fields"): {**REQUESTER_ONLY, "requester_other": {404}},
    ("essoc", "PUT", "/api/v1/drafts/{draft_id}/description"): {**REQUESTER_ONLY, "requester_other": {404}},
    ("essoc", "POST", "/api/v1/drafts/{draft_id}/files"): {**REQUESTER_ONLY, "requester_other": {404}},
    ("essoc", "DELETE", "/api/v1/drafts/{draft_id}/files/{attachment_id}"): {
        **REQUESTER_ONLY,
        "requester_other": {404},
    },
    ("essoc", "POST", "/api/v1/drafts/{draft_id}/submission"): {**REQUESTER_ONLY, "requester_other": {404}},
    # « Demande d'assistance » (decision record 0028): any signed-in person with an address files one (one without
    # is told so) and reads their own; every agent reads and answers any ticket (none per directorate)
    ("essoc", "GET", "/api/v1/assistance/referentials"): ANY_SIGNED_IN,
    ("essoc", "POST", "/api/v1/assistance"): {
        "anonymous": {401},
        **{c: OK if claims.get("email") else {422} for c, claims in CALLERS.items() if claims},
    },
    ("essoc", "GET", "/api/v1/assistance"): ANY_SIGNED_IN,
    ("essoc", "GET", "/api/v1/assistance/queue"): {**DENIED, "agent_other": OK, "auditor": {403}, "admin": {403}},
    ("essoc", "GET", "/api/v1/assistance/{number}"): {**TICKET_UNSEEN, "agent_other": OK},
    ("essoc", "GET", "/api/v1/assistance/{number}/files/{attachment_id}"): {**TICKET_UNSEEN, "agent_other": {404}},
    ("essoc", "POST", "/api/v1/assistance/{number}/answers"): {
        **DENIED,
        "agent_other": OK | RULE,
        "auditor": {403},
        "admin": {403},
    },
    ("essoc", "POST", "/api/v1/assistance/{number}/messages"): TICKET_UNSEEN,
    ("essoc", "POST", "/api/v1/assistance/{number}/closure"): {**TICKET_UNSEEN, "agent_other": OK | RULE},
    # a person's requests about their data (decision record 0030): any signed-in person asks and follows their own;
    # the list and the answers are the DPO's; another's request (here the victim's number is a ticket's, not a
    # request's) is as one that does not exist
    ("essoc", "POST", "/api/v1/rights-requests/rectification"): {
        "anonymous": {401},
        **{c: OK if claims.get("email") else {422} for c, claims in CALLERS.items() if claims},
    },
    ("essoc", "POST", "/api/v1/rights-requests/erasure"): {
        "anonymous": {401},
        **{c: OK if claims.get("email") else {422} for c, claims in CALLERS.items() if claims},
    },
    ("essoc", "GET", "/api/v1/rights-requests/mine"): ANY_SIGNED_IN,
    ("essoc", "GET", "/api/v1/rights-requests"): {**DENIED, "auditor": {403}, "admin": {403}},
    ("essoc", "GET", "/api/v1/rights-requests/{number}"): RIGHTS_UNSEEN,
    ("essoc", "POST", "/api/v1/rights-requests/{number}/decision"): RIGHTS_UNSEEN,
    ("essoc", "POST", "/api/v1/rights-requests/{number}/extension"): RIGHTS_UNSEEN,
    # who was told what: the people and the agents concerned; a payment account has nothing to read there
    ("notifier", "GET", "/api/v1/notifications"): {**ANY_SIGNED_IN, "comptable_other": {403}},
    # « Mes notifications »: every signed-in person reads the mails sent to its own address (none without one)
    ("notifier", "GET", "/api/v1/notifications/mine"): ANY_SIGNED_IN,
}

SEVERAL_ROLES_ANSWER: dict[tuple[str, str, str, str], set[int]] = {
    # a file on someone else's request: a requester who is also an agent is asked as the service, and refused as
    # an agent of another directorate is (403), not told the request does not exist
    ("requester_agent", "essoc", "POST", "/api/v1/requests/{request_id}/attachments"): {403},
    ("requester_agent", "essoc", "DELETE", "/api/v1/requests/{request_id}/attachments/{attachment_id}"): {403},
    # its territories are its agent role's too (decision record 0027): it decides the mandates of La Réunion's
    # relations (none is waiting here: the rule's refusal)
    ("agent_auditor", "declarations", "POST", "/api/v1/relations/{relation_id}/mandates/decision"): OK | RULE,
    ("agent_auditor", "declarations", "POST", "/api/v1/relations/{relation_id}/mandates/revocation"): OK | RULE,
    # the board shows it the requests it audits: opening one clears its own badge (a mark of reading, no event)
    ("agent_auditor", "essoc", "PUT", "/api/v1/requests/{request_id}/seen"): {204},
}
"""Where a person of several roles is answered otherwise than its roles' answers put together."""

FILING = {
    "requester_type": "particulier",
    "nature": "rescrit",
    "category": "octroi-de-mer",
    "sub_category": "dr-guadeloupe",
    "fields": [{"domain": "octroi-de-mer", "sub_domain": "octroi de mer interne"}],
    "subject": SECRET_SUBJECT,
    "description": "Ce que personne d'autre ne doit lire.",
}

ASSISTANCE = {"subject": "Un problème", "category": "autre", "gravity": "question", "description": "Ça ne marche pas."}


BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/declarations"): {"json": {"relation_id": VICTIM_RELATION, "year": 2025, "quarter": 3}},
    ("PUT", "/api/v1/declarations/{declaration_id}/declarant"): {
        "json": {"name": "Intrus", "quality": "representant", "place": "Ailleurs", "payment_method": "virement"}
    },
    ("POST", "/api/v1/declarations/{declaration_id}/lines/import"): {
        "json": {"lines": [{"annex": "A", "nomenclature": "33051000", "price_excl_tax": "1.00"}]}
    },
    ("POST", "/api/v1/declarations/{declaration_id}/lines"): {
        "json": {"annex": "A", "nomenclature": "33051000", "price_excl_tax": "1.00", "rates_date": "2025-04-02"}
    },
    ("PUT", "/api/v1/declarations/{declaration_id}/lines/{line_id}"): {"json": {"price_excl_tax": "2.00"}},
    ("PUT", "/api/v1/declarations/{declaration_id}/annual-turnover"): {"json": {"amount": "1.00"}},
    ("POST", "/api/v1/declarations/{declaration_id}/payments"): {
        "json": {"reference": "R-1", "amount": "10.00", "paid_on": "2025-08-01", "method": "virement"}
    },
    ("PUT", "/api/v1/declarations/{declaration_id}/deductions"): {"json": {"om": {}, "omr": {}}},
    ("POST", "/api/v1/relations/{relation_id}/mandates"): {
        "json": {
            "rum": "RUM-MATRICE",
            "iban": "FR7630006000011234567890189",
            "bic": "AGRIFRPPXXX",
            "holder": "Intrus",
            "signed_on": "2025-01-02",
        }
    },
    ("POST", "/api/v1/relations/{relation_id}/mandates/decision"): {
        "json": {"rum": "RUM-MATRICE", "decision": "refuser", "reason": "x"}
    },
    ("POST", "/api/v1/relations/{relation_id}/mandates/revocation"): {"json": {"rum": "RUM-MATRICE", "reason": "x"}},
    ("POST", "/api/v1/collection/files"): {"json": {"territory": "974", "collection_date": "2025-08-25"}},
    ("POST", "/api/v1/collection/statements"): {"content": b"", "headers": {"Content-Type": "application/xml"}},
    ("POST", "/api/v1/collection/statements/{statement}/match"): {"json": {"entry_id": "E1", "reference": "x"}},
    ("POST", "/api/v1/tariffs"): {"content": b"", "headers": {"Content-Type": "text/csv"}},
    ("POST", "/api/v1/requests"): {"json": {**FILING, "subject": "Une autre demande"}},
    ("POST", "/api/v1/requests/{request_id}/admissibility"): {"json": {"decision": "oui"}},
    ("POST", "/api/v1/requests/{request_id}/questions"): {"json": {"text": "Une question ?"}},
    ("POST", "/api/v1/requests/{request_id}/assignment"): {"json": {"agent_id": "agent-971-b"}},
    ("POST", "/api/v1/requests/{request_id}/notes"): {"json": {"text": "Une note."}},
    ("POST", "/api/v1/requests/{request_id}/closure"): {"json": {"response": "Une réponse."}},
    ("POST", "/api/v1/requests/{request_id}/complements"): {"json": {"text": "Un complément."}},
    ("POST", "/api/v1/requests/{request_id}/questions/{question_id}/answer"): {"json": {"text": "Une réponse."}},
    ("POST", "/api/v1/requests/{request_id}/attachments"): {"files": {"file": ("note.txt", b"intrus")}},
    ("POST", "/api/v1/drafts"): {"json": {"requester_type": "particulier"}},
    ("PUT", "/api/v1/drafts/{draft_id}/requester"): {"json": {"requester_type": "particulier"}},
    ("PUT", "/api/v1/drafts/{draft_id}/characteristics"): {"json": {"nature": "rescrit"}},
    ("PUT", "/api/v1/drafts/{draft_id}/fields"): {"json": {"fields": []}},
    ("PUT", "/api/v1/drafts/{draft_id}/description"): {"json": {"subject": "Intrus"}},
    ("POST", "/api/v1/drafts/{draft_id}/files"): {"files": {"file": ("note.txt", b"intrus")}},
    ("POST", "/api/v1/assistance"): {"data": ASSISTANCE, "files": {"file": ("note.txt", b"intrus")}},
    ("POST", "/api/v1/assistance/{number}/answers"): {"json": {"text": "Une réponse."}},
    ("POST", "/api/v1/assistance/{number}/messages"): {"json": {"text": "Un message."}},
    ("POST", "/api/v1/rights-requests/rectification"): {
        "json": {"data_concerned": "Mon nom", "what_is_wrong": "Mal écrit", "right_value": "Intrus"}
    },
    ("POST", "/api/v1/rights-requests/erasure"): {
        "json": {"records": [{"service": "essoc", "record_type": "essoc_draft", "record_id": "x", "label": "x"}]}
    },
    ("POST", "/api/v1/rights-requests/{number}/decision"): {"json": {"outcome": "accordee", "reason": "x"}},
    ("POST", "/api/v1/rights-requests/{number}/extension"): {"json": {"months": 1, "reason": "x"}},
}


@pytest.fixture(scope="module")
async def victim(services: dict[str, InProcess]) -> dict[str, str]:
    """The resources the callers try to reach, created by their owners."""
    async with services["declarations"].client(**VICTIM_DECLARANT) as http:
        r = await http.post("/api/v1/declarations", json={"relation_id": VICTIM_RELATION, "year": 2025, "quarter": 2})
        assert r.status_code == 201, r.text
        declaration = r.json()["id"]
        line = {"annex": "A", "nomenclature": "33051000", "price_excl_tax": "10.00"}
        r = await http.post(f"/api/v1/declarations/{declaration}/lines", json=line)
        assert r.status_code == 201, r.text
        line_id = r.json()["line_id"]
    async with services["essoc"].client(**VICTIM_REQUESTER) as http:
        r = await http.post("/api/v1/requests", json=FILING)
        assert r.status_code == 201, r.text
        request = r.json()["id"]
        r = await http.post(f"/api/v1/requests/{request}/attachments", files={"file": ("piece.txt", b"secret")})
        assert r.status_code == 201, r.text
        attachment = r.json()["attachment_id"]
        r = await http.post("/api/v1/drafts", json={"requester_type": "particulier"})
        assert r.status_code == 201, r.text
        draft = r.json()["id"]
        r = await http.put(f"/api/v1/drafts/{draft}/description", json={"subject": SECRET_SUBJECT, "description": ""})
        assert r.status_code == 200, r.text
        r = await http.post(f"/api/v1/drafts/{draft}/files", files={"file": ("brouillon.txt", b"secret")})
        assert r.status_code == 201, r.text
        assistance = {**ASSISTANCE, "subject": SECRET_SUBJECT}
        r = await http.post("/api/v1/assistance", data=assistance, files={"file": ("capture.txt", b"secret")})
        assert r.status_code == 201, r.text
        ticket = r.json()["number"]
    async with services["essoc"].client(**AGENT_971) as http:
        assert (await http.post(f"/api/v1/requests/{request}/take-charge")).status_code == 200
        r = await http.post(f"/api/v1/requests/{request}/questions", json={"text": "Quel âge ?"})
        question = r.json()["question_id"]
    async with services["taxcalc"].client(**CALLERS["admin"]) as http:  # type: ignore[arg-type]
        r = await http.post("/api/v1/tariffs", content=TARIFF_974, headers={"Content-Type": "text/csv"})
        assert r.status_code in (200, 201), r.text
    return {
        "declaration_id": declaration,
        "line_id": line_id,
        "relation_id": VICTIM_RELATION,
        "code": "974001",
        "request_id": request,
        "question_id": question,
        "attachment_id": attachment,
        "draft_id": draft,
        "number": ticket,
        "letter_id": "event:00000000-0000-7000-8000-000000000000",
        "territory": "974",
        "siret": "52345678800018",
        "document_id": "formulaire-rescrit",
        "year": "2025",
        "quarter": "2",
        "stream_id": declaration,
        "correlation_id": "corr-matrice",
        "rum": "RUM-MATRICE",
        "file_id": "DOMINO-974-20250825-001",
        "statement": "statement-974-000000000000000000000000",
        "entry_id": "E1",
    }


def _routes(service: InProcess) -> list[tuple[str, str]]:
    paths = service.app.openapi()["paths"]
    return [(method.upper(), path) for path, operations in paths.items() for method in operations]


def _row(service: str, method: str, path: str) -> dict[str, set[int]] | None:
    return MATRIX.get((service, method, path)) or MATRIX.get(("*", method, path))


def _expected(row: dict[str, set[int]], caller: str, service: str, method: str, path: str) -> set[int]:
    """A one-role caller's answer from its row; a person of several roles gets the answer of the role that may do
    the thing (the other role's 403 for its profile gives way), or what `SEVERAL_ROLES_ANSWER` says."""
    told = SEVERAL_ROLES_ANSWER.get((caller, service, method, path)) or SEVERAL_ROLES_ANSWER.get(
        (caller, "*", method, path)
    )
    if told is not None:
        return told
    if caller not in SEVERAL_ROLES:
        return row[caller]
    first, second = (row[c] for c in SEVERAL_ROLES[caller])
    allowed = [answer for answer in (first, second) if answer & OK]
    if len(allowed) == 1:  # one role may do it: its answer, the other's refusal gives way
        return allowed[0]
    if first == {403} or second == {403}:  # one role is refused for its profile: the other one's answer
        return second if first == {403} else first
    return first | second


async def test_every_route_has_a_row(services: dict[str, InProcess]) -> None:
    missing = [(n, m, p) for n, s in services.items() for m, p in _routes(s) if _row(n, m, p) is None]
    assert not missing, f"routes without a row in the authorization matrix: {missing}"


@pytest.mark.parametrize("caller", list(CALLERS))
async def test_no_caller_reaches_what_it_does_not_own(
    services: dict[str, InProcess], victim: dict[str, str], caller: str
) -> None:
    wrong: list[str] = []
    for name, service in services.items():
        claims = CALLERS[caller]
        async with service.client(**claims) if claims else service.client() as http:
            for method, path in _routes(service):
                row = _row(name, method, path)
                assert row is not None
                expected = _expected(row, caller, name, method, path)
                url = path.format(**victim)
                if path == "/api/v1/rates":
                    url += "?territory=974&nomenclature=33051000&date=2025-04-01"
                elif path.startswith("/api/v1/collection/") and path != "/api/v1/collection/desks":
                    url += TERRITORY_QUERY
                body = dict(BODIES.get((method, path), {}))
                if "files" in body:
                    body["files"] = {"file": ("note.txt", io.BytesIO(b"intrus"))}
                r = await http.request(method, url, **body)
                if r.status_code not in expected:  # 503 is expected of /health/ready only
                    wrong.append(f"{name} {method} {path}: {r.status_code} (attendu {sorted(expected)})")
                if r.status_code >= 400 and (SECRET_SUBJECT in r.text or SECRET_EMAIL in r.text):
                    wrong.append(f"{name} {method} {path}: the refusal tells of the victim's resource")
    assert not wrong, "\n".join(wrong)


async def test_a_producer_who_is_also_a_requester_acts_in_both_spaces_in_the_role_each_needs(
    services: dict[str, InProcess], victim: dict[str, str]
) -> None:
    """Decision record 0027: one token, two roles; each service lets the role it needs act, and the events say
    which one acted. The agents' and the comptable's routes stay closed (the matrix above checks every one)."""
    marie = CALLERS["declarant_requester"]
    assert marie is not None
    async with services["declarations"].client(**marie) as http:
        r = await http.post("/api/v1/declarations", json={"relation_id": "rel-971-0002", "year": 2025, "quarter": 1})
        assert r.status_code == 201, r.text
        history = (await http.get(f"/api/v1/declarations/{r.json()['id']}/history")).json()
        assert (await http.get("/api/v1/quarters")).status_code == 403
    async with services["essoc"].client(**marie) as http:
        r = await http.post("/api/v1/requests", json={**FILING, "subject": "Taux du rhum vieux"})
        assert r.status_code == 201, r.text
        request = r.json()
        listed = [i["id"] for i in (await http.get("/api/v1/requests")).json()["items"]]
        assert request["id"] in listed and victim["request_id"] not in listed  # « Mes demandes »: her own only
        filed = (await http.get(f"/api/v1/requests/{request['id']}/history")).json()
        assert (await http.get("/api/v1/instruction/requests")).status_code == 403
    assert {e["actor"]["role"] for e in history} == {"declarant"}
    assert {e["actor"]["role"] for e in filed["events"]} == {"requester"}


async def test_mes_notifications_shows_each_caller_only_the_mails_sent_to_its_own_address(
    services: dict[str, InProcess],
) -> None:
    """A mail sent to the victim (recorded as the notifier's sender records it) is listed to the victim alone."""
    notifier = services["notifier"]
    sent = NotificationSent(
        notification_id="n-matrice",
        source_event_id=uuid.uuid4(),
        source_event_type="PaymentReturned",
        template="domino_payment_returned",
        recipient=SECRET_EMAIL,
        subject=SECRET_SUBJECT,
        message_id="<n-matrice@notifier.douane.example>",
        sent_at=datetime.now(UTC),
        attempts=1,
    )

    async def record(tx: Transaction) -> None:
        await Repository(tx, Delivery.fold).save(stream_of("n-matrice"), [sent], expected_version=0, territory="974")

    await notifier.runtime.uow.run(record)
    for caller, claims in [*CALLERS.items(), ("victim", {**VICTIM_DECLARANT, "email": SECRET_EMAIL.upper()})]:
        async with notifier.client(**claims) if claims else notifier.client() as http:
            r = await http.get("/api/v1/notifications/mine")
        assert r.status_code == (401 if claims is None else 200), (caller, r.text)
        assert (SECRET_SUBJECT in r.text) == (caller == "victim"), caller

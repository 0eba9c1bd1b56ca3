"""Which event fields hold personal data (RGPD art. 4.1), of whom, and how to find that person's id: marks put on
the fields of `contracts.events` with `Annotated`, read by the inventory test, the register and crypto-shredding.

Every field that can carry text (a `str`, anywhere in its type, dict keys included) is marked: `Personal` (its
category, its data subject, where the subject's id is) or `NotPersonal` (why not: an id, a code, a reference…).
Numbers, dates, booleans, amounts and closed lists (`Literal`) need no mark. The marks change nothing on the wire:
pydantic ignores them, the JSON schemas stay the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

Category = Literal["identity", "contact", "free_text", "bank", "file"]
CATEGORY_LABELS: dict[str, str] = {
    "identity": "Identité (nom, prénom, identifiant de connexion, profil)",
    "contact": "Coordonnées (adresse électronique)",
    "free_text": "Texte libre (ce qu'une personne écrit, qui peut en nommer d'autres)",
    "bank": "Coordonnées bancaires (IBAN, BIC)",
    "file": "Fichiers joints (nom et contenu)",
}

Subject = Literal[
    "requester", "declarant", "agent", "comptable", "user", "account_holder", "debtor", "recipient", "actor"
]  # fmt: skip
SUBJECT_LABELS: dict[str, str] = {
    "requester": "Demandeurs d'un rescrit, d'un second examen ou d'un droit au contrôle (usagers d'OGDE)",
    "declarant": "Déclarants de l'octroi de mer (signataires et personnes qui déposent pour un producteur)",
    "agent": "Agents des douanes (instruction, bureau des mandats)",
    "comptable": "Comptables de la recette (recouvrement)",
    "user": "Utilisateur connecté qui fait l'action (déclarant, demandeur, agent ou comptable)",
    "account_holder": "Titulaires du compte d'un mandat de prélèvement SEPA (producteur et son signataire)",
    "debtor": "Débiteurs d'un virement reçu par la recette",
    "recipient": "Destinataires d'un courriel",
    "actor": "Auteur de chaque événement (toute personne connectée)",
}

KeySource = Literal["field", "value", "actor", "stream"]


@dataclass(frozen=True)
class SubjectKey:
    """Where the id of the data subject is, for one personal field:
    - `field`: the field `path` of the same model (dotted, relative to it) holds it;
    - `value`: the field's own value is that id (a sign-in identifier, an e-mail address);
    - `actor`: the envelope's actor is the subject (who did it: the declarant who filed);
    - `stream`: the owner of the event's stream, named by its first event (`STREAM_OWNERS`)."""

    source: KeySource
    path: str = ""

    def describe(self) -> str:
        match self.source:
            case "field":
                return f"champ `{self.path}`"
            case "value":
                return "la valeur du champ"
            case "actor":
                return "l'auteur de l'événement"
            case "stream":
                return "le titulaire du flux"


BY_VALUE = SubjectKey("value")
BY_ACTOR = SubjectKey("actor")
BY_STREAM_OWNER = SubjectKey("stream")


def by_field(path: str) -> SubjectKey:
    return SubjectKey("field", path)


STREAM_OWNERS: dict[str, tuple[str, str]] = {
    "request": ("RequestSubmitted", "requester.id"),
    "draft": ("DraftStarted", "requester.id"),
    "assistance": ("AssistanceRequested", "requester.id"),
    "droits": ("RightsRequested", "requester.id"),
}
"""stream type → (the event that opens it, the path of its owner's id in that event)."""


@dataclass(frozen=True)
class Personal:
    """The field holds personal data of `category`, about `subject`, whose id is found by `key`."""

    category: Category
    subject: Subject
    key: SubjectKey
    withheld: str = ""
    """Why « Mes données » does not show it to the person itself (empty: it does). Erased with them all the same."""


@dataclass(frozen=True)
class NotPersonal:
    """The field carries text that names no one: `why` (an id, a code, a reference, a text the code writes)."""

    why: str


Mark = Personal | NotPersonal

Id = Annotated[str, NotPersonal("identifiant technique")]
Code = Annotated[str, NotPersonal("code d'une nomenclature ou d'une liste fermée")]
Reference = Annotated[str, NotPersonal("référence d'un document, d'un mandat ou d'un paiement")]
Digest = Annotated[str, NotPersonal("empreinte SHA-256")]
MediaType = Annotated[str, NotPersonal("type de fichier (MIME)")]
CodeText = Annotated[str, NotPersonal("texte écrit par le code, jamais saisi")]
Siret = Annotated[str, NotPersonal("SIRET ou SIREN d'un établissement (une personne morale)")]


def identity(subject: Subject, key: SubjectKey) -> Personal:
    return Personal("identity", subject, key)


def contact(subject: Subject, key: SubjectKey) -> Personal:
    return Personal("contact", subject, key)


def free_text(subject: Subject, key: SubjectKey) -> Personal:
    return Personal("free_text", subject, key)


def bank(subject: Subject, key: SubjectKey) -> Personal:
    return Personal("bank", subject, key)


def file(subject: Subject, key: SubjectKey) -> Personal:
    return Personal("file", subject, key)


SignInId = Annotated[str, identity("user", BY_VALUE)]
"""The sign-in identifier (`sub`) of whoever did it."""
AgentId = Annotated[str, identity("agent", BY_VALUE)]
ComptableId = Annotated[str, identity("comptable", BY_VALUE)]
RequestText = Annotated[str, free_text("requester", BY_STREAM_OWNER)]
"""A text of a request's file (the requester's or the instruction's): erased with its requester."""
InternalNote = Annotated[
    str,
    Personal(
        "free_text",
        "requester",
        BY_STREAM_OWNER,
        withheld=(
            "note interne de l'instruction, jamais montrée au demandeur (document préparatoire, code des relations "
            "entre le public et l'administration, art. L. 311-2) : communiquée sur demande au délégué à la "
            "protection des données"
        ),
    ),
]
"""An agent's private note on a request: about the requester (erased with them), not shown to them by the portal."""

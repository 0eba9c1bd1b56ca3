"""How the auditors' pages name what they show: the four services, the types of their streams, the events, the
origin of an event, an instant to the second, and a stream's state with French names, dates and amounts."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from babel.dates import format_datetime

from contracts import french
from contracts.types import TERRITORY_ZONES
from portal.rendering import EVENT_LABELS

SERVICES = {
    "declarations": "Déclarations",
    "taxcalc": "Calcul des taxes",
    "essoc": "Demandes ESSOC",
    "notifier": "Courriels",
}
"""The four services, in the order a declaration or a request travels through them."""
STREAM_TYPES = {
    "declarations": {
        "declaration": "Déclaration",
        "reminder": "Relances de dépôt",
        "mandate": "Mandats de télépaiement",
        "collection": "Fichiers de prélèvements",
        "statement": "Relevé bancaire",
        "card": "Paiements par carte",
    },
    "taxcalc": {"assessment": "Calcul d'une déclaration", "ledger": "Crédits reportés", "tariff": "Tarif"},
    "essoc": {
        "request": "Demande ESSOC",
        "draft": "Brouillon de demande ESSOC",
        "assistance": "Demande d'assistance",
        "droits": "Demande sur ses données personnelles",
    },
    "notifier": {"notification": "Courriel"},
}
AUDIT_EVENT_LABELS = {
    **EVENT_LABELS,
    "FilingReminderIssued": "Relance de dépôt envoyée",
    "TariffPublished": "Tarif publié",
    "LineAssessed": "Ligne liquidée",
    "TotalsProjected": "Totaux calculés",
    "DeclarationAssessed": "Déclaration liquidée",
    "CreditCarriedForward": "Crédit reporté",
    "CorrectionCredited": "Crédit d'une déclaration rectificative à reporter",
    "RequestSubmitted": "Demande déposée",
    "RequestTakenInCharge": "Demande prise en charge",
    "RequestQuestioned": "Question posée au demandeur",
    "QuestionAnswered": "Réponse du demandeur",
    "ComplementAdded": "Complément ajouté",
    "AttachmentAdded": "Pièce jointe ajoutée",
    "AttachmentRemoved": "Pièce jointe supprimée",
    "AdmissibilityDecided": "Recevabilité décidée",
    "RequestReassigned": "Demande réassignée",
    "NoteAdded": "Note privée ajoutée",
    "DeadlineReached": "Échéance atteinte",
    "RequestClosed": "Demande clôturée",
    "DraftStarted": "Brouillon commencé",
    "DraftRequesterSet": "Brouillon : demandeur enregistré",
    "DraftCharacteristicsSet": "Brouillon : caractéristiques enregistrées",
    "DraftFieldsSet": "Brouillon : champs d'application enregistrés",
    "DraftDescriptionSet": "Brouillon : demande enregistrée",
    "DraftFileAdded": "Brouillon : fichier joint",
    "DraftFileRemoved": "Brouillon : fichier retiré",
    "DraftDiscarded": "Brouillon supprimé par le demandeur",
    "DraftExpired": "Brouillon supprimé après 90 jours sans modification",
    "DraftSubmitted": "Brouillon déposé comme demande",
    "AssistanceRequested": "Demande d'assistance envoyée",
    "AssistanceAnswered": "Réponse de l'assistance",
    "AssistanceFollowedUp": "Nouveau message du demandeur à l'assistance",
    "AssistanceClosed": "Demande d'assistance close",
    "RightsRequested": "Demande sur ses données reçue",
    "RightsDeadlineExtended": "Délai de réponse prolongé",
    "RectificationDecided": "Rectification décidée",
    "ErasureDecided": "Effacement décidé",
    "NotificationSent": "Courriel envoyé",
    "NotificationFailed": "Courriel en échec",
    "MandateRegistered": "Mandat enregistré",
    "MandateValidated": "Mandat validé",
    "MandateRefused": "Mandat refusé",
    "MandateRevoked": "Mandat révoqué",
    "CollectionFileIssued": "Fichier de prélèvements émis",
    "StatementImported": "Relevé bancaire lu",
    "StatementEntryMatched": "Crédit rapproché à la main",
    "CardPaymentStarted": "Paiement par carte ouvert (PayFiP)",
    "CardPaymentEnded": "Résultat du paiement par carte (PayFiP)",
}
ORIGINS = {"propre": "Écrit ici", "reçu": "Reçu"}


def to_the_second(value: object, territory: str) -> str:
    """`30/11/2026 à 11:04:07` in the territory's zone: events of one action fall within the same minute."""
    if not value:
        return "—"
    instant = datetime.fromisoformat(str(value))
    zone = TERRITORY_ZONES.get(territory, TERRITORY_ZONES["971"])
    return format_datetime(instant, "dd/MM/yyyy 'à' HH:mm:ss", tzinfo=zone, locale=french.LOCALE)


STATE_LABELS = {
    "id": "Identifiant",
    "declaration_id": "Déclaration",
    "relation_id": "Relation",
    "relation_number": "Numéro de relation",
    "request_id": "Demande",
    "draft_id": "Brouillon",
    "territory": "Territoire",
    "siret": "SIRET",
    "establishment": "Établissement",
    "office": "Bureau de douane",
    "year": "Année",
    "quarter": "Trimestre",
    "due_date": "Date limite de dépôt",
    "status": "Statut",
    "state": "État",
    "declarant": "Déclarant",
    "declarant_email": "Courriel du déclarant",
    "lines": "Lignes",
    "line_id": "Ligne",
    "annual_turnover": "Chiffre d'affaires annuel",
    "deductions": "Déductions",
    "filing": "Dépôt",
    "filed_at": "Déposée le",
    "payments": "Paiements",
    "returned": "Paiements rejetés",
    "debit": "Prélèvement",
    "corrects": "Rectifie la déclaration",
    "corrective": "Rang de la rectification",
    "correction_open": "Rectification en cours",
    "superseded_by": "Remplacée par",
    "superseded_at": "Remplacée le",
    "version": "Version",
    "amount": "Montant",
    "om_amount": "Montant d'octroi de mer",
    "omr_amount": "Montant d'octroi de mer régional",
    "om": "Octroi de mer",
    "omr": "Octroi de mer régional",
    "om_rate": "Taux d'octroi de mer",
    "omr_rate": "Taux d'octroi de mer régional",
    "om_credit": "Crédit d'octroi de mer",
    "omr_credit": "Crédit d'octroi de mer régional",
    "total_due": "Total dû",
    "original_total_due": "Total dû initial",
    "corrected_total_due": "Total dû rectifié",
    "supplement": "Complément à payer",
    "supplement_due": "Complément dû le",
    "difference": "Différence",
    "price_excl_tax": "Prix hors taxes",
    "nomenclature": "Nomenclature",
    "quantity": "Quantité",
    "unit": "Unité",
    "reference": "Référence",
    "paid_on": "Date du paiement",
    "method": "Moyen de paiement",
    "payment_method": "Moyen de paiement",
    "collection_date": "Date de prélèvement",
    "returned_on": "Rejeté le",
    "booked_on": "Comptabilisé le",
    "signed_on": "Signé le",
    "rum": "Référence unique de mandat",
    "iban": "IBAN",
    "bic": "BIC",
    "holder": "Titulaire du compte",
    "number": "Numéro",
    "subject": "Objet",
    "description": "Description",
    "requester": "Demandeur",
    "requester_type": "Type de demandeur",
    "name": "Nom",
    "first_name": "Prénom",
    "email": "Courriel",
    "company_name": "Raison sociale",
    "represented_siren": "SIREN représenté",
    "nature": "Nature",
    "category": "Catégorie",
    "sub_category": "Sous-catégorie",
    "fields": "Champs d'application",
    "domain": "Domaine",
    "sub_domain": "Sous-domaine",
    "directorate": "Direction",
    "agent_id": "Agent",
    "agent_name": "Agent",
    "attachments": "Pièces jointes",
    "filename": "Nom du fichier",
    "size": "Taille",
    "created_at": "Créée le",
    "closed_at": "Clôturée le",
    "deadline_at": "Échéance",
    "received_at": "Reçue le",
    "sent_at": "Envoyé le",
    "issued_at": "Émis le",
    "at": "Le",
    "recipient": "Destinataire",
    "template": "Modèle",
    "attempts": "Tentatives",
    "reason": "Motif",
    "text": "Texte",
    "outcome": "Issue",
    "decision": "Décision",
    "admissibility": "Recevabilité",
    "collegial": "Collégiale",
    "previous_request": "Demande contestée",
    "valid_from": "En vigueur du",
    "valid_to": "En vigueur jusqu'au",
    "gravity": "Gravité",
    "incident_reference": "Référence de l'incident",
    "files": "Fichiers joints",
    "messages": "Échanges",
    "message_id": "Message",
    "author": "Auteur",
    "author_name": "Nom de l'auteur",
    "closed_by": "Close par",
    "roles": "Profils",
}
"""The French names of the keys of a state the services fold; a key not named here is shown as it is."""

AMOUNT_KEYS = {
    "amount",
    "annual_turnover",
    "price_excl_tax",
    "total_due",
    "original_total_due",
    "corrected_total_due",
    "supplement",
    "difference",
    "om",
    "omr",
    "om_amount",
    "omr_amount",
    "om_credit",
    "omr_credit",
    "balance",
    "paid",
    "due",
    "total",
    "credit",
}
"""Keys whose value is an amount in euros (rates, quantities and versions are not)."""

STATUS_VALUES = {
    "draft": "brouillon",
    "filed": "déposée",
    "nothing_due": "rien à payer",
    "unpaid": "impayée",
    "returned": "paiement rejeté",
    "partly_paid": "payée en partie",
    "paid": "payée",
    "paid_late": "payée en retard",
}
"""A declaration's and a payment's statuses as the other pages name them; other states are shown as they are."""

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")


def _value(key: str, value: object, territory: str) -> object:
    if isinstance(value, str):
        if key == "status":
            return STATUS_VALUES.get(value, value)
        if _INSTANT.match(value):
            return to_the_second(value.replace("Z", "+00:00"), territory)
        if _DAY.match(value):
            return french.day(value)
    if key in AMOUNT_KEYS and isinstance(value, (str, int, Decimal)) and not isinstance(value, bool):
        try:
            return french.euros(Decimal(str(value)))
        except (InvalidOperation, ValueError):
            return value
    return value


def readable_state(state: object, territory: str, key: str = "") -> object:
    """A folded state as an auditor reads it: keys named in French, dates in the territory's zone, amounts
    in euros; nested objects and lists likewise, anything unknown as it is."""
    if isinstance(state, dict):
        return {STATE_LABELS.get(str(k), str(k)): readable_state(v, territory, str(k)) for k, v in state.items()}
    if isinstance(state, list):
        return [readable_state(item, territory, key) for item in state]
    return _value(key, state, territory)

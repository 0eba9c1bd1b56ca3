"""How the auditors' pages name what they show: the four services, the types of their streams, the events, the
origin of an event, and an instant to the second."""

from __future__ import annotations

from datetime import datetime

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
    "essoc": {"request": "Demande ESSOC", "draft": "Brouillon de demande ESSOC"},
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

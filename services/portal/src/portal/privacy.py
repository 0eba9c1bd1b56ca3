"""The personal data the services and the portal keep, what for, on what legal basis, how long and who reads it:
the inventory « Données personnelles » and the register of processing show.

Which event fields are personal, of what category and of whom is said once, by the marks of `contracts.personal`
on the events; each item here names its fields by patterns, and a test checks that, together, they name exactly the
fields marked personal (so the words stay here, the facts come from `contracts`). The patterns are kept rather
than generated because one field belongs to one purpose, which only a person writing the page can say.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from contracts import retention
from contracts.personal_inventory import PersonalField, personal_fields

SERVICES = {
    "declarations": "Déclarations d'octroi de mer et recouvrement (DOMINO-NG)",
    "essoc": "Demandes de rescrit, de second examen et de droit au contrôle (OGDE)",
    "notifier": "Courriels envoyés par le service",
    "taxcalc": "Calcul de l'octroi de mer",
    "all": "Dans tous les services",
    "portal": "Portail : connexion, session et conditions d'utilisation",
}
"""The services, in the order the page shows them."""

OCTROI_DE_MER = "Obligation légale (RGPD, art. 6.1.c) : loi n° 2004-639 du 2 juillet 2004 relative à l'octroi de mer."
ESSOC = (
    "Mission d'intérêt public (RGPD, art. 6.1.e) : loi n° 2018-727 du 10 août 2018 (ESSOC) ; code des douanes, "
    "art. 345 bis (rescrit, second examen) ; code des relations entre le public et l'administration, art. L. 124-1 "
    "(droit au contrôle)."
)
SAME_AS_PROCEDURE = "Celle de la démarche : octroi de mer (loi n° 2004-639) ou demande ESSOC (loi n° 2018-727)."
EVENT_LOG = "Sans limite de durée aujourd'hui : le journal du service n'est jamais effacé."
MAIL = retention.record_types()["notifier_mail"].rules[-1]
DECLARATION_READERS = (
    "Vous et les autres personnes habilitées sur la même relation ; les agents des douanes du département (suivi "
    "des déclarations) ; les comptables de la recette (recouvrement) ; les auditeurs (relecture des journaux)."
)
REQUEST_READERS = (
    "Vous ; les agents de la direction régionale qui instruit la demande ; les auditeurs (relecture des journaux)."
)


@dataclass(frozen=True)
class Kept:
    """One kind of personal data one service keeps."""

    service: str
    data: str
    fields: tuple[str, ...]
    """The event fields that hold it, as `Event.field.sub_field` patterns (`*` for any event or nesting); none for
    what no event carries (the portal's session)."""
    purpose: str
    basis: str
    retention: str
    recipients: str


INVENTORY: tuple[Kept, ...] = (
    # ---- declarations ------------------------------------------------------------------------------------------
    Kept(
        "declarations",
        "Nom du signataire de la déclaration, sa qualité et le lieu de signature",
        ("DeclarantDetailsSet.name", "DeclarantDetailsSet.place"),
        "Établir et déposer la déclaration trimestrielle d'octroi de mer au nom du producteur.",
        OCTROI_DE_MER,
        EVENT_LOG,
        DECLARATION_READERS,
    ),
    Kept(
        "declarations",
        "Adresse électronique de la personne qui dépose la déclaration",
        ("DeclarationFiled.declarant_email", "PaymentReturned.declarant_email"),
        "Envoyer l'accusé de dépôt, puis prévenir cette personne si un paiement est rejeté par la banque.",
        OCTROI_DE_MER,
        EVENT_LOG,
        DECLARATION_READERS,
    ),
    Kept(
        "declarations",
        "Adresse électronique du déclarant d'une relation, telle que le référentiel des relations la donne",
        ("FilingReminderIssued.email",),
        "Rappeler l'échéance d'une déclaration non déposée, et signaler son retard.",
        OCTROI_DE_MER,
        EVENT_LOG,
        "Le déclarant de la relation ; les agents des douanes du département ; les auditeurs.",
    ),
    Kept(
        "declarations",
        "Mandat de prélèvement SEPA : IBAN, BIC et nom du titulaire du compte",
        ("*.iban", "*.bic", "*.holder", "MandateRefused.reason", "MandateRevoked.reason"),
        "Recouvrer l'octroi de mer par télépaiement (prélèvement SEPA interentreprises) sur le compte désigné par le "
        "mandat que le producteur a signé.",
        OCTROI_DE_MER,
        EVENT_LOG + " Un mandat révoqué reste dans le journal.",
        "Le producteur ; les agents du bureau qui valident le mandat ; les comptables de la recette ; la banque de la "
        "douane, qui reçoit les fichiers de prélèvement, et la banque du producteur ; les auditeurs.",
    ),
    Kept(
        "declarations",
        "Relevés bancaires de la recette : nom du débiteur et libellé de chaque virement reçu",
        ("StatementImported.entries.debtor", "StatementImported.entries.remittance"),
        "Rapprocher les paiements reçus des déclarations qu'ils règlent.",
        OCTROI_DE_MER,
        EVENT_LOG,
        "Les comptables de la recette ; les auditeurs.",
    ),
    Kept(
        "declarations",
        "Paiement par carte : l'identifiant de la personne qui paie, et son adresse électronique transmise au "
        "service de paiement",
        ("CardPaymentStarted.started_by",),
        "Payer par carte bancaire ce qui reste dû ; le service de paiement envoie son ticket à cette adresse.",
        OCTROI_DE_MER,
        EVENT_LOG + " L'adresse électronique n'est pas conservée par le service, seulement transmise.",
        "La direction générale des finances publiques (PayFiP), qui encaisse le paiement ; les comptables ; les "
        "auditeurs.",
    ),
    Kept(
        "declarations",
        "Identifiant de connexion des personnes qui enregistrent, valident, refusent ou révoquent un mandat, "
        "enregistrent un paiement, émettent un fichier de prélèvement, importent ou rapprochent un relevé",
        (
            "MandateRegistered.registered_by",
            "MandateValidated.validated_by",
            "MandateRefused.refused_by",
            "MandateRevoked.revoked_by",
            "PaymentRecorded.recorded_by",
            "CollectionFileIssued.issued_by",
            "StatementImported.imported_by",
            "StatementEntryMatched.matched_by",
        ),
        "Savoir qui a fait chaque action du recouvrement (traçabilité).",
        OCTROI_DE_MER,
        EVENT_LOG,
        "Les agents et comptables du département ; les auditeurs.",
    ),
    # ---- essoc -------------------------------------------------------------------------------------------------
    Kept(
        "essoc",
        "Identité du demandeur : nom, prénom, adresse électronique et identifiant de connexion, tels que votre "
        "compte les donne",
        ("RequestSubmitted.requester",),
        "Instruire la demande et vous répondre.",
        ESSOC,
        EVENT_LOG,
        REQUEST_READERS,
    ),
    Kept(
        "essoc",
        "Nom et adresse électronique du demandeur recopiés dans chaque étape de la demande",
        ("*.notice.requester_name", "*.notice.requester_email"),
        "Vous écrire à chaque étape (recevabilité, question, réponse, échéance) sans redemander votre adresse.",
        ESSOC,
        EVENT_LOG,
        REQUEST_READERS + " Le service des courriels.",
    ),
    Kept(
        "essoc",
        "Raison sociale de l'entreprise (une donnée personnelle seulement pour un entrepreneur individuel ; le "
        "SIRET d'une société n'en est pas une)",
        ("*.company_name",),
        "Identifier l'entreprise qui demande ou qui est représentée.",
        ESSOC,
        EVENT_LOG,
        REQUEST_READERS,
    ),
    Kept(
        "essoc",
        "Ce que vous écrivez : objet et description de la demande, réponses aux questions, compléments ; et ce que "
        "la douane écrit : questions, motifs de recevabilité, réponse, notes internes",
        (
            "RequestSubmitted.subject",
            "RequestSubmitted.description",
            "RequestQuestioned.text",
            "QuestionAnswered.text",
            "ComplementAdded.text",
            "NoteAdded.text",
            "*.question_text",
            "*.grounds",
            "RequestClosed.response",
        ),
        "Instruire la demande. Ces textes ne devraient pas contenir de données personnelles (le formulaire le "
        "rappelle) ; s'ils en contiennent, elles sont conservées comme le reste.",
        ESSOC,
        EVENT_LOG,
        REQUEST_READERS + " Les notes internes ne sont lues que par les agents.",
    ),
    Kept(
        "essoc",
        "Pièces jointes : nom et contenu des fichiers",
        ("*.filename",),
        "Instruire la demande avec les pièces que vous fournissez, et vous adresser celles de la réponse.",
        ESSOC,
        EVENT_LOG + " Le contenu d'une pièce jointe est conservé sans limite lui aussi, même après que la pièce a "
        "été retirée de la demande ; seul un fichier qu'aucune demande n'a retenu est supprimé.",
        REQUEST_READERS,
    ),
    Kept(
        "essoc",
        "Brouillon d'une demande : ce que vous saisissez à chaque étape de « Nouvelle demande » et les fichiers "
        "que vous y joignez, avant de créer la demande",
        (
            "DraftStarted.requester",
            "DraftDescriptionSet.subject",
            "DraftDescriptionSet.description",
            "DraftFileAdded.filename",
        ),
        "Vous permettre de préparer une demande en plusieurs fois.",
        ESSOC,
        "Le brouillon est fermé et le contenu de ses fichiers supprimé quand vous l'abandonnez (« Annuler ») ou "
        "après 90 jours sans modification ; ce que vous y aviez saisi reste dans le journal du service, sans limite "
        "de durée aujourd'hui.",
        "Vous seul, et les auditeurs (relecture des journaux) : aucun agent ne lit un brouillon.",
    ),
    Kept(
        "essoc",
        "Agents des douanes : identifiant, nom et adresse électronique de l'agent qui prend en charge, questionne, "
        "réassigne, écrit une note ou joint une pièce",
        (
            "RequestTakenInCharge.agent_id",
            "RequestTakenInCharge.agent_name",
            "RequestQuestioned.asked_by",
            "RequestReassigned.from_agent_id",
            "RequestReassigned.to_agent",
            "RequestReassigned.to_agent.name",
            "RequestReassigned.to_agent.email",
            "RequestReassigned.by",
            "NoteAdded.author",
            "NoteAdded.author.name",
            "NoteAdded.author.email",
            "AttachmentAdded.added_by",
        ),
        "Organiser l'instruction (qui suit quelle demande) et en garder la trace.",
        ESSOC,
        EVENT_LOG,
        "Les agents de la direction régionale ; les auditeurs. Le demandeur ne voit ni le nom ni l'adresse des agents.",
    ),
    Kept(
        "essoc",
        "Demande d'assistance : votre identifiant, nom, adresse électronique et profils, l'objet, la description et "
        "les messages que vous écrivez, les réponses de l'assistance (avec le nom de l'agent) et les fichiers joints",
        (
            "AssistanceRequested.requester",
            "AssistanceRequested.subject",
            "AssistanceRequested.description",
            "AssistanceRequested.files.filename",
            "AssistanceAnswered.notice.subject",
            "AssistanceAnswered.agent_id",
            "AssistanceAnswered.agent_name",
            "AssistanceAnswered.text",
            "AssistanceFollowedUp.text",
            "AssistanceClosed.by_id",
        ),
        "Répondre à votre demande d'assistance (décision d'architecture 0028), vous écrire quand l'assistance "
        "répond, et en garder la trace.",
        "Mission d'intérêt public (RGPD, art. 6.1.e) : l'assistance aux usagers des téléservices de la douane.",
        "À confirmer par le DPO. Aujourd'hui sans limite de durée : le journal du service n'est jamais effacé.",
        "Vous ; tous les agents des douanes qui répondent aux demandes d'assistance (elles ne dépendent d'aucune "
        "direction) et la boîte de l'assistance, qui reçoit chaque demande par courriel ; les auditeurs.",
    ),
    Kept(
        "essoc",
        "Demande sur vos données (rectification ou effacement) : votre identifiant, nom et adresse électronique, ce "
        "que vous demandez de rectifier et la valeur exacte, la réponse du délégué à la protection des données et "
        "son identifiant",
        (
            "RightsRequested.requester",
            "RightsRequested.data_concerned",
            "RightsRequested.what_is_wrong",
            "RightsRequested.right_value",
            "RightsDeadlineExtended.reason",
            "RightsDeadlineExtended.by_id",
            "RightsDeadlineExtended.notice.requester_*",
            "RectificationDecided.reason",
            "RectificationDecided.by_id",
            "RectificationDecided.notice.requester_*",
            "ErasureDecided.notice.requester_*",
        ),
        "Répondre à votre demande d'accès, de rectification ou d'effacement (RGPD, art. 15 à 17) dans le délai d'un "
        "mois, et en garder la preuve (décision d'architecture 0030).",
        "Obligation légale (RGPD, art. 6.1.c) : RGPD, art. 12 à 17.",
        "À confirmer par le DPO. Aujourd'hui sans limite de durée : le journal du service n'est jamais effacé.",
        "Vous ; le délégué à la protection des données ; les auditeurs.",
    ),
    # ---- notifier ----------------------------------------------------------------------------------------------
    Kept(
        "notifier",
        "Courriels envoyés : adresse du destinataire, objet, date d'envoi, et une copie de l'événement qui a causé "
        "le courriel (avec les données de la démarche qu'il contient)",
        ("NotificationSent.recipient", "NotificationFailed.recipient", "NotificationFailed.error"),
        "Vous informer de l'avancement de votre démarche (accusé de dépôt, rappels d'échéance, paiement rejeté, "
        "étapes d'une demande ESSOC) et prouver qu'un courriel est parti.",
        SAME_AS_PROCEDURE,
        EVENT_LOG + f" La file d'envoi garde chaque courriel {MAIL.duration()} après sa mise en file, puis l'efface.",
        "Le destinataire ; le serveur de messagerie de l'hébergeur, qui achemine le courriel ; les auditeurs.",
    ),
    # ---- taxcalc -----------------------------------------------------------------------------------------------
    Kept(
        "taxcalc",
        "Adresse électronique de la personne qui a déposé la déclaration (recopiée avec les montants calculés)",
        ("DeclarationAssessed.declarant_email",),
        "Accompagner le calcul définitif d'une déclaration déposée ; le service de calcul ne garde aucune autre "
        "donnée personnelle (les montants sont ceux d'une entreprise).",
        OCTROI_DE_MER,
        EVENT_LOG,
        "Les agents des douanes du département ; les auditeurs.",
    ),
    # ---- every service ------------------------------------------------------------------------------------------
    Kept(
        "all",
        "Auteur de chaque événement, dans tous les services : son identifiant de connexion et son profil",
        ("EventEnvelope.actor",),
        "Savoir qui a fait chaque action, et pouvoir le prouver (journaux chaînés et scellés, relus par les "
        "auditeurs).",
        SAME_AS_PROCEDURE,
        EVENT_LOG,
        "Les auditeurs ; les agents, pour les démarches de leur ressort.",
    ),
    # ---- portal ------------------------------------------------------------------------------------------------
    Kept(
        "portal",
        "Session : identifiant, nom, prénom, adresse électronique, profil et jeton d'accès donnés par votre compte, "
        "dans un cookie chiffré de votre navigateur ; dans la base du portail, seulement votre identifiant, "
        "l'empreinte de la session et ses heures de connexion et de dernière activité",
        (),
        "Vous garder connecté et fermer votre session à la déconnexion, partout si vous le demandez.",
        "Nécessaire au fonctionnement du téléservice (cookie strictement nécessaire : il ne demande pas de "
        "consentement). " + SAME_AS_PROCEDURE,
        "Jusqu'à la fin de la session : à la déconnexion, après {idle} minutes sans activité, et au plus tard {hours} "
        "heures après la connexion ; la base efface d'elle-même une session terminée.",
        "Personne d'autre que vous : le cookie est chiffré, et les services ne reçoivent que votre jeton d'accès.",
    ),
    Kept(
        "portal",
        "Acceptation des conditions générales d'utilisation : votre identifiant, la version acceptée, la date et "
        "l'heure (UTC)",
        (),
        "Prouver que vous avez accepté la version en vigueur, et ne pas vous la redemander.",
        SAME_AS_PROCEDURE,
        "Sans limite de durée aujourd'hui.",
        "Les administrateurs du portail.",
    ),
    Kept(
        "portal",
        "Adresse IP et journaux techniques",
        (),
        "Le portail n'enregistre ni votre adresse IP ni les pages que vous consultez ; ses journaux d'erreurs "
        "gardent l'adresse de la page en cause et une référence d'incident. Le serveur frontal de l'hébergeur peut "
        "journaliser les adresses IP pour la sécurité du service.",
        "Intérêt public de la sécurité des systèmes d'information de l'État (RGPD, art. 6.1.e).",
        "Celle que l'hébergeur applique à ses journaux.",
        "Les équipes d'exploitation de l'hébergeur.",
    ),
)


def by_service() -> list[tuple[str, str, list[Kept]]]:
    """`(service, its name, what it keeps)`, in the page's order."""
    return [(key, name, [k for k in INVENTORY if k.service == key]) for key, name in SERVICES.items()]


def covers(pattern: str, path: str) -> bool:
    """Whether an item's pattern names the field `path` (a pattern naming a nested model names its fields)."""
    return fnmatchcase(path, pattern) or fnmatchcase(path, pattern + ".*")


def personal_of(kept: Kept) -> list[PersonalField]:
    """The fields marked personal in `contracts` that the item names, in path order."""
    found = [f for f in personal_fields() if any(covers(p, f.path) for p in kept.fields)]
    return sorted(found, key=lambda f: f.path)


def fields_of(kept: Kept) -> list[str]:
    return [f.path for f in personal_of(kept)]

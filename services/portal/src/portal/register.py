"""The register of processing activities (RGPD art. 30.1), built from the code: one processing per service, its
purposes, legal bases and recipients (`portal.privacy`), the categories of data and of people (the marks of
`contracts.personal`), the retention of each record type (`contracts.retention`), the security measures and the
transfers (none). The portal shows it at /donnees-personnelles/registre and the docs build it (docs/hooks)."""

from __future__ import annotations

from dataclasses import dataclass

from contracts.personal import CATEGORY_LABELS, SUBJECT_LABELS
from contracts.personal_inventory import PersonalField
from contracts.retention import TO_CONFIRM, RecordRetention, RetentionRule, record_types
from portal import privacy

CONTROLLER = (
    "Direction générale des douanes et droits indirects (DGDDI), 11 rue des Deux Communes, 93558 Montreuil Cedex"
)
DPO = (
    "Délégué à la protection des données, direction générale des douanes et droits indirects, 11 rue des Deux "
    "Communes, 93558 Montreuil Cedex"
)
TRANSFERS = "Aucun transfert hors de l'Union européenne : le code n'envoie aucune donnée hors de l'Union."
SECURITY = (
    "Chaque service garde un journal de ses événements, chaque événement chaîné au précédent par son empreinte "
    "SHA-256 et le journal scellé régulièrement ; les auditeurs vérifient chaînes et sceaux (guide « Auditer »).",
    "Accès par profil et par territoire : chaque route des services et du portail a sa règle d'accès, testée "
    "(matrice d'autorisation) ; les agents ne voient que les demandes de leur direction.",
    "Les lectures des auditeurs sont journalisées (qui, quoi, quand), et ce journal a sa propre durée de conservation.",
    "Connexion par le fournisseur d'identité (OpenID Connect) ; la session est un cookie chiffré ; le portail ne "
    "garde que l'empreinte de la session.",
    "Sauvegardes des bases et procédure de restauration décrites dans le manuel d'exploitation ; clés de "
    "scellement gérées comme des secrets.",
)
ERASURE_NOTE = (
    "Le journal des événements n'est jamais réécrit. Les données personnelles qu'il contient y sont chiffrées, "
    "champ par champ, avec une clé propre à chaque personne (AES-256-GCM), gardée à part dans le magasin de clés. "
    "Le traitement quotidien de chaque service inscrit « à effacer » (collection erasure_due) les personnes dont "
    "la durée de conservation d'un dossier est échue. La clé étant aujourd'hui celle de la personne et non du "
    "dossier, elle n'est détruite que par le délégué à la protection des données, après avoir vérifié qu'aucun "
    "autre dossier de la personne n'est encore conservé (un effacement accordé de même) ; des clés par personne "
    "et par dossier permettront de la détruire automatiquement. Détruite, leurs données deviennent illisibles "
    "partout à la fois (journaux, copies "
    "reçues par les autres services, messages Kafka, pièces jointes, sauvegardes) et se lisent « [donnée "
    "effacée] » ; les vues sont reconstruites. Les chaînes d'empreintes et les sceaux, calculés sur les données "
    "chiffrées, restent vérifiables. Les brouillons de demande, les courriels de la file d'envoi et les journaux "
    "de lecture sont, eux, supprimés à leur échéance."
)


@dataclass(frozen=True)
class Processing:
    """One processing activity: a service and what it keeps."""

    key: str
    name: str
    items: list[privacy.Kept]
    fields: list[PersonalField]

    @property
    def subjects(self) -> list[str]:
        return [SUBJECT_LABELS[s] for s in sorted({f.subject for f in self.fields})]

    @property
    def categories(self) -> list[str]:
        return [CATEGORY_LABELS[c] for c in sorted({f.category for f in self.fields})]


@dataclass(frozen=True)
class Retention:
    record: RecordRetention
    rule: RetentionRule

    @property
    def source(self) -> str:
        return self.rule.source if self.rule.source else TO_CONFIRM


def processings() -> list[Processing]:
    """The register's processings, in the order of « Données personnelles »."""
    found: list[Processing] = []
    for key, name, kept in privacy.by_service():
        fields = sorted({f for k in kept for f in privacy.personal_of(k)}, key=lambda f: f.path)
        found.append(Processing(key, name, kept, fields))
    return found


def retentions() -> list[Retention]:
    """Each record type with its latest value (the one in force from its date on)."""
    return [Retention(record, record.rules[-1]) for record in record_types().values()]

"""What the « Documents » menu offers: each document's id, title, summary and content, as plain data.

A guide is a list of sections (a title and paragraphs, a paragraph starting with "- " is a list item); a form
is a list of parts, each with the fields the requester fills in (their labels are OGDE's, manual §3.2), some
with the choices offered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Section:
    title: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class FormField:
    label: str
    lines: int = 1
    """How many lines to leave for the answer."""
    choices: tuple[str, ...] = ()
    """Boxes to tick, when the answer is one of them."""
    hint: str = ""
    field_domains: bool = False
    """The choices are the fields of application of the referentials (drawn when the PDF is)."""


@dataclass(frozen=True)
class FormPart:
    title: str
    fields: tuple[FormField, ...]
    note: str = ""


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    summary: str
    kind: str
    """"guide" or "form"."""
    published_on: date
    sections: tuple[Section, ...] = ()
    parts: tuple[FormPart, ...] = ()
    closing: tuple[str, ...] = field(default=())

    @property
    def filename(self) -> str:
        return f"{self.id}.pdf"


PUBLISHED_ON = date(2026, 12, 7)
"""The documents' edition: a change of their text changes it (and their ETag)."""

_REQUESTER = FormPart(
    "Demandeur",
    (
        FormField("Nom"),
        FormField("Prénom"),
        FormField("Adresse électronique"),
        FormField("Type de demandeur", choices=("Entreprise", "Particulier")),
        FormField("SIRET de l'entreprise", hint="si vous êtes une entreprise"),
        FormField("Raison sociale"),
        FormField(
            "SIREN de l'entreprise représentée",
            hint="si vous êtes avocat ou représentant en douane enregistré (RDE) et agissez pour une entreprise",
        ),
    ),
)


_SIGNATURE = FormPart("Date et signature", (FormField("Fait à, le"), FormField("Signature", lines=3)))
_FORM_SUMMARY = (
    "À remplir puis joindre à votre demande, ou à adresser à votre direction régionale si OGDE est indisponible."
)


def _request_part(description: str, hint: str, lines: int) -> FormPart:
    """« Votre demande »: its object, its description, the attachments listed."""
    return FormPart(
        "Votre demande",
        (
            FormField("Objet", lines=1),
            FormField(description, lines=lines, hint=hint),
            FormField("Pièces jointes", lines=3),
        ),
    )


GUIDE = Document(
    id="guide-utilisateur",
    title="OGDE — guide d'utilisation pour les opérateurs et les particuliers",
    summary="Déposer une demande de rescrit, de second examen ou de droit au contrôle, la suivre et répondre au "
    "service.",
    kind="guide",
    published_on=PUBLISHED_ON,
    sections=(
        Section(
            "1. À quoi sert OGDE",
            (
                "OGDE est la téléprocédure des demandes de la loi ESSOC adressées à la douane. Elle permet de "
                "déposer, sans papier, une demande de rescrit sur votre situation de fait, une demande de second "
                "examen si vous contestez un rescrit, ou une demande de droit au contrôle, d'y joindre des pièces, "
                "de suivre son traitement et d'échanger avec le service qui l'instruit.",
                "Chaque étape vous est aussi annoncée par courriel.",
            ),
        ),
        Section(
            "2. Déposer une demande",
            (
                "Choisissez « Nouvelle demande ». Le formulaire se remplit en cinq étapes, suivies d'un "
                "récapitulatif. Dès la première, votre saisie est gardée dans un brouillon, à chaque « Suivant » "
                "et « Retour » : vous revenez en arrière sans rien perdre, et vous reprenez une demande commencée "
                "depuis « Mes demandes », onglet « Brouillons ». Un brouillon qui n'est pas modifié pendant 90 "
                "jours est supprimé, avec ses pièces jointes.",
                "- Demandeur : vos nom, prénom et adresse électronique viennent de votre compte. Indiquez si vous "
                "agissez pour une entreprise (son SIRET, puis « Choisir une entreprise ») ou comme particulier. "
                "Un avocat ou un représentant en douane enregistré (RDE) indique en plus le SIREN de l'entreprise "
                "qu'il représente.",
                "- Caractéristiques : la nature de la demande, puis la catégorie et la direction régionale "
                "territorialement compétente pour vos activités. La direction générale ne peut pas être saisie "
                "directement. Pour un second examen, donnez le numéro OGDE du rescrit contesté si vous l'avez, "
                "sinon sa date et sa référence.",
                "- Champs d'application : un ou plusieurs domaines et sous-domaines ; un droit au contrôle porte "
                "sur un seul.",
                "- Demande : un objet court et une description complète de votre situation et de votre question.",
                "- Pièces jointes : tout document utile, dont les formulaires de ce menu une fois remplis ; "
                "5 fichiers au plus, de 20 Mo chacun au plus, gardés avec le brouillon dès que vous les joignez. "
                "Les extensions admises sont rappelées à l'écran.",
                "- Récapitulatif : tout ce que vous avez saisi et chaque fichier joint, chaque partie avec "
                "« Modifier ». « Créer la demande » l'envoie au service : elle reçoit un numéro, et un accusé de "
                "dépôt vous est adressé par courriel. « Annuler » vous demande de confirmer avant de supprimer "
                "le brouillon.",
            ),
        ),
        Section(
            "3. Suivre vos demandes",
            (
                "« Mes demandes » range vos demandes en quatre onglets :",
                "- Déposées : reçues, pas encore prises en charge ;",
                "- Prises en charge : un agent les instruit ;",
                "- Refusées : jugées non recevables, avec les motifs ;",
                "- Clôturées : le service a répondu ; la réponse et ses pièces sont dans le détail.",
                "Le détail d'une demande montre ses caractéristiques, son historique et les échanges ; "
                "« Télécharger le contenu de la demande » en donne un PDF.",
            ),
        ),
        Section(
            "4. Échanger avec le service",
            (
                "Tant que la demande est ouverte, vous pouvez la compléter par un texte ou de nouvelles pièces.",
                "Quand le service vous pose une question, un courriel vous prévient et la question apparaît dans le "
                "détail de la demande : « Répondre à la question », puis « Valider ». Votre réponse est transmise "
                "au service.",
            ),
        ),
        Section(
            "5. Les délais",
            (
                "- Rescrit : l'administration dispose de trois mois pour vous délivrer le rescrit, à compter de la "
                "date à laquelle votre demande a été jugée recevable. Avant cette décision, aucune date n'est "
                "affichée ; répondre ensuite à une question du service ne la déplace pas. L'absence de réponse ne "
                "vaut pas accord.",
                "- Second examen : il se demande dans les deux mois du rescrit contesté et il est examiné de "
                "manière collégiale ; le délai de réponse est aussi de trois mois, à compter de la date à laquelle "
                "la demande de second examen a été jugée recevable.",
                "- Droit au contrôle : le contrôle est réalisé dans un délai raisonnable ; aucun délai de réponse "
                "n'est fixé.",
            ),
        ),
        Section(
            "6. Assistance et procédures de secours",
            (
                "En cas de difficulté avec OGDE, déposez une demande d'assistance depuis le portail douane.gouv.fr.",
                "Si OGDE ne peut pas être utilisé, adressez votre demande à votre direction régionale "
                "territorialement compétente : remise en mains propres, par courrier, ou par sa messagerie "
                "fonctionnelle. Les formulaires de ce menu peuvent alors servir.",
            ),
        ),
    ),
)

RESCRIT_FORM = Document(
    id="formulaire-rescrit",
    title="Formulaire de demande de rescrit ou de second examen",
    summary=_FORM_SUMMARY,
    kind="form",
    published_on=PUBLISHED_ON,
    parts=(
        _REQUESTER,
        FormPart(
            "Caractéristiques de la demande",
            (
                FormField("Nature", choices=("Rescrit", "Second examen d'un rescrit")),
                FormField("Catégorie (domaine fiscal ou réglementaire)"),
                FormField("Direction régionale territorialement compétente"),
                FormField("Second examen : numéro OGDE du rescrit contesté", hint="s'il a été demandé dans OGDE"),
                FormField("Second examen : date et référence du rescrit contesté", hint="à défaut de numéro"),
            ),
            note="Le second examen se demande dans les deux mois du rescrit contesté.",
        ),
        FormPart(
            "Champs d'application",
            (
                FormField("Domaines concernés", field_domains=True),
                FormField("Sous-domaines", lines=2),
            ),
        ),
        _request_part(
            "Description de votre situation de fait et de votre question",
            "les faits, les opérations, produits et territoires en cause, les textes que vous pensez applicables, "
            "et la question posée",
            12,
        ),
        _SIGNATURE,
    ),
    closing=(
        "L'administration dispose de trois mois pour vous répondre, à compter de la date à laquelle votre demande "
        "a été jugée recevable (code des douanes, art. 345 bis).",
    ),
)

CONTROL_FORM = Document(
    id="formulaire-droit-au-controle",
    title="Formulaire de demande de droit au contrôle",
    summary=_FORM_SUMMARY,
    kind="form",
    published_on=PUBLISHED_ON,
    parts=(
        _REQUESTER,
        FormPart(
            "Caractéristiques de la demande",
            (FormField("Direction régionale territorialement compétente"),),
            note="Un droit au contrôle porte sur un seul champ d'application.",
        ),
        FormPart(
            "Champ d'application",
            (FormField("Domaine", field_domains=True), FormField("Sous-domaine")),
        ),
        _request_part(
            "Points sur lesquels vous demandez un contrôle",
            "les opérations, la période et les sites concernés, et ce que vous attendez du contrôle",
            10,
        ),
        _SIGNATURE,
    ),
    closing=(
        "Le contrôle est réalisé dans un délai raisonnable (code des relations entre le public et "
        "l'administration, art. L.124-1). Il peut être refusé en cas de mauvaise foi, de demande abusive ou s'il "
        "compromet le programme de contrôle du service.",
    ),
)

DOCUMENTS: tuple[Document, ...] = (GUIDE, RESCRIT_FORM, CONTROL_FORM)

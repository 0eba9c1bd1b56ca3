"""« Données personnelles » and the register of processing (RGPD art. 30), generated at build time from the code:
the inventory of `portal.privacy`, the marks of `contracts.personal` on the events' fields and the retention of
`contracts.retention`. Nothing generated is checked in, so the pages can never say what the code no longer does."""

from __future__ import annotations

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

PRIVACY_PAGE = "guide/donnees-personnelles.md"
REGISTER_PAGE = "guide/registre-des-traitements.md"


def _cell(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def privacy_page() -> str:
    """What each service keeps, why, on what basis, how long and who reads it (the portal's page, for the docs)."""
    from portal import privacy
    from portal.register import ERASURE_NOTE

    lines = [
        "# Données personnelles",
        "",
        "Généré depuis le code à chaque construction du site : la page « Données personnelles » du portail "
        "(`portal.privacy`), dont les champs sont vérifiés contre les marques des événements (`contracts.personal`). "
        "Le [registre des traitements](registre-des-traitements.md) en donne la vue de l'article 30 du RGPD, avec "
        "les durées de conservation.",
        "",
        ERASURE_NOTE,
        "",
    ]
    lines += [
        "## Marquer un champ",
        "",
        "Chaque champ d'un événement qui peut porter du texte est marqué dans `contracts` "
        "(`contracts/src/contracts/personal.py`) : `Personal` (catégorie : identité, coordonnées, texte libre, "
        "banque, fichier ; personne concernée ; où trouver son identifiant : un champ voisin, la valeur elle-même, "
        "l'auteur de l'événement ou le titulaire du flux) ou `NotPersonal` (pourquoi : identifiant, code, "
        "référence…). Un test (`contracts/tests/test_personal_inventory.py`) échoue sur un champ texte sans marque, "
        "et un autre (`services/portal/tests/test_privacy_inventory.py`) vérifie que les rubriques ci-dessous "
        "nomment exactement les champs marqués personnels.",
        "",
    ]
    for _key, name, kept in privacy.by_service():
        lines += [f"## {name}", ""]
        for item in kept:
            lines += [f"### {_cell(item.data)}", ""]
            lines += [f"- **Finalité** : {_cell(item.purpose)}", f"- **Base légale** : {_cell(item.basis)}"]
            retention = item.retention.replace("{idle}", "30").replace("{hours}", "8")
            lines += [f"- **Durée de conservation** : {_cell(retention)}", f"- **Qui y accède** : {item.recipients}"]
            fields = privacy.fields_of(item)
            if fields:
                lines.append("- **Champs** : " + ", ".join(f"`{f}`" for f in fields))
            lines.append("")
    return "\n".join(lines)


def register_page() -> str:
    """The register of processing activities (RGPD art. 30.1)."""
    from contracts.personal import CATEGORY_LABELS, SUBJECT_LABELS
    from portal.register import CONTROLLER, DPO, ERASURE_NOTE, SECURITY, TRANSFERS, processings, retentions

    lines = [
        "# Registre des traitements",
        "",
        "Registre des activités de traitement (RGPD, art. 30, § 1), généré depuis le code à chaque construction du "
        "site. Voir aussi [Données personnelles](donnees-personnelles.md).",
        "",
        f"**Responsable du traitement** : {CONTROLLER}.",
        "",
        f"**Délégué à la protection des données** : {DPO}.",
        "",
    ]
    for processing in processings():
        lines += [f"## {processing.name}", ""]
        lines += ["**Finalités et bases légales**", ""]
        for item in processing.items:
            lines.append(f"- {_cell(item.purpose)} — *{_cell(item.basis)}*")
        lines.append("")
        if processing.fields:
            lines += ["**Personnes concernées** : " + " ; ".join(processing.subjects) + ".", ""]
            lines += ["**Catégories de données** : " + " ; ".join(processing.categories) + ".", ""]
            lines += ["| champ | catégorie | personne concernée | son identifiant |", "|---|---|---|---|"]
            for field in processing.fields:
                lines.append(
                    f"| `{field.path}` | {CATEGORY_LABELS[field.category]} | {SUBJECT_LABELS[field.subject]} "
                    f"| {_cell(field.key.describe())} |"
                )
            lines.append("")
        else:
            lines += ["**Catégories de données** : " + " ; ".join(_cell(i.data) for i in processing.items), ""]
        recipients = sorted({item.recipients for item in processing.items})
        lines += ["**Destinataires**", ""] + [f"- {_cell(r)}" for r in recipients] + [""]
        lines += [f"**Transferts** : {TRANSFERS}", ""]
    lines += [
        "## Durées de conservation",
        "",
        "Paramètres datés de `contracts/src/contracts/retention.yaml`, chacun avec sa source ; « à confirmer par le "
        "DPO » là où aucun texte ne fixe la durée.",
        "",
        "| enregistrement | durée | à compter de | en vigueur depuis | source | appliqué |",
        "|---|---|---|---|---|---|",
    ]
    for retention in retentions():
        confirm = " (**à confirmer par le DPO**)" if retention.rule.to_confirm else ""
        lines.append(
            f"| {_cell(retention.record.label)} | {retention.rule.duration()} | {_cell(retention.record.counted_from)} "
            f"| {retention.rule.valid_from.strftime('%d/%m/%Y')} | {_cell(retention.source)}{confirm} "
            f"| {_cell(retention.record.applied)} |"
        )
    lines += ["", ERASURE_NOTE, "", "## Mesures de sécurité", ""] + [f"- {m}" for m in SECURITY] + [""]
    return "\n".join(lines)


def on_files(files: Files, config: MkDocsConfig) -> Files:
    files.append(File.generated(config, PRIVACY_PAGE, content=privacy_page()))
    files.append(File.generated(config, REGISTER_PAGE, content=register_page()))
    return files

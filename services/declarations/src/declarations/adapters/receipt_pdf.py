"""The filed declaration as a PDF (what DOMINO-NG's "récapitulatif" shows), drawn with fpdf2; a déclaration
rectificative's says so, with the difference it makes and the supplement to pay or the credit carried."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from chassis.pdf import DocumentPdf, find_font
from contracts import french
from contracts.boxes import BOX_LABELS, OM_BOXES, OMR_BOXES
from contracts.references import creditor_reference, declaration_reference
from contracts.types import TERRITORY_NAMES, TERRITORY_ZONES
from declarations.domain.declarant import PAYMENT_METHOD_LABELS

QUALITIES = {"representant": "représentant de l'entreprise", "mandataire": "personne disposant d'un mandat"}


def euros(value: object) -> str:
    """`10 000,00 €` (French format), `-` when there is none."""
    if value in (None, ""):
        return "-"
    return french.euros(str(value))


def _rate(value: object) -> str:
    return "-" if value in (None, "") else french.rate(str(value))


def _day(value: object) -> str:
    return "-" if not value else french.day(str(value))


def _signed(value: object) -> str:
    """A change of what is owed: `+300,00 €`, `-200,00 €`, `0,00 €`."""
    return ("+" if Decimal(str(value)) > 0 else "") + euros(value)


def _payment(method: str | None) -> str | None:
    label = PAYMENT_METHOD_LABELS.get(method or "", method)
    return label[:1].upper() + label[1:] if label else None


def _local(stamp: str | None, territory: str) -> str:
    if not stamp:
        return "-"
    return french.moment(stamp, TERRITORY_ZONES[territory]) + f" ({french.hour_of(territory)})"


PRECISIONS = {
    "_art19_1": "Immobilisations au sens de l'article 19-1 de la loi n°2004-639",
    "_year": "Année de l'omission",
}
"""What the OM and OMR pages ask beside an amount, by the suffix of its key in the declaration's read."""


def precisions(entered: dict[str, Any] | None) -> list[list[str]]:
    """The art. 19-1 ticks and the omission years typed on a tax's page, as (case, what, typed) rows, in the
    page's order; a year not typed is the declaration's and is not listed."""
    rows: list[list[str]] = []
    for key, value in (entered or {}).items():
        for suffix, label in PRECISIONS.items():
            if key.endswith(suffix):
                shown = ("oui" if value else "non") if isinstance(value, bool) else str(value)
                rows.append([key.removesuffix(suffix).replace("bis", " bis"), label, shown])
    return rows


def render(view: dict[str, Any], office: dict[str, Any] | None, font_path: str | None = None) -> bytes:
    """`view` is the API detail of a declaration (entrypoints.views.detail)."""
    territory = view["territory"]
    filed = view.get("filing") or {}
    corrective = int(view.get("corrective") or 0)
    title = f"Déclaration d'octroi de mer interne — {view['period']}"
    heading = title
    if corrective:
        title = f"Déclaration rectificative n° {corrective} — octroi de mer interne — {view['period']}"
        heading = f"Déclaration rectificative n° {corrective}\nOctroi de mer interne — {view['period']}"
    pdf = DocumentPdf(
        find_font(font_path),
        heading.replace("\n", " — "),  # what a reader shows is the heading (PDF/UA-1, RGAA 13.3)
        author="DGDDI — DOMINO-NG",
        creator="DOMINO-NG",
        running_head=title,
    )
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.main_heading(heading, size=14, line_height=8, align="L")
    pdf.set_font(pdf.family_name, "", 9)
    pdf.heading("Déclaration")
    pdf.pairs(_declaration_rows(view, filed))
    pdf.heading("Relation")
    pdf.pairs(
        [
            ("Numéro de relation", view["relation_number"]),
            ("SIRET", view["siret"]),
            ("Établissement", view["establishment"]),
            ("Bureau de douane", f"{office['name']} ({office['code']})" if office else view["office"]),
            ("Territoire", f"{TERRITORY_NAMES[territory]} ({territory})"),
        ]
    )
    declarant = view.get("declarant") or {}
    pdf.heading("Données de la déclaration")
    pdf.pairs(
        [
            ("Nom du déclarant", declarant.get("name")),
            ("Qualité", QUALITIES.get(declarant.get("quality") or "", declarant.get("quality"))),
            ("Lieu de déclaration", declarant.get("place")),
            ("Mode de paiement", _payment(declarant.get("payment_method"))),
        ]
    )
    pdf.heading("Annexe A — Ventes internes")
    pdf.grid(
        [
            "Nomenclature",
            "Prix HT",
            "CANA",
            "Taux OM",
            "Taux OMR",
            "Date d'appl.",
            "Montant OM",
            "Montant OMR",
            "NAF",
            "Avit.",
        ],
        [
            [
                x["nomenclature"],
                euros(x["price_excl_tax"]),
                x.get("cana"),
                _rate(x.get("om_rate")),
                _rate(x.get("omr_rate")),
                _day(x.get("rates_date")),
                euros(x.get("om_amount")),
                euros(x.get("omr_amount")),
                x.get("naf"),
                "oui" if x.get("avitaillement") else "non",
            ]
            for x in view["lines"]["A"]
        ],
        [26, 22, 12, 14, 14, 20, 22, 22, 16, 12],
    )
    pdf.heading("Annexe B — Exportations")
    pdf.grid(
        ["Nomenclature", "Prix HT", "Code NAF", "Placement sous RFS"],
        [
            [x["nomenclature"], euros(x["price_excl_tax"]), x.get("naf"), "oui" if x.get("rfs") else "non"]
            for x in view["lines"]["B"]
        ],
        [45, 45, 45, 45],
    )
    boxes = filed.get("boxes") or (view.get("totals") or {}).get("boxes") or {}
    deductions = view.get("deductions") or {}
    for name, keys, tax in (
        ("Cases 1 à 3", ("1", "2", "3"), None),
        ("Détermination de l'octroi de mer", OM_BOXES, "om"),
        ("Détermination de l'octroi de mer régional", OMR_BOXES, "omr"),
    ):
        pdf.heading(name)
        pdf.grid(
            ["Case", "Libellé", "Montant"],
            [[k.replace("bis", " bis"), BOX_LABELS[k], euros(boxes.get(k))] for k in keys],
            [18, 122, 40],
        )
        if tax is not None:
            pdf.ln(2)
            pdf.grid(["Case", "Précision saisie", "Saisie"], precisions(deductions.get(tax)), [18, 122, 40])
    if corrective:
        _correction(pdf, view, filed)
        return bytes(pdf.output())
    pdf.heading("Total à payer (cases 15 + 27)")
    _emphasis(pdf, euros(filed.get("total_due") or (view.get("totals") or {}).get("total_due")))
    return bytes(pdf.output())


def _reference(view: dict[str, Any], corrective: int) -> str:
    """The human reference of the quarter's declaration n° `corrective` (0: the original) of the same relation."""
    return declaration_reference(view["territory"], view["year"], view["quarter"], view["relation_number"], corrective)


def _declaration_rows(view: dict[str, Any], filed: dict[str, Any]) -> list[tuple[str, object]]:
    """The « Déclaration » block: a rectificative names the declaration it replaces (its quarter was filed, so it is
    never late); a declaration a rectificative replaced says by which, and when."""
    territory, corrective = view["territory"], int(view.get("corrective") or 0)
    superseded = view.get("superseded_by") if view["status"] == "filed" else None
    status = (
        "Brouillon (non déposée)" if view["status"] != "filed" else "Déposée, remplacée" if superseded else "Déposée"
    )
    rows: list[tuple[str, object]] = [
        ("Référence", view["reference"]),
        ("Période", f"{view['period']}, du {_day(view['first_day'])} au {_day(view['last_day'])}"),
        ("État", status),
    ]
    if superseded:
        by = int(superseded["corrective"])
        rows += [
            ("Remplacée par", f"la déclaration rectificative n° {by} ({_reference(view, by)})"),
            ("Remplacée le", _local(superseded.get("at"), territory)),
        ]
    rows += [("Date limite de dépôt", _day(view["due_date"])), ("Déposée le", _local(filed.get("filed_at"), territory))]
    if corrective:
        rows.append(("Remplace la déclaration", _reference(view, corrective - 1)))
    else:
        late = f"hors délai, {filed['days_late']} jour(s) de retard" if filed.get("late") else None
        rows.append(("Dépôt", late or ("dans les délais" if filed else "-")))
    return [*rows, ("Version", view["version"])]


def _correction(pdf: DocumentPdf, view: dict[str, Any], filed: dict[str, Any]) -> None:
    """A rectificative: the totals before and after and each tax's change (taxcalc's `Difference`: OM and OMR are
    never netted), then the supplement to pay by its date under the rectificative's own creditor reference, the
    credit carried to boxes 10 and 22 of the next declaration, or nothing more. A draft shows what taxcalc projects;
    the supplement's date is set when it is filed."""
    correction = filed.get("correction")
    change = (correction or {}).get("difference") or (view.get("totals") or {}).get("difference")
    pdf.heading("Rectification : différence avec la déclaration remplacée")
    if not change:
        pdf.pairs([("Différence", "pas encore calculée")])
        return
    pdf.grid(
        ["Rectification", "Montant"],
        [
            ["Total dû avant rectification (cases 15 + 27)", euros(change["original_total_due"])],
            ["Total dû rectifié (cases 15 + 27)", euros(change["corrected_total_due"])],
            ["Différence d'octroi de mer (case 15 − case 14)", _signed(change["om"])],
            ["Différence d'octroi de mer régional (case 27 − case 26)", _signed(change["omr"])],
        ],
        [140, 40],
    )
    supplement, om_credit, omr_credit = (Decimal(str(change[k])) for k in ("supplement", "om_credit", "omr_credit"))
    if supplement > 0:
        pdf.heading("Supplément à payer")
        due = f", au plus tard le {_day(correction['supplement_due'])}" if correction else ""
        _emphasis(pdf, euros(supplement) + due)
        reference = creditor_reference(
            view["territory"], view["year"], view["quarter"], view["relation_number"], int(view["corrective"])
        )
        pdf.pairs(
            [
                ("Référence de créancier", reference),
                ("Paiement", "par virement avec cette référence, par carte ou par télépaiement"),
                *([] if correction else [("Date limite", "fixée au dépôt de la déclaration rectificative")]),
            ]
        )
    if om_credit > 0 or omr_credit > 0:
        pdf.heading("Crédit reporté sur votre prochaine déclaration")
        _emphasis(
            pdf, f"case 10 (octroi de mer) {euros(om_credit)}, case 22 (octroi de mer régional) {euros(omr_credit)}"
        )
    if supplement <= 0 and om_credit <= 0 and omr_credit <= 0:
        pdf.heading("Aucun montant supplémentaire")
        pdf.pairs([("Montant à payer", "aucun : la rectification ne change pas ce qui est dû")])


def _emphasis(pdf: DocumentPdf, text: str) -> None:
    pdf.paragraph(text, size=12, line_height=8, bold=True)
    pdf.set_font(pdf.family_name, "", 9)

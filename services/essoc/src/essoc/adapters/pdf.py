"""The PDF of a request (manual §4, "Télécharger le contenu de la demande"), drawn with fpdf2.

The page, fonts and layout helpers are the chassis's (`chassis.pdf`: a Unicode TTF when the machine
has one, else the core Helvetica, whose latin-1 covers French accents). Dates are shown in the zone
of the directorate the request is addressed to.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from chassis.pdf import DocumentPdf, Font
from contracts.french import hour_of
from essoc.domain.deadlines import local_time

# fontTools logs every glyph subset at INFO: nothing an operator needs.
logging.getLogger("fontTools").setLevel(logging.WARNING)


class RequestPdf(DocumentPdf):
    def heading(self, text: str) -> None:
        if self.get_y() > self.h - 45:  # never a heading alone at the foot of a page
            self.add_page()
        super().heading(text)


def render_request(detail: dict[str, Any], *, font: Font, now: datetime | None = None) -> bytes:
    """The request's characteristics, fields, request and answer, history, exchanges and attachments."""
    territory = detail["territory"]

    def when(value: str | None) -> str:
        if not value:
            return "-"
        return local_time(datetime.fromisoformat(value), territory).strftime("%d/%m/%Y %H:%M")

    heading = f"Détail de la demande n° {detail['number']}"
    running_head = f"Demande n° {detail['number']}"
    pdf = RequestPdf(font, heading, author="DGDDI — OGDE", creator="OGDE", running_head=running_head)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.main_heading(heading, size=15, line_height=9, align="L")
    edited = when((now or datetime.now(UTC)).isoformat())
    pdf.paragraph(
        f"OGDE — gestion des demandes ESSOC. Édité le {edited} ({hour_of(territory)}).", size=8, line_height=5
    )

    requester = detail["requester"]
    pdf.heading("Demandeur")
    rows: list[tuple[str, object]] = [
        ("Nom", requester["name"]),
        ("Prénom", requester["first_name"]),
        ("Courriel", requester["email"]),
        ("Type de demandeur", "Entreprise" if requester["requester_type"] == "entreprise" else "Particulier"),
    ]
    if requester["siret"]:
        rows += [("SIRET", requester["siret"]), ("Raison sociale", requester["company_name"])]
    if requester["represented_siren"]:
        rows.append(("SIREN représenté", requester["represented_siren"]))
    pdf.pairs(rows)

    c = detail["characteristics"]
    pdf.heading("Caractéristiques")
    rows = [
        ("Date de création", when(c["created_at"])),
        ("Origine", c["origin"]),
        ("Nature", c["nature_label"]),
        ("Catégorie", c["category_label"]),
    ]
    if c["sub_category"]:
        rows.append(("Sous-catégorie", c["sub_category_label"]))
    if c["collegial"]:
        rows.append(("Examen", "collégial (second examen)"))
    if c["previous_request"]:
        rows.append(("Rescrit contesté", f"n° {c.get('previous_request_number') or c['previous_request']}"))
    if c.get("contested_rescrit_date"):
        stated = date.fromisoformat(c["contested_rescrit_date"])
        rows.append(("Rescrit contesté", f"{c['contested_rescrit_reference']}, du {stated:%d/%m/%Y}"))
    pdf.pairs(rows)

    pdf.heading("Champs d'application")
    pdf.grid(("Domaine", "Sous-domaine"), [(f["domain_label"], f["sub_domain"]) for f in detail["fields"]], (70, 120))

    r = detail["request"]
    pdf.heading("Demande")
    rows = [
        ("Objet de la demande", r["subject"]),
        ("État", detail["state_label"]),
        ("Recevabilité", r["admissibility_label"]),
        ("Affectation", r["unit"]),
        ("Description", r["description"]),
    ]
    if r["refusal_grounds"]:
        rows.append(("Motifs du refus", r["refusal_grounds"]))
    if r["response"]:
        rows.append(("Réponse", r["response"]))
    rows.extend(_answer_deadline(detail, when))
    pdf.pairs(rows)

    pdf.heading("Historique de la demande de traitement")
    pdf.grid(
        ("Date", "Événement", "Type demande", "Pôle de compétence", "État"),
        [(when(h["at"]), h["event"], h["type"], h["unit"], h["state_label"]) for h in detail["history"]],
        (26, 34, 64, 38, 28),
    )

    pdf.heading("Échanges")
    kinds = {"question": "Question", "answer": "Réponse", "complement": "Complément"}
    pdf.grid(
        ("Date", "Détail", "Texte"),
        [(when(e["at"]), kinds.get(e["kind"], e["kind"]), e["text"]) for e in detail["exchanges"]],
        (28, 26, 136),
    )

    pdf.heading("Pièce(s) jointe(s)")
    pdf.grid(
        ("Fichier", "Création", "Suppression", "Taille"),
        [(a["filename"], when(a["added_at"]), when(a["deleted_at"]), _size(a["size"])) for a in detail["attachments"]],
        (90, 36, 36, 28),
    )
    return bytes(pdf.output())


def _answer_deadline(detail: dict[str, Any], when: Callable[[str | None], str]) -> list[tuple[str, object]]:
    """An open rescrit's or second examen's answer period, and its date once judged admissible."""
    deadline = detail["deadline"]
    if detail["state"] not in ("deposee", "prise_en_charge") or not deadline.get("period_months"):
        return []
    rows: list[tuple[str, object]] = [
        ("Délai de réponse", f"{deadline['period_months']} mois à compter de la recevabilité")
    ]
    if deadline["deadline_at"]:
        rows.append(("Réponse attendue avant le", when(deadline["deadline_at"])))
    return rows


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} o"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} Ko"
    return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")

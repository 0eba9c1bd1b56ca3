"""« Mes données » shaped for its PDF: the words, dates (in each record's territory's zone) and tables the
renderer's process draws (`pdf.draw`), as plain data that crosses to it."""

from __future__ import annotations

from typing import Any

from contracts.personal import CATEGORY_LABELS
from portal.rendering import moment
from portal.routes.audit.wording import AUDIT_EVENT_LABELS, SERVICES

TITLE = "Mes données personnelles"
Block = dict[str, Any]
"""{"heading": …} | {"paragraph": …, "bold": …} | {"pairs": [[label, value]]} | {"grid": …, "rows": …, "widths": …}"""


def _value(value: object) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _record(record: dict[str, Any]) -> list[Block]:
    territory = record["territory"]
    kept = record["retention"]
    ends = moment(kept["ends_at"], territory) if kept.get("ends_at") else (kept.get("duration") or "-")
    rows = [
        [
            AUDIT_EVENT_LABELS.get(v["event"], v["event"]),
            moment(v["occurred_at"], territory),
            CATEGORY_LABELS[v["category"]].split(" (")[0],
            v["field"],
            _value(v["value"]),
        ]
        for v in record["values"]
    ]
    return [
        {"paragraph": f"{record['label']} — conservé jusqu'au : {ends}", "bold": True},
        {"grid": ["Événement", "Date", "Catégorie", "Champ", "Valeur"], "rows": rows, "widths": [40, 32, 26, 32, 60]},
    ]


def my_data_document(
    name: str,
    email: str,
    services: dict[str, Any],
    silent: list[str],
    requests: list[dict[str, Any]],
    portal: dict[str, Any],
) -> dict[str, Any]:
    blocks: list[Block] = [{"pairs": [["Personne", name], ["Adresse électronique", email or "-"]]}]
    if silent:
        blocks.append({"paragraph": "Services qui n'ont pas répondu : " + ", ".join(silent) + ".", "bold": True})
    for service, answer in services.items():
        blocks.append({"heading": SERVICES[service]})
        if not answer["records"]:
            blocks.append({"paragraph": "Ce service ne conserve aucune donnée personnelle vous concernant."})
        for record in answer["records"]:
            blocks.extend(_record(record))
    blocks.append({"heading": "Portail : connexion et conditions d'utilisation"})
    sessions = [[moment(s["signed_in_at"]), moment(s["seen_at"]), moment(s["ends_at"])] for s in portal["sessions"]]
    blocks.append({"grid": ["Connexion le", "Dernière activité le", "Fin au plus tard le"], "rows": sessions,
                   "widths": [60, 60, 60]})  # fmt: skip
    accepted = [[a["version"], moment(a["accepted_at"])] for a in portal["cgu_acceptances"]]
    headers = ["Conditions d'utilisation (version)", "Acceptées le"]
    blocks.append({"grid": headers, "rows": accepted, "widths": [90, 90]})
    blocks.append({"heading": "Mes demandes sur mes données"})
    asked = [
        [r["number"], r["kind_label"], moment(r["received_at"]), moment(r["due_at"]), r["state_label"]]
        for r in requests
    ]
    blocks.append({"grid": ["Numéro", "Demande", "Reçue le", "Réponse due le", "État"], "rows": asked,
                   "widths": [34, 30, 42, 42, 42]})  # fmt: skip
    return {"title": TITLE, "blocks": blocks}

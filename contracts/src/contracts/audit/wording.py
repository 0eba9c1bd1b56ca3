"""How the audit trail says things in French: a seal's or a key's date, and what pydantic refused."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import ValidationError


def moment(value: datetime) -> str:
    """`01/06/2026 à 10:00:00,123 UTC`: a seal's or a key's date, to the millisecond that orders seals."""
    value = value.astimezone(UTC)
    return f"{value:%d/%m/%Y à %H:%M:%S},{value.microsecond // 1000:03d} UTC"


def french_errors(error: ValidationError) -> str:
    """A pydantic refusal said in French: each field and what is wrong with it."""
    said = {
        "missing": "champ manquant",
        "extra_forbidden": "champ inconnu",
        "string_pattern_mismatch": "format invalide",
        "literal_error": "valeur non prévue",
    }
    parts = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "enregistrement"
        what = str(item["ctx"]["error"]) if item["type"] == "value_error" else said.get(item["type"], "valeur invalide")
        parts.append(f"{where} : {what}")
    return " ; ".join(parts)

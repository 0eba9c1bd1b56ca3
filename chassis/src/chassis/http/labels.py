"""The French label of a refused field: the body model's `title`, else a shared name, else « Ce champ »."""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

# Names several services share, as a person reads them; a model's own `title` wins over these.
COMMON_LABELS = {
    "subject": "Objet",
    "description": "Description",
    "paid_on": "Date du paiement",
    "amount": "Montant",
    "reference": "Référence",
    "method": "Moyen de paiement",
    "price_excl_tax": "Prix hors taxes",
    "quantity": "Quantité",
    "text": "Texte",
    "reason": "Motif",
    "siret": "SIRET",
    "siren": "SIREN",
    "represented_siren": "SIREN représenté",
    "territory": "Territoire",
    "status": "Statut",
    "page": "Page",
    "per_page": "Nombre par page",
    "year": "Année",
    "quarter": "Trimestre",
    "office": "Bureau de douane",
    "period": "Période",
    "email": "Courriel",
    "name": "Nom",
    "first_name": "Prénom",
    "nature": "Nature",
    "category": "Catégorie",
    "sub_category": "Sous-catégorie",
    "domain": "Domaine",
    "sub_domain": "Sous-domaine",
    "turnover": "Chiffre d'affaires",
    "tariff_code": "Code tarifaire",
    "origin": "Origine",
    "note": "Note",
    "lines": "Lignes",
    "fields": "Domaines",
}

UNKNOWN = "Ce champ"


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds: itself, or inside `list[…]`, `X | None`, `Annotated[…]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if get_origin(annotation) in (Union, types.UnionType, list, tuple, set, frozenset) or get_args(annotation):
        return [model for arg in get_args(annotation) for model in _models_in(arg)]
    return []


def _title(model: type[BaseModel] | None, path: list[str]) -> str | None:
    """The `title` declared on the field at `path` in `model`, walking nested models."""
    for position, name in enumerate(path):
        info = model.model_fields.get(name) if model is not None else None
        if info is None:
            return None
        if position == len(path) - 1:
            return info.title
        nested = _models_in(info.annotation)
        model = nested[0] if nested else None
    return None


def field_label(loc: tuple[Any, ...], body_model: Any = None, params: dict[str, str] | None = None) -> str:
    """`Date du paiement` for `("body", "paid_on")`: how a person names the field a refusal is about
    (`params`: the titles of the route's query, path and header parameters, by name)."""
    if loc[:1] in (("query",), ("path",), ("header",)) and len(loc) > 1 and (params or {}).get(str(loc[1])):
        return (params or {})[str(loc[1])]
    path = [str(part) for part in loc[1:] if not isinstance(part, int)] if loc[:1] == ("body",) else []
    models = _models_in(body_model)
    if path and models:
        title = _title(models[0], path) if path[0] in models[0].model_fields else None
        # a body of several parameters is embedded: the first part names the parameter, not a field
        if title is None and len(path) > 1:
            title = _title(models[0], path[1:]) if len(models) == 1 else None
        if title:
            return title
    names = [str(part) for part in loc if not isinstance(part, int) and part not in ("body", "query", "path", "header")]
    return COMMON_LABELS.get(names[-1], UNKNOWN) if names else UNKNOWN

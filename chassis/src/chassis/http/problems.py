"""RFC 9457 problem+json responses, in French, naming the field at fault."""

from __future__ import annotations

import re
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.dependencies.utils import get_flat_params
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pymongo.errors import ConnectionFailure
from starlette.exceptions import HTTPException as StarletteHTTPException

from chassis.http.labels import UNKNOWN, field_label
from contracts.errors import DomainError

log = structlog.get_logger(__name__)

PROBLEM = "application/problem+json"
TYPE_BASE = "https://errors.douane.example/"

TITLES = {
    400: "Requête invalide",
    401: "Authentification requise",
    403: "Accès refusé",
    404: "Ressource introuvable",
    405: "Méthode non autorisée",
    409: "Conflit",
    413: "Contenu trop volumineux",
    415: "Type de contenu non pris en charge",
    422: "Données invalides",
    500: "Erreur interne",
    503: "Service indisponible",
}

# pydantic error types → French sentences a user can act on.
MESSAGES = {
    "missing": "Ce champ est obligatoire.",
    "string_type": "Ce champ doit être une chaîne de caractères.",
    "string_too_short": "Ce champ ne peut pas être vide.",
    "string_too_long": "Ce champ est trop long.",
    "string_pattern_mismatch": "Le format de ce champ est invalide.",
    "int_parsing": "Ce champ doit être un nombre entier.",
    "int_type": "Ce champ doit être un nombre entier.",
    "decimal_parsing": 'Ce champ doit être un montant décimal (par exemple "1250.00").',
    "decimal_type": 'Ce champ doit être un montant décimal (par exemple "1250.00").',
    "decimal_max_places": "Ce montant a trop de décimales (2 au plus).",
    "greater_than": "Ce champ doit être strictement positif.",
    "greater_than_equal": "Ce champ ne peut pas être négatif.",
    "less_than_equal": "Ce champ est trop grand.",
    "literal_error": "Valeur non admise.",
    "enum": "Valeur non admise.",
    "bool_parsing": "Ce champ doit valoir true ou false.",
    "bool_type": "Ce champ doit valoir true ou false.",
    "too_long": "Cette liste a trop d'éléments.",
    "int_from_float": "Ce champ doit être un nombre entier.",
    "date_type": "Ce champ doit être une date au format AAAA-MM-JJ.",
    "date_from_datetime_parsing": "Ce champ doit être une date au format AAAA-MM-JJ.",
    "date_parsing": "Ce champ doit être une date au format AAAA-MM-JJ.",
    "json_invalid": "Le corps de la requête n'est pas un JSON valide.",
    "model_attributes_type": "Un objet JSON est attendu.",
    "dict_type": "Un objet JSON est attendu.",
    "list_type": "Une liste est attendue.",
    "extra_forbidden": "Ce champ n'est pas reconnu.",
    "value_error": "Valeur invalide.",
    "uuid_parsing": "Identifiant invalide.",
}

MAX_DETAIL = 600
"""A refusal's detail is for a person: long enough for any of our messages, never a whole echoed input."""

# Starlette's own refusals, in English, as a French user should read them.
STARLETTE_DETAILS = {
    "Too many files": "Un seul fichier par envoi : joignez les fichiers un par un.",
    "Too many fields": "Le formulaire contient trop de champs.",
    "Missing boundary": "Le formulaire multipart est mal formé (délimiteur absent).",
    "There was an error parsing the body": "Le corps de la requête n'a pas pu être lu.",
}


def short(detail: str) -> str:
    return detail if len(detail) <= MAX_DETAIL else detail[: MAX_DETAIL - 1] + "…"


def problem(
    status: int,
    detail: str,
    *,
    field: str | None = None,
    code: str | None = None,
    instance: str | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + (code or str(status)),
        "title": TITLES.get(status, "Erreur"),
        "status": status,
        "detail": short(detail),
    }
    if field:
        body["field"] = field
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "corps"


def _choices(expected: object) -> str:
    """pydantic's `'oui' or 'non'` (or `'a', 'b' or 'c'`) as French reads it: « oui » ou « non »."""
    if not expected:
        return ""
    words = re.findall(r"'((?:[^'\\]|\\.)*)'|(\d+)", str(expected))
    values = [quoted or number for quoted, number in words]
    if not values:
        return ""
    shown = [f"« {value} »" for value in values]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " ou " + shown[-1]


def _body_model(request: Request) -> Any:
    """The model of the route's JSON body, if the route has one (FastAPI's `APIRoute.body_field`)."""
    route = request.scope.get("route")
    body_field = getattr(route, "body_field", None) if isinstance(route, APIRoute) else None
    return getattr(getattr(body_field, "field_info", None), "annotation", None)


def _param_titles(request: Request) -> dict[str, str]:
    """The titles the route gives its query, path and header parameters, by the name the client sends."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return {}
    params = get_flat_params(route.dependant)  # the route's own parameters and its dependencies'
    return {param.alias: param.field_info.title for param in params if param.field_info.title}


def french_message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    if kind == "value_error":
        message = str(error.get("msg", ""))
        return message.removeprefix("Value error, ") or MESSAGES["value_error"]
    limit = error.get("ctx", {}).get("max_length")
    if kind == "string_too_long" and limit is not None:
        return f"Ce champ est trop long ({limit} caractères au plus)."
    if kind == "too_long" and limit is not None:
        return f"Cette liste a trop d'éléments ({limit} au plus)."
    if kind == "literal_error":
        choices = _choices(error.get("ctx", {}).get("expected"))
        return f"Valeur non admise (attendu : {choices})." if choices else MESSAGES[kind]
    return MESSAGES.get(kind, "Valeur invalide.")


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return problem(exc.status, exc.detail, field=exc.field, code=exc.code, instance=request.url.path, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        model, titles = _body_model(request), _param_titles(request)
        errors = [
            {
                "field": _field_name(tuple(e["loc"])),
                "label": field_label(tuple(e["loc"]), model, titles),
                "detail": french_message(dict(e)),
            }
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"field": "corps", "label": "Corps", "detail": "Requête invalide."}
        # a sentence already about « ce champ » needs no « Ce champ : » before it
        bare = first["field"] == "corps" or (first["label"] == UNKNOWN and first["detail"].startswith("Ce champ"))
        return problem(
            422,
            first["detail"] if bare else f"{first['label']} : {first['detail']}",
            field=first["field"],
            code="donnees-invalides",
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Erreur")
        french = next((fr for en, fr in STARLETTE_DETAILS.items() if detail.startswith(en)), None)
        if french is not None:
            detail = french
        elif exc.status_code == 400 and detail.isascii():  # a framework's English words, not ours
            detail = STARLETTE_DETAILS["There was an error parsing the body"]
        if exc.status_code == 404 and detail == "Not Found":
            detail = "Cette adresse ne correspond à aucune ressource."
        if exc.status_code == 405:
            detail = "Cette méthode n'est pas autorisée sur cette ressource."
        response = problem(exc.status_code, detail, instance=request.url.path)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(ConnectionFailure)
    async def _database_away(request: Request, exc: ConnectionFailure) -> JSONResponse:
        log.warning("database unavailable", path=request.url.path, error=type(exc).__name__)
        response = problem(
            503,
            "Le service est momentanément indisponible ; rien n'a été enregistré. Réessayez dans quelques secondes.",
            code="indisponible",
            instance=request.url.path,
        )
        response.headers["Retry-After"] = "5"
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", path=request.url.path)
        return problem(
            500,
            "Une erreur interne est survenue ; rien n'a été enregistré. Réessayez plus tard.",
            instance=request.url.path,
        )

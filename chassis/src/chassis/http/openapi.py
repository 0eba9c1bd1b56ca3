"""The OpenAPI document says every answer a route can give: each refusal is an RFC 9457 problem.

FastAPI documents a 422 as its own JSON shape; our refusals are `application/problem+json` with a
French `detail` and the `field`. Every operation gets the problems it can answer, so a client
generated from the document (a back office's, or schemathesis) meets no undocumented answer.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from chassis.http.problems import PROBLEM, TITLES

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 : un refus, en français, avec le champ en cause.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "field": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {"type": "object", "properties": {"field": {"type": "string"}, "detail": {"type": "string"}}},
        },
    },
    "additionalProperties": True,
}
EVERY_OPERATION = ("400", "404", "413", "422", "503")
AUTHENTICATED = ("401", "403")
COMMANDS = ("409",)
COMMAND_METHODS = ("post", "put", "patch", "delete")


def documented(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document, built once, with its problems."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    schema["components"]["schemas"].pop("HTTPValidationError", None)
    schema["components"]["schemas"].pop("ValidationError", None)
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            statuses = [*EVERY_OPERATION]
            if operation.get("security"):
                statuses += AUTHENTICATED
            if method in COMMAND_METHODS:
                statuses += COMMANDS
            for status in statuses:
                responses[status] = {
                    "description": TITLES.get(int(status), "Erreur"),
                    "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
                }
    app.openapi_schema = schema
    return schema


def install(app: FastAPI) -> None:
    app.openapi = lambda: documented(app)  # type: ignore[method-assign]

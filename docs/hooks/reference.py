"""The site's reference pages, generated at build time from the code: each service's OpenAPI document and the
AsyncAPI of the events, as readable pages and as the raw documents to download. Nothing generated is checked in,
so the site can never describe an API the code no longer has."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

SERVICES = {
    "declarations": "Déclarations (DOMINO-NG)",
    "taxcalc": "Calcul des taxes",
    "essoc": "Demandes ESSOC (OGDE)",
    "notifier": "Notifications",
}
METHODS = ("get", "post", "put", "patch", "delete")


def _builders() -> dict[str, Callable[[], Any]]:
    from declarations.bootstrap import build as declarations
    from essoc.bootstrap import build as essoc
    from notifier.bootstrap import build as notifier
    from taxcalc.bootstrap import build as taxcalc

    return {"declarations": declarations, "taxcalc": taxcalc, "essoc": essoc, "notifier": notifier}


def openapi_documents() -> dict[str, dict[str, Any]]:
    from chassis.service import create_app

    return {name: create_app(build()).openapi() for name, build in _builders().items()}


def _cell(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _schema_name(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref") or schema.get("items", {}).get("$ref", "")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        return f"liste de `{name}`" if "items" in schema else f"`{name}`"
    return f"`{schema.get('type', 'objet')}`"


def openapi_page(service: str, document: dict[str, Any]) -> str:
    """One service's operations, in the document's order: what each does, its parameters, body and answers."""
    lines = [
        f"# API {SERVICES[service]}",
        "",
        f"Généré depuis le code à chaque construction du site. Document OpenAPI complet : "
        f"[{service}.openapi.json]({service}.openapi.json) (version {document['info']['version']}).",
        "",
    ]
    for path, operations in document["paths"].items():
        for method in METHODS:
            operation = operations.get(method)
            if operation is None:
                continue
            lines += [f"## `{method.upper()} {path}`", ""]
            if operation.get("summary"):
                lines += [_cell(operation["summary"]), ""]
            if operation.get("description"):
                lines += [operation["description"].strip(), ""]
            parameters = operation.get("parameters", [])
            if parameters:
                lines += ["| paramètre | où | requis | type |", "|---|---|---|---|"]
                for parameter in parameters:
                    schema = parameter.get("schema", {})
                    kind = schema.get("type") or " ou ".join(s.get("type", "?") for s in schema.get("anyOf", []))
                    required = "oui" if parameter.get("required") else "non"
                    lines.append(f"| `{parameter['name']}` | {parameter['in']} | {required} | {_cell(kind)} |")
                lines.append("")
            body = operation.get("requestBody", {}).get("content", {})
            for media, content in body.items():
                lines += [f"Corps `{media}` : {_schema_name(content.get('schema', {}))}.", ""]
            answers = ", ".join(
                f"`{code}` {_cell(answer.get('description', ''))}" for code, answer in operation["responses"].items()
            )
            lines += [f"Réponses : {answers}.", ""]
    return "\n".join(lines)


def asyncapi_page(asyncapi: dict[str, Any], schemas: dict[str, str]) -> str:
    """Topics and their events, each with its version and payload fields, from the AsyncAPI of `contracts`."""
    lines = [
        "# Événements (AsyncAPI)",
        "",
        "Généré depuis `contracts` à chaque construction du site. Document complet : "
        "[asyncapi.yaml](asyncapi.yaml). Liaison CloudEvents 1.0 pour Kafka, mode binaire ; clé = identifiant du "
        "flux, donc tous les événements d'une déclaration ou d'une demande arrivent dans l'ordre.",
        "",
    ]
    messages = asyncapi["components"]["messages"]
    for channel in asyncapi["channels"].values():
        lines += [f"## Sujet `{channel['address']}`", ""]
        lines += ["| événement | version | résumé | champs |", "|---|---|---|---|"]
        for name in channel["messages"]:
            message = messages[name]
            payload = json.loads(schemas[message["payload"]["$ref"]])
            version = message["payload"]["$ref"].rsplit(".v", 1)[-1].removesuffix(".json")
            fields = ", ".join(f"`{field}`" for field in payload.get("properties", {}))
            lines.append(f"| `{name}` | {version} | {_cell(message['summary'])} | {fields} |")
        lines.append("")
    return "\n".join(lines)


def on_files(files: Files, config: MkDocsConfig) -> Files:
    import yaml

    from contracts.export import generate

    for service, document in openapi_documents().items():
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        files.append(File.generated(config, f"integration/api/{service}.openapi.json", content=text))
        files.append(File.generated(config, f"integration/api/{service}.md", content=openapi_page(service, document)))
    schemas = generate()
    asyncapi = yaml.safe_load(schemas["asyncapi.yaml"])
    files.append(File.generated(config, "integration/api/asyncapi.yaml", content=schemas["asyncapi.yaml"]))
    files.append(File.generated(config, "integration/api/evenements.md", content=asyncapi_page(asyncapi, schemas)))
    return files

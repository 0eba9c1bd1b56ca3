"""Every service's OpenAPI builds (it is what /docs shows) and holds the binding routes of ARCHITECTURE.md."""

from __future__ import annotations

import pytest

from chassis.service import ServiceDefinition, create_app
from declarations.bootstrap import build as declarations
from essoc.bootstrap import build as essoc
from notifier.bootstrap import build as notifier
from taxcalc.bootstrap import build as taxcalc

COMMON = {"/health/live": {"get"}, "/health/ready": {"get"}}

BINDING: dict[str, dict[str, set[str]]] = {
    "declarations": {
        "/api/v1/relations": {"get"},
        "/api/v1/declarations": {"get", "post"},
        "/api/v1/declarations/{declaration_id}": {"get"},
        "/api/v1/declarations/{declaration_id}/declarant": {"put"},
        "/api/v1/declarations/{declaration_id}/lines": {"post"},
        "/api/v1/declarations/{declaration_id}/lines/{line_id}": {"delete"},
        "/api/v1/declarations/{declaration_id}/annual-turnover": {"put"},
        "/api/v1/declarations/{declaration_id}/deductions": {"put"},
        "/api/v1/declarations/{declaration_id}/filing": {"post"},
        "/api/v1/declarations/{declaration_id}/history": {"get"},
        "/api/v1/declarations/{declaration_id}/receipt.pdf": {"get"},
        "/api/v1/offices/{code}": {"get"},
    },
    "taxcalc": {
        "/api/v1/rates": {"get"},
        "/api/v1/tariffs": {"post"},
        "/api/v1/tariffs/{territory}": {"get"},
        "/api/v1/declarations/{declaration_id}/totals": {"get"},
        "/api/v1/ledger/{relation_id}": {"get"},
    },
    "essoc": {
        "/api/v1/referentials": {"get"},
        "/api/v1/requests": {"get", "post"},
        "/api/v1/requests/{request_id}": {"get"},
        "/api/v1/requests/{request_id}/complements": {"post"},
        "/api/v1/requests/{request_id}/attachments": {"post"},
        "/api/v1/requests/{request_id}/attachments/{attachment_id}": {"get", "delete"},
        "/api/v1/requests/{request_id}/take-charge": {"post"},
        "/api/v1/requests/{request_id}/admissibility": {"post"},
        "/api/v1/requests/{request_id}/questions": {"post"},
        "/api/v1/requests/{request_id}/questions/{question_id}/answer": {"post"},
        "/api/v1/requests/{request_id}/closure": {"post"},
        "/api/v1/requests/{request_id}/pdf": {"get"},
        "/api/v1/requests/{request_id}/history": {"get"},
    },
    "notifier": {"/api/v1/notifications": {"get"}, "/api/v1/notifications/mine": {"get"}},
}

BUILDERS = {"declarations": declarations, "taxcalc": taxcalc, "essoc": essoc, "notifier": notifier}


@pytest.mark.parametrize("service", sorted(BUILDERS))
def test_the_openapi_document_holds_the_binding_routes(service: str) -> None:
    definition: ServiceDefinition = BUILDERS[service]()
    schema = create_app(definition).openapi()
    paths = {path: {m for m in ops if m in {"get", "post", "put", "delete"}} for path, ops in schema["paths"].items()}
    for path, methods in (BINDING[service] | COMMON).items():
        assert path in paths, f"{service}: {path} missing"
        assert methods <= paths[path], f"{service}: {path} lacks {methods - paths[path]}"


@pytest.mark.parametrize("service", sorted(BUILDERS))
def test_the_operations_declare_the_bearer_scheme(service: str) -> None:
    schema = create_app(BUILDERS[service]()).openapi()
    assert schema["info"]["title"] and schema["info"]["version"]
    bearer = [
        op for ops in schema["paths"].values() for op in ops.values() if isinstance(op, dict) and op.get("security")
    ]
    assert bearer, f"{service}: the bearer scheme is declared on its operations"

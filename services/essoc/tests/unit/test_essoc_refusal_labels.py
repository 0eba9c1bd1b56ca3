"""A refused request names its field in French: the route's body model gives the label."""

from __future__ import annotations

from fastapi.routing import APIRoute

from chassis.http.labels import field_label
from essoc.entrypoints.http.requests import router


def _body_model() -> object:
    route = next(r for r in router.routes if isinstance(r, APIRoute) and r.path == "/requests" and "POST" in r.methods)
    assert route.body_field is not None
    return route.body_field.field_info.annotation


def test_a_refused_subject_reads_objet_de_la_demande() -> None:
    assert field_label(("body", "subject"), _body_model()) == "Objet de la demande"
    assert field_label(("body", "fields", 0, "domain"), _body_model()) == "Domaine"

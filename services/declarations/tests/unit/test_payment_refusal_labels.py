"""A refused payment names its field in French: the route's body model gives the label."""

from __future__ import annotations

from fastapi.routing import APIRoute

from chassis.http.labels import field_label
from declarations.entrypoints.http.payments import router


def _body_model() -> object:
    route = next(
        r for r in router.routes if isinstance(r, APIRoute) and r.path.endswith("/payments") and "POST" in r.methods
    )
    assert route.body_field is not None
    return route.body_field.field_info.annotation


def test_a_refused_payment_date_reads_date_du_paiement() -> None:
    assert field_label(("body", "paid_on"), _body_model()) == "Date du paiement"
    assert field_label(("body", "amount"), _body_model()) == "Montant du paiement"

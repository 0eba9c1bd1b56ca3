"""deploy/k8s: every service and the portal read OpenTelemetry's settings; the base exports nothing (tracing is a
no-op without a collector), each overlay names its collector, and sampling is decided once per trace."""

from __future__ import annotations

from typing import Any

import pytest

from chassis import tracing

from deploy_support import K8S, OVERLAYS, kustomize

Doc = dict[str, Any]


def _otel(docs: list[Doc]) -> dict[str, str]:
    [config] = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("otel-config")]
    data: dict[str, str] = config["data"]
    return data


def _containers(docs: list[Doc]) -> dict[str, Doc]:
    return {
        f"{d['metadata']['name']}/{c['name']}": c
        for d in docs
        if d["kind"] == "Deployment"
        for c in d["spec"]["template"]["spec"]["containers"]
    }


def test_the_base_samples_parent_based_and_exports_nowhere() -> None:
    otel = _otel(kustomize(K8S / "base"))
    assert set(otel) <= tracing.SETTINGS
    assert otel["OTEL_TRACES_SAMPLER"] == "parentbased_traceidratio"
    assert 0 < float(otel["OTEL_TRACES_SAMPLER_ARG"]) <= 1
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in otel
    assert tracing.configure("declarations", environ=otel) is False  # no collector: the no-op tracer


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_overlay_sends_its_traces_to_its_collector_from_every_container(overlay: str) -> None:
    docs = kustomize(K8S / "overlays" / overlay)
    otel = _otel(docs)
    assert otel["OTEL_EXPORTER_OTLP_ENDPOINT"].startswith("http://") and otel["OTEL_EXPORTER_OTLP_ENDPOINT"].endswith(
        ":4318"
    )
    assert otel["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
    assert f"deployment.environment={overlay}" in otel["OTEL_RESOURCE_ATTRIBUTES"]
    name = next(
        d["metadata"]["name"] for d in docs if d["kind"] == "ConfigMap" and "otel-config" in d["metadata"]["name"]
    )
    for where, container in _containers(docs).items():
        sources = [s["configMapRef"]["name"] for s in container.get("envFrom", []) if "configMapRef" in s]
        assert name in sources, f"{where} does not read {name}"

"""deploy/observability/dashboards: Grafana dashboards whose every query reads only metrics the chassis, or a
service's module (totals pending, mails), registers (the running services are checked the same way in
tests/e2e/test_whole_stack.py), and the copy of them that deploy/k8s/base provisions."""

from __future__ import annotations

import json

import yaml
from metric_names import OBSERVABILITY, ROOT, exported, expressions, names_in, unexported
from prometheus_client import REGISTRY, generate_latest

import chassis.consumer
import chassis.dead_letters
import chassis.http.observability
import chassis.relay
import chassis.seals
import declarations.adapters.totals_pending
import essoc.adapters.unfollowed
import notifier.application.sender

CHASSIS_METRICS = (chassis.consumer, chassis.dead_letters, chassis.http.observability, chassis.relay, chassis.seals)
SERVICE_METRICS = (declarations.adapters.totals_pending, essoc.adapters.unfollowed, notifier.application.sender)
DASHBOARDS = OBSERVABILITY / "dashboards"


def test_the_names_of_a_query_are_its_metrics_only() -> None:
    expr = (
        'sum(increase(http_requests_total{route="/api/v1/declarations/{declaration_id}/filing"}[1h] offset 13w))'
        " / on (job, instance) group_left (service) process_memory_limit_bytes"
        ' - histogram_quantile(0.99, sum by (service, le) (rate(http_request_seconds_bucket{service="x"}[5m])))'
        " > 2.5 unless time() - max by (service) (audit_log_sealed_timestamp_seconds) > 600"
    )
    assert names_in(expr) == {
        "http_requests_total",
        "process_memory_limit_bytes",
        "http_request_seconds_bucket",
        "audit_log_sealed_timestamp_seconds",
    }


def test_a_labelled_counter_counts_as_exported_before_its_first_sample() -> None:
    page = "# HELP relay_failures_total x\n# TYPE relay_failures_total counter\n# TYPE lat histogram\nup 1\n"
    assert exported(page) == {"relay_failures_total", "lat", "lat_bucket", "lat_sum", "lat_count", "up"}


def test_every_query_reads_only_metrics_the_chassis_and_the_services_export() -> None:
    assert CHASSIS_METRICS and SERVICE_METRICS  # imported for the metrics they register
    assert expressions(), "no alert or dashboard query found"
    assert unexported([generate_latest(REGISTRY).decode()]) == {}


def test_there_is_a_dashboard_per_service_and_one_for_quarter_end() -> None:
    names = {path.stem for path in DASHBOARDS.glob("*.json")}
    assert names == {"declarations", "taxcalc", "essoc", "notifier", "quarter-end"}
    uids = [json.loads(path.read_text(encoding="utf-8"))["uid"] for path in DASHBOARDS.glob("*.json")]
    assert len(set(uids)) == len(uids)
    quarter_end = json.loads((DASHBOARDS / "quarter-end.json").read_text(encoding="utf-8"))
    assert any("offset 13w" in t["expr"] for p in quarter_end["panels"] for t in p["targets"])


def test_kubernetes_provisions_the_same_dashboards() -> None:
    configmap = yaml.safe_load((ROOT / "deploy" / "k8s" / "base" / "grafana-dashboards.yaml").read_text())
    assert configmap["metadata"]["labels"] == {"grafana_dashboard": "1"}
    copied = {name: json.loads(body) for name, body in configmap["data"].items()}
    dashboards = {path.name: json.loads(path.read_text(encoding="utf-8")) for path in DASHBOARDS.glob("*.json")}
    assert copied == dashboards, "run deploy/observability/configmap.py to copy the dashboards into the ConfigMap"
    kustomization = (ROOT / "deploy" / "k8s" / "base" / "kustomization.yaml").read_text()
    assert "- grafana-dashboards.yaml" in kustomization


def test_compose_runs_prometheus_with_the_alerts_and_grafana_with_the_dashboards() -> None:
    services = yaml.safe_load((ROOT / "deploy" / "compose" / "compose.yaml").read_text())["services"]
    assert "../observability/alerts.yaml:/etc/prometheus/alerts.yaml:ro" in services["prometheus"]["volumes"]
    assert "../observability/dashboards:/var/lib/grafana/dashboards/octroi:ro" in services["grafana"]["volumes"]
    provider = yaml.safe_load((OBSERVABILITY / "grafana" / "dashboards" / "octroi.yaml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards/octroi"

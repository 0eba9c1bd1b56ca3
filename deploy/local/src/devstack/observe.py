"""`make observe`: Debian's Prometheus scraping the services of the running `make run`, with the alert rules of
deploy/observability/alerts.yaml, its data in var/prometheus."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[4]
ALERTS = ROOT / "deploy" / "observability" / "alerts.yaml"
SCRAPED = {"declarations": 8001, "taxcalc": 8002, "essoc": 8003, "notifier": 8004}
"""The services whose /metrics Prometheus reads, on `make run`'s ports unless `<NAME>_PORT` says otherwise."""
PROMETHEUS = "/usr/bin/prometheus"
"""Debian's package `prometheus` (.ci/run installs it)."""
PROMETHEUS_PORT = 9090
DOCS_URL = "http://127.0.0.1:8010"
"""Where the alerts' runbook links point (their `docs_url` external label): `make docs-serve`."""


def ports(environ: dict[str, str] | None = None) -> dict[str, int]:
    env = os.environ if environ is None else environ
    return {name: int(env.get(f"{name.upper()}_PORT", port)) for name, port in SCRAPED.items()}


def config(service_ports: dict[str, int], *, alerts: Path = ALERTS) -> dict[str, Any]:
    """Prometheus's configuration: one job per service (its `job` label is the service's name, as in the
    overlays), scraped every 5 s so that an alert's `for:` is what decides when it fires; the alert rules."""
    return {
        "global": {"scrape_interval": "5s", "evaluation_interval": "5s", "external_labels": {"docs_url": DOCS_URL}},
        "rule_files": [str(alerts)],
        "scrape_configs": [
            {"job_name": name, "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}
            for name, port in service_ports.items()
        ],
    }


def write_config(var_dir: Path, service_ports: dict[str, int]) -> Path:
    path = var_dir / "prometheus" / "prometheus.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config(service_ports), sort_keys=False), encoding="utf-8")
    return path


def command(config_file: Path, var_dir: Path, port: int) -> list[str]:
    return [
        PROMETHEUS,
        f"--config.file={config_file}",
        f"--storage.tsdb.path={var_dir / 'prometheus' / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]

"""deploy/observability/alerts.yaml: valid Prometheus rules, each alert firing on the synthetic series of
alerts.test.yaml when it should and quiet when it should not (`promtool test rules`), and each one complete:
a `for:`, a `severity`, and a `runbook_url` whose page exists and is in the documentation's navigation."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
OBSERVABILITY = ROOT / "deploy" / "observability"
ALERTS = OBSERVABILITY / "alerts.yaml"
ALERT_TESTS = OBSERVABILITY / "alerts.test.yaml"
RUNBOOKS = ROOT / "docs" / "operations" / "runbooks"
RUNBOOK_URL = "{{ $externalLabels.docs_url }}/operations/runbooks/"
"""The docs' address is each Prometheus's external label `docs_url` (alerts.yaml's header)."""
SEVERITIES = {"critical", "warning"}


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:  # never a skip: alerts that were never tested would ship as if they had been
        pytest.fail("promtool is missing: install Debian's `prometheus` package (apt-get install prometheus)")
    return found


def _rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))["groups"]
    return [rule for group in groups for rule in group["rules"]]


def _promtool_run(*args: str) -> None:
    done = subprocess.run([_promtool(), *args], cwd=OBSERVABILITY, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"promtool {' '.join(args)}:\n{done.stdout}\n{done.stderr}"


def test_the_alert_rules_are_valid_prometheus_rules() -> None:
    _promtool_run("check", "rules", ALERTS.name)


def test_each_alert_fires_when_it_should_and_stays_quiet_when_it_should_not() -> None:
    _promtool_run("test", "rules", ALERT_TESTS.name)


def test_every_alert_is_tested_on_synthetic_series() -> None:
    tested = {
        case["alertname"]
        for test in yaml.safe_load(ALERT_TESTS.read_text(encoding="utf-8"))["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    assert {rule["alert"] for rule in _rules()} <= tested


def test_every_alert_has_a_duration_a_severity_and_a_runbook_in_the_docs() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    index = (ROOT / "docs" / "operations" / "index.md").read_text(encoding="utf-8")
    for rule in _rules():
        name = rule["alert"]
        assert rule.get("for"), f"{name}: no `for:`, it would fire on one bad scrape"
        assert rule["labels"]["severity"] in SEVERITIES, name
        url = rule["annotations"]["runbook_url"]
        assert url.startswith(RUNBOOK_URL) and url.endswith("/"), f"{name}: {url}"
        page = url.removeprefix(RUNBOOK_URL).rstrip("/") + ".md"
        assert (RUNBOOKS / page).is_file(), f"{name}: no runbook docs/operations/runbooks/{page}"
        assert f"operations/runbooks/{page}" in nav, f"{name}: runbook {page} not in mkdocs.yml's nav"
        assert f"runbooks/{page}" in index, f"{name}: runbook {page} not linked from docs/operations/index.md"

"""`make observe`: the Prometheus configuration devstack writes for the running `make run` is one Debian's
Prometheus accepts (`promtool check config`), with the alert rules loaded and every service scraped."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml
from typer.testing import CliRunner

from devstack import observe
from devstack.cli import app


def test_the_generated_configuration_passes_promtool(tmp_path: Path) -> None:
    path = observe.write_config(tmp_path, observe.ports({"TAXCALC_PORT": "18002"}))
    checked = subprocess.run(["promtool", "check", "config", str(path)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout and "rules found" in checked.stdout
    written = yaml.safe_load(path.read_text())
    targets = {job["job_name"]: job["static_configs"][0]["targets"] for job in written["scrape_configs"]}
    assert targets == {
        "declarations": ["127.0.0.1:8001"],
        "taxcalc": ["127.0.0.1:18002"],
        "essoc": ["127.0.0.1:8003"],
        "notifier": ["127.0.0.1:8004"],
    }
    assert written["rule_files"] == [str(observe.ALERTS)]
    assert written["global"]["external_labels"]["docs_url"] == observe.DOCS_URL  # the alerts' runbook links


def test_prometheus_keeps_its_data_in_var_and_listens_on_the_given_port(tmp_path: Path) -> None:
    argv = observe.command(tmp_path / "prometheus.yml", tmp_path, 9099)
    assert argv[0] == "/usr/bin/prometheus"
    assert f"--storage.tsdb.path={tmp_path / 'prometheus' / 'data'}" in argv
    assert "--web.listen-address=127.0.0.1:9099" in argv


def test_an_operator_holds_a_service_stopped_for_the_supervisor_then_lets_it_start(tmp_path: Path) -> None:
    runner = CliRunner()
    held = tmp_path / "held" / "taxcalc"
    done = runner.invoke(app, ["stop", "taxcalc", "--var-dir", str(tmp_path)])
    assert done.exit_code == 0 and held.exists(), done.output
    assert "uv run devstack start taxcalc" in done.output
    done = runner.invoke(app, ["start", "taxcalc", "--var-dir", str(tmp_path)])
    assert done.exit_code == 0 and not held.exists(), done.output


def test_a_name_that_is_no_service_is_refused_in_french(tmp_path: Path) -> None:
    done = CliRunner().invoke(app, ["stop", "taxkalc", "--var-dir", str(tmp_path)])
    assert done.exit_code == 2
    assert "« taxkalc » n'est pas un service de `make run`" in " ".join(done.output.split())
    assert not (tmp_path / "held").exists()

"""Writes deploy/k8s/base/grafana-dashboards.yaml from deploy/observability/dashboards/*.json (kustomize reads no
file above its own folder, so the ConfigMap holds a copy). Run after editing a dashboard:
`.venv/bin/python deploy/observability/configmap.py`; tests/observability fails while the copy differs."""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
DASHBOARDS = HERE / "dashboards"
CONFIGMAP = HERE.parents[1] / "deploy" / "k8s" / "base" / "grafana-dashboards.yaml"
HEADER = """\
# The Grafana dashboards of deploy/observability/dashboards, for a Grafana whose dashboard sidecar loads the
# ConfigMaps labelled grafana_dashboard="1" (kube-prometheus-stack's default). Written by
# deploy/observability/configmap.py: edit the JSON files, then run it.
apiVersion: v1
kind: ConfigMap
metadata:
  name: grafana-dashboards
  labels:
    grafana_dashboard: "1"
data:
"""


def configmap() -> str:
    lines = [HEADER.rstrip("\n")]
    for path in sorted(DASHBOARDS.glob("*.json")):
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        lines.append(f"  {path.name}: |")
        lines += ["    " + line for line in json.dumps(dashboard, indent=2, ensure_ascii=False).splitlines()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    CONFIGMAP.write_text(configmap(), encoding="utf-8")

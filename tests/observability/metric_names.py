"""The metric names the alerts and dashboards of deploy/observability query, and the names a `/metrics` page
exports: what tests/observability (against the chassis's registry) and tests/e2e (against each running service)
compare, so that no panel or alert waits on a metric nobody exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
OBSERVABILITY = ROOT / "deploy" / "observability"
PROMETHEUS_OWN = frozenset({"up"})  # written by Prometheus for each target, not by the services
HISTOGRAM_SERIES = ("_bucket", "_sum", "_count")
# PromQL's words that look like names: operators, modifiers, and the `le` of a histogram's grouping.
WORDS = frozenset({"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset"})
WORDS |= {"bool", "inf", "nan", "le"}


def expressions() -> dict[str, str]:
    """Each query of the alerts and dashboards, by where it is (`alerts.yaml: RelayBehind`, `taxcalc.json: …`)."""
    found: dict[str, str] = {}
    for group in yaml.safe_load((OBSERVABILITY / "alerts.yaml").read_text(encoding="utf-8"))["groups"]:
        for rule in group["rules"]:
            found[f"alerts.yaml: {rule['alert']}"] = rule["expr"]
    for path in sorted((OBSERVABILITY / "dashboards").glob("*.json")):
        for panel in json.loads(path.read_text(encoding="utf-8"))["panels"]:
            for target in panel["targets"]:
                found[f"{path.name}: {panel['title']} ({target['refId']})"] = target["expr"]
    return found


def names_in(expr: str) -> set[str]:
    """The metric names a PromQL expression reads: not its functions, label names, strings or durations."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # label values first: a route holds `{declaration_id}`
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # ranges
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)  # label lists
    expr = re.sub(r"\$\{?\w+\}?", "", expr)  # Grafana's variables
    names: set[str] = set()
    for match in re.finditer(r"(?<![\w.])([a-zA-Z_:][\w:]*)\s*(\()?", expr):
        if match[2] is None and match[1] not in WORDS:  # followed by `(`: a function
            names.add(match[1])
    return names


def exported(metrics_page: str) -> set[str]:
    """The names a Prometheus text page declares (`# TYPE`, even with no sample yet: a labelled counter shows
    its series only once counted) or samples, with each histogram's `_bucket`, `_sum` and `_count`."""
    names: set[str] = set()
    for line in metrics_page.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            names.add(name)
            if kind == "histogram":
                names.update(name + suffix for suffix in HISTOGRAM_SERIES)
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{\s]", line, maxsplit=1)[0])
    return names


def unexported(pages: list[str]) -> dict[str, set[str]]:
    """Each query that reads a name none of the pages exports (nor Prometheus itself), with those names."""
    known = set(PROMETHEUS_OWN).union(*(exported(page) for page in pages))
    missing = {where: names_in(expr) - known for where, expr in expressions().items()}
    return {where: names for where, names in missing.items() if names}

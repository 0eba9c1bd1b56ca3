"""The spans `make run` writes to var/traces (OTLP/JSON lines, `chassis.trace_files`), read back as trees.

`devstack trace` finds the traces an identifier names (a trace id, a correlation id, a declaration or request id,
any stream id) and prints each as a tree: span, service, start after the trace's first span, duration.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEARCHED = ("correlation.id", "stream.id", "url.path")
"""The attributes an identifier is looked for in, besides the trace id itself."""


@dataclass(frozen=True)
class Span:
    trace_id: str
    span_id: str
    parent_id: str | None
    name: str
    service: str
    start_ns: int
    end_ns: int
    attributes: dict[str, str]

    @property
    def duration_ms(self) -> float:
        return (self.end_ns - self.start_ns) / 1e6


def read_spans(directory: Path) -> list[Span]:
    """Every span of every file in `directory`; a line cut short (a process killed mid-write) is skipped."""
    spans: list[Span] = []
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                spans += list(_spans_of(json.loads(line)))
            except (ValueError, KeyError, TypeError):
                continue
    return spans


def _spans_of(request: dict[str, Any]) -> Iterator[Span]:
    for resource in request.get("resourceSpans", []):
        attrs = _attributes(resource.get("resource", {}).get("attributes", []))
        service = attrs.get("service.name", "?")
        for scope in resource.get("scopeSpans", []):
            for one in scope.get("spans", []):
                yield Span(
                    trace_id=one["traceId"],
                    span_id=one["spanId"],
                    parent_id=one.get("parentSpanId") or None,
                    name=one["name"],
                    service=service,
                    start_ns=int(one["startTimeUnixNano"]),
                    end_ns=int(one["endTimeUnixNano"]),
                    attributes=_attributes(one.get("attributes", [])),
                )


def _attributes(items: Iterable[dict[str, Any]]) -> dict[str, str]:
    """OTLP key-values as text (`{"key": k, "value": {"stringValue": v}}`, or an int, bool, double value)."""
    found: dict[str, str] = {}
    for item in items:
        value = item.get("value", {})
        found[item["key"]] = str(next(iter(value.values()), ""))
    return found


def traces_named(spans: list[Span], identifier: str) -> list[str]:
    """The trace ids `identifier` names, oldest first: itself when it is one, else the traces with a span whose
    correlation id or stream id is it, or whose URL path holds it."""
    if any(s.trace_id == identifier.lower() for s in spans):
        return [identifier.lower()]
    first: dict[str, int] = {}
    for s in spans:
        if any(
            s.attributes.get(key) == identifier or (key == "url.path" and identifier in s.attributes.get(key, ""))
            for key in SEARCHED
        ):
            first[s.trace_id] = min(first.get(s.trace_id, s.start_ns), s.start_ns)
    return sorted(first, key=lambda t: first[t])


def render(spans: list[Span]) -> list[str]:
    """One trace as lines of a tree, children in start order; a span whose parent is not written (yet, or in a
    file of another machine) is shown as a root."""
    if not spans:
        return []
    known = {s.span_id for s in spans}
    children: dict[str | None, list[Span]] = {}
    for s in spans:
        parent = s.parent_id if s.parent_id in known else None
        children.setdefault(parent, []).append(s)
    origin = min(s.start_ns for s in spans)
    end = max(s.end_ns for s in spans)
    services = list(dict.fromkeys(s.service for s in sorted(spans, key=lambda s: s.start_ns)))
    lines = [
        f"Trace {spans[0].trace_id} — {len(spans)} span(s), {(end - origin) / 1e6:.1f} ms, "
        f"services : {', '.join(services)}"
    ]

    def walk(parent: str | None, prefix: str) -> None:
        kids = sorted(children.get(parent, []), key=lambda s: s.start_ns)
        for index, s in enumerate(kids):
            last = index == len(kids) - 1
            branch = "└─ " if last else "├─ "
            timing = f"+{(s.start_ns - origin) / 1e6:.1f} ms, {s.duration_ms:.1f} ms"
            lines.append(f"{prefix}{branch}{s.name} [{s.service}] {timing}")
            walk(s.span_id, prefix + ("   " if last else "│  "))

    walk(None, "")
    return lines

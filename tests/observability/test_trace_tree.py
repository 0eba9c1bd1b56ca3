"""`devstack trace`: the spans of var/traces found by any of a trace's identifiers and drawn as a tree."""

from __future__ import annotations

import json
from pathlib import Path

from devstack import spans

TRACE = "0af7651916cd43dd8448eb211c80319c"


def _span(span_id: str, parent: str | None, name: str, start_ms: int, end_ms: int, **attrs: str) -> dict[str, object]:
    return {
        "traceId": TRACE,
        "spanId": span_id,
        **({"parentSpanId": parent} if parent else {}),
        "name": name,
        "kind": 2,
        "startTimeUnixNano": str(start_ms * 1_000_000),
        "endTimeUnixNano": str(end_ms * 1_000_000),
        "attributes": [{"key": k.replace("_", "."), "value": {"stringValue": v}} for k, v in attrs.items()],
    }


def _write(directory: Path, service: str, *items: dict[str, object]) -> None:
    request = {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
                "scopeSpans": [{"scope": {"name": "chassis"}, "spans": list(items)}],
            }
        ]
    }
    with (directory / f"{service}-1.jsonl").open("a") as out:
        out.write(json.dumps(request) + "\n")


def test_a_filing_is_drawn_as_one_tree_across_its_services(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "declarations",
        _span(
            "a" * 16,
            None,
            "POST /filing",
            1000,
            1040,
            correlation_id="corr-1",
            url_path="/api/v1/declarations/d-1/filing",
        ),
        _span("b" * 16, "a" * 16, "append DeclarationFiled", 1010, 1012, stream_id="d-1"),
        _span("c" * 16, "b" * 16, "publish DeclarationFiled", 1050, 1055),
    )
    _write(tmp_path, "taxcalc", _span("d" * 16, "c" * 16, "consume DeclarationFiled", 1100, 1130))
    (tmp_path / "cut-1.jsonl").write_text('{"resourceSpans": [')  # a process killed mid-line
    every = spans.read_spans(tmp_path)
    for identifier in (TRACE, "corr-1", "d-1"):
        assert spans.traces_named(every, identifier) == [TRACE]
    assert spans.traces_named(every, "d-2") == []
    assert spans.render(every) == [
        f"Trace {TRACE} — 4 span(s), 130.0 ms, services : declarations, taxcalc",
        "└─ POST /filing [declarations] +0.0 ms, 40.0 ms",
        "   └─ append DeclarationFiled [declarations] +10.0 ms, 2.0 ms",
        "      └─ publish DeclarationFiled [declarations] +50.0 ms, 5.0 ms",
        "         └─ consume DeclarationFiled [taxcalc] +100.0 ms, 30.0 ms",
    ]


def test_a_span_whose_parent_is_not_written_yet_is_shown_as_a_root(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "notifier",
        _span("e" * 16, "f" * 16, "mail", 0, 3),
        _span("1" * 16, "e" * 16, "append NotificationSent", 1, 2),
        _span("2" * 16, "f" * 16, "consume DeclarationAssessed", 0, 1),
    )
    assert spans.render(spans.read_spans(tmp_path))[1:] == [
        "├─ mail [notifier] +0.0 ms, 3.0 ms",
        "│  └─ append NotificationSent [notifier] +1.0 ms, 1.0 ms",
        "└─ consume DeclarationAssessed [notifier] +0.0 ms, 1.0 ms",
    ]

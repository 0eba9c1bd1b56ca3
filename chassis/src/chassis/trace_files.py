"""Spans as OTLP/JSON lines in a file: what `make run` writes to `var/traces/` and `devstack trace` reads.

One line per export batch, one `ExportTraceServiceRequest` in the OTLP/JSON encoding (lowerCamelCase names,
enums as integers, trace and span ids in hex, 64-bit integers as strings): the file a collector's
`otlpjsonfile` receiver or any OTLP tool reads.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from google.protobuf.json_format import MessageToDict  # type: ignore[import-untyped]
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

IDS = ("traceId", "spanId", "parentSpanId")


def otlp_json(spans: Sequence[ReadableSpan]) -> dict[str, Any]:
    """`spans` as one OTLP/JSON export request."""
    request: dict[str, Any] = MessageToDict(encode_spans(spans), use_integers_for_enums=True)
    for resource in request.get("resourceSpans", []):
        for scope in resource.get("scopeSpans", []):
            for one in scope.get("spans", []):
                _hex_ids(one)
                for link in one.get("links", []):
                    _hex_ids(link)
    return request


def _hex_ids(item: dict[str, Any]) -> None:
    """Protobuf's JSON mapping writes bytes in base64; OTLP/JSON wants trace and span ids in hex."""
    for key in IDS:
        if item.get(key):
            item[key] = base64.b64decode(item[key]).hex()


class OtlpJsonFileExporter(SpanExporter):
    """Appends each batch to `path` as one JSON line (one file per process: no two writers share a file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        line = json.dumps(otlp_json(spans), separators=(",", ":"), ensure_ascii=False) + "\n"
        try:
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as out:
                    out.write(line)
        except OSError:
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True

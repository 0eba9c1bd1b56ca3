"""Generates `contracts/schemas/`: one JSON Schema per event version, the envelope, and AsyncAPI 3.0.

Run `uv run python -m contracts.export` after changing an event; a test fails while the checked-in
files differ from what the code generates.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

import contracts.events  # noqa: F401  (registers every event)
from contracts import topics
from contracts.envelope import EventEnvelope
from contracts.registry import EVENT_TYPES
from contracts.wire import SCHEMA_BASE

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"


def _dump(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generate() -> dict[str, str]:
    """File name → content, for every generated file."""
    files: dict[str, str] = {}
    envelope = EventEnvelope.model_json_schema(mode="serialization")
    envelope["$id"] = f"{SCHEMA_BASE}/envelope.json"
    files["envelope.json"] = _dump(envelope)
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for name in sorted(EVENT_TYPES):
        spec = EVENT_TYPES[name]
        schema = spec.model.model_json_schema(mode="serialization")
        schema["$id"] = f"{SCHEMA_BASE}/{name}.v{spec.version}.json"
        schema["x-stream-type"] = spec.stream_type
        schema["x-topic"] = spec.topic
        files[f"events/{name}.v{spec.version}.json"] = _dump(schema)
        messages[name] = {
            "name": name,
            "title": name,
            "summary": (spec.model.__doc__ or name).strip().splitlines()[0],
            "contentType": "application/json",
            "bindings": {"kafka": {"key": {"type": "string", "description": "stream_id"}}},
            "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
            "payload": {"$ref": f"events/{name}.v{spec.version}.json"},
        }
    for topic in topics.ALL:
        names = sorted(n for n, s in EVENT_TYPES.items() if s.topic == topic)
        key = topic.replace(".", "_")
        channels[key] = {
            "address": topic,
            "messages": {n: {"$ref": f"#/components/messages/{n}"} for n in names},
        }
        operations[f"publish_{key}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{key}"},
            "messages": [{"$ref": f"#/channels/{key}/messages/{n}"} for n in names],
        }
    header_names = [
        "ce_specversion",
        "ce_id",
        "ce_type",
        "ce_source",
        "ce_time",
        "ce_subject",
        "ce_dataschema",
        "ce_schemaversion",
        "ce_streamtype",
        "ce_streamversion",
        "ce_territory",
        "ce_actorid",
        "ce_actorrole",
        "ce_correlationid",
        "ce_causationid",
        "ce_prevhash",
        "ce_hash",
        "ce_position",
        "ce_traceparent",  # the CloudEvents distributed-tracing extension (W3C), when the event was traced
    ]
    asyncapi = {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Octroi de mer et ESSOC — événements",
            "version": "1.0.0",
            "description": "Events of DOMINO-NG (declarations, taxcalc), OGDE (essoc) and the notifier. "
            "CloudEvents 1.0 Kafka binding, binary mode; key = stream id.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": {
                "CloudEventHeaders": {
                    "type": "object",
                    "required": [
                        h for h in header_names if h not in ("ce_causationid", "ce_position", "ce_traceparent")
                    ],
                    "properties": {h: {"type": "string"} for h in header_names},
                }
            },
        },
    }
    files["asyncapi.yaml"] = yaml.safe_dump(asyncapi, sort_keys=False, allow_unicode=True, width=100)
    return files


def write(target: Path = SCHEMAS_DIR) -> list[Path]:
    written = []
    for name, content in generate().items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write():
        print(path, file=sys.stderr)

"""Create the declared Kafka topics, idempotently, and wait until the cluster shows them.

aiokafka reports a failed creation as an error code in the answer, not as an exception: every
code is checked. The spec file looks like ``deploy/kafka/topics.yaml``::

    replication_factor: 1          # optional default, 1 if absent
    topics:
      - name: declarations.events
        partitions: 6
        config: {retention.ms: "-1"}   # optional, topic-level configs
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, KafkaError, for_code

__all__ = ["EnsureTopicsResult", "TopicSpec", "ensure_topics", "load_topic_specs"]

log = logging.getLogger(__name__)

_TOPIC_ALREADY_EXISTS = 36


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    replication_factor: int = 1
    config: Mapping[str, str] = field(default_factory=dict)


@dataclass
class EnsureTopicsResult:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    # topic -> (declared partitions, actual partitions), for topics that already existed with a
    # different count: never "fixed" automatically (adding partitions remaps keys).
    mismatched: dict[str, tuple[int, int]] = field(default_factory=dict)
    partitions: dict[str, int] = field(default_factory=dict)


def load_topic_specs(
    spec_path: str | Path,
    *,
    replication_factor: int | None = None,
    prefix: str = "",
    config: Mapping[str, str] | None = None,
) -> list[TopicSpec]:
    """Parse a topics spec file; ``replication_factor`` overrides the file's default, ``prefix`` is put
    before every name, ``config`` is added to every topic's own config."""
    raw: Any = yaml.safe_load(Path(spec_path).read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict) or not isinstance(raw.get("topics"), list):
        raise ValueError(f"{spec_path}: expected a mapping with a 'topics' list")
    default_rf = int(raw.get("replication_factor", 1))
    specs: list[TopicSpec] = []
    seen: set[str] = set()
    for i, item in enumerate(raw["topics"]):
        if not isinstance(item, dict) or "name" not in item or "partitions" not in item:
            raise ValueError(f"{spec_path}: topics[{i}] needs 'name' and 'partitions'")
        name = str(item["name"])
        if name in seen:
            raise ValueError(f"{spec_path}: topic {name!r} declared twice")
        seen.add(name)
        partitions = int(item["partitions"])
        if partitions < 1:
            raise ValueError(f"{spec_path}: topic {name!r} needs at least 1 partition")
        declared = item.get("replication_factor", item.get("replication"))
        rf = replication_factor or (int(declared) if declared is not None else default_rf)
        own = {str(k): str(v) for k, v in (item.get("config") or {}).items()}
        specs.append(
            TopicSpec(
                name=prefix + name, partitions=partitions, replication_factor=rf, config={**(config or {}), **own}
            )
        )
    return specs


async def _start_admin(bootstrap: str, deadline: float, client_kwargs: Mapping[str, Any]) -> Any:
    """Start an admin client, retrying while the broker is not reachable yet."""
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_kwargs)
        try:
            await admin.start()
            return admin
        except KafkaConnectionError:
            await admin.close()
            if time.monotonic() >= deadline:
                raise
            await asyncio.sleep(0.2)


async def ensure_topics(
    bootstrap: str,
    spec_path: str | Path,
    *,
    replication_factor: int | None = None,
    timeout: float = 30.0,  # noqa: ASYNC109
    client_kwargs: Mapping[str, Any] | None = None,
    prefix: str = "",
    config: Mapping[str, str] | None = None,
) -> EnsureTopicsResult:
    """Create every topic of ``spec_path`` missing on the cluster at ``bootstrap``.

    Idempotent: existing topics are left alone (a different partition count is logged and
    reported in ``mismatched``, not changed). Returns once every declared topic is visible in
    the cluster metadata. ``client_kwargs`` go to ``AIOKafkaAdminClient`` (security settings).
    """
    specs = load_topic_specs(spec_path, replication_factor=replication_factor, prefix=prefix, config=config)
    deadline = time.monotonic() + timeout
    kwargs: dict[str, Any] = {"request_timeout_ms": int(min(timeout, 30.0) * 1000)}
    kwargs.update(client_kwargs or {})
    admin = await _start_admin(bootstrap, deadline, kwargs)
    result = EnsureTopicsResult()
    try:
        present = set(await admin.list_topics())
        missing = [s for s in specs if s.name not in present]
        result.existing = [s.name for s in specs if s.name in present]
        if missing:
            response = await admin.create_topics(
                [
                    NewTopic(
                        name=s.name,
                        num_partitions=s.partitions,
                        replication_factor=s.replication_factor,
                        topic_configs=dict(s.config),
                    )
                    for s in missing
                ],
                timeout_ms=int(min(timeout, 30.0) * 1000),
            )
            for topic_error in response.topic_errors:
                name, code = topic_error[0], topic_error[1]
                message = topic_error[2] if len(topic_error) > 2 else None
                if code == 0:
                    result.created.append(name)
                elif code == _TOPIC_ALREADY_EXISTS:  # created concurrently by someone else
                    result.existing.append(name)
                else:
                    error_cls = for_code(code)
                    raise error_cls(f"creating topic {name!r}: {message or error_cls.__name__}")
        result.partitions = await _wait_visible(admin, specs, deadline)
    finally:
        await admin.close()

    for spec in specs:
        actual = result.partitions[spec.name]
        if spec.name in result.existing and actual != spec.partitions:
            result.mismatched[spec.name] = (spec.partitions, actual)
            log.warning(
                "topic %s exists with %d partitions, %d declared: left unchanged",
                spec.name,
                actual,
                spec.partitions,
            )
    if result.created:
        log.info("created Kafka topics: %s", ", ".join(result.created))
    return result


async def _wait_visible(admin: Any, specs: list[TopicSpec], deadline: float) -> dict[str, int]:
    """Partition count of each declared topic, once the metadata shows all of them."""
    names = [s.name for s in specs]
    while True:
        counts: dict[str, int] = {}
        try:
            for desc in await admin.describe_topics(names):
                if desc.get("error_code", 0) == 0 and desc.get("partitions"):
                    counts[desc["topic"]] = len(desc["partitions"])
        except KafkaError:
            if time.monotonic() >= deadline:
                raise
        if len(counts) == len(names):
            return counts
        if time.monotonic() >= deadline:
            absent = sorted(set(names) - set(counts))
            raise TimeoutError(f"topics not visible in the cluster metadata: {', '.join(absent)}")
        await asyncio.sleep(0.1)

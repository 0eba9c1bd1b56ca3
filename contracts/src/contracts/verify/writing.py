"""Writing an audit bundle (format in `contracts.verify.records`): its lines, streamed or to a file."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import IO, Any

from contracts.audit import Seal, StreamHead
from contracts.envelope import EventEnvelope, canonical_dumps, utc_now
from contracts.verify.records import EndLine, HeaderLine, SealedHead, StreamLine


def bundle_lines(
    service: str,
    seal: Seal,
    streams: Mapping[str, tuple[StreamHead, int, int, Sequence[str]]],
    events: Iterable[EventEnvelope],
    created_at: datetime | None = None,
) -> Iterator[bytes]:
    """The bundle's lines, `\\n` included, as they can be streamed (an HTTP response, a file).

    `streams` maps each stream exported to its sealed head and that head's proof (`head_proofs`);
    `events` are those streams' events from version 1, each stream's in version order.
    """
    if seal.service != service:
        raise ValueError(f"the seal is {seal.service}'s, not {service}'s")
    heads = {}
    for stream_id, (head, *_) in streams.items():
        if head.stream_id != stream_id:
            raise ValueError(f"the head given for {stream_id} is {head.stream_id}'s")
        heads[stream_id] = head
    digest, count = hashlib.sha256(), 0

    def line(record: dict[str, Any]) -> bytes:
        nonlocal count
        data = (canonical_dumps(record) + "\n").encode()
        digest.update(data)
        count += 1
        return data

    yield line(HeaderLine(service=service, created_at=created_at or utc_now()).model_dump(mode="json"))
    yield line({"kind": "seal", **seal.model_dump(mode="json")})
    for stream_id, (head, index, size, proof) in streams.items():
        record = StreamLine(
            stream_id=stream_id,
            head=SealedHead(version=head.version, hash=head.hash),
            index=index,
            size=size,
            proof=list(proof),
        )
        yield line(record.model_dump(mode="json"))
    for event in events:
        if event.stream_id not in heads:
            raise ValueError(f"an event of {event.stream_id}, a stream without a head in the bundle")
        yield line(
            {
                "kind": "event",
                "sealed": event.version <= heads[event.stream_id].version,
                **event.model_dump(mode="json"),
            }
        )
    yield (canonical_dumps(EndLine(lines=count, sha256=digest.hexdigest()).model_dump(mode="json")) + "\n").encode()


def write_bundle(
    target: str | os.PathLike[str] | IO[bytes],
    service: str,
    seal: Seal,
    streams: Mapping[str, tuple[StreamHead, int, int, Sequence[str]]],
    events: Iterable[EventEnvelope],
    created_at: datetime | None = None,
) -> None:
    """The bundle written to a path or to a binary file."""
    lines = bundle_lines(service, seal, streams, events, created_at)
    if isinstance(target, str | os.PathLike):
        with open(target, "wb") as file:
            file.writelines(lines)
    else:
        target.writelines(lines)

"""The lines of an audit bundle, the JSON Lines file an auditor verifies offline: one model per kind of line.

A bundle is JSON Lines in UTF-8, each line the canonical JSON of one record (sorted keys, no spaces, as
`canonical_dumps` writes it) followed by `\\n`, in this order:

    {"created_at":"2026-06-01T10:00:05.120000Z","format":1,"kind":"bundle","service":"declarations"}
    {"kind":"seal", …every field of the Seal, signature included…}
    {"head":{"hash":"…","version":5},"index":3,"kind":"stream","proof":["…","…"],"size":57,"stream_id":"decl-1"}
    {"kind":"event","sealed":true, …the EventEnvelope as model_dump(mode="json")…}
    {"kind":"end","lines":N,"sha256":"…"}

One `stream` line per stream exported, with its head at the seal's position and that head's inclusion
proof in the seal's tree (leaf `index` of `size`, see `contracts.audit.head_proofs`). Then the events
of those streams from version 1, each stream's in version order (streams may interleave, as in global
position order); the events after the sealed head are `"sealed":false`: they are only chained on to the
head, not covered by the seal. The `end` line counts the lines before it and gives the SHA-256 of their
bytes.

What the seal authenticates: the seal itself, the heads (through the inclusion proofs) and, through
each stream's hash chain, every event but its `position`, which the chain does not cover. The bundle's
`created_at` and the positions are protected against accidental corruption only, by the `end` line.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.audit import HEX64
from contracts.envelope import EventEnvelope


class HeaderLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["bundle"] = "bundle"
    format: Literal[1] = 1
    service: str = Field(min_length=1)
    created_at: AwareDatetime


class SealedHead(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = Field(ge=1)
    hash: str = Field(pattern=HEX64)


class StreamLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["stream"] = "stream"
    stream_id: str
    head: SealedHead
    index: int = Field(ge=0)
    size: int = Field(ge=1)
    proof: list[str]


class EndLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["end"] = "end"
    lines: int = Field(ge=0)
    sha256: str = Field(pattern=HEX64)


class EventLine(NamedTuple):
    sealed: bool
    envelope: EventEnvelope


RANK = {"bundle": 0, "seal": 1, "stream": 2, "event": 3, "end": 4}
"""Each kind of line, by the order in which the lines come."""
NAMES = {"bundle": "en-tête", "seal": "sceau", "stream": "tête de flux", "event": "événement", "end": "ligne de fin"}
"""Each kind of line, as the verifier names it."""

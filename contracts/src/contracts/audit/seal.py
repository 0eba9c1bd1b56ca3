"""A seal: a service's signed statement of the root of its stream heads at a position, chained to the
seal before it; making the next one and signing it.

A `Seal` names the heads' tree root, the position, its number `seq` (1, 2, 3… per service) and the
`digest()` of the seal before it (`prev`, 64 zeros for the first), and is signed with Ed25519 over
`payload()`, the canonical JSON of every field but `signature` (sorted keys, no spaces, UTF-8).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from contracts.audit.heads import StreamHead, heads_root
from contracts.audit.keyring import key_id_of
from contracts.audit.merkle import HEX64
from contracts.envelope import canonical_dumps, utc_now

FIRST_PREV = "0" * 64
"""The `prev` of a service's first seal."""


def _utc_ms(value: datetime) -> datetime:
    """UTC, truncated to the millisecond that BSON keeps, as envelopes are (a stored seal signs the same)."""
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


class Seal(BaseModel):
    """A service's signed statement of the heads of all its streams at a position of its log."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    service: str = Field(min_length=1)
    seq: int = Field(ge=1, description="1, 2, 3… per service")
    position: int = Field(ge=0, description="the last global position of the service's log covered")
    streams: int = Field(ge=0, description="the number of leaves: streams sealed")
    root: str = Field(pattern=HEX64, description="heads_root of the heads at `position`")
    sealed_at: AwareDatetime
    prev: str = Field(default=FIRST_PREV, pattern=HEX64, description="digest() of the previous seal")
    key_id: str = Field(default="", pattern=r"^([0-9a-f]{16})?$")
    signature: str = Field(default="", description="base64 of the Ed25519 signature of payload()")

    @field_validator("sealed_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return _utc_ms(value)

    def payload(self) -> bytes:
        """The bytes signed: the canonical JSON of every field but the signature."""
        return canonical_dumps(self.model_dump(mode="json", exclude={"signature"})).encode()

    def digest(self) -> str:
        """What the next seal's `prev` names."""
        return hashlib.sha256(self.payload()).hexdigest()

    @property
    def label(self) -> str:
        return f"sceau n° {self.seq}"


def next_seal(
    service: str,
    heads: Sequence[StreamHead],
    position: int,
    previous: Seal | None = None,
    sealed_at: datetime | None = None,
) -> Seal:
    """The unsigned seal that follows `previous` (or opens the chain) over `heads` at `position`."""
    if previous is not None and previous.service != service:
        raise ValueError(f"the previous seal is {previous.service}'s, not {service}'s")
    return Seal(
        service=service,
        seq=previous.seq + 1 if previous else 1,
        position=position,
        streams=len(heads),
        root=heads_root(heads),
        sealed_at=sealed_at or utc_now(),
        prev=previous.digest() if previous else FIRST_PREV,
    )


def sign_seal(seal: Seal, private_key: Ed25519PrivateKey) -> Seal:
    """`seal` naming the key and signed by it (any former key id and signature replaced)."""
    named = seal.model_copy(update={"key_id": key_id_of(private_key.public_key()), "signature": ""})
    signature = base64.b64encode(private_key.sign(named.payload())).decode()
    return named.model_copy(update={"signature": signature})

"""The keys of the audit trail: which public key signs whose seals and when, and a service's signing key.

Keyring (JSON, `load_keyring`; a PEM public key file is also accepted as a keyring of one key bound to
no service and no period):

    {"format": 1, "keys": [{"key_id": "3f9a1c0d5e7b2a41", "service": "declarations",
      "public_key": "<base64 of the raw 32 bytes, or a PEM block>",
      "not_before": "2026-01-01T00:00:00Z", "not_after": null}]}

`key_id` is the first 16 hex digits of SHA-256 of the raw public key; `not_before` and `not_after`
(inclusive, `null` for open) bound the `sealed_at` of the seals the key may sign.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Literal

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from contracts.audit.wording import french_errors, moment


class KeyringError(ValueError):
    """A key or keyring cannot be used; the message, in French, says why."""


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(public_key: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw(public_key)).hexdigest()[:16]


def canonical_b64decode(text: str) -> bytes | None:
    """The bytes of canonical base64 only: unused trailing bits would let two spellings decode alike."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if base64.b64encode(raw).decode() == text else None


def _public_key(text: str) -> Ed25519PublicKey:
    if "-----BEGIN" in text:
        if "PRIVATE KEY" in text:
            raise ValueError("c'est une clé privée : le trousseau ne doit contenir que des clés publiques")
        try:
            key = serialization.load_pem_public_key(text.encode())
        except (ValueError, UnsupportedAlgorithm):
            raise ValueError("clé publique PEM illisible") from None
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("la clé publique n'est pas une clé Ed25519")
        return key
    raw = canonical_b64decode(text)
    if raw is None or len(raw) != 32:
        raise ValueError("clé publique illisible : base64 des 32 octets bruts ou bloc PEM attendu")
    return Ed25519PublicKey.from_public_bytes(raw)


class PublicKeyEntry(BaseModel):
    """A service's public key and the period in which the seals it signs may be dated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key_id: str = Field(pattern=r"^[0-9a-f]{16}$")
    service: str | None = Field(description="null: any service (a bare public key file)")
    public_key: str
    not_before: AwareDatetime | None = None
    not_after: AwareDatetime | None = None

    @model_validator(mode="after")
    def _names_its_key(self) -> PublicKeyEntry:
        if key_id_of(self.key()) != self.key_id:
            raise ValueError(f"l'identifiant {self.key_id} n'est pas celui de la clé ({key_id_of(self.key())})")
        return self

    def key(self) -> Ed25519PublicKey:
        return _public_key(self.public_key)

    def valid_at(self, when: datetime) -> bool:
        return (self.not_before is None or self.not_before <= when) and (
            self.not_after is None or when <= self.not_after
        )

    def period(self) -> str:
        start = f"du {moment(self.not_before)}" if self.not_before else "depuis toujours"
        end = f"au {moment(self.not_after)}" if self.not_after else "sans fin"
        return f"{start} {end}"


class Keyring(BaseModel):
    """The public keys an auditor trusts, each bound to a service and a period."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal[1] = 1
    keys: tuple[PublicKeyEntry, ...] = ()

    @model_validator(mode="after")
    def _one_entry_per_key(self) -> Keyring:
        ids = [entry.key_id for entry in self.keys]
        if len(ids) != len(set(ids)):
            raise ValueError("une même clé figure deux fois dans le trousseau")
        return self

    def get(self, key_id: str) -> PublicKeyEntry | None:
        return next((entry for entry in self.keys if entry.key_id == key_id), None)

    def dumps(self) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def public_key_entry(
    public_key: Ed25519PublicKey | Ed25519PrivateKey,
    service: str | None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> PublicKeyEntry:
    """The keyring entry that publishes a service's key (given its private key, only the public half)."""
    if isinstance(public_key, Ed25519PrivateKey):
        public_key = public_key.public_key()
    return PublicKeyEntry(
        key_id=key_id_of(public_key),
        service=service,
        public_key=base64.b64encode(_raw(public_key)).decode(),
        not_before=not_before,
        not_after=not_after,
    )


def public_key_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_keyring(path: str | os.PathLike[str]) -> Keyring:
    """A keyring file, or a PEM public key file as a keyring of that key alone. OSError if unreadable."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
        if text.lstrip().startswith("-----BEGIN"):
            key = _public_key(text)
            return Keyring(keys=(public_key_entry(key, service=None),))
        return Keyring.model_validate_json(text)
    except ValidationError as error:
        raise KeyringError(f"{path} : trousseau illisible ({french_errors(error)})") from None
    except UnicodeDecodeError:
        raise KeyringError(f"{path} : trousseau illisible (ni JSON ni PEM en UTF-8)") from None
    except ValueError as error:
        raise KeyringError(f"{path} : {error}") from None


def load_private_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """A service's signing key, an unencrypted PKCS#8 PEM file. OSError if unreadable."""
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise KeyringError(f"{path} : clé privée illisible (PEM PKCS#8 non chiffré attendu)") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyringError(f"{path} : la clé privée n'est pas une clé Ed25519")
    return key


def generate_private_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """A new signing key, written to `path` readable by its owner only; an existing file is never replaced."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    return key

"""Personal fields of events encrypted with their data subject's key before the event is chained (so the hashes and
seals cover the ciphertext), and decrypted where events are read into models (decision 0031).

Which fields, and whose: the marks of `contracts.personal`, read by `contracts.personal_subjects`. A person's own
pseudonymous id (a sign-in id, an agent's id, the id a field names its subject by) stays in clear: it is how their key
is found, it names no one outside the identity provider, and the envelope's actor (that id and a role) with it.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chassis.keystore import DataKey, KeyStore
from contracts.ciphertext import CIPHERTEXT_VERSION, ERASED, Ciphertext, is_ciphertext
from contracts.envelope import Actor, EventEnvelope
from contracts.errors import DomainError
from contracts.personal_inventory import ENVELOPE_PERSONAL
from contracts.personal_subjects import PersonalValue, subjects_of

Doc = dict[str, Any]
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class CiphertextTampered(DomainError):
    """A ciphertext that fails authentication: altered, or moved from another event or field."""

    status = 500
    code = "donnee-chiffree-alteree"


def _steps(path: str) -> list[str | int]:
    return [name if name else int(index) for name, index in _STEP.findall(path)]


def _set(data: Any, path: str, value: object) -> None:
    *parents, last = _steps(path)
    for step in parents:
        data = data[step]
    data[last] = value


def _aad(event_id: UUID, path: str) -> bytes:
    return f"{event_id}:{path}".encode()


def encrypt(key: DataKey, event_id: UUID, path: str, value: object) -> Ciphertext:
    iv = secrets.token_bytes(12)
    ct = AESGCM(key.key).encrypt(iv, json.dumps(value, ensure_ascii=False).encode(), _aad(event_id, path))
    return {
        "enc": CIPHERTEXT_VERSION,
        "k": key.kid,
        "iv": base64.b64encode(iv).decode(),
        "ct": base64.b64encode(ct).decode(),
    }


def decrypt(key: DataKey, event_id: UUID, path: str, sealed: Ciphertext) -> object:
    try:
        plain = AESGCM(key.key).decrypt(
            base64.b64decode(sealed["iv"]), base64.b64decode(sealed["ct"]), _aad(event_id, path)
        )
    except (InvalidTag, ValueError) as exc:
        raise CiphertextTampered(
            f"Donnée chiffrée altérée dans l'événement {event_id} (champ {path}) : elle ne peut être lue ni montrée."
        ) from exc
    return json.loads(plain)


@dataclass(frozen=True)
class ToSeal:
    """One personal value to encrypt: where, under whose key."""

    path: str
    subject_id: str


def _clear_id(who: str, value: PersonalValue) -> bool:
    """A person's own id, by which their key is found: kept in clear."""
    return value.category == "identity" and value.value == who


def plan(found: Mapping[str, list[PersonalValue]]) -> list[ToSeal]:
    """The values of one event's payload to encrypt (its `subjects_of`), each once, under the first subject it
    belongs to."""
    chosen: dict[str, ToSeal] = {}
    for who, values in found.items():
        for value in values:
            if value.path in ENVELOPE_PERSONAL or _clear_id(who, value) or value.path in chosen:
                continue
            if isinstance(value.value, list):
                for index, item in enumerate(value.value):
                    if item is not None:
                        chosen.setdefault(f"{value.path}[{index}]", ToSeal(f"{value.path}[{index}]", who))
                continue
            chosen[value.path] = ToSeal(value.path, who)
    return list(chosen.values())


def _links(found: Mapping[str, list[PersonalValue]]) -> list[tuple[str, str]]:
    """(person, address) for each e-mail address met under a person other than the address itself."""
    return [
        (who, v.value)
        for who, values in found.items()
        for v in values
        if v.category == "contact" and isinstance(v.value, str) and v.value and v.value != who
    ]


def _lookup(data: Any, path: str) -> object:
    for step in _steps(path):
        data = data[step]
    return data


class FieldCipher:
    """Seals payloads before they are chained, opens envelopes as they are read; keys from one `KeyStore`."""

    def __init__(self, keys: KeyStore) -> None:
        self.keys = keys

    async def seal(self, events: Sequence[tuple[str, Doc, Actor, UUID]], owner: str | None) -> list[Doc]:
        """Each (type, payload, actor, event id) as the payload to store: its personal values encrypted. The keys
        of all the subjects are read (or made) at once."""
        found = [
            subjects_of(name, data, actor_id=actor.id, actor_role=actor.role, owner=owner)
            for name, data, actor, _ in events
        ]
        plans = [plan(f) for f in found]
        keys = await self.keys.keys_for({s.subject_id for p in plans for s in p})
        for who, address in (link for f in found for link in _links(f)):
            if who in keys:
                await self.keys.link(keys[who], address)
        sealed: list[Doc] = []
        for (_, data, _, event_id), to_seal in zip(events, plans, strict=True):
            copy = deepcopy(data)
            for item in to_seal:
                _set(copy, item.path, encrypt(keys[item.subject_id], event_id, item.path, _lookup(data, item.path)))
            sealed.append(copy)
        return sealed

    async def open(self, envelopes: Sequence[EventEnvelope]) -> list[EventEnvelope]:
        """`envelopes` with their personal values decrypted, « [donnée effacée] » where the key is erased; the
        hash stays the stored one (computed over the ciphertext). Raises CiphertextTampered on a forged value."""
        found = [(e, list(_ciphertexts(e.data, ""))) for e in envelopes]
        kids = {c["k"] for _, items in found for _, c in items}
        if not kids:
            return list(envelopes)
        keys = await self.keys.by_kid(kids)
        opened: list[EventEnvelope] = []
        for envelope, items in found:
            if not items:
                opened.append(envelope)
                continue
            data = deepcopy(envelope.data)
            for path, sealed in items:
                key = keys[sealed["k"]]
                _set(data, path, ERASED if key is None else decrypt(key, envelope.event_id, path, sealed))
            opened.append(envelope.model_copy(update={"data": data}))
        return opened


def _ciphertexts(value: object, path: str) -> list[tuple[str, Ciphertext]]:
    if is_ciphertext(value):
        return [(path, value)]
    if isinstance(value, dict):
        return [f for k, v in value.items() for f in _ciphertexts(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, list):
        return [f for i, v in enumerate(value) for f in _ciphertexts(v, f"{path}[{i}]")]
    return []

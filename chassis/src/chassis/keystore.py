"""The data keys of crypto-shredding (decision 0031): one AES-256 key per data subject, in its own database, wrapped
by a master key (KEK) the database never holds. Erasing a person is deleting their key: every ciphertext made with it,
in every log, inbox, topic and backup of the events, then reads « [donnée effacée] ».

Collections of the key store's database: `data_keys` (`_id`: the subject's tag, an HMAC of their id under the KEK, so
the store names no one; `kid`: the key id the ciphertexts carry, the tag and a generation; `wrapped`: the key
encrypted by the KEK; `links`: the tags of the e-mail addresses met under this person, erased with them) and
`erased_keys` (tombstones: the key id, when and why, never the key).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from chassis.mongo import connect
from chassis.settings import ServiceSettings

Doc = dict[str, Any]
KEYS = "data_keys"
TOMBSTONES = "erased_keys"


def load_kek(value: str | None, file: str) -> bytes:
    """The master key: `value` (base64 of 32 bytes, from a Secret) or, in development, the key kept in `file`,
    generated there on first need (var/ is never committed)."""
    if value:
        kek = base64.b64decode(value)
    else:
        path = Path(file)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("x") as out:  # the first process to get here writes it; the others read it
                out.write(base64.b64encode(secrets.token_bytes(32)).decode())
            os.chmod(path, 0o600)
        except FileExistsError:
            pass
        kek = base64.b64decode(path.read_text().strip())
    if len(kek) != 32:
        raise ValueError("la clé maîtresse du magasin de clés doit faire 32 octets (256 bits), en base64")
    return kek


@dataclass(frozen=True)
class DataKey:
    kid: str
    key: bytes


class KeyStore:
    """Data keys by subject id (to encrypt) and by key id (to decrypt), cached in process for `cache_seconds`:
    a key erased by one replica can still be used by another for at most that long."""

    def __init__(self, db: AsyncDatabase[Doc], kek: bytes, *, cache_seconds: float = 60.0) -> None:
        self.keys = db[KEYS]
        self.tombstones = db[TOMBSTONES]
        self._kek = AESGCM(kek)
        self._tagger = hmac.new(kek, b"subject-tag", hashlib.sha256).digest()
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, DataKey | None]] = {}
        """tag → (fetched at, its current key, None when it has none); a kid's tag is its part before the dot."""
        self._linked: set[tuple[str, str]] = set()

    def tag(self, subject_id: str) -> str:
        """The subject's name in the key store: an HMAC of their id, so the store does not hold the id."""
        return hmac.new(self._tagger, subject_id.encode(), hashlib.sha256).hexdigest()[:32]

    def _wrap(self, kid: str, key: bytes) -> Doc:
        iv = secrets.token_bytes(12)
        return {
            "iv": base64.b64encode(iv).decode(),
            "ct": base64.b64encode(self._kek.encrypt(iv, key, kid.encode())).decode(),
        }

    def _unwrap(self, doc: Doc) -> DataKey:
        kid = str(doc["kid"])
        wrapped = doc["wrapped"]
        key = self._kek.decrypt(base64.b64decode(wrapped["iv"]), base64.b64decode(wrapped["ct"]), kid.encode())
        return DataKey(kid, key)

    def _cached(self, tag: str) -> tuple[bool, DataKey | None]:
        found = self._cache.get(tag)
        if found is None or time.monotonic() - found[0] > self.cache_seconds:
            return False, None
        return True, found[1]

    async def _fetch(self, tags: Iterable[str]) -> dict[str, DataKey | None]:
        """{tag: its current key, None when it has none}: from the cache, the others in one read."""
        result: dict[str, DataKey | None] = {}
        missing: list[str] = []
        for tag in dict.fromkeys(tags):
            hit, key = self._cached(tag)
            if hit:
                result[tag] = key
            else:
                missing.append(tag)
        if missing:
            now = time.monotonic()
            found = {d["_id"]: self._unwrap(d) async for d in self.keys.find({"_id": {"$in": missing}})}
            for tag in missing:
                result[tag] = found.get(tag)
                self._cache[tag] = (now, result[tag])
        return result

    async def keys_for(self, subject_ids: Iterable[str]) -> dict[str, DataKey]:
        """{subject id: its key}, each created on first need; one read for all those not cached."""
        by_tag = {self.tag(s): s for s in subject_ids}
        known = await self._fetch(by_tag)
        result: dict[str, DataKey] = {}
        for tag, subject in by_tag.items():
            key = known[tag]
            result[subject] = key if key is not None else await self._create(tag)
        return result

    async def _create(self, tag: str) -> DataKey:
        generation = await self.tombstones.count_documents({"tag": tag})
        kid = f"{tag}.{generation}"
        key = AESGCM.generate_key(bit_length=256)
        try:
            await self.keys.insert_one({"_id": tag, "kid": kid, "wrapped": self._wrap(kid, key), "links": []})
            made = DataKey(kid, key)
        except DuplicateKeyError:  # another replica made it first: theirs is the key
            doc = await self.keys.find_one({"_id": tag})
            assert doc is not None
            made = self._unwrap(doc)
        self._cache[tag] = (time.monotonic(), made)
        return made

    async def by_kid(self, kids: Iterable[str]) -> dict[str, DataKey | None]:
        """{key id: its key, None once erased}; one read for all those not cached."""
        wanted = list(dict.fromkeys(kids))
        known = await self._fetch(k.split(".")[0] for k in wanted)
        result: dict[str, DataKey | None] = {}
        for kid in wanted:
            key = known[kid.split(".")[0]]
            result[kid] = key if key is not None and key.kid == kid else None
        return result

    async def link(self, person: DataKey, contact_value: str) -> None:
        """Notes that `contact_value` (an e-mail address) belongs to the person whose key is `person`: erasing them
        erases the key of that address too (the notifier encrypts a mail's recipient under the address itself).
        Remembered per key generation: a person's new key, after an erasure, is linked again."""
        pair = (person.kid, self.tag(contact_value))
        if pair in self._linked or person.kid.split(".")[0] == pair[1]:
            return
        await self.keys.update_one(
            {"_id": person.kid.split(".")[0], "kid": person.kid}, {"$addToSet": {"links": pair[1]}}
        )
        self._linked.add(pair)

    async def erase(self, subject_id: str, *, why: str, now: datetime) -> list[str]:
        """Deletes the key of `subject_id` and of the addresses linked to it, each leaving a tombstone (when, why,
        never the key); returns the key ids erased (empty when there was none)."""
        tag = self.tag(subject_id)
        doc = await self.keys.find_one({"_id": tag})
        if doc is None:
            return []
        erased: list[str] = []
        for victim in [tag, *doc.get("links", [])]:
            found = await self.keys.find_one_and_delete({"_id": victim})
            if found is None:
                continue
            kid = str(found["kid"])
            await self.tombstones.insert_one({"_id": kid, "tag": victim, "erased_at": now, "why": why})
            self._cache.pop(victim, None)
            erased.append(kid)
        return erased

    async def is_erased(self, subject_id: str) -> bool:
        tag = self.tag(subject_id)
        return await self.keys.find_one({"_id": tag}, {"_id": 1}) is None and (
            await self.tombstones.find_one({"tag": tag}, {"_id": 1}) is not None
        )


def open_keystore(settings: ServiceSettings, client: AsyncMongoClient[Doc]) -> KeyStore:
    """The deployment's key store: its own database, on the log's server unless `keystore_uri` names another."""
    own = connect(settings.keystore_uri) if settings.keystore_uri else client
    kek = load_kek(settings.keystore_kek, settings.keystore_kek_file)
    return KeyStore(own[settings.keystore_database], kek, cache_seconds=settings.keystore_cache_seconds)

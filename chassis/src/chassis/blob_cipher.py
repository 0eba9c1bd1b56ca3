"""Attached files encrypted with their owner's key, like the personal fields of events (decision 0031): the content
is stored as AES-256-GCM ciphertext (associated data: the file's id), its key id and nonce beside it; the SHA-256 the
event records stays the digest of what the person sent, so the audit check of a readable file is unchanged. Once the
owner's key is erased the content cannot be read again: it is as good as deleted, in every copy and backup."""

from __future__ import annotations

import base64
import secrets
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chassis.field_cipher import CiphertextTampered
from chassis.keystore import KeyStore
from contracts.ciphertext import CIPHERTEXT_VERSION

Doc = dict[str, Any]


class BlobCipher:
    def __init__(self, keys: KeyStore) -> None:
        self.keys = keys

    async def seal(self, blob_id: str, owner: str, content: bytes) -> tuple[bytes, Doc]:
        """The content to store, and what to keep beside it (`enc`, `k`, `iv`): encrypted with `owner`'s key."""
        key = (await self.keys.keys_for([owner]))[owner]
        iv = secrets.token_bytes(12)
        sealed = AESGCM(key.key).encrypt(iv, content, blob_id.encode())
        return sealed, {"enc": CIPHERTEXT_VERSION, "k": key.kid, "iv": base64.b64encode(iv).decode()}

    async def open(self, blob_id: str, meta: Doc, stored: bytes) -> bytes | None:
        """The content as sent, or None once its owner's key is erased; a file stored before encryption (no `enc`)
        as it is. Raises CiphertextTampered when the stored content was altered."""
        if meta.get("enc") != CIPHERTEXT_VERSION:
            return stored
        key = (await self.keys.by_kid([str(meta["k"])]))[str(meta["k"])]
        if key is None:
            return None
        try:
            return AESGCM(key.key).decrypt(base64.b64decode(str(meta["iv"])), stored, blob_id.encode())
        except InvalidTag as exc:
            raise CiphertextTampered(f"Le contenu chiffré de la pièce jointe {blob_id} a été altéré.") from exc

"""The shape a personal field takes in a stored event (crypto-shredding, decision 0031), and what it reads as once
its data subject's key is erased."""

from __future__ import annotations

from typing import TypedDict, TypeGuard

ERASED = "[donnée effacée]"
"""What a personal value reads as once its key is erased: in views, PDFs, exports and the auditor's pages."""

CIPHERTEXT_VERSION = 1


class Ciphertext(TypedDict):
    """One personal value, AES-256-GCM encrypted with its data subject's key `k` (an opaque key id, not the
    person's id); `iv` and `ct` in base64, `ct` ending with the tag. The associated data binds the event id and the
    field's path: a ciphertext copied to another event or field fails authentication."""

    enc: int
    k: str
    iv: str
    ct: str


def is_ciphertext(value: object) -> TypeGuard[Ciphertext]:
    return (
        isinstance(value, dict)
        and value.get("enc") == CIPHERTEXT_VERSION
        and set(value) == {"enc", "k", "iv", "ct"}
        and all(isinstance(value[f], str) for f in ("k", "iv", "ct"))
    )

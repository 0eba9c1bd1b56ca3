"""The audit trail's cryptographic core: seals, signed and chained one to the next, over a Merkle tree
of the heads of all the streams of a service's log, and the keyring that says whose key signs what.

Seal. The heads `{"stream_id", "version", "hash"}` of all the streams of a service's log at a global
position, sorted by `stream_id` (Unicode code points, which is also MongoDB's binary order), are the
leaves of an RFC 6962 Merkle tree, each leaf the canonical JSON of its head. A `Seal` names that
tree's root, the position, its number `seq` (1, 2, 3… per service) and the `digest()` of the seal
before it (`prev`, 64 zeros for the first), and is signed with Ed25519 over `payload()`, the canonical
JSON of every field but `signature` (sorted keys, no spaces, UTF-8).

Keyring (JSON, `load_keyring`; a PEM public key file is also accepted as a keyring of one key bound to
no service and no period):

    {"format": 1, "keys": [{"key_id": "3f9a1c0d5e7b2a41", "service": "declarations",
      "public_key": "<base64 of the raw 32 bytes, or a PEM block>",
      "not_before": "2026-01-01T00:00:00Z", "not_after": null}]}

`key_id` is the first 16 hex digits of SHA-256 of the raw public key; `not_before` and `not_after`
(inclusive, `null` for open) bound the `sealed_at` of the seals the key may sign.

The bundle an auditor verifies offline, and its verifier, are in `contracts.verify`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Literal, NamedTuple

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from contracts.envelope import canonical_dumps, utc_now

HEX64 = r"^[0-9a-f]{64}$"
FIRST_PREV = "0" * 64
"""The `prev` of a service's first seal."""
_HEX64 = re.compile(r"[0-9a-f]{64}")


def _utc_ms(value: datetime) -> datetime:
    """UTC, truncated to the millisecond that BSON keeps, as envelopes are (a stored seal signs the same)."""
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def moment(value: datetime) -> str:
    """`01/06/2026 à 10:00:00,123 UTC`: a seal's or a key's date, to the millisecond that orders seals."""
    value = value.astimezone(UTC)
    return f"{value:%d/%m/%Y à %H:%M:%S},{value.microsecond // 1000:03d} UTC"


def _short(digest: str) -> str:
    return f"{digest[:12]}…"


# ---- Merkle tree (RFC 6962 §2.1) ---------------------------------------------------------------------


def _leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def _node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class MerkleTree:
    """The RFC 6962 tree over `leaves`, its levels kept so that each audit path costs O(log n).

    Pairing the nodes of a level left to right and lifting an odd last node unchanged builds the same
    tree as RFC 6962's split at the largest power of two smaller than n.
    """

    def __init__(self, leaves: Sequence[bytes]) -> None:
        level = [_leaf_hash(leaf) for leaf in leaves]
        self.size = len(level)
        self._levels = [level]
        while len(level) > 1:
            level = [
                _node_hash(level[i], level[i + 1]) if i + 1 < len(level) else level[i] for i in range(0, len(level), 2)
            ]
            self._levels.append(level)

    def root(self) -> str:
        return self._levels[-1][0].hex() if self.size else hashlib.sha256(b"").hexdigest()

    def proof(self, index: int) -> list[str]:
        """The audit path of leaf `index` (RFC 6962 §2.1.1), the sibling nearest the leaf first."""
        if not 0 <= index < self.size:
            raise IndexError(f"leaf {index} outside a tree of {self.size}")
        path = []
        for level in self._levels[:-1]:
            if (index ^ 1) < len(level):
                path.append(level[index ^ 1].hex())
            index //= 2
        return path


def merkle_root(leaves: Sequence[bytes]) -> str:
    return MerkleTree(leaves).root()


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[str]:
    return MerkleTree(leaves).proof(index)


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[str], root: str) -> bool:
    """Whether `proof` puts `leaf` at `index` in the tree of `size` leaves whose root is `root` (RFC 9162
    §2.1.3.2). Hashes must be lowercase hex, so that no two spellings of a proof verify. A proof may
    also fit another size: the size must come from where the root does (a seal's `streams`)."""
    if not 0 <= index < size or not all(_HEX64.fullmatch(h) for h in (*proof, root)):
        return False
    fn, sn, r = index, size - 1, _leaf_hash(leaf)
    for sibling in map(bytes.fromhex, proof):
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = _node_hash(sibling, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = _node_hash(r, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r.hex() == root


# ---- stream heads, the leaves of a seal ---------------------------------------------------------------


@dataclass(frozen=True)
class StreamHead:
    """The last event of a stream at some position of the log: its version and its chain hash."""

    stream_id: str
    version: int
    hash: str

    def leaf(self) -> bytes:
        return canonical_dumps({"stream_id": self.stream_id, "version": self.version, "hash": self.hash}).encode()


def sorted_heads(heads: Iterable[StreamHead]) -> list[StreamHead]:
    """The heads in leaf order, by `stream_id`; a stream named twice has no single head."""
    ordered = sorted(heads, key=lambda head: head.stream_id)
    for before, after in pairwise(ordered):
        if before.stream_id == after.stream_id:
            raise ValueError(f"flux {after.stream_id} : deux têtes pour un même flux")
    return ordered


def heads_root(heads: Iterable[StreamHead]) -> str:
    return merkle_root([head.leaf() for head in sorted_heads(heads)])


class HeadProof(NamedTuple):
    """A stream's head and its inclusion proof, leaf `leaf_index` of the `tree_size` leaves of a seal's tree."""

    head: StreamHead
    leaf_index: int
    tree_size: int
    proof: list[str]


def head_proofs(heads: Iterable[StreamHead], stream_ids: Iterable[str] | None = None) -> dict[str, HeadProof]:
    """The inclusion proofs of the streams `stream_ids` (all by default) among all the sealed `heads`."""
    ordered = sorted_heads(heads)
    tree = MerkleTree([head.leaf() for head in ordered])
    index = {head.stream_id: i for i, head in enumerate(ordered)}
    wanted = index if stream_ids is None else stream_ids
    return {sid: HeadProof(ordered[index[sid]], index[sid], tree.size, tree.proof(index[sid])) for sid in wanted}


# ---- seals --------------------------------------------------------------------------------------------


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


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(public_key: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw(public_key)).hexdigest()[:16]


def sign_seal(seal: Seal, private_key: Ed25519PrivateKey) -> Seal:
    """`seal` naming the key and signed by it (any former key id and signature replaced)."""
    named = seal.model_copy(update={"key_id": key_id_of(private_key.public_key()), "signature": ""})
    signature = base64.b64encode(private_key.sign(named.payload())).decode()
    return named.model_copy(update={"signature": signature})


def _b64(text: str) -> bytes | None:
    """The bytes of canonical base64 only: unused trailing bits would let two spellings decode alike."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if base64.b64encode(raw).decode() == text else None


# ---- keys and keyring ---------------------------------------------------------------------------------


class KeyringError(ValueError):
    """A key or keyring cannot be used; the message, in French, says why."""


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
    raw = _b64(text)
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


# ---- checking seals -----------------------------------------------------------------------------------


def verify_seal(seal: Seal, keyring: Keyring) -> list[str]:
    """Why `seal` cannot be trusted by the holder of `keyring`, as French sentences; empty when it can."""
    if not seal.signature:
        return [f"{seal.label} : non signé"]
    entry = keyring.get(seal.key_id)
    if entry is None:
        return [f"{seal.label} : signé par une clé inconnue du trousseau ({seal.key_id or 'sans identifiant'})"]
    problems = []
    if entry.service is not None and entry.service != seal.service:
        problems.append(
            f"{seal.label} : signé par la clé {seal.key_id} du service « {entry.service} », "
            f"pas du service « {seal.service} »"
        )
    if not entry.valid_at(seal.sealed_at):
        problems.append(
            f"{seal.label} : daté du {moment(seal.sealed_at)}, hors de la période de validité de la clé "
            f"{seal.key_id} ({entry.period()})"
        )
    signature = _b64(seal.signature)
    try:
        if signature is None:
            raise InvalidSignature
        entry.key().verify(signature, seal.payload())
    except InvalidSignature:
        problems.append(f"{seal.label} : signature invalide — sceau modifié ou signé par une autre clé")
    return problems


def verify_seal_chain(seals: Sequence[Seal], keyring: Keyring, *, after: Seal | None = None) -> list[str]:
    """Every break in a service's chain of seals, in `seq` order, as French sentences; empty when intact.

    The chain starts at seal n° 1, or just after `after`, a seal already trusted. Each seal must be
    signed, follow the previous one's digest, keep or advance its position and be dated after it.
    """
    problems: list[str] = []
    previous = after
    service = after.service if after else seals[0].service if seals else ""
    for seal in sorted(seals, key=lambda s: s.seq):
        problems.extend(verify_seal(seal, keyring))
        if seal.service != service:
            problems.append(f"{seal.label} : sceau du service « {seal.service} » dans la chaîne de « {service} »")
        expected = previous.seq + 1 if previous else 1
        if previous is not None and seal.seq < previous.seq:
            problems.append(f"{seal.label} : antérieur au {previous.label} déjà vérifié — sceau rejoué ?")
            continue
        if previous is not None and seal.seq == previous.seq:
            problems.append(
                f"{seal.label} : présent deux fois — sceau rejoué ?"
                if seal.digest() == previous.digest()
                else f"{seal.label} : deux sceaux différents portent ce numéro — sceau rejoué ou falsifié ?"
            )
            continue
        if seal.seq > expected:
            missing = (
                f"sceau n° {expected} manquant"
                if seal.seq == expected + 1
                else f"sceaux n° {expected} à {seal.seq - 1} manquants"
            )
            problems.append(f"{seal.label} : {missing}")
        elif previous is None and seal.prev != FIRST_PREV:
            problems.append(f"{seal.label} : devrait ouvrir la chaîne, mais nomme un sceau précédent")
        elif previous is not None and seal.prev != previous.digest():
            problems.append(
                f"{seal.label} : ne suit pas le {previous.label} (empreinte précédente différente) "
                "— sceau rejoué ou inséré ?"
            )
        if previous is not None and seal.position < previous.position:
            problems.append(
                f"{seal.label} : position {seal.position} antérieure à celle du {previous.label} ({previous.position})"
            )
        if previous is not None and seal.sealed_at <= previous.sealed_at:
            problems.append(
                f"{seal.label} : daté du {moment(seal.sealed_at)}, pas après le {previous.label} "
                f"({moment(previous.sealed_at)})"
            )
        previous = seal
    return problems


def check_heads(seal: Seal, heads: Sequence[StreamHead]) -> list[str]:
    """Whether `heads`, those of each stream at the seal's position, are the ones the seal covers."""
    try:
        ordered = sorted_heads(heads)
    except ValueError as error:
        return [f"{seal.label} : {error}"]
    problems = []
    if len(ordered) != seal.streams:
        problems.append(
            f"{seal.label} : {seal.streams} flux scellés, {len(ordered)} trouvés à la position {seal.position}"
        )
    if heads_root(ordered) != seal.root:
        problems.append(
            f"{seal.label} : les têtes des flux à la position {seal.position} ne donnent pas la racine scellée "
            "— journal modifié après le scellement"
        )
    return problems


def diff_heads(sealed: Sequence[StreamHead], current: Sequence[StreamHead]) -> list[str]:
    """Each stream whose head at the seal's position (`current`) is not the sealed one, in French."""
    was = {head.stream_id: head for head in sealed}
    now = {head.stream_id: head for head in current}
    problems = []
    for stream_id in sorted(was.keys() | now.keys()):
        before, after = was.get(stream_id), now.get(stream_id)
        if before == after:
            continue
        if after is None:
            assert before is not None
            problems.append(
                f"flux {stream_id} : scellé (version {before.version}, hash {_short(before.hash)}) "
                "mais absent du journal — flux supprimé"
            )
        elif before is None:
            problems.append(
                f"flux {stream_id} : présent dans le journal (version {after.version}, hash {_short(after.hash)}) "
                "mais absent du sceau — flux ajouté après coup"
            )
        else:
            verdict = (
                "flux réécrit"
                if after.version == before.version
                else "événements retirés — flux tronqué"
                if after.version < before.version
                else "événements ajoutés avant la position scellée — flux réécrit"
            )
            problems.append(
                f"flux {stream_id} : tête scellée version {before.version} (hash {_short(before.hash)}), "
                f"trouvée version {after.version} (hash {_short(after.hash)}) — {verdict}"
            )
    return problems


def french_errors(error: ValidationError) -> str:
    """A pydantic refusal said in French: each field and what is wrong with it."""
    said = {
        "missing": "champ manquant",
        "extra_forbidden": "champ inconnu",
        "string_pattern_mismatch": "format invalide",
        "literal_error": "valeur non prévue",
    }
    parts = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "enregistrement"
        what = str(item["ctx"]["error"]) if item["type"] == "value_error" else said.get(item["type"], "valeur invalide")
        parts.append(f"{where} : {what}")
    return " ; ".join(parts)

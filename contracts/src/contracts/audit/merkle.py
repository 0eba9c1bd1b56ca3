"""The RFC 6962 Merkle tree whose root a seal signs: building it, the audit path of a leaf, and checking
one (RFC 9162 §2.1.3.2)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

HEX64 = r"^[0-9a-f]{64}$"
"""A SHA-256 digest, in lowercase hex: the one spelling a root, a hash or a proof step may take."""
_HEX64 = re.compile(r"[0-9a-f]{64}")


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

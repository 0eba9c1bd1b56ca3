"""The stream heads a seal covers, the leaves of its Merkle tree, and the proofs that put one head in it.

The heads `{"stream_id", "version", "hash"}` of all the streams of a service's log at a position, sorted
by `stream_id` (Unicode code points, which is also MongoDB's binary order), each leaf the canonical JSON
of its head.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import NamedTuple

from contracts.audit.merkle import MerkleTree, merkle_root
from contracts.envelope import canonical_dumps


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

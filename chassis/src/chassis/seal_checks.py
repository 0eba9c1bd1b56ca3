"""A stream checked against the latest seal of its service's log (the auditor's read of a stream): the seal's
signature, the stream's sealed head among those the seal covers, then the event the log holds today at the
sealed version."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pymongo import ASCENDING

from contracts.audit import Seal, StreamHead, head_proofs, verify_inclusion, verify_seal

if TYPE_CHECKING:
    from chassis.seals import Seals

Doc = dict[str, Any]


async def check_stream(seals: Seals, stream_id: str) -> Doc | None:
    """The stream against the latest seal, or None when the stream is newer than it: the seal's signature (by
    the keyring), the stream among the heads stored beside it and those heads against its signed root (the
    stream's inclusion proof), then the event the log holds today at the sealed version against the sealed
    head. A stream rewritten after the seal with its chain recomputed holds together by itself; it no longer
    gives the sealed head."""
    first = await seals.events.find_one({"stream_id": stream_id}, {"position": 1}, sort=[("version", ASCENDING)])
    seal = await seals.latest()
    if first is None or seal is None or seal.position < int(first["position"]):
        return None  # not sealed yet: the next seal covers it
    # The latest seal, not the latest row naming the stream: deleting rows must not send the check to an
    # older seal (or to none). The stream must be among its heads, and its heads must give its signed root.
    problems = verify_seal(seal, seals.keyring) if seals.keyring is not None else []
    head = await seals.book.of_stream(stream_id, seal.seq)
    if head is None:
        problems.append(
            f"réécrit depuis le {seal.label} : le flux manque aux têtes conservées avec le sceau (table "
            "seal_heads modifiée)"
        )
    else:
        problems += await _sealed_head_problems(seals, seal, head)
    return {
        "seal": seal.seq,
        "version": head.version if head else None,
        "hash": head.hash if head else None,
        "intact": not problems,
        "problems": problems,
        "signature_checked": seals.keyring is not None,
    }


async def _included(seals: Seals, seal: Seal, head: StreamHead) -> bool:
    """Whether the stored `head` is the one the seal's signed root covers. Against heads that give the root,
    it is when it is theirs (no other head of the stream can give the same root); else, as the rows stand,
    by its inclusion proof among them."""
    async with seals.turn:
        covered = await seals.covered.of(seal.seq, seal.root)
    if covered is not None:
        return covered.get(head.stream_id) == head
    stored = await seals.book.heads_at(seal.seq)
    stored[head.stream_id] = head
    proof = head_proofs(stored.values(), [head.stream_id])[head.stream_id]
    return verify_inclusion(head.leaf(), proof.leaf_index, proof.tree_size, proof.proof, seal.root)


async def _sealed_head_problems(seals: Seals, seal: Seal, head: StreamHead) -> list[str]:
    """What no longer holds of a stream's sealed head: its inclusion in the seal's signed root, then the event
    the log holds today at the sealed version."""
    problems = []
    if not await _included(seals, seal, head):
        problems.append(
            f"réécrit depuis le {seal.label} : les têtes conservées avec le sceau ne donnent plus sa racine "
            "signée (table seal_heads modifiée)"
        )
    event = await seals.events.find_one({"stream_id": head.stream_id, "version": head.version}, {"hash": 1})
    if event is None:
        problems.append(
            f"réécrit depuis le {seal.label} : la version {head.version} scellée n'est plus dans le journal"
        )
    elif event["hash"] != head.hash:
        problems.append(
            f"réécrit depuis le {seal.label} : la version {head.version} scellée avait l'empreinte "
            f"{head.hash[:12]}…, le journal donne aujourd'hui {str(event['hash'])[:12]}… (événements modifiés "
            "et empreintes recalculées)"
        )
    return problems

"""The audit trail's core: RFC 6962 trees, signed and chained seals, keyrings, and the offline bundle."""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import stat
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from contracts.audit import (
    FIRST_PREV,
    Keyring,
    KeyringError,
    Seal,
    StreamHead,
    check_heads,
    diff_heads,
    generate_private_key,
    head_proofs,
    heads_root,
    inclusion_proof,
    key_id_of,
    load_keyring,
    load_private_key,
    merkle_root,
    next_seal,
    public_key_entry,
    public_key_pem,
    sign_seal,
    verify_inclusion,
    verify_seal,
    verify_seal_chain,
)
from contracts.envelope import GENESIS_HASH, Actor, EventEnvelope
from contracts.verify import check_bundle, verify_bundle, write_bundle

T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)

# ---- Merkle tree -------------------------------------------------------------------------------------

# The Certificate Transparency reference inputs, roots and audit paths (RFC 6962 test data, as in
# google/certificate-transparency and transparency-dev/merkle).
CT_LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657")] + [
    bytes.fromhex("606162636465666768696a6b6c6d6e6f")
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_PATHS = [  # (leaf index from 0, tree size, audit path)
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


def _reference_root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) written as RFC 6962 §2.1 defines it, recursively, to check the levelled tree against."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + _reference_root(leaves[:k]) + _reference_root(leaves[k:])).digest()


def _reference_path(index: int, leaves: Sequence[bytes]) -> list[str]:
    """PATH(m, D[n]), RFC 6962 §2.1.1."""
    if len(leaves) <= 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if index < k:
        return [*_reference_path(index, leaves[:k]), _reference_root(leaves[k:]).hex()]
    return [*_reference_path(index - k, leaves[k:]), _reference_root(leaves[:k]).hex()]


def test_roots_are_rfc_6962s_for_every_size_from_0_to_8() -> None:
    for size, root in enumerate(CT_ROOTS):
        assert merkle_root(CT_LEAVES[:size]) == root


def test_audit_paths_are_rfc_6962s_and_verify() -> None:
    for index, size, path in CT_PATHS:
        assert inclusion_proof(CT_LEAVES[:size], index) == path
        assert verify_inclusion(CT_LEAVES[index], index, size, path, CT_ROOTS[size])


def test_every_leaf_of_every_size_from_1_to_33_is_proven_as_rfc_6962_defines_it() -> None:
    leaves = [f"leaf {i}".encode() for i in range(33)]
    for size in range(1, 34):
        root = merkle_root(leaves[:size])
        assert root == _reference_root(leaves[:size]).hex()
        for index in range(size):
            proof = inclusion_proof(leaves[:size], index)
            assert proof == _reference_path(index, leaves[:size])
            assert verify_inclusion(leaves[index], index, size, proof, root)


def _tampered(proof: list[str]) -> list[list[str]]:
    flipped = [[*proof[:i], f"{int(h[0], 16) ^ 1:x}{h[1:]}", *proof[i + 1 :]] for i, h in enumerate(proof)]
    return [*flipped, proof[:-1], [*proof, proof[0] if proof else CT_ROOTS[0]], proof[::-1] if len(proof) > 1 else []]


def test_a_tampered_proof_leaf_index_size_or_root_fails() -> None:
    leaves = [f"leaf {i}".encode() for i in range(33)]
    for size in (1, 2, 3, 5, 8, 13, 33):
        root = merkle_root(leaves[:size])
        for index in range(size):
            proof = inclusion_proof(leaves[:size], index)
            for bad in _tampered(proof):
                if bad != proof:
                    assert not verify_inclusion(leaves[index], index, size, bad, root), (size, index, bad)
            assert not verify_inclusion(b"forged", index, size, proof, root)
            assert not verify_inclusion(leaves[index], index, size, proof, CT_ROOTS[0])
            for other in (index - 1, index + 1, size):
                if other != index:
                    assert not verify_inclusion(leaves[index], other, size, proof, root)
            if proof:
                # the same hashes spelled in capitals: one tree, one spelling
                assert not verify_inclusion(leaves[index], index, size, [proof[0].upper(), *proof[1:]], root)


def test_ten_thousand_leaves_are_proven_well_under_a_second() -> None:
    heads = [StreamHead(f"decl-{i:05d}", i % 7 + 1, hashlib.sha256(str(i).encode()).hexdigest()) for i in range(10_000)]
    started = time.perf_counter()
    root = heads_root(heads)
    proofs = head_proofs(heads)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0
    for stream_id in ("decl-00000", "decl-04097", "decl-09999"):
        head, index, size, proof = proofs[stream_id]
        assert size == 10_000 and proof == _reference_path(index, [h.leaf() for h in heads])
        assert verify_inclusion(head.leaf(), index, size, proof, root)


# ---- stream heads ------------------------------------------------------------------------------------


def test_a_head_is_the_canonical_json_of_its_stream_version_and_hash() -> None:
    head = StreamHead("decl-é", 3, "ab" * 32)
    assert head.leaf() == ('{"hash":"' + "ab" * 32 + '","stream_id":"decl-é","version":3}').encode()


def test_the_root_of_heads_does_not_depend_on_the_order_they_come_in() -> None:
    heads = [StreamHead(f"s{i}", i, f"{i:064x}") for i in range(1, 6)]
    assert heads_root(heads) == heads_root(heads[::-1]) == merkle_root([h.leaf() for h in heads])


def test_a_stream_with_two_heads_is_refused() -> None:
    with pytest.raises(ValueError, match="deux têtes"):
        heads_root([StreamHead("s", 1, "a" * 64), StreamHead("s", 2, "b" * 64)])


# ---- seals and keys ----------------------------------------------------------------------------------

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
HEADS = [StreamHead(f"decl-{i}", i, f"{i:064x}") for i in range(1, 4)]


def _keyring(*entries_of: tuple[Ed25519PrivateKey, str]) -> Keyring:
    return Keyring(keys=tuple(public_key_entry(key, service, T0 - timedelta(days=30)) for key, service in entries_of))


KEYRING = _keyring((KEY, "declarations"))


def _chain(count: int, key: Ed25519PrivateKey = KEY) -> list[Seal]:
    seals: list[Seal] = []
    for n in range(count):
        seal = next_seal("declarations", HEADS, 100 * (n + 1), seals[-1] if seals else None, T0 + timedelta(hours=n))
        seals.append(sign_seal(seal, key))
    return seals


def test_a_signed_seal_verifies_and_names_its_key() -> None:
    seal = _chain(1)[0]
    assert seal.key_id == key_id_of(KEY.public_key()) and len(seal.key_id) == 16
    assert seal.prev == FIRST_PREV and seal.streams == 3 and seal.root == heads_root(HEADS)
    assert verify_seal(seal, KEYRING) == []
    assert b"signature" not in seal.payload()
    assert seal.digest() == hashlib.sha256(seal.payload()).hexdigest()


def test_a_seal_changed_after_signing_is_refused() -> None:
    seal = _chain(1)[0]
    for change in ({"position": 101}, {"root": "0" * 64}, {"sealed_at": T0 + timedelta(seconds=1)}):
        assert verify_seal(seal.model_copy(update=change), KEYRING) == [
            "sceau n° 1 : signature invalide — sceau modifié ou signé par une autre clé"
        ]


def test_a_seal_dates_to_the_millisecond_in_utc() -> None:
    seal = next_seal("declarations", HEADS, 1, sealed_at=datetime(2026, 6, 1, 12, 0, 0, 123456, tzinfo=UTC))
    assert seal.sealed_at == datetime(2026, 6, 1, 12, 0, 0, 123000, tzinfo=UTC)
    assert Seal.model_validate_json(seal.model_dump_json()) == seal


def test_a_seal_signed_with_a_key_not_in_the_keyring_is_refused() -> None:
    seal = _chain(1, OTHER_KEY)[0]
    assert verify_seal(seal, KEYRING) == [f"sceau n° 1 : signé par une clé inconnue du trousseau ({seal.key_id})"]


def test_a_seal_naming_a_known_key_but_signed_with_another_is_refused() -> None:
    seal = _chain(1, OTHER_KEY)[0].model_copy(update={"key_id": key_id_of(KEY.public_key())})
    assert verify_seal(seal, KEYRING) == ["sceau n° 1 : signature invalide — sceau modifié ou signé par une autre clé"]


def test_a_seal_signed_with_the_key_of_another_service_is_refused() -> None:
    seal = _chain(1, OTHER_KEY)[0]
    keyring = _keyring((KEY, "declarations"), (OTHER_KEY, "taxcalc"))
    assert verify_seal(seal, keyring) == [
        f"sceau n° 1 : signé par la clé {seal.key_id} du service « taxcalc », pas du service « declarations »"
    ]


def test_a_seal_dated_outside_its_keys_validity_is_refused() -> None:
    seal = _chain(1)[0]
    retired = Keyring(keys=(public_key_entry(KEY, "declarations", T0 - timedelta(days=30), T0 - timedelta(days=1)),))
    future = Keyring(keys=(public_key_entry(KEY, "declarations", T0 + timedelta(days=1)),))
    for keyring in (retired, future):
        [problem] = verify_seal(seal, keyring)
        assert problem.startswith("sceau n° 1 : daté du 01/06/2026 à 10:00:00,000 UTC, hors de la période de validité")
    last_day = Keyring(keys=(public_key_entry(KEY, "declarations", T0, T0),))
    assert verify_seal(seal, last_day) == []


def test_an_unsigned_seal_is_refused() -> None:
    assert verify_seal(next_seal("declarations", HEADS, 1, sealed_at=T0), KEYRING) == ["sceau n° 1 : non signé"]


def test_a_signature_spelled_otherwise_in_base64_is_refused() -> None:
    seal = _chain(1)[0]
    last = seal.signature.rstrip("=")[-1]
    # the last character of 64 bytes in base64 carries 4 unused bits: a lax decoder reads both alike
    twin = seal.signature.rstrip("=")[:-1] + chr(ord(last) ^ 1) + "=="
    assert verify_seal(seal.model_copy(update={"signature": twin}), KEYRING) != []


# ---- the chain of seals ------------------------------------------------------------------------------


def test_an_intact_chain_of_seals_verifies_in_whatever_order_it_is_read() -> None:
    seals = _chain(5)
    assert verify_seal_chain(seals, KEYRING) == []
    assert verify_seal_chain(random.Random(4).sample(seals, 5), KEYRING) == []
    assert verify_seal_chain(seals[2:], KEYRING, after=seals[1]) == []


def test_a_missing_seal_is_named() -> None:
    seals = _chain(5)
    assert verify_seal_chain([*seals[:2], *seals[3:]], KEYRING) == ["sceau n° 4 : sceau n° 3 manquant"]
    assert verify_seal_chain([seals[0], seals[4]], KEYRING) == ["sceau n° 5 : sceaux n° 2 à 4 manquants"]
    assert verify_seal_chain(seals[1:], KEYRING) == ["sceau n° 2 : sceau n° 1 manquant"]


def test_a_seal_present_twice_is_named() -> None:
    seals = _chain(3)
    assert verify_seal_chain([*seals, seals[1]], KEYRING) == ["sceau n° 2 : présent deux fois — sceau rejoué ?"]


def test_a_seal_older_than_the_one_already_trusted_is_named() -> None:
    seals = _chain(4)
    assert verify_seal_chain([seals[1], seals[3]], KEYRING, after=seals[2]) == [
        "sceau n° 2 : antérieur au sceau n° 3 déjà vérifié — sceau rejoué ?"
    ]


def test_an_old_seal_replayed_under_a_new_number_does_not_follow_the_chain() -> None:
    seals = _chain(4)
    # whoever holds the key seals a rewritten log as n° 4, chained on n° 2 as if n° 3 had never been
    replayed = sign_seal(seals[3].model_copy(update={"prev": seals[1].digest()}), KEY)
    assert verify_seal_chain([*seals[:3], replayed], KEYRING) == [
        "sceau n° 4 : ne suit pas le sceau n° 3 (empreinte précédente différente) — sceau rejoué ou inséré ?"
    ]


def test_two_different_seals_with_one_number_are_named() -> None:
    seals = _chain(3)
    forged = sign_seal(seals[1].model_copy(update={"root": "f" * 64}), KEY)
    problems = verify_seal_chain([*seals, forged], KEYRING)
    assert "sceau n° 2 : deux sceaux différents portent ce numéro — sceau rejoué ou falsifié ?" in problems


def test_seals_signed_out_of_order_are_named() -> None:
    seals = _chain(3)
    backdated = sign_seal(seals[2].model_copy(update={"sealed_at": seals[1].sealed_at, "position": 150}), KEY)
    assert verify_seal_chain([*seals[:2], backdated], KEYRING) == [
        "sceau n° 3 : position 150 antérieure à celle du sceau n° 2 (200)",
        "sceau n° 3 : daté du 01/06/2026 à 11:00:00,000 UTC, pas après le sceau n° 2 (01/06/2026 à 11:00:00,000 UTC)",
    ]


def test_a_seal_forged_with_another_key_breaks_the_chain() -> None:
    seals = _chain(3)
    forged = sign_seal(seals[2].model_copy(update={"root": "f" * 64}), OTHER_KEY)
    assert verify_seal_chain([*seals[:2], forged], KEYRING) == [
        f"sceau n° 3 : signé par une clé inconnue du trousseau ({key_id_of(OTHER_KEY.public_key())})"
    ]


def test_a_first_seal_naming_a_previous_one_is_named() -> None:
    seal = sign_seal(next_seal("declarations", HEADS, 1, sealed_at=T0).model_copy(update={"prev": "a" * 64}), KEY)
    assert verify_seal_chain([seal], KEYRING) == [
        "sceau n° 1 : devrait ouvrir la chaîne, mais nomme un sceau précédent"
    ]


# ---- the log against its seal ------------------------------------------------------------------------


def test_the_heads_of_the_log_match_their_seal() -> None:
    seal = _chain(1)[0]
    assert check_heads(seal, HEADS[::-1]) == []


def test_a_rewritten_stream_no_longer_gives_the_sealed_root() -> None:
    seal = _chain(1)[0]
    rewritten = [HEADS[0], StreamHead("decl-2", 2, "e" * 64), HEADS[2]]
    assert check_heads(seal, rewritten) == [
        "sceau n° 1 : les têtes des flux à la position 100 ne donnent pas la racine scellée "
        "— journal modifié après le scellement"
    ]
    assert len(check_heads(seal, HEADS[:2])) == 2


def test_diff_heads_names_each_stream_rewritten_truncated_removed_or_added() -> None:
    current = [
        StreamHead("decl-1", 1, "ab12" + "0" * 60),
        StreamHead("decl-2", 1, HEADS[1].hash),
        StreamHead("decl-4", 1, "cd34" + "0" * 60),
    ]
    sealed = [StreamHead("decl-1", 1, "cd34" + "0" * 60), *HEADS[1:]]
    assert diff_heads(sealed, current) == [
        "flux decl-1 : tête scellée version 1 (hash cd3400000000…), trouvée version 1 (hash ab1200000000…) "
        "— flux réécrit",
        "flux decl-2 : tête scellée version 2 (hash 000000000000…), trouvée version 1 (hash 000000000000…) "
        "— événements retirés — flux tronqué",
        "flux decl-3 : scellé (version 3, hash 000000000000…) mais absent du journal — flux supprimé",
        "flux decl-4 : présent dans le journal (version 1, hash cd3400000000…) mais absent du sceau "
        "— flux ajouté après coup",
    ]
    assert diff_heads(HEADS, HEADS[::-1]) == []


# ---- key files ---------------------------------------------------------------------------------------


def test_a_private_key_is_written_for_its_owner_only_and_never_over_another(tmp_path: Path) -> None:
    path = tmp_path / "declarations.pem"
    key = generate_private_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert key_id_of(load_private_key(path).public_key()) == key_id_of(key.public_key())
    with pytest.raises(FileExistsError):
        generate_private_key(path)


def test_a_public_key_is_not_a_private_key(tmp_path: Path) -> None:
    path = tmp_path / "public.pem"
    path.write_text(public_key_pem(KEY.public_key()))
    with pytest.raises(KeyringError, match="clé privée illisible"):
        load_private_key(path)


def test_a_keyring_is_saved_and_loaded(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    keyring = _keyring((KEY, "declarations"), (OTHER_KEY, "taxcalc"))
    path.write_text(keyring.dumps())
    assert load_keyring(path) == keyring
    assert json.loads(path.read_text())["keys"][0]["not_after"] is None


def test_a_pem_public_key_is_a_keyring_of_one_key_bound_to_nothing(tmp_path: Path) -> None:
    path = tmp_path / "public.pem"
    path.write_text(public_key_pem(KEY.public_key()))
    keyring = load_keyring(path)
    assert [(entry.key_id, entry.service) for entry in keyring.keys] == [(key_id_of(KEY.public_key()), None)]
    assert verify_seal(_chain(1)[0], keyring) == []


def test_a_keyring_entry_must_name_its_key_rightly(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    entry = public_key_entry(KEY, "declarations").model_dump(mode="json")
    path.write_text(json.dumps({"format": 1, "keys": [{**entry, "key_id": "0" * 16}]}))
    with pytest.raises(KeyringError, match="n'est pas celui de la clé"):
        load_keyring(path)
    path.write_text(json.dumps({"format": 1, "keys": [entry, entry]}))
    with pytest.raises(KeyringError, match="deux fois"):
        load_keyring(path)


def test_a_private_key_in_a_keyring_is_refused(tmp_path: Path) -> None:
    private = tmp_path / "private.pem"
    generate_private_key(private)
    with pytest.raises(KeyringError, match="clé privée"):
        load_keyring(private)


# ---- the bundle --------------------------------------------------------------------------------------


def _stream(stream_id: str, count: int, first_position: int, step: int) -> list[EventEnvelope]:
    events, prev = [], GENESIS_HASH
    for version in range(1, count + 1):
        event = EventEnvelope(
            type="LineAdded",
            schema_version=2,
            stream_id=stream_id,
            stream_type="declaration",
            version=version,
            occurred_at=T0 + timedelta(minutes=version),
            territory="972",
            actor=Actor(id="déclarant-1", role="declarant"),
            correlation_id=f"corr-{stream_id}",
            data={"line": version, "label": "Rhum « vieux »", "amount": "1250.50"},
            position=first_position + step * (version - 1),
        ).chained(prev)
        prev = event.hash
        events.append(event)
    return events


OTHER_HEADS = [StreamHead(f"other-{i}", 1, f"{i:064x}") for i in range(4)]


def _heads_at(streams: dict[str, list[EventEnvelope]], position: int) -> list[StreamHead]:
    """The head of each stream at `position`, as the chassis reads them from the log; and four more."""
    heads = []
    for stream_id, events in streams.items():
        last = [event for event in events if (event.position or 0) <= position][-1]
        heads.append(StreamHead(stream_id, last.version, last.hash))
    return [*heads, *OTHER_HEADS]


def _log() -> tuple[Seal, dict[str, list[EventEnvelope]]]:
    """Three streams of the seven sealed at position 40; decl-c goes on after it, at positions 43 and 53."""
    streams = {"decl-a": _stream("decl-a", 4, 1, 10), "decl-b": _stream("decl-b", 3, 2, 10)}
    streams["decl-c"] = _stream("decl-c", 6, 3, 10)
    return sign_seal(next_seal("declarations", _heads_at(streams, 40), 40, sealed_at=T0), KEY), streams


def _bundle(seal: Seal, streams: dict[str, list[EventEnvelope]], exported: Sequence[str] | None = None) -> bytes:
    proofs = head_proofs(_heads_at(streams, seal.position), exported or list(streams))
    events = sorted((e for sid in proofs for e in streams[sid]), key=lambda e: e.position or 0)
    out = io.BytesIO()
    write_bundle(out, "declarations", seal, proofs, events, created_at=T0 + timedelta(hours=1))
    return out.getvalue()


def test_a_bundle_verifies_and_says_what_the_seal_does_not_cover() -> None:
    seal, streams = _log()
    data = _bundle(seal, streams)
    report = check_bundle(io.BytesIO(data), KEYRING)
    assert report.problems == []
    assert (report.streams, report.sealed_events, report.unsealed_events) == (3, 11, 2)
    assert report.notes == [
        "flux decl-c : 2 événements postérieurs au sceau (versions 5 à 6), chaînés à la tête scellée "
        "mais non couverts par le sceau"
    ]
    lines = [json.loads(line) for line in data.decode().splitlines()]
    assert [line["kind"] for line in lines[:3]] == ["bundle", "seal", "stream"]
    assert lines[0] == {
        "kind": "bundle",
        "format": 1,
        "service": "declarations",
        "created_at": "2026-06-01T11:00:00Z",
    }
    assert lines[-1]["kind"] == "end" and lines[-1]["lines"] == len(lines) - 1
    assert [line["sealed"] for line in lines if line["kind"] == "event"].count(False) == 2


def test_a_bundle_of_some_streams_only_verifies() -> None:
    seal, streams = _log()
    assert verify_bundle(io.BytesIO(_bundle(seal, streams, ["decl-b"])), KEYRING) == []


def test_any_byte_changed_in_a_bundle_is_found() -> None:
    seal, streams = _log()
    data = _bundle(seal, streams)
    # every fifth byte, one bit each time, in turn; and every byte of the seal's line, with two bits
    seal_line = range(data.index(b"\n") + 1, data.index(b"\n", data.index(b"\n") + 1) + 1)
    changes = [(at, 1 << (at // 5 % 8)) for at in range(0, len(data), 5)]
    changes += [(at, mask) for at in seal_line for mask in (0x01, 0x20)]
    for at, mask in changes:
        changed = bytearray(data)
        changed[at] ^= mask
        assert verify_bundle(io.BytesIO(bytes(changed)), KEYRING), (at, mask, data[at - 20 : at + 20])


def test_a_bundle_cut_short_or_lengthened_is_found() -> None:
    seal, streams = _log()
    data = _bundle(seal, streams)
    last_line_start = data.rindex(b"\n", 0, len(data) - 1) + 1
    assert "le lot n'a pas de ligne de fin — lot tronqué ?" in verify_bundle(
        io.BytesIO(data[:last_line_start]), KEYRING
    )
    assert verify_bundle(io.BytesIO(data[:-1]), KEYRING)
    assert verify_bundle(io.BytesIO(data + data.splitlines(keepends=True)[3]), KEYRING)


def test_a_stream_rewritten_and_rechained_is_found() -> None:
    seal, streams = _log()
    # someone with write access rewrites decl-a's second event and recomputes the chain after it
    rewritten, prev = [], GENESIS_HASH
    for event in streams["decl-a"]:
        data = {**event.data, "amount": "1.00"} if event.version == 2 else event.data
        event = event.model_copy(update={"data": data}).chained(prev)
        prev = event.hash
        rewritten.append(event)
    problems = verify_bundle(io.BytesIO(_bundle(seal, {**streams, "decl-a": rewritten})), KEYRING)
    assert any(p.startswith("flux decl-a : tête version 4") and "preuve d'inclusion invalide" in p for p in problems)


def test_a_bundle_sealed_with_an_unknown_key_is_refused() -> None:
    seal, streams = _log()
    data = _bundle(seal, streams)
    assert verify_bundle(io.BytesIO(data), _keyring((OTHER_KEY, "declarations"))) == [
        f"sceau n° 1 : signé par une clé inconnue du trousseau ({seal.key_id})"
    ]


def test_a_line_that_is_not_json_is_named_by_its_number() -> None:
    seal, streams = _log()
    lines = _bundle(seal, streams).split(b"\n")
    lines[4] = b"{pas du json"
    problems = verify_bundle(io.BytesIO(b"\n".join(lines)), KEYRING)
    assert "ligne 5 : JSON illisible (colonne 2)" in problems


# ---- the command -------------------------------------------------------------------------------------


def _verify(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "contracts.verify", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def test_the_command_says_what_it_verified_and_exits_0_1_or_2(tmp_path: Path) -> None:
    seal, streams = _log()
    bundle, keyring, pem = tmp_path / "lot.jsonl", tmp_path / "trousseau.json", tmp_path / "cle.pem"
    bundle.write_bytes(_bundle(seal, streams))
    keyring.write_text(KEYRING.dumps())
    pem.write_text(public_key_pem(KEY.public_key()))

    verified = _verify(bundle, "--key", keyring)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "Sceau n° 1 du 01/06/2026 à 10:00:00,000 UTC : position 40, 7 flux scellés" in verified.stdout
    assert "Lot vérifié : 3 flux et 11 événements conformes au sceau n° 1 du service declarations." in verified.stdout
    with_pem = _verify(bundle, f"--key={pem}")
    assert with_pem.returncode == 0 and "clé publique seule" in with_pem.stdout

    tampered = tmp_path / "retouché.jsonl"
    tampered.write_bytes(bundle.read_bytes().replace(b"1250.50", b"1250.51", 1))
    refused = _verify(tampered, "--key", keyring)
    assert refused.returncode == 1 and "Lot NON vérifié" in refused.stdout

    missing = _verify(tmp_path / "absent.jsonl", "--key", keyring)
    assert missing.returncode == 2 and "lot illisible" in missing.stderr and "fichier introuvable" in missing.stderr
    assert _verify(bundle).returncode == 2
    assert _verify(bundle, "--key", bundle).returncode == 2


def _resealed_end(lines: list[bytes]) -> bytes:
    """The bundle's lines with its `end` line recomputed, as whoever edits a bundle can do."""
    body = b"".join(line + b"\n" for line in lines if b'"kind":"end"' not in line)
    end = {"kind": "end", "lines": body.count(b"\n"), "sha256": hashlib.sha256(body).hexdigest()}
    return body + json.dumps(end, sort_keys=True, separators=(",", ":")).encode() + b"\n"


def test_an_edited_bundle_with_its_end_line_recomputed_is_still_found() -> None:
    seal, streams = _log()
    lines = _bundle(seal, streams).splitlines()
    assert verify_bundle(io.BytesIO(_resealed_end(lines)), KEYRING) == []

    without_head = [line for line in lines if b'"stream_id":"decl-b"' not in line or b'"kind":"event"' in line]
    assert verify_bundle(io.BytesIO(_resealed_end(without_head)), KEYRING) == [
        "flux decl-b : événements sans tête scellée dans le lot"
    ]

    unsealed = [line.replace(b'"sealed":false', b'"sealed":true') for line in lines]
    assert verify_bundle(io.BytesIO(_resealed_end(unsealed)), KEYRING) == [
        "flux decl-c, version 5 : marqué scellé à tort",
        "flux decl-c, version 6 : marqué scellé à tort",
    ]

    last_sealed = next(line for line in lines if b'"stream_id":"decl-a"' in line and line.endswith(b'"version":4}'))
    without_last_sealed = [line for line in lines if line != last_sealed]
    assert (
        "flux decl-a : tête scellée version 4 (hash "
        in verify_bundle(io.BytesIO(_resealed_end(without_last_sealed)), KEYRING)[0]
    )

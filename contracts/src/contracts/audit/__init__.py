"""The audit trail's cryptographic core: seals, signed and chained one to the next, over a Merkle tree of
the heads of all the streams of a service's log, and the keyring that says whose key signs what.

`merkle` builds the RFC 6962 tree and checks inclusion proofs; `heads` makes its leaves of the stream
heads; `seal` is the signed statement of their root; `keyring` the keys that sign seals; `checks` says,
in French, what is wrong with a seal, a chain of seals or a log's heads; `wording` words dates and
refusals. The bundle an auditor verifies offline, and its verifier, are in `contracts.verify`.
"""

from contracts.audit.checks import check_heads, diff_heads, verify_seal, verify_seal_chain
from contracts.audit.heads import HeadProof, StreamHead, head_proofs, heads_root, sorted_heads
from contracts.audit.keyring import (
    Keyring,
    KeyringError,
    PublicKeyEntry,
    generate_private_key,
    key_id_of,
    load_keyring,
    load_private_key,
    public_key_entry,
    public_key_pem,
)
from contracts.audit.merkle import HEX64, MerkleTree, inclusion_proof, merkle_root, verify_inclusion
from contracts.audit.seal import FIRST_PREV, Seal, next_seal, sign_seal
from contracts.audit.wording import french_errors, moment

__all__ = [
    "FIRST_PREV",
    "HEX64",
    "HeadProof",
    "Keyring",
    "KeyringError",
    "MerkleTree",
    "PublicKeyEntry",
    "Seal",
    "StreamHead",
    "check_heads",
    "diff_heads",
    "french_errors",
    "generate_private_key",
    "head_proofs",
    "heads_root",
    "inclusion_proof",
    "key_id_of",
    "load_keyring",
    "load_private_key",
    "merkle_root",
    "moment",
    "next_seal",
    "public_key_entry",
    "public_key_pem",
    "sign_seal",
    "sorted_heads",
    "verify_inclusion",
    "verify_seal",
    "verify_seal_chain",
]

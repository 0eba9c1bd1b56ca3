"""The gauges the operators' alerts read besides the counters: the container's memory limit and the time the
log was last seen sealed (deploy/observability/alerts.yaml). No database: the seals' collections are faked."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from prometheus_client import REGISTRY

from chassis.http.observability import memory_limit
from chassis.seals import Seals
from contracts.audit import next_seal, sign_seal

Doc = dict[str, Any]


def test_the_memory_limit_is_the_cgroup_s_and_none_when_unlimited(tmp_path: Path) -> None:
    v2, v1 = tmp_path / "memory.max", tmp_path / "memory.limit_in_bytes"
    v2.write_text("536870912\n")
    assert memory_limit([v2, v1]) == 512 * 1024 * 1024
    v2.write_text("max\n")
    assert memory_limit([v2, v1]) is None
    v1.write_text(f"{2**63 - 4096}\n")  # cgroup v1's « no limit »
    assert memory_limit([tmp_path / "absent", v1]) is None
    v1.write_text("134217728\n")
    assert memory_limit([tmp_path / "absent", v1]) == 128 * 1024 * 1024
    assert memory_limit([tmp_path / "absent"]) is None


class OneDoc:
    """A collection holding at most one document, enough for `find_one` with a sort."""

    def __init__(self, doc: Doc | None) -> None:
        self.doc = doc

    async def find_one(self, *args: Any, **kwargs: Any) -> Doc | None:
        return self.doc


class FakeDb:
    def __init__(self, collections: dict[str, OneDoc]) -> None:
        self.collections = collections

    def __getitem__(self, name: str) -> OneDoc:
        return self.collections.setdefault(name, OneDoc(None))


async def _no_transaction(work: Any) -> Any:
    raise AssertionError("nothing to write: the log is sealed up to its end")


def _sealed_at(service: str) -> float | None:
    return REGISTRY.get_sample_value("audit_log_sealed_timestamp_seconds", {"service": service})


async def test_a_log_with_nothing_appended_since_its_last_seal_counts_as_sealed_now() -> None:
    key = Ed25519PrivateKey.generate()
    seal = sign_seal(next_seal("sealtest", [], 7, None), key)
    db = FakeDb({"events": OneDoc({"position": 7}), "seals": OneDoc({"_id": seal.seq, **seal.model_dump(mode="json")})})
    seals = Seals(db, "sealtest", key=key, keyring=None, transaction=_no_transaction)  # type: ignore[arg-type]
    before = time.time()
    assert await seals.seal_now() is None
    sealed = _sealed_at("sealtest")
    assert sealed is not None and sealed >= before - 1


async def test_a_log_that_cannot_be_sealed_leaves_the_gauge_where_it_was() -> None:
    # No key configured: no seal, and no sign that the log is sealed (the alert « seal late » then stays
    # quiet because the series is absent: a deployment without a key seals nothing by choice).
    db = FakeDb({"events": OneDoc({"position": 3})})
    seals = Seals(db, "unsealed", key=None, keyring=None, transaction=_no_transaction)  # type: ignore[arg-type]
    assert await seals.seal_now() is None
    assert _sealed_at("unsealed") is None

"""Ports, start failures, and the TEST_INFRA=containers fallback (no Docker engine here)."""

from __future__ import annotations

import logging
import socket
import time
from pathlib import Path

import pytest

from devstack.infra import ContainersUnavailable, EmbeddedInfra, start_containers
from devstack.ports import free_port, wait_for_port, wait_for_port_async
from devstack.servers import KafkaServer, ServerStartError


def test_free_port_and_wait_for_port() -> None:
    port = free_port()
    with pytest.raises(TimeoutError):
        wait_for_port("127.0.0.1", port, timeout=0.2)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        wait_for_port("127.0.0.1", port, timeout=2)


async def test_wait_for_port_async() -> None:
    port = free_port()
    with pytest.raises(TimeoutError):
        await wait_for_port_async("127.0.0.1", port, timeout=0.2)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        await wait_for_port_async("127.0.0.1", port, timeout=2)


def test_server_that_cannot_bind_fails_fast_with_its_log(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        taken = sock.getsockname()[1]
        server = KafkaServer(tmp_path, port=taken)  # an explicit port: no retry on another one
        t0 = time.monotonic()
        with pytest.raises(ServerStartError, match="exited with code"):
            server.start(timeout=20)
        assert time.monotonic() - t0 < 10
        assert not server.running


def test_auto_port_is_retried_when_taken(tmp_path: Path) -> None:
    server = KafkaServer(tmp_path)
    with socket.socket() as sock:  # someone grabs "our" port before the broker binds it
        sock.bind(("127.0.0.1", server.port))
        sock.listen()
        taken = server.port
        try:
            server.start(timeout=20)
            assert server.running and server.port != taken
        finally:
            server.stop()


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown infra backend"):
        EmbeddedInfra(backend="podman")


def test_start_containers_without_docker_raises_containers_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")  # even where Docker runs
    with pytest.raises(ContainersUnavailable, match="no Docker engine"):
        start_containers()


def test_containers_fallback_to_embedded(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    monkeypatch.setenv("TEST_INFRA", "containers")
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    caplog.set_level(logging.WARNING, logger="devstack.infra")
    with EmbeddedInfra(tmp_path) as infra:
        assert infra.requested_backend == "containers" and infra.backend == "embedded"
        assert infra.kafka.running and infra.mongo.running and infra.smtp.running
        assert infra.topics is not None and infra.topics.partitions["essoc.events"] == 6
    assert "falling back to the embedded servers" in caplog.text
    assert not (infra.kafka.running or infra.mongo.running or infra.smtp.running)


async def test_async_infra_with_temporary_var_dir() -> None:
    async with EmbeddedInfra(topics_spec=None) as infra:
        var_dir = infra.var_dir
        assert var_dir.is_dir() and infra.topics is None
        assert {"kafka", "mongo", "smtp", "total"} <= set(infra.startup_seconds)
    assert not var_dir.exists()  # a var dir we created is removed

"""Free TCP ports and waiting until something listens on one."""

from __future__ import annotations

import asyncio
import socket
import time

__all__ = ["free_port", "free_ports", "port_is_open", "wait_for_port", "wait_for_port_async"]

_POLL_S = 0.02


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now.

    The OS picks it (bind to port 0); there is a small window in which another process could
    take it before our server binds it, so callers that chose the port themselves should retry
    on a bind failure.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """`count` distinct TCP ports free on ``host`` right now: each socket is held until all are chosen, so the
    OS cannot hand the same port out twice (one by one, a port just released may come back at once)."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((host, 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def port_is_open(host: str, port: int, timeout: float = 0.2) -> bool:
    """True when a TCP connect to ``host:port`` succeeds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_port(host: str, port: int, timeout: float) -> None:
    """Block until ``host:port`` accepts TCP connections; ``TimeoutError`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        if port_is_open(host, port, timeout=min(0.5, max(0.05, deadline - time.monotonic()))):
            return
        if time.monotonic() >= deadline:
            raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:.1f} s")
        time.sleep(_POLL_S)


async def wait_for_port_async(host: str, port: int, timeout: float) -> None:  # noqa: ASYNC109
    """Async twin of :func:`wait_for_port`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port),
                timeout=min(0.5, max(0.05, deadline - time.monotonic())),
            )
        except (OSError, TimeoutError):
            if time.monotonic() >= deadline:
                raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:.1f} s") from None
            await asyncio.sleep(_POLL_S)
        else:
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass
            return

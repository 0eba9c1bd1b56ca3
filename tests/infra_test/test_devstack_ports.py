"""Free ports for a stack of its own: each process gets its own."""

from __future__ import annotations

import socket

from devstack.ports import free_ports


def test_the_ports_of_a_stack_are_distinct_and_free() -> None:
    for _ in range(50):  # one at a time, a port just released may be handed out again at once
        ports = free_ports(8)
        assert len(set(ports)) == 8
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", port))

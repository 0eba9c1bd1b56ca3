"""Running a coroutine from synchronous code, whatever the calling thread is doing."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``factory()`` to completion on a fresh event loop in a helper thread.

    A helper thread rather than ``asyncio.run`` here: the caller may already run a loop (an
    async test calling a sync helper), and ``asyncio.run`` on the main thread would also reset
    the main thread's current event loop, which pytest-asyncio's session loop relies on.
    """
    outcome: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(asyncio.run(factory()))
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=target, name="devstack-run-sync", daemon=True)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]

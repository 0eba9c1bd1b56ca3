"""The renderer's process: a render's bytes come back, its error comes back as an exception with its message, a
killed worker is replaced, an overrunning one stopped, an idle or well-used one retired."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest

from chassis.renderer import Renderer, RenderFailed


@pytest.fixture
def renderer() -> Renderer:
    renderer = Renderer()
    yield renderer  # type: ignore[misc]
    renderer.close()


async def _until_gone(pid: int) -> None:
    deadline = time.monotonic() + 10
    while not _gone(pid) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with open(f"/proc/{pid}/status") as status:
        return any(line.startswith("State:") and "Z" in line for line in status)


async def test_a_render_runs_in_another_process_and_returns_its_bytes(renderer: Renderer) -> None:
    assert await renderer.render("builtins:bytes", b"%PDF-1.7") == b"%PDF-1.7"
    pid = renderer.pid
    assert pid is not None and pid != os.getpid()


async def test_an_error_in_the_worker_comes_back_with_its_type_and_message_and_the_worker_carries_on(
    renderer: Renderer,
) -> None:
    with pytest.raises(RenderFailed, match=r"ValueError: invalid literal for int\(\) with base 10: 'douze'"):
        await renderer.render("builtins:int", "douze")
    with pytest.raises(RenderFailed, match="ModuleNotFoundError: No module named 'declarations_absentes'"):
        await renderer.render("declarations_absentes:render")
    with pytest.raises(RenderFailed, match="builtins:len a rendu int, pas des octets"):
        await renderer.render("builtins:len", "abc")
    assert await renderer.render("builtins:bytes", 3) == b"\x00\x00\x00"
    assert renderer.started == 1


async def test_a_killed_worker_is_replaced_and_the_next_render_works(renderer: Renderer) -> None:
    await renderer.warm_up("json")
    pid = renderer.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    await _until_gone(pid)
    assert await renderer.render("builtins:bytes", b"apres") == b"apres"
    assert renderer.started == 2
    assert renderer.pid not in (None, pid)


async def test_a_worker_that_dies_during_a_render_is_replaced_and_the_render_tried_once_more() -> None:
    renderer = Renderer()
    try:
        with pytest.raises(RenderFailed, match="le processus de rendu s'est arrêté"):
            await renderer.render("os:_exit", 3)  # kills every worker it runs in
        assert renderer.started == 2
        assert await renderer.render("builtins:bytes", b"ok") == b"ok"
        assert renderer.started == 3
    finally:
        renderer.close()


async def test_a_render_overrunning_its_time_is_stopped() -> None:
    renderer = Renderer(timeout_seconds=0.5)
    try:
        with pytest.raises(RenderFailed, match=r"le rendu a dépassé 0\.5 s"):
            await renderer.render("time:sleep", 30)
        assert renderer.started == 1  # not tried again
        assert await renderer.render("builtins:bytes", b"ok") == b"ok"
    finally:
        renderer.close()


async def test_a_worker_is_retired_after_its_renders_and_when_idle() -> None:
    renderer = Renderer(renders_per_worker=2, idle_seconds=0.3)
    try:
        for _ in range(3):
            await renderer.render("builtins:bytes", 1)
        assert renderer.started == 2
        pid = renderer.pid
        assert pid is not None
        await _until_gone(pid)
        assert renderer.pid is None and _gone(pid)
        assert await renderer.render("builtins:bytes", 1) == b"\x00"
        assert renderer.started == 3
    finally:
        renderer.close()


async def test_renders_asked_at_once_are_drawn_one_after_the_other_by_one_worker(renderer: Renderer) -> None:
    asked = [bytes([n]) * (n + 1) for n in range(8)]
    drawn = await asyncio.gather(*(renderer.render("builtins:bytes", content) for content in asked))
    assert drawn == asked
    assert renderer.started == 1

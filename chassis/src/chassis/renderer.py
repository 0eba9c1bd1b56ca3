"""Draws the PDFs in a process of its own, so that fpdf2, fontTools, Pillow and numpy never load into a service's
memory (issue 26 item 5, decision 0035).

A render names its function (`"declarations.adapters.receipt_pdf:render"`) instead of passing it, so the service
never imports the module that draws; the arguments are plain picklable data (dicts, Decimals, datetimes, a `Font`)
and the answer is the document's bytes. One worker, `python -m chassis.renderer`, speaking length-prefixed pickles
over its stdin and stdout: started on first use (or by `warm_up`), one render at a time, replaced when it dies,
retired after `renders_per_worker` renders (what it may accumulate stays bounded) and after `idle_seconds` without
work (its memory is given back). A render that raises in the worker raises `RenderFailed` with its type and message.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import pickle
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache, partial
from typing import IO

import structlog

log = structlog.get_logger(__name__)

_HEADER = struct.Struct(">I")
_IMPORT = "import"
"""The request that only imports modules (the warm-up), instead of `module:function`."""


class RenderFailed(Exception):
    """The render raised in the worker (its type and message), or the worker stopped or took too long."""


START_SECONDS = 30.0
"""How long a new worker may take to start and say it is ready."""
READY = b"ready"


class _WorkerGone(Exception):
    """The worker's pipe closed: it died (killed, out of memory) or was stopped."""


class Renderer:
    """The service's side of the renderer process; safe to share between threads and event loops."""

    def __init__(
        self,
        *,
        idle_seconds: float = 900.0,
        renders_per_worker: int = 1000,
        timeout_seconds: float = 60.0,
        python: str = sys.executable,
    ) -> None:
        self.idle_seconds = idle_seconds
        self.renders_per_worker = renders_per_worker
        self.timeout_seconds = timeout_seconds
        self.python = python
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._renders = 0
        self._last_used = 0.0
        self._idle_timer: threading.Timer | None = None
        # Renders wait their turn here, in order, not in threads of the loop's default pool.
        self._calls = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdf-renderer")
        self.started = 0
        """How many workers were started (a test sees a crashed one replaced, an idle one retired)."""

    @property
    def pid(self) -> int | None:
        """The running worker's process id, None when there is none."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    async def render(self, target: str, /, *args: object, **kwargs: object) -> bytes:
        """The bytes `module:function`(*args, **kwargs) returns, drawn in the worker."""
        return await asyncio.get_running_loop().run_in_executor(
            self._calls, partial(self.render_now, target, args, kwargs)
        )

    async def warm_up(self, *modules: str) -> None:
        """Starts the worker and imports `modules` in it, so that the first render pays neither."""
        await asyncio.get_running_loop().run_in_executor(self._calls, partial(self.render_now, _IMPORT, modules))

    def render_now(self, target: str, args: tuple[object, ...] = (), kwargs: dict[str, object] | None = None) -> bytes:
        """`render`, blocking the calling thread."""
        request = pickle.dumps((target, args, kwargs or {}), protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:
            try:
                outcome, value = self._exchange(request)
            finally:
                self._last_used = time.monotonic()
                self._arm_idle_timer()
        if outcome == "error":
            raise RenderFailed(value)
        assert isinstance(value, bytes)
        return value

    def close(self) -> None:
        """Stops the worker (a later render starts another)."""
        with self._lock:
            if self._idle_timer is not None:
                self._idle_timer.cancel()
                self._idle_timer = None
            self._stop()

    def _exchange(self, request: bytes) -> tuple[str, object]:
        """Sends one request and reads its answer; a worker found dead is replaced and the request sent again once
        (a render is a pure function of its arguments), a worker that overruns the timeout is killed."""
        for attempt in (1, 2):
            process = self._running()
            overran = threading.Event()
            watchdog = threading.Timer(self.timeout_seconds, _kill, (process, overran))
            watchdog.daemon = True
            watchdog.start()
            try:
                assert process.stdin is not None and process.stdout is not None
                _write(process.stdin, request)
                answer = _read(process.stdout)
            except (_WorkerGone, OSError) as gone:
                self._stop()
                if overran.is_set():
                    raise RenderFailed(f"le rendu a dépassé {self.timeout_seconds:g} s : processus arrêté") from gone
                if attempt == 2:
                    raise RenderFailed(f"le processus de rendu s'est arrêté (code {process.returncode})") from gone
                log.warning("pdf renderer gone, starting another", code=process.returncode)
                continue
            finally:
                watchdog.cancel()
            self._renders += 1
            if self._renders >= self.renders_per_worker:
                self._stop()
            outcome, value = pickle.loads(answer)  # our own child process, over its private pipe
            return str(outcome), value
        raise AssertionError("unreachable")

    def _running(self) -> subprocess.Popen[bytes]:
        if self._process is not None and self._process.poll() is None:
            return self._process
        self._stop()
        process = subprocess.Popen(
            [self.python, "-m", "chassis.renderer"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0
        )
        # The render's timeout counts from a worker ready to draw: its start (an interpreter, its imports) has its
        # own, longer bound, and a slow start on a loaded machine is not a render that overran.
        overran = threading.Event()
        watchdog = threading.Timer(START_SECONDS, _kill, (process, overran))
        watchdog.daemon = True
        watchdog.start()
        try:
            assert process.stdout is not None
            if _read(process.stdout) != READY:
                raise _WorkerGone
        except (_WorkerGone, OSError) as gone:
            process.kill()
            raise RenderFailed(f"le processus de rendu n'a pas démarré en {START_SECONDS:g} s") from gone
        finally:
            watchdog.cancel()
        self._process = process
        self._renders = 0
        self.started += 1
        return process

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()  # the worker reads the end of its input and exits
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _arm_idle_timer(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        self._idle_timer = threading.Timer(self.idle_seconds, self._retire_if_idle)
        self._idle_timer.daemon = True
        self._idle_timer.start()

    def _retire_if_idle(self) -> None:
        with self._lock:
            if time.monotonic() - self._last_used >= self.idle_seconds * 0.99:
                self._stop()


@cache
def shared_renderer() -> Renderer:
    """The process's renderer: one worker for every PDF the service draws."""
    return Renderer()


@dataclass(frozen=True)
class RendererWarmUp:
    """A service's background task: starts the worker with `modules` imported as the service starts, so that the
    first filing's receipt does not wait for it (0.8 s). The worker ends with the service's process (its input
    closes), or after `idle_seconds` without work."""

    renderer: Renderer
    modules: tuple[str, ...]

    async def run(self, stop: asyncio.Event) -> None:
        try:
            await self.renderer.warm_up(*self.modules)
        except RenderFailed as error:
            log.warning("pdf renderer warm-up failed", error=str(error))


def _kill(process: subprocess.Popen[bytes], overran: threading.Event) -> None:
    overran.set()
    process.kill()


def _write(pipe: IO[bytes], payload: bytes) -> None:
    pipe.write(_HEADER.pack(len(payload)) + payload)
    pipe.flush()


def _read(pipe: IO[bytes]) -> bytes:
    header = _read_exactly(pipe, _HEADER.size)
    return _read_exactly(pipe, _HEADER.unpack(header)[0])


def _read_exactly(pipe: IO[bytes], size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = pipe.read(left)
        if not chunk:
            raise _WorkerGone
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _function(target: str) -> Callable[..., object]:
    module, _, name = target.partition(":")
    function = getattr(importlib.import_module(module), name)
    assert callable(function), target
    return function  # type: ignore[no-any-return]


def _answer(target: str, args: tuple[object, ...], kwargs: dict[str, object]) -> tuple[str, object]:
    try:
        if target == _IMPORT:
            for module in args:
                importlib.import_module(str(module))
            return "ok", b""
        content = _function(target)(*args, **kwargs)
        if not isinstance(content, bytes | bytearray):
            return "error", f"TypeError: {target} a rendu {type(content).__name__}, pas des octets"
        return "ok", bytes(content)
    except Exception as error:  # every failure goes back, the worker carries on
        return "error", f"{type(error).__name__}: {error}"


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """The worker's loop: a request, its answer, until its input ends."""
    while True:
        try:
            request = _read(requests)
        except _WorkerGone:
            return
        target, args, kwargs = pickle.loads(request)  # from the service that started this process
        _write(answers, pickle.dumps(_answer(target, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL))


def main() -> None:
    # The answers get stdout's pipe to themselves: whatever a library prints goes to stderr, with the logs.
    answers = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _write(answers, READY)
    serve(os.fdopen(0, "rb", buffering=0), answers)


if __name__ == "__main__":
    main()
